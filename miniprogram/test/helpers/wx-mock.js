// A scripted `wx` for unit and page tests: in-memory storage, jest.fn for the UI calls, and wx.request
// answered asynchronously by a handler (e.g. helpers/fake-backend.js), like the real client does.
// Navigation follows src/app.json like the client: navigateTo/redirectTo a page that is not declared, or is a tab
// page, fails; switchTab only opens tab pages; a url must be absolute ('/pages/...').
const APP_JSON = require('../../src/app.json')

const NETWORK_FAILURE = Symbol('network failure')
// What the real wx.request accepts; anything else (PATCH!) fails in the WeChat client with "method invalid".
const WX_REQUEST_METHODS = ['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT']

const PAGES = APP_JSON.pages.concat(...(APP_JSON.subpackages || []).map((sub) => sub.pages.map((page) => `${sub.root}/${page}`)))
const TAB_PAGES = ((APP_JSON.tabBar && APP_JSON.tabBar.list) || []).map((item) => item.pagePath)

/** Call options.success (and complete) with res on the next tick, like the asynchronous wx APIs do. */
function answerLater(options = {}, res) {
  setTimeout(() => {
    if (options.success) options.success(res)
    if (options.complete) options.complete(res)
  }, 0)
}

/** Call options.fail (and complete) with { errMsg } on the next tick. */
function failLater(options = {}, errMsg) {
  setTimeout(() => {
    if (options.fail) options.fail({ errMsg })
    if (options.complete) options.complete({ errMsg })
  }, 0)
}

/** Why the client would refuse to open `url` with `api` (navigateTo, redirectTo, switchTab), or '' when it opens. */
function navigationError(api, url) {
  if (!String(url || '').startsWith('/')) return `${api}:fail the scripted wx only takes absolute urls, got "${url}"`
  const route = String(url).slice(1).split('?')[0]
  if (!PAGES.includes(route)) return `${api}:fail page "${route}" is not found`
  if (api === 'switchTab' && !TAB_PAGES.includes(route)) return `${api}:fail can not switch to no-tabBar page`
  if (api !== 'switchTab' && TAB_PAGES.includes(route)) return `${api}:fail can not ${api} a tabbar page`
  return ''
}

function navigation(api) {
  return jest.fn((options = {}) => {
    const errMsg = navigationError(api, options.url)
    if (errMsg) failLater(options, errMsg)
    else answerLater(options, { errMsg: `${api}:ok` })
  })
}

const SUBSCRIBE_MAX_TEMPLATES = 3

/** What the researcher does in WeChat's consent popup unless a test says otherwise: allow every template. */
function acceptAll(tmplIds) {
  return Object.fromEntries(tmplIds.map((id) => [id, 'accept']))
}

/** What the researcher picks in wx.chooseMedia unless a test says otherwise: one compressed photo of 200 KB. */
function oneCompressedPhoto() {
  return { tempFiles: [{ tempFilePath: 'http://tmp/photo-1.jpg', size: 200 * 1024, fileType: 'image' }] }
}

const PRIVACY_CONTRACT_NAME = '《Scholar Link 小程序隐私保护指引》'

/**
 * installWx({ respond }) merges the mock into global.wx (miniprogram-simulate's fake) and returns it.
 * respond(call) gets { url, path, method, logicalMethod, data, header } and returns (or resolves to)
 * { statusCode, data, header? } or NETWORK_FAILURE. `method` is what went on the wire, `logicalMethod` the
 * method the backend acts on (X-HTTP-Method-Override of a POST). Every call is recorded in wx.requests.
 * wx.showModal answers with modalAnswer(options) (default: the researcher taps confirm).
 * wx.requestSubscribeMessage checks tmplIds as the client does (1 to 3 ids, else fail 10001 / 20003), records them
 * in wx.subscribeRequests and answers subscribeAnswer(tmplIds): an object { TEMPLATE_ID: 'accept' | 'reject' | 'ban'
 * | 'filter' } for the success callback (errMsg added), or { fail: { errMsg, errCode } } for the fail callback.
 * Privacy, as the client enforces it since base library 2.32.3: `privacyAgreed` (default true: a researcher who agreed
 * before, as WeChat and this device both remember) drives wx.getPrivacySetting's needAuthorization and the storage
 * record; while not agreed, wx.setClipboardData (a privacy API) calls the wx.onNeedPrivacyAuthorization listener and
 * waits for its resolve: 'agree' (with a buttonId) runs it, 'disagree' fails it with "privacy permission is not
 * authorized" (no listener: it fails the same way). wx.privacyEvents records every resolve. `clipboardFails`: the
 * copy fails anyway (e.g. undeclared in the MP console). wx.openSetting answers `settingsAnswer()` as its success
 * object ({ authSetting, subscriptionsSetting }) and records its options in wx.openSettingCalls.
 * wx.chooseMedia (a privacy API too: the album and the camera) answers `chooseMediaAnswer(options)`: the success
 * object ({ tempFiles: [{ tempFilePath, size, fileType }] }, errMsg and type added), or { fail: errMsg } (e.g.
 * 'chooseMedia:fail cancel' when the researcher closes the picker). wx.previewImage and wx.pageScrollTo succeed.
 */
