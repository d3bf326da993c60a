// In-memory stand-in for the backend's payments API (the shapes of the payments API document, issue 10), layered on
// helpers/fake-backend.js (auth, /me, notifications, alert consent): orders and their detail, paying (POST …/pay
// answers wx.requestPayment parameters; the scripted wx.requestPayment answers as the test says, and a paid order
// turns "paid" only after `paidAfterPolls` GETs, like the backend hearing WeChat Pay's notification a moment later),
// vouchers, institutional coverage, share links and the payer's page, receipts and their printable link, fapiao
// requests with the server's checks, and the fapiao file for wx.downloadFile. Someone else's order is 404. Labels and
// messages follow Accept-Language like the real backend.
const { createBackend, RESEARCHER_ID } = require('./fake-backend')

const OTHER_RESEARCHER_ID = 99
const STATUS_LABELS = {
  'zh-hans': { created: '待支付', paying: '支付中', paid: '已支付', closed: '已关闭', refunded: '已退款', partially_refunded: '部分退款' },
  en: { created: 'To pay', paying: 'Paying', paid: 'Paid', closed: 'Closed', refunded: 'Refunded', partially_refunded: 'Partly refunded' },
}
const KIND_LABELS = { 'zh-hans': { apc: '文章处理费', page_charge: '版面费' }, en: { apc: 'Article processing charge', page_charge: 'Page charge' } }
const FAPIAO_LABELS = { 'zh-hans': { requested: '待开具', issued: '已开具', rejected: '未开具' }, en: { requested: 'Requested', issued: 'Issued', rejected: 'Rejected' } }
const MESSAGES = {
  'zh-hans': {
    not_found: '未找到。',
    voucher_invalid: '优惠码无效或已过期。',
    order_paid: '这个订单已经支付。',
    order_closed: '这个订单已关闭。',
    order_expired: '这个订单已过期。',
    upstream_unavailable: '微信支付暂时不可用，请稍后再试。',
    coverage_pending: '已有一个待机构确认的申请。',
    order_not_paid: '订单尚未支付。',
    fapiao_exists: '这个订单已有发票申请。',
    tax_id: '统一社会信用代码的校验位不正确。',
    invalid: '请检查填写的内容。',
  },
  en: {
    not_found: 'Not found.',
    voucher_invalid: 'This voucher is invalid or has expired.',
    order_paid: 'This order is already paid.',
    order_closed: 'This order is closed.',
    order_expired: 'This order has expired.',
    upstream_unavailable: 'WeChat Pay is unavailable. Please try again later.',
    coverage_pending: 'A request is already waiting for the institution.',
    order_not_paid: 'This order is not paid yet.',
    fapiao_exists: 'This order already has a fapiao request.',
    tax_id: 'The check character of this unified social credit code is wrong.',
    invalid: 'Please check what you entered.',
  },
}
const PAYABLE = ['created', 'paying']
const LIST_ONLY = ['researcher_id', 'payer_id', 'expired', 'coverage', 'coverage_offers', 'bank_transfer', 'refunds', 'share']

// The backend's own USCC check (GB 32100-2015), written independently of src/utils/uscc.js.
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY'
function serverUsccValid(code) {
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(code)) return false
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  const sum = weights.reduce((total, weight, index) => total + USCC_CHARS.indexOf(code[index]) * weight, 0)
  return USCC_CHARS[(31 - (sum % 31)) % 31] === code[17]
}

/** An order as the backend stores it (owner `researcher_id`; `payer_id` when someone else paid). */
function makeOrder(overrides = {}) {
  return Object.assign({
    id: 12,
    researcher_id: RESEARCHER_ID,
    payer_id: null,
    kind: 'apc',
    status: 'created',
    amount_fen: 250000,
    original_amount_fen: 250000,
    discount_fen: 0,
    refunded_fen: 0,
    currency: 'CNY',
    title: 'Coral bleaching under repeated heatwaves',
    journal: { id: 12, key: 'ame', name: 'Annals of Marine Ecology' },
    manuscript: 34,
    out_trade_no: 'SL202512010012',
    created_at: '2025-12-01T02:00:00Z',
    expires_at: '2025-12-31T15:59:59Z',
    expired: false,
    paid_at: null,
    transaction_id: '',
    payer: null,
    settled_by: '',
    voucher: null,
    coverage: null,
    coverage_offers: [],
    bank_transfer: { account_name: '示范出版社有限公司', bank_name: '中国银行北京海淀支行', account_number: '3401 2345 6789 0001', reference: 'SLT12X7Q', amount_fen: 250000 },
    refunds: [],
    share: null,
  }, overrides)
}

