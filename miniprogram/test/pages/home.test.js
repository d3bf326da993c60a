const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend, makeManuscript, makeNotification } = require('../helpers/fake-backend')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')
const status = require('../../src/utils/status')

/** Launch the app over a fake backend, open the home page and wait for what onShow started. */
async function openHome({ researcher, storage, respond, accounts, manuscripts, notifications, pageSize, orders } = {}) {
  const backend = createBackend({ researcher, accounts, manuscripts, notifications, pageSize, orders })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, storage })
  launchApp()
  const page = loadPage('pages/home/home')
  await page.instance.__shown
  return { backend, page }
}

const section = (page, id) => page.querySelector(`#${id}`)
const meCall = () => wx.requests.find((call) => call.path === '/api/v1/me')
const withoutInbox = (calls) => calls.filter((call) => !call.path.startsWith('/api/v1/notifications') && !['/api/v1/orders', '/api/v1/campaign-cards'].includes(call.path))
const sectionTitle = (page, id) => textOf(section(page, id), '.section-card__title')
const sectionEmptyText = (page, id) => textOf(section(page, id).querySelector('.section-card__empty'), '.t-empty__description')
const manuscriptsEmptyText = (page) => pageState(page, '#manuscripts-state').text

test("greets the researcher by display name, loaded from /api/v1/me after login", async () => {
  const { page } = await openHome({ researcher: { display_name: 'Ada Lovelace' } })
  expect(textOf(page, '#greeting')).toBe('你好，Ada Lovelace')
  expect(`${wx.requests[0].method} ${wx.requests[0].path}`).toBe('POST /api/v1/auth/login')
  expect(meCall().header.Authorization).toBe('Bearer token-1')
})

test('shows the latest name from /api/v1/me even if login returned an older one', async () => {
  let meCalls = 0
  const { page } = await openHome({
    researcher: { display_name: 'Old Name' },
    respond: (real) => (call) => {
      const answer = real(call)
      if (call.path === '/api/v1/me') { meCalls += 1; answer.data.display_name = 'New Name' }
      return answer
    },
  })
  expect(meCalls).toBe(1)
  expect(textOf(page, '#greeting')).toBe('你好，New Name')
})

test('greets with a friendly fallback when the display name is empty', async () => {
  const { page } = await openHome({ researcher: { display_name: '' } })
  expect(textOf(page, '#greeting')).toBe('你好，研究者')
})

test('falls back too when the backend cannot be reached', async () => {
  const { page } = await openHome({ respond: () => () => NETWORK_FAILURE })
  expect(textOf(page, '#greeting')).toBe('你好，研究者')
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '网络连接失败，请检查网络后重试' }))
})

test('has manuscripts and inbox sections whose empty states say what will appear; no orders while payments do not exist', async () => {
  const { page } = await openHome({ researcher: { display_name: 'Ada' } })
  expect(sectionTitle(page, 'section-manuscripts')).toBe('我的稿件')
  expect(sectionTitle(page, 'section-inbox')).toBe('消息')
  expect(manuscriptsEmptyText(page)).toContain('稿件及审稿进度会显示在这里')
  expect(sectionEmptyText(page, 'section-inbox')).toContain('稿件状态变化')
  // The backend has no orders API yet (404): nothing promises payments.
  expect(wx.requests.find((call) => call.path === '/api/v1/orders').url).toBe('http://127.0.0.1:8000/api/v1/orders?page_size=1')
  expect(page.querySelector('#section-orders')).toBeUndefined()
  expect(textOf(page, '.subtitle')).not.toContain('缴纳')
})

test('the orders block appears once GET /api/v1/orders answers 200', async () => {
  const { page } = await openHome({ orders: [] })
  expect(sectionTitle(page, 'section-orders')).toBe('订单')
  expect(sectionEmptyText(page, 'section-orders')).toContain('文章处理费')
})

