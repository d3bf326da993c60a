// Consent for WeChat alerts (one-time subscription messages): each "allow" in wx.requestSubscribeMessage lets the
// backend send ONE message with that template. The backend keeps the count per event kind ("credits"):
// GET /api/v1/notifications/subscriptions -> [{ kind, template_id, credits, has_credit, banned, last_result }], one
// per kind with an enabled template; POST the same path with the raw result object of wx.requestSubscribeMessage
// ({ errMsg, TEMPLATE_ID: 'accept' | 'reject' | 'ban' | 'filter' }) -> the same list, counted.
//
// WeChat shows the consent popup only from a user's tap (since base library 2.8.2; or right after a payment
// callback), so requestAlerts() belongs in tap handlers at a meaningful moment: after linking a journal account,
// on "提醒我" next to a manuscript, after paying, in the notification settings. Never on launch, onLoad or onShow.
// Any network call between the tap and the popup can make WeChat refuse it ("can only be invoked by user TAP
// gesture"): pages that know the state already pass it in, so the popup opens within the tap itself; when WeChat
// refuses anyway (the tap that verified an account had to wait for the backend first), a modal asks, and its
// confirm button is a fresh tap.

const api = require('./api')
const i18n = require('./i18n')

const SUBSCRIPTIONS_PATH = '/api/v1/notifications/subscriptions'
const MAX_TEMPLATES_PER_REQUEST = 3 // WeChat's limit for one wx.requestSubscribeMessage call
const LINKING_KINDS = ['status_changed', 'account_linked']
// Waiting for publisher staff to verify an account by hand: the "account linked" notice is what comes next.
const MANUAL_REVIEW_KINDS = ['account_linked', 'status_changed']
const PAYING_KINDS = ['payment_due', 'payment_received', 'refund_done']
const TAP_REQUIRED = /TAP gesture/i
const MAIN_SWITCH_OFF = 20004 // the researcher switched off all subscription messages of this Mini Program

/**
 * The researcher's subscription state; resolves null when it cannot be fetched (never rejects, never toasts:
 * alerts are an extra, the page's own content reports its errors).
 * @returns {Promise<Array<{kind: string, template_id: string, credits: number, has_credit: boolean, banned: boolean, last_result: string}>|null>}
 */
function fetchState() {
  return api.request(SUBSCRIPTIONS_PATH, { toast: false }).then((body) => (Array.isArray(body) ? body : []), () => null)
}

/** The entry of `kind` in a state list, or null (no enabled template for it, or no state). */
function kindState(state, kind) {
  return (Array.isArray(state) && state.find((entry) => entry.kind === kind)) || null
}

/**
 * Template ids to ask for: those of `kinds`, in that order, once each, without banned ones (unless
 * `includeBanned`: the researcher says they re-allowed them in WeChat), at most MAX_TEMPLATES_PER_REQUEST.
 */
function templateIdsFor(state, kinds, { includeBanned = false } = {}) {
  const ids = []
  kinds.forEach((kind) => {
    const entry = kindState(state, kind)
    if (!entry || !entry.template_id || (entry.banned && !includeBanned) || ids.includes(entry.template_id)) return
    ids.push(entry.template_id)
  })
  return ids.slice(0, MAX_TEMPLATES_PER_REQUEST)
}

/**
 * wx.requestSubscribeMessage as a promise of { result } (its success object) or { failure } (its fail object);
 * a client without the API (base library before 2.4.4) is a failure too.
 */
function showPopup(tmplIds) {
  return new Promise((resolve) => {
    try {
      wx.requestSubscribeMessage({
        tmplIds,
        success: (result) => resolve({ result }),
        fail: (failure) => resolve({ failure: failure || {} }),
      })
    } catch (err) {
      resolve({ failure: { errMsg: `requestSubscribeMessage:fail ${err && err.message}` } })
    }
  })
}

/** WeChat wants a fresh tap: a modal's confirm button is one. */
function showPopupAfterConfirm(tmplIds) {
  return new Promise((resolve) => {
    wx.showModal({
      title: i18n.t('alertAskTitle'),
      content: i18n.t('alertOneEach'),
      confirmText: i18n.t('actionAlertMe'),
      cancelText: i18n.t('actionCancel'),
      success: (res) => (res.confirm ? showPopup(tmplIds).then(resolve) : resolve({ failure: { errMsg: 'showModal:cancel' } })),
      fail: (failure) => resolve({ failure: failure || {} }),
    })
  })
}

/**
 * Ask for consent to WeChat alerts of `kinds` (call it from a tap): the popup for their templates, then the
 * answer to the backend. Never rejects: a refusal, a WeChat failure or a network error just resolves.
 * Resolves { state, result }: `state` is the subscription state after the answer was counted (or as it was when
 * nothing was asked or counting failed; null when it could not be fetched), `result` the raw answer of WeChat
 * (null when the popup did not open or failed). Does nothing when no template applies.
 * @param {string[]} kinds event kinds, most important first (only the first MAX_TEMPLATES_PER_REQUEST templates fit)
 * @param {{state?: any[]|null, includeBanned?: boolean}} [options] state: the page's known state (no GET before
 *   the popup, so it opens within the tap); includeBanned: ask for banned templates too (after re-allowing them)
 * @returns {Promise<{state: any[]|null, result: Object|null}>}
 */
