// Notification settings: which notices also go out as WeChat alerts, saved with
// PATCH /api/v1/notifications/preferences ({ disabled_kinds, status_alerts, quiet_start, quiet_end }; the inbox
// keeps every notice whatever is chosen here), and per kind how many alerts WeChat still allows, with a button that
// asks for more (utils/subscribe.js, within the tap).
//
// status_alerts: an empty list on the backend means "every status"; here every status is ticked then, and ticking
// them all saves an empty list again. Quiet hours are Beijing time, both ends or neither ("22:00:00" from the
// backend, "22:00" shown and sent).
//
// Publisher news (campaigns) is not a WeChat alert: WeChat forbids marketing in subscription messages. It has no
// switch and nothing to ask for; the page says it appears only in the Inbox and on the home page. A backend that
// still lists it (an older one) is not offered here either.
const api = require('../../utils/api')
const features = require('../../utils/features')
const i18n = require('../../utils/i18n')
const status = require('../../utils/status')
const subscribe = require('../../utils/subscribe')

const PREFERENCES_PATH = '/api/v1/notifications/preferences'
// Event kinds in the order they are listed, with their titles; a kind this build does not know comes last.
const KIND_LABEL_KEYS = {
  status_changed: 'kindStatusChanged',
  account_linked: 'kindAccountLinked',
  payment_due: 'kindPaymentDue',
  payment_received: 'kindPaymentReceived',
  refund_done: 'kindRefundDone',
  due_reminder: 'kindDueReminder',
  editorial_reply: 'kindEditorialReply',
}
const KIND_ORDER = Object.keys(KIND_LABEL_KEYS)
// Kinds that only ever reach the inbox (and the home page), never WeChat: no switch, nothing to ask.
const INBOX_ONLY_KINDS = ['campaign', 'impact_digest']
const STATUS_KIND = 'status_changed'
const ALL_STATUSES = Object.keys(status.STATUSES)
const DEFAULT_QUIET_HOURS = { start: '22:00', end: '08:00' }

function rankIn(order, value) {
  const index = order.indexOf(value)
  return index === -1 ? order.length : index
}

/** '22:00:00' -> '22:00'; nothing -> null. */
function clockOf(value) {
  return value ? String(value).slice(0, 5) : null
}

/** The backend's preferences -> the form (statuses listed explicitly: none on the backend means all of them). */
function formOf(preferences) {
  const alerts = preferences.status_alerts || []
  return {
    disabledKinds: (preferences.disabled_kinds || []).filter((kind) => !INBOX_ONLY_KINDS.includes(kind)),
    statuses: alerts.length ? [...alerts] : [...ALL_STATUSES],
    quietStart: clockOf(preferences.quiet_start),
    quietEnd: clockOf(preferences.quiet_end),
  }
}

/** The form -> the PATCH body, lists in a stable order (so two equal forms compare equal). */
function preferencesOf(form) {
  const everyStatus = ALL_STATUSES.every((code) => form.statuses.includes(code))
  return {
    disabled_kinds: [...form.disabledKinds].sort(),
    status_alerts: everyStatus ? [] : [...form.statuses].sort((a, b) => rankIn(ALL_STATUSES, a) - rankIn(ALL_STATUSES, b)),
    quiet_start: form.quietStart,
    quiet_end: form.quietEnd,
  }
}

function sameList(a, b) {
  return a.length === b.length && a.every((value) => b.includes(value))
}

/** The backend's `fields` -> the messages each section shows. */
function errorsView(fields) {
  return {
    disabled_kinds: api.fieldMessages(fields.disabled_kinds),
    status_alerts: api.fieldMessages(fields.status_alerts),
    quiet: api.fieldMessages(fields.quiet_start).concat(api.fieldMessages(fields.quiet_end)),
    form: api.fieldMessages(fields.non_field_errors),
  }
}

function noErrors() {
  return errorsView({})
}

/** One event kind's row: its switch and what WeChat allows (credits, banned). */
function kindView(entry, form) {
  const labelKey = KIND_LABEL_KEYS[entry.kind]
  const credits = Number(entry.credits) || 0
  let creditText = i18n.t('alertNoCredits')
  if (entry.banned) creditText = i18n.t('alertBanned')
  else if (credits > 0) creditText = i18n.t('alertCredits', { count: credits })
  let askKey = 'actionAlertMe'
  if (entry.banned) askKey = 'actionOpenSettings'
  else if (credits > 0) askKey = 'actionAlertMore'
  return {
    kind: entry.kind,
    label: i18n.t(labelKey || 'kindOther'),
    enabled: !form.disabledKinds.includes(entry.kind),
    banned: Boolean(entry.banned),
    alertsOn: !entry.banned && credits > 0,
    creditText,
    askLabel: i18n.t(askKey),
  }
}

function statusMode(statuses) {
  if (ALL_STATUSES.every((code) => statuses.includes(code))) return 'all'
  if (sameList(statuses, status.DECISION_STATUSES)) return 'decisions'
  return 'custom'
}

