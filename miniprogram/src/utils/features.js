// Parts of the product that depend on backend parts not built yet, switched on by the backend itself.
//
// Payments: the home page's orders block and the payment alerts (notification settings) stay hidden until the
// backend has an orders API: GET /api/v1/orders answering 200. Today it has none (404), so nothing promises
// payments the researcher cannot make. A definite answer (200, or 404/405) is kept for the app's run; a network
// error or a 5xx is asked again next time.
const api = require('./api')

const ORDERS_PATH = '/api/v1/orders'
const PAYMENT_KINDS = ['payment_due', 'payment_received', 'refund_done']

function features() {
  const globalData = getApp().globalData
  if (!globalData.features) globalData.features = {}
  return globalData.features
}

/** Resolves whether payments exist; never rejects, never toasts. Signed out: false, asking nothing. */
function paymentsEnabled() {
  const known = features()
  if (typeof known.payments === 'boolean') return Promise.resolve(known.payments)
  if (api.isSignedOut()) return Promise.resolve(false)
  if (!known.paymentsAsked) {
    known.paymentsAsked = api.request(`${ORDERS_PATH}?page_size=1`, { toast: false }).then(
      () => { known.payments = true; return true },
      (err) => {
        if ([404, 405].includes(err.statusCode)) known.payments = false
        return false
      },
    ).then((enabled) => { known.paymentsAsked = null; return enabled })
  }
  return known.paymentsAsked
}

module.exports = { ORDERS_PATH, PAYMENT_KINDS, paymentsEnabled }
