// The researcher's inbox (GET /api/v1/notifications and friends) as every page needs it: the unread badge of the
// Inbox tab, marking notices read, and opening what a notice is about.
//
// Badge: GET /api/v1/notifications/unread-count -> wx.setTabBarBadge on the Inbox tab ("99+" above 99), or
// wx.removeTabBarBadge at 0 and when signed out. Refreshed when the app shows and after login (app.js), on the
// home and inbox tabs' onShow, and after every read / read-all. Refreshes for "showing" share one request in
// flight; a refresh after a change (`fresh`) always asks again, and an older answer never overwrites a newer one.
//
// Opening a notice: its `page` is a Mini Program page + query, relative to the root
// ("pages/manuscript/detail?id=7"). Tab pages open with wx.switchTab (which takes no query), others with
// wx.navigateTo. A notice without a page, or whose page this build cannot open (a newer backend may link to a
// page we do not have yet), opens pages/inbox/detail?id=, which shows its full text.
//
// Following a link inside the app (inbox.followLink: a notice, the notice page, a home card) also reports a campaign
// it carries (`campaign=<id>` in its query) as opened: see utils/campaigns.js.
//
// The backend has no "GET one notice": POST …/{id}/read (idempotent) answers with it. Notices seen in a list are
// remembered in app.globalData.notices (shared by every page), so the detail page shows them without asking again.

const api = require('./api')
const campaigns = require('./campaigns')
const { TAB_PAGES, tabIndex } = require('./tabs')

const NOTIFICATIONS_PATH = '/api/v1/notifications'
const INBOX_PAGE = 'pages/inbox/inbox'
const INBOX_TAB_INDEX = tabIndex(INBOX_PAGE)
const DETAIL_PAGE = 'pages/inbox/detail'
const BADGE_MAX = 99
const REMEMBERED_MAX = 500

// Notice kind -> TDesign icon of its row; a kind this build does not know gets the bell.
const KIND_ICONS = {
  status_changed: 'file',
  payment_due: 'wallet',
  payment_received: 'check-circle',
  refund_done: 'rollback',
  campaign: 'notification',
  account_linked: 'link',
  editorial_reply: 'chat', // a reply of an editorial office (its page: packages/editorial/thread?id=)
}
const DEFAULT_ICON = 'notification'

function kindIcon(kind) {
  return Object.prototype.hasOwnProperty.call(KIND_ICONS, kind) ? KIND_ICONS[kind] : DEFAULT_ICON
}

/** 0 -> '' (no badge), 5 -> '5', 120 -> '99+'. */
function badgeText(count) {
  const number = Math.floor(Number(count) || 0)
  if (number <= 0) return ''
  return number > BADGE_MAX ? `${BADGE_MAX}+` : String(number)
}

function ignoreFailure() {
  // No tab bar on screen yet (e.g. during launch): the next tab page's onShow sets the badge again.
}

function applyBadge(count) {
  const text = badgeText(count)
  if (text) wx.setTabBarBadge({ index: INBOX_TAB_INDEX, text, fail: ignoreFailure })
  else wx.removeTabBarBadge({ index: INBOX_TAB_INDEX, fail: ignoreFailure })
}

let badgeInFlight = null
let badgeGeneration = 0

/**
 * Ask for the unread count and show it on the Inbox tab. Resolves with the count (0 when signed out, nothing
 * asked), or null when it could not be fetched (the badge stays as it was). Never rejects, never toasts: the badge
 * is a background detail, the page being shown reports its own errors.
 * @param {{fresh?: boolean}} [options] fresh: after a change, do not join a request that started before it
 * @returns {Promise<number|null>}
 */
function refreshBadge({ fresh = false } = {}) {
  if (api.isSignedOut()) {
    badgeGeneration += 1 // an answer still on its way is from before the logout
    applyBadge(0)
    return Promise.resolve(0)
  }
  if (badgeInFlight && !fresh) return badgeInFlight
  badgeGeneration += 1
  const generation = badgeGeneration
  const request = api.request(`${NOTIFICATIONS_PATH}/unread-count`, { toast: false }).then(
    (body) => {
      const count = Math.max(0, Number(body && body.count) || 0)
      if (generation === badgeGeneration) applyBadge(count)
      return count
    },
    () => null,
  )
  badgeInFlight = request
  request.then(() => { if (badgeInFlight === request) badgeInFlight = null })
  return request
}

/** The first page of the list: every notice, or only unread ones (`unread=false` would mean "read only"). */
function listPath({ unread = false, pageSize = 0 } = {}) {
  const query = []
  if (unread) query.push('unread=true')
  if (pageSize) query.push(`page_size=${pageSize}`)
  return query.length ? `${NOTIFICATIONS_PATH}?${query.join('&')}` : NOTIFICATIONS_PATH
}

