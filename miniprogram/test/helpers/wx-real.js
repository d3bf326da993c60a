// A `wx` whose wx.request does REAL HTTP (Node http/https), for the end-to-end test against a live backend.
// Adapted from the verified recipe (shared/reference/miniprogram-testing.md, section 3). wx.login answers
// with the code in env E2E_LOGIN_CODE (one the WeChat sandbox accepts).
// Use: require('./helpers/wx-real').install()  (after miniprogram-simulate, which defines its own fake wx).
const http = require('http')
const https = require('https')
const { URL } = require('url')

function request(opts = {}) {
  const url = new URL(opts.url)
  const method = (opts.method || 'GET').toUpperCase()
  const headers = Object.assign({}, opts.header || {})
  let body = null
  if (opts.data !== undefined && opts.data !== null) {
    if (method === 'GET') {
      // wx.request serialises data into the query string for GET
      Object.entries(opts.data).forEach(([k, v]) => url.searchParams.append(k, String(v)))
    } else {
      const ct = Object.keys(headers).find((k) => k.toLowerCase() === 'content-type')
      const isForm = ct && /x-www-form-urlencoded/.test(headers[ct])
      body = typeof opts.data === 'string' ? opts.data
        : isForm ? new URLSearchParams(opts.data).toString() : JSON.stringify(opts.data)
      if (!ct) headers['content-type'] = 'application/json'
      headers['content-length'] = Buffer.byteLength(body)
    }
  }
  const lib = url.protocol === 'https:' ? https : http
  let aborted = false
  const req = lib.request(url, { method, headers, timeout: opts.timeout || 60000 }, (resp) => {
    const chunks = []
    resp.on('data', (c) => chunks.push(c))
    resp.on('end', () => {
      if (aborted) return
      const text = Buffer.concat(chunks).toString('utf8')
      let data = text
      if ((opts.dataType || 'json') === 'json') { try { data = JSON.parse(text) } catch (e) { /* keep string, like wx */ } }
      const res = { data, statusCode: resp.statusCode, header: resp.headers, cookies: resp.headers['set-cookie'] || [], errMsg: 'request:ok' }
      if (opts.success) opts.success(res) // wx calls success for ANY HTTP status (incl. 4xx/5xx)
      if (opts.complete) opts.complete(res)
    })
  })
  req.on('timeout', () => req.destroy(new Error('timeout')))
  req.on('error', (err) => {
    if (aborted) return
    const res = { errMsg: `request:fail ${err.message}` }
    if (opts.fail) opts.fail(res)
    if (opts.complete) opts.complete(res)
  })
  if (body) req.write(body)
  req.end()
  return { abort() { aborted = true; req.destroy() }, onHeadersReceived() {}, offHeadersReceived() {} }
}

function login(options = {}) {
  const code = process.env.E2E_LOGIN_CODE
  const res = code ? { code, errMsg: 'login:ok' } : { errMsg: 'login:fail E2E_LOGIN_CODE is not set' }
  setTimeout(() => {
    if (code && options.success) options.success(res)
    if (!code && options.fail) options.fail(res)
    if (options.complete) options.complete(res)
  }, 0)
}

/** Install a fresh real-HTTP wx (empty storage) into global.wx and return it. */
function install() {
  const storage = {}
  const realWx = {
    storage,
    request: jest.fn(request),
    login: jest.fn(login),
    getStorageSync: (k) => (k in storage ? storage[k] : ''),
    setStorageSync: (k, v) => { storage[k] = v },
    removeStorageSync: (k) => { delete storage[k] },
    clearStorageSync: () => { Object.keys(storage).forEach((k) => delete storage[k]) },
    getAccountInfoSync: () => ({ miniProgram: { appId: 'wx0000000000000000', envVersion: 'develop', version: '' } }),
    showToast: jest.fn(),
    showLoading: jest.fn(),
    hideLoading: jest.fn(),
    showModal: jest.fn(),
    setTabBarItem: jest.fn(),
    setTabBarBadge: jest.fn(),
    removeTabBarBadge: jest.fn(),
    setNavigationBarTitle: jest.fn(),
    navigateTo: jest.fn(),
    redirectTo: jest.fn(),
    switchTab: jest.fn(),
    navigateBack: jest.fn(),
    reLaunch: jest.fn(),
  }
  global.wx = Object.assign(global.wx || {}, realWx)
  return global.wx
}

module.exports = { install, request }