Page({
  data: {
    t: {},
    state: 'loading', // loading | ready | empty (no WeChat alerts offered) | error
    kinds: [], // [kindView]
    showStatuses: false, // status changes are offered and switched on
    statusOptions: [], // [{ value, label, checked }]
    statusMode: 'all', // all | decisions | custom
    quietOn: false,
    quietStart: '',
    quietEnd: '',
    errors: noErrors(),
    dirty: false,
    saving: false,
    asking: '', // the kind whose WeChat popup is open
  },

  subscriptions: null, // the subscription state (utils/subscribe.js)
  paymentsEnabled: false, // payment alerts are offered only once payments exist (utils/features.js)
  saved: null, // the preferences as the backend last answered
  form: null, // what is on screen (formOf)

  onLoad() {
    this.render()
    return this.load()
  },

  onShow() {
    this.render()
  },

  render() {
    const patch = { t: i18n.strings() }
    if (this.form && this.subscriptions) {
      const form = this.form
      const kinds = this.subscriptions
        .filter((entry) => this.paymentsEnabled || !features.PAYMENT_KINDS.includes(entry.kind))
        .sort((a, b) => rankIn(KIND_ORDER, a.kind) - rankIn(KIND_ORDER, b.kind))
        .map((entry) => kindView(entry, form))
      Object.assign(patch, {
        kinds,
        showStatuses: kinds.some((kind) => kind.kind === STATUS_KIND && kind.enabled),
        statusOptions: ALL_STATUSES.map((code) => ({ value: code, label: i18n.t(status.STATUSES[code].labelKey), checked: form.statuses.includes(code) })),
        statusMode: statusMode(form.statuses),
        quietOn: Boolean(form.quietStart || form.quietEnd),
        quietStart: form.quietStart || '',
        quietEnd: form.quietEnd || '',
        dirty: JSON.stringify(preferencesOf(form)) !== JSON.stringify(preferencesOf(formOf(this.saved))),
      })
    }
    this.setData(patch)
    i18n.applyChrome('titleNotificationSettings')
  },

  async load() {
    await getApp().loginReady
    this.setData({ state: 'loading' })
    try {
      const [preferences, subscriptions, paymentsEnabled] = await Promise.all([
        api.request(PREFERENCES_PATH, { toast: false }),
        api.request(subscribe.SUBSCRIPTIONS_PATH, { toast: false }),
        features.paymentsEnabled(),
      ])
      this.paymentsEnabled = paymentsEnabled
      this.saved = preferences
      this.form = formOf(preferences)
      this.subscriptions = (Array.isArray(subscriptions) ? subscriptions : []).filter((entry) => !INBOX_ONLY_KINDS.includes(entry.kind))
      const offered = this.subscriptions.filter((entry) => paymentsEnabled || !features.PAYMENT_KINDS.includes(entry.kind))
      this.setData({ state: offered.length ? 'ready' : 'empty', errors: noErrors() })
    } catch (err) {
      api.showError(err)
      this.setData({ state: 'error' })
    }
    this.render()
  },

  onRetry() {
    return this.load()
  },

  /** Change the form and show it; `errorKey` is the section whose (now stale) errors go. */
  change(changes, errorKey) {
    Object.assign(this.form, changes)
    if (errorKey) this.setData({ [`errors.${errorKey}`]: [] })
    this.render()
  },

  onKindSwitch(event) {
    const kind = event.currentTarget.dataset.kind
    const others = this.form.disabledKinds.filter((candidate) => candidate !== kind)
    this.change({ disabledKinds: event.detail.value ? others : others.concat(kind) }, 'disabled_kinds')
  },

  onStatusTag(event) {
    const code = event.currentTarget.dataset.status
    const others = this.form.statuses.filter((candidate) => candidate !== code)
    this.change({ statuses: event.detail.checked ? others.concat(code) : others }, 'status_alerts')
  },

  onAllStatuses() {
    this.change({ statuses: [...ALL_STATUSES] }, 'status_alerts')
  },

  onDecisionsOnly() {
    this.change({ statuses: [...status.DECISION_STATUSES] }, 'status_alerts')
  },

  onQuietSwitch(event) {
    const on = Boolean(event.detail.value)
    const previous = formOf(this.saved)
    this.change({
      quietStart: on ? previous.quietStart || DEFAULT_QUIET_HOURS.start : null,
      quietEnd: on ? previous.quietEnd || DEFAULT_QUIET_HOURS.end : null,
    }, 'quiet')
  },

  onQuietStartChange(event) {
    this.change({ quietStart: event.detail.value }, 'quiet')
  },

  onQuietEndChange(event) {
    this.change({ quietEnd: event.detail.value }, 'quiet')
  },

  /** PATCH the whole form; the backend's field errors go under their sections. */
  async onSave() {
    if (this.data.saving || !this.form) return
    const statusesShown = this.data.showStatuses
    if (statusesShown && this.form.statuses.length === 0) {
      this.setData({ 'errors.status_alerts': [i18n.t('settingsStatusNone')] })
      return
    }
    this.setData({ saving: true, errors: noErrors() })
    try {
      const preferences = await api.request(PREFERENCES_PATH, { method: 'PATCH', data: preferencesOf(this.form) })
      this.saved = preferences
      this.form = formOf(preferences)
      this.setData({ saving: false })
      this.render()
      wx.showToast({ icon: 'success', title: i18n.t('toastSaved') })
    } catch (err) {
      this.setData({ saving: false, errors: errorsView(err.fields || {}) }) // api.request toasted the message
    }
  },

  /**
   * "提醒我" / "多提醒一次": WeChat's consent popup for this kind, within the tap; "去设置中开启" (banned): WeChat's
   * settings, where only the researcher can allow it again.
   */
  async onAskMore(event) {
    const kind = event.currentTarget.dataset.kind
    const entry = subscribe.kindState(this.subscriptions, kind)
    if (this.data.asking || !entry) return
    this.setData({ asking: kind })
    const { state, gained } = await subscribe.askForKind(kind, this.subscriptions)
    this.subscriptions = state
    this.setData({ asking: '' })
    this.render()
    if (gained) wx.showToast({ icon: 'success', title: i18n.t('toastAlertsOn') })
  },
})
