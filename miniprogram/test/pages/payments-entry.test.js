// The ways into the payment pages: the home page's orders block (only once payments exist) with what is still to pay
// and "我的订单", and payment notices in the inbox, whose `page` is "packages/payments/order?id=N".
const { installWx } = require('../helpers/wx-mock')
const { createPaymentsBackend, makeOrder } = require('../helpers/fake-payments')
const { launchApp, loadPage, textOf, waitFor } = require('../helpers/page')

async function open(route, query = {}, options = {}) {
  const backend = createPaymentsBackend(options)
  installWx({ respond: backend.respond })
  backend.install(wx)
  await launchApp().__shown
  const page = loadPage(route, query)
  await page.instance.__loaded
  await page.instance.__shown
  return { backend, page }
}

const navigatedTo = () => wx.navigateTo.mock.calls.map(([options]) => options.url)

describe('the home page\'s orders block', () => {
  const ORDERS = [
    makeOrder({ id: 12, title: 'Coral bleaching under repeated heatwaves' }),
    makeOrder({ id: 9, status: 'paid', title: 'An older article', created_at: '2025-10-01T00:00:00Z' }),
  ]

  test('shows what is still to pay, with the amount; a row opens that order', async () => {
    const { page } = await open('pages/home/home', {}, { orders: ORDERS })
    expect(wx.requests.filter((call) => call.path === '/api/v1/orders').map((call) => call.url.split('?')[1])).toEqual(['page_size=1', 'page_size=3'])
    expect(page.querySelectorAll('.order-due').map((node) => node.dom.getAttribute('data-id'))).toEqual(['12'])
    expect(textOf(page, '#order-due-12 .order-due__title')).toBe('Coral bleaching under repeated heatwaves')
    expect(textOf(page, '#order-due-12 .order-due__amount')).toBe('¥2,500.00')
    expect(textOf(page, '#order-due-12 .order-due__meta')).toBe('文章处理费 · Annals of Marine Ecology')
    page.querySelector('#order-due-12').dispatchEvent('tap')
    await waitFor(() => navigatedTo().length === 1, 'navigation')
    expect(navigatedTo()).toEqual(['/packages/payments/order?id=12'])
  })

  test('"我的订单" opens every order', async () => {
    const { page } = await open('pages/home/home', {}, { orders: ORDERS })
    expect(textOf(page, '#my-orders')).toBe('我的订单')
    page.querySelector('#my-orders').dispatchEvent('tap')
    await waitFor(() => navigatedTo().length === 1, 'navigation')
    expect(navigatedTo()).toEqual(['/packages/payments/orders'])
  })

  test('orders, but nothing to pay: says so', async () => {
    const { page } = await open('pages/home/home', {}, { orders: [ORDERS[1]] })
    expect(textOf(page, '#orders-none-due')).toBe('没有待支付的费用。')
    expect(page.querySelectorAll('.order-due')).toHaveLength(0)
  })

  test('in English', async () => {
    const { page } = await open('pages/home/home', {}, { orders: ORDERS, researcher: { language: 'en' } })
    expect(textOf(page, '#my-orders')).toBe('My orders')
    expect(page.data.ordersDue[0].a11yLabel).toBe('To pay: Coral bleaching under repeated heatwaves, ¥2,500.00')
  })
})

describe('payment notices open the order page', () => {
  const notice = (kind, id) => ({ id, kind, title: '待缴费用', body: '文章处理费 ¥2,500.00 待支付。', page: 'packages/payments/order?id=12' })

  test.each(['payment_due', 'payment_received', 'refund_done'])('a %s notice tapped in the inbox opens packages/payments/order?id=12', async (kind) => {
    const { page } = await open('pages/inbox/inbox', {}, { notifications: [notice(kind, 8)] })
    await page.instance.onNoticeTap({ currentTarget: { dataset: { id: 8 } } })
    expect(navigatedTo()).toEqual(['/packages/payments/order?id=12']) // opened: no fall back to the notice's text
  })

  test('the notice page\'s "open" button opens it too', async () => {
    const { page } = await open('pages/inbox/detail', { id: '8' }, { notifications: [notice('payment_due', 8)] })
    page.querySelector('#open-link-button').querySelector('.t-button').dispatchEvent('tap')
    await waitFor(() => navigatedTo().length === 1, 'navigation')
    expect(navigatedTo()).toEqual(['/packages/payments/order?id=12'])
    const order = loadPage('packages/payments/order', { id: '12' })
    await order.instance.__loaded
    expect(textOf(order, '#order-amount')).toBe('¥2,500.00')
  })
})

describe('no payment page asks for WeChat alerts on load or show (only WeChat\'s payment callback may)', () => {
  const QUERIES = {
    orders: {},
    order: { id: '12' },
    shared: { token: 'shr-12-1' },
    receipt: { id: '12' },
    fapiao: { id: '12' },
  }

  test('every page of the subpackage is covered', () => {
    const APP_JSON = require('../../src/app.json')
    expect(APP_JSON.subpackages.find((sub) => sub.root === 'packages/payments').pages.sort()).toEqual(Object.keys(QUERIES).sort())
  })

  test.each(Object.keys(QUERIES))('packages/payments/%s', async (name) => {
    const orders = [makeOrder({ share: { token: 'shr-12-1', expires_at: '2025-12-09T02:00:00Z' } })]
    const { page } = await open(`packages/payments/${name}`, QUERIES[name], { orders })
    if (page.instance.onShow) await page.instance.onShow()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(wx.requests.some((call) => call.path.startsWith('/api/v1/orders'))).toBe(true)
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
    expect(wx.requestPayment).not.toHaveBeenCalled()
    page.detach()
  })
})
