// Issue 9, privacy rules WeChat enforces: nothing personal (not even the login) before the researcher has seen the
// notice; the clipboard copy is a privacy API whose wx.onNeedPrivacyAuthorization is answered by our popup; the
// declaration WeChat expects is in app.json and privacy-declaration.json; the Me page links the policy texts.
const fs = require('fs')
const path = require('path')
const { installWx, tapAgreePrivacy, toastTitles } = require('./helpers/wx-mock')
const { createBackend } = require('./helpers/fake-backend')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('./helpers/page')
const APP_JSON = require('../src/app.json')

const SRC = path.join(__dirname, '../src')
const popupOf = (page) => page.querySelector('#privacy-popup')
const popupShown = (page) => Boolean(popupOf(page).querySelector('.privacy-popup'))

describe('the notice comes before anything personal', () => {
  test('a researcher who agreed before sees no popup', async () => {
    const backend = createBackend()
    installWx({ respond: backend.respond })
    launchApp()
    const page = loadPage('pages/home/home')
    await page.instance.__shown
    expect(popupShown(page)).toBe(false)
    expect(backend.state.logins).toHaveLength(1)
  })

  test('first launch: the popup shows and nothing is asked, not even wx.login, until the researcher agrees', async () => {
    const backend = createBackend({ researcher: { display_name: 'Ada' } })
    installWx({ respond: backend.respond, privacyAgreed: false })
    launchApp()
    const page = loadPage('pages/home/home')
    await waitFor(() => popupShown(page), 'the privacy popup')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(wx.login).not.toHaveBeenCalled()
    expect(wx.requests).toHaveLength(0)
    expect(textOf(popupOf(page), '#privacy-intro')).toContain('你同意之前，我们不会登录，也不会收集任何个人信息')

    popupOf(page).querySelector('#privacy-open-guide').dispatchEvent('tap')
    await waitFor(() => wx.openPrivacyContract.mock.calls.length === 1, 'the privacy guide')

    tapAgreePrivacy(popupOf(page))
    await page.instance.__shown
    await waitFor(() => textOf(page, '#greeting') === '你好，Ada', 'the greeting after login')
    expect(backend.state.logins).toEqual(['wx-code-1'])
    expect(popupShown(page)).toBe(false)
    expect(wx.getStorageSync('privacy_agreed')).toBe(true)
  })

  test('declining keeps the app signed out, says why, and "log in" shows the notice again', async () => {
    const backend = createBackend({ researcher: { display_name: 'Ada' } })
    installWx({ respond: backend.respond, privacyAgreed: false })
    launchApp()
    const page = loadPage('pages/home/home')
    await waitFor(() => popupShown(page), 'the privacy popup')
    popupOf(page).querySelector('#privacy-disagree-button').dispatchEvent('tap')
    await page.instance.__shown
    expect(wx.login).not.toHaveBeenCalled()
    expect(wx.requests).toHaveLength(0)
    expect(page.data.signedOut).toBe(true)
    expect(textOf(page, '.subtitle')).toBe('你还没有同意隐私保护指引。同意后即可登录，查看你的稿件和消息。')

    page.querySelector('#login-button').querySelector('.t-button').dispatchEvent('tap')
    await waitFor(() => popupShown(page), 'the popup again')
    tapAgreePrivacy(popupOf(page))
    await waitFor(() => textOf(page, '#greeting') === '你好，Ada', 'the greeting after login')
    expect(backend.state.logins).toHaveLength(1)
  })

})

