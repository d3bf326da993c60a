// The share poster (`?id=<share id>`, from the manuscript page's share section): the backend draws it (GET
// /api/v1/shares/{id}/poster.png, no token: journal, title, milestone, date, sharer and a Mini Program code that
// opens the share page). Downloaded with wx.downloadFile, shown, and saved with wx.saveImageToPhotosAlbum. The album
// is a permission (scope.writePhotosAlbum): once refused, WeChat fails every save with "auth deny" without asking
// again, so we explain and open WeChat's settings; when the researcher allows it there, the save is tried again.
// 503: WeChat could not make the code (e.g. the share page is not released yet): "try later". 404: withdrawn.
const i18n = require('../../utils/i18n')
const shares = require('../../utils/shares')
const texts = require('./texts')

const ALBUM_SCOPE = 'scope.writePhotosAlbum'

// Saving to the album is also a WeChat privacy API (privacy_key AlbumWriteOnly, ../../../privacy-declaration.json):
// before the researcher agreed to the privacy guide WeChat holds the call for our popup; a refusal there fails it
// with "privacy permission is not authorized", which is not the album permission.
const PRIVACY_REFUSED = /privacy permission is not authorized/i

/** Whether a save failed because the album permission is refused (as opposed to cancelled or broken). */
function albumRefused(errMsg) {
  const text = String(errMsg || '')
  return !PRIVACY_REFUSED.test(text) && /auth deny|auth denied|authorize/i.test(text)
}

function download(url) {
  return new Promise((resolve) => {
    wx.downloadFile({
      url,
      header: { 'Accept-Language': i18n.getLanguage() },
      success: resolve,
      fail: (res) => resolve({ statusCode: 0, errMsg: res && res.errMsg }),
    })
  })
}

function saveToAlbum(filePath) {
  return new Promise((resolve) => {
    wx.saveImageToPhotosAlbum({ filePath, success: () => resolve({ ok: true }), fail: (res) => resolve({ ok: false, errMsg: (res && res.errMsg) || '' }) })
  })
}

function confirmModal(options) {
  return new Promise((resolve) => {
    wx.showModal(Object.assign({}, options, { success: (res) => resolve(Boolean(res && res.confirm)), fail: () => resolve(false) }))
  })
}

function openSettings() {
  return new Promise((resolve) => {
    wx.openSetting({ success: (res) => resolve((res && res.authSetting) || {}), fail: () => resolve({}) })
  })
}

Page({
  data: {
    t: {},
    state: 'loading', // loading | ready | unavailable | withdrawn | error
    posterPath: '',
    saving: false,
  },

  shareId: '',

  onLoad(query) {
    const id = String((query && query.id) || '')
    this.shareId = shares.isShareId(id) ? id : ''
    this.render()
    return this.load()
  },

  onShow() {
    this.render()
  },

  render() {
    this.setData({ t: texts.strings() })
    texts.setTitle('titlePoster')
  },

  async load() {
    if (!this.shareId) {
      this.setData({ state: 'withdrawn' })
      return
    }
    this.setData({ state: 'loading' })
    const res = await download(shares.posterUrl(this.shareId))
    if (res.statusCode === 200 && res.tempFilePath) this.setData({ state: 'ready', posterPath: res.tempFilePath })
    else if (res.statusCode === 404) this.setData({ state: 'withdrawn' })
    else if (res.statusCode === 503) this.setData({ state: 'unavailable' })
    else this.setData({ state: 'error' })
  },

  onRetry() {
    return this.load()
  },

  /** Save to the album; a refused permission: explain, open WeChat's settings, and save again once allowed. */
  async onSave() {
    if (this.data.saving || !this.data.posterPath) return
    this.setData({ saving: true })
    try {
      let result = await saveToAlbum(this.data.posterPath)
      if (!result.ok && albumRefused(result.errMsg)) {
        const goToSettings = await confirmModal({
          title: texts.t('posterAuthTitle'),
          content: texts.t('posterAuthContent'),
          confirmText: texts.t('posterAuthConfirm'),
          cancelText: texts.t('actionCancel'),
        })
        if (!goToSettings) return
        const authSetting = await openSettings()
        if (!authSetting[ALBUM_SCOPE]) return
        result = await saveToAlbum(this.data.posterPath)
      }
      if (result.ok) wx.showToast({ icon: 'success', title: texts.t('toastPosterSaved') })
      else if (PRIVACY_REFUSED.test(result.errMsg)) wx.showToast({ icon: 'none', title: texts.t('posterNeedsPrivacy') })
      else if (!/cancel/i.test(result.errMsg) && !albumRefused(result.errMsg)) wx.showToast({ icon: 'none', title: texts.t('posterSaveFailed') })
    } finally {
      this.setData({ saving: false })
    }
  },

  onPreview() {
    if (this.data.posterPath) wx.previewImage({ urls: [this.data.posterPath], current: this.data.posterPath })
  },
})
