const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend, makeNotification } = require('../helpers/fake-backend')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const INBOX_TAB = 1
const ago = (minutes) => new Date(Date.now() - minutes * 60 * 1000 - 1000).toISOString()

// Newest first as the backend lists them: 4 is unread with a deep link, 3 unread without one, 2 read, 1 old.
function notices() {
  return [
    { id: 4, kind: 'status_changed', title: '稿件状态更新：需要修改', body: '编辑请你修改稿件《Coral bleaching》后重新提交。', page: 'pages/manuscript/detail?id=7', created_at: ago(5) },
    { id: 3, kind: 'campaign', title: '开放获取周', body: '本周内缴纳文章处理费可享 8 折优惠。\n详情请咨询编辑部。', page: '', created_at: ago(180) },
    { id: 2, kind: 'payment_received', title: '付款成功', body: '我们已收到你的文章处理费。', page: 'pages/home/home', created_at: ago(60 * 30), read_at: '2025-11-24T00:00:00Z' },
    { id: 1, kind: 'account_linked', title: '期刊账号已关联', body: '', page: 'pages/accounts/list', created_at: '2025-11-20T08:30:00Z', read_at: '2025-11-21T00:00:00Z' },
  ]
}

/** Launch the app over a fake backend, open the Inbox tab and wait for what onShow started. */
async function openInbox({ notifications = notices(), researcher, storage, respond, pageSize } = {}) {
  const backend = createBackend({ researcher, notifications, pageSize })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, storage })
  await launchApp().__shown
  const page = loadPage('pages/inbox/inbox')
  await page.instance.__shown
  return { backend, page }
}

const rowIds = (page) => page.querySelectorAll('.notice-item').map((node) => Number(node.dom.getAttribute('data-id')))
// The notice-row component of a row; its own nodes are found with its own class names.
const row = (page, id) => page.querySelector(`#notice-${id} .notice`)
const rowText = (page, id, part) => {
  const node = row(page, id).querySelector(`.notice-row__${part}`)
  return node ? node.dom.textContent.trim() : null
}
const hasDot = (page, id) => Boolean(row(page, id).querySelector('.notice-row__dot'))
const isDisabled = (page, id) => Boolean(page.querySelector(`#${id}`).querySelector('.t-button--disabled'))
const emptyText = (page) => pageState(page, '#inbox-state').text
const buttonText = (page, id) => textOf(page.querySelector(`#${id}`), '.t-button__content')
const tapButton = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const tapFilter = (page, index) => page.querySelector('#filter').querySelectorAll('.t-segmented__item')[index].dispatchEvent('tap')
const listCalls = () => wx.requests.filter((call) => call.path === '/api/v1/notifications')
const readCalls = () => wx.requests.filter((call) => call.method === 'POST' && /^\/api\/v1\/notifications\/\d+\/read$/.test(call.path))
const badge = () => wx.tabBarBadges[INBOX_TAB]

