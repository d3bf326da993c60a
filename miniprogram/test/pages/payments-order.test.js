// packages/payments/order: one order, its amount (and discount), status, and what can be done in that state: paying
// with WeChat Pay (success only once the backend says paid), a voucher, the institution, bank transfer details,
// a link for someone else to pay; for paid orders the receipt and fapiao, and refunds.
const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { TEMPLATE_IDS } = require('../helpers/fake-backend')
const { createPaymentsBackend, makeOrder, OTHER_RESEARCHER_ID } = require('../helpers/fake-payments')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const ORDER_PATH = '/api/v1/orders/12'

async function openOrder({ query = { id: '12' }, respond, subscribeAnswer, clipboardFails, ...options } = {}) {
  const backend = createPaymentsBackend(options)
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, subscribeAnswer, clipboardFails })
  backend.install(wx)
  launchApp()
  const page = loadPage('packages/payments/order', query)
  await page.instance.__loaded
  return { backend, page }
}

const tap = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const tagText = (page, id) => textOf(page.querySelector(`#${id}`), '.t-tag')
const cellNote = (page, id) => textOf(page.querySelector(`#${id}`), '.t-cell__note')
const calls = (path, method = 'GET') => wx.requests.filter((call) => call.path === path && call.logicalMethod === method)
const typeVoucher = (page, value) => page.querySelector('#voucher-input').querySelector('.t-input__control').dispatchEvent('input', { detail: { value, cursor: value.length } })
const fieldErrors = (page, field) => page.querySelectorAll(`.field-error--${field}`).map((node) => node.dom.textContent.trim())

