const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend, makeAccount, MESSAGES } = require('../helpers/fake-backend')

let api
let backend

/** Fresh api module (no login in flight) over a fresh fake backend; `respond` may wrap the backend. */
function setUp({ storage = {}, researcher = { display_name: 'Ada Lovelace' }, respond } = {}) {
  jest.resetModules()
  backend = createBackend({ researcher })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, storage })
  api = require('../../src/utils/api')
}

const callsTo = (path) => wx.requests.filter((call) => call.path === path)
const validToken = (token) => { backend.state.tokens.add(token); return token }

describe('login', () => {
  test('exchanges the wx.login code for a token and keeps it in storage', async () => {
    setUp()
    const researcher = await api.login()
    expect(researcher.display_name).toBe('Ada Lovelace')
    expect(backend.state.logins).toEqual(['wx-code-1'])
    expect(wx.getStorageSync('token')).toBe('token-1')
    const [loginCall] = callsTo('/api/v1/auth/login')
    expect(loginCall.url).toBe('http://127.0.0.1:8000/api/v1/auth/login')
    expect(loginCall.method).toBe('POST')
    expect(loginCall.data).toEqual({ code: 'wx-code-1' })
    expect(loginCall.header.Authorization).toBeUndefined()
  })

  test("adopts the language of the researcher's profile", async () => {
    setUp({ researcher: { language: 'en' } })
    await api.login()
    expect(wx.getStorageSync('language')).toBe('en')
  })

  test('a rejected code is an error with the backend message, and signIn toasts it', async () => {
    setUp({ storage: { language: 'en' }, respond: () => () => ({ statusCode: 400, data: { code: 'wechat_code_invalid', message: 'The WeChat login code is invalid.', fields: {} } }) })
    await expect(api.signIn()).rejects.toMatchObject({ statusCode: 400, code: 'wechat_code_invalid' })
    expect(toastTitles()).toEqual(['The WeChat login code is invalid.'])
    expect(wx.getStorageSync('token')).toBe('')
  })

  test('a failing wx.login is a translated error', async () => {
    setUp()
    wx.login.mockImplementation((options) => setTimeout(() => options.fail({ errMsg: 'login:fail timeout' }), 0))
    await expect(api.login()).rejects.toMatchObject({ code: 'wechat_login_failed', message: '微信登录失败，请稍后再试' })
  })
})

describe('authenticated requests', () => {
  test('send Authorization: Bearer <token from storage>', async () => {
    setUp({ storage: { token: 'token-abc' } })
    validToken('token-abc')
    const researcher = await api.request('/api/v1/me')
    expect(researcher.id).toBe(7)
    const [call] = callsTo('/api/v1/me')
    expect(call.url).toBe('http://127.0.0.1:8000/api/v1/me')
    expect(call.header.Authorization).toBe('Bearer token-abc')
    expect(wx.login).not.toHaveBeenCalled()
  })

  test('log in first when there is no token yet', async () => {
    setUp()
    await api.request('/api/v1/me')
    expect(wx.requests.map((call) => call.path)).toEqual(['/api/v1/auth/login', '/api/v1/me'])
    expect(callsTo('/api/v1/me')[0].header.Authorization).toBe('Bearer token-1')
  })

  test('PATCH, which wx.request cannot send, goes as POST with X-HTTP-Method-Override: PATCH', async () => {
    setUp({ storage: { token: 'token-abc' } })
    validToken('token-abc')
    const updated = await api.request('/api/v1/me', { method: 'PATCH', data: { institution: 'Tsinghua University' } })
    expect(updated.institution).toBe('Tsinghua University')
    const [call] = callsTo('/api/v1/me')
    expect(call.method).toBe('POST')
    expect(call.header['X-HTTP-Method-Override']).toBe('PATCH')
    expect(call.header['Content-Type']).toBe('application/json')
    expect(call.data).toEqual({ institution: 'Tsinghua University' })
  })

  test('resolve with null for 204 No Content', async () => {
    setUp({ storage: { token: 'token-abc' } })
    validToken('token-abc')
    await expect(api.request('/api/v1/auth/logout', { method: 'POST' })).resolves.toBeNull()
  })
})