describe('the list', () => {
  test('shows every notice newest first: title, body, time, an unread dot and the kind icon', async () => {
    const { page } = await openInbox()
    expect(rowIds(page)).toEqual([4, 3, 2, 1])
    expect(rowText(page, 4, 'title')).toBe('稿件状态更新：需要修改')
    expect(rowText(page, 4, 'body')).toBe('编辑请你修改稿件《Coral bleaching》后重新提交。')
    expect(rowText(page, 4, 'time')).toBe('5 分钟前')
    expect(rowText(page, 3, 'time')).toBe('3 小时前')
    expect(rowText(page, 1, 'time')).toBe('2025-11-20 16:30') // older than a day: local date and time
    expect(rowText(page, 1, 'body')).toBeNull()
    expect([4, 3, 2, 1].map((id) => hasDot(page, id))).toEqual([true, true, false, false])
    expect(row(page, 4).querySelector('.notice-row--unread')).toBeDefined()
    expect(row(page, 2).querySelector('.notice-row--unread')).toBeUndefined()
    expect(row(page, 4).dom.innerHTML).toContain('t-icon-file')
    expect(row(page, 2).dom.innerHTML).toContain('t-icon-check-circle')
    expect(row(page, 1).dom.innerHTML).toContain('t-icon-link')
    expect(textOf(page, '#unread-count')).toBe('2 条未读')
  })

  test('asks the badge and the first page, titles the tab and sets the badge', async () => {
    await openInbox()
    expect(wx.requests.map((call) => `${call.method} ${call.path}`)).toEqual([
      'POST /api/v1/auth/login',
      'GET /api/v1/notifications/unread-count', // after login (app.js)
      'GET /api/v1/notifications/unread-count', // the inbox's own onShow
      'GET /api/v1/notifications',
    ])
    expect(listCalls()[0].url).toBe('http://127.0.0.1:8000/api/v1/notifications')
    expect(badge()).toBe('2')
    expect(wx.setTabBarBadge).toHaveBeenLastCalledWith(expect.objectContaining({ index: INBOX_TAB, text: '2' }))
    expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '消息' }))
    expect(wx.setTabBarItem).toHaveBeenCalledWith(expect.objectContaining({ index: INBOX_TAB, text: '消息' }))
  })

  test('with no notices at all it explains what will appear here', async () => {
    const { page } = await openInbox({ notifications: [] })
    expect(page.data.state).toBe('ready')
    expect(emptyText(page)).toBe('还没有消息。稿件状态变化等通知会显示在这里。')
    expect(page.querySelector('#unread-count')).toBeUndefined()
    expect(isDisabled(page, 'mark-all-button')).toBe(true)
    expect(badge()).toBeUndefined()
  })

  test('someone else\'s notices are never listed or counted', async () => {
    const { page } = await openInbox({ notifications: [{ id: 9, researcher_id: 8, title: 'Not yours' }, { id: 5, title: 'Yours' }] })
    expect(rowIds(page)).toEqual([5])
    expect(badge()).toBe('1')
  })

  test('when the list cannot be loaded it offers to try again', async () => {
    let offline = true
    const { page } = await openInbox({ respond: (real) => (call) => (offline && call.path === '/api/v1/notifications' ? NETWORK_FAILURE : real(call)) })
    expect(page.data.state).toBe('error')
    expect(pageState(page, '#inbox-state').text).toBe('消息加载失败。')
    expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
    offline = false
    pageState(page, '#inbox-state').retry()
    await waitFor(() => rowIds(page).length === 4, 'the list')
  })
})

test('unread is not told by colour alone: a dot, the word "未读" and the row\'s aria-label', async () => {
  const { page } = await openInbox()
  expect(rowText(page, 4, 'unread-label')).toBe('未读')
  expect(rowText(page, 2, 'unread-label')).toBeNull()
  // The row's aria-label="{{item.a11yLabel}}" (test/conventions.test.js checks every tappable view binds one).
  const a11y = (id) => page.data.items.find((item) => item.id === id).a11yLabel
  expect(a11y(4)).toBe('未读消息：稿件状态更新：需要修改')
  expect(a11y(2)).toBe('消息：付款成功')
})

describe('filter', () => {
  test('"Unread" lists only unread notices (unread=true), "All" everything again', async () => {
    const { page } = await openInbox()
    const labels = page.querySelector('#filter').querySelectorAll('.t-segmented__item-label').map((node) => node.dom.textContent.trim())
    expect(labels).toEqual(['全部', '未读'])

    tapFilter(page, 1)
    await waitFor(() => page.data.filter === 'unread' && page.data.state === 'ready' && listCalls().length === 2, 'the unread list')
    expect(listCalls()[1].url).toBe('http://127.0.0.1:8000/api/v1/notifications?unread=true')
    expect(rowIds(page)).toEqual([4, 3])

    tapFilter(page, 0)
    await waitFor(() => page.data.filter === 'all' && listCalls().length === 3 && rowIds(page).length === 4, 'the full list')
    expect(listCalls()[2].url).toBe('http://127.0.0.1:8000/api/v1/notifications')
  })

  test('with nothing unread the Unread filter has its own empty state', async () => {
    const { page } = await openInbox({ notifications: [{ id: 1, read_at: '2025-11-21T00:00:00Z' }] })
    await page.instance.onFilterChange({ detail: { value: 'unread' } })
    expect(emptyText(page)).toBe('没有未读消息。新的稿件状态变化等通知会显示在这里。')
  })
})

