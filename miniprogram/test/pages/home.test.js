const { NETWORK_FAILURE, installWx } = require('../helpers/wx-mock')
const { createBackend } = require('../helpers/fake-backend')
const { launchApp, loadPage, textOf, waitFor } = require('../helpers/page')

/** Launch the app over a fake backend, open the home page and wait for what onShow started. */
async function openHome({ researcher, storage, respond } = {}) {
  const backend = createBackend({ researcher })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, storage })
  launchApp()
  const page = loadPage('pages/home/home')
  await page.instance.__shown
  return { backend, page }
}

const section = (page, id) => page.querySelector(`#${id}`)
const sectionTitle = (page, id) => textOf(section(page, id), '.section-card__title')
const sectionEmptyText = (page, id) => textOf(section(page, id).querySelector('.section-card__empty'), '.t-empty__description')

test("greets the researcher by display name, loaded from /api/v1/me after login", async () => {
  const { page } = await openHome({ researcher: { display_name: 'Ada Lovelace' } })
  expect(textOf(page, '#greeting')).toBe('你好，Ada Lovelace')
  expect(wx.requests.map((call) => `${call.method} ${call.path}`)).toEqual(['POST /api/v1/auth/login', 'GET /api/v1/me'])
  expect(wx.requests[1].header.Authorization).toBe('Bearer token-1')
})

test('shows the latest name from /api/v1/me even if login returned an older one', async () => {
  let meCalls = 0
  const { page } = await openHome({
    researcher: { display_name: 'Old Name' },
    respond: (real) => (call) => {
      const answer = real(call)
      if (call.path === '/api/v1/me') { meCalls += 1; answer.data.display_name = 'New Name' }
      return answer
    },
  })
  expect(meCalls).toBe(1)
  expect(textOf(page, '#greeting')).toBe('你好，New Name')
})

test('greets with a friendly fallback when the display name is empty', async () => {
  const { page } = await openHome({ researcher: { display_name: '' } })
  expect(textOf(page, '#greeting')).toBe('你好，研究者')
})

test('falls back too when the backend cannot be reached', async () => {
  const { page } = await openHome({ respond: () => () => NETWORK_FAILURE })
  expect(textOf(page, '#greeting')).toBe('你好，研究者')
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '网络连接失败，请检查网络后重试' }))
})

test('has manuscripts, inbox and orders sections whose empty states say what will appear', async () => {
  const { page } = await openHome({ researcher: { display_name: 'Ada' } })
  expect(sectionTitle(page, 'section-manuscripts')).toBe('我的稿件')
  expect(sectionTitle(page, 'section-inbox')).toBe('消息')
  expect(sectionTitle(page, 'section-orders')).toBe('订单')
  expect(sectionEmptyText(page, 'section-manuscripts')).toContain('稿件及审稿进度会显示在这里')
  expect(sectionEmptyText(page, 'section-inbox')).toContain('稿件状态变化')
  expect(sectionEmptyText(page, 'section-orders')).toContain('文章处理费')
})

test("renders in English when that is the researcher's language", async () => {
  const { page } = await openHome({ researcher: { display_name: 'Ada', language: 'en' } })
  expect(textOf(page, '#greeting')).toBe('Hello, Ada')
  expect(sectionTitle(page, 'section-manuscripts')).toBe('My manuscripts')
  expect(sectionTitle(page, 'section-inbox')).toBe('Inbox')
  expect(sectionTitle(page, 'section-orders')).toBe('Orders')
  expect(sectionEmptyText(page, 'section-orders')).toContain('Article processing charges')
  expect(wx.setTabBarItem).toHaveBeenLastCalledWith(expect.objectContaining({ index: 1, text: 'Me' }))
  expect(wx.setTabBarItem).toHaveBeenCalledWith(expect.objectContaining({ index: 0, text: 'Home' }))
  expect(wx.requests[1].header['Accept-Language']).toBe('en')
})

test('when signed out it offers to log in, and logging in greets by name', async () => {
  const { page } = await openHome({ researcher: { display_name: 'Ada' }, storage: { signed_out: true } })
  expect(wx.requests).toHaveLength(0)
  expect(textOf(page, '#greeting')).toBe('你好，研究者')
  expect(textOf(page, '.subtitle')).toContain('你已退出登录')
  expect(textOf(page.querySelector('#login-button'), '.t-button__content')).toBe('微信登录')

  page.querySelector('#login-button').querySelector('.t-button').dispatchEvent('tap')
  await waitFor(() => textOf(page, '#greeting') === '你好，Ada', 'greeting after login')
  expect(page.querySelector('#login-button')).toBeUndefined()
})
