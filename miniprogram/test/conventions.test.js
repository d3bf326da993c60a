// Issue 9, conventions: tabs 首页 / 消息 / 我的 from one definition, lazyCodeLoading, only the TDesign components used
// are copied (main package < 2 MB), tappable views carry aria-role/aria-label and are ≥ 44 px (88rpx) tap targets.
const fs = require('fs')
const path = require('path')
const APP_JSON = require('../src/app.json')
const tabs = require('../src/utils/tabs')
const i18n = require('../src/utils/i18n')
const npmBuild = require('../scripts/npm-build')

const SRC = path.join(__dirname, '../src')
const MAX_MAIN_PACKAGE_BYTES = 2 * 1024 * 1024

function filesUnder(dir, skip = []) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return skip.includes(entry.name) ? [] : filesUnder(full, skip)
    return [full]
  })
}

describe('tabs', () => {
  test('are 首页 / 消息 / 我的, and app.json lists exactly the one definition (utils/tabs.js)', () => {
    expect(tabs.TABS.map((tab) => tab.text)).toEqual(['首页', '消息', '我的'])
    expect(APP_JSON.tabBar.list.map((item) => ({ pagePath: item.pagePath, text: item.text })))
      .toEqual(tabs.TABS.map((tab) => ({ pagePath: tab.pagePath, text: tab.text })))
    expect(tabs.TABS.map((tab) => i18n.STRINGS['zh-hans'][tab.textKey])).toEqual(['首页', '消息', '我的'])
    expect(i18n.TAB_BAR_KEYS).toEqual(tabs.TABS.map((tab) => tab.textKey))
    expect(APP_JSON.pages.slice(0, 3)).toEqual(tabs.TAB_PAGES) // the first page is the first tab
  })

  test('no other code spells out the tab list', () => {
    filesUnder(SRC, ['miniprogram_npm']).filter((file) => file.endsWith('.js') && !file.endsWith(path.join('utils', 'tabs.js'))).forEach((file) => {
      const source = fs.readFileSync(file, 'utf8')
      expect([file, /\[\s*'pages\/home\/home',\s*'pages\//.test(source)]).toEqual([file, false])
      expect([file, /setTabBarBadge\(\{\s*index:\s*\d/.test(source)]).toEqual([file, false])
    })
  })
})

test('app.json injects only the components a page needs (lazyCodeLoading)', () => {
  expect(APP_JSON.lazyCodeLoading).toBe('requiredComponents')
})

describe('the package', () => {
  beforeAll(() => npmBuild.build({ onlyIfStale: true, quiet: true }))

  test('every copied TDesign component is used and every used one is copied', () => {
    const used = npmBuild.usedComponents('tdesign-miniprogram')
    expect(used).toEqual(expect.arrayContaining(['button/button', 'cell/cell', 'empty/empty', 'loading/loading']))
    expect(npmBuild.copiedComponents('tdesign-miniprogram')).toEqual(used)
    expect(fs.existsSync(path.join(SRC, 'miniprogram_npm/tdesign-miniprogram/calendar'))).toBe(false)
  })

  test('the main package (everything outside the subpackages) stays under 2 MB', () => {
    const subpackageRoots = (APP_JSON.subpackages || []).map((sub) => path.join(SRC, sub.root) + path.sep)
    const bytes = filesUnder(SRC)
      .filter((file) => !subpackageRoots.some((rootDir) => file.startsWith(rootDir)))
      .reduce((total, file) => total + fs.statSync(file).size, 0)
    expect(bytes).toBeLessThan(MAX_MAIN_PACKAGE_BYTES)
  })
})

describe('accessibility', () => {
  const TAP = /\b(?:bindtap|bind:tap|catchtap|catch:tap)=/
  // Native controls announce themselves (button, TDesign's t-button renders one).
  const NATIVE = ['button', 't-button', 'navigator']
  const ownWxml = () => filesUnder(SRC, ['miniprogram_npm']).filter((file) => file.endsWith('.wxml'))
  const tags = (source) => [...source.matchAll(/<([a-z][\w-]*)\b([^>]*)>/g)].map((match) => ({ name: match[1], attrs: match[2] }))

  test('every tappable view has aria-role and aria-label, and is a ≥ 88rpx tap target', () => {
    const tappable = ownWxml().flatMap((file) => tags(fs.readFileSync(file, 'utf8'))
      .filter((tag) => TAP.test(tag.attrs) && !NATIVE.includes(tag.name))
      .map((tag) => ({ file: path.relative(SRC, file), tag })))
    expect(tappable.length).toBeGreaterThan(4)
    const missing = tappable.filter(({ tag }) => !/\baria-role="[a-z]+"/.test(tag.attrs) || !/\baria-label="[^"]+"/.test(tag.attrs) || !/\bclass="[^"]*\btap-target\b/.test(tag.attrs))
    expect(missing.map(({ file, tag }) => `${file}: <${tag.name}${tag.attrs}>`)).toEqual([])
    expect(fs.readFileSync(path.join(SRC, 'app.wxss'), 'utf8')).toMatch(/\.tap-target\s*\{[^}]*min-height:\s*88rpx/)
  })

  test('TDesign buttons of every size we use are at least 88rpx high', () => {
    const appWxss = fs.readFileSync(path.join(SRC, 'app.wxss'), 'utf8')
    const sizes = new Set(ownWxml().flatMap((file) => tags(fs.readFileSync(file, 'utf8'))
      .filter((tag) => tag.name === 't-button')
      .map((tag) => (/\bsize="([a-z-]+)"/.exec(tag.attrs) || [null, 'medium'])[1])))
    sizes.forEach((size) => {
      if (size === 'large') return // 96rpx by default
      const match = new RegExp(`--td-button-${size}-height:\\s*(\\d+)rpx`).exec(appWxss)
      expect([size, match ? Number(match[1]) : 0]).toEqual([size, expect.any(Number)])
      expect(Number(match[1])).toBeGreaterThanOrEqual(88)
    })
  })
})