describe('pages', () => {
  const many = (count, extra = {}) => Array.from({ length: count }, (unused, index) => Object.assign({
    id: index + 1,
    title: `Notice ${index + 1}`,
    created_at: `2025-11-${String(index + 1).padStart(2, '0')}T00:00:00Z`,
  }, extra))
  const titles = (page) => rowIds(page).map((id) => rowText(page, id, 'title'))

  test('reaching the bottom follows `next` until there is none', async () => {
    const { page } = await openInbox({ notifications: many(5), pageSize: 2 })
    expect(titles(page)).toEqual(['Notice 5', 'Notice 4'])
    expect(page.querySelector('#no-more')).toBeUndefined()

    await page.instance.onReachBottom()
    expect(titles(page)).toEqual(['Notice 5', 'Notice 4', 'Notice 3', 'Notice 2'])
    expect(listCalls()[1].url).toBe('http://127.0.0.1:8000/api/v1/notifications?page=2')

    await page.instance.onReachBottom()
    expect(titles(page)).toEqual(['Notice 5', 'Notice 4', 'Notice 3', 'Notice 2', 'Notice 1'])
    expect(textOf(page, '#no-more')).toBe('没有更多了')

    await page.instance.onReachBottom()
    expect(listCalls()).toHaveLength(3)
  })

  test('the Unread filter pages with its filter kept in `next`', async () => {
    const { page } = await openInbox({ notifications: many(3), pageSize: 2 })
    await page.instance.onFilterChange({ detail: { value: 'unread' } })
    await page.instance.onReachBottom()
    expect(listCalls().map((call) => call.url.replace('http://127.0.0.1:8000', ''))).toEqual([
      '/api/v1/notifications', '/api/v1/notifications?unread=true', '/api/v1/notifications?page=2&unread=true',
    ])
    expect(titles(page)).toEqual(['Notice 3', 'Notice 2', 'Notice 1'])
  })

  test('reaching the bottom twice quickly asks once, showing "loading"', async () => {
    const { page } = await openInbox({ notifications: many(3), pageSize: 2 })
    const first = page.instance.onReachBottom()
    const second = page.instance.onReachBottom()
    expect(textOf(page, '#loading-more')).toBe('加载中…')
    await Promise.all([first, second])
    expect(listCalls()).toHaveLength(2)
    expect(titles(page)).toEqual(['Notice 3', 'Notice 2', 'Notice 1'])
  })

  test('a notice repeated on the next page (new ones arrived) is listed once', async () => {
    const { page, backend } = await openInbox({ notifications: many(3), pageSize: 2 })
    backend.state.notifications.push(makeNotification({ id: 10, title: 'Newest', created_at: '2025-11-30T00:00:00Z' }))
    await page.instance.onReachBottom() // page 2 is now [Notice 2, Notice 1]
    expect(titles(page)).toEqual(['Notice 3', 'Notice 2', 'Notice 1'])
  })
})

describe('refreshing', () => {
  test('pull-down reloads from the first page, updates the badge and stops the spinner', async () => {
    const { page, backend } = await openInbox()
    backend.state.notifications.push(makeNotification({ id: 5, title: 'Just arrived', created_at: ago(0) }))
    await page.instance.onPullDownRefresh()
    expect(rowIds(page)).toEqual([5, 4, 3, 2, 1])
    expect(rowText(page, 5, 'time')).toBe('刚刚')
    expect(badge()).toBe('3')
    expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1)
  })

  test('the spinner stops even when the reload fails, and the list stays', async () => {
    let offline = false
    const { page } = await openInbox({ respond: (real) => (call) => (offline ? NETWORK_FAILURE : real(call)) })
    offline = true
    await page.instance.onPullDownRefresh()
    expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1)
    expect(rowIds(page)).toEqual([4, 3, 2, 1])
    expect(badge()).toBe('2')
  })

  test('coming back keeps the list while the unread count is the same, and reloads it when it moved', async () => {
    const { page, backend } = await openInbox()
    await page.instance.onShow()
    expect(listCalls()).toHaveLength(1)

    backend.state.notifications.push(makeNotification({ id: 5, title: 'Arrived meanwhile', created_at: ago(1) }))
    await page.instance.onShow()
    expect(listCalls()).toHaveLength(2)
    expect(rowIds(page)).toEqual([5, 4, 3, 2, 1])
    expect(badge()).toBe('3')
  })
})