describe('what the order shows', () => {
  test('title, journal, charge, status and the amount due in yuan; nothing paid yet', async () => {
    const { page } = await openOrder()
    expect(textOf(page, '#order-title')).toBe('Coral bleaching under repeated heatwaves')
    expect(textOf(page, '#order-meta')).toBe('文章处理费 · Annals of Marine Ecology')
    expect(tagText(page, 'order-status')).toBe('待支付')
    expect(textOf(page, '#order-amount')).toBe('¥2,500.00')
    expect(page.querySelector('#order-discount')).toBeUndefined()
    expect(textOf(page.querySelector('#pay-button'), '.t-button__content')).toBe('微信支付 ¥2,500.00')
    expect(page.querySelector('#paid')).toBeUndefined()
    expect(cellNote(page, 'cell-order-no')).toBe('SL202512010012')
    expect(cellNote(page, 'cell-expires')).toBe('2025-12-31 23:59')
    expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '订单详情' }))
  })

  test('with a voucher applied: the original price, the discount and the code', async () => {
    const { page } = await openOrder({ orders: [makeOrder({ amount_fen: 245000, discount_fen: 5000, voucher: { code: 'WELCOME50', discount_fen: 5000 } })] })
    expect(textOf(page, '#order-amount')).toBe('¥2,450.00')
    expect(textOf(page, '#order-original')).toBe('¥2,500.00')
    expect(textOf(page, '#order-discount-amount')).toBe('-¥50.00')
    expect(textOf(page, '#order-voucher')).toBe('已使用优惠码 WELCOME50，优惠 ¥50.00')
    expect(page.querySelector('#voucher')).toBeUndefined() // one voucher per order
  })

  test('someone else\'s order (or an unknown one) is "not found", without an error toast', async () => {
    const { page } = await openOrder({ orders: [makeOrder({ researcher_id: OTHER_RESEARCHER_ID })] })
    expect(pageState(page, '#order-state').text).toBe('找不到这个订单。')
    expect(toastTitles()).toEqual([])
  })

  test('a malformed id asks nothing', async () => {
    const { page } = await openOrder({ query: { id: '12abc' } })
    expect(wx.requests.filter((call) => call.path.startsWith('/api/v1/orders'))).toHaveLength(0)
    expect(page.data.state).toBe('not_found')
  })

  test('a failed load says so and can be retried', async () => {
    let offline = true
    const { page } = await openOrder({ respond: (real) => (call) => (offline && call.path === ORDER_PATH ? NETWORK_FAILURE : real(call)) })
    expect(pageState(page, '#order-state').shown).toBe('error')
    expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
    offline = false
    pageState(page, '#order-state').retry()
    await waitFor(() => page.data.state === 'ready', 'the order')
  })

  test('a paid order: when, how and by whom, the receipt and the fapiao, no payment actions', async () => {
    const { page } = await openOrder({
      orders: [makeOrder({ status: 'paid', paid_at: '2025-12-02T06:30:00Z', settled_by: 'wechat_pay', payer: { display_name: '王老师' }, transaction_id: '4200001234' })],
    })
    expect(tagText(page, 'order-status')).toBe('已支付')
    expect(cellNote(page, 'cell-paid-at')).toBe('2025-12-02 14:30')
    expect(cellNote(page, 'cell-settled-by')).toBe('微信支付')
    expect(cellNote(page, 'cell-payer')).toBe('王老师')
    ;['pay-button', 'voucher', 'bank', 'share', 'coverage'].forEach((id) => expect([id, page.querySelector(`#${id}`)]).toEqual([id, undefined]))
    page.querySelector('#cell-receipt').querySelector('.t-cell').dispatchEvent('tap')
    page.querySelector('#cell-fapiao').querySelector('.t-cell').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 2, 'navigation')
    expect(wx.navigateTo.mock.calls.map(([options]) => options.url)).toEqual(['/packages/payments/receipt?id=12', '/packages/payments/fapiao?id=12'])
  })

  test('refunds are listed with amount, status and date', async () => {
    const { page } = await openOrder({
      orders: [makeOrder({
        status: 'partially_refunded', paid_at: '2025-12-02T06:30:00Z', settled_by: 'wechat_pay', refunded_fen: 50000,
        refunds: [{ id: 3, amount_fen: 50000, status: 'succeeded', status_label: '退款成功', created_at: '2025-12-03T01:00:00Z', succeeded_at: '2025-12-03T02:00:00Z' }],
      })],
    })
    expect(cellNote(page, 'cell-refunded')).toBe('¥500.00')
    expect(textOf(page, '#refund-3 .amount')).toBe('¥500.00')
    expect(tagText(page, 'refund-status-3')).toBe('退款成功')
    expect(textOf(page, '#refund-3 .refund-row__date')).toBe('2025-12-03 10:00')
  })
})

