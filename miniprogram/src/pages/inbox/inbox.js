const api = require('../../utils/api')
const i18n = require('../../utils/i18n')
const inbox = require('../../utils/inbox')
const { formatRelative } = require('../../utils/format')

const FILTERS = ['all', 'unread']

/** The backend's notice -> one row of the list (texts in the current language; title and body come localized). */
function noticeRow(notice) {
  return {
    id: notice.id,
    kind: notice.kind,
    icon: inbox.kindIcon(notice.kind),
    title: notice.title,
    body: notice.body || '',
    time: formatRelative(notice.created_at, i18n.t),
    unread: !notice.is_read,
  }
}

/** A later page can repeat a notice when new ones arrived meanwhile: keep its first appearance. */
function withoutDuplicates(notices) {
  const seen = new Set()
  return notices.filter((notice) => !seen.has(notice.id) && seen.add(notice.id))
}

Page({
  data: {
    t: {},
    signedOut: false,
    filter: 'all', // all | unread (FILTERS)
    filterOptions: [],
    state: 'idle', // idle (signed out, nothing asked yet) | loading | ready | error
    items: [], // [noticeRow], newest first
    unreadCount: 0, // from the badge refresh: what the list was loaded (or last changed) with
    canMarkAll: false,
    unreadText: '', // "3 条未读"
    markingAll: false,
    hasMore: false,
    loadingMore: false,
    pagesLoaded: 0,
  },

  // Every notice loaded so far for the current filter, in the backend's order, and where the next page is.
  notices: [],
  nextPath: '',
  loadedLanguage: '', // reload in another language: relative times are ours, and the backend may localize titles
  listGeneration: 0, // a newer first-page load (or a filter switch) makes answers of older loads stale

  onShow() {
    this.render()
    return this.refresh()
  },

  render() {
    const unreadShown = this.notices.some((notice) => !notice.is_read)
    this.setData({
      t: i18n.strings(),
      signedOut: api.isSignedOut(),
      filterOptions: FILTERS.map((value) => ({ value, label: i18n.t(value === 'all' ? 'inboxFilterAll' : 'inboxFilterUnread') })),
      items: this.notices.map(noticeRow),
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
      this.clearList()
      inbox.refreshBadge()
      this.render()
      return
    }
    if (reloadList || this.listNeedsReload()) {
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

  listNeedsReload() {
    return ['idle', 'error'].includes(this.data.state) || this.loadedLanguage !== i18n.getLanguage()
  },

  clearList() {
    this.listGeneration += 1
    this.notices = []
    this.nextPath = ''
    this.setData({ state: 'idle', unreadCount: 0, hasMore: false, loadingMore: false, pagesLoaded: 0, markingAll: false })
  },

  /** First page of the current filter; the list shown stays until the answer replaces it. */
  async loadFirstPage() {
    this.listGeneration += 1
    const generation = this.listGeneration
    const language = i18n.getLanguage()
    if (!this.notices.length) this.setData({ state: 'loading' })
    try {
      const body = await api.request(inbox.listPath({ unread: this.data.filter === 'unread' }))
      if (generation !== this.listGeneration) return
      this.notices = withoutDuplicates((body && body.results) || [])
      inbox.remember(this.notices)
      this.nextPath = body && body.next ? api.pathOf(body.next) : ''
      this.loadedLanguage = language
      this.setData({ state: 'ready', hasMore: Boolean(this.nextPath), loadingMore: false, pagesLoaded: 1 })
      this.render()
    } catch (err) {
      // api.request already told the researcher; keep what is shown, or offer to try again.
      if (generation === this.listGeneration && !this.notices.length) this.setData({ state: 'error' })
    }
  },

  /** The next page (the backend's `next`), appended. */
  async loadMore() {
    if (!this.nextPath || this.data.loadingMore || this.data.state !== 'ready') return
    const generation = this.listGeneration
    this.setData({ loadingMore: true })
    try {
      const body = await api.request(this.nextPath)
      if (generation !== this.listGeneration) return
      const more = (body && body.results) || []
      inbox.remember(more)
      this.notices = withoutDuplicates(this.notices.concat(more))
      this.nextPath = body && body.next ? api.pathOf(body.next) : ''
      this.setData({ hasMore: Boolean(this.nextPath), pagesLoaded: this.data.pagesLoaded + 1 })
      this.render()
    } catch (err) {
      // Toast shown; the next reach-bottom tries the same page again.
    } finally {
      if (generation === this.listGeneration) this.setData({ loadingMore: false })
    }
  },

  onReachBottom() {
    return this.loadMore()
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
    this.notices = []
    this.nextPath = ''
    this.setData({ filter, hasMore: false, loadingMore: false, pagesLoaded: 0 })
    this.render()
    return this.loadFirstPage()
  },

  noticeById(id) {
    return this.notices.find((notice) => String(notice.id) === String(id))
  },

  /** Put `replacement` in the place of notice `id`, or drop it when there is none. */
  replaceNotice(id, replacement) {
    this.notices = this.notices
      .map((notice) => (String(notice.id) === String(id) ? replacement : notice))
      .filter(Boolean)
  },

  /**
   * Open the notice (its deep link, or its full text) and mark it read: the dot goes at once, the backend is told
   * in the background (an unread notice stays in the Unread list until the next reload, so rows do not jump).
   */
  async onNoticeTap(event) {
    const notice = this.noticeById(event.currentTarget.dataset.id)
    if (!notice) return
    const read = inbox.asRead(notice)
    inbox.remember(read) // the detail page shows it without asking again
    if (!notice.is_read) {
      this.replaceNotice(notice.id, read)
      this.render()
    }
    const opening = inbox.openNotice(notice)
    if (!notice.is_read) await this.markRead(notice)
    await opening
  },

  async markRead(notice) {
    try {
      const { notice: updated, unreadCount } = await inbox.markRead(notice.id)
      this.replaceNotice(notice.id, updated)
      if (unreadCount !== null) this.setData({ unreadCount })
    } catch (err) {
      if (err.statusCode === 404) {
        this.replaceNotice(notice.id, null) // not (or no longer) the researcher's
      } else {
        this.replaceNotice(notice.id, notice) // still unread: the dot comes back
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
        this.listGeneration += 1 // a page still on its way lists notices that are read now
        this.notices = []
        this.nextPath = ''
        this.setData({ hasMore: false, loadingMore: false, pagesLoaded: 1 })
      } else {
        this.notices = this.notices.map(inbox.asRead)
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
