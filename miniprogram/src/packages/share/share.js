// The share page: what a researcher chose to share of their manuscript, for anyone, without logging in. Opened from
// a chat card (`?id=<share id>`) or by scanning a poster's Mini Program code (`?scene=s%3D<id>`, resolved through
// GET /api/v1/shares/by-scene/{scene}). Shows the public record (GET /api/v1/shares/{id}, no token: title, journal,
// milestone, its date, the DOI once published, the sharer and, when they chose, co-authors) and reports the open
// once (the sharer sees how many opened it; nothing else rides on it). App launch logs nothing in for this page
// (utils/shares.js isPublicEntry); "follow this journal" logs in on its tap (the app's wx.login flow) and then
// POST /api/v1/shares/{id}/follow-journal. A 404 means the author withdrew it: a friendly state, not an error.
const api = require('../../utils/api')
const shares = require('../../utils/shares')
const texts = require('./texts')

Page({
  data: {
    t: {},
    state: 'loading', // loading | ready | withdrawn | error
    share: null, // shares.publicView
    sharedBy: '',
    follow: 'idle', // idle | busy | done
  },

  shareId: '',
  scene: '',
  loaded: null, // the backend's public share, kept to re-render in another language

  onLoad(query) {
    const id = String((query && query.id) || '')
    this.shareId = shares.isShareId(id) ? id : ''
    // WeChat hands a code's scene to the page URL-encoded.
    this.scene = query && query.scene ? decodeURIComponent(String(query.scene)) : ''
    this.render()
    return this.load()
  },

  onShow() {
    this.render()
  },

  render() {
    const share = this.loaded ? shares.publicView(this.loaded) : null
    this.setData({
      t: texts.strings(),
      share,
      sharedBy: share && share.sharer ? texts.t('shareSharedBy', { name: share.sharer }) : texts.t('shareSharedByFallback'),
    })
    texts.setTitle('titleShare')
  },

  withdrawn() {
    this.loaded = null
    this.setData({ state: 'withdrawn' })
    this.render()
  },

  async load() {
    if (!this.shareId && !this.scene) {
      this.withdrawn()
      return
    }
    if (!this.loaded) this.setData({ state: 'loading' })
    try {
      this.loaded = this.shareId ? await shares.fetchPublic(this.shareId) : await shares.fetchByScene(this.scene)
      this.shareId = this.loaded.id
      this.setData({ state: 'ready' })
      this.render()
      shares.reportOpened(this.shareId)
    } catch (err) {
      if (err.statusCode === 404) {
        this.withdrawn()
        return
      }
      api.showError(err)
      if (!this.loaded) this.setData({ state: 'error' })
    }
  },

  onRetry() {
    return this.load()
  },

  /** "Follow this journal": the one thing here that needs an account, so the login happens on this tap. */
  async onFollowJournal() {
    if (this.data.follow !== 'idle' || !this.shareId) return
    this.setData({ follow: 'busy' })
    if (api.isSignedOut() || !api.usableToken()) await getApp().signIn() // toasts when it fails
    if (!api.usableToken()) {
      this.setData({ follow: 'idle' })
      return
    }
    try {
      await api.request(`/api/v1/shares/${encodeURIComponent(this.shareId)}/follow-journal`, { method: 'POST', toast: false })
      this.setData({ follow: 'done' })
      wx.showToast({ icon: 'success', title: texts.t('toastFollowed') })
    } catch (err) {
      this.setData({ follow: 'idle' })
      if (err.statusCode === 404) this.withdrawn()
      else api.showError(err)
    }
  },

  onOpenApp() {
    wx.switchTab({ url: '/pages/home/home' })
  },

  /** The DOI as a link (https://doi.org/…) on the clipboard, a privacy API: see pages/manuscript/detail.js copy(). */
  onCopyDoi() {
    const link = this.data.share && this.data.share.doiLink
    if (!link) return
    wx.setClipboardData({
      data: link,
      success: () => wx.showToast({ icon: 'none', title: texts.t('toastDoiLinkCopied') }),
      fail: (res) => {
        const refused = /privacy permission is not authorized/i.test((res && res.errMsg) || '')
        wx.showToast({ icon: 'none', title: texts.t(refused ? 'toastCopyNeedsPrivacy' : 'toastCopyFailed') })
      },
    })
  },

  /** Passing the share on is passing the same public record: the same page, card and image. */
  onShareAppMessage() {
    const share = this.data.share
    if (!share) return { title: 'Scholar Link', path: '/pages/home/home' }
    return { title: share.title, path: shares.sharePagePath(share.id), imageUrl: shares.cardUrl(share.id) }
  },
})
