const api = require('../../utils/api')
const i18n = require('../../utils/i18n')
const inbox = require('../../utils/inbox')
const { PagedList } = require('../../utils/paged-list')
const { formatRelative } = require('../../utils/format')

const FILTERS = ['all', 'unread']

/** The backend's notice -> one row of the list (texts in the current language; title and body come localized). */
function noticeRow(notice) {
  const unread = !notice.is_read
  return {
    id: notice.id,
    kind: notice.kind,
    icon: inbox.kindIcon(notice.kind),
    title: notice.title,
    body: notice.body || '',
    time: formatRelative(notice.created_at, i18n.t),
    unread,
    a11yLabel: i18n.t(unread ? 'a11yUnreadNotice' : 'a11yNotice', { title: notice.title }),
  }
}

Page({
  data: {
    t: {},
    signedOut: false,
    signedOutText: '',
    filter: 'all', // all | unread (FILTERS)
    filterOptions: [],
    state: 'loading', // loading | ready | error | idle (signed out, nothing asked)
    items: [], // [noticeRow], newest first
    unreadCount: 0, // from the badge refresh: what the list was loaded (or last changed) with
    canMarkAll: false,
    unreadText: '', // "3 条未读"
    markingAll: false,
    hasMore: false,
    loadingMore: false,
    pagesLoaded: 0,
  },

  list: null, // PagedList of the current filter's notices, in the backend's order

  onLoad() {
    this.list = new PagedList({ state: 'loading', onChange: () => this.render(), onItems: (notices) => inbox.remember(notices) })
  },

  onShow() {
    this.render()
    return this.refresh()
  },

  render() {
    const notices = this.list.items
    const unreadShown = notices.some((notice) => !notice.is_read)
    const listView = this.list.view()
    this.setData({
      t: i18n.strings(),
      signedOut: api.isSignedOut(),
      signedOutText: i18n.t(api.declinedPrivacy() ? 'homePrivacyDeclined' : 'homeSignedOut'),
      filterOptions: FILTERS.map((value) => ({ value, label: i18n.t(value === 'all' ? 'inboxFilterAll' : 'inboxFilterUnread') })),
      state: listView.state,
      hasMore: listView.hasMore,
      loadingMore: listView.loadingMore,
      pagesLoaded: listView.pagesLoaded,
      items: notices.map(noticeRow),
      canMarkAll: this.data.unreadCount > 0 || unreadShown,
      unreadText: this.data.unreadCount > 0 ? i18n.t('inboxUnreadCount', { count: this.data.unreadCount }) : '',
    })
    i18n.applyChrome('titleInbox')
  },

  /**
   * The badge and, when needed (or asked), the first page. Coming back to the tab keeps the list (and how far it
   * was scrolled) unless the unread count moved: a new notice arrived, or one was read elsewhere (home preview).
   */
  async refresh({ reloadList = false } = {}) {
    await getApp().loginReady
    if (api.isSignedOut()) {
      this.setData({ unreadCount: 0, markingAll: false })
      this.list.clear()
      inbox.refreshBadge()
      this.render()
      return
    }
    if (reloadList || this.list.needsReload()) {
      const [count] = await Promise.all([inbox.refreshBadge(), this.loadFirstPage()])
      if (count !== null) this.setData({ unreadCount: count })
    } else {
      const count = await inbox.refreshBadge()
      if (count !== null && count !== this.data.unreadCount) {
        this.setData({ unreadCount: count })
        await this.loadFirstPage()
      }
    }
    this.render()
  },

  /** First page of the current filter; the list shown stays until the answer replaces it. */
  loadFirstPage() {
    return this.list.loadFirst(inbox.listPath({ unread: this.data.filter === 'unread' }))
  },

  onReachBottom() {
    return this.list.loadMore()
  },

  async onPullDownRefresh() {
    try {
      await this.refresh({ reloadList: true })
    } finally {
      wx.stopPullDownRefresh()
    }
  },

  onRetry() {
    return this.refresh({ reloadList: true })
  },

  /** All / Unread: a different list, loaded from its first page. */
  onFilterChange(event) {
    const filter = event.detail.value
    if (!FILTERS.includes(filter) || filter === this.data.filter) return undefined
    this.setData({ filter })
    this.list.clear('loading')
    return this.loadFirstPage()
  },

  /**
   * Open the notice (its deep link, or its full text) and mark it read: the dot goes at once, the backend is told
   * in the background (an unread notice stays in the Unread list until the next reload, so rows do not jump).
   */
  async onNoticeTap(event) {
    const notice = this.list.find(event.currentTarget.dataset.id)
    if (!notice) return
    const read = inbox.asRead(notice)
    inbox.remember(read) // the detail page shows it without asking again
    if (!notice.is_read) {
      this.list.replace(notice.id, read)
      this.render()
    }
    const opening = inbox.openNotice(notice)
    if (!notice.is_read) await this.markRead(notice)
    await opening
  },

  async markRead(notice) {
    try {
      const { notice: updated, unreadCount } = await inbox.markRead(notice.id)
      this.list.replace(notice.id, updated)
      if (unreadCount !== null) this.setData({ unreadCount })
    } catch (err) {
      if (err.statusCode === 404) {
        this.list.replace(notice.id, null) // not (or no longer) the researcher's
      } else {
        this.list.replace(notice.id, notice) // still unread: the dot comes back
        inbox.remember(notice)
      }
    }
    this.render()
  },

  async onMarkAllRead() {
    if (this.data.markingAll || !this.data.canMarkAll) return
    this.setData({ markingAll: true })
    try {
      const { unreadCount } = await inbox.markAllRead()
      if (this.data.filter === 'unread') {
        this.list.empty() // a page still on its way lists notices that are read now
      } else {
        this.list.items = this.list.items.map(inbox.asRead)
      }
      this.setData({ unreadCount: unreadCount === null ? 0 : unreadCount })
      this.render()
      wx.showToast({ icon: 'none', title: i18n.t('toastAllRead') })
    } catch (err) {
      // api.request already told the researcher; nothing changed.
    } finally {
      this.setData({ markingAll: false })
    }
  },

  async onLogin() {
    await getApp().signIn()
    return this.refresh({ reloadList: true })
  },
})
