const fs = require('fs')
const path = require('path')
const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend } = require('../helpers/fake-backend')
const { resetApp, waitFor } = require('../helpers/page')

const APP_JSON = JSON.parse(fs.readFileSync(path.join(__dirname, '../../src/app.json'), 'utf8'))

/** A fresh utils/inbox (its in-flight badge request is module state) over a fake backend, signed in. */
function loadInbox({ notifications = [], storage = { token: 'token-1' }, respond } = {}) {
  jest.resetModules()
  resetApp()
  const backend = createBackend({ notifications })
  backend.state.tokens.add('token-1')
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, storage })
  return { inbox: require('../../src/utils/inbox'), backend }
}

const countCalls = () => wx.requests.filter((call) => call.path === '/api/v1/notifications/unread-count')
const unread = (count) => Array.from({ length: count }, (unused, index) => ({ id: index + 1 }))

test('the tab pages are app.json\'s tabBar, in order, each with a title, and the inbox is the second', () => {
  const { inbox } = loadInbox()
  const i18n = require('../../src/utils/i18n')
  expect(inbox.TAB_PAGES).toEqual(APP_JSON.tabBar.list.map((item) => item.pagePath))
  expect(i18n.TAB_BAR_KEYS).toHaveLength(inbox.TAB_PAGES.length)
  expect(inbox.INBOX_TAB_INDEX).toBe(1)
  expect(APP_JSON.pages).toEqual(expect.arrayContaining([inbox.INBOX_PAGE, inbox.DETAIL_PAGE]))
})

test.each([
  [0, ''], [-1, ''], [undefined, ''], [1, '1'], [5, '5'], [99, '99'], [100, '99+'], [120, '99+'],
])('badgeText(%p) is %p', (count, text) => {
  expect(loadInbox().inbox.badgeText(count)).toBe(text)
})

test('applyBadge sets the text on the Inbox tab, or removes the badge at 0', () => {
  const { inbox } = loadInbox()
  inbox.applyBadge(5)
  expect(wx.setTabBarBadge).toHaveBeenLastCalledWith(expect.objectContaining({ index: 1, text: '5' }))
  inbox.applyBadge(120)
  expect(wx.setTabBarBadge).toHaveBeenLastCalledWith(expect.objectContaining({ index: 1, text: '99+' }))
  inbox.applyBadge(0)
  expect(wx.removeTabBarBadge).toHaveBeenLastCalledWith(expect.objectContaining({ index: 1 }))
  expect(wx.tabBarBadges[1]).toBeUndefined()
})

test('refreshBadge asks the count once for concurrent callers; `fresh` asks again', async () => {
  const { inbox, backend } = loadInbox({ notifications: unread(3) })
  const counts = await Promise.all([inbox.refreshBadge(), inbox.refreshBadge()])
  expect(counts).toEqual([3, 3])
  expect(countCalls()).toHaveLength(1)
  expect(wx.tabBarBadges[1]).toBe('3')

  backend.state.notifications[0].read_at = '2025-11-25T00:00:00Z'
  await expect(inbox.refreshBadge({ fresh: true })).resolves.toBe(2)
  expect(countCalls()).toHaveLength(2)
  expect(wx.tabBarBadges[1]).toBe('2')
})

test('an older answer of the count never overwrites a newer one', async () => {
  const answers = [] // resolve functions of the unread-count requests, in the order they were sent
  const { inbox } = loadInbox({
    respond: (real) => (call) => (call.path.endsWith('/unread-count') ? new Promise((resolve) => answers.push(resolve)) : real(call)),
  })
  const older = inbox.refreshBadge()
  const newer = inbox.refreshBadge({ fresh: true }) // e.g. right after a notice was read
  // Both requests are sent before either is answered (waited for, not timed: a loaded machine is slower).
  await waitFor(() => answers.length === 2, 'both count requests to be sent')
  answers[1]({ statusCode: 200, data: { count: 2 } })
  await newer
  answers[0]({ statusCode: 200, data: { count: 3 } })
  await expect(older).resolves.toBe(3)
  expect(wx.tabBarBadges[1]).toBe('2')
})

