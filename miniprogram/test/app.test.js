const { NETWORK_FAILURE, installWx, toastTitles } = require('./helpers/wx-mock')
const { createBackend } = require('./helpers/fake-backend')
const { launchApp } = require('./helpers/page')

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
  expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
})