test("renders in English when that is the researcher's language", async () => {
  const { page } = await openHome({ researcher: { display_name: 'Ada', language: 'en' } })
  expect(textOf(page, '#greeting')).toBe('Hello, Ada')
  expect(sectionTitle(page, 'section-manuscripts')).toBe('My manuscripts')
  expect(sectionTitle(page, 'section-inbox')).toBe('Inbox')
  expect(wx.setTabBarItem).toHaveBeenLastCalledWith(expect.objectContaining({ index: 2, text: 'Me' }))
  expect(wx.setTabBarItem).toHaveBeenCalledWith(expect.objectContaining({ index: 0, text: 'Home' }))
  expect(wx.setTabBarItem).toHaveBeenCalledWith(expect.objectContaining({ index: 1, text: 'Inbox' }))
  expect(meCall().header['Accept-Language']).toBe('en')
})

test('when signed out it offers to log in, and logging in greets by name', async () => {
  const { page } = await openHome({ researcher: { display_name: 'Ada' }, storage: { signed_out: true } })
  expect(wx.requests).toHaveLength(0)
  expect(textOf(page, '#greeting')).toBe('你好，研究者')
  expect(textOf(page, '.subtitle')).toContain('你已退出登录')
  expect(textOf(page.querySelector('#login-button'), '.t-button__content')).toBe('微信登录')

  page.querySelector('#login-button').querySelector('.t-button').dispatchEvent('tap')
  await waitFor(() => textOf(page, '#greeting') === '你好，Ada', 'greeting after login')
  expect(page.querySelector('#login-button')).toBeUndefined()
})

