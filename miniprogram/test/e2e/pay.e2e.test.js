/**
 * End-to-end: paying with WeChat Pay through the real payment pages, over real HTTP, against a LIVE backend and the
 * sandbox's WeChat Pay (which sends its signed, encrypted notification to the backend, as WeChat Pay does).
 *
 *   cd miniprogram && npm ci && \
 *   API_BASE=http://127.0.0.1:8000 SANDBOX_BASE=http://127.0.0.1:8900 E2E_LOGIN_CODE=<the author's code> \
 *   E2E_PAYER_LOGIN_CODE=<another WeChat user's code> E2E_MERCHANT_PUBLIC_KEY_FILE=<merchant public key, PEM> \
 *   E2E_ORDER_ID=<an unpaid order of the author> E2E_SHARED_ORDER_ID=<another one> E2E_AUTHOR_NAME=<name> \
 *   E2E_PAYER_NAME=<name> E2E_PAYMENT_TEMPLATE_IDS=<payment_due,payment_received,refund_done template ids> \
 *   npx jest test/e2e/pay.e2e.test.js
 *
 * Normally started by tests/test_miniprogram_pay_e2e.py, which runs Django's live server (WeChat Pay at the sandbox,
 * PUBLIC_BASE_URL its own origin, so WeChat Pay's notification reaches it), the sandbox, signs both WeChat users in
 * once (so they have names) and makes the author's two orders of ¥2,500.00. Without these variables this test FAILS
 * (it never skips).
 *
 * WeChat's cashier is helpers/wx-real.js's wx.requestPayment: it checks what WeChat Pay checks (the five fields,
 * signType RSA, a prepay of this app for this phone's WeChat user, paySign verified with the merchant's public key),
 * then pays the prepay in the sandbox (POST /__sandbox__/wechatpay/pay), which notifies the backend.
 *
 * 1. The author pays: launch (silent login) -> orders: the unpaid order, ¥2,500.00 -> its page -> "微信支付" ->
 *    WeChat's cashier -> "confirming" -> the success screen only once GET /orders/{id} says paid -> the order, paid.
 * 2. Someone else pays: the author's second order -> "生成代付链接" (POST …/share) -> the share card. Another phone
 *    (another WeChat user) opens the card's page (packages/payments/shared?token=…) -> pays -> success. The author's
 *    phone again (its stored session): the orders list and the order say who paid.
 */
const { textOf } = require('../helpers/page')
const {
  requireEnv, toasts, requestsMade, apiBase, launchLoggedIn, relaunch, sandboxCall, pageOpener, tapButton,
  navigatedTo, dataHistory, waitOnPage,
} = require('../helpers/e2e')
const texts = require('../../src/packages/payments/texts')

const REQUIRED_ENV = {
  API_BASE: 'origin of the running backend (also its PUBLIC_BASE_URL, where WeChat Pay notifies), e.g. http://127.0.0.1:8000',
  SANDBOX_BASE: 'origin of the running sandbox (WeChat and WeChat Pay stand-ins), e.g. http://127.0.0.1:8900',
  E2E_LOGIN_CODE: 'the author\'s wx.login code, which the WeChat sandbox exchanges for an openid (user = part before "-")',
  E2E_PAYER_LOGIN_CODE: 'a wx.login code of another WeChat user, who pays the shared order',
  E2E_MERCHANT_PUBLIC_KEY_FILE: 'the merchant\'s public key (PEM) the backend\'s paySign verifies with (WeChat Pay checks it)',
  E2E_ORDER_ID: 'an unpaid ¥2,500.00 order of the author, paid by the author',
  E2E_SHARED_ORDER_ID: 'another unpaid ¥2,500.00 order of the author, shared and paid by the other user',
  E2E_AUTHOR_NAME: 'the author\'s display name (the share card and the payer\'s page name them)',
  E2E_PAYER_NAME: 'the other user\'s display name (the author\'s order names them as the payer)',
  E2E_PAYMENT_TEMPLATE_IDS: 'the template ids of payment_due, payment_received and refund_done, comma-separated',
}

const AMOUNT = '¥2,500.00'
// The page data a failed wait reports.
const PAY_DATA = ['state', 'pay', 'order']

const { open, close } = pageOpener()

const tagText = (page, id) => textOf(page.querySelector(`#${id}`), '.t-tag')
const cellNote = (page, id) => textOf(page.querySelector(`#${id}`), '.t-cell__note')
// Selectors go from the page (in miniprogram-simulate only component nodes answer querySelector); t-tag is one.
const rowPart = (orders, orderId, part) => textOf(orders, `#order-${orderId} .order-row__${part}`)
const rowStatus = (orders, orderId) => textOf(orders.querySelector(`#order-${orderId} .order-row__status`), '.t-tag')

/**
 * The status of order `orderId` as the list or order page shows it, with the status it has in the backend's answer
 * (the label is the backend's `status_label`, in the researcher's language).
 */
function statusShown(page, orderId) {
  const listed = page.instance.list ? page.instance.list.items.find((item) => item.id === orderId) : page.instance.loaded
  const label = page.instance.list ? rowStatus(page, orderId) : tagText(page, 'order-status')
  expect(label).toBe(listed.status_label)
  return listed.status
}