describe('paying with WeChat Pay', () => {
  const payCalls = () => calls(`${ORDER_PATH}/pay`, 'POST')

  test('success is shown only after the backend says paid; "confirming" until then', async () => {
    const { page, backend } = await openOrder({ paidAfterPolls: 2 })
    tap(page, 'pay-button')
    await waitFor(() => page.data.pay === 'confirming', 'confirming')
    expect(textOf(page, '#pay-confirming-title')).toBe('正在确认支付结果…')
    expect(page.querySelector('#pay-success')).toBeUndefined()
    await waitFor(() => page.data.pay === 'paid', 'the backend to say paid')
    expect(backend.state.polls).toBe(2) // WeChat's "ok" was not taken for it: the order was asked until paid
    expect(payCalls()).toHaveLength(1)
    expect(wx.requestPayment).toHaveBeenCalledWith(expect.objectContaining({ timeStamp: '1733300000', signType: 'RSA', package: expect.stringMatching(/^prepay_id=/), paySign: expect.any(String), nonceStr: expect.any(String) }))
    expect(textOf(page, '#pay-success-title')).toBe('支付成功')
    expect(textOf(page, '#pay-success-amount')).toBe('¥2,500.00')
    tap(page, 'success-done-button')
    await waitFor(() => page.data.pay === 'idle', 'back to the order')
    expect(tagText(page, 'order-status')).toBe('已支付')
    expect(page.querySelector('#pay-button')).toBeUndefined()
  })

  test('after WeChat reports the payment, WeChat alerts about payments are asked (no request in between)', async () => {
    let requestsWhenAsked = -1
    const { page } = await openOrder({ subscribeAnswer: (ids) => { requestsWhenAsked = wx.requests.length; return Object.fromEntries(ids.map((id) => [id, 'accept'])) } })
    tap(page, 'pay-button')
    await waitFor(() => page.data.pay === 'paid', 'paid')
    await waitFor(() => wx.subscribeRequests.length === 1, 'the alerts popup')
    expect(wx.subscribeRequests[0]).toEqual([TEMPLATE_IDS.payment_due, TEMPLATE_IDS.payment_received, TEMPLATE_IDS.refund_done])
    // The state was fetched with the order: the last request before the popup is the POST …/pay.
    expect(wx.requests[requestsWhenAsked - 1].path).toBe(`${ORDER_PATH}/pay`)
  })

  test('"fail cancel" returns quietly: no toast, no confirming, no alerts asked, the order as it was', async () => {
    const { page, backend } = await openOrder({ payAnswer: 'cancel' })
    tap(page, 'pay-button')
    await waitFor(() => wx.requestPayment.mock.calls.length === 1 && page.data.pay === 'idle', 'the cancel')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(page.data.pay).toBe('idle')
    expect(backend.state.polls).toBe(0)
    expect(toastTitles()).toEqual([])
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
    expect(page.querySelector('#pay-button')).toBeDefined()
  })

  test('no "paid" within ~20 s: says it is still being confirmed, and refresh shows success once it is', async () => {
    const realNow = Date.now
    let offset = 0
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset)
    try {
      const { page, backend } = await openOrder({ paidAfterPolls: Infinity })
      tap(page, 'pay-button')
      await waitFor(() => backend.state.polls >= 1, 'the first confirming GET')
      offset = 21000 // 21 s later
      await waitFor(() => page.data.pay === 'slow', 'the slow state')
      expect(textOf(page, '#pay-confirming-title')).toBe('支付结果还在确认中')
      expect(textOf(page, '#pay-confirming-hint')).toContain('请稍后刷新查看，不要重复支付')
      expect(page.querySelector('#pay-success')).toBeUndefined()

      backend.state.confirmIn[12] = 1 // WeChat Pay's notification arrives
      tap(page, 'pay-refresh-button')
      await waitFor(() => page.data.pay === 'paid', 'paid after refresh')
      expect(textOf(page, '#pay-success-title')).toBe('支付成功')
    } finally {
      Date.now.mockRestore()
    }
  })

  test('a WeChat failure other than cancel is still confirmed with the backend (it may have gone through)', async () => {
    const { page, backend } = await openOrder({ payAnswer: 'fail' })
    backend.state.confirmIn[12] = 1 // the backend heard of the payment anyway
    tap(page, 'pay-button')
    await waitFor(() => page.data.pay === 'paid', 'paid')
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
  })

  test('409 order_paid (paid meanwhile, e.g. by a payer): the message, and the order reloaded as paid', async () => {
    const { page, backend } = await openOrder()
    Object.assign(backend.state.orders[0], { status: 'paid', paid_at: '2025-12-02T06:30:00Z', settled_by: 'wechat_pay' })
    tap(page, 'pay-button')
    await waitFor(() => toastTitles().length === 1 && tagText(page, 'order-status') === '已支付', 'the reload')
    expect(toastTitles()).toEqual(['这个订单已经支付。'])
    expect(wx.requestPayment).not.toHaveBeenCalled()
  })

  test('503: WeChat Pay unavailable is said in a toast and nothing else happens', async () => {
    const { page } = await openOrder({ payDown: true })
    tap(page, 'pay-button')
    await waitFor(() => toastTitles().length === 1, 'the toast')
    expect(toastTitles()).toEqual(['微信支付暂时不可用，请稍后再试。'])
    expect(page.data.pay).toBe('idle')
    expect(wx.requestPayment).not.toHaveBeenCalled()
  })

  test('leaving the page stops the confirmation', async () => {
    const { page, backend } = await openOrder({ paidAfterPolls: Infinity })
    tap(page, 'pay-button')
    await waitFor(() => backend.state.polls >= 1, 'confirming')
    page.detach()
    const polls = backend.state.polls
    await new Promise((resolve) => setTimeout(resolve, 1200))
    expect(backend.state.polls).toBeLessThanOrEqual(polls + 1)
  })
})

