// What the payment pages share: the API paths (docs: the backend's payments API, all under /api/v1/orders), how an
// order is shown, paying with WeChat Pay and confirming it, copying, and downloading a file with the token.
//
// Paying: POST …/pay answers the parameters of wx.requestPayment (signed by the backend). WeChat's callback is not
// the truth: the backend learns about the payment from WeChat Pay's notification (or by asking WeChat Pay), so
// after the callback we ask GET the order until its status is "paid", and only then show success. "fail cancel"
// (the researcher closed WeChat's cashier) returns quietly. After CONFIRM_TIMEOUT_MS without "paid" the page says
// the payment is still being confirmed and offers a refresh: paying again would pay twice.
const api = require('../../utils/api')
const config = require('../../utils/config')
const i18n = require('../../utils/i18n')
const { formatYuan } = require('../../utils/money')
const { formatDateTime } = require('../../utils/format')
const texts = require('./texts')

const ORDERS_PATH = '/api/v1/orders'
const PAGE_ORDER = '/packages/payments/order'
const PAGE_SHARED = 'packages/payments/shared'
const PAGE_RECEIPT = '/packages/payments/receipt'
const PAGE_FAPIAO = '/packages/payments/fapiao'

// Order status -> TDesign tag theme. The label is the backend's (status_label).
const STATUS_THEMES = {
  created: 'warning',
  paying: 'warning',
  paid: 'success',
  closed: 'default',
  refunded: 'primary',
  partially_refunded: 'primary',
}
const SETTLED_BY_KEYS = {
  wechat_pay: 'settledWechatPay',
  agreement: 'settledAgreement',
  bank_transfer: 'settledBankTransfer',
  waived: 'settledWaived',
}
const COVERAGE_KEYS = { requested: 'coverageRequested', approved: 'coverageApproved', refused: 'coverageRefused' }
const COVERAGE_THEMES = { requested: 'warning', approved: 'success', refused: 'danger' }

const PAID = 'paid'
// Delays between the confirming GETs: quick at first (the notification usually arrives within seconds), then
// every 3 s, until CONFIRM_TIMEOUT_MS have passed.
const POLL_DELAYS_MS = [500, 1000, 1500, 2000, 2000, 3000]
const CONFIRM_TIMEOUT_MS = 20000

const orderPath = (id) => `${ORDERS_PATH}/${id}`
const sharedPath = (token) => `${ORDERS_PATH}/shared/${encodeURIComponent(token)}`

/** Only digits: an order id from a page query. */
function orderIdOf(query) {
  const id = String((query && query.id) || '')
  return /^\d+$/.test(id) ? id : ''
}

function statusTheme(status) {
  return STATUS_THEMES[status] || 'default'
}

function journalName(journal) {
  if (!journal) return ''
  return typeof journal === 'object' ? journal.name || '' : String(journal)
}

/** A list row (orders page, home block). */
function orderRow(order) {
  const amount = formatYuan(order.amount_fen)
  const statusLabel = order.status_label || order.status
  const other = order.payer && order.payer.display_name
  let note = ''
  if (order.role === 'payer') note = texts.t('orderPaidForOther')
  else if (other) note = texts.t('orderPaidByOther', { name: other })
  return {
    id: order.id,
    title: order.title,
    journal: journalName(order.journal),
    kindLabel: order.kind_label || '',
    amount,
    status: order.status,
    statusLabel,
    statusTheme: statusTheme(order.status),
    canPay: Boolean(order.can_pay),
    note,
    a11yLabel: texts.t('a11yOrder', { title: order.title, amount, status: statusLabel }),
  }
}