describe('my manuscripts', () => {
  const VERIFIED = [{ id: 101, status: 'verified' }]
  // One manuscript per canonical status; the backend lists them by last activity, newest first.
  const ALL_STATUSES = Object.keys(status.STATUSES).map((code, index) => makeManuscript({
    id: index + 1,
    title: `Paper ${code}`,
    status: code,
    last_activity_at: `2025-11-${String(20 - index).padStart(2, '0')}T02:00:00Z`,
  }))

  const groupTitles = (page) => page.querySelectorAll('.manuscript-group__title').map((node) => node.dom.textContent.trim())
  const rowTitles = (page, group) => page.querySelectorAll(`#group-${group} .manuscript-row__title`).map((node) => node.dom.textContent.trim())
  // The status-chip component: its DOM is the rendered t-tag (text and inline color style).
  const chipOf = (page, id) => page.querySelector(`#manuscript-${id} .manuscript-row__chip`).dom
  const chipText = (page, id) => chipOf(page, id).textContent.trim()
  const chipStyle = (page, id) => chipOf(page, id).firstElementChild.getAttribute('style')
  const rowText = (page, id, part) => textOf(page, `#manuscript-${id} .manuscript-row__${part}`)
  const allRowTitles = (page) => page.querySelectorAll('.manuscript-row__title').map((node) => node.dom.textContent.trim())
  const manuscriptCalls = () => wx.requests.filter((call) => call.path === '/api/v1/manuscripts' && !call.url.includes('status='))

  test('are grouped by status group, needs-your-action first, keeping the backend order inside a group', async () => {
    const { page } = await openHome({ accounts: VERIFIED, manuscripts: ALL_STATUSES })
    expect(groupTitles(page)).toEqual(['需要您处理', '进行中', '已录用', '已发表', '已结束'])
    expect(rowTitles(page, 'action')).toEqual(['Paper revision_requested'])
    expect(rowTitles(page, 'in_progress')).toEqual(['Paper submitted', 'Paper with_editor', 'Paper under_review', 'Paper revision_submitted'])
    expect(rowTitles(page, 'accepted')).toEqual(['Paper accepted', 'Paper in_production'])
    expect(rowTitles(page, 'published')).toEqual(['Paper published'])
    expect(rowTitles(page, 'closed')).toEqual(['Paper rejected', 'Paper withdrawn'])
  })

  test('each row shows title, journal, a status chip in its own color and the last activity date', async () => {
    const { page } = await openHome({ accounts: VERIFIED, manuscripts: ALL_STATUSES })
    expect(rowText(page, 4, 'title')).toBe('Paper revision_requested')
    expect(rowText(page, 4, 'journal')).toBe('Journal of Clinical Studies')
    expect(rowText(page, 4, 'date')).toBe('更新于 2025-11-17')
    expect(chipText(page, 4)).toBe('需要修改')

    const colors = ALL_STATUSES.map((manuscript) => {
      expect(chipStyle(page, manuscript.id)).toContain(`color: ${status.STATUSES[manuscript.status].color};`)
      return status.STATUSES[manuscript.status].color
    })
    expect(new Set(colors).size).toBe(ALL_STATUSES.length)
  })

  test('a row shows the journal\'s manuscript number and the days in the current status when known', async () => {
    const { page } = await openHome({ accounts: VERIFIED, manuscripts: [
      { id: 1, manuscript_number: 'JCS-2025-0007', days_in_status: 9 }, { id: 2, manuscript_number: '', days_in_status: null }] })
    expect(rowText(page, 1, 'number')).toBe('· JCS-2025-0007')
    expect(rowText(page, 1, 'days')).toBe('此状态已 9 天')
    expect(page.querySelector('#manuscript-2 .manuscript-row__number')).toBeUndefined()
    expect(page.querySelector('#manuscript-2 .manuscript-row__days')).toBeUndefined()
  })

  test('the last activity date is the local (UTC+8) day', async () => {
    const { page } = await openHome({ accounts: VERIFIED, manuscripts: [{ id: 1, last_activity_at: '2025-11-20T17:30:00Z' }] })
    expect(rowText(page, 1, 'date')).toBe('更新于 2025-11-21')
  })

  test('tapping a row opens its detail page', async () => {
    const { page } = await openHome({ accounts: VERIFIED, manuscripts: [{ id: 42, title: 'Tap me' }] })
    page.querySelector('#manuscript-42').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
    expect(wx.navigateTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/manuscript/detail?id=42' }))
  })

  test('with no verified account, the empty state leads to the link wizard', async () => {
    const { page } = await openHome({ accounts: [], manuscripts: [] })
    expect(withoutInbox(wx.requests).map((call) => call.path)).toEqual(['/api/v1/auth/login', '/api/v1/me', '/api/v1/manuscripts', '/api/v1/journal-accounts'])
    expect(page.data.emptyKind).toBe('no_accounts')
    expect(manuscriptsEmptyText(page)).toBe('暂无稿件。关联你在期刊投稿系统中的账号后，你的稿件及审稿进度会显示在这里。')
    expect(textOf(page.querySelector('#link-account-button'), '.t-button__content')).toBe('关联期刊账号')
    page.querySelector('#link-account-button').querySelector('.t-button').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/accounts/link')
  })

  test('with only a pending account, the empty state resumes its verification', async () => {
    const { page } = await openHome({ accounts: [{ id: 105, status: 'pending' }], manuscripts: [] })
    expect(manuscriptsEmptyText(page)).toContain('还没有完成验证')
    expect(page.querySelector('#link-account-button')).toBeUndefined()
    page.querySelector('#continue-verification-button').querySelector('.t-button').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/accounts/link?account=105')
  })

  test('with a verified account but no manuscripts, it says there are none yet, without a link button', async () => {
    const { page } = await openHome({ accounts: [{ id: 101, status: 'verified' }, { id: 102, status: 'pending' }], manuscripts: [] })
    expect(page.data.emptyKind).toBe('no_manuscripts')
    expect(manuscriptsEmptyText(page)).toBe('已关联的期刊账号下还没有稿件。在期刊投稿系统中投稿后，稿件会在下次同步时显示在这里。')
    expect(page.querySelector('#link-account-button')).toBeUndefined()
    expect(page.querySelector('#continue-verification-button')).toBeUndefined()
  })

  test('pull-down refresh reloads the list from the first page and stops the spinner', async () => {
    const { page, backend } = await openHome({ accounts: VERIFIED, manuscripts: [{ id: 1, title: 'Old', status: 'under_review' }] })
    expect(allRowTitles(page)).toEqual(['Old'])
    backend.state.manuscripts[0].status = 'revision_requested'
    backend.state.manuscripts.push(makeManuscript({ id: 2, title: 'New', status: 'submitted', last_activity_at: '2025-11-24T02:00:00Z' }))

    await page.instance.onPullDownRefresh()
    expect(rowTitles(page, 'action')).toEqual(['Old'])
    expect(rowTitles(page, 'in_progress')).toEqual(['New'])
    expect(manuscriptCalls()).toHaveLength(2)
    expect(manuscriptCalls()[1].url).toBe('http://127.0.0.1:8000/api/v1/manuscripts?order=action_first')
    expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1)
    expect(wx.requests.filter((call) => call.path.endsWith('/refresh'))).toHaveLength(0)
  })

  test('the spinner stops even when the reload fails', async () => {
    let offline = false
    const { page } = await openHome({
      accounts: VERIFIED,
      manuscripts: [{ id: 1, title: 'Kept' }],
      respond: (real) => (call) => (offline ? NETWORK_FAILURE : real(call)),
    })
    offline = true
    await page.instance.onPullDownRefresh()
    expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1)
    expect(allRowTitles(page)).toEqual(['Kept'])
    expect(toastTitles()).toContain('网络连接失败，请检查网络后重试')
  })

  test('reaching the bottom loads the next page by following `next`, until there is none', async () => {
    const manuscripts = [1, 2, 3, 4, 5].map((id) => makeManuscript({ id, title: `P${id}`, last_activity_at: `2025-11-0${10 - id}T00:00:00Z` }))
    const { page } = await openHome({ accounts: VERIFIED, manuscripts, pageSize: 2 })
    expect(allRowTitles(page)).toEqual(['P1', 'P2'])
    expect(page.querySelector('#no-more')).toBeUndefined()

    await page.instance.onReachBottom()
    expect(allRowTitles(page)).toEqual(['P1', 'P2', 'P3', 'P4'])
    // `next` is the backend's absolute URL; we keep our own origin and take its path and query.
    expect(manuscriptCalls()[1].url).toBe('http://127.0.0.1:8000/api/v1/manuscripts?order=action_first&page=2')

    await page.instance.onReachBottom()
    expect(allRowTitles(page)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5'])
    expect(manuscriptCalls()[2].url).toBe('http://127.0.0.1:8000/api/v1/manuscripts?order=action_first&page=3')
    expect(textOf(page, '#no-more')).toBe('没有更多了')

    await page.instance.onReachBottom()
    expect(manuscriptCalls()).toHaveLength(3)
  })

  test('reaching the bottom twice quickly asks for the next page once, showing "loading"', async () => {
    const manuscripts = [1, 2, 3].map((id) => makeManuscript({ id, title: `P${id}`, last_activity_at: `2025-11-0${10 - id}T00:00:00Z` }))
    const { page } = await openHome({ accounts: VERIFIED, manuscripts, pageSize: 2 })
    const first = page.instance.onReachBottom()
    const second = page.instance.onReachBottom()
    expect(textOf(page, '#loading-more')).toBe('加载中…')
    await Promise.all([first, second])
    expect(manuscriptCalls()).toHaveLength(2)
    expect(allRowTitles(page)).toEqual(['P1', 'P2', 'P3'])
    expect(page.querySelector('#loading-more')).toBeUndefined()
  })

  test('a manuscript repeated on the next page (its activity moved it) is listed once', async () => {
    const manuscripts = [1, 2, 3].map((id) => makeManuscript({ id, title: `P${id}`, last_activity_at: `2025-11-0${10 - id}T00:00:00Z` }))
    const { page, backend } = await openHome({ accounts: VERIFIED, manuscripts, pageSize: 2 })
    backend.state.manuscripts.push(makeManuscript({ id: 4, title: 'P4', last_activity_at: '2025-11-20T00:00:00Z' }))
    await page.instance.onReachBottom() // page 2 is now [P2, P3]
    expect(allRowTitles(page)).toEqual(['P1', 'P2', 'P3'])
  })

  test('coming back to the tab keeps the list, but reloads it after an account was linked or unlinked', async () => {
    const { page } = await openHome({ accounts: VERIFIED, manuscripts: [{ id: 1 }] })
    await page.instance.onShow()
    expect(manuscriptCalls()).toHaveLength(1)
    getApp().globalData.manuscriptsStale = true
    await page.instance.onShow()
    expect(manuscriptCalls()).toHaveLength(2)
    expect(getApp().globalData.manuscriptsStale).toBe(false)
  })

  test('when the list cannot be loaded it offers to try again', async () => {
    let offline = true
    const { page } = await openHome({
      accounts: VERIFIED,
      manuscripts: [{ id: 1, title: 'Back online' }],
      respond: (real) => (call) => (offline && call.path === '/api/v1/manuscripts' ? NETWORK_FAILURE : real(call)),
    })
    expect(page.data.listState).toBe('error')
    expect(pageState(page, '#manuscripts-state').text).toBe('稿件加载失败。')
    expect(textOf(page.querySelector('#manuscripts-state').querySelector('.page-state__retry'), '.t-button__content')).toBe('重试')
    offline = false
    pageState(page, '#manuscripts-state').retry()
    await waitFor(() => allRowTitles(page).length === 1, 'the list')
    expect(allRowTitles(page)).toEqual(['Back online'])
  })

  test('in English, group titles are ours and status labels come from the backend in English', async () => {
    const { page } = await openHome({ researcher: { language: 'en' }, accounts: VERIFIED, manuscripts: ALL_STATUSES })
    expect(groupTitles(page)).toEqual(['Action required', 'In progress', 'Accepted & production', 'Published', 'Closed'])
    expect(chipText(page, 4)).toBe('Revision requested')
    expect(rowText(page, 4, 'date')).toBe('Updated 2025-11-17')
    expect(manuscriptCalls()[0].header['Accept-Language']).toBe('en')
  })

  test('after switching language elsewhere, coming back reloads the labels in the new language', async () => {
    const { page, backend } = await openHome({ accounts: VERIFIED, manuscripts: [{ id: 1, status: 'accepted' }] })
    expect(chipText(page, 1)).toBe('已录用')
    wx.setStorageSync('language', 'en') // what the Me tab's switch does
    backend.state.researcher.language = 'en'
    await page.instance.onShow()
    expect(chipText(page, 1)).toBe('Accepted')
    expect(groupTitles(page)).toEqual(['Accepted & production'])
  })

  test('signed out, nothing is asked and the section says to log in, never "no manuscripts"', async () => {
    const { page } = await openHome({ storage: { signed_out: true }, accounts: VERIFIED, manuscripts: [{ id: 1 }] })
    expect(wx.requests).toHaveLength(0)
    expect(textOf(page, '#manuscripts-signed-out')).toBe('登录后，这里会显示你的稿件。')
    expect(page.querySelector('#manuscripts-state')).toBeUndefined()
  })
})

