// packages/privacy/privacy: export my data (summary + copy as JSON) and delete my data (confirm, DELETE /api/v1/me,
// signed out); and the consent to the privacy policy recorded at login.
const { installWx, toastTitles } = require('../helpers/wx-mock')
const { createPrivacyBackend } = require('../helpers/fake-privacy')
const { launchApp, loadPage, textOf, waitFor } = require('../helpers/page')
const api = require('../../src/utils/api')
const privacy = require('../../src/utils/privacy')

async function openPrivacy({ modalAnswer, storage, privacyAgreed, ...options } = {}) {
  const backend = createPrivacyBackend(options)
  installWx({ respond: backend.respond, modalAnswer, storage, privacyAgreed })
  launchApp()
  const page = loadPage('packages/privacy/privacy')
  await page.instance.__loaded
  return { backend, page }
}

const tap = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const cellNote = (page, id) => textOf(page.querySelector(`#${id}`), '.t-cell__note')
const calls = (path, method) => wx.requests.filter((call) => call.path === path && (call.logicalMethod || call.method) === method)

test('export shows how many items each section holds, in the Contract\'s sections', async () => {
  const { page } = await openPrivacy()

  tap(page, 'export-button')
  await waitFor(() => page.data.summary.length === 9, 'the summary')

  expect(page.data.summary.map((row) => row.key)).toEqual(['profile', 'wechat_identities', 'journal_accounts', 'manuscripts', 'notifications', 'orders', 'shares', 'conversations', 'tags'])
  expect(cellNote(page, 'section-manuscripts')).toBe('2 项')
  expect(cellNote(page, 'section-profile')).toBe('1 项')
  expect(cellNote(page, 'section-tags')).toBe('2 项')
  expect(cellNote(page, 'section-shares')).toBe('0 项')
  expect(calls('/api/v1/me/export', 'GET')[0].header.Authorization).toBe('Bearer token-1')
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '我的个人信息' }))
})

test('copy puts the whole export on the clipboard as JSON', async () => {
  const { backend, page } = await openPrivacy()
  tap(page, 'export-button')
  await waitFor(() => page.data.summary.length === 9, 'the summary')

  tap(page, 'copy-button')
  await waitFor(() => wx.setClipboardData.mock.calls.length === 1, 'the copy')

  expect(JSON.parse(wx.setClipboardData.mock.calls[0][0].data)).toEqual(backend.state.exported)
  await waitFor(() => toastTitles().includes('已复制'), 'the toast')
})

test('delete asks first, saying what is kept; cancelling sends nothing', async () => {
  const { backend, page } = await openPrivacy({ modalAnswer: () => ({ confirm: false, cancel: true }) })

  await page.instance.onErase()

  const modal = wx.showModal.mock.calls[0][0]
  expect(modal.title).toBe('确定删除你的全部个人数据？')
  expect(modal.content).toContain('已支付的订单匿名保留')
  expect(calls('/api/v1/me', 'DELETE')).toHaveLength(0)
  expect(backend.state.erased).toBe(0)
  expect(page.data.state).toBe('ready')
})

test('confirmed delete sends DELETE /api/v1/me, signs out and says so', async () => {
  const { backend, page } = await openPrivacy()

  await page.instance.onErase()

  expect(backend.state.erased).toBe(1)
  expect(calls('/api/v1/me', 'DELETE')[0].header.Authorization).toBe('Bearer token-1')
  expect(api.isSignedOut()).toBe(true)
  expect(api.getToken()).toBe('')
  expect(getApp().globalData.researcher).toBeNull()
  expect(page.data.state).toBe('erased')
  expect(textOf(page, '#erased')).toBe('你的数据已删除')
  expect(toastTitles()).toContain('你的数据已删除')
})

test('a refused delete (a payment in flight) shows the backend\'s reason and stays signed in', async () => {
  const { page } = await openPrivacy({ paymentInFlight: true })

  await page.instance.onErase()

  expect(toastTitles()).toContain('有一笔支付正在进行中。请在支付完成后（约两小时内）再试。')
  expect(api.isSignedOut()).toBe(false)
  expect(page.data.state).toBe('ready')
  expect(page.data.erasing).toBe(false)
})

