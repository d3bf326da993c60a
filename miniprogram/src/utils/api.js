// The one way the Mini Program talks to the backend.
//
// request(path, options) -> Promise resolving with the response body of a 2xx answer (null for 204), or
// rejecting with an ApiError { message, statusCode, code, fields } after showing `message` in a toast.
// `message` is the backend's localized text when it sent one (we send Accept-Language), otherwise a local
// translated fallback (network failure, HTML error pages, ...).
//
// Authentication: our own token from POST /api/v1/auth/login (never WeChat's session key) is kept in storage
// under `token` and sent as `Authorization: Bearer <token>`. Login is silent: wx.login gives a one-time code
// that the backend exchanges. On a 401 we log in again and retry the request once; a second 401 is returned
// as an error, never another login. Concurrent 401s share a single login in flight.
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

const TOKEN_KEY = 'token'
const SIGNED_OUT_KEY = 'signed_out'
const REQUEST_TIMEOUT_MS = 15000

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

function isSignedOut() {
  return Boolean(wx.getStorageSync(SIGNED_OUT_KEY))
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
function send({ path, method = 'GET', data, token }) {
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

/** Exchange a fresh wx.login code for our token; every caller during one exchange shares it. */
function login() {
  if (!loginInFlight) {
    loginInFlight = wechatLoginCode()
      .then((code) => send({ path: '/api/v1/auth/login', method: 'POST', data: { code } }))
      .then(bodyOf)
      .then((session) => {
        wx.setStorageSync(TOKEN_KEY, session.token)
        wx.removeStorageSync(SIGNED_OUT_KEY)
        if (session.researcher) i18n.setLanguage(session.researcher.language)
        return session.researcher
      })
      .then(
        (researcher) => { loginInFlight = null; return researcher },
        (err) => { loginInFlight = null; throw err },
      )
  }
  return loginInFlight
}

/** Silent login as on launch, or the "log in" button: resolves with the researcher; toasts on failure. */
function signIn({ toast = true } = {}) {
  return login().catch((err) => {
    if (toast) showError(err)
    throw err
  })
}

async function authorizedResponse({ path, method, data }) {
  if (isSignedOut()) throw new ApiError(i18n.t('errorSignedOut'), { statusCode: 401, code: 'signed_out' })
  if (!getToken()) await login()
  const token = getToken()
  const res = await send({ path, method, data, token })
  if (res.statusCode !== 401) return res
  // Someone else may have logged in while this request was out: then its new token is enough.
  if (getToken() === token) await login()
  return send({ path, method, data, token: getToken() })
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
  wx.removeStorageSync(TOKEN_KEY)
  wx.setStorageSync(SIGNED_OUT_KEY, true)
  if (!token) return
  try {
    await send({ path: '/api/v1/auth/logout', method: 'POST', token })
  } catch (err) {
    // Offline: the token is gone from this device either way and expires on the server.
  }
}

module.exports = {
  ApiError,
  SIGNED_OUT_KEY,
  TOKEN_KEY,
  getToken,
  isSignedOut,
  login,
  logout,
  pathOf,
  request,
  requestAllPages,
  showError,
  signIn,
}
