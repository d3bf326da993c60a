const api = require('../../utils/api')
const i18n = require('../../utils/i18n')
const inbox = require('../../utils/inbox')
const status = require('../../utils/status')
const { formatDate, formatRelative } = require('../../utils/format')

const MANUSCRIPTS_PATH = '/api/v1/manuscripts'
const ACCOUNTS_PATH = '/api/v1/journal-accounts'
const INBOX_PREVIEW_SIZE = 3 // the newest unread notices shown on the home page

// What the manuscripts section says when the list is empty, by why it is empty (an i18n key each).
const EMPTY_TEXT_KEYS = {
  no_accounts: 'emptyManuscripts', // nothing linked yet: the button opens the link wizard
  pending_account: 'emptyPendingAccount', // linked but the code was never entered: the button resumes it
  manual_review: 'accountManualReviewNote', // waiting for publisher staff: nothing to do
  no_manuscripts: 'emptyNoManuscripts', // verified, the platform has nothing for them yet
}

/** Why the researcher has no manuscripts, from their linked accounts. */
function emptyKindOf(accounts) {
  if (accounts.some((account) => account.status === 'verified')) return { emptyKind: 'no_manuscripts', pendingAccountId: null }
  const pending = accounts.find((account) => account.status === 'pending')
  if (pending) return { emptyKind: 'pending_account', pendingAccountId: pending.id }
  if (accounts.some((account) => account.status === 'manual_review')) return { emptyKind: 'manual_review', pendingAccountId: null }
  return { emptyKind: 'no_accounts', pendingAccountId: null }
}

/** A later page can repeat a manuscript whose activity moved it up meanwhile: keep its first appearance. */
function withoutDuplicates(manuscripts) {
  const seen = new Set()
  return manuscripts.filter((manuscript) => !seen.has(manuscript.id) && seen.add(manuscript.id))
}

function manuscriptRow(manuscript) {
  const date = formatDate(manuscript.last_activity_at)
  return {
    id: manuscript.id,
    title: manuscript.title,
    journal: (manuscript.journal && manuscript.journal.name) || '',
    status: manuscript.status,
    statusLabel: manuscript.status_label || manuscript.status,
    lastActivity: date ? i18n.t('manuscriptLastActivity', { date }) : '',
  }
}

/** An unread notice -> one row of the inbox preview. */
function noticeRow(notice) {
  return {
    id: notice.id,
    title: notice.title,
    body: notice.body || '',
    time: formatRelative(notice.created_at, i18n.t),
  }
}

// What the inbox preview says when it shows no notice, by its state (an i18n key each).
const INBOX_EMPTY_TEXT_KEYS = {
  idle: 'emptyInbox', // signed out: what will appear there
  ready: 'emptyInboxUnread', // nothing unread
  error: 'inboxLoadFailed',
}