describe('a voucher', () => {
  test('applied: the amount drops and the page says which code', async () => {
    const { page } = await openOrder()
    typeVoucher(page, 'welcome50')
    tap(page, 'voucher-button')
    await waitFor(() => textOf(page, '#order-amount') === '¥2,450.00', 'the new amount')
    expect(calls(`${ORDER_PATH}/voucher`, 'POST')[0].data).toEqual({ code: 'welcome50' })
    expect(textOf(page, '#order-original')).toBe('¥2,500.00')
    expect(toastTitles()).toEqual(['优惠码已使用'])
  })

  test('refused: the backend\'s field error shows under the input, without a toast', async () => {
    const { page } = await openOrder()
    typeVoucher(page, 'NOPE')
    tap(page, 'voucher-button')
    await waitFor(() => fieldErrors(page, 'code').length === 1, 'the field error')
    expect(fieldErrors(page, 'code')).toEqual(['优惠码无效或已过期。'])
    expect(toastTitles()).toEqual([])
    expect(textOf(page, '#order-amount')).toBe('¥2,500.00')
    typeVoucher(page, 'NOPE2')
    await waitFor(() => fieldErrors(page, 'code').length === 0, 'typing to clear it')
  })

  test('empty: said under the input, nothing sent', async () => {
    const { page } = await openOrder()
    tap(page, 'voucher-button')
    await waitFor(() => fieldErrors(page, 'code').length === 1, 'the field error')
    expect(fieldErrors(page, 'code')).toEqual(['请输入优惠码。'])
    expect(calls(`${ORDER_PATH}/voucher`, 'POST')).toHaveLength(0)
  })
})

describe('paid by the institution', () => {
  const OFFERS = [{ agreement: 3, institution: '清华大学' }]

  test('an offer asks the institution; the status shows', async () => {
    const { page } = await openOrder({ orders: [makeOrder({ coverage_offers: OFFERS })] })
    expect(textOf(page.querySelector('#coverage-offer-3'), '.t-button__content')).toBe('申请由清华大学支付')
    tap(page, 'coverage-offer-3')
    await waitFor(() => page.querySelector('#coverage-status'), 'the coverage status')
    expect(calls(`${ORDER_PATH}/coverage`, 'POST')[0].data).toEqual({ agreement: 3 })
    expect(tagText(page, 'coverage-tag')).toBe('已申请由清华大学支付，等待机构确认。')
    expect(page.querySelector('#coverage-offer-3')).toBeUndefined()
  })

  test('refused, with the reason; it can be asked again', async () => {
    const { page } = await openOrder({ orders: [makeOrder({ coverage_offers: OFFERS, coverage: { id: 1, status: 'refused', institution: '清华大学', reason: '超出年度额度' } })] })
    expect(tagText(page, 'coverage-tag')).toBe('清华大学未同意支付这笔费用。')
    expect(textOf(page, '#coverage-reason')).toBe('原因：超出年度额度')
    expect(page.querySelector('#coverage-offer-3')).toBeDefined()
  })

  test('no offers and no request: no block', async () => {
    const { page } = await openOrder()
    expect(page.querySelector('#coverage')).toBeUndefined()
  })
})