test('in English', async () => {
  const { page } = await openPrivacy({ storage: { language: 'en' } })

  expect(textOf(page, '#erase-text')).toContain('Paid orders keep their amount')
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: 'My personal data' }))
})

/** Launch with the privacy notice pending an answer; resolves once the prompt is open. */
async function launchAskingConsent({ privacyAgreed, consentRequired = true, agreedVersion = '' }) {
  const backend = createPrivacyBackend({ consentRequired, agreedVersion })
  installWx({ respond: backend.respond, privacyAgreed })
  launchApp()
  await waitFor(() => getApp().globalData.privacy && getApp().globalData.privacy.prompt, 'the privacy prompt')
  return backend
}

test('the first login records the consent to the backend\'s current policy version, asking once', async () => {
  const backend = await launchAskingConsent({ privacyAgreed: false })

  privacy.answer(true) // the tap on the notice's agree button, before the login

  await waitFor(() => backend.state.consents.length === 1, 'the consent')
  expect(calls('/api/v1/me/privacy-consent', 'POST')[0].data).toEqual({ version: '2026-12-01' })
  expect(getApp().globalData.privacy.prompt).toBeNull() // not asked a second time
  await expect(getApp().loginReady).resolves.toMatchObject({ privacy_consent_required: false })
})

test('a new policy version asks again although this device agreed before, then records it', async () => {
  const backend = await launchAskingConsent({ privacyAgreed: true, agreedVersion: '2025-06-01' })
  expect(calls('/api/v1/auth/login', 'POST')).toHaveLength(1) // the old agreement let the login through
  expect(backend.state.consents).toEqual([])

  privacy.answer(true)

  await waitFor(() => backend.state.consents.length === 1, 'the consent')
  expect(wx.getStorageSync(privacy.AGREED_KEY)).toBe(true)
})

test('declining the new version records nothing', async () => {
  const backend = await launchAskingConsent({ privacyAgreed: true, agreedVersion: '2025-06-01' })

  privacy.answer(false)
  await getApp().loginReady
  // The launch's other requests find the notice unanswered too (declining signs out, as it always did): decline
  // each, so nothing of this run is left waiting.
  for (let round = 0; round < 5; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    if (getApp().globalData.privacy.prompt) privacy.answer(false)
  }

  expect(getApp().globalData.privacy.prompt).toBeNull()
  expect(backend.state.consents).toEqual([])
  expect(calls('/api/v1/me/privacy-consent', 'POST')).toHaveLength(0)
})

test('an agreement this device remembers is recorded without asking when the backend holds none', async () => {
  const { backend } = await openPrivacy({ consentRequired: true })

  await waitFor(() => backend.state.consents.length === 1, 'the consent')

  expect(getApp().globalData.privacy.prompt).toBeNull()
  expect(calls('/api/v1/me/privacy-consent', 'POST')[0].data).toEqual({ version: '2026-12-01' })
})

test('no consent is sent when the backend does not ask for it', async () => {
  await openPrivacy({ consentRequired: false })

  expect(calls('/api/v1/me/privacy-consent', 'POST')).toHaveLength(0)
})

test('"我的" opens the page', async () => {
  const backend = createPrivacyBackend()
  installWx({ respond: backend.respond })
  launchApp()
  const me = loadPage('pages/me/me')
  await me.instance.__shown

  me.querySelector('#cell-my-data').querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')

  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/packages/privacy/privacy')
})

test('a new policy version while the token stays valid: home\'s GET /me shows the notice again and records it', async () => {
  const backend = createPrivacyBackend({ consentRequired: true, agreedVersion: '2025-06-01' })
  backend.base.state.tokens.add('token-kept')
  installWx({ respond: backend.respond, storage: { token: 'token-kept' } })
  launchApp()
  loadPage('pages/home/home')
  await waitFor(() => getApp().globalData.privacy && getApp().globalData.privacy.prompt, 'the privacy prompt')
  expect(calls('/api/v1/auth/login', 'POST')).toHaveLength(0)

  privacy.answer(true)

  await waitFor(() => backend.state.consents.length === 1, 'the consent')
  expect(calls('/api/v1/me/privacy-consent', 'POST')[0].header.Authorization).toBe('Bearer token-kept')
})