describe('mark all read', () => {
  test('marks every notice read: the dots go, the badge goes, and it says so', async () => {
    const { page, backend } = await openInbox()
    expect(buttonText(page, 'mark-all-button')).toBe('全部已读')
    expect(isDisabled(page, 'mark-all-button')).toBe(false)
    tapButton(page, 'mark-all-button')
    await waitFor(() => toastTitles().includes('已全部标为已读'), 'the toast')
    expect(wx.requests.filter((call) => call.path === '/api/v1/notifications/read-all')).toHaveLength(1)
    expect(backend.state.notifications.every((notice) => notice.read_at !== null)).toBe(true)
    expect([4, 3, 2, 1].map((id) => hasDot(page, id))).toEqual([false, false, false, false])
    expect(badge()).toBeUndefined()
    expect(wx.removeTabBarBadge).toHaveBeenLastCalledWith(expect.objectContaining({ index: INBOX_TAB }))
    expect(page.querySelector('#unread-count')).toBeUndefined()
    expect(isDisabled(page, 'mark-all-button')).toBe(true)
    expect(listCalls()).toHaveLength(1) // updated in place, not reloaded
  })

  test('in the Unread filter the list empties to the "no unread" state', async () => {
    const { page } = await openInbox()
    await page.instance.onFilterChange({ detail: { value: 'unread' } })
    expect(rowIds(page)).toEqual([4, 3])
    await page.instance.onMarkAllRead()
    expect(rowIds(page)).toEqual([])
    expect(emptyText(page)).toContain('没有未读消息')
    expect(badge()).toBeUndefined()
  })

  test('a failure is told and changes nothing', async () => {
    const { page } = await openInbox({ respond: (real) => (call) => (call.path.endsWith('/read-all') ? NETWORK_FAILURE : real(call)) })
    await page.instance.onMarkAllRead()
    expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
    expect([4, 3].map((id) => hasDot(page, id))).toEqual([true, true])
    expect(badge()).toBe('2')
    expect(page.data.markingAll).toBe(false)
  })
})

describe('tapping a notice', () => {
  test('marks it read and opens its page with navigateTo', async () => {
    const { page, backend } = await openInbox()
    const tapped = page.instance.onNoticeTap({ currentTarget: { dataset: { id: 4 } } })
    expect(hasDot(page, 4)).toBe(false) // at once, before the backend answers
    expect(badge()).toBe('2')
    await tapped
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/manuscript/detail?id=7')
    expect(wx.switchTab).not.toHaveBeenCalled()
    expect(readCalls().map((call) => call.path)).toEqual(['/api/v1/notifications/4/read'])
    expect(backend.state.notifications.find((notice) => notice.id === 4).read_at).not.toBeNull()
    expect(textOf(page, '#unread-count')).toBe('1 条未读')
  })

  test('a tab page opens with switchTab (without its query)', async () => {
    const { page } = await openInbox({ notifications: [{ id: 6, page: 'pages/me/me?from=notice' }, { id: 2, page: '/pages/home/home', read_at: '2025-11-24T00:00:00Z' }] })
    await page.instance.onNoticeTap({ currentTarget: { dataset: { id: 6 } } })
    expect(wx.switchTab.mock.calls.map(([options]) => options.url)).toEqual(['/pages/me/me'])
    expect(readCalls().map((call) => call.path)).toEqual(['/api/v1/notifications/6/read'])

    page.querySelector('#notice-2').dispatchEvent('tap') // already read: just opens
    await waitFor(() => wx.switchTab.mock.calls.length === 2, 'the second switch')
    expect(wx.switchTab.mock.calls[1][0].url).toBe('/pages/home/home')
    expect(wx.navigateTo).not.toHaveBeenCalled()
    expect(readCalls()).toHaveLength(1)
  })

  test('a notice without a page opens its full text, which shows without asking again', async () => {
    const { page } = await openInbox()
    await page.instance.onNoticeTap({ currentTarget: { dataset: { id: 3 } } })
    expect(wx.navigateTo.mock.calls.map(([options]) => options.url)).toEqual(['/pages/inbox/detail?id=3'])
    expect(readCalls().map((call) => call.path)).toEqual(['/api/v1/notifications/3/read'])
    expect(badge()).toBe('1')

    const before = wx.requests.length
    const detail = loadPage('pages/inbox/detail', { id: '3' })
    await detail.instance.__loaded
    expect(wx.requests).toHaveLength(before)
    expect(textOf(detail, '#notice-title')).toBe('开放获取周')
    expect(textOf(detail, '#notice-body')).toBe('本周内缴纳文章处理费可享 8 折优惠。\n详情请咨询编辑部。')
    expect(detail.querySelector('#open-link-button')).toBeUndefined()
  })

  test('a page this build does not have falls back to the full text', async () => {
    const { page } = await openInbox({ notifications: [{ id: 8, kind: 'payment_due', title: '待缴费用', page: 'pages/orders/detail?id=3' }] })
    await page.instance.onNoticeTap({ currentTarget: { dataset: { id: 8 } } })
    expect(wx.navigateTo.mock.calls.map(([options]) => options.url)).toEqual(['/pages/orders/detail?id=3', '/pages/inbox/detail?id=8'])
    expect(toastTitles()).toEqual([])
  })

  test('a notice that is gone (404) leaves the list quietly', async () => {
    const { page, backend } = await openInbox()
    backend.state.notifications.find((notice) => notice.id === 4).researcher_id = 99
    await page.instance.onNoticeTap({ currentTarget: { dataset: { id: 4 } } })
    expect(rowIds(page)).toEqual([3, 2, 1])
    expect(toastTitles()).toEqual([])
  })

  test('when marking read fails the dot comes back', async () => {
    const { page } = await openInbox({ respond: (real) => (call) => (call.path.endsWith('/read') ? NETWORK_FAILURE : real(call)) })
    await page.instance.onNoticeTap({ currentTarget: { dataset: { id: 4 } } })
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/manuscript/detail?id=7')
    expect(hasDot(page, 4)).toBe(true)
    expect(badge()).toBe('2')
    expect(toastTitles()).toEqual([])
  })
})

