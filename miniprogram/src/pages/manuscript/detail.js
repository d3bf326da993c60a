const api = require('../../utils/api')
const i18n = require('../../utils/i18n')
const status = require('../../utils/status')
const { formatDate, formatDateTime } = require('../../utils/format')

/** The backend's manuscript -> what the page shows (texts in the current language). */
function manuscriptView(manuscript) {
  const system = manuscript.journal_system || {}
  return {
    title: manuscript.title,
    journal: (manuscript.journal && manuscript.journal.name) || '',
    journalSystem: system.name || '',
    status: manuscript.status,
    statusLabel: manuscript.status_label || manuscript.status,
    explanation: manuscript.status_explanation || '',
    platformSays: manuscript.platform_status ? i18n.t('detailPlatformSays', { status: manuscript.platform_status }) : '',
    submittedAt: formatDate(manuscript.submitted_at),
    lastActivity: formatDate(manuscript.last_activity_at),
    doi: manuscript.doi || '',
    url: manuscript.url || '',
    missingOnPlatform: Boolean(manuscript.missing_on_platform),
  }
}

/** Timeline events (newest first, as sent) with the color of the status each one reached. */
function timelineView(events) {
  return (events || []).map((event) => ({
    id: event.id,
    status: event.to_status,
    label: event.to_status_label || event.to_status,
    platformStatus: event.platform_status || '',
    date: formatDateTime(event.occurred_at),
    color: status.statusColor(event.to_status),
    unseen: !event.seen_at,
  }))
}

Page({
  data: {
    t: {},
    state: 'loading', // loading | ready | not_found | error
    manuscript: null,
    timeline: [],
  },

  manuscriptId: '',
  loaded: null, // the backend's manuscript, kept to re-render in another language

  onLoad(query) {
    this.manuscriptId = /^\d+$/.test(String(query.id || '')) ? String(query.id) : ''
    this.render()
    return this.load()
  },

  onShow() {
    this.render()
  },

  render() {
    this.setData({
      t: i18n.strings(),
      manuscript: this.loaded ? manuscriptView(this.loaded) : null,
      timeline: this.loaded ? timelineView(this.loaded.timeline) : [],
    })
    i18n.applyChrome('titleManuscript')
  },

  async load() {
    if (!this.manuscriptId) {
      this.setData({ state: 'not_found' })
      return
    }
    await getApp().loginReady
    if (!this.loaded) this.setData({ state: 'loading' })
    try {
      // A 404 gets its own empty state rather than a toast.
      this.loaded = await api.request(`/api/v1/manuscripts/${this.manuscriptId}`, { toast: false })
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
      if (!this.loaded) this.setData({ state: 'error' })
    }
  },

  async onPullDownRefresh() {
    try {
      await this.load()
    } finally {
      wx.stopPullDownRefresh()
    }
  },

  onRetry() {
    return this.load()
  },

  copy(text, toastKey) {
    if (!text) return
    wx.setClipboardData({
      data: text,
      success: () => wx.showToast({ icon: 'none', title: i18n.t(toastKey) }),
    })
  },

  onCopyDoi() {
    this.copy(this.data.manuscript && this.data.manuscript.doi, 'toastDoiCopied')
  },

  onCopyLink() {
    this.copy(this.data.manuscript && this.data.manuscript.url, 'toastLinkCopied')
  },
})