/** id -> notice, oldest first (a Map keeps insertion order). */
function rememberedNotices() {
  const globalData = getApp().globalData
  if (!(globalData.notices instanceof Map)) globalData.notices = new Map()
  return globalData.notices
}

/** Keep notices as last seen (in a list, or as marked read here), for the detail page. */
function remember(notices) {
  const known = rememberedNotices()
  ;(Array.isArray(notices) ? notices : [notices]).forEach((notice) => {
    if (!notice || notice.id === undefined || notice.id === null) return
    known.delete(String(notice.id))
    known.set(String(notice.id), notice)
  })
  while (known.size > REMEMBERED_MAX) known.delete(known.keys().next().value)
}

/** The notice last seen with this id, or null. */
function remembered(id) {
  return rememberedNotices().get(String(id)) || null
}

/** The notice as it is after being read here (before the backend confirms it). */
function asRead(notice) {
  return notice.is_read ? notice : Object.assign({}, notice, { is_read: true, read_at: new Date().toISOString() })
}

/**
 * POST …/{id}/read (idempotent), then the badge. Resolves with the notice as the backend now has it and the unread
 * count after it (null if that could not be fetched). Rejects with the ApiError (a 404 for a notice that is not the
 * researcher's); never toasts: callers decide what a failure means.
 * @returns {Promise<{notice: any, unreadCount: number|null}>}
 */
async function markRead(id) {
  const notice = await api.request(`${NOTIFICATIONS_PATH}/${id}/read`, { method: 'POST', toast: false })
  remember(notice)
  const unreadCount = await refreshBadge({ fresh: true })
  return { notice, unreadCount }
}

/**
 * POST …/read-all, then the badge. Errors are toasted by api.request (it is an explicit action) and rejected.
 * @returns {Promise<{marked: number, unreadCount: number|null}>}
 */
async function markAllRead() {
  const body = await api.request(`${NOTIFICATIONS_PATH}/read-all`, { method: 'POST' })
  const known = rememberedNotices()
  known.forEach((notice, id) => known.set(id, asRead(notice)))
  const unreadCount = await refreshBadge({ fresh: true })
  return { marked: Number(body && body.marked) || 0, unreadCount }
}

/**
 * A notice's `page` -> where to go: 'pages/manuscript/detail?id=7' -> { url: '/pages/manuscript/detail?id=7',
 * tab: false }; a tab page -> its path alone (switchTab takes no query), tab: true; nothing -> null.
 * @returns {{url: string, tab: boolean}|null}
 */
function deepLink(page) {
  const target = String(page || '').trim().replace(/^\/+/, '')
  if (!target) return null
  const path = target.split('?')[0]
  if (TAB_PAGES.includes(path)) return { url: `/${path}`, tab: true }
  return { url: `/${target}`, tab: false }
}

/** Open a deep link; resolves with whether the client could. */
function navigate(link) {
  return new Promise((resolve) => {
    const options = { url: link.url, success: () => resolve(true), fail: () => resolve(false) }
    if (link.tab) wx.switchTab(options)
    else wx.navigateTo(options)
  })
}

/**
 * Follow a `page` inside the app (reporting a campaign it carries as opened, without waiting for that); resolves
 * with whether it opened (false for no page, or one this build cannot open).
 * @returns {Promise<boolean>}
 */
function followLink(page) {
  const link = deepLink(page)
  if (!link) return Promise.resolve(false)
  campaigns.reportOpenedFrom(page) // before the query is dropped for a tab page; fire-and-forget
  return navigate(link)
}

function detailUrl(id) {
  return `/${DETAIL_PAGE}?id=${id}`
}

/** Open what the notice is about, or its full text; resolves with the url opened. */
async function openNotice(notice) {
  if (await followLink(notice.page)) return deepLink(notice.page).url
  const url = detailUrl(notice.id)
  await navigate({ url, tab: false })
  return url
}

module.exports = {
  BADGE_MAX,
  DETAIL_PAGE,
  INBOX_PAGE,
  INBOX_TAB_INDEX,
  KIND_ICONS,
  NOTIFICATIONS_PATH,
  TAB_PAGES,
  applyBadge,
  asRead,
  badgeText,
  deepLink,
  detailUrl,
  followLink,
  kindIcon,
  listPath,
  markAllRead,
  markRead,
  navigate,
  openNotice,
  refreshBadge,
  remember,
  remembered,
}