describe('401 handling', () => {
  test('an expired token is replaced by a silent login and the request retried once', async () => {
    setUp({ storage: { token: 'expired' } })
    const researcher = await api.request('/api/v1/me')
    expect(researcher.display_name).toBe('Ada Lovelace')
    expect(wx.requests.map((call) => `${call.method} ${call.path} ${call.header.Authorization || '-'}`)).toEqual([
      'GET /api/v1/me Bearer expired',
      'POST /api/v1/auth/login -',
      'GET /api/v1/me Bearer token-1',
    ])
    expect(wx.getStorageSync('token')).toBe('token-1')
    expect(wx.showToast).not.toHaveBeenCalled()
  })

  test('a second 401 after the re-login is an error, not another login', async () => {
    setUp({
      storage: { token: 'expired' },
      respond: (real) => (call) => (call.path === '/api/v1/me'
        ? { statusCode: 401, data: { code: 'not_authenticated', message: '身份认证信息未提供。', fields: {} } }
        : real(call)),
    })
    await expect(api.request('/api/v1/me')).rejects.toMatchObject({ statusCode: 401, code: 'not_authenticated' })
    expect(backend.state.logins).toHaveLength(1)
    expect(callsTo('/api/v1/me')).toHaveLength(2)
    expect(toastTitles()).toEqual(['身份认证信息未提供。'])
  })

  test('concurrent 401s share one login in flight', async () => {
    setUp({ storage: { token: 'expired' } })
    const results = await Promise.all([
      api.request('/api/v1/me'),
      api.request('/api/v1/me'),
      api.request('/api/v1/me'),
    ])
    expect(results.map((r) => r.id)).toEqual([7, 7, 7])
    expect(wx.login).toHaveBeenCalledTimes(1)
    expect(backend.state.logins).toEqual(['wx-code-1'])
    const retried = callsTo('/api/v1/me').filter((call) => call.header.Authorization === 'Bearer token-1')
    expect(retried).toHaveLength(3)
  })

  test('a 401 that arrives after another request already logged in again just retries with the new token', async () => {
    let staleAnswers = 0
    setUp({
      storage: { token: 'expired' },
      // The second stale answer arrives late, after the first request's re-login has finished.
      respond: (real) => (call) => {
        if (call.header.Authorization !== 'Bearer expired') return real(call)
        staleAnswers += 1
        const delay = staleAnswers === 2 ? 50 : 0
        return new Promise((resolve) => setTimeout(() => resolve(real(call)), delay))
      },
    })
    const first = api.request('/api/v1/me')
    const second = api.request('/api/v1/me')
    await Promise.all([first, second])
    expect(backend.state.logins).toHaveLength(1)
    expect(callsTo('/api/v1/me').map((call) => call.header.Authorization)).toEqual([
      'Bearer expired', 'Bearer expired', 'Bearer token-1', 'Bearer token-1',
    ])
  })

  test('a request without auth is not retried on 401', async () => {
    setUp()
    await expect(api.request('/api/v1/me', { auth: false })).rejects.toMatchObject({ statusCode: 401 })
    expect(wx.login).not.toHaveBeenCalled()
  })
})

describe('errors', () => {
  test("show the backend's localized message in a toast and reject with statusCode, code and fields", async () => {
    setUp({ storage: { token: 'token-abc' } })
    validToken('token-abc')
    const error = await api.request('/api/v1/me', { method: 'PATCH', data: { orcid: 'nope' } }).catch((err) => err)
    expect(error).toBeInstanceOf(api.ApiError)
    expect(error).toBeInstanceOf(Error)
    expect(error).toMatchObject({
      statusCode: 400,
      code: 'invalid',
      message: MESSAGES['zh-hans'].invalid,
      fields: { orcid: [MESSAGES['zh-hans'].orcid] },
    })
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ icon: 'none', title: MESSAGES['zh-hans'].invalid }))
  })

  test('a network failure shows a local translated message', async () => {
    setUp({ storage: { token: 'token-abc' }, respond: () => () => NETWORK_FAILURE })
    const error = await api.request('/api/v1/me').catch((err) => err)
    expect(error).toMatchObject({ statusCode: 0, code: 'network_error', message: '网络连接失败，请检查网络后重试' })
    expect(error.errMsg).toMatch(/^request:fail/)
    expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
  })

  test('the network failure message follows the chosen language', async () => {
    setUp({ storage: { token: 'token-abc', language: 'en' }, respond: () => () => NETWORK_FAILURE })
    await expect(api.request('/api/v1/me')).rejects.toMatchObject({ message: 'Network error. Check your connection and try again.' })
  })

  test('an error page without our JSON envelope falls back to a local message', async () => {
    setUp({ storage: { token: 'token-abc' }, respond: () => () => ({ statusCode: 502, data: '<html>Bad Gateway</html>' }) })
    await expect(api.request('/api/v1/me')).rejects.toMatchObject({ statusCode: 502, code: 'http_502', message: '服务暂时不可用，请稍后再试', fields: {} })
  })

  test('toast: false leaves the message to the caller', async () => {
    setUp({ storage: { token: 'token-abc' }, respond: () => () => NETWORK_FAILURE })
    await expect(api.request('/api/v1/me', { toast: false })).rejects.toMatchObject({ code: 'network_error' })
    expect(wx.showToast).not.toHaveBeenCalled()
  })
})