describe('the clipboard is a privacy API', () => {
  const MANUSCRIPT = { id: 7, doi: '10.5555/x.1', url: '' }

  async function openDetail() {
    const backend = createBackend({ accounts: [{ id: 101 }], manuscripts: [MANUSCRIPT] })
    installWx({ respond: backend.respond })
    await launchApp().__shown
    const page = loadPage('pages/manuscript/detail', { id: '7' })
    await page.instance.__loaded
    // WeChat asks again: e.g. the Mini Program declared a new kind of data since the researcher agreed.
    wx.privacy.agreed = false
    page.querySelector('#cell-doi').querySelector('.t-cell').dispatchEvent('tap')
    await waitFor(() => popupShown(page), 'the privacy popup')
    return page
  }

  test('WeChat holds the copy until the researcher agrees in our popup, then it goes through', async () => {
    const page = await openDetail()
    expect(wx.privacyEvents).toEqual([{ event: 'exposureAuthorization' }])
    expect(toastTitles()).toEqual([])
    tapAgreePrivacy(popupOf(page))
    await waitFor(() => toastTitles().length === 1, 'the toast')
    expect(wx.privacyEvents[1]).toEqual({ buttonId: 'privacy-agree-button', event: 'agree' })
    expect(toastTitles()).toEqual(['DOI 已复制'])
    expect(popupShown(page)).toBe(false)
  })

  test('declining fails the copy, and the toast says why', async () => {
    const page = await openDetail()
    popupOf(page).querySelector('#privacy-disagree-button').dispatchEvent('tap')
    await waitFor(() => toastTitles().length === 1, 'the toast')
    expect(wx.privacyEvents[1]).toEqual({ event: 'disagree' })
    expect(toastTitles()).toEqual(['同意隐私保护指引后才能复制'])
  })
})

describe('declared as WeChat expects', () => {
  test('app.json turns the privacy check on', () => {
    expect(APP_JSON.__usePrivacyCheck__).toBe(true)
  })

  test('every privacy API the code calls is in privacy-declaration.json (privacy_key and purpose)', () => {
    const declaration = JSON.parse(fs.readFileSync(path.join(__dirname, '../privacy-declaration.json'), 'utf8'))
    const declared = declaration.setting_list.flatMap((entry) => entry.apis)
    const PRIVACY_APIS = ['setClipboardData', 'getClipboardData', 'chooseImage', 'chooseMedia', 'getLocation', 'chooseAddress', 'getUserProfile', 'saveImageToPhotosAlbum', 'chooseMessageFile']
    const sources = []
    const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) { if (entry.name !== 'miniprogram_npm') walk(full); return }
      if (entry.name.endsWith('.js')) sources.push(fs.readFileSync(full, 'utf8'))
    })
    walk(SRC)
    const used = PRIVACY_APIS.filter((name) => sources.some((source) => source.includes(`wx.${name}(`)))
    // chooseMedia: an image for an editorial office; saveImageToPhotosAlbum: a share poster
    expect(used).toEqual(['setClipboardData', 'chooseMedia', 'saveImageToPhotosAlbum'])
    used.forEach((name) => expect(declared).toContain(`wx.${name}`))
    declaration.setting_list.forEach((entry) => {
      expect(entry.privacy_key).toMatch(/^[A-Z][A-Za-z]+$/)
      expect(entry.privacy_text.length).toBeGreaterThan(5)
    })
  })

  test('every main-package page has the privacy popup', () => {
    APP_JSON.pages.forEach((page) => {
      expect(fs.readFileSync(path.join(SRC, `${page}.wxml`), 'utf8')).toContain('<privacy-popup')
    })
  })
})

describe('the Me page links the privacy policy and the user agreement', () => {
  test.each([
    ['cell-privacy-policy', '/packages/legal/privacy', '隐私政策'],
    ['cell-user-agreement', '/packages/legal/agreement', '用户协议'],
  ])('%s opens %s, in both languages', async (cellId, url, title) => {
    const backend = createBackend()
    installWx({ respond: backend.respond, storage: { signed_out: true } }) // also when signed out
    await launchApp().__shown
    const me = loadPage('pages/me/me')
    await me.instance.__shown
    me.querySelector(`#${cellId}`).querySelector('.t-cell').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe(url)

    const doc = loadPage(url.slice(1))
    expect(textOf(doc, '#legal-title')).toBe(title)
    expect(doc.querySelectorAll('.legal__section').length).toBeGreaterThan(2)
    wx.setStorageSync('language', 'en')
    doc.instance.onShow()
    expect(textOf(doc, '#legal-title')).toMatch(/^(Privacy policy|Terms of use)$/)
  })
})