describe('the badge', () => {
  test.each([
    [0, undefined],
    [5, '5'],
    [99, '99'],
    [120, '99+'],
  ])('%i unread -> %s', async (count, text) => {
    const unread = Array.from({ length: count }, (unused, index) => ({ id: index + 1 }))
    await openInbox({ notifications: unread })
    expect(badge()).toBe(text)
    if (text) expect(wx.setTabBarBadge).toHaveBeenLastCalledWith(expect.objectContaining({ index: INBOX_TAB, text }))
    else expect(wx.removeTabBarBadge).toHaveBeenLastCalledWith(expect.objectContaining({ index: INBOX_TAB }))
  })
})

test('in English: filter, actions, times and empty states', async () => {
  const { page } = await openInbox({ researcher: { language: 'en' }, notifications: [{ id: 1, title: 'Status update', created_at: ago(12) }] })
  const labels = page.querySelector('#filter').querySelectorAll('.t-segmented__item-label').map((node) => node.dom.textContent.trim())
  expect(labels).toEqual(['All', 'Unread'])
  expect(buttonText(page, 'mark-all-button')).toBe('Mark all read')
  expect(rowText(page, 1, 'time')).toBe('12 min ago')
  expect(textOf(page, '#unread-count')).toBe('1 unread')
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: 'Inbox' }))
  expect(wx.setTabBarItem).toHaveBeenCalledWith(expect.objectContaining({ index: INBOX_TAB, text: 'Inbox' }))
  expect(listCalls()[0].header['Accept-Language']).toBe('en')

  await page.instance.onMarkAllRead()
  expect(toastTitles()).toEqual(['All marked as read'])
  await page.instance.onFilterChange({ detail: { value: 'unread' } })
  expect(emptyText(page)).toBe('No unread messages. New status changes and other notices will appear here.')
  await page.instance.onFilterChange({ detail: { value: 'all' } })
  expect(rowIds(page)).toEqual([1])
})

test('signed out: nothing is asked, the badge is removed and logging in loads the inbox', async () => {
  const { page } = await openInbox({ storage: { signed_out: true } })
  expect(wx.requests).toHaveLength(0)
  expect(badge()).toBeUndefined()
  expect(wx.removeTabBarBadge).toHaveBeenCalledWith(expect.objectContaining({ index: INBOX_TAB }))
  expect(pageState(page, '#signed-out').text).toContain('你已退出登录')
  tapButton(page, 'login-button')
  await waitFor(() => rowIds(page).length === 4 && badge() === '2', 'the inbox after login')
})