describe('Accept-Language', () => {
  test('is zh-hans until a language is chosen', async () => {
    setUp()
    await api.request('/api/v1/me')
    expect(wx.requests.map((call) => call.header['Accept-Language'])).toEqual(['zh-hans', 'zh-hans'])
  })

  test('follows the chosen language, and so do the backend messages', async () => {
    setUp({ storage: { token: 'token-abc', language: 'en' } })
    validToken('token-abc')
    await expect(api.request('/api/v1/me', { method: 'PATCH', data: { orcid: 'nope' } })).rejects.toMatchObject({ message: MESSAGES.en.invalid })
    expect(callsTo('/api/v1/me')[0].header['Accept-Language']).toBe('en')
    expect(toastTitles()).toEqual([MESSAGES.en.invalid])
  })
})

describe('logout', () => {
  test('revokes the token on the server and forgets it', async () => {
    setUp({ storage: { token: 'token-abc' } })
    validToken('token-abc')
    await api.logout()
    const [call] = callsTo('/api/v1/auth/logout')
    expect(call.method).toBe('POST')
    expect(call.header.Authorization).toBe('Bearer token-abc')
    expect(backend.state.tokens.has('token-abc')).toBe(false)
    expect(wx.getStorageSync('token')).toBe('')
    expect(api.isSignedOut()).toBe(true)
  })

  test('stays signed out: authenticated requests fail without logging in again', async () => {
    setUp({ storage: { token: 'token-abc' } })
    validToken('token-abc')
    await api.logout()
    wx.requests.length = 0
    await expect(api.request('/api/v1/me', { toast: false })).rejects.toMatchObject({ code: 'signed_out', statusCode: 401 })
    expect(wx.requests).toHaveLength(0)
    expect(wx.login).not.toHaveBeenCalled()
  })

  test('signs out locally even when the server cannot be reached', async () => {
    setUp({ storage: { token: 'token-abc' }, respond: () => () => NETWORK_FAILURE })
    await api.logout()
    expect(wx.getStorageSync('token')).toBe('')
    expect(api.isSignedOut()).toBe(true)
    expect(wx.showToast).not.toHaveBeenCalled()
  })

  test('an explicit sign-in ends the signed-out state', async () => {
    setUp({ storage: { signed_out: true } })
    await api.signIn()
    expect(api.isSignedOut()).toBe(false)
    await expect(api.request('/api/v1/me')).resolves.toMatchObject({ id: 7 })
  })
})

describe('lists and Retry-After', () => {
  test("pathOf keeps only the path and query of the backend's absolute `next`", () => {
    setUp()
    expect(api.pathOf('http://testserver/api/v1/manuscripts?page=2')).toBe('/api/v1/manuscripts?page=2')
    expect(api.pathOf('https://scholarlink.publisher.example:443/api/v1/journal-accounts?page=3&status=x')).toBe('/api/v1/journal-accounts?page=3&status=x')
    expect(api.pathOf('/api/v1/manuscripts?page=2')).toBe('/api/v1/manuscripts?page=2')
  })

  test('requestAllPages follows `next` on our own origin and returns every item', async () => {
    setUp({ storage: { token: 'token-abc' } })
    validToken('token-abc')
    backend.state.pageSize = 2
    ;[1, 2, 3, 4, 5].forEach((id) => backend.state.accounts.push(makeAccount({ id })))
    const accounts = await api.requestAllPages('/api/v1/journal-accounts')
    expect(accounts.map((account) => account.id)).toEqual([1, 2, 3, 4, 5])
    expect(callsTo('/api/v1/journal-accounts').map((call) => call.url)).toEqual([
      'http://127.0.0.1:8000/api/v1/journal-accounts',
      'http://127.0.0.1:8000/api/v1/journal-accounts?page=2',
      'http://127.0.0.1:8000/api/v1/journal-accounts?page=3',
    ])
  })

  test('requestAllPages stops after 20 pages of a `next` that never ends', async () => {
    setUp({
      storage: { token: 'token-abc' },
      respond: () => () => ({ statusCode: 200, data: { results: [{ id: 1 }], next: 'http://testserver/api/v1/loop?page=2', previous: null } }),
    })
    expect(await api.requestAllPages('/api/v1/loop')).toHaveLength(20)
    expect(wx.requests).toHaveLength(20)
  })

  test('a 429 carries Retry-After in seconds (any header case); without it, 0', async () => {
    setUp({
      storage: { token: 'token-abc' },
      respond: () => (call) => ({
        statusCode: 429,
        data: { code: 'throttled', message: 'Wait.', fields: {} },
        header: call.path.endsWith('/a') ? { 'Retry-After': '42' } : call.path.endsWith('/b') ? { 'retry-after': '7' } : {},
      }),
    })
    await expect(api.request('/api/v1/a', { method: 'POST' })).rejects.toMatchObject({ statusCode: 429, code: 'throttled', retryAfter: 42 })
    await expect(api.request('/api/v1/b', { method: 'POST' })).rejects.toMatchObject({ retryAfter: 7 })
    await expect(api.request('/api/v1/c', { method: 'POST' })).rejects.toMatchObject({ retryAfter: 0 })
    expect(toastTitles()).toEqual(['Wait.', 'Wait.', 'Wait.'])
  })
})
