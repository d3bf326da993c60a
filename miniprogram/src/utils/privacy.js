// The privacy notice, as WeChat enforces it (《小程序隐私协议开发指南》,
// https://developers.weixin.qq.com/miniprogram/dev/framework/user-privacy/PrivacyAuthorize.html):
// - the Mini Program's privacy guide (《小程序用户隐私保护指引》) is filled in the MP admin console; every privacy API we
//   call must be declared there (ours: the clipboard, privacy_key `Clipboard`, see ../../privacy-declaration.json),
//   else it fails with "api scope is not declared in the privacy agreement". app.json sets `__usePrivacyCheck__`.
// - a privacy API (wx.setClipboardData here) called before the researcher agreed fires the listener of
//   wx.onNeedPrivacyAuthorization(resolve, eventInfo) and stays pending until we call resolve({ event: 'agree',
//   buttonId }) — only after the tap on <button open-type="agreePrivacyAuthorization" id=buttonId>, which the base
//   library checks — or resolve({ event: 'disagree' }), which fails the API with "privacy permission is not
//   authorized"; resolve({ event: 'exposureAuthorization' }) tells WeChat our popup is on screen
//   (https://developers.weixin.qq.com/miniprogram/dev/api/open-api/privacy/wx.onNeedPrivacyAuthorization.html).
// - wx.getPrivacySetting → { needAuthorization, privacyContractName } says whether the researcher still has to agree;
//   wx.openPrivacyContract opens the guide itself (both base library 2.32.3+).
//
// Beyond WeChat's own APIs, logging in hands the researcher's WeChat identity to our backend, so the launch login
// waits for the same notice (utils/api.js): the notice is needed when WeChat says so, or when this device has no
// record of the researcher agreeing (old clients without getPrivacySetting, or a console without a declaration).
//
// One prompt at a time: the login gate and any number of pending privacy APIs share it. The popup
// (components/privacy-popup, on every main-package page) subscribes and shows while a prompt is open. The state
// lives in app.globalData.privacy, like every state the pages share.

const AGREED_KEY = 'privacy_agreed'
const AGREE_BUTTON_ID = 'privacy-agree-button'

/**
 * prompt: { promise, resolve, wechatResolves, referrers } while the popup waits for an answer;
 * agreedThisRun: no need to ask WeChat again in this run; listeners: the popups on screen.
 */
function shared() {
  const globalData = getApp().globalData
  if (!globalData.privacy) globalData.privacy = { prompt: null, agreedThisRun: false, listeners: new Set() }
  return globalData.privacy
}

function notify() {
  const state = shared()
  state.listeners.forEach((listener) => listener(state.prompt))
}

/** Whether the researcher still has to see and agree to the notice. Never rejects. */
function needsAgreement() {
  const agreedHere = Boolean(wx.getStorageSync(AGREED_KEY))
  if (typeof wx.getPrivacySetting !== 'function') return Promise.resolve(!agreedHere)
  return new Promise((resolve) => {
    wx.getPrivacySetting({
      success: (res) => resolve(Boolean(res && res.needAuthorization) || !agreedHere),
      fail: () => resolve(!agreedHere),
    })
  })
}

/**
 * Open the prompt (or join the open one); resolves true when the researcher agrees, false when they decline.
 * @param {{wechatResolve?: Function, referrer?: string}} [options] wechatResolve: WeChat's resolve of a pending API
 */
function ask({ wechatResolve, referrer = 'login' } = {}) {
  const state = shared()
  if (!state.prompt) {
    let resolvePrompt
    const promise = new Promise((resolve) => { resolvePrompt = resolve })
    state.prompt = { promise, resolve: resolvePrompt, wechatResolves: [], referrers: [] }
  }
  if (wechatResolve) state.prompt.wechatResolves.push(wechatResolve)
  state.prompt.referrers.push(referrer)
  const current = state.prompt
  notify()
  return current.promise
}

/** Resolves true once the researcher has agreed (asking now when needed), false when they decline. */
async function ensureAgreed() {
  if (shared().agreedThisRun) return true
  if (!(await needsAgreement())) {
    shared().agreedThisRun = true
    return true
  }
  return ask({ referrer: 'login' })
}

/** The popup is on screen: tell WeChat (for the APIs waiting on it). */
function exposed() {
  const { prompt } = shared()
  if (prompt) prompt.wechatResolves.forEach((resolve) => resolve({ event: 'exposureAuthorization' }))
}

/**
 * The researcher's answer in the popup. `agreed` only from the tap on the agreePrivacyAuthorization button
 * (its id goes to WeChat, which checks that it was tapped).
 */
function answer(agreed, buttonId = AGREE_BUTTON_ID) {
  const state = shared()
  if (agreed) {
    wx.setStorageSync(AGREED_KEY, true)
    state.agreedThisRun = true
    state.answeredThisRun = true
  }
  if (!state.prompt) return
  const current = state.prompt
  state.prompt = null
  current.wechatResolves.forEach((resolve) => resolve(agreed ? { buttonId, event: 'agree' } : { event: 'disagree' }))
  current.resolve(Boolean(agreed))
  notify()
}

/**
 * The backend says the researcher has not agreed to its current privacy policy version (`privacy_consent_required`
 * in the researcher of /auth/login and /me): resolves true when they agree now, so the caller records it
 * (POST /api/v1/me/privacy-consent). Agreeing in this run's prompt counts (the first login waits for it), and so
 * does this device's agreement while the backend holds none (the notice gated the first login before consent was
 * recorded); when the backend holds an older version (`privacy_consent_version`), the policy changed since: the
 * notice is shown again.
 */
async function agreedToCurrentPolicy(researcher) {
  if (!researcher || !researcher.privacy_consent_required) return false
  const state = shared()
  if (state.answeredThisRun) return true
  if (!researcher.privacy_consent_version && wx.getStorageSync(AGREED_KEY)) return true
  wx.removeStorageSync(AGREED_KEY)
  state.agreedThisRun = false
  return ask({ referrer: 'policy' })
}

/** listener(prompt|null) now and at every change; returns the unsubscribe function. */
function subscribe(listener) {
  const state = shared()
  state.listeners.add(listener)
  listener(state.prompt)
  return () => state.listeners.delete(listener)
}

/** Route WeChat's "a privacy API needs the notice" to our popup (app launch; a later registration replaces it). */
function listenToWeChat() {
  if (typeof wx.onNeedPrivacyAuthorization !== 'function') return
  const listener = (resolve, eventInfo) => {
    ask({ wechatResolve: resolve, referrer: (eventInfo && eventInfo.referrer) || 'api' })
  }
  wx.onNeedPrivacyAuthorization(/** @type {any} */ (listener))
}

/** WeChat's own privacy guide (the one filled in the MP console); resolves whether it opened. */
function openContract() {
  return new Promise((resolve) => {
    if (typeof wx.openPrivacyContract !== 'function') {
      resolve(false)
      return
    }
    wx.openPrivacyContract({ success: () => resolve(true), fail: () => resolve(false) })
  })
}

module.exports = {
  AGREED_KEY,
  AGREE_BUTTON_ID,
  agreedToCurrentPolicy,
  answer,
  ask,
  ensureAgreed,
  exposed,
  listenToWeChat,
  needsAgreement,
  openContract,
  subscribe,
}