/**
 * createPaymentsBackend({ orders, vouchers, payAnswer, paidAfterPolls, payDown, fapiao, fapiaoFiles, authorName, …the
 * options of createBackend }) -> { state, respond, install(wx), base }.
 * payAnswer: what WeChat's cashier answers ('ok' | 'cancel' | 'fail'); paidAfterPolls: GETs of the order after a
 * WeChat success before it says "paid" (Infinity: never); fapiao: order id -> the stored fapiao request.
 */
function createPaymentsBackend({ orders = [makeOrder()], vouchers = { WELCOME50: 5000 }, payAnswer = 'ok', paidAfterPolls = 1, payDown = false, fapiao = {}, authorName = 'Ada Lovelace', ...baseOptions } = {}) {
  const researcher = Object.assign({ display_name: authorName }, baseOptions.researcher)
  const base = createBackend(Object.assign({}, baseOptions, { researcher, orders: [] }))
  const state = {
    orders: orders.map((order) => makeOrder(order)),
    vouchers,
    payAnswer,
    paidAfterPolls,
    payDown,
    fapiao: Object.assign({}, fapiao), // order id -> request
    prepays: {}, // prepay id -> order id
    confirmIn: {}, // order id -> GETs left before "paid"
    polls: 0, // GETs of one order (or shared order) after WeChat said ok
    payRequests: [], // paths of POST …/pay
    shares: {}, // token -> order id (live)
    nextShare: 1,
    receiptLinks: 0,
    fapiaoBodies: [],
    nextFapiao: 5,
  }

  state.orders.forEach((order) => { if (order.share) state.shares[order.share.token] = order.id })

  const lang = (call) => (call.header['Accept-Language'] === 'en' ? 'en' : 'zh-hans')
  const error = (call, statusCode, code, fields) => ({ statusCode, data: { code, message: MESSAGES[lang(call)][code], fields: fields || {} } })
  const ok = (data, statusCode = 200) => ({ statusCode, data })
  const bearer = (call) => String(call.header.Authorization || '').replace(/^Bearer /, '')
  const canPay = (order) => PAYABLE.includes(order.status) && !order.expired
  const visible = (order) => order.researcher_id === RESEARCHER_ID || order.payer_id === RESEARCHER_ID

  function orderOut(call, order, { detail = true } = {}) {
    const out = Object.assign({}, order, {
      kind_label: KIND_LABELS[lang(call)][order.kind] || order.kind,
      status_label: STATUS_LABELS[lang(call)][order.status],
      role: order.researcher_id === RESEARCHER_ID ? 'author' : 'payer',
      can_pay: canPay(order),
    })
    if (detail && out.role === 'payer') out.share = null
    if (!detail) LIST_ONLY.forEach((key) => delete out[key])
    delete out.researcher_id
    delete out.payer_id
    delete out.expired
    return out
  }

  function sharedOut(call, order) {
    return {
      id: order.id,
      kind: order.kind,
      kind_label: KIND_LABELS[lang(call)][order.kind],
      amount_fen: order.amount_fen,
      status: order.status,
      title: order.title,
      journal: order.journal,
      author: { display_name: authorName },
      expires_at: order.share ? order.share.expires_at : order.expires_at,
      can_pay: canPay(order),
    }
  }

  function fapiaoOut(call, request) {
    return Object.assign({}, request, { status_label: FAPIAO_LABELS[lang(call)][request.status] })
  }

  /** A GET of the order after WeChat said ok: the notification arrives after `paidAfterPolls` of them. */
  function observe(order) {
    if (!(order.id in state.confirmIn)) return
    state.polls += 1
    state.confirmIn[order.id] -= 1
    if (state.confirmIn[order.id] <= 0) {
      delete state.confirmIn[order.id]
      Object.assign(order, { status: 'paid', paid_at: '2025-12-02T06:30:00Z', transaction_id: '4200001234202512020001', settled_by: 'wechat_pay', share: null })
    }
  }

  function payParams(order) {
    if (state.payDown) return null
    const prepay = `wx0212${order.id}${state.payRequests.length}`
    state.prepays[prepay] = order.id
    return { timeStamp: '1733300000', nonceStr: `nonce-${prepay}`, package: `prepay_id=${prepay}`, signType: 'RSA', paySign: `sign-${prepay}` }
  }

  function pay(call, order) {
    state.payRequests.push(call.path)
    if (order.status === 'paid') return error(call, 409, 'order_paid')
    if (order.status === 'closed') return error(call, 409, 'order_closed')
    if (order.expired) return error(call, 409, 'order_expired')
    const params = payParams(order)
    if (!params) return error(call, 503, 'upstream_unavailable')
    order.status = 'paying'
    return ok(params)
  }

  function orderAction(call, order, action) {
    const body = call.data || {}
    if (action === '' && call.method === 'GET') {
      observe(order)
      return ok(orderOut(call, order))
    }
    if (action === 'pay' && call.method === 'POST') return pay(call, order)
    if (action === 'voucher' && call.method === 'POST') {
      const discount = state.vouchers[String(body.code || '').trim().toUpperCase()]
      if (!discount) return error(call, 400, 'invalid', { code: [MESSAGES[lang(call)].voucher_invalid] })
      Object.assign(order, { voucher: { code: body.code, discount_fen: discount }, discount_fen: discount, amount_fen: order.original_amount_fen - discount })
      if (order.bank_transfer) order.bank_transfer.amount_fen = order.amount_fen
      return ok(orderOut(call, order, { detail: false }))
    }
    if (action === 'coverage' && call.method === 'POST') {
      if (order.coverage && order.coverage.status === 'requested') return error(call, 409, 'coverage_pending')
      const offer = order.coverage_offers.find((candidate) => candidate.agreement === body.agreement)
      if (!offer) return error(call, 400, 'invalid', { agreement: [MESSAGES[lang(call)].invalid] })
      order.coverage = { id: 41, status: 'requested', institution: offer.institution, reason: '' }
      return ok(Object.assign({}, order.coverage), 201)
    }
    if (action === 'share' && call.method === 'POST') {
      if (!order.share) {
        order.share = { token: `shr-${order.id}-${state.nextShare}`, expires_at: '2025-12-09T02:00:00Z' }
        state.nextShare += 1
        state.shares[order.share.token] = order.id
      }
      return ok(Object.assign({}, order.share), 201)
    }
    if (action === 'share' && call.method === 'DELETE') {
      if (order.share) delete state.shares[order.share.token]
      order.share = null
      return { statusCode: 204, data: '' }
    }
    if (action === 'receipt' && call.method === 'GET') {
      if (!['paid', 'partially_refunded', 'refunded'].includes(order.status)) return error(call, 409, 'order_not_paid')
      return ok({
        receipt_no: `R2025-${String(order.id).padStart(6, '0')}`,
        order: order.id,
        out_trade_no: order.out_trade_no,
        transaction_id: order.transaction_id,
        paid_at: order.paid_at,
        amount_fen: order.amount_fen,
        currency: 'CNY',
        description: `${KIND_LABELS[lang(call)][order.kind]}：${order.title}`,
        journal: order.journal ? order.journal.name : '',
        payer: { name: order.payer ? order.payer.display_name : authorName },
        author: { display_name: authorName },
        seller: { name: '示范出版社有限公司', tax_id: '91350100M000100Y43', address: '北京市海淀区示范路 1 号' },
        settled_by: order.settled_by,
        refunded_fen: order.refunded_fen,
      })
    }
    if (action === 'receipt/link' && call.method === 'POST') {
      state.receiptLinks += 1
      return ok({ url: `https://api.publisher.example/receipts/${order.id}?sig=s${state.receiptLinks}`, expires_at: '2025-12-02T07:00:00Z' }, 201)
    }
    if (action === 'fapiao' && call.method === 'GET') {
      const request = state.fapiao[order.id]
      return request ? ok(fapiaoOut(call, request)) : error(call, 404, 'not_found')
    }
    if (action === 'fapiao' && call.method === 'POST') {
      state.fapiaoBodies.push(body)
      const existing = state.fapiao[order.id]
      if (existing && existing.status !== 'rejected') return error(call, 409, 'fapiao_exists')
      if (order.status !== 'paid') return error(call, 409, 'order_not_paid')
      const fields = {}
      if (body.kind === 'company' && !serverUsccValid(String(body.tax_id || ''))) fields.tax_id = [MESSAGES[lang(call)].tax_id]
      if (String(body.email || '').endsWith('@bounce.example')) fields.email = ['这个邮箱无法接收邮件。']
      if (Object.keys(fields).length) return error(call, 400, 'invalid', fields)
      const request = { id: state.nextFapiao, kind: body.kind, title: body.title, tax_id: body.tax_id || '', email: body.email, status: 'requested', reject_reason: '', file_url: null, created_at: '2025-12-02T08:00:00Z' }
      state.nextFapiao += 1
      state.fapiao[order.id] = request
      return ok(fapiaoOut(call, request), 201)
    }
    return null
  }

  function sharedAction(call, token, action) {
    const order = state.orders.find((candidate) => candidate.id === state.shares[token])
    if (!order) return error(call, 404, 'not_found')
    if (action === '' && call.method === 'GET') {
      observe(order)
      return ok(sharedOut(call, order))
    }
    if (action === 'pay' && call.method === 'POST') return pay(call, order)
    return null
  }

  function respond(wireCall) {
    const call = Object.assign({}, wireCall, { method: wireCall.logicalMethod || wireCall.method })
    const path = call.path
    if (!path.startsWith('/api/v1/orders') && !path.startsWith('/api/v1/fapiao')) return base.respond(wireCall)
    if (!base.state.tokens.has(bearer(call))) return base.respond(wireCall) // 401 as the base answers it
    if (path === '/api/v1/orders' && call.method === 'GET') {
      const listed = state.orders.filter(visible).sort((a, b) => (Number(canPay(b)) - Number(canPay(a))) || String(b.created_at).localeCompare(String(a.created_at)))
      base.state.orders = listed.map((order) => orderOut(call, order, { detail: false }))
      return base.respond(wireCall)
    }
    const shared = path.match(/^\/api\/v1\/orders\/shared\/([^/]+)(?:\/(pay))?$/)
    if (shared) return sharedAction(call, decodeURIComponent(shared[1]), shared[2] || '') || error(call, 405, 'not_found')
    const match = path.match(/^\/api\/v1\/orders\/(\d+)(?:\/([a-z/]+))?$/)
    if (match) {
      const order = state.orders.find((candidate) => candidate.id === Number(match[1]))
      if (!order || !visible(order)) return error(call, 404, 'not_found')
      return orderAction(call, order, match[2] || '') || error(call, 405, 'not_found')
    }
    return error(call, 404, 'not_found')
  }

  /** wx.requestPayment (WeChat's cashier), wx.downloadFile (for /api/v1/fapiao/{id}/file) and wx.openDocument. */
  function install(wx) {
    wx.requestPayment = jest.fn((options = {}) => {
      const prepay = String(options.package || '').replace(/^prepay_id=/, '')
      const orderId = state.prepays[prepay]
      setTimeout(() => {
        const complete = (res) => { if (options.complete) options.complete(res) }
        if (orderId === undefined || !options.paySign) {
          const res = { errMsg: 'requestPayment:fail invalid prepay' }
          if (options.fail) options.fail(res)
          return complete(res)
        }
        if (state.payAnswer === 'ok') {
          state.confirmIn[orderId] = state.paidAfterPolls
          const res = { errMsg: 'requestPayment:ok' }
          if (options.success) options.success(res)
          return complete(res)
        }
        const res = { errMsg: state.payAnswer === 'cancel' ? 'requestPayment:fail cancel' : 'requestPayment:fail system error' }
        if (options.fail) options.fail(res)
        return complete(res)
      }, 0)
    })
    wx.downloadFile = jest.fn((options = {}) => {
      setTimeout(() => {
        const url = new URL(options.url)
        const token = String((options.header || {}).Authorization || '').replace(/^Bearer /, '')
        const match = url.pathname.match(/^\/api\/v1\/fapiao\/(\d+)\/file$/)
        const request = match && Object.values(state.fapiao).find((candidate) => candidate.id === Number(match[1]) && candidate.file_url)
        let res
        if (!base.state.tokens.has(token)) res = { statusCode: 401, tempFilePath: 'wxfile://tmp/401.json', errMsg: 'downloadFile:ok' }
        else if (!request) res = { statusCode: 404, tempFilePath: 'wxfile://tmp/404.json', errMsg: 'downloadFile:ok' }
        else res = { statusCode: 200, tempFilePath: `wxfile://tmp/fapiao-${request.id}.pdf`, errMsg: 'downloadFile:ok' }
        if (options.success) options.success(res)
        if (options.complete) options.complete(res)
      }, 0)
      return { abort() {} }
    })
    wx.openDocument = jest.fn((options = {}) => {
      setTimeout(() => {
        const res = { errMsg: 'openDocument:ok' }
        if (options.success) options.success(res)
        if (options.complete) options.complete(res)
      }, 0)
    })
    return wx
  }

  return { base, state, respond, install, MESSAGES }
}

module.exports = { createPaymentsBackend, makeOrder, OTHER_RESEARCHER_ID, STATUS_LABELS }
