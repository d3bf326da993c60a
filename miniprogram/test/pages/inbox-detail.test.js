const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend } = require('../helpers/fake-backend')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const NOTICE = {
  id: 3,
  kind: 'campaign',
  title: '开放获取周',
  body: '本周内缴纳文章处理费可享 8 折优惠。\n详情请咨询编辑部。',
  page: '',
  created_at: '2025-11-20T08:30:00Z',
}

/** Open pages/inbox/detail directly (e.g. from a WeChat message): nothing remembered from a list. */
async function openDetail({ query = { id: '3' }, notifications = [NOTICE], researcher, respond } = {}) {
  const backend = createBackend({ researcher, notifications })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond })
  await launchApp().__shown
  const page = loadPage('pages/inbox/detail', query)
  await page.instance.__loaded
  return { backend, page }
}

const readCalls = () => wx.requests.filter((call) => call.method === 'POST' && call.path.endsWith('/read'))

test('asks the backend for the notice (marking it read) and shows its full text', async () => {
  const { page, backend } = await openDetail()
  expect(readCalls().map((call) => call.path)).toEqual(['/api/v1/notifications/3/read'])
  expect(backend.state.notifications[0].read_at).not.toBeNull()
  expect(textOf(page, '#notice-title')).toBe('开放获取周')
  expect(textOf(page, '#notice-time')).toBe('2025-11-20 16:30')
  expect(textOf(page, '#notice-body')).toBe('本周内缴纳文章处理费可享 8 折优惠。\n详情请咨询编辑部。')
  expect(page.querySelector('#open-link-button')).toBeUndefined()
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '消息详情' }))
  expect(wx.tabBarBadges[1]).toBeUndefined() // the badge was refreshed after the read: nothing unread
  expect(wx.removeTabBarBadge).toHaveBeenCalled()
})

test('a notice with a page offers to open it', async () => {
  const { page } = await openDetail({ notifications: [Object.assign({}, NOTICE, { page: 'pages/manuscript/detail?id=7' })] })
  expect(textOf(page.querySelector('#open-link-button'), '.t-button__content')).toBe('查看相关内容')
  page.querySelector('#open-link-button').querySelector('.t-button').dispatchEvent('tap')
  await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/manuscript/detail?id=7')
})

test('a page that cannot be opened says so', async () => {
  const { page } = await openDetail({ notifications: [Object.assign({}, NOTICE, { page: 'pages/orders/detail?id=1' })] })
  await page.instance.onOpenLink()
  expect(toastTitles()).toEqual(['出错了，请稍后再试'])
})

test("someone else's or an unknown notice shows a not-found state, without a toast", async () => {
  const { page } = await openDetail({ notifications: [Object.assign({}, NOTICE, { researcher_id: 8 })] })
  expect(page.data.state).toBe('not_found')
  expect(pageState(page, '#notice-state').text).toBe('找不到这条消息。')
  expect(toastTitles()).toEqual([])
})

test('a missing or malformed id asks nothing', async () => {
  const { page } = await openDetail({ query: { id: 'x1' } })
  expect(readCalls()).toHaveLength(0)
  expect(page.data.state).toBe('not_found')
})

test('a network failure is told and can be retried', async () => {
  let offline = true
  const { page } = await openDetail({ respond: (real) => (call) => (offline && call.path.endsWith('/read') ? NETWORK_FAILURE : real(call)) })
  expect(page.data.state).toBe('error')
  expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
  offline = false
  pageState(page, '#notice-state').retry()
  await waitFor(() => page.data.state === 'ready', 'the notice')
  expect(textOf(page, '#notice-title')).toBe('开放获取周')
})

test('in English', async () => {
  const { page } = await openDetail({
    researcher: { language: 'en' },
    notifications: [Object.assign({}, NOTICE, { title: 'Open access week', body: '20% off APCs this week.', page: 'pages/home/home' })],
  })
  expect(textOf(page, '#notice-title')).toBe('Open access week')
  expect(textOf(page.querySelector('#open-link-button'), '.t-button__content')).toBe('Open')
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: 'Message' }))
  await page.instance.onOpenLink()
  expect(wx.switchTab.mock.calls[0][0].url).toBe('/pages/home/home')
})