describe('inbox preview', () => {
  const ago = (minutes) => new Date(Date.now() - minutes * 60 * 1000 - 1000).toISOString()
  // Five unread (newest: 5) and one read notice newer than all of them.
  const NOTICES = [1, 2, 3, 4, 5].map((id) => ({ id, title: `Notice ${id}`, body: `Body ${id}`, created_at: ago(60 - id), page: id === 5 ? 'pages/manuscript/detail?id=7' : '' }))
    .concat([{ id: 6, title: 'Already read', created_at: ago(1), read_at: '2025-11-25T00:00:00Z' }])

  const previewIds = (page) => page.querySelectorAll('#section-inbox .notice-item').map((node) => Number(node.dom.getAttribute('data-id')))
  const previewText = (page, id, part) => page.querySelector(`#notice-${id} .notice`).querySelector(`.notice-row__${part}`).dom.textContent.trim()
  const inboxCalls = () => wx.requests.filter((call) => call.path === '/api/v1/notifications')

  test('shows the 3 newest unread notices, with title, body and time, and sets the badge', async () => {
    const { page } = await openHome({ notifications: NOTICES })
    expect(previewIds(page)).toEqual([5, 4, 3])
    expect(previewText(page, 5, 'title')).toBe('Notice 5')
    expect(previewText(page, 5, 'body')).toBe('Body 5')
    expect(previewText(page, 5, 'time')).toBe('55 分钟前')
    expect(page.querySelector('#notice-5 .notice').querySelector('.notice-row__dot')).toBeDefined()
    expect(inboxCalls().map((call) => call.url)).toEqual(['http://127.0.0.1:8000/api/v1/notifications?unread=true&page_size=3'])
    expect(wx.tabBarBadges[1]).toBe('5')
    expect(textOf(page, '#see-all-inbox')).toBe('查看全部')
  })

  test('"See all" switches to the Inbox tab', async () => {
    const { page } = await openHome({ notifications: NOTICES })
    page.querySelector('#see-all-inbox').dispatchEvent('tap')
    await waitFor(() => wx.switchTab.mock.calls.length === 1, 'the tab switch')
    expect(wx.switchTab.mock.calls[0][0].url).toBe('/pages/inbox/inbox')
  })

  test('with nothing unread it says so, and still links to the inbox', async () => {
    const { page } = await openHome({ notifications: [{ id: 1, read_at: '2025-11-25T00:00:00Z' }] })
    expect(previewIds(page)).toEqual([])
    expect(sectionEmptyText(page, 'section-inbox')).toBe('没有未读消息。新的稿件状态变化等通知会显示在这里。')
    expect(page.querySelector('#see-all-inbox')).toBeDefined()
    expect(wx.tabBarBadges[1]).toBeUndefined()
  })

  test('tapping a notice marks it read, opens its page and takes it out of the preview', async () => {
    const { page, backend } = await openHome({ notifications: NOTICES })
    await page.instance.onNoticeTap({ currentTarget: { dataset: { id: 5 } } })
    expect(wx.navigateTo.mock.calls.map(([options]) => options.url)).toEqual(['/pages/manuscript/detail?id=7'])
    expect(wx.requests.filter((call) => call.method === 'POST').map((call) => call.path)).toEqual(['/api/v1/auth/login', '/api/v1/notifications/5/read'])
    expect(backend.state.notifications.find((notice) => notice.id === 5).read_at).not.toBeNull()
    expect(previewIds(page)).toEqual([4, 3])
    expect(wx.tabBarBadges[1]).toBe('4')

    await page.instance.onShow() // back on the home tab: the next unread one moves up
    expect(previewIds(page)).toEqual([4, 3, 2])
  })

  test('a notice without a page opens its full text', async () => {
    const { page } = await openHome({ notifications: NOTICES })
    page.querySelector('#notice-4').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1 && wx.tabBarBadges[1] === '4', 'navigation and badge')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/inbox/detail?id=4')
  })

  test('each time the home tab shows, the preview and the badge are asked again', async () => {
    const { page, backend } = await openHome({ notifications: NOTICES })
    backend.state.notifications.push(makeNotification({ id: 7, title: 'Brand new', created_at: ago(0) }))
    await page.instance.onShow()
    expect(previewIds(page)).toEqual([7, 5, 4])
    expect(previewText(page, 7, 'time')).toBe('刚刚')
    expect(wx.tabBarBadges[1]).toBe('6')
  })

  test('when the preview cannot be loaded it says so, quietly', async () => {
    const { page } = await openHome({
      notifications: NOTICES,
      respond: (real) => (call) => (call.path === '/api/v1/notifications' ? NETWORK_FAILURE : real(call)),
    })
    expect(sectionEmptyText(page, 'section-inbox')).toBe('消息加载失败。')
    expect(toastTitles()).toEqual([])
    expect(wx.tabBarBadges[1]).toBe('5')
  })

  test('in English', async () => {
    const { page } = await openHome({ researcher: { language: 'en' }, notifications: [{ id: 1, title: 'Status update', created_at: ago(3) }] })
    expect(previewText(page, 1, 'time')).toBe('3 min ago')
    expect(textOf(page, '#see-all-inbox')).toBe('See all')
    expect(wx.requests.find((call) => call.path === '/api/v1/notifications').header['Accept-Language']).toBe('en')
  })

  test('in English with nothing unread', async () => {
    const { page } = await openHome({ researcher: { language: 'en' } })
    expect(sectionEmptyText(page, 'section-inbox')).toBe('No unread messages. New status changes and other notices will appear here.')
  })

  test('signed out: nothing asked, no badge, no "see all"', async () => {
    const { page } = await openHome({ storage: { signed_out: true }, notifications: NOTICES })
    expect(wx.requests).toHaveLength(0)
    expect(sectionEmptyText(page, 'section-inbox')).toBe('登录后，这里会显示你的未读消息。')
    expect(page.querySelector('#see-all-inbox')).toBeUndefined()
    expect(wx.removeTabBarBadge).toHaveBeenCalledWith(expect.objectContaining({ index: 1 }))
  })
})
