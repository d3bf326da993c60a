// The payer's page (?token=…), opened from the share card an author sent ("发给代付人" on the order page), often as
// the first page of the app. GET /api/v1/orders/shared/{token} shows who asks, the journal, the charge and the amount;
// Pay: POST …/shared/{token}/pay -> wx.requestPayment -> GET …/shared/{token} until "paid" (payments.payAndConfirm)
// -> success. 404 (unknown, revoked or expired token): "link expired or revoked". Paying needs the payer's own
// WeChat identity, so a signed-out payer logs in first.
const api = require('../../utils/api')
const { formatYuan } = require('../../utils/money')
const { formatDateTime } = require('../../utils/format')
const payments = require('./payments')
const texts = require('./texts')

function sharedView(order) {
  const author = (order.author && order.author.display_name) || texts.t('shareNameFallback')
  return {
    id: order.id,
    title: order.title,
    journal: payments.journalName(order.journal),
    kindLabel: order.kind_label || '',
    amount: formatYuan(order.amount_fen),
    status: order.status,
    payable: Boolean(order.can_pay),
    author,
    intro: texts.t('sharedIntro', { name: author }),
    expiresAt: formatDateTime(order.expires_at),
  }
}

Page({
  data: {
    t: {},
    state: 'loading', // loading | ready | expired | error | signed_out
    order: null,
    payLabel: '',
    pay: 'idle', // idle | starting | confirming | slow | paid
    refreshing: false,
  },

  token: '',
  loaded: null,
  closed: false,

  onLoad(query) {
    this.token = String((query && query.token) || '').trim()
    this.render()
    return this.load()
  },

  onShow() {
    this.render()
  },

  onUnload() {
    this.closed = true
  },

  render() {
    const order = this.loaded ? sharedView(this.loaded) : null
    this.setData({ t: texts.strings(), order, payLabel: order ? texts.t('actionPay', { amount: order.amount }) : '' })
    texts.setTitle('titleShared')
  },

  show(order) {
    this.loaded = order
    this.setData({ state: 'ready' })
    this.render()
  },

  path() {
    return payments.sharedPath(this.token)
  },

  async load() {
    if (!this.token) {
      this.setData({ state: 'expired' })
      return
    }
    if (!this.loaded) this.setData({ state: 'loading' })
    await getApp().loginReady
    if (api.isSignedOut()) {
      this.setData({ state: 'signed_out' })
      return
    }
    try {
      this.show(await api.request(this.path(), { toast: false }))
    } catch (err) {
      if (err.statusCode === 404) {
        this.loaded = null
        this.setData({ state: 'expired' })
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

  async onLogin() {
    await getApp().signIn()
    return this.load()
  },

  async onPay() {
    if (this.data.pay !== 'idle' || !this.loaded || !this.loaded.can_pay) return
    this.setData({ pay: 'starting' })
    try {
      const result = await payments.payAndConfirm({
        payPath: `${this.path()}/pay`,
        statusPath: this.path(),
        onConfirming: () => this.setData({ pay: 'confirming' }),
        stopped: () => this.closed,
      })
      if (result.order) this.show(result.order)
      if (result.outcome === 'cancelled') this.setData({ pay: 'idle' })
      else this.setData({ pay: result.outcome === 'paid' ? 'paid' : 'slow' })
    } catch (err) {
      this.setData({ pay: 'idle' })
      if (err.statusCode === 404) {
        this.loaded = null
        this.setData({ state: 'expired' })
        this.render()
        return
      }
      api.showError(err)
      if (err.statusCode === 409) await this.load()
    }
  },

  async onRefreshPayment() {
    if (this.data.refreshing) return
    this.setData({ refreshing: true })
    try {
      const order = await api.request(this.path())
      this.show(order)
      if (order.status === 'paid') this.setData({ pay: 'paid' })
      else if (!order.can_pay) this.setData({ pay: 'idle' })
    } catch (err) {
      // Toasted; the page still says it is being confirmed.
    } finally {
      this.setData({ refreshing: false })
    }
  },
})
