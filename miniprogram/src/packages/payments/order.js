// One order (?id=N): GET /api/v1/orders/{id} (404 for someone else's). What can be done depends on its state:
// - payable (can_pay): pay with WeChat Pay (payments.payAndConfirm: POST …/pay, wx.requestPayment, then GET until
//   "paid"; success is shown only once the backend says paid; after ~20 s "still being confirmed" with a refresh),
//   a voucher (POST …/voucher, its field error under the input), payment by the researcher's institution (one of
//   coverage_offers -> POST …/coverage; the coverage status once asked), bank transfer details with copy buttons,
//   and a link for someone else to pay (POST …/share -> the share card opens packages/payments/shared?token=…;
//   DELETE …/share revokes it);
// - paid: when and how, the receipt and the fapiao pages; refunds when there are any.
// WeChat alerts about payments (subscribe.askAfterPaying) are asked when WeChat reports the payment: the one moment
// besides a tap when WeChat opens that popup. Notices of kinds payment_due / payment_received / refund_done open
// this page (their `page` is "packages/payments/order?id=N").
const api = require('../../utils/api')
const subscribe = require('../../utils/subscribe')
const payments = require('./payments')
const texts = require('./texts')

Page({
  data: {
    t: {},
    state: 'loading', // loading | ready | not_found | error
    order: null, // payments.orderView
    payLabel: '',
    pay: 'idle', // idle | starting | confirming | slow | paid
    refreshing: false,
    voucherCode: '',
    voucherErrors: [],
    applyingVoucher: false,
    requestingCoverage: false,
    sharing: false,
  },

  orderId: '',
  loaded: null, // the backend's order
  alertState: null, // the WeChat alert state, fetched beforehand so the popup opens right after the payment
  closed: false,

  onLoad(query) {
    this.orderId = payments.orderIdOf(query)
    this.render()
    return this.load()
  },

  onShow() {
    this.render()
  },

  onUnload() {
    this.closed = true // stops a confirmation in progress
  },

  render() {
    const order = this.loaded ? payments.orderView(this.loaded) : null
    this.setData({
      t: texts.strings(),
      order,
      payLabel: order ? texts.t('actionPay', { amount: order.amount }) : '',
    })
    texts.setTitle('titleOrder')
  },

  show(order) {
    this.loaded = order
    this.setData({ state: 'ready' })
    this.render()
  },

  path() {
    return payments.orderPath(this.orderId)
  },

  /** The order; `quiet`: a reload after an action (errors leave what is shown). */
  async load({ quiet = false } = {}) {
    if (!this.orderId) {
      this.setData({ state: 'not_found' })
      return
    }
    if (!quiet && !this.loaded) this.setData({ state: 'loading' })
    await getApp().loginReady
    try {
      const order = await api.request(this.path(), { toast: false })
      this.show(order)
      if (order.can_pay && !this.alertState) this.alertState = await subscribe.fetchState()
    } catch (err) {
      if (err.statusCode === 404) {
        this.loaded = null
        this.setData({ state: 'not_found' })
        this.render()
        return
      }
      api.showError(err)
      if (!this.loaded) this.setData({ state: 'error' })
    }
  },

  onRetry() {
    return this.load()
  },

  async onPullDownRefresh() {
    try {
      if (['idle', 'paid'].includes(this.data.pay)) await this.load({ quiet: true })
    } finally {
      wx.stopPullDownRefresh()
    }
  },

  async onPay() {
    if (this.data.pay !== 'idle' || !this.loaded || !this.loaded.can_pay) return
    this.setData({ pay: 'starting' })
    try {
      const result = await payments.payAndConfirm({
        payPath: `${this.path()}/pay`,
        statusPath: this.path(),
        onWechatOk: () => { subscribe.askAfterPaying({ state: this.alertState }) },
        onConfirming: () => this.setData({ pay: 'confirming' }),
        stopped: () => this.closed,
      })
      if (result.order) this.show(result.order)
      if (result.outcome === 'cancelled') this.setData({ pay: 'idle' })
      else this.setData({ pay: result.outcome === 'paid' ? 'paid' : 'slow' })
    } catch (err) {
      // 409: paid (e.g. by someone else meanwhile), closed or expired; 503: WeChat Pay unavailable.
      this.setData({ pay: 'idle' })
      api.showError(err)
      if (err.statusCode === 409) await this.load({ quiet: true })
    }
  },

  /** "Still being confirmed": one more look. */
  async onRefreshPayment() {
    if (this.data.refreshing) return
    this.setData({ refreshing: true })
    try {
      const order = await api.request(this.path())
      this.show(order)
      if (order.status === 'paid') this.setData({ pay: 'paid' })
      else if (!order.can_pay) this.setData({ pay: 'idle' })
    } catch (err) {
      // api.request told the researcher; the page still says it is being confirmed.
    } finally {
      this.setData({ refreshing: false })
    }
  },

  onDone() {
    this.setData({ pay: 'idle' })
  },

  onVoucherInput(event) {
    this.setData({ voucherCode: event.detail.value, voucherErrors: [] })
  },

  async onApplyVoucher() {
    if (this.data.applyingVoucher) return
    const code = String(this.data.voucherCode || '').trim()
    if (!code) {
      this.setData({ voucherErrors: [texts.t('voucherRequired')] })
      return
    }
    this.setData({ applyingVoucher: true, voucherErrors: [] })
    try {
      const order = await api.request(`${this.path()}/voucher`, { method: 'POST', data: { code }, toast: false })
      this.setData({ voucherCode: '' })
      // The answer is the order object; the detail's extras (bank transfer, coverage, …) come with a reload.
      this.show(Object.assign({}, this.loaded, order))
      wx.showToast({ icon: 'none', title: texts.t('toastVoucherApplied') })
      await this.load({ quiet: true })
    } catch (err) {
      const fieldErrors = err.fields && Array.isArray(err.fields.code) ? err.fields.code : []
      if (fieldErrors.length) this.setData({ voucherErrors: fieldErrors })
      else if (err.statusCode === 400) this.setData({ voucherErrors: [err.message] })
      else api.showError(err)
    } finally {
      this.setData({ applyingVoucher: false })
    }
  },

  async onRequestCoverage(event) {
    if (this.data.requestingCoverage) return
    const agreement = Number(event.currentTarget.dataset.agreement)
    this.setData({ requestingCoverage: true })
    try {
      const coverage = await api.request(`${this.path()}/coverage`, { method: 'POST', data: { agreement } })
      this.show(Object.assign({}, this.loaded, { coverage }))
      wx.showToast({ icon: 'none', title: texts.t('toastCoverageRequested') })
      await this.load({ quiet: true })
    } catch (err) {
      // Toasted (409: one is pending already); the reload shows it.
      if (err.statusCode === 409) await this.load({ quiet: true })
    } finally {
      this.setData({ requestingCoverage: false })
    }
  },

  onCopyBank(event) {
    const item = ((this.data.order && this.data.order.bank) || []).find((row) => row.key === event.currentTarget.dataset.key)
    if (item) payments.copy(item.copyValue, item.label)
  },

  async onCreateShare() {
    if (this.data.sharing) return
    this.setData({ sharing: true })
    try {
      const share = await api.request(`${this.path()}/share`, { method: 'POST' })
      this.show(Object.assign({}, this.loaded, { share }))
      await this.knowAuthorName()
    } catch (err) {
      // Toasted by api.request.
    } finally {
      this.setData({ sharing: false })
    }
  },

  /** The share card says who asks: the researcher's name (GET /me when the app does not know it yet). */
  async knowAuthorName() {
    const app = getApp()
    if (app.globalData.researcher) return
    try {
      app.globalData.researcher = await api.request('/api/v1/me', { toast: false })
    } catch (err) {
      // The card says "an author" instead.
    }
  },

  onRevokeShare() {
    if (this.data.sharing) return Promise.resolve()
    return new Promise((resolve) => {
      wx.showModal({
        title: texts.t('revokeConfirmTitle'),
        content: texts.t('revokeConfirmContent'),
        confirmText: texts.t('actionRevokeShare'),
        cancelText: texts.t('actionCancel'),
        success: (res) => resolve(res.confirm ? this.revokeShare() : null),
        fail: () => resolve(null),
      })
    })
  },

  async revokeShare() {
    this.setData({ sharing: true })
    try {
      await api.request(`${this.path()}/share`, { method: 'DELETE' })
      this.show(Object.assign({}, this.loaded, { share: null }))
      wx.showToast({ icon: 'none', title: texts.t('toastShareRevoked') })
    } catch (err) {
      // Toasted by api.request.
    } finally {
      this.setData({ sharing: false })
    }
  },

  /** The share card of "发给代付人" (or of the menu's 转发 while a link is live); without a link, the app's home. */
  onShareAppMessage() {
    const order = this.loaded
    if (!order || !order.share || !order.share.token) return { title: 'Scholar Link', path: '/pages/home/home' }
    const researcher = getApp().globalData.researcher
    const name = researcher && researcher.display_name ? String(researcher.display_name).trim() : ''
    return payments.shareMessage(order, order.share.token, name)
  },

  onOpenReceipt() {
    wx.navigateTo({ url: `${payments.PAGE_RECEIPT}?id=${this.orderId}` })
  },

  onOpenFapiao() {
    wx.navigateTo({ url: `${payments.PAGE_FAPIAO}?id=${this.orderId}` })
  },

  onOpenManuscript() {
    if (this.loaded && this.loaded.manuscript) wx.navigateTo({ url: `/pages/manuscript/detail?id=${this.loaded.manuscript}` })
  },
})