async function requestAlerts(kinds, { state = null, includeBanned = false } = {}) {
  const known = state || (await fetchState())
  const tmplIds = known ? templateIdsFor(known, kinds, { includeBanned }) : []
  if (!tmplIds.length) return { state: known, result: null }
  let answer = await showPopup(tmplIds)
  if (answer.failure && TAP_REQUIRED.test(answer.failure.errMsg || '')) answer = await showPopupAfterConfirm(tmplIds)
  if (answer.failure) {
    if (answer.failure.errCode === MAIN_SWITCH_OFF) wx.showToast({ icon: 'none', title: i18n.t('alertMainSwitchOff'), duration: 3000 })
    return { state: known, result: null }
  }
  try {
    const counted = await api.request(SUBSCRIPTIONS_PATH, { method: 'POST', data: answer.result, toast: false })
    return { state: Array.isArray(counted) ? counted : known, result: answer.result }
  } catch (err) {
    return { state: known, result: answer.result } // WeChat counted it; the backend will not send more than it allows
  }
}

/** After a journal account is linked and verified: its manuscripts' status changes, and the linking itself. */
function askAfterLinking(options) {
  return requestAlerts(LINKING_KINDS, options)
}

/** When asking publisher staff to verify an account by hand: hear when it is linked (and then its manuscripts). */
function askForManualReview(options) {
  return requestAlerts(MANUAL_REVIEW_KINDS, options)
}

/** wx.openSetting({ withSubscriptions: true }) as a promise of its success object, or null when it failed. */
function openSettings() {
  return new Promise((resolve) => {
    wx.openSetting({ withSubscriptions: true, success: resolve, fail: () => resolve(null) })
  })
}

/**
 * A template the researcher turned off in WeChat ("ban") can only be allowed again in WeChat's own settings: open
 * them (call it from a tap; wx.openSetting is tap-only), and when the researcher came back with it allowed, ask for
 * an alert (WeChat answers without a popup when "always" was ticked). `withSubscriptions: true` returns
 * `subscriptionsSetting = { mainSwitch, itemSettings: { TEMPLATE_ID: 'accept' | 'reject' | 'ban' } }`, where
 * itemSettings lists only templates with "总是保持以上选择" ticked
 * (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/setting/wx.openSetting.html,
 * https://developers.weixin.qq.com/miniprogram/dev/api/open-api/setting/SubscriptionsSetting.html).
 * Still off (main switch, or the template rejected/banned): a toast says so and nothing is asked.
 * Resolves like requestAlerts: { state, result }.
 */
async function reenableInSettings(kind, { state = null } = {}) {
  const known = state || (await fetchState())
  const entry = kindState(known, kind)
  if (!entry || !entry.template_id) return { state: known, result: null }
  const settings = await openSettings()
  if (!settings) return { state: known, result: null }
  const subscriptions = settings.subscriptionsSetting || {}
  const item = (subscriptions.itemSettings || {})[entry.template_id]
  if (subscriptions.mainSwitch === false) {
    wx.showToast({ icon: 'none', title: i18n.t('alertMainSwitchOff'), duration: 3000 })
    return { state: known, result: null }
  }
  if (item === 'reject' || item === 'ban') {
    wx.showToast({ icon: 'none', title: i18n.t('alertStillOff'), duration: 3000 })
    return { state: known, result: null }
  }
  return requestAlerts([kind], { state: known, includeBanned: true })
}

/** After paying (call it from wx.requestPayment's success): fees to pay next, receipts and refunds. */
function askAfterPaying(options) {
  return requestAlerts(PAYING_KINDS, options)
}

/** Whether `kind` has more credits in `after` than in `before` (the states around a requestAlerts). */
function gainedCredit(before, after, kind) {
  const old = kindState(before, kind)
  const now = kindState(after, kind)
  return Boolean(now && now.credits > (old ? old.credits : 0))
}

/**
 * One kind's consent from a tap ("提醒我" beside what it is about): WeChat's popup for its template at once, or, when
 * the researcher turned it off in WeChat, WeChat's settings first. Resolves { state, gained }: the state after
 * (`state` itself when nothing could be counted) and whether a credit was gained (pages toast it).
 */
async function askForKind(kind, state) {
  const entry = kindState(state, kind)
  const answer = entry && entry.banned
    ? await reenableInSettings(kind, { state })
    : await requestAlerts([kind], { state })
  const after = answer.state || state
  return { state: after, gained: gainedCredit(state, after, kind) }
}

module.exports = {
  LINKING_KINDS,
  MANUAL_REVIEW_KINDS,
  MAX_TEMPLATES_PER_REQUEST,
  PAYING_KINDS,
  SUBSCRIPTIONS_PATH,
  askAfterLinking,
  askAfterPaying,
  askForKind,
  askForManualReview,
  fetchState,
  gainedCredit,
  kindState,
  reenableInSettings,
  requestAlerts,
  templateIdsFor,
}
