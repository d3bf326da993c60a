const api = require('../../utils/api')
const campaigns = require('../../utils/campaigns')
const features = require('../../utils/features')
const i18n = require('../../utils/i18n')
const inbox = require('../../utils/inbox')
const status = require('../../utils/status')
const { PagedList } = require('../../utils/paged-list')
const { daysUntil, formatDate, formatRelative } = require('../../utils/format')
const { formatYuan } = require('../../utils/money')

// The backend lists what waits on the researcher (`action_required`) first, soonest due date first, when asked
// (`order=action_first`; its default is newest activity first), so the "需要您处理" group is complete from the
// first page on (more of it, if any, comes with the next pages).
const MANUSCRIPTS_PATH = '/api/v1/manuscripts?order=action_first'
const ACCOUNTS_PATH = '/api/v1/journal-accounts'
const INBOX_PREVIEW_SIZE = 3 // the newest unread notices shown on the home page
const SKELETON_ROWS = 3
// The orders block: the first orders of GET /api/v1/orders (unpaid first, as the backend sorts them); those still
// to pay are shown, the rest is in packages/payments/orders.
const ORDERS_PREVIEW_PATH = `${features.ORDERS_PATH}?page_size=3`
const ORDERS_PAGE = '/packages/payments/orders'
const ORDER_PAGE = '/packages/payments/order'

// What the manuscripts section says when the API answered that there are none, by why (an i18n key each).
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

/**
 * The due date as the researcher reads it, and how urgent: 'overdue' after it, 'soon' within three days, else ''.
 * No due date (or none readable): no text.
 */
function dueOf(manuscript) {
  const days = manuscript.action_required ? daysUntil(manuscript.due_date) : null
  if (days === null) return { dueText: '', dueState: '' }
  const date = manuscript.due_date
  if (days < 0) return { dueText: i18n.t('manuscriptOverdue', { days: -days, date }), dueState: 'overdue' }
  if (days === 0) return { dueText: i18n.t('manuscriptDueToday'), dueState: 'soon' }
  if (days === 1) return { dueText: i18n.t('manuscriptDueTomorrow', { date }), dueState: 'soon' }
  return { dueText: i18n.t('manuscriptDueIn', { days, date }), dueState: days <= 3 ? 'soon' : '' }
}

function manuscriptRow(manuscript) {
  const date = formatDate(manuscript.last_activity_at)
  const statusLabel = manuscript.status_label || manuscript.status
  const actionNeeded = manuscript.action_required ? manuscript.action_needed || '' : ''
  const due = dueOf(manuscript)
  return {
    id: manuscript.id,
    title: manuscript.title,
    journal: (manuscript.journal && manuscript.journal.name) || '',
    status: manuscript.status,
    statusLabel,
    lastActivity: date ? i18n.t('manuscriptLastActivity', { date }) : '',
    number: manuscript.manuscript_number || '',
    daysInStatus: Number.isInteger(manuscript.days_in_status)
      ? i18n.t('manuscriptDaysInStatus', { days: manuscript.days_in_status }) : '',
    actionNeeded,
    dueText: due.dueText,
    dueState: due.dueState,
    a11yLabel: [i18n.t('a11yManuscript', { title: manuscript.title, status: statusLabel }), actionNeeded, due.dueText]
      .filter(Boolean).join(', '),
  }
}

/** The groups shown, from the pages loaded so far, "action required" first (utils/status.js). */
function manuscriptGroups(loaded) {
  return status.groupManuscripts(loaded)
    .map((group) => Object.assign({}, group, { items: group.items.map(manuscriptRow) }))
}

/** An unread notice -> one row of the inbox preview. */
function noticeRow(notice) {
  return {
    id: notice.id,
    title: notice.title,
    body: notice.body || '',
    time: formatRelative(notice.created_at, i18n.t),
    a11yLabel: i18n.t('a11yUnreadNotice', { title: notice.title }),
  }
}

/** An order still to pay -> one row of the orders block. */
function orderDueRow(order) {
  const amount = formatYuan(order.amount_fen)
  return {
    id: order.id,
    title: order.title,
    journal: (order.journal && order.journal.name) || '',
    kindLabel: order.kind_label || '',
    amount,
    a11yLabel: i18n.t('a11yOrderDue', { title: order.title, amount }),
  }
}

/** A campaign card -> what the home page shows (utils/campaigns.js). */
function campaignCardRow(card) {
  return {
    id: card.id,
    title: card.title,
    body: card.body || '',
    a11yLabel: i18n.t('a11yCampaignCard', { title: card.title }),
    dismissLabel: i18n.t('a11yDismissCampaignCard', { title: card.title }),
  }
}