function installWx({ respond, storage: initialStorage = {}, envVersion = 'develop', modalAnswer = () => ({ confirm: true, cancel: false }), subscribeAnswer = acceptAll, privacyAgreed = true, clipboardFails = false, settingsAnswer = () => ({ authSetting: {}, subscriptionsSetting: { mainSwitch: true, itemSettings: {} } }), chooseMediaAnswer = oneCompressedPhoto } = {}) {
  const storage = Object.assign(privacyAgreed ? { privacy_agreed: true } : {}, initialStorage)
  const privacy = { agreed: privacyAgreed, listener: null }
  const privacyEvents = []
  const openSettingCalls = []

  /** Run a privacy API as the client does: at once when agreed, else after the listener's resolve. */
  function privacyApi(name, options, run) {
    const notAuthorized = () => failLater(options, `${name}:fail privacy permission is not authorized`)
    if (privacy.agreed) return run()
    if (!privacy.listener) return notAuthorized()
    let settled = false
    const resolve = (result = {}) => {
      privacyEvents.push(result)
      if (settled || result.event === 'exposureAuthorization') return
      settled = true
      if (result.event === 'agree' && result.buttonId) {
        privacy.agreed = true
        run()
      } else notAuthorized()
    }
    setTimeout(() => privacy.listener(resolve, { referrer: name }), 0)
    return undefined
  }

  const tabBarBadges = {} // tab index -> badge text, as the tab bar shows it now
  const requests = []
  const subscribeRequests = [] // tmplIds of every wx.requestSubscribeMessage call
  let loginCount = 0
  const mock = {
    requests,
    storage,
    subscribeRequests,
    tabBarBadges,
    privacy,
    privacyEvents,
    openSettingCalls,
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
    setTabBarBadge: jest.fn((options) => {
      tabBarBadges[options.index] = options.text
      answerLater(options, { errMsg: 'setTabBarBadge:ok' })
    }),
    removeTabBarBadge: jest.fn((options) => {
      delete tabBarBadges[options.index]
      answerLater(options, { errMsg: 'removeTabBarBadge:ok' })
    }),
    setNavigationBarTitle: jest.fn(),
    requestSubscribeMessage: jest.fn((options = {}) => {
      const tmplIds = Array.isArray(options.tmplIds) ? options.tmplIds : []
      subscribeRequests.push(tmplIds)
      if (!tmplIds.length) return failLater(options, "requestSubscribeMessage:fail TmplIds can't be empty")
      if (tmplIds.length > SUBSCRIBE_MAX_TEMPLATES) return failLater(options, 'requestSubscribeMessage:fail Templates count out of max bounds')
      const answer = subscribeAnswer(tmplIds)
      if (answer && answer.fail) {
        setTimeout(() => {
          if (options.fail) options.fail(answer.fail)
          if (options.complete) options.complete(answer.fail)
        }, 0)
        return undefined
      }
      return answerLater(options, Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, answer))
    }),
    setClipboardData: jest.fn((options) => privacyApi('setClipboardData', options, () => (clipboardFails
      ? failLater(options, 'setClipboardData:fail api scope is not declared in the privacy agreement')
      : answerLater(options, { errMsg: 'setClipboardData:ok' })))),
    chooseMedia: jest.fn((options = {}) => privacyApi('chooseMedia', options, () => {
      const answer = chooseMediaAnswer(options)
      if (answer && answer.fail) return failLater(options, answer.fail)
      return answerLater(options, Object.assign({ errMsg: 'chooseMedia:ok', type: 'image' }, answer))
    })),
    previewImage: jest.fn((options) => answerLater(options, { errMsg: 'previewImage:ok' })),
    pageScrollTo: jest.fn((options) => answerLater(options, { errMsg: 'pageScrollTo:ok' })),
    getPrivacySetting: jest.fn((options) => answerLater(options, { needAuthorization: !privacy.agreed, privacyContractName: PRIVACY_CONTRACT_NAME, errMsg: 'getPrivacySetting:ok' })),
    onNeedPrivacyAuthorization: jest.fn((listener) => { privacy.listener = listener }),
    openPrivacyContract: jest.fn((options) => answerLater(options, { errMsg: 'openPrivacyContract:ok' })),
    openSetting: jest.fn((options = {}) => {
      openSettingCalls.push(Object.assign({}, options))
      answerLater(options, Object.assign({ errMsg: 'openSetting:ok' }, settingsAnswer(options)))
    }),
    stopPullDownRefresh: jest.fn(),
    navigateTo: navigation('navigateTo'),
    redirectTo: navigation('redirectTo'),
    navigateBack: jest.fn((options) => answerLater(options, { errMsg: 'navigateBack:ok' })),
    switchTab: navigation('switchTab'),
  }
  global.wx = Object.assign(global.wx || {}, mock)
  return global.wx
}

/**
 * Tap the popup's agree button (<button open-type="agreePrivacyAuthorization">, found inside `popup`): the client
 * records the agreement with WeChat, then fires its bindagreeprivacyauthorization handler.
 */
function tapAgreePrivacy(popup) {
  global.wx.privacy.agreed = true
  popup.querySelector('#privacy-agree-button').dispatchEvent('agreeprivacyauthorization')
}

/** The titles of every wx.showToast call so far. */
function toastTitles() {
  return global.wx.showToast.mock.calls.map(([options]) => options.title)
}

module.exports = { NETWORK_FAILURE, PRIVACY_CONTRACT_NAME, WX_REQUEST_METHODS, installWx, tapAgreePrivacy, toastTitles }
