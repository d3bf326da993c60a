// packages/payments/orders: the researcher's orders, unpaid first, paged, with empty and error states.
const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createPaymentsBackend, makeOrder, OTHER_RESEARCHER_ID } = require('../helpers/fake-payments')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

async function openOrders({ orders, pageSize, respond, researcher } = {}) {
  const backend = createPaymentsBackend({ orders, pageSize, researcher })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond })
  backend.install(wx)
  launchApp()
  const page = loadPage('packages/payments/orders')
  await page.instance.__shown
  return { backend, page }
}

// t-tag is a virtual host: read its inner node.
const statusTexts = (page) => page.querySelectorAll('.order-row__status').map((node) => textOf(node, '.t-tag'))
const rowTexts = (page, part) => page.querySelectorAll(`.order-row__${part}`).map((node) => node.dom.textContent.trim())

test('lists every order with title, journal, charge, amount in yuan and status, unpaid first', async () => {
  const { page } = await openOrders({
    orders: [
      makeOrder({ id: 1, status: 'paid', title: 'Paid last month', created_at: '2025-11-01T00:00:00Z', amount_fen: 180000 }),
      makeOrder({ id: 2, status: 'created', title: 'Still to pay', created_at: '2025-10-01T00:00:00Z' }),
      makeOrder({ id: 3, status: 'closed', title: 'Closed', kind: 'page_charge', journal: null, amount_fen: 99, created_at: '2025-12-01T00:00:00Z' }),
    ],
  })
  expect(wx.requests.filter((call) => call.path === '/api/v1/orders').map((call) => call.url)).toEqual(['http://127.0.0.1:8000/api/v1/orders'])
  expect(rowTexts(page, 'title')).toEqual(['Still to pay', 'Closed', 'Paid last month'])
  expect(rowTexts(page, 'amount')).toEqual(['¥2,500.00', '¥0.99', '¥1,800.00'])
  expect(rowTexts(page, 'meta')).toEqual(['文章处理费 · Annals of Marine Ecology', '版面费', '文章处理费 · Annals of Marine Ecology'])
  expect(statusTexts(page)).toEqual(['待支付', '已关闭', '已支付'])
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '我的订单' }))
})

test('an order the researcher paid for someone else is listed, and says so', async () => {
  const { page } = await openOrders({ orders: [makeOrder({ id: 5, researcher_id: OTHER_RESEARCHER_ID, payer_id: 7, status: 'paid', title: 'A colleague\'s APC' })] })
  expect(rowTexts(page, 'title')).toEqual(['A colleague\'s APC'])
  expect(rowTexts(page, 'note')).toEqual(['你代付的费用'])
})

test('tapping an order opens its page', async () => {
  const { page } = await openOrders()
  page.querySelector('#order-12').dispatchEvent('tap')
  await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/packages/payments/order?id=12')
})

test('no orders: an empty state that says what will appear', async () => {
  const { page } = await openOrders({ orders: [] })
  const state = pageState(page, '#orders-state')
  expect(state.shown).toBe('empty')
  expect(state.text).toBe('暂无订单。文章处理费（APC）等需要支付的费用会显示在这里。')
})

test('a failed load shows the error state; retry loads the list', async () => {
  let offline = true
  const { page } = await openOrders({ respond: (real) => (call) => (offline && call.path === '/api/v1/orders' ? NETWORK_FAILURE : real(call)) })
  expect(pageState(page, '#orders-state').shown).toBe('error')
  expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
  offline = false
  pageState(page, '#orders-state').retry()
  await waitFor(() => page.querySelectorAll('.order-row').length === 1, 'the list')
})

test('pull-down refresh reloads (the order paid meanwhile shows paid) and stops the spinner', async () => {
  const { page, backend } = await openOrders()
  backend.state.orders[0].status = 'paid'
  await page.instance.onPullDownRefresh()
  expect(statusTexts(page)).toEqual(['已支付'])
  expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1)
})

test('the next page comes on reaching the bottom', async () => {
  const orders = Array.from({ length: 5 }, (unused, index) => makeOrder({ id: index + 1, title: `Order ${index + 1}`, created_at: `2025-12-0${index + 1}T00:00:00Z` }))
  const { page } = await openOrders({ orders, pageSize: 3 })
  expect(page.querySelectorAll('.order-row')).toHaveLength(3)
  await page.instance.onReachBottom()
  expect(rowTexts(page, 'title')).toEqual(['Order 5', 'Order 4', 'Order 3', 'Order 2', 'Order 1'])
  expect(textOf(page, '#orders-no-more')).toBe('没有更多了')
})

test('in English, the app\'s language', async () => {
  const { page } = await openOrders({ researcher: { language: 'en' } })
  expect(rowTexts(page, 'meta')).toEqual(['Article processing charge · Annals of Marine Ecology'])
  expect(statusTexts(page)).toEqual(['To pay'])
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: 'My orders' }))
})
