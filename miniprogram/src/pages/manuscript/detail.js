// One manuscript: status, facts, timeline, and "提醒我": consent to a WeChat alert at its next status change
// (utils/subscribe.js; the state is fetched with the manuscript, so a tap opens WeChat's popup at once).
// A manuscript the researcher reaches only through a public bibliographic record (a Crossref account matched by
// DOI: `public_record_only`) shows its public facts: the page says so in place of a timeline, and names no
// submission system (that is the editorial platform, not a public fact).
// Published: an impact block (citations, views, downloads where reported). Action required: what and by when.
// "咨询编辑部" opens the conversation with the journal's editorial office (packages/editorial).
// Share (accepted, in production, published; utils/shares.js): nothing is shared until the researcher confirms what
// will be shown (title, journal, milestone, date, DOI, co-authors only when switched on); then the page offers the
// chat card (<button open-type="share">, and the menu's "send to chat" / "Moments", enabled only now), the poster,
// how many opened it, and "stop sharing". Moments opens THIS page in single-page mode with `?id=<share id>` (no
// login, no navigation there): the page then shows the public record itself; outside that mode a share id goes on to
// the share page.
const api = require('../../utils/api')
const i18n = require('../../utils/i18n')
const shares = require('../../utils/shares')
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
    url: manuscript.url || '',
    journalId: (manuscript.journal && manuscript.journal.id) || null,
    missingOnPlatform: Boolean(manuscript.missing_on_platform),
    publicRecordOnly: Boolean(manuscript.public_record_only),
  }
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Published: citations (Crossref, counted weekly), views and downloads (the journal platform's usage) where reported;
 * a value not reported (null) has no cell, and with none at all the block says so. Null (hidden) before publication.
 */
function impactView(manuscript) {
  if (manuscript.status !== 'published') return null
  const count = (value) => (Number.isInteger(value) ? i18n.t('detailCount', { count: value }) : '')
  const impact = {
    citations: Number.isInteger(manuscript.citations) ? i18n.t('detailCitations', { count: manuscript.citations }) : '',
    views: count(manuscript.views),
    downloads: count(manuscript.downloads),
  }
  impact.none = !impact.citations && !impact.views && !impact.downloads
  return impact
}

/** Days from today (the phone's calendar) to 'YYYY-MM-DD': negative once past. */
function daysUntil(day) {
  const [year, month, date] = day.split('-').map(Number)
  const now = new Date()
  return Math.round((Date.UTC(year, month - 1, date) - Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())) / DAY_MS)
}

/**
 * What the researcher must do (`action_needed`, localized by the backend) and by when; null when nothing. With a
 * due date still ahead and a due_reminder template (`entry`), it offers WeChat reminders before the date: each
 * "allow" is one reminder (the backend sends them 7 days and 1 day before, REMINDER_DAYS_BEFORE), shared by every
 * manuscript; a banned template opens WeChat's settings instead.
 */
function actionView(manuscript, entry) {
  if (!manuscript.action_required) return null
  const due = /^\d{4}-\d{2}-\d{2}$/.test(manuscript.due_date || '') ? manuscript.due_date : ''
  const days = due ? daysUntil(due) : null
  let left = ''
  if (days !== null) {
    if (days < 0) left = i18n.t('actionOverdue', { days: -days })
    else left = days === 0 ? i18n.t('actionDueToday') : i18n.t('actionDaysLeft', { days })
  }
  let remind = null
  if (entry && days !== null && days >= 0) {
    const on = !entry.banned && entry.credits > 0
    remind = {
      on,
      text: on ? i18n.t('actionDueRemindOn', { count: entry.credits }) : (entry.banned ? i18n.t('alertBannedHint') : i18n.t('actionDueRemindOff')),
      buttonText: entry.banned ? i18n.t('actionOpenSettings') : i18n.t(on ? 'actionDueRemindMore' : 'actionDueRemind'),
    }
  }
  return { text: manuscript.action_needed || '', due: due ? i18n.t('actionDue', { date: due }) : '', left, overdue: days !== null && days < 0, remind }
}

/** The day the timeline reached the manuscript's status (what the share will show as its date), or ''. */
function milestoneDate(manuscript) {
  const reached = (manuscript.timeline || []).find((event) => event.to_status === manuscript.status)
  return reached ? formatDate(reached.occurred_at) : ''
}

/** The chat card's and Moments post's title, made for the milestone. */
function shareTitle(manuscript) {
  const journal = (manuscript.journal && manuscript.journal.name) || ''
  if (!journal) return i18n.t('shareTitleNoJournal')
  if (manuscript.status === 'published') {
    return manuscript.citations > 0
      ? i18n.t('shareTitlePublishedCited', { journal, count: manuscript.citations })
      : i18n.t('shareTitlePublished', { journal })
  }
  return i18n.t(manuscript.status === 'in_production' ? 'shareTitleInProduction' : 'shareTitleAccepted', { journal })
}

