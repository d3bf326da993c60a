const { installWx } = require('../helpers/wx-mock')

function loadI18n(storage) {
  jest.resetModules()
  installWx({ storage })
  return require('../../src/utils/i18n')
}

test('zh-hans is the default language', () => {
  const i18n = loadI18n()
  expect(i18n.getLanguage()).toBe('zh-hans')
  expect(i18n.t('tabHome')).toBe('首页')
})

test('both languages have the same, non-empty keys', () => {
  const { STRINGS } = loadI18n()
  expect(Object.keys(STRINGS.en).sort()).toEqual(Object.keys(STRINGS['zh-hans']).sort())
  for (const table of Object.values(STRINGS)) {
    for (const [key, text] of Object.entries(table)) expect([key, typeof text, text.length > 0]).toEqual([key, 'string', true])
  }
})

test('t() fills in parameters', () => {
  const i18n = loadI18n({ language: 'en' })
  expect(i18n.t('homeGreeting', { name: 'Ada' })).toBe('Hello, Ada')
})

test('setLanguage persists a supported language and ignores others', () => {
  const i18n = loadI18n()
  expect(i18n.setLanguage('en')).toBe(true)
  expect(wx.getStorageSync('language')).toBe('en')
  expect(i18n.setLanguage('en')).toBe(false)
  expect(i18n.setLanguage('fr')).toBe(false)
  expect(i18n.getLanguage()).toBe('en')
})

test('an unknown stored language falls back to zh-hans', () => {
  expect(loadI18n({ language: 'de' }).getLanguage()).toBe('zh-hans')
})

test('applyChrome retitles every tab and the navigation bar', () => {
  const i18n = loadI18n({ language: 'en' })
  i18n.applyChrome('titleMe')
  expect(wx.setTabBarItem.mock.calls.map(([options]) => [options.index, options.text])).toEqual([[0, 'Home'], [1, 'Inbox'], [2, 'Me']])
  expect(wx.setNavigationBarTitle).toHaveBeenCalledWith(expect.objectContaining({ title: 'Me' }))
})