describe('bank transfer', () => {
  test.each([
    ['account_name', '示范出版社有限公司', '户名已复制'],
    ['bank_name', '中国银行北京海淀支行', '开户行已复制'],
    ['account_number', '3401 2345 6789 0001', '账号已复制'],
    ['reference', 'SLT12X7Q', '汇款识别码（附言）已复制'],
    ['amount', '2500.00', '金额已复制'],
  ])('the copy button of %s copies %s', async (key, value, toast) => {
    const { page } = await openOrder()
    tap(page, `copy-${key}`)
    await waitFor(() => toastTitles().length === 1, 'the toast')
    expect(wx.setClipboardData).toHaveBeenCalledTimes(1)
    expect(wx.setClipboardData.mock.calls[0][0].data).toBe(value)
    expect(toastTitles()).toEqual([toast])
  })

  test('every detail is shown, the amount in yuan', async () => {
    const { page } = await openOrder()
    expect(page.querySelectorAll('.bank-row__value').map((node) => node.dom.textContent.trim()))
      .toEqual(['示范出版社有限公司', '中国银行北京海淀支行', '3401 2345 6789 0001', 'SLT12X7Q', '¥2,500.00'])
  })

  test('a copy WeChat refuses says so', async () => {
    const { page } = await openOrder({ clipboardFails: true })
    tap(page, 'copy-reference')
    await waitFor(() => toastTitles().length === 1, 'the toast')
    expect(toastTitles()).toEqual(['复制失败，请稍后再试'])
  })
})

describe('someone else pays', () => {
  test('creating a link, then the share card: its path carries the token, its title says who needs what paid', async () => {
    const { page, backend } = await openOrder()
    expect(page.querySelector('#share-send-button')).toBeUndefined()
    tap(page, 'share-create-button')
    await waitFor(() => page.querySelector('#share-send-button'), 'the share button')
    const token = backend.state.orders[0].share.token
    expect(textOf(page, '#share-live')).toBe('代付链接有效期至 2025-12-09 10:00。')
    const card = page.instance.onShareAppMessage({ from: 'button' })
    expect(card.path).toBe(`/packages/payments/shared?token=${token}`)
    expect(card.path).toContain(token)
    expect(card.title).toBe('Ada Lovelace请你代付文章处理费 ¥2,500.00（Annals of Marine Ecology）')
  })

  test('the share card opens a page this build has', async () => {
    const APP_JSON = require('../../src/app.json')
    const { page } = await openOrder({ orders: [makeOrder({ share: { token: 'shr-x', expires_at: '2025-12-09T02:00:00Z' } })] })
    const route = page.instance.onShareAppMessage({ from: 'button' }).path.slice(1).split('?')[0]
    const pages = APP_JSON.subpackages.flatMap((sub) => sub.pages.map((name) => `${sub.root}/${name}`))
    expect(pages).toContain(route)
  })

  test('revoking (confirmed) deletes the link', async () => {
    const { page, backend } = await openOrder({ orders: [makeOrder({ share: { token: 'shr-12-1', expires_at: '2025-12-09T02:00:00Z' } })] })
    tap(page, 'share-revoke-button')
    await waitFor(() => page.querySelector('#share-create-button'), 'the link gone')
    expect(calls(`${ORDER_PATH}/share`, 'DELETE')).toHaveLength(1)
    expect(backend.state.shares).toEqual({})
    expect(toastTitles()).toEqual(['代付链接已撤销'])
    expect(page.instance.onShareAppMessage({ from: 'menu' }).path).toBe('/pages/home/home')
  })

  test('in English', async () => {
    const { page } = await openOrder({ researcher: { language: 'en' }, orders: [makeOrder({ share: { token: 'shr-e', expires_at: '2025-12-09T02:00:00Z' } })] })
    expect(page.instance.onShareAppMessage({ from: 'button' }).title).toBe('Ada Lovelace asks you to pay Article processing charge: ¥2,500.00 (Annals of Marine Ecology)')
    expect(textOf(page.querySelector('#pay-button'), '.t-button__content')).toBe('Pay ¥2,500.00 with WeChat Pay')
  })
})
