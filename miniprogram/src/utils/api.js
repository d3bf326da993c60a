// The one way the Mini Program talks to the backend.
//
// request(path, options) -> Promise resolving with the response body of a 2xx answer (null for 204), or
// rejecting with an ApiError { message, statusCode, code, fields } after showing `message` in a toast.
// `message` is the backend's localized text when it sent one (we send Accept-Language), otherwise a local
// translated fallback (network failure, HTML error pages, ...).
//
// Authentication: our own token from POST /api/v1/auth/login (never WeChat's session key) is kept in storage
// under `token`, with the time it expires (`token_expires_at`, ms), and sent as `Authorization: Bearer <token>`.
// A stored, unexpired token is used as it is, also on a cold start: wx.login runs only when there is none (or it
// expired) or the API answers 401. Each login spends the backend's per-client login limit, which a campus NAT
// shares, so launching must not mint a new token. The backend's tokens slide: every authenticated request moves
// their expiry to 30 days (AUTH_TOKEN_TTL_DAYS) after it, so we move ours too, a day early: the backend writes the
// slide at most hourly (AUTH_TOKEN_TOUCH_SECONDS), and a 401 still logs in again. On a 401 we log in again and retry the request once; a second 401 is returned as an error,
// never another login. Concurrent 401s share a single login in flight.
//
// Privacy: nothing is asked of WeChat or the backend about the researcher before they have seen the privacy
// notice and agreed (utils/privacy.js): every login waits for it; declining leaves the app signed out.
//
// Network errors: a GET is sent once more when the first try got no HTTP answer at all (a dropped mobile
// connection); never on an HTTP error, and never a POST (it may have reached the backend and acted).
//
// PATCH is sent as POST + X-HTTP-Method-Override (see TUNNELED_METHODS): wx.request has no PATCH.
//
// Logging out is explicit and sticky (storage `signed_out`): until the researcher taps "log in", no silent
// login happens and authenticated requests fail fast with code `signed_out` instead of logging back in.
//
// Lists are `{results, next, previous, count?}`; `next` is an absolute URL built by the backend. pathOf() turns
// it back into a path for request(), so pages always go to config.apiBase() (the backend may sit behind a proxy
// and name itself differently); requestAllPages() follows `next` for short lists (accounts, journal systems).

const config = require('./config')
const i18n = require('./i18n')
const privacy = require('./privacy')

const TOKEN_KEY = 'token'
const TOKEN_EXPIRES_KEY = 'token_expires_at'
const SIGNED_OUT_KEY = 'signed_out'
const PRIVACY_DECLINED = 'privacy_declined' // the value of SIGNED_OUT_KEY when the researcher declined the notice
const REQUEST_TIMEOUT_MS = 15000
const DAY_MS = 24 * 60 * 60 * 1000
const TOKEN_TTL_MS = 30 * DAY_MS // the backend's AUTH_TOKEN_TTL_DAYS
const TOKEN_SAFETY_MS = DAY_MS // our copy of the expiry runs a day ahead of the backend's
const GET_RETRIES_ON_NETWORK_ERROR = 1

class ApiError extends Error {
  /**
   * @param {string} message localized, ready to show
   * @param {{statusCode?: number, code?: string, fields?: Object<string, string[]>, errMsg?: string, retryAfter?: number}} [details]
   */
  constructor(message, details = {}) {
    super(message)
    this.name = 'ApiError'
    this.statusCode = details.statusCode || 0 // 0: no HTTP answer (network, wx.login)
    this.code = details.code || 'error'
    this.fields = details.fields || {}
    this.errMsg = details.errMsg || ''
    this.retryAfter = details.retryAfter || 0 // seconds, from a 429's Retry-After header (0: not given)
  }
}

let loginInFlight = null

function getToken() {
  return wx.getStorageSync(TOKEN_KEY) || ''
}

/**
 * The stored token while it has not expired as far as we know, else ''. A token stored by an older build has no
 * expiry beside it: it is tried (a 401 logs in again).
 */
function usableToken() {
  const token = getToken()
  const expiresAt = Number(wx.getStorageSync(TOKEN_EXPIRES_KEY)) || 0
  return token && (!expiresAt || expiresAt > Date.now()) ? token : ''
}

/** Keep the token and when it expires: the backend's `expires_at` when it sends one, else its sliding TTL. */
function storeToken(token, expiresAt) {
  const backendExpiry = Date.parse(expiresAt || '')
  wx.setStorageSync(TOKEN_KEY, token)
  wx.setStorageSync(TOKEN_EXPIRES_KEY, (backendExpiry || Date.now() + TOKEN_TTL_MS) - TOKEN_SAFETY_MS)
}

/** A request with the token was accepted: the backend slid its expiry, so slide ours. */
function slideToken(token) {
  if (token && token === getToken()) wx.setStorageSync(TOKEN_EXPIRES_KEY, Date.now() + TOKEN_TTL_MS - TOKEN_SAFETY_MS)
}

function forgetToken() {
  wx.removeStorageSync(TOKEN_KEY)
  wx.removeStorageSync(TOKEN_EXPIRES_KEY)
}

