// A campaign deep link (`campaign=<id>` in its query) counts as opened where it enters the app: the entry query
// (App.onShow: an Official Account message, a shared card) and a link followed inside the app (inbox.followLink: an
// inbox item, the notice page's "open"), reported once per app run, fire-and-forget (utils/campaigns.js).
const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend } = require('../helpers/fake-backend')
const { launchApp, loadPage, waitFor } = require('../helpers/page')
const campaigns = require('../../src/utils/campaigns')

const openedCalls = () => wx.requests.filter((call) => /^\/api\/v1\/campaigns\/\d+\/opened$/.test(call.path))
const entry = (query, path = 'pages/home/home') => ({ path, query, scene: 1043 }) // 1043: an Official Account message

describe('which links carry a campaign', () => {
  test.each([
    [{ campaign: '42' }, '42'],
    [{ campaign: 42, id: '7' }, '42'],
    ['pages/manuscript/detail?id=7&campaign=42', '42'],
    ['/pages/home/home?campaign=42', '42'],
    ['pages/home/home?campaign=%34%32', '42'],
    ['pages/home/home?campaigns=42', ''],
    ['pages/home/home?campaign=', ''],
    ['pages/home/home?campaign=0', ''],
    ['pages/home/home?campaign=-4', ''],
    ['pages/home/home?campaign=4x', ''],
    ['pages/home/home?campaign=%E0%A4%A', ''], // a broken escape
    ['pages/home/home', ''],
    [{}, ''],
    [undefined, ''],
  ])('%p -> %p', (query, id) => {
    expect(campaigns.campaignInQuery(query)).toBe(id)
  })
})

describe('an entry deep link (App.onShow with the entry query)', () => {
  test('reports the campaign opened once, after the launch login', async () => {
    const backend = createBackend()
    installWx({ respond: backend.respond })
    const app = launchApp(entry({ campaign: '42' }))
    await app.__shown
    expect(wx.requests.map((call) => `${call.method} ${call.path}`)).toEqual([
      'POST /api/v1/auth/login', 'GET /api/v1/notifications/unread-count', 'POST /api/v1/campaigns/42/opened'])
    expect(openedCalls()[0].header.Authorization).toBe('Bearer token-1')
    expect(backend.state.campaignsOpened).toEqual([42])

    await app.onShow(entry({ campaign: '42' })) // back from the background with the same entry: not again
    await app.onShow(entry({ campaign: '43', id: '7' }, 'pages/manuscript/detail')) // another message: reported
    expect(backend.state.campaignsOpened).toEqual([42, 43])
    expect(toastTitles()).toEqual([])
  })

  test('an entry without a campaign reports nothing', async () => {
    const backend = createBackend()
    installWx({ respond: backend.respond })
    await launchApp(entry({ id: '7' }, 'pages/manuscript/detail')).__shown
    expect(openedCalls()).toHaveLength(0)
  })

  test('signed out: nothing is reported', async () => {
    const backend = createBackend()
    installWx({ respond: backend.respond, storage: { signed_out: true } })
    await launchApp(entry({ campaign: '42' })).__shown
    expect(wx.requests).toHaveLength(0)
  })

  test('a report that fails is quiet, and the next entry with that campaign tries again', async () => {
    const backend = createBackend()
    let offline = true
    installWx({ respond: (call) => (offline && call.path.endsWith('/opened') ? NETWORK_FAILURE : backend.respond(call)) })
    const app = launchApp(entry({ campaign: '42' }))
    await app.__shown
    expect(openedCalls()).toHaveLength(1)
    expect(backend.state.campaignsOpened).toEqual([])
    expect(toastTitles()).toEqual([])

    offline = false
    await app.onShow(entry({ campaign: '42' }))
    expect(backend.state.campaignsOpened).toEqual([42])
  })
})

describe('a link followed inside the app', () => {
  const NEWS = { id: 9, kind: 'campaign', title: '《应用科学学报》新刊上线', body: '第 12 期已出版。', created_at: '2025-11-20T08:30:00Z' }

  async function openInbox(notification) {
    const backend = createBackend({ notifications: [Object.assign({}, NEWS, notification)] })
    installWx({ respond: backend.respond })
    await launchApp().__shown
    const page = loadPage('pages/inbox/inbox')
    await page.instance.__shown
    return { backend, page }
  }

  test('an inbox item with a campaign link reports it and opens its page', async () => {
    const { backend, page } = await openInbox({ page: 'pages/manuscript/detail?id=7&campaign=42' })
    page.querySelector('#notice-9').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'the navigation')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/manuscript/detail?id=7&campaign=42')
    await waitFor(() => backend.state.campaignsOpened.length === 1, 'the report')
    expect(backend.state.campaignsOpened).toEqual([42])
  })

  test('a campaign link to a tab page is reported although switchTab drops the query', async () => {
    const { backend, page } = await openInbox({ page: 'pages/me/me?campaign=42' })
    page.querySelector('#notice-9').dispatchEvent('tap')
    await waitFor(() => wx.switchTab.mock.calls.length === 1, 'the tab switch')
    expect(wx.switchTab.mock.calls[0][0].url).toBe('/pages/me/me')
    await waitFor(() => backend.state.campaignsOpened.length === 1, 'the report')
    expect(backend.state.campaignsOpened).toEqual([42])
  })

  test('an inbox item without a campaign reports nothing', async () => {
    const { page } = await openInbox({ kind: 'status_changed', page: 'pages/manuscript/detail?id=7' })
    page.querySelector('#notice-9').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'the navigation')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(openedCalls()).toHaveLength(0)
  })

  test('the notice page\'s "open" button reports the campaign of its link', async () => {
    const backend = createBackend({ notifications: [Object.assign({}, NEWS, { page: 'pages/accounts/list?campaign=42' })] })
    installWx({ respond: backend.respond })
    await launchApp().__shown
    const page = loadPage('pages/inbox/detail', { id: '9' })
    await page.instance.__loaded
    page.querySelector('#open-link-button').querySelector('.t-button').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'the navigation')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/accounts/list?campaign=42')
    await waitFor(() => backend.state.campaignsOpened.length === 1, 'the report')
    expect(backend.state.campaignsOpened).toEqual([42])
  })

  test('a campaign opened from the entry link is not reported again from the inbox in the same run', async () => {
    const backend = createBackend({ notifications: [Object.assign({}, NEWS, { page: 'pages/accounts/list?campaign=42' })] })
    installWx({ respond: backend.respond })
    await launchApp(entry({ campaign: '42' })).__shown
    const page = loadPage('pages/inbox/inbox')
    await page.instance.__shown
    page.querySelector('#notice-9').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'the navigation')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(backend.state.campaignsOpened).toEqual([42])
    expect(openedCalls()).toHaveLength(1)
  })
})
