// The receipt of a paid order (?id=N): GET /api/v1/orders/{id}/receipt (409 order_not_paid before payment, 404 for
// someone else's order). A Mini Program cannot open arbitrary web pages, so "print / open in a browser" asks for a
// signed link to the printable page (POST …/receipt/link -> { url, expires_at }, 15 minutes, no login needed) and
// copies it, saying where to paste it.
const api = require('../../utils/api')
const i18n = require('../../utils/i18n')
const { formatYuan } = require('../../utils/money')
const { formatDateTime } = require('../../utils/format')
const payments = require('./payments')
const texts = require('./texts')

const SETTLED_BY_KEYS = { wechat_pay: 'settledWechatPay', agreement: 'settledAgreement', bank_transfer: 'settledBankTransfer', waived: 'settledWaived' }

function receiptView(receipt) {
  const seller = receipt.seller || {}
  const lines = [
    { key: 'description', label: texts.t('receiptDescription'), value: receipt.description },
    { key: 'journal', label: i18n.t('fieldJournal'), value: payments.journalName(receipt.journal) },
    { key: 'author', label: texts.t('fieldAuthor'), value: receipt.author && receipt.author.display_name },
    { key: 'payer', label: texts.t('fieldPayer'), value: receipt.payer && receipt.payer.name },
    { key: 'paid-at', label: texts.t('fieldPaidAt'), value: formatDateTime(receipt.paid_at) },
    { key: 'settled-by', label: texts.t('fieldSettledBy'), value: SETTLED_BY_KEYS[receipt.settled_by] ? texts.t(SETTLED_BY_KEYS[receipt.settled_by]) : '' },
    { key: 'out-trade-no', label: texts.t('receiptOutTradeNo'), value: receipt.out_trade_no },
    { key: 'transaction-id', label: texts.t('fieldTransactionId'), value: receipt.transaction_id },
    { key: 'refunded', label: texts.t('fieldRefunded'), value: Number(receipt.refunded_fen) > 0 ? formatYuan(receipt.refunded_fen) : '' },
    { key: 'seller-tax-id', label: texts.t('receiptSellerTaxId'), value: seller.tax_id },
    { key: 'seller-address', label: texts.t('receiptSellerAddress'), value: seller.address },
  ]
  return {
    receiptNo: receipt.receipt_no || '',
    seller: seller.name || '',
    amount: formatYuan(receipt.amount_fen),
    lines: lines.filter((line) => line.value),
  }
}

Page({
  data: {
    t: {},
    state: 'loading', // loading | ready | not_paid | not_found | error
    receipt: null,
    linking: false,
  },

  orderId: '',
  loaded: null,

  onLoad(query) {
    this.orderId = payments.orderIdOf(query)
    this.render()
    return this.load()
  },

  onShow() {
    this.render()
  },

  render() {
    this.setData({ t: texts.strings(), receipt: this.loaded ? receiptView(this.loaded) : null })
    texts.setTitle('titleReceipt')
  },

  async load() {
    if (!this.orderId) {
      this.setData({ state: 'not_found' })
      return
    }
    this.setData({ state: 'loading' })
    await getApp().loginReady
    try {
      this.loaded = await api.request(`${payments.orderPath(this.orderId)}/receipt`, { toast: false })
      this.setData({ state: 'ready' })
      this.render()
    } catch (err) {
      if (err.statusCode === 409) this.setData({ state: 'not_paid' })
      else if (err.statusCode === 404) this.setData({ state: 'not_found' })
      else {
        api.showError(err)
        this.setData({ state: 'error' })
      }
    }
  },

  onRetry() {
    return this.load()
  },

  /** A fresh printable link each time (it expires in 15 minutes), copied, with where to open it. */
  async onPrint() {
    if (this.data.linking) return
    this.setData({ linking: true })
    try {
      const link = await api.request(`${payments.orderPath(this.orderId)}/receipt/link`, { method: 'POST' })
      await new Promise((/** @type {(value?: any) => void} */ resolve) => {
        wx.setClipboardData({
          data: String(link.url),
          success: () => {
            wx.showModal({ title: texts.t('receiptLinkTitle'), content: texts.t('receiptLinkHint'), showCancel: false, confirmText: texts.t('actionGotIt'), complete: resolve })
          },
          fail: (res) => {
            const refused = /privacy permission is not authorized/i.test((res && res.errMsg) || '')
            wx.showToast({ icon: 'none', title: i18n.t(refused ? 'toastCopyNeedsPrivacy' : 'toastCopyFailed') })
            resolve()
          },
        })
      })
    } catch (err) {
      // Toasted by api.request.
    } finally {
      this.setData({ linking: false })
    }
  },
})