/** The share section: null unless the manuscript can be shared; `share` once it is (the newest of its shares). */
function shareSectionView(manuscript, ownShares) {
  if (!shares.SHAREABLE_STATUSES.includes(manuscript.status)) return null
  const newest = ownShares[0]
  const opened = ownShares.reduce((total, share) => total + (share.open_count || 0), 0)
  return {
    share: newest ? { id: newest.id, opened: i18n.t('shareOpenedCount', { count: opened }) } : null,
    preview: {
      title: manuscript.title,
      journal: (manuscript.journal && manuscript.journal.name) || '',
      milestone: manuscript.status_label || manuscript.status,
      date: milestoneDate(manuscript),
      doi: manuscript.status === 'published' ? manuscript.doi || '' : '',
    },
  }
}

const SHARE_MENUS = ['shareAppMessage', 'shareTimeline']

const ALERT_KIND = 'status_changed'
const DUE_REMINDER_KIND = 'due_reminder'
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
    state: 'loading', // loading | ready | not_found | error | public (single-page mode, a share)
    manuscript: null,
    timeline: [],
    alert: null, // alertView
    asking: false, // WeChat's consent popup is open
    impact: null, // impactView
    action: null, // actionView
    shareSection: null, // shareSectionView
    shareConfirming: false, // the "this will be shown" panel is open
    shareBusy: false, // creating or stopping a share
    showCoauthors: false,
    publicShare: null, // single-page mode: the shared record (utils/shares.js publicView)
    publicSharedBy: '',
  },

  manuscriptId: '',
  loaded: null, // the backend's manuscript, kept to re-render in another language
  alertState: null, // the subscription state (utils/subscribe.js), null while unknown
  ownShares: [], // the researcher's shares of this manuscript, newest first (GET …/shares)
  publicShareId: '', // opened with a share's id (Moments)
  publicLoaded: null,

  onLoad(query) {
    const id = String(query.id || '')
    this.manuscriptId = /^\d+$/.test(id) ? id : ''
    if (shares.isShareId(id)) {
      this.publicShareId = id
      if (!shares.inSinglePageMode()) {
        wx.redirectTo({ url: shares.sharePagePath(id) })
        return undefined
      }
      this.render()
      return this.loadPublicShare()
    }
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
      impact: this.loaded ? impactView(this.loaded) : null,
      action: this.loaded ? actionView(this.loaded, subscribe.kindState(this.alertState, DUE_REMINDER_KIND)) : null,
      shareSection: this.loaded ? shareSectionView(this.loaded, this.ownShares) : null,
      publicShare: this.publicLoaded ? shares.publicView(this.publicLoaded) : null,
      publicSharedBy: this.publicLoaded && this.publicLoaded.sharer && this.publicLoaded.sharer.display_name
        ? i18n.t('sharePublicTitle', { name: this.publicLoaded.sharer.display_name }) : i18n.t('sharePublicTitleFallback'),
    })
    i18n.applyChrome('titleManuscript')
  },

  /** Moments' single-page mode: the shared record, without a token (no login exists there). */
  async loadPublicShare() {
    this.setData({ state: 'loading' })
    try {
      this.publicLoaded = await shares.fetchPublic(this.publicShareId)
      this.setData({ state: 'public' })
      this.render()
      shares.reportOpened(this.publicShareId)
    } catch (err) {
      this.setData({ state: err.statusCode === 404 ? 'not_found' : 'error' })
    }
  },

  /** The researcher's shares of this manuscript (only for one that can be shared); none when they can't be read. */
  async loadShares(manuscript) {
    if (!shares.SHAREABLE_STATUSES.includes(manuscript.status)) {
      this.ownShares = []
      return
    }
    try {
      const body = await api.request(`/api/v1/manuscripts/${this.manuscriptId}/shares`, { toast: false })
      this.ownShares = (body && body.results) || []
    } catch (err) {
      // Offline or refused: the section offers to share; the list comes with the next load.
    }
  },

  /** The menu's "send to chat" and "Moments" exist only while a share does: before it there is nothing to send. */
  updateShareMenu() {
    const options = { menus: SHARE_MENUS, fail() { /* an old client: the page's share button still works */ } }
    if (this.ownShares.length) wx.showShareMenu(Object.assign({ withShareTicket: false }, options))
    else wx.hideShareMenu(options)
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
      const manuscript = await manuscriptLoaded
      await Promise.all([alertStateLoaded, this.loadShares(manuscript)])
      this.loaded = manuscript
      this.setData({ state: 'ready' })
      this.render()
      this.updateShareMenu()
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
  onAlertMe() {
    return this.askFor(ALERT_KIND)
  },

  /** "截止前提醒我": the due_reminder template's consent popup, within this tap (or WeChat's settings when banned). */
  onRemindDue() {
    return this.askFor(DUE_REMINDER_KIND)
  },

  async askFor(kind) {
    if (this.data.asking) return
    this.setData({ asking: true })
    const { state, gained } = await subscribe.askForKind(kind, this.alertState)
    this.alertState = state
    this.setData({ asking: false })
    this.render()
    if (gained) wx.showToast({ icon: 'success', title: i18n.t('toastAlertsOn') })
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

  onAskEditorialOffice() {
    const manuscript = this.data.manuscript
    if (!manuscript || !manuscript.journalId) return
    wx.navigateTo({ url: `/packages/editorial/thread?manuscript=${this.manuscriptId}&journal=${manuscript.journalId}` })
  },

  /** "分享": first show what will be public, with co-authors off; nothing is sent before the confirmation. */
  onShareStart() {
    this.setData({ shareConfirming: true, showCoauthors: false })
  },

  onShareCancel() {
    this.setData({ shareConfirming: false })
  },

  onShowCoauthorsChange(event) {
    this.setData({ showCoauthors: Boolean(event.detail && event.detail.value) })
  },

  /** The researcher confirmed: the share is made now (POST …/shares), and the ways to send it appear. */
  async onShareConfirm() {
    if (this.data.shareBusy || !this.loaded) return
    this.setData({ shareBusy: true })
    try {
      const share = await api.request(`/api/v1/manuscripts/${this.manuscriptId}/shares`, {
        method: 'POST', data: { show_coauthors: this.data.showCoauthors },
      })
      this.ownShares = [share].concat(this.ownShares)
      this.setData({ shareConfirming: false })
      this.render()
      this.updateShareMenu()
    } catch (err) {
      // Toasted (e.g. 409: no longer at a milestone that can be shared).
    } finally {
      this.setData({ shareBusy: false })
    }
  },

  onPoster() {
    const share = this.ownShares[0]
    if (share) wx.navigateTo({ url: shares.posterPagePath(share.id) })
  },

  /** "停止分享": after a confirmation, every share of this manuscript is deleted (its cards and posters stop opening). */
  async onStopSharing() {
    if (this.data.shareBusy || !this.ownShares.length) return
    const confirmed = await new Promise((resolve) => {
      wx.showModal({
        title: i18n.t('stopSharingTitle'),
        content: i18n.t('stopSharingContent'),
        confirmText: i18n.t('actionStopSharing'),
        cancelText: i18n.t('actionCancel'),
        success: (res) => resolve(Boolean(res && res.confirm)),
        fail: () => resolve(false),
      })
    })
    if (!confirmed) return
    this.setData({ shareBusy: true })
    const remaining = []
    for (const share of this.ownShares) {
      try {
        await api.request(`/api/v1/shares/${encodeURIComponent(share.id)}`, { method: 'DELETE', toast: false })
      } catch (err) {
        if (err.statusCode !== 404) {
          remaining.push(share)
          api.showError(err)
        }
      }
    }
    this.ownShares = remaining
    this.setData({ shareBusy: false })
    this.render()
    this.updateShareMenu()
    if (!remaining.length) wx.showToast({ icon: 'none', title: i18n.t('toastShareStopped') })
  },

  /**
   * The chat card (the share button, or the menu once a share exists): the share page of the newest share, with
   * the card image the backend draws. Without a share nothing of the manuscript leaves: the app's home.
   */
  onShareAppMessage() {
    const shareId = (this.ownShares[0] && this.ownShares[0].id) || this.publicShareId
    if (!shareId) return { title: i18n.t('shareTitleApp'), path: '/pages/home/home' }
    const title = this.loaded ? shareTitle(this.loaded) : (this.publicLoaded && this.publicLoaded.title) || i18n.t('shareTitleApp')
    return { title, path: shares.sharePagePath(shareId), imageUrl: shares.cardUrl(shareId) }
  },

  /** Moments: WeChat opens this page with the query, in single-page mode (see onLoad). */
  onShareTimeline() {
    const shareId = (this.ownShares[0] && this.ownShares[0].id) || this.publicShareId
    if (!shareId) return { title: i18n.t('shareTitleApp'), query: '' }
    const title = this.loaded ? shareTitle(this.loaded) : (this.publicLoaded && this.publicLoaded.title) || i18n.t('shareTitleApp')
    return { title, query: `id=${shareId}`, imageUrl: shares.cardUrl(shareId) }
  },
})