/** The orders page, loaded (GET /orders), with the order `orderId` listed. */
async function openOrders(orderId) {
  const orders = open('packages/payments/orders')
  await orders.instance.__shown
  await waitOnPage(orders, () => orders.data.listState === 'ready' && orders.querySelector(`#order-${orderId}`),
    `order ${orderId} in the orders list`, { show: ['listState', 'orders'] })
  return orders
}

/** Tap the order's row in the list and open the page it navigates to, loaded. */
async function openFromList(orders, orderId) {
  orders.querySelector(`#order-${orderId}`).dispatchEvent('tap')
  await waitOnPage(orders, () => wx.navigateTo.mock.calls.length > 0, 'the navigation to the order')
  const { route, query } = navigatedTo()
  expect({ route, query }).toEqual({ route: 'packages/payments/order', query: { id: String(orderId) } })
  const order = open(route, query)
  await order.instance.__loaded
  await waitOnPage(order, () => order.data.state === 'ready', `order ${orderId}`, { show: PAY_DATA })
  return order
}

/**
 * Tap Pay on a payable page (order or shared; `statusPath` is what it asks to confirm) and wait for the outcome:
 * WeChat's cashier pays, the page confirms. Checks what the page showed on the way (idle -> starting -> confirming,
 * with its text -> paid, shown only with the backend's order paid, asked after the cashier answered); fails with
 * the cashier's answer and WeChat Pay's notifications otherwise. Returns the object the cashier got.
 */
async function payOn(page, statusPath) {
  const shown = { confirmingTitle: '', paidWhenSuccessShown: null }
  const states = dataHistory(page, 'pay', (pay) => {
    if (pay === 'confirming') shown.confirmingTitle = textOf(page, '#pay-confirming-title')
    if (pay === 'paid') shown.paidWhenSuccessShown = page.instance.loaded && page.instance.loaded.status
  })
  const payments = wx.requestPayment.mock.calls.length
  tapButton(page, 'pay-button')
  await waitOnPage(page, () => ['paid', 'slow'].includes(page.data.pay) || (page.data.pay === 'idle' && states.length > 2),
    'the payment to be confirmed', { timeoutMs: 30000, show: PAY_DATA })
  if (page.data.pay !== 'paid') {
    const { data } = await sandboxCall('GET', '/__sandbox__/wechatpay/deliveries')
    const cashier = await Promise.all(wx.requestPayment.mock.calls.slice(payments).map(async ([options], index) => (
      { package: options.package, answer: (await wx.requestPayment.mock.results[payments + index].value).errMsg })))
    throw new Error(`the page did not confirm the payment: pay states ${JSON.stringify(states)}; WeChat's cashier: ` +
      `${JSON.stringify(cashier)}; ` +
      `WeChat Pay's notifications: ${JSON.stringify((data.deliveries || []).map(({ url, status, error }) => ({ url, status, error })))}; ` +
      `toasts: ${JSON.stringify(toasts())}`)
  }
  // The cashier got the backend's object; after it the page asked the backend, and only its "paid" meant success.
  expect(wx.requestPayment).toHaveBeenCalledTimes(payments + 1)
  const params = wx.requestPayment.mock.calls[payments][0]
  expect(params).toEqual(expect.objectContaining({ signType: 'RSA', package: expect.stringMatching(/^prepay_id=wx/), timeStamp: expect.stringMatching(/^\d+$/) }))
  const paidAt = wx.requestPayment.mock.invocationCallOrder[payments]
  const confirmingGets = wx.request.mock.calls
    .map(([options], index) => ({ options, order: wx.request.mock.invocationCallOrder[index] }))
    .filter(({ options, order }) => order > paidAt && (options.method || 'GET') === 'GET' && options.url === apiBase() + statusPath)
  expect(confirmingGets.length).toBeGreaterThan(0)
  expect(states.slice(1)).toEqual(['starting', 'confirming', 'paid'])
  expect(shown).toEqual({ confirmingTitle: texts.t('payConfirming'), paidWhenSuccessShown: 'paid' })
  return params
}

