// packages/payments/shared: the payer's page, opened from the share card an author sent.
const { installWx, toastTitles } = require('../helpers/wx-mock')
const { createPaymentsBackend, makeOrder } = require('../helpers/fake-payments')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const TOKEN = 'shr-12-1'
const SHARED_PATH = `/api/v1/orders/shared/${TOKEN}`

async function openShared({ query = { token: TOKEN }, live = true, storage, ...options } = {}) {
  const backend = createPaymentsBackend(Object.assign({ orders: [makeOrder({ share: { token: TOKEN, expires_at: '2025-12-09T02:00:00Z' } })] }, options))
  if (!live) backend.state.shares = {} // revoked or expired
  installWx({ respond: backend.respond, storage })
  backend.install(wx)
  launchApp({ path: 'packages/payments/shared', query, scene: 1007 }) // opened from a shared card
  const page = loadPage('packages/payments/shared', query)
  await page.instance.__loaded
  return { backend, page }
}

const tap = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const cellNote = (page, id) => textOf(page.querySelector(`#${id}`), '.t-cell__note')

test('shows who asks, the journal, the charge, the amount and the title', async () => {
  const { page } = await openShared()
  expect(wx.requests.filter((call) => call.path.startsWith('/api/v1/orders')).map((call) => call.path)).toEqual([SHARED_PATH])
  expect(textOf(page, '#shared-intro')).toBe('Ada Lovelace请你代付这笔费用。')
  expect(textOf(page, '#shared-title')).toBe('Coral bleaching under repeated heatwaves')
  expect(textOf(page, '#shared-amount')).toBe('¥2,500.00')
  expect(cellNote(page, 'cell-author')).toBe('Ada Lovelace')
  expect(cellNote(page, 'cell-journal')).toBe('Annals of Marine Ecology')
  expect(cellNote(page, 'cell-kind')).toBe('文章处理费')
  expect(textOf(page.querySelector('#pay-button'), '.t-button__content')).toBe('微信支付 ¥2,500.00')
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '代付订单' }))
})

test('pay: POST …/pay, WeChat\'s cashier, then the shared order is asked until paid, then success', async () => {
  const { page, backend } = await openShared({ paidAfterPolls: 2 })
  tap(page, 'pay-button')
  await waitFor(() => page.data.pay === 'confirming', 'confirming')
  expect(page.querySelector('#pay-success')).toBeUndefined()
  await waitFor(() => page.data.pay === 'paid', 'paid')
  expect(backend.state.payRequests).toEqual([`${SHARED_PATH}/pay`])
  expect(backend.state.polls).toBe(2)
  expect(wx.requests.filter((call) => call.path === SHARED_PATH).length).toBe(3) // the load and two confirming GETs
  expect(textOf(page, '#pay-success-title')).toBe('支付成功')
  expect(textOf(page, '#pay-success-amount')).toBe('¥2,500.00')
})

test('cancel in WeChat\'s cashier returns quietly', async () => {
  const { page, backend } = await openShared({ payAnswer: 'cancel' })
  tap(page, 'pay-button')
  await waitFor(() => wx.requestPayment.mock.calls.length === 1 && page.data.pay === 'idle', 'the cancel')
  expect(backend.state.polls).toBe(0)
  expect(toastTitles()).toEqual([])
})

test('an expired or revoked link (404): a clear state, no error toast, no pay button', async () => {
  const { page } = await openShared({ live: false })
  const state = pageState(page, '#shared-state')
  expect(state.shown).toBe('empty')
  expect(state.text).toBe('这个代付链接已过期或已被撤销。请联系作者重新发送。')
  expect(toastTitles()).toEqual([])
  expect(page.querySelector('#pay-button')).toBeUndefined()
})

test('a link without a token asks nothing and says the same', async () => {
  const { page } = await openShared({ query: {} })
  expect(wx.requests.filter((call) => call.path.startsWith('/api/v1/orders'))).toHaveLength(0)
  expect(pageState(page, '#shared-state').text).toContain('已过期或已被撤销')
})

test('revoked while the payer looks at it: paying says the link is gone', async () => {
  const { page, backend } = await openShared()
  backend.state.shares = {}
  tap(page, 'pay-button')
  await waitFor(() => page.data.state === 'expired', 'the expired state')
  expect(wx.requestPayment).not.toHaveBeenCalled()
})

test('already paid: says so, nothing to pay', async () => {
  const { page } = await openShared({ orders: [makeOrder({ status: 'paid', share: { token: TOKEN, expires_at: '2025-12-09T02:00:00Z' } })] })
  expect(textOf(page, '#shared-paid')).toBe('这笔费用已经支付，无需再付。')
  expect(page.querySelector('#pay-button')).toBeUndefined()
})

test('an order past its expiry (the backend says can_pay false): no pay button', async () => {
  const { page } = await openShared({ orders: [makeOrder({ expired: true, share: { token: TOKEN, expires_at: '2025-12-09T02:00:00Z' } })] })
  expect(page.data.order.payable).toBe(false)
  expect(page.querySelector('#pay-button')).toBeUndefined()
})

test('a signed-out payer logs in from the page, then sees the order', async () => {
  const { page } = await openShared({ storage: { signed_out: true } })
  expect(page.data.state).toBe('signed_out')
  expect(wx.requests).toHaveLength(0)
  tap(page, 'login-button')
  await waitFor(() => page.data.state === 'ready', 'the order after login')
  expect(textOf(page, '#shared-amount')).toBe('¥2,500.00')
})

test('in English', async () => {
  const { page } = await openShared({ researcher: { language: 'en' } })
  expect(textOf(page, '#shared-intro')).toBe('Ada Lovelace asks you to pay this charge.')
  expect(cellNote(page, 'cell-kind')).toBe('Article processing charge')
})
