// Issue 9: a cold start keeps a stored, unexpired token (wx.login only without one or on a 401), tokens are kept
// with their (sliding) expiry, and GET requests are sent once more after a network error (never POST, never on an
// HTTP error).
const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend } = require('../helpers/fake-backend')
const { launchApp } = require('../helpers/page')

const DAY_MS = 24 * 60 * 60 * 1000
const callsTo = (path) => wx.requests.filter((call) => call.path === path)

describe('cold start', () => {
  test('a stored, unexpired token is used as it is: no wx.login, no new token', async () => {
    const backend = createBackend({ researcher: { display_name: 'Ada' } })
    backend.state.tokens.add('kept-token')
    installWx({ respond: backend.respond, storage: { token: 'kept-token', token_expires_at: Date.now() + 10 * DAY_MS } })
    const app = launchApp()
    await app.__shown
    expect(wx.login).not.toHaveBeenCalled()
    expect(backend.state.logins).toEqual([])
    expect(wx.requests.map((call) => `${call.method} ${call.path} ${call.header.Authorization}`)).toEqual([
      'GET /api/v1/notifications/unread-count Bearer kept-token',
    ])
  })

  test('a second launch reuses the token the first one got', async () => {
    const backend = createBackend()
    installWx({ respond: backend.respond })
    let app = launchApp()
    await app.__shown
    expect(backend.state.logins).toHaveLength(1)
    app = launchApp() // the process is killed and started again; storage stays
    await app.__shown
    expect(backend.state.logins).toHaveLength(1)
    expect(callsTo('/api/v1/notifications/unread-count').map((call) => call.header.Authorization)).toEqual(['Bearer token-1', 'Bearer token-1'])
  })

  test('the token is stored with its expiry, 30 days ahead (a day early), and slides with every accepted request', async () => {
    const backend = createBackend()
    installWx({ respond: backend.respond })
    const started = Date.now()
    const app = launchApp()
    await app.__shown
    const expiresAt = wx.getStorageSync('token_expires_at')
    expect(expiresAt).toBeGreaterThanOrEqual(started + 29 * DAY_MS)
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 29 * DAY_MS)
    wx.setStorageSync('token_expires_at', Date.now() + DAY_MS) // as if the last request was 28 days ago
    await app.onShow()
    expect(wx.getStorageSync('token_expires_at')).toBeGreaterThan(Date.now() + 28 * DAY_MS)
  })

  test('an expired token is not sent: launch logs in', async () => {
    const backend = createBackend()
    backend.state.tokens.add('old-token')
    installWx({ respond: backend.respond, storage: { token: 'old-token', token_expires_at: Date.now() - 1000 } })
    const app = launchApp()
    await app.__shown
    expect(backend.state.logins).toEqual(['wx-code-1'])
    expect(wx.requests.some((call) => call.header.Authorization === 'Bearer old-token')).toBe(false)
    expect(wx.getStorageSync('token')).toBe('token-1')
  })

  test('a stored token the API answers 401 to is replaced by one login', async () => {
    const backend = createBackend()
    installWx({ respond: backend.respond, storage: { token: 'revoked', token_expires_at: Date.now() + 10 * DAY_MS } })
    const app = launchApp()
    await app.__shown
    expect(wx.requests.map((call) => `${call.method} ${call.path} ${call.header.Authorization || '-'}`)).toEqual([
      'GET /api/v1/notifications/unread-count Bearer revoked',
      'POST /api/v1/auth/login -',
      'GET /api/v1/notifications/unread-count Bearer token-1',
    ])
    expect(toastTitles()).toEqual([])
  })
})

describe('GET retries once on a network error', () => {
  let api
  function setUp(respond) {
    jest.resetModules()
    const backend = createBackend()
    backend.state.tokens.add('t')
    installWx({ respond: respond(backend.respond), storage: { token: 't' } })
    api = require('../../src/utils/api')
    return backend
  }

  test('a GET whose first try got no answer is sent again and succeeds', async () => {
    let failures = 1
    setUp((real) => (call) => (call.path === '/api/v1/me' && failures-- > 0 ? NETWORK_FAILURE : real(call)))
    const researcher = await api.request('/api/v1/me')
    expect(researcher.id).toBe(7)
    expect(callsTo('/api/v1/me')).toHaveLength(2)
    expect(toastTitles()).toEqual([])
  })

  test('only once: a second network error is the error', async () => {
    setUp(() => () => NETWORK_FAILURE)
    await expect(api.request('/api/v1/me')).rejects.toMatchObject({ code: 'network_error' })
    expect(callsTo('/api/v1/me')).toHaveLength(2)
  })

  test('never on an HTTP error', async () => {
    setUp(() => () => ({ statusCode: 503, data: { code: 'unavailable', message: 'busy', fields: {} } }))
    await expect(api.request('/api/v1/me')).rejects.toMatchObject({ statusCode: 503 })
    expect(callsTo('/api/v1/me')).toHaveLength(1)
  })

  test('never a POST (it may have reached the backend)', async () => {
    setUp(() => () => NETWORK_FAILURE)
    await expect(api.request('/api/v1/journal-accounts/1/refresh', { method: 'POST' })).rejects.toMatchObject({ code: 'network_error' })
    expect(callsTo('/api/v1/journal-accounts/1/refresh')).toHaveLength(1)
  })
})
