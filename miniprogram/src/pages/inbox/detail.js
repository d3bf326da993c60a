const api = require('../../utils/api')
const i18n = require('../../utils/i18n')
const inbox = require('../../utils/inbox')
const { formatDateTime } = require('../../utils/format')

/** The backend's notice -> what the page shows. */
function noticeView(notice) {
  return {
    title: notice.title,
    body: notice.body || '',
    icon: inbox.kindIcon(notice.kind),
    time: formatDateTime(notice.created_at),
    hasLink: Boolean(inbox.deepLink(notice.page)),
  }
}

// The full text of one notice: opened from the inbox (or the home preview) for a notice without a deep link, or
// one whose page this build does not have. The backend has no "GET one notice": a notice the list already showed
// (utils/inbox.js remembers them) is shown as it is; otherwise POST …/{id}/read (idempotent) marks it read and
// answers with it.
Page({
  data: {
    t: {},
    state: 'loading', // loading | ready | not_found | error
    notice: null,
  },

  noticeId: '',
  loaded: null, // the backend's notice

  onLoad(query) {
    this.noticeId = /^\d+$/.test(String(query.id || '')) ? String(query.id) : ''
    this.loaded = this.noticeId ? inbox.remembered(this.noticeId) : null
    this.render()
    return this.load()
  },

  onShow() {
    this.render()
  },

  render() {
    this.setData({ t: i18n.strings(), notice: this.loaded ? noticeView(this.loaded) : null })
    i18n.applyChrome('titleNotice')
  },

  async load() {
    if (!this.noticeId) {
      this.setData({ state: 'not_found' })
      return
    }
    this.setData({ state: this.loaded ? 'ready' : 'loading' })
    if (this.loaded && this.loaded.is_read) return
    await getApp().loginReady
    try {
      this.loaded = (await inbox.markRead(this.noticeId)).notice
      this.setData({ state: 'ready' })
      this.render()
    } catch (err) {
      if (err.statusCode === 404) {
        this.loaded = null
        this.setData({ state: 'not_found' })
        this.render()
        return
      }
      api.showError(err)
      this.setData({ state: this.loaded ? 'ready' : 'error' })
    }
  },

  onRetry() {
    return this.load()
  },

  /** A notice shown here because its page could not be opened may be tried again from here. */
  async onOpenLink() {
    if (!this.loaded || !inbox.deepLink(this.loaded.page)) return
    if (!(await inbox.followLink(this.loaded.page))) wx.showToast({ icon: 'none', title: i18n.t('errorGeneric') })
  },
})
