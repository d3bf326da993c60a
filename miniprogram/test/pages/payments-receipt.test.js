// packages/payments/receipt: the receipt of a paid order, and a printable link copied for a browser.
const { installWx, toastTitles } = require('../helpers/wx-mock')
const { createPaymentsBackend, makeOrder, OTHER_RESEARCHER_ID } = require('../helpers/fake-payments')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const PAID = { status: 'paid', paid_at: '2025-12-02T06:30:00Z', settled_by: 'wechat_pay', transaction_id: '4200001234202512020001' }

async function openReceipt({ orders = [makeOrder(PAID)], query = { id: '12' }, clipboardFails, ...options } = {}) {
  const backend = createPaymentsBackend(Object.assign({ orders }, options))
  installWx({ respond: backend.respond, clipboardFails })
  backend.install(wx)
  launchApp()
  const page = loadPage('packages/payments/receipt', query)
  await page.instance.__loaded
  return { backend, page }
}

const line = (page, key) => textOf(page, `#receipt-${key} .receipt-line__value`)

test('renders the receipt: number, amount, item, journal, payer, when, how, seller', async () => {
  const { page } = await openReceipt()
  expect(textOf(page, '#receipt-no')).toBe('收据编号 R2025-000012')
  expect(textOf(page, '#receipt-amount')).toBe('¥2,500.00')
  expect(line(page, 'description')).toBe('文章处理费：Coral bleaching under repeated heatwaves')
  expect(line(page, 'journal')).toBe('Annals of Marine Ecology')
  expect(line(page, 'payer')).toBe('Ada Lovelace')
  expect(line(page, 'paid-at')).toBe('2025-12-02 14:30')
  expect(line(page, 'settled-by')).toBe('微信支付')
  expect(line(page, 'transaction-id')).toBe('4200001234202512020001')
  expect(line(page, 'seller-tax-id')).toBe('91350100M000100Y43')
  expect(page.querySelector('#receipt-refunded')).toBeUndefined()
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '收据' }))
})

test('"print / open in a browser" gets a fresh signed link, copies it and says where to paste it', async () => {
  const { page } = await openReceipt()
  page.querySelector('#print-button').querySelector('.t-button').dispatchEvent('tap')
  await waitFor(() => wx.showModal.mock.calls.length === 1, 'the hint')
  expect(wx.requests.filter((call) => call.path === '/api/v1/orders/12/receipt/link' && call.method === 'POST')).toHaveLength(1)
  expect(wx.setClipboardData.mock.calls[0][0].data).toBe('https://api.publisher.example/receipts/12?sig=s1')
  const hint = wx.showModal.mock.calls[0][0]
  expect(hint.title).toBe('链接已复制')
  expect(hint.content).toContain('粘贴到手机或电脑的浏览器中打开并打印')
  expect(hint.showCancel).toBe(false)
})

test('a copy WeChat refuses says so, and shows no hint', async () => {
  const { page } = await openReceipt({ clipboardFails: true })
  page.querySelector('#print-button').querySelector('.t-button').dispatchEvent('tap')
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(toastTitles()).toEqual(['复制失败，请稍后再试'])
  expect(wx.showModal).not.toHaveBeenCalled()
})

test('an unpaid order has no receipt yet (409 order_not_paid): said plainly, no toast', async () => {
  const { page } = await openReceipt({ orders: [makeOrder()] })
  expect(pageState(page, '#receipt-state').text).toBe('订单还没有支付，支付后才有收据。')
  expect(toastTitles()).toEqual([])
})

test('someone else\'s order: not found', async () => {
  const { page } = await openReceipt({ orders: [makeOrder(Object.assign({ researcher_id: OTHER_RESEARCHER_ID }, PAID))] })
  expect(pageState(page, '#receipt-state').text).toBe('找不到这个订单。')
})

test('a partly refunded order shows what was refunded', async () => {
  const { page } = await openReceipt({ orders: [makeOrder(Object.assign({}, PAID, { status: 'partially_refunded', refunded_fen: 50000 }))] })
  expect(line(page, 'refunded')).toBe('¥500.00')
})
