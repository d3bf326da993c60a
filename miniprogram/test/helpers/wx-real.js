// A `wx` whose wx.request does REAL HTTP (Node http/https), for the end-to-end test against a live backend.
// Adapted from the verified recipe (shared/reference/miniprogram-testing.md, section 3). wx.login answers
// with the code in env E2E_LOGIN_CODE (one the WeChat sandbox accepts). wx.requestSubscribeMessage behaves like the
// WeChat client when the researcher allows every template: it tells WeChat (the sandbox, env SANDBOX_BASE: POST
// /__sandbox__/wechat/subscriptions, which adds the quota WeChat would) and answers the page with the result object.
// Navigation calls answer success like the client (nothing is opened: tests load the next page themselves).
// wx.requestPayment stands in for WeChat's cashier when the user pays (see requestPayment below).
// Use: require('./helpers/wx-real').install()  (after miniprogram-simulate, which defines its own fake wx);
// install({ loginCode, storage }) is another phone: its own WeChat user, or a phone used before (its storage).
const crypto = require('crypto')
const fs = require('fs')
const http = require('http')
const https = require('https')
const os = require('os')
const path = require('path')
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

/**
 * wx.downloadFile over real HTTP: the body goes to a temporary file whatever the status, like the client, and
 * success gets { statusCode, tempFilePath, header }; fail only when there is no HTTP answer.
 */
function downloadFile(opts = {}) {
  const url = new URL(opts.url)
  const lib = url.protocol === 'https:' ? https : http
  const req = lib.request(url, { method: 'GET', headers: Object.assign({}, opts.header || {}), timeout: opts.timeout || 60000 }, (resp) => {
    const chunks = []
    resp.on('data', (c) => chunks.push(c))
    resp.on('end', () => {
      const tempFilePath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wx-download-')), path.basename(url.pathname) || 'file')
      fs.writeFileSync(tempFilePath, Buffer.concat(chunks))
      const res = { statusCode: resp.statusCode, tempFilePath, header: resp.headers, errMsg: 'downloadFile:ok' }
      if (opts.success) opts.success(res)
      if (opts.complete) opts.complete(res)
    })
  })
  req.on('timeout', () => req.destroy(new Error('timeout')))
  req.on('error', (err) => {
    const res = { errMsg: `downloadFile:fail ${err.message}` }
    if (opts.fail) opts.fail(res)
    if (opts.complete) opts.complete(res)
  })
  req.end()
}

function login(options = {}, code = process.env.E2E_LOGIN_CODE) {
  const res = code ? { code, errMsg: 'login:ok' } : { errMsg: 'login:fail E2E_LOGIN_CODE is not set' }
  setTimeout(() => {
    if (code && options.success) options.success(res)
    if (!code && options.fail) options.fail(res)
    if (options.complete) options.complete(res)
  }, 0)
}

/** The WeChat sandbox user the wx.login code stands for: the part before the first '-'. */
function sandboxUser(code = process.env.E2E_LOGIN_CODE) {
  return String(code || '').split('-')[0]
}

const sandboxUrl = (path) => `${String(process.env.SANDBOX_BASE || '').replace(/\/+$/, '')}${path}`

/** A call to the sandbox's own routes: resolves the response (any status), rejects with a sentence. */
function sandboxCall(method, path, data) {
  return new Promise((resolve, reject) => {
    request({
      url: sandboxUrl(path), method, data, header: {}, timeout: 10000,
      success: resolve,
      fail: (res) => reject(new Error(`${method} ${path}: ${res.errMsg}`)),
    })
  })
}

// What wx.requestPayment needs (developers.weixin.qq.com, wx.requestPayment; API v3 JSAPI: signType "RSA").
const PAYMENT_FIELDS = ['timeStamp', 'nonceStr', 'package', 'signType', 'paySign']

/**
 * The user pays in WeChat's cashier, as WeChat Pay checks it first: the five fields are strings, signType is RSA,
 * `package` names an unpaid prepay WeChat Pay (the sandbox, GET /__sandbox__/wechatpay/orders) knows, made for this
 * phone's WeChat user, and paySign verifies with the merchant's public key (env E2E_MERCHANT_PUBLIC_KEY_FILE, PEM)
 * over "appId\ntimeStamp\nnonceStr\npackage\n" (the prepay's appId). Then the user pays (POST /__sandbox__/wechatpay/pay
 * {prepay_id}: WeChat Pay marks it paid and sends its notification to the merchant) and the page gets
 * `requestPayment:ok`. Anything that does not check out is `requestPayment:fail <why>` and nothing is paid.
 * Returns a promise of that answer (for a test's failure message; pages use the callbacks).
 */
