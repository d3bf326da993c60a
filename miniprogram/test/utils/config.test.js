const { installWx } = require('../helpers/wx-mock')

function loadConfig(options) {
  jest.resetModules()
  installWx(options)
  return require('../../src/utils/config')
}

test('develop builds talk to the local Django dev server', () => {
  expect(loadConfig({ envVersion: 'develop' }).apiBase()).toBe('http://127.0.0.1:8000')
})

test.each(['trial', 'release'])('%s builds talk to the public https origin', (envVersion) => {
  const config = loadConfig({ envVersion })
  expect(config.apiBase()).toBe(config.API_BASES.release)
  expect(config.apiBase()).toMatch(/^https:\/\/[^/]+$/)
})

test('storage key api_base overrides the build default, without a trailing slash', () => {
  const config = loadConfig({ envVersion: 'release', storage: { api_base: 'http://10.0.0.5:8000/' } })
  expect(config.apiBase()).toBe('http://10.0.0.5:8000')
})

test('outside the WeChat client (no getAccountInfoSync) it counts as develop', () => {
  const config = loadConfig()
  wx.getAccountInfoSync.mockImplementation(() => { throw new Error('not supported') })
  expect(config.envVersion()).toBe('develop')
})