Page({
  data: {
    t: {},
    greeting: '',
    signedOut: false,
    listState: 'idle', // idle (signed out, nothing asked yet) | loading | ready | error
    groups: [], // [{ key, titleKey, items: [row] }] in utils/status.js GROUPS order
    emptyKind: '', // see EMPTY_TEXT_KEYS, when ready with no manuscripts
    emptyTextKey: '',
    pendingAccountId: null,
    hasMore: false,
    loadingMore: false,
    pagesLoaded: 0,
    inboxState: 'idle', // idle (signed out, nothing asked yet) | ready | error
    inboxPreview: [], // [noticeRow], the newest unread first
    inboxEmptyTextKey: INBOX_EMPTY_TEXT_KEYS.idle,
  },

  // Every manuscript loaded so far, in the backend's order (last activity first), and where the next page is.
  manuscripts: [],
  nextPath: '',
  loadedLanguage: '', // labels come localized from the backend: reload when the language changed
  listGeneration: 0, // a newer first-page load makes answers of older loads (and their "load more") stale
  unreadNotices: [], // the backend's notices of the inbox preview
  inboxGeneration: 0,

  onShow() {
    this.render()
    return this.refresh()
  },

  /** Texts from the current language and the researcher we know of (shared through app.globalData). */
  render() {
    const researcher = getApp().globalData.researcher
    const name = researcher && researcher.display_name ? String(researcher.display_name).trim() : ''
    this.setData({
      t: i18n.strings(),
      greeting: name ? i18n.t('homeGreeting', { name }) : i18n.t('homeGreetingFallback'),
      signedOut: api.isSignedOut(),
      groups: status.groupManuscripts(this.manuscripts).map((group) => Object.assign({}, group, { items: group.items.map(manuscriptRow) })),
      inboxPreview: this.unreadNotices.map(noticeRow),
      inboxEmptyTextKey: INBOX_EMPTY_TEXT_KEYS[this.data.inboxState] || INBOX_EMPTY_TEXT_KEYS.idle,
    })
    i18n.applyChrome('titleHome')
  },

  /** The researcher, the inbox preview and badge, and, when needed (or asked), the first page of manuscripts. */
  async refresh({ reloadList = false } = {}) {
    const app = getApp()
    await app.loginReady
    if (api.isSignedOut()) {
      this.clearList()
      this.clearInboxPreview()
      inbox.refreshBadge() // signed out: no badge, nothing asked
      this.render()
      return
    }
    const reload = reloadList || this.listNeedsReload()
    await Promise.all([this.loadResearcher(), reload ? this.loadManuscripts() : null, this.loadInboxPreview(), inbox.refreshBadge()])
    this.render()
  },

  async loadResearcher() {
    const app = getApp()
    try {
      const researcher = await api.request('/api/v1/me')
      app.globalData.researcher = researcher
      i18n.setLanguage(researcher.language)
    } catch (err) {
      // api.request already told the researcher; keep showing what we had.
    }
  },

  /** Not loaded yet, failed last time, changed elsewhere (an account linked or unlinked), or in another language. */
  listNeedsReload() {
    return ['idle', 'error'].includes(this.data.listState) || Boolean(getApp().globalData.manuscriptsStale) ||
      this.loadedLanguage !== i18n.getLanguage()
  },

  clearList() {
    this.listGeneration += 1
    this.manuscripts = []
    this.nextPath = ''
    this.setData({ listState: 'idle', emptyKind: '', emptyTextKey: '', pendingAccountId: null, hasMore: false, loadingMore: false, pagesLoaded: 0 })
  },

  /** First page of manuscripts; when there are none, the linked accounts tell which empty state to show. */
  async loadManuscripts() {
    this.listGeneration += 1
    const generation = this.listGeneration
    const language = i18n.getLanguage()
    if (!this.manuscripts.length) this.setData({ listState: 'loading' })
    try {
      const body = await api.request(MANUSCRIPTS_PATH)
      const manuscripts = (body && body.results) || []
      const empty = manuscripts.length ? { emptyKind: '', pendingAccountId: null } : emptyKindOf(await api.requestAllPages(ACCOUNTS_PATH))
      if (generation !== this.listGeneration) return
      this.manuscripts = withoutDuplicates(manuscripts)
      this.nextPath = body.next ? api.pathOf(body.next) : ''
      this.loadedLanguage = language
      getApp().globalData.manuscriptsStale = false
      this.setData({
        listState: 'ready',
        emptyKind: empty.emptyKind,
        emptyTextKey: EMPTY_TEXT_KEYS[empty.emptyKind] || '',
        pendingAccountId: empty.pendingAccountId,
        hasMore: Boolean(this.nextPath),
        loadingMore: false,
        pagesLoaded: 1,
      })
      this.render()
    } catch (err) {
      // api.request already told the researcher; keep what is shown, or offer to try again.
      if (generation === this.listGeneration && !this.manuscripts.length) this.setData({ listState: 'error' })
    }
  },

  clearInboxPreview() {
    this.inboxGeneration += 1
    this.unreadNotices = []
    this.setData({ inboxState: 'idle' })
  },

  /** The newest unread notices, asked each time the tab shows (they are what is new). Errors are quiet: a failed
   *  /me or manuscripts load already toasts, and the badge tells the count anyway. */
  async loadInboxPreview() {
    this.inboxGeneration += 1
    const generation = this.inboxGeneration
    try {
      const body = await api.request(inbox.listPath({ unread: true, pageSize: INBOX_PREVIEW_SIZE }), { toast: false })
      if (generation !== this.inboxGeneration) return
      this.unreadNotices = ((body && body.results) || []).slice(0, INBOX_PREVIEW_SIZE)
      inbox.remember(this.unreadNotices)
      this.setData({ inboxState: 'ready' })
    } catch (err) {
      if (generation === this.inboxGeneration && !this.unreadNotices.length) this.setData({ inboxState: 'error' })
    }
    this.render()
  },

  /** Open a previewed notice and mark it read; it leaves the preview at once (the preview is unread ones only). */
  async onNoticeTap(event) {
    const notice = this.unreadNotices.find((candidate) => String(candidate.id) === String(event.currentTarget.dataset.id))
    if (!notice) return
    this.unreadNotices = this.unreadNotices.filter((candidate) => candidate !== notice)
    this.render()
    inbox.remember(inbox.asRead(notice)) // the detail page shows it without asking again
    const opening = inbox.openNotice(notice)
    try {
      await inbox.markRead(notice.id)
    } catch (err) {
      inbox.remember(notice) // still unread; the next onShow lists it again
    }
    await opening
  },

  onSeeAllInbox() {
    wx.switchTab({ url: `/${inbox.INBOX_PAGE}` })
  },

  /** The next page (the backend's `next`), appended; the groups are rebuilt from everything loaded. */
  async loadMore() {
    if (!this.nextPath || this.data.loadingMore || this.data.listState !== 'ready') return
    const generation = this.listGeneration
    this.setData({ loadingMore: true })
    try {
      const body = await api.request(this.nextPath)
      if (generation !== this.listGeneration) return
      this.manuscripts = withoutDuplicates(this.manuscripts.concat((body && body.results) || []))
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

  onManuscriptTap(event) {
    wx.navigateTo({ url: `/pages/manuscript/detail?id=${event.currentTarget.dataset.id}` })
  },

  onLinkAccount() {
    const accountId = this.data.emptyKind === 'pending_account' ? this.data.pendingAccountId : null
    wx.navigateTo({ url: accountId ? `/pages/accounts/link?account=${accountId}` : '/pages/accounts/link' })
  },

  async onLogin() {
    await getApp().signIn()
    return this.refresh({ reloadList: true })
  },
})