function isSignedOut() {
  return Boolean(wx.getStorageSync(SIGNED_OUT_KEY))
}

/** Signed out because the privacy notice was declined (not by "log out"). */
function declinedPrivacy() {
  return wx.getStorageSync(SIGNED_OUT_KEY) === PRIVACY_DECLINED
}

function isSuccess(statusCode) {
  return statusCode >= 200 && statusCode < 300
}

// wx.request cannot send PATCH: its methods are OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE and CONNECT, and
// the WeChat client fails anything else with "method invalid". So PATCH travels as POST carrying
// `X-HTTP-Method-Override: PATCH`, which the backend honours for POST requests (and only for them).
const TUNNELED_METHODS = ['PATCH']

/**
 * One wx.request; resolves with the raw response for any HTTP status, rejects only when there is none.
 * @param {{path: string, method?: string, data?: any, token?: string}} options
 */
function sendOnce({ path, method = 'GET', data, token }) {
  const header = { 'Content-Type': 'application/json', 'Accept-Language': i18n.getLanguage() }
  if (token) header.Authorization = `Bearer ${token}`
  let wireMethod = method
  if (TUNNELED_METHODS.includes(method)) {
    header['X-HTTP-Method-Override'] = method
    wireMethod = 'POST'
  }
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.apiBase() + path,
      method: /** @type {WechatMiniprogram.RequestOption['method']} */ (wireMethod),
      data,
      header,
      dataType: 'json',
      timeout: REQUEST_TIMEOUT_MS,
      success: resolve,
      fail: (res) => reject(new ApiError(i18n.t('errorNetwork'), { code: 'network_error', errMsg: res && res.errMsg })),
    })
  })
}

/** sendOnce, and for a GET once more when there was no HTTP answer at all (see the header). */
async function send(options) {
  const retries = (options.method || 'GET') === 'GET' ? GET_RETRIES_ON_NETWORK_ERROR : 0
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await sendOnce(options)
    } catch (err) {
      if (attempt >= retries || err.code !== 'network_error') throw err
    }
  }
}

function fallbackMessage(statusCode) {
  if (statusCode === 401) return i18n.t('errorSession')
  if (statusCode === 429) return i18n.t('errorThrottled')
  if (statusCode >= 500) return i18n.t('errorServer')
  return i18n.t('errorGeneric')
}

/** Seconds of a Retry-After header (header names' case varies between clients); 0 when absent or a date. */
function retryAfterSeconds(header) {
  const name = Object.keys(header || {}).find((key) => key.toLowerCase() === 'retry-after')
  const seconds = name ? parseInt(header[name], 10) : 0
  return seconds > 0 ? seconds : 0
}

function errorFromResponse(res) {
  const body = res.data && typeof res.data === 'object' ? res.data : {}
  const message = typeof body.message === 'string' && body.message ? body.message : fallbackMessage(res.statusCode)
  return new ApiError(message, {
    statusCode: res.statusCode,
    code: typeof body.code === 'string' ? body.code : `http_${res.statusCode}`,
    fields: body.fields && typeof body.fields === 'object' ? body.fields : {},
    retryAfter: retryAfterSeconds(res.header),
  })
}

function bodyOf(res) {
  if (!isSuccess(res.statusCode)) throw errorFromResponse(res)
  return res.statusCode === 204 || res.data === '' || res.data === undefined ? null : res.data
}

/** The one way an error reaches the researcher: its (localized) message in a toast. */
function showError(err) {
  wx.showToast({ icon: 'none', title: err.message, duration: 2500 })
}

function wechatLoginCode() {
  return new Promise((resolve, reject) => {
    const failed = (res) => reject(new ApiError(i18n.t('errorWechatLogin'), { code: 'wechat_login_failed', errMsg: res && res.errMsg }))
    wx.login({ success: (res) => (res.code ? resolve(res.code) : failed(res)), fail: failed })
  })
}

/**
 * The privacy notice has been seen and agreed (it is shown now when needed and this waits for the answer).
 * Declining signs the app out (SIGNED_OUT_KEY = PRIVACY_DECLINED), so nothing logs in until "log in" is tapped.
 */
async function privacyAgreed() {
  if (await privacy.ensureAgreed()) return
  forgetToken()
  wx.setStorageSync(SIGNED_OUT_KEY, PRIVACY_DECLINED)
  throw new ApiError(i18n.t('errorPrivacyDeclined'), { code: PRIVACY_DECLINED })
}

/**
 * Record the researcher's agreement to the backend's current privacy policy version when the backend asks for it
 * (`privacy_consent_required` in the researcher of the login or of GET /me: first login, or the policy changed);
 * best effort: asked again at the next login or GET /me. Resolves with the researcher as it is now.
 */
async function recordPolicyConsent(researcher, token = getToken()) {
  try {
    if (!(await privacy.agreedToCurrentPolicy(researcher))) return researcher
    const res = await send({ path: '/api/v1/me/privacy-consent', method: 'POST', token,
      data: { version: researcher.privacy_policy_version } })
    if (isSuccess(res.statusCode)) return Object.assign({}, researcher, { privacy_consent_required: false })
  } catch (err) {
    // Offline: asked again at the next login.
  }
  return researcher
}