test('the author pays an order, and someone else pays the one the author shared', async () => {
  requireEnv(REQUIRED_ENV, {
    needs: 'a live backend with WeChat Pay at the sandbox, the sandbox, and two unpaid orders of the author',
    driver: 'tests/test_miniprogram_pay_e2e.py',
  })
  const env = process.env
  const base = apiBase()
  const ownId = Number(env.E2E_ORDER_ID)
  const sharedId = Number(env.E2E_SHARED_ORDER_ID)

  // --- 1. The author pays ---------------------------------------------------------------------------------------
  const { phone: authorPhone } = await launchLoggedIn()

  // The orders list: the unpaid order, its amount.
  let orders = await openOrders(ownId)
  expect(rowPart(orders, ownId, 'amount')).toBe(AMOUNT)
  expect(statusShown(orders, ownId)).toBe('created')
  expect(requestsMade()).toContain(`GET ${base}/api/v1/orders`)

  // Its page: the amount due and "微信支付 ¥2,500.00".
  let order = await openFromList(orders, ownId)
  close(orders)
  expect(textOf(order, '#order-amount')).toBe(AMOUNT)
  expect(statusShown(order, ownId)).toBe('created')
  expect(textOf(order.querySelector('#pay-button'), '.t-button__content')).toBe(texts.t('actionPay', { amount: AMOUNT }))

  // Pay: WeChat's cashier, "confirming", then success once the backend says paid.
  await payOn(order, `/api/v1/orders/${ownId}`)
  expect(requestsMade()).toContain(`POST ${base}/api/v1/orders/${ownId}/pay`)
  expect(textOf(order, '#pay-success-title')).toBe(texts.t('paySuccessTitle'))
  expect(textOf(order, '#pay-success-amount')).toBe(AMOUNT)
  // WeChat reported the payment: the one moment (besides a tap) WeChat lets the page ask for payment alerts.
  await waitOnPage(order, () => wx.requestSubscribeMessage.mock.calls.length === 1, 'the payment alerts popup')
  expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(env.E2E_PAYMENT_TEMPLATE_IDS.split(','))

  // "完成": the order as it is now, paid by WeChat Pay, nothing left to pay.
  tapButton(order, 'success-done-button')
  await waitOnPage(order, () => order.data.pay === 'idle', 'the order after "完成"', { show: PAY_DATA })
  expect(statusShown(order, ownId)).toBe('paid')
  expect(cellNote(order, 'cell-settled-by')).toBe(texts.t('settledWechatPay'))
  expect(order.querySelector('#pay-button')).toBeUndefined()
  expect(order.querySelector('#cell-payer')).toBeUndefined() // the author paid it
  close(order)
  expect(toasts()).toEqual([])

  // --- 2. Someone else pays --------------------------------------------------------------------------------------
  // The author's second order: a link for someone else to pay, and the card WeChat sends with it.
  orders = await openOrders(sharedId)
  order = await openFromList(orders, sharedId)
  close(orders)
  expect(order.querySelector('#share-send-button')).toBeUndefined()
  tapButton(order, 'share-create-button')
  await waitOnPage(order, () => order.querySelector('#share-send-button') && !order.data.sharing, 'the share link', { show: ['sharing', 'order'] })
  expect(requestsMade()).toContain(`POST ${base}/api/v1/orders/${sharedId}/share`)
  const card = order.instance.onShareAppMessage({ from: 'button' }) // the "发给代付人" button (open-type="share")
  expect(card.title).toContain(env.E2E_AUTHOR_NAME)
  expect(card.title).toContain(AMOUNT)
  const [cardRoute, cardSearch] = card.path.replace(/^\//, '').split('?')
  const cardQuery = Object.fromEntries(new URLSearchParams(cardSearch))
  expect(cardRoute).toBe('packages/payments/shared')
  expect(cardQuery.token).toBe(order.data.order.share.token)
  close(order)
  expect(toasts()).toEqual([])

  // Another phone, another WeChat user: the card opens the shared page as the app's first page.
  await launchLoggedIn({ loginCode: env.E2E_PAYER_LOGIN_CODE, launchOptions: { path: cardRoute, query: cardQuery, scene: 1007 } })
  const shared = open(cardRoute, cardQuery)
  await shared.instance.__loaded
  await waitOnPage(shared, () => shared.data.state === 'ready', 'the shared order', { show: PAY_DATA })
  expect(textOf(shared, '#shared-intro')).toBe(texts.t('sharedIntro', { name: env.E2E_AUTHOR_NAME }))
  expect(textOf(shared, '#shared-amount')).toBe(AMOUNT)
  expect(cellNote(shared, 'cell-author')).toBe(env.E2E_AUTHOR_NAME)
  await payOn(shared, `/api/v1/orders/shared/${encodeURIComponent(cardQuery.token)}`)
  expect(requestsMade()).toContain(`POST ${base}/api/v1/orders/shared/${encodeURIComponent(cardQuery.token)}/pay`)
  expect(textOf(shared, '#pay-success-title')).toBe(texts.t('paySuccessTitle'))
  expect(textOf(shared, '#pay-success-amount')).toBe(AMOUNT)
  expect(toasts()).toEqual([])
  close(shared)

  // The author's phone again (its stored session): the list and the order say who paid.
  await relaunch(authorPhone)
  orders = await openOrders(sharedId)
  expect(statusShown(orders, sharedId)).toBe('paid')
  expect(rowPart(orders, sharedId, 'note')).toBe(texts.t('orderPaidByOther', { name: env.E2E_PAYER_NAME }))
  expect(rowPart(orders, ownId, 'note')).toBe('')
  order = await openFromList(orders, sharedId)
  expect(statusShown(order, sharedId)).toBe('paid')
  expect(cellNote(order, 'cell-payer')).toBe(env.E2E_PAYER_NAME)
  expect(cellNote(order, 'cell-settled-by')).toBe(texts.t('settledWechatPay'))
  expect(toasts()).toEqual([])
}, 150000)