/** The order detail as the order page shows it. */
function orderView(order) {
  const discount = Number(order.discount_fen) || 0
  const coverage = order.coverage
  const settledKey = SETTLED_BY_KEYS[order.settled_by]
  return Object.assign(orderRow(order), {
    amountFen: order.amount_fen,
    original: discount > 0 ? formatYuan(order.original_amount_fen) : '',
    discount: discount > 0 ? `-${formatYuan(discount)}` : '',
    voucherText: order.voucher ? texts.t('voucherApplied', { code: order.voucher.code, amount: formatYuan(order.voucher.discount_fen) }) : '',
    manuscript: order.manuscript || null,
    outTradeNo: order.out_trade_no || '',
    createdAt: formatDateTime(order.created_at),
    expiresAt: order.can_pay ? formatDateTime(order.expires_at) : '',
    paidAt: formatDateTime(order.paid_at),
    settledBy: settledKey ? texts.t(settledKey) : '',
    payerName: (order.payer && order.payer.display_name) || '',
    transactionId: order.transaction_id || '',
    refunded: Number(order.refunded_fen) > 0 ? formatYuan(order.refunded_fen) : '',
    isAuthor: order.role !== 'payer',
    isPaid: ['paid', 'partially_refunded', 'refunded'].includes(order.status),
    coverage: coverage ? {
      status: coverage.status,
      theme: COVERAGE_THEMES[coverage.status] || 'default',
      text: texts.t(COVERAGE_KEYS[coverage.status] || 'coverageRequested', { institution: coverage.institution || '' }),
      reason: coverage.reason ? texts.t('coverageReason', { reason: coverage.reason }) : '',
    } : null,
    coverageOffers: (order.coverage_offers || []).map((offer) => ({
      agreement: offer.agreement,
      label: texts.t('actionRequestCoverage', { institution: offer.institution }),
    })),
    bank: order.bank_transfer ? [
      { key: 'account_name', label: texts.t('bankAccountName'), value: order.bank_transfer.account_name },
      { key: 'bank_name', label: texts.t('bankName'), value: order.bank_transfer.bank_name },
      { key: 'account_number', label: texts.t('bankAccountNumber'), value: order.bank_transfer.account_number },
      { key: 'reference', label: texts.t('bankReference'), value: order.bank_transfer.reference },
      // The amount is copied as a plain number ('2500.00'): banking apps reject '¥' and separators.
      { key: 'amount', label: texts.t('bankAmount'), value: formatYuan(order.bank_transfer.amount_fen), copyValue: plainYuan(order.bank_transfer.amount_fen) },
    ].map((item) => Object.assign({ copyValue: item.value, a11yCopy: texts.t('a11yCopy', { field: item.label }) }, item)) : [],
    refunds: (order.refunds || []).map((refund) => ({
      id: refund.id,
      amount: formatYuan(refund.amount_fen),
      statusLabel: refund.status_label || refund.status,
      theme: refund.status === 'succeeded' ? 'success' : (refund.status === 'processing' ? 'warning' : 'default'),
      date: formatDateTime(refund.succeeded_at || refund.created_at),
    })),
    share: order.share ? { token: order.share.token, live: texts.t('shareLive', { date: formatDateTime(order.share.expires_at) }) } : null,
  })
}

/** 250000 -> '2500.00' (for a bank transfer form). */
function plainYuan(fen) {
  return formatYuan(fen).replace(/[¥,]/g, '')
}

/** The path and title of the share card that lets someone else pay (GET/POST …/shared/{token}). */
function shareMessage(order, token, authorName) {
  const params = {
    name: authorName || texts.t('shareNameFallback'),
    kind: order.kind_label || '',
    amount: formatYuan(order.amount_fen),
    journal: journalName(order.journal),
  }
  return {
    title: texts.t(params.journal ? 'shareMessageTitle' : 'shareMessageTitleNoJournal', params),
    path: `/${PAGE_SHARED}?token=${encodeURIComponent(token)}`,
  }
}

/**
 * wx.requestPayment with the backend's parameters; resolves 'ok', 'cancel' (the researcher closed the cashier) or
 * 'fail' (never rejects: whatever it says, the backend is asked next).
 * @returns {Promise<'ok'|'cancel'|'fail'>}
 */