/** Exchange a fresh wx.login code for our token; every caller during one exchange shares it. */
function login() {
  if (!loginInFlight) {
    loginInFlight = privacyAgreed()
      .then(wechatLoginCode)
      .then((code) => send({ path: '/api/v1/auth/login', method: 'POST', data: { code } }))
      .then(bodyOf)
      .then((session) => {
        storeToken(session.token, session.expires_at)
        wx.removeStorageSync(SIGNED_OUT_KEY)
        if (session.researcher) i18n.setLanguage(session.researcher.language)
        return recordPolicyConsent(session.researcher, session.token)
      })
      .then(
        (researcher) => { loginInFlight = null; return researcher },
        (err) => { loginInFlight = null; throw err },
      )
  }
  return loginInFlight
}

/** The "log in" button (after logging out or declining): resolves with the researcher; toasts on failure. */
function signIn({ toast = true } = {}) {
  if (declinedPrivacy()) wx.removeStorageSync(SIGNED_OUT_KEY) // tapping "log in" shows the notice again
  return login().catch((err) => {
    if (toast) showError(err)
    throw err
  })
}

/**
 * Launch: keep a stored, unexpired token (resolves null: the researcher comes with the pages' GET /me), or log
 * in silently (resolves with the researcher). Nothing happens when signed out. Toasts and rejects on failure.
 */
async function resumeSession() {
  if (isSignedOut()) return null
  try {
    if (usableToken()) {
      await privacyAgreed()
      return null
    }
    return await login()
  } catch (err) {
    showError(err)
    throw err
  }
}

async function authorizedResponse({ path, method, data }) {
  if (isSignedOut()) throw new ApiError(i18n.t('errorSignedOut'), { statusCode: 401, code: 'signed_out' })
  if (usableToken()) await privacyAgreed()
  else await login()
  const token = getToken()
  let res = await send({ path, method, data, token })
  if (res.statusCode !== 401) {
    slideToken(token)
    return res
  }
  // Someone else may have logged in while this request was out: then its new token is enough.
  if (getToken() === token) await login()
  const retried = getToken()
  res = await send({ path, method, data, token: retried })
  if (res.statusCode !== 401) slideToken(retried)
  return res
}

/**
 * @param {string} path e.g. '/api/v1/me' (no trailing slash)
 * @param {{method?: 'GET'|'POST'|'PATCH'|'PUT'|'DELETE', data?: any, auth?: boolean, toast?: boolean}} [options]
 *   auth: send the token and re-login on 401 (default true); toast: show errors (default true)
 */
async function request(path, { method = 'GET', data, auth = true, toast = true } = {}) {
  try {
    const res = auth ? await authorizedResponse({ path, method, data }) : await send({ path, method, data })
    return bodyOf(res)
  } catch (err) {
    const apiError = err instanceof ApiError ? err : new ApiError(i18n.t('errorGeneric'), { code: 'client_error', errMsg: String(err) })
    if (toast) showError(apiError)
    throw apiError
  }
}

/** 'http://host:8000/api/v1/manuscripts?page=2' -> '/api/v1/manuscripts?page=2'; a path stays as it is. */
function pathOf(url) {
  return String(url).replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]+/i, '')
}

const MAX_PAGES = 20 // a safety net against a `next` that never ends; short lists have one or two pages

/**
 * Every item of a paginated list: GET path, then each `next`. Same errors as request().
 * @param {string} path
 * @param {{auth?: boolean, toast?: boolean}} [options]
 */
async function requestAllPages(path, { auth = true, toast = true } = {}) {
  const items = []
  let nextPath = path
  for (let page = 0; nextPath && page < MAX_PAGES; page += 1) {
    const body = await request(nextPath, { auth, toast })
    items.push(...((body && body.results) || []))
    nextPath = body && body.next ? pathOf(body.next) : ''
  }
  return items
}

/** Revoke the token on the server (best effort) and stay signed out until the next explicit sign-in. */
async function logout() {
  const token = getToken()
  forgetToken()
  wx.setStorageSync(SIGNED_OUT_KEY, true)
  if (!token) return
  try {
    await send({ path: '/api/v1/auth/logout', method: 'POST', token })
  } catch (err) {
    // Offline: the token is gone from this device either way and expires on the server.
  }
}

/** A DRF error value (a list, a {index: list} of a list field, a string) -> its messages, in order. */
function fieldMessages(value) {
  if (!value) return []
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.flatMap(fieldMessages)
  if (typeof value === 'object') return Object.values(value).flatMap(fieldMessages)
  return []
}

module.exports = {
  ApiError,
  PRIVACY_DECLINED,
  SIGNED_OUT_KEY,
  TOKEN_EXPIRES_KEY,
  TOKEN_KEY,
  declinedPrivacy,
  fieldMessages,
  getToken,
  isSignedOut,
  resumeSession,
  usableToken,
  login,
  logout,
  pathOf,
  recordPolicyConsent,
  request,
  requestAllPages,
  showError,
  signIn,
}
