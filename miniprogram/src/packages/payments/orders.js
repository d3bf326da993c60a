// The researcher's orders: GET /api/v1/orders, paged (`next`), unpaid first as the backend sorts them, then the
// newest; orders the researcher paid for someone else are listed too (role "payer"). Pull-down refresh, the next page
// on reaching the bottom. Coming back from an order (paid, voucher used, …) reloads the list: the list shown stays
// until the answer arrives.
const { PagedList, signedInListMethods } = require('../../utils/paged-list')
const payments = require('./payments')
const texts = require('./texts')

Page({
  data: {
    t: {},
    listState: 'loading', // loading | ready | error | idle (signed out)
    orders: [],
    hasMore: false,
    loadingMore: false,
    pagesLoaded: 0,
  },

  list: null,

  onLoad() {
    this.list = new PagedList({ state: 'loading', onChange: () => this.render() })
  },

  onShow() {
    this.render()
    return this.reload()
  },

  render() {
    const view = this.list.view()
    this.setData({
      t: texts.strings(),
      listState: view.state,
      orders: this.list.items.map(payments.orderRow),
      hasMore: view.hasMore,
      loadingMore: view.loadingMore,
      pagesLoaded: view.pagesLoaded,
    })
    texts.setTitle('titleOrders')
  },

  ...signedInListMethods(payments.ORDERS_PATH),

  onOrderTap(event) {
    wx.navigateTo({ url: `${payments.PAGE_ORDER}?id=${event.currentTarget.dataset.id}` })
  },
})
