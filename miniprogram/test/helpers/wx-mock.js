// A scripted `wx` for unit and page tests: in-memory storage, jest.fn for the UI calls, and wx.request
// answered asynchronously by a handler (e.g. helpers/fake-backend.js), like the real client does.
const NETWORK_FAILURE = Symbol('network failure')
// What the real wx.request accepts; anything else (PATCH!) fails in the WeChat client with "method invalid".
const WX_REQUEST_METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT']

/** Call options.success (and complete) with res on the next tick, like the asynchronous wx APIs do. */
function answerLater(options = {}, res) {
  setTimeout(() => {
    if (options.success) options.success(res)
    if (options.complete) options.complete(res)
  }, 0)
}

/**
 * installWx({ respond }) merges the mock into global.wx (miniprogram-simulate's fake) and returns it.
 * respond(call) gets { url, path, method, logicalMethod, data, header } and returns (or resolves to)
 * { statusCode, data, header? } or NETWORK_FAILURE. `method` is what went on the wire, `logicalMethod` the
 * method the backend acts on (X-HTTP-Method-Override of a POST). Every call is recorded in wx.requests.
 * wx.showModal answers with modalAnswer(options) (default: the researcher taps confirm).
 */
function installWx({ respond, storage: initialStorage = {}, envVersion = 'develop', modalAnswer = () => ({ confirm: true, cancel: false }) } = {}) {
  const storage = Object.assign({}, initialStorage)
  const requests = []
  let loginCount = 0
  const mock = {
    requests,
    storage,
    request: jest.fn((options) => {
      const url = new URL(options.url)
      const method = options.method || 'GET'
      const header = Object.assign({}, options.header)
      if (!WX_REQUEST_METHODS.includes(method)) {
        setTimeout(() => options.fail && options.fail({ errMsg: 'request:fail method invalid' }), 0)
        return { abort() {} }
      }
      const override = method === 'POST' && header['X-HTTP-Method-Override']
      const call = {
        url: options.url,
        path: url.pathname,
        method,
        logicalMethod: override ? override.toUpperCase() : method,
        data: options.data,
        header,
      }
      requests.push(call)
      setTimeout(() => {
        Promise.resolve(respond ? respond(call) : { statusCode: 404, data: {} }).then((answer) => {
          if (answer === NETWORK_FAILURE) {
            const res = { errMsg: 'request:fail connect ECONNREFUSED 127.0.0.1:8000' }
            if (options.fail) options.fail(res)
            if (options.complete) options.complete(res)
            return
          }
          const res = { statusCode: answer.statusCode, data: answer.data === undefined ? '' : answer.data, header: Object.assign({}, answer.header), cookies: [], errMsg: 'request:ok' }
          if (options.success) options.success(res)
          if (options.complete) options.complete(res)
        })
      }, 0)
      return { abort() {} }
    }),
    login: jest.fn((options = {}) => {
      loginCount += 1
      const res = { code: `wx-code-${loginCount}`, errMsg: 'login:ok' }
      setTimeout(() => {
        if (options.success) options.success(res)
        if (options.complete) options.complete(res)
      }, 0)
    }),
    getStorageSync: jest.fn((key) => (key in storage ? storage[key] : '')),
    setStorageSync: jest.fn((key, value) => { storage[key] = value }),
    removeStorageSync: jest.fn((key) => { delete storage[key] }),
    clearStorageSync: jest.fn(() => { Object.keys(storage).forEach((key) => delete storage[key]) }),
    getAccountInfoSync: jest.fn(() => ({ miniProgram: { appId: 'wx0000000000000000', envVersion, version: '' } })),
    showToast: jest.fn(),
    showModal: jest.fn((options) => answerLater(options, Object.assign({ errMsg: 'showModal:ok' }, modalAnswer(options)))),
    setTabBarItem: jest.fn(),
    setNavigationBarTitle: jest.fn(),
    setClipboardData: jest.fn((options) => answerLater(options, { errMsg: 'setClipboardData:ok' })),
    stopPullDownRefresh: jest.fn(),
    navigateTo: jest.fn((options) => answerLater(options, { errMsg: 'navigateTo:ok' })),
    redirectTo: jest.fn((options) => answerLater(options, { errMsg: 'redirectTo:ok' })),
    navigateBack: jest.fn((options) => answerLater(options, { errMsg: 'navigateBack:ok' })),
    switchTab: jest.fn((options) => answerLater(options, { errMsg: 'switchTab:ok' })),
  }
  global.wx = Object.assign(global.wx || {}, mock)
  return global.wx
}

/** The titles of every wx.showToast call so far. */
function toastTitles() {
  return global.wx.showToast.mock.calls.map(([options]) => options.title)
}

module.exports = { NETWORK_FAILURE, WX_REQUEST_METHODS, installWx, toastTitles }