test('refreshBadge when signed out removes the badge and asks nothing', async () => {
  const { inbox } = loadInbox({ storage: { signed_out: true } })
  await expect(inbox.refreshBadge()).resolves.toBe(0)
  expect(wx.requests).toHaveLength(0)
  expect(wx.removeTabBarBadge).toHaveBeenCalledWith(expect.objectContaining({ index: 1 }))
})

test('refreshBadge failing resolves null, leaves the badge and shows no toast', async () => {
  const { inbox } = loadInbox({ respond: () => () => NETWORK_FAILURE })
  await expect(inbox.refreshBadge()).resolves.toBeNull()
  expect(wx.setTabBarBadge).not.toHaveBeenCalled()
  expect(wx.removeTabBarBadge).not.toHaveBeenCalled()
  expect(toastTitles()).toEqual([])
})

test('markRead returns the notice and the new count; a 404 rejects without a toast', async () => {
  const { inbox } = loadInbox({ notifications: unread(2).concat([{ id: 9, researcher_id: 8 }]) })
  const { notice, unreadCount } = await inbox.markRead(2)
  expect(notice).toEqual(expect.objectContaining({ id: 2, is_read: true }))
  expect(unreadCount).toBe(1)
  expect(inbox.remembered(2)).toEqual(notice)
  await expect(inbox.markRead(9)).rejects.toMatchObject({ statusCode: 404 })
  expect(toastTitles()).toEqual([])
})

test('markAllRead marks every remembered notice read and clears the badge', async () => {
  const { inbox } = loadInbox({ notifications: unread(3) })
  inbox.remember([{ id: 1, is_read: false, read_at: null }, { id: 2, is_read: false, read_at: null }])
  await expect(inbox.markAllRead()).resolves.toEqual({ marked: 3, unreadCount: 0 })
  expect(inbox.remembered(1).is_read).toBe(true)
  expect(wx.tabBarBadges[1]).toBeUndefined()
})

test('deepLink: relative pages become absolute urls; tab pages lose their query; nothing is null', () => {
  const { inbox } = loadInbox()
  expect(inbox.deepLink('pages/manuscript/detail?id=7')).toEqual({ url: '/pages/manuscript/detail?id=7', tab: false })
  expect(inbox.deepLink('/pages/accounts/list')).toEqual({ url: '/pages/accounts/list', tab: false })
  expect(inbox.deepLink('pages/home/home')).toEqual({ url: '/pages/home/home', tab: true })
  expect(inbox.deepLink('pages/inbox/inbox?filter=unread')).toEqual({ url: '/pages/inbox/inbox', tab: true })
  expect(inbox.deepLink('')).toBeNull()
  expect(inbox.deepLink(null)).toBeNull()
  expect(inbox.deepLink('  ')).toBeNull()
})

test('listPath: all, unread only, and a page size', () => {
  const { inbox } = loadInbox()
  expect(inbox.listPath()).toBe('/api/v1/notifications')
  expect(inbox.listPath({ unread: true })).toBe('/api/v1/notifications?unread=true')
  expect(inbox.listPath({ unread: true, pageSize: 3 })).toBe('/api/v1/notifications?unread=true&page_size=3')
})

test('every kind has an icon; an unknown kind gets the bell', () => {
  const { inbox } = loadInbox()
  const kinds = ['status_changed', 'payment_due', 'payment_received', 'refund_done', 'campaign', 'account_linked']
  kinds.forEach((kind) => expect(inbox.kindIcon(kind)).toBe(inbox.KIND_ICONS[kind]))
  expect(inbox.kindIcon('something_new')).toBe('notification')
})

test('remember keeps the last 500 notices', () => {
  const { inbox } = loadInbox()
  inbox.remember(Array.from({ length: 501 }, (unused, index) => ({ id: index + 1 })))
  expect(inbox.remembered(1)).toBeNull()
  expect(inbox.remembered(2)).toEqual({ id: 2 })
  expect(inbox.remembered('501')).toEqual({ id: 501 })
})
