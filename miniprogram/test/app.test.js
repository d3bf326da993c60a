const { NETWORK_FAILURE, installWx, toastTitles } = require('./helpers/wx-mock')
const { createBackend } = require('./helpers/fake-backend')
const { launchApp, waitFor } = require('./helpers/page')

test('onLaunch logs in silently; loginReady resolves with the researcher', async () => {
  const backend = createBackend({ researcher: { display_name: 'Ada Lovelace' } })
  installWx({ respond: backend.respond })
  const app = launchApp()
  const researcher = await app.loginReady
  expect(researcher.display_name).toBe('Ada Lovelace')
  expect(app.globalData.researcher).toEqual(researcher)
  expect(wx.getStorageSync('token')).toBe('token-1')
  expect(wx.showToast).not.toHaveBeenCalled()
})

test('after an explicit logout, launch does not log in', async () => {
  const backend = createBackend()
  installWx({ respond: backend.respond, storage: { signed_out: true } })
  const app = launchApp()
  await expect(app.loginReady).resolves.toBeNull()
  expect(wx.login).not.toHaveBeenCalled()
  expect(wx.requests).toHaveLength(0)
})

test('a failed launch login resolves loginReady with null and tells the researcher', async () => {
  installWx({ respond: () => NETWORK_FAILURE })
  const app = launchApp()
  await expect(app.loginReady).resolves.toBeNull()
  await app.__shown
  expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
  expect(wx.requests.map((call) => call.path)).toEqual(['/api/v1/auth/login']) // onShow leaves the next login to the page
})

describe('the Inbox tab badge', () => {
  const unread = (count) => Array.from({ length: count }, (unused, index) => ({ id: index + 1 }))

  test('is set after the launch login from GET /api/v1/notifications/unread-count, with one request', async () => {
    const backend = createBackend({ notifications: unread(3) })
    installWx({ respond: backend.respond })
    const app = launchApp() // onLaunch (login) and onShow, like the client
    await app.__shown
    expect(wx.requests.map((call) => `${call.method} ${call.path}`)).toEqual(['POST /api/v1/auth/login', 'GET /api/v1/notifications/unread-count'])
    expect(wx.setTabBarBadge).toHaveBeenCalledWith(expect.objectContaining({ index: 1, text: '3' }))
    expect(wx.tabBarBadges[1]).toBe('3')
  })

  test('is refreshed when the app comes back from the background', async () => {
    const backend = createBackend({ notifications: unread(3) })
    installWx({ respond: backend.respond })
    const app = launchApp()
    await app.__shown
    backend.state.notifications.push({ id: 99, researcher_id: 7, kind: 'campaign', title: 'New', body: '', page: '', payload: {}, created_at: '2025-11-25T00:00:00Z', read_at: null })
    await app.onShow()
    expect(wx.tabBarBadges[1]).toBe('4')
  })

  test('is removed on logout and not asked for while signed out', async () => {
    const backend = createBackend({ notifications: unread(2) })
    installWx({ respond: backend.respond })
    const app = launchApp()
    await app.__shown
    expect(wx.tabBarBadges[1]).toBe('2')
    await app.signOut()
    expect(wx.tabBarBadges[1]).toBeUndefined()
    const before = wx.requests.length
    await app.onShow()
    expect(wx.requests.slice(before).map((call) => call.path)).toEqual([])
    expect(wx.removeTabBarBadge).toHaveBeenLastCalledWith(expect.objectContaining({ index: 1 }))
  })

  test('comes back after logging in again', async () => {
    const backend = createBackend({ notifications: unread(120) })
    installWx({ respond: backend.respond, storage: { signed_out: true } })
    const app = launchApp()
    await app.__shown
    expect(wx.requests).toHaveLength(0)
    await app.signIn()
    await waitFor(() => wx.tabBarBadges[1] === '99+', 'the badge after login')
  })

  test('a failed count leaves the badge alone, without a toast', async () => {
    const backend = createBackend({ notifications: unread(2) })
    let offline = false
    installWx({ respond: (call) => (offline ? NETWORK_FAILURE : backend.respond(call)) })
    const app = launchApp()
    await app.__shown
    offline = true
    await app.onShow()
    expect(wx.tabBarBadges[1]).toBe('2')
    expect(toastTitles()).toEqual([])
  })
})