function requestPayment(params) {
  return new Promise((resolve) => {
    wx.requestPayment({
      timeStamp: params.timeStamp,
      nonceStr: params.nonceStr,
      package: params.package,
      signType: params.signType,
      paySign: params.paySign,
      success: () => resolve('ok'),
      fail: (res) => resolve(/cancel/i.test((res && res.errMsg) || '') ? 'cancel' : 'fail'),
    })
  })
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * GET `path` until the order's status is "paid", CONFIRM_TIMEOUT_MS passed, or `stopped()` (the page closed).
 * A failed GET is tried again. Resolves { paid, order } (order: the last answer, or null).
 */
async function pollUntilPaid(path, { stopped = () => false } = {}) {
  const deadline = Date.now() + CONFIRM_TIMEOUT_MS
  let order = null
  for (let attempt = 0; !stopped(); attempt += 1) {
    try {
      order = await api.request(path, { toast: false })
    } catch (err) {
      // A dropped connection while confirming: ask again.
    }
    if (order && order.status === PAID) return { paid: true, order }
    if (Date.now() >= deadline) break
    await sleep(POLL_DELAYS_MS[Math.min(attempt, POLL_DELAYS_MS.length - 1)])
  }
  return { paid: false, order }
}

/**
 * The whole payment: POST `payPath` (rejects with its ApiError, not toasted: 409 order_paid / order_closed /
 * order_expired, 503 upstream_unavailable), WeChat's cashier, then confirmation by GET `statusPath`.
 * `onWechatOk()` runs as soon as WeChat reports success (the moment WeChat allows the alerts popup);
 * `onConfirming()` when the confirmation starts.
 * Resolves { outcome: 'cancelled' | 'paid' | 'unconfirmed', order }.
 */
async function payAndConfirm({ payPath, statusPath, onWechatOk = () => {}, onConfirming = () => {}, stopped }) {
  const params = await api.request(payPath, { method: 'POST', toast: false })
  const wechat = await requestPayment(params || {})
  if (wechat === 'cancel') return { outcome: 'cancelled', order: null }
  if (wechat === 'ok') onWechatOk()
  onConfirming()
  const { paid, order } = await pollUntilPaid(statusPath, { stopped })
  return { outcome: paid ? 'paid' : 'unconfirmed', order }
}

/** Copy `value`, then say "<label> copied" (or why it could not be: the clipboard is a privacy API). */
function copy(value, label) {
  if (!value) return
  wx.setClipboardData({
    data: String(value),
    success: () => wx.showToast({ icon: 'none', title: texts.t('toastCopied', { field: label }) }),
    fail: (res) => {
      const refused = /privacy permission is not authorized/i.test((res && res.errMsg) || '')
      wx.showToast({ icon: 'none', title: i18n.t(refused ? 'toastCopyNeedsPrivacy' : 'toastCopyFailed') })
    },
  })
}

function downloadOnce(url, token) {
  return new Promise((resolve, reject) => {
    wx.downloadFile({
      url,
      header: { Authorization: `Bearer ${token}`, 'Accept-Language': i18n.getLanguage() },
      success: resolve,
      fail: reject,
    })
  })
}

/**
 * Download a file of the API (`path` or the absolute URL the backend gave) with the token, as utils/api.js sends
 * it: a stored token, a login when there is none, one more login and try after a 401. Resolves the temp file path;
 * rejects (nothing toasted) when there is no file.
 */
async function downloadWithToken(path) {
  await getApp().loginReady
  const url = config.apiBase() + api.pathOf(path)
  if (!api.usableToken()) await api.login()
  let res = await downloadOnce(url, api.getToken())
  if (res.statusCode === 401) {
    await api.login()
    res = await downloadOnce(url, api.getToken())
  }
  if (res.statusCode !== 200 || !res.tempFilePath) throw new Error(`download failed: HTTP ${res.statusCode}`)
  return res.tempFilePath
}

/** wx.openDocument as a promise (the type comes from the file: PDF, OFD, …; the menu lets it be forwarded). */
function openDocument(filePath) {
  return new Promise((resolve, reject) => {
    wx.openDocument({ filePath, showMenu: true, success: resolve, fail: reject })
  })
}

module.exports = {
  CONFIRM_TIMEOUT_MS,
  ORDERS_PATH,
  PAGE_FAPIAO,
  PAGE_ORDER,
  PAGE_RECEIPT,
  PAGE_SHARED,
  POLL_DELAYS_MS,
  copy,
  downloadWithToken,
  journalName,
  openDocument,
  orderIdOf,
  orderPath,
  orderRow,
  orderView,
  payAndConfirm,
  plainYuan,
  pollUntilPaid,
  shareMessage,
  sharedPath,
  statusTheme,
}
