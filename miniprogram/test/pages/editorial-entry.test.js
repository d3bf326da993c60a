// The ways into the editorial pages: the Me page's "编辑部消息 / Editorial office" cell with the unread count, and the
// `editorial_reply` notice whose page is /packages/editorial/thread?id=<conversation> (inbox and notice page).
const { installWx, toastTitles } = require('../helpers/wx-mock')
const { createConversationsBackend, makeConversation } = require('../helpers/fake-conversations')
const { createBackend, makeNotification } = require('../helpers/fake-backend')
const { launchApp, loadPage, textOf, waitFor } = require('../helpers/page')
const inbox = require('../../src/utils/inbox')

let page = null

afterEach(() => {
  if (page) page.detach()
  page = null
})

async function openMe({ backend, storage }) {
  installWx({ respond: backend.respond, storage })
  if (backend.install) backend.install(wx)
  launchApp()
  page = loadPage('pages/me/me')
  await page.instance.__shown
  return page
}

const unreadConversation = (id, unread) => makeConversation({
  id,
  manuscript: { id: 30 + id, title: `Manuscript ${id}`, manuscript_number: '' },
  messages: [{ id: id * 10 }].concat(Array.from({ length: unread }, (unused, index) => ({ id: id * 10 + index + 1, body: 'reply', from_staff: true, read: false }))),
})

describe('the Me page', () => {
  test('"编辑部消息" shows the unread replies summed over the conversations, and opens the list', async () => {
    const backend = createConversationsBackend({ conversations: [unreadConversation(1, 2), unreadConversation(2, 0), unreadConversation(3, 3)] })
    await openMe({ backend })
    expect(textOf(page.querySelector('#cell-editorial'), '.t-cell__title-text')).toBe('编辑部消息')
    expect(textOf(page.querySelector('#editorial-unread'), '.t-tag')).toBe('5')
    expect(page.data.editorialA11y).toBe('编辑部消息，5 条未读')
    const asked = wx.requests.filter((call) => call.path === '/api/v1/conversations')
    expect(asked.map((call) => call.url)).toEqual(['http://127.0.0.1:8000/api/v1/conversations?page_size=50'])

    page.querySelector('#cell-editorial').querySelector('.t-cell').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/packages/editorial/conversations')
    const list = loadPage('packages/editorial/conversations')
    await list.instance.__shown
    expect(list.querySelectorAll('.conversation-row')).toHaveLength(3)
    list.detach()
  })

  test('nothing unread: no count; coming back after reading updates it', async () => {
    const backend = createConversationsBackend({ conversations: [unreadConversation(1, 1)] })
    await openMe({ backend })
    expect(textOf(page.querySelector('#editorial-unread'), '.t-tag')).toBe('1')
    backend.state.conversations[0].messages.forEach((message) => { message.read = true })
    await page.instance.onShow()
    expect(page.querySelector('#editorial-unread')).toBeUndefined()
    expect(page.data.editorialUnread).toBe('')
  })

  test('a backend without the conversations API: the cell stays, without a count, and nothing is toasted', async () => {
    await openMe({ backend: createBackend({ researcher: { display_name: 'Ada' } }) })
    expect(page.querySelector('#cell-editorial')).toBeTruthy()
    expect(page.querySelector('#editorial-unread')).toBeUndefined()
    expect(toastTitles()).toEqual([])
  })

  test('signed out: not asked, no cell', async () => {
    const backend = createConversationsBackend({ conversations: [unreadConversation(1, 2)] })
    await openMe({ backend, storage: { signed_out: true } })
    expect(wx.requests.filter((call) => call.path === '/api/v1/conversations')).toEqual([])
    expect(page.querySelector('#cell-editorial')).toBeUndefined()
  })

  test('in English', async () => {
    const backend = createConversationsBackend({ conversations: [unreadConversation(1, 2)], researcher: { language: 'en' } })
    await openMe({ backend })
    expect(textOf(page.querySelector('#cell-editorial'), '.t-cell__title-text')).toBe('Editorial office')
    expect(page.data.editorialA11y).toBe('Editorial office, 2 unread')
  })
})

describe('the editorial_reply notice', () => {
  const NOTICE = { id: 31, kind: 'editorial_reply', title: '编辑部回复了你', body: 'Annals of Marine Ecology 编辑部：已送外审。', page: '/packages/editorial/thread?id=5' }

  test('the inbox opens its thread (a declared subpackage page) with navigateTo', async () => {
    const backend = createConversationsBackend({ notifications: [NOTICE] })
    installWx({ respond: backend.respond })
    backend.install(wx)
    await launchApp().__shown
    page = loadPage('pages/inbox/inbox')
    await page.instance.__shown
    await page.instance.onNoticeTap({ currentTarget: { dataset: { id: 31 } } })
    // Only the thread: an undeclared page would fail and the inbox would open the notice page instead.
    expect(wx.navigateTo.mock.calls.map(([options]) => options.url)).toEqual(['/packages/editorial/thread?id=5'])
    await waitFor(() => wx.requests.some((call) => call.path === '/api/v1/notifications/31/read'), 'read')

    const thread = loadPage('packages/editorial/thread', { id: '5' })
    await thread.instance.__loaded
    expect(thread.querySelectorAll('.message')).toHaveLength(1)
    thread.detach()
  })

  test('its row has the chat icon, and the notice page offers to open the thread', async () => {
    expect(inbox.kindIcon('editorial_reply')).toBe('chat')
    const backend = createConversationsBackend({ notifications: [makeNotification(Object.assign({}, NOTICE, { page: 'packages/editorial/thread?id=5' }))] })
    installWx({ respond: backend.respond })
    backend.install(wx)
    await launchApp().__shown
    page = loadPage('pages/inbox/detail', { id: '31' })
    await page.instance.__loaded
    expect(textOf(page, '#notice-title')).toBe('编辑部回复了你')
    page.querySelector('#open-link-button').querySelector('.t-button').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/packages/editorial/thread?id=5')
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(toastTitles()).toEqual([]) // the client opened it (an undeclared page would fail, then toast)
  })
})