// What the inbox preview says when it shows no notice, by its state (an i18n key each).
const INBOX_EMPTY_TEXT_KEYS = {
  idle: 'inboxPreviewSignedOut', // signed out
  ready: 'emptyInboxUnread', // nothing unread
  error: 'inboxLoadFailed',
}

Page({
  data: {
    t: {},
    greeting: '',
    signedOut: false,
    signedOutText: '',
    listState: 'loading', // loading | ready | error | idle (signed out: nothing asked)
    skeletonRows: SKELETON_ROWS,
    groups: [], // [{ key, titleKey, items: [row] }] in utils/status.js GROUPS order
    emptyKind: '', // see EMPTY_TEXT_KEYS, when the API answered with no manuscripts
    emptyTextKey: '',
    pendingAccountId: null,
    hasMore: false,
    loadingMore: false,
    pagesLoaded: 0,
    inboxState: 'loading', // loading | ready | error | idle (signed out)
    inboxPreview: [], // [noticeRow], the newest unread first
    inboxEmptyTextKey: INBOX_EMPTY_TEXT_KEYS.ready,
    showOrders: false, // payments exist (utils/features.js)
    ordersState: 'loading', // loading | ready | error
    ordersDue: [], // [orderDueRow]
    hasOrders: false, // the researcher has any order at all
    campaignCards: [], // [campaignCardRow]; none (or not loaded, or signed out): no section at all
  },

  list: null, // PagedList of every manuscript, in the backend's order (action required first, then last activity)
  unreadNotices: [], // the backend's notices of the inbox preview
  inboxGeneration: 0,
  unreadCount: null, // the badge's count when the list was last loaded: a move means news, so the list reloads
  cards: [], // the backend's campaign cards, live ones, as last loaded (minus those dismissed since)
  cardsGeneration: 0,

  onLoad() {
    this.list = new PagedList({ state: 'loading', onChange: () => this.render() })
  },

  onShow() {
    this.render()
    return this.refresh()
  },

  /** Texts from the current language and the researcher we know of (shared through app.globalData). */
  render() {
    const researcher = getApp().globalData.researcher
    const name = researcher && researcher.display_name ? String(researcher.display_name).trim() : ''
    const signedOut = api.isSignedOut()
    const inboxState = signedOut ? 'idle' : this.data.inboxState
    const listView = this.list.view()
    this.setData({
      t: i18n.strings(),
      greeting: name ? i18n.t('homeGreeting', { name }) : i18n.t('homeGreetingFallback'),
      signedOut,
      signedOutText: i18n.t(api.declinedPrivacy() ? 'homePrivacyDeclined' : 'homeSignedOut'),
      listState: signedOut ? 'idle' : listView.state,
      hasMore: listView.hasMore,
      loadingMore: listView.loadingMore,
      pagesLoaded: listView.pagesLoaded,
      groups: signedOut ? [] : manuscriptGroups(this.list.items),
      inboxPreview: signedOut ? [] : this.unreadNotices.map(noticeRow),
      inboxEmptyTextKey: INBOX_EMPTY_TEXT_KEYS[inboxState] || INBOX_EMPTY_TEXT_KEYS.ready,
      campaignCards: signedOut ? [] : this.cards.filter((card) => campaigns.isLive(card)).map(campaignCardRow),
    })
    i18n.applyChrome('titleHome')
  },

  /**
   * The researcher, the inbox preview and badge, the orders switch, and, when needed (or asked), the manuscripts.
   * The list reloads when it is stale (an account synced, linked or unlinked elsewhere) and when the unread count
   * moved since it was loaded: news about a manuscript arrives as a notice.
   */
  async refresh({ reloadList = false } = {}) {
    const app = getApp()
    await app.loginReady
    if (api.isSignedOut()) {
      this.list.clear()
      this.unreadCount = null
      this.clearInboxPreview()
      this.cardsGeneration += 1
      this.cards = []
      this.setData({ showOrders: false })
      inbox.refreshBadge() // signed out: no badge, nothing asked
      this.render()
      return
    }
    const reload = reloadList || this.listNeedsReload()
    const [count] = await Promise.all([
      inbox.refreshBadge(),
      this.loadResearcher(),
      reload ? this.loadManuscripts() : null,
      this.loadInboxPreview(),
      this.loadOrdersSwitch(),
      this.loadCampaignCards(),
    ])
    const moved = count !== null && this.unreadCount !== null && count !== this.unreadCount
    if (count !== null) this.unreadCount = count
    if (moved && !reload) await this.loadManuscripts()
    this.render()
  },

  async loadResearcher() {
    const app = getApp()
    try {
      const researcher = await api.request('/api/v1/me')
      app.globalData.researcher = researcher
      i18n.setLanguage(researcher.language)
      // A new privacy policy while the token stayed valid: the notice shows again (not awaited: it waits for a tap).
      if (researcher.privacy_consent_required) api.recordPolicyConsent(researcher)
    } catch (err) {
      // api.request already told the researcher; keep showing what we had.
    }
  },

  /** Whether payments exist, and then the orders block: what is still to pay (quietly: it is a preview). */
  async loadOrdersSwitch() {
    const showOrders = await features.paymentsEnabled()
    this.setData({ showOrders })
    if (!showOrders) return
    try {
      const body = await api.request(ORDERS_PREVIEW_PATH, { toast: false })
      const orders = (body && body.results) || []
      this.setData({
        ordersState: 'ready',
        ordersDue: orders.filter((order) => order.can_pay).map(orderDueRow),
        hasOrders: orders.length > 0,
      })
    } catch (err) {
      if (this.data.ordersState !== 'ready') this.setData({ ordersState: 'error' })
    }
  },

  /** Publisher news as cards, asked on every show; quiet: on an error the cards shown stay (none: no section). */
  async loadCampaignCards() {
    this.cardsGeneration += 1
    const generation = this.cardsGeneration
    try {
      const cards = await campaigns.loadCards()
      if (generation !== this.cardsGeneration) return
      this.cards = cards
    } catch (err) {
      // Nothing to tell: the section is an extra, and stays as it was.
    }
    this.render()
  },

  cardOf(event) {
    return this.cards.find((card) => String(card.id) === String(event.currentTarget.dataset.id)) || null
  },

  /**
   * Open a card's page; the campaign is reported opened on the way (fire-and-forget: the navigation neither waits
   * for it nor fails with it). The card stays until dismissed or expired.
   */
  async onCampaignTap(event) {
    const card = this.cardOf(event)
    if (!card) return false
    campaigns.reportOpened(card.campaign)
    const opened = await inbox.followLink(card.page)
    if (!opened && card.page) wx.showToast({ icon: 'none', title: i18n.t('campaignCannotOpen') })
    return opened
  },

  /** Dismiss a card: it goes at once; if the backend refuses, it comes back (api.request toasts why). */
  async onCampaignDismiss(event) {
    const card = this.cardOf(event)
    if (!card) return
    this.cards = this.cards.filter((candidate) => candidate !== card)
    this.render()
    try {
      await campaigns.dismissCard(card.id)
    } catch (err) {
      if (!this.cards.some((candidate) => String(candidate.id) === String(card.id))) this.cards = [card].concat(this.cards)
      this.render()
    }
  },

  onOpenOrders() {
    wx.navigateTo({ url: ORDERS_PAGE })
  },

  onOrderTap(event) {
    wx.navigateTo({ url: `${ORDER_PAGE}?id=${event.currentTarget.dataset.id}` })
  },

  listNeedsReload() {
    return this.list.needsReload() || Boolean(getApp().globalData.manuscriptsStale)
  },

  /**
   * First page of manuscripts (what needs the researcher comes first); when the API says there are none at all, the
   * linked accounts tell which empty state to show.
   */
  async loadManuscripts() {
    const applied = await this.list.loadFirst(MANUSCRIPTS_PATH, {
      prepare: async (body) => {
        const none = !((body && body.results) || []).length
        const accounts = none ? await api.requestAllPages(ACCOUNTS_PATH) : null
        return { empty: none ? emptyKindOf(accounts) : { emptyKind: '', pendingAccountId: null } }
      },
    })
    if (!applied) return
    const { empty } = applied.prepared
    getApp().globalData.manuscriptsStale = false
    this.setData({ emptyKind: empty.emptyKind, emptyTextKey: EMPTY_TEXT_KEYS[empty.emptyKind] || '', pendingAccountId: empty.pendingAccountId })
    this.render()
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
    if (this.data.inboxState === 'idle') this.setData({ inboxState: 'loading' })
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
      const { unreadCount } = await inbox.markRead(notice.id)
      if (unreadCount !== null) this.unreadCount = unreadCount // read here: not news
    } catch (err) {
      inbox.remember(notice) // still unread; the next onShow lists it again
    }
    await opening
  },

  onSeeAllInbox() {
    wx.switchTab({ url: `/${inbox.INBOX_PAGE}` })
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
