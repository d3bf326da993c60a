// One manuscript: status, facts, timeline, and "提醒我": consent to a WeChat alert at its next status change
// (utils/subscribe.js; the state is fetched with the manuscript, so a tap opens WeChat's popup at once).
// A manuscript the researcher reaches only through a public bibliographic record (a Crossref account matched by
// DOI: `public_record_only`) shows its public facts: the page says so in place of a timeline, and names no
// submission system (that is the editorial platform, not a public fact).
const api = require('../../utils/api')
const i18n = require('../../utils/i18n')
const status = require('../../utils/status')
const subscribe = require('../../utils/subscribe')
const { formatDate, formatDateTime } = require('../../utils/format')

/** The backend's manuscript -> what the page shows (texts in the current language). */
function manuscriptView(manuscript) {
  const system = (!manuscript.public_record_only && manuscript.journal_system) || {}
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
    number: manuscript.manuscript_number || '',
    daysInStatus: Number.isInteger(manuscript.days_in_status)
      ? i18n.t('manuscriptDaysInStatus', { days: manuscript.days_in_status }) : '',
    // Citations (Crossref, counted weekly) once published; null until counted: no cell then.
    citations: manuscript.status === 'published' && Number.isInteger(manuscript.citations)
      ? i18n.t('detailCitations', { count: manuscript.citations }) : '',
    url: manuscript.url || '',
    missingOnPlatform: Boolean(manuscript.missing_on_platform),
    publicRecordOnly: Boolean(manuscript.public_record_only),
  }
}

const ALERT_KIND = 'status_changed'
// No status change is expected after these: no point asking to hear about one.
const FINAL_STATUSES = ['published', 'rejected', 'withdrawn']

/**
 * The "alert me" block from the manuscript's status and the status_changed subscription entry; null (hidden) when
 * WeChat alerts are not offered (no template, state unknown) or the manuscript is final. Credits are per event kind,
 * not per manuscript: the texts say an alert allowed here covers the next status change of any manuscript.
 * Banned (turned off in WeChat): the button opens WeChat's settings (utils/subscribe.js reenableInSettings).
 */
function alertView(manuscript, entry) {
  if (!manuscript || !entry || FINAL_STATUSES.includes(manuscript.status)) return null
  if (entry.banned) {
    return { on: false, banned: true, statusText: i18n.t('detailAlertBanned'), hint: i18n.t('alertBannedHint'), buttonText: i18n.t('actionOpenSettings') }
  }
  const on = entry.credits > 0
  return {
    on,
    banned: false,
    statusText: on ? i18n.t('detailAlertOn', { count: entry.credits }) : i18n.t('detailAlertOff'),
    hint: i18n.t('detailAlertScope'),
    buttonText: i18n.t(on ? 'actionAlertMore' : 'actionAlertStatusChanges'),
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
    alert: null, // alertView
    asking: false, // WeChat's consent popup is open
  },

  manuscriptId: '',
  loaded: null, // the backend's manuscript, kept to re-render in another language
  alertState: null, // the subscription state (utils/subscribe.js), null while unknown

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
      alert: alertView(this.loaded, subscribe.kindState(this.alertState, ALERT_KIND)),
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
    // A 404 gets its own empty state rather than a toast.
    const manuscriptLoaded = api.request(`/api/v1/manuscripts/${this.manuscriptId}`, { toast: false })
    const alertStateLoaded = subscribe.fetchState().then((state) => { if (state) this.alertState = state })
    try {
      this.loaded = await manuscriptLoaded
      await alertStateLoaded
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

  /**
   * "提醒我稿件状态变化": WeChat's consent popup for the status_changed template, opened within this tap; for a banned
   * template, WeChat's settings first (only there can the researcher allow it again).
   */
  async onAlertMe() {
    if (this.data.asking) return
    const before = this.alertState
    const entry = subscribe.kindState(before, ALERT_KIND)
    this.setData({ asking: true })
    const { state } = entry && entry.banned
      ? await subscribe.reenableInSettings(ALERT_KIND, { state: before })
      : await subscribe.requestAlerts([ALERT_KIND], { state: before })
    if (state) this.alertState = state
    this.setData({ asking: false })
    this.render()
    if (subscribe.gainedCredit(before, this.alertState, ALERT_KIND)) wx.showToast({ icon: 'success', title: i18n.t('toastAlertsOn') })
  },

  /**
   * The clipboard is a WeChat privacy API (privacy_key `Clipboard`, declared in the MP console; see
   * utils/privacy.js): before the researcher agreed, WeChat holds the call until they answer our popup, and a
   * refusal (or a missing declaration) fails it. Every failure says so in a toast.
   */
  copy(text, toastKey) {
    if (!text) return
    wx.setClipboardData({
      data: text,
      success: () => wx.showToast({ icon: 'none', title: i18n.t(toastKey) }),
      fail: (res) => {
        const refused = /privacy permission is not authorized/i.test((res && res.errMsg) || '')
        wx.showToast({ icon: 'none', title: i18n.t(refused ? 'toastCopyNeedsPrivacy' : 'toastCopyFailed') })
      },
    })
  },

  onCopyDoi() {
    this.copy(this.data.manuscript && this.data.manuscript.doi, 'toastDoiCopied')
  },

  onCopyLink() {
    this.copy(this.data.manuscript && this.data.manuscript.url, 'toastLinkCopied')
  },
})