function requestPayment(options = {}, code = process.env.E2E_LOGIN_CODE) {
  const finish = (callback, res) => {
    if (callback) callback(res)
    if (options.complete) options.complete(res)
    return res
  }
  const refuse = (why) => finish(options.fail, { errMsg: `requestPayment:fail ${why}` })
  const pay = async () => {
    const missing = PAYMENT_FIELDS.filter((name) => typeof options[name] !== 'string' || !options[name])
    if (missing.length) return refuse(`missing or not a string: ${missing.join(', ')}`)
    if (options.signType !== 'RSA') return refuse(`signType ${options.signType} (API v3 JSAPI payments sign with RSA)`)
    const prepayId = (/^prepay_id=(\S+)$/.exec(options.package) || [])[1]
    if (!prepayId) return refuse(`package ${options.package} is not "prepay_id=…"`)
    if (!process.env.SANDBOX_BASE || !process.env.E2E_MERCHANT_PUBLIC_KEY_FILE) {
      return refuse('SANDBOX_BASE and E2E_MERCHANT_PUBLIC_KEY_FILE must be set (WeChat Pay, the merchant\'s key)')
    }
    const listed = await sandboxCall('GET', '/__sandbox__/wechatpay/orders')
    const order = ((listed.data && listed.data.orders) || []).find((candidate) => candidate.prepay_id === prepayId)
    if (!order) return refuse(`WeChat Pay knows no prepay ${prepayId}`)
    const signed = `${order.appid}\n${options.timeStamp}\n${options.nonceStr}\n${options.package}\n`
    const publicKey = fs.readFileSync(process.env.E2E_MERCHANT_PUBLIC_KEY_FILE, 'utf8')
    if (!crypto.createVerify('RSA-SHA256').update(signed).verify(publicKey, options.paySign, 'base64')) {
      return refuse('paySign does not verify with the merchant\'s public key')
    }
    const { data: user } = await sandboxCall('GET', `/__sandbox__/wechat/users/${encodeURIComponent(sandboxUser(code))}`)
    if (order.openid !== user.openid) return refuse(`the prepay is for openid ${order.openid}, this phone is ${user.openid}`)
    if (!['NOTPAY', 'USERPAYING'].includes(order.trade_state)) return refuse(`the prepay is ${order.trade_state}`)
    const paid = await sandboxCall('POST', '/__sandbox__/wechatpay/pay', { prepay_id: prepayId })
    if (paid.statusCode !== 200) return refuse(`WeChat Pay answered ${paid.statusCode} ${JSON.stringify(paid.data)}`)
    return finish(options.success, { errMsg: 'requestPayment:ok' })
  }
  return pay().catch((err) => refuse(err.message))
}

/** The researcher allows every template: WeChat (the sandbox) records the quota, the page gets the result object. */
function requestSubscribeMessage(options = {}, code = process.env.E2E_LOGIN_CODE) {
  const tmplIds = Array.isArray(options.tmplIds) ? options.tmplIds : []
  const finish = (callback, res) => {
    if (callback) callback(res)
    if (options.complete) options.complete(res)
  }
  if (!tmplIds.length || tmplIds.length > 3) {
    setTimeout(() => finish(options.fail, { errMsg: `requestSubscribeMessage:fail ${tmplIds.length} template ids`, errCode: tmplIds.length ? 20003 : 10001 }), 0)
    return
  }
  if (!process.env.SANDBOX_BASE) {
    setTimeout(() => finish(options.fail, { errMsg: 'requestSubscribeMessage:fail SANDBOX_BASE is not set', errCode: 10003 }), 0)
    return
  }
  const results = Object.fromEntries(tmplIds.map((id) => [id, 'accept']))
  request({
    url: `${process.env.SANDBOX_BASE.replace(/\/+$/, '')}/__sandbox__/wechat/subscriptions`,
    method: 'POST',
    data: { user: sandboxUser(code), results },
    header: {},
    timeout: 10000,
    success: (res) => {
      if (res.statusCode >= 200 && res.statusCode < 300) finish(options.success, Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, results))
      else finish(options.fail, { errMsg: `requestSubscribeMessage:fail the sandbox answered ${res.statusCode} ${JSON.stringify(res.data)}`, errCode: 10003 })
    },
    fail: (res) => finish(options.fail, { errMsg: `requestSubscribeMessage:fail ${res.errMsg}`, errCode: 10003 }),
  })
}

/** A navigation call that succeeds, as the client's does for a declared page. */
function navigation(api) {
  return jest.fn((options = {}) => {
    setTimeout(() => {
      const res = { errMsg: `${api}:ok` }
      if (options.success) options.success(res)
      if (options.complete) options.complete(res)
    }, 0)
  })
}

/**
 * Install a fresh real-HTTP wx into global.wx and return it. Storage is empty but for the record that the researcher
 * agreed to the privacy notice (utils/privacy.js), and WeChat agrees (getPrivacySetting: nothing to authorize), so
 * the launch login goes ahead as for a returning researcher.
 * Another phone: `loginCode` is its WeChat user's wx.login code (default env E2E_LOGIN_CODE; login, the alerts popup
 * and the cashier act as that user); `storage` is what a phone used before kept (`wx.storage`), so its stored
 * token is used again.
 */
function install({ loginCode = process.env.E2E_LOGIN_CODE, storage: kept } = {}) {
  const storage = kept || { privacy_agreed: true }
  const answer = (name) => jest.fn((options = {}) => {
    setTimeout(() => {
      const res = { errMsg: `${name}:ok` }
      if (options.success) options.success(res)
      if (options.complete) options.complete(res)
    }, 0)
  })
  const realWx = {
    storage,
    request: jest.fn(request),
    downloadFile: jest.fn(downloadFile),
    login: jest.fn((options) => login(options, loginCode)),
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
    requestSubscribeMessage: jest.fn((options) => requestSubscribeMessage(options, loginCode)),
    requestPayment: jest.fn((options) => requestPayment(options, loginCode)),
    getPrivacySetting: jest.fn((options = {}) => setTimeout(() => options.success && options.success({ needAuthorization: false, errMsg: 'getPrivacySetting:ok' }), 0)),
    onNeedPrivacyAuthorization: jest.fn(),
    openPrivacyContract: answer('openPrivacyContract'),
    setClipboardData: answer('setClipboardData'),
    navigateTo: navigation('navigateTo'),
    redirectTo: navigation('redirectTo'),
    switchTab: navigation('switchTab'),
    navigateBack: navigation('navigateBack'),
    reLaunch: navigation('reLaunch'),
  }
  global.wx = Object.assign(global.wx || {}, realWx)
  return global.wx
}

module.exports = { downloadFile, install, request, sandboxUser }
