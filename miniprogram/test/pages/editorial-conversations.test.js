// packages/editorial/conversations: the researcher's conversations with editorial offices (journal, manuscript,
// state, unread, last message, when), paged, pull-down refresh, and "Ask a journal" from an empty list.
const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createConversationsBackend, makeConversation } = require('../helpers/fake-conversations')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

let page = null

afterEach(() => {
  if (page) page.detach()
  page = null
})

async function openList({ conversations, respond, storage, ...options } = {}) {
  const backend = createConversationsBackend(Object.assign({ conversations }, options))
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, storage })
  backend.install(wx)
  launchApp()
  page = loadPage('packages/editorial/conversations')
  await page.instance.__shown
  return { backend, page }
}

const rowTexts = (part) => page.querySelectorAll(`.conversation-row__${part}`).map((node) => node.dom.textContent.trim())
// t-tag is a virtual host: read its inner node.
const tagTexts = (part) => page.querySelectorAll(`.conversation-row__${part}`).map((node) => textOf(node, '.t-tag'))
const listCalls = () => wx.requests.filter((call) => call.path === '/api/v1/conversations')
const tap = (id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')

const THREE = [
  makeConversation({
    id: 5,
    messages: [
      { id: 51, body: '请问稿件什么时候送审？', created_at: '2025-12-01T02:00:00Z' },
      { id: 52, body: '', from_staff: true, image: { url: 'https://api.publisher.example/img/52', width: 10, height: 10 }, read: false, created_at: '2025-12-02T02:00:00Z' },
      { id: 53, body: '已送外审，请耐心等待。', from_staff: true, read: false, created_at: '2025-12-02T03:00:00Z' },
    ],
  }),
  makeConversation({
    id: 6,
    journal: { id: 11, name: 'Journal of Clinical Studies' },
    manuscript: null,
    messages: [{ id: 61, body: '投稿需要提供伦理审批吗？', created_at: '2025-12-03T02:00:00Z' }],
  }),
  makeConversation({
    id: 7,
    manuscript: { id: 35, title: 'Seagrass recovery', manuscript_number: '' },
    closed: true,
    messages: [
      { id: 71, body: '格式问题', created_at: '2025-11-01T02:00:00Z' },
      { id: 72, body: '已解决。', from_staff: true, created_at: '2025-11-01T03:00:00Z' },
    ],
  }),
]

test('lists every conversation, most recently active first: journal, manuscript, state, unread, last message, when', async () => {
  await openList({ conversations: THREE })
  expect(listCalls().map((call) => call.url)).toEqual(['http://127.0.0.1:8000/api/v1/conversations'])
  expect(listCalls()[0].header.Authorization).toBe('Bearer token-1')
  expect(rowTexts('journal')).toEqual(['Journal of Clinical Studies', 'Annals of Marine Ecology', 'Annals of Marine Ecology'])
  expect(rowTexts('manuscript')).toEqual(['Coral bleaching under repeated heatwaves（AME-2025-0042）', 'Seagrass recovery'])
  expect(tagTexts('state')).toEqual(['等待回复', '已回复', '已结束'])
  expect(tagTexts('unread')).toEqual(['2']) // two office messages not read yet, in the second row only
  expect(page.data.rows.map((row) => row.unread)).toEqual([0, 2, 0])
  expect(rowTexts('preview')).toEqual(['我：投稿需要提供伦理审批吗？', '编辑部：已送外审，请耐心等待。', '编辑部：已解决。'])
  expect(rowTexts('time')).toEqual(['2025-12-03 10:00', '2025-12-02 11:00', '2025-11-01 11:00'])
  expect(page.data.rows.find((row) => row.id === 5).a11yLabel).toBe('Annals of Marine Ecology，已回复，2 条未读：编辑部：已送外审，请耐心等待。')
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '编辑部消息' }))
})

test('an image as the last message is previewed as [图片], a recent one with a relative time', async () => {
  const justNow = new Date(Date.now() - 5 * 60 * 1000).toISOString()
  await openList({ conversations: [makeConversation({ messages: [{ id: 1, body: '', from_staff: true, image: { url: 'https://x/1' }, created_at: justNow }] })] })
  expect(rowTexts('preview')).toEqual(['编辑部：[图片]'])
  expect(rowTexts('time')).toEqual(['5 分钟前'])
})

test('tapping a conversation opens its thread', async () => {
  await openList({ conversations: THREE })
  page.querySelector('#conversation-6').dispatchEvent('tap')
  await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/packages/editorial/thread?id=6')
  expect(toastTitles()).toEqual([])
})

test('someone else\'s conversations are not listed', async () => {
  await openList({ conversations: [makeConversation({ id: 8, researcher_id: 99 })] })
  expect(page.querySelectorAll('.conversation-row')).toHaveLength(0)
  expect(pageState(page, '#conversations-empty').shown).toBe('empty')
})

describe('empty: ask a journal', () => {
  const MANUSCRIPTS = [
    { id: 1, account_id: 101, title: 'First', journal: { id: 11, key: 'jcs', name: 'Journal of Clinical Studies' }, last_activity_at: '2025-11-22T00:00:00Z' },
    { id: 2, account_id: 101, title: 'Second', journal: { id: 12, key: 'ame', name: 'Annals of Marine Ecology' }, last_activity_at: '2025-11-21T00:00:00Z' },
    { id: 3, account_id: 101, title: 'Third', journal: { id: 11, key: 'jcs', name: 'Journal of Clinical Studies' }, last_activity_at: '2025-11-20T00:00:00Z' },
  ]

  test('says what the page is for and offers "向期刊提问"', async () => {
    await openList({ conversations: [] })
    const state = pageState(page, '#conversations-empty')
    expect(state.shown).toBe('empty')
    expect(state.text).toBe('还没有和编辑部的对话。有问题可以直接问期刊编辑部，他们的回复会显示在这里。')
    expect(textOf(page.querySelector('#ask-button-empty'), '.t-button__content')).toBe('向期刊提问')
  })

  test('the journals of the researcher\'s manuscripts, each once; choosing one opens the thread for it', async () => {
    await openList({ conversations: [], accounts: [{ id: 101 }], manuscripts: MANUSCRIPTS })
    tap('ask-button-empty')
    await waitFor(() => page.querySelectorAll('.journal-option').length === 2, 'the journals')
    expect(wx.requests.filter((call) => call.path === '/api/v1/manuscripts').map((call) => call.url)).toEqual(['http://127.0.0.1:8000/api/v1/manuscripts?page_size=100'])
    expect(page.querySelectorAll('.journal-option').map((node) => textOf(node, '.t-cell__title-text'))).toEqual(['Journal of Clinical Studies', 'Annals of Marine Ecology'])
    expect(textOf(page, '#picker-hint')).toContain('关于某篇稿件的问题，也可以在稿件详情页提问')
    page.querySelector('#journal-12').querySelector('.t-cell').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/packages/editorial/thread?journal=12')
  })

  test('no manuscripts: says why there is no journal, and offers to link an account', async () => {
    await openList({ conversations: [] })
    tap('ask-button-empty')
    await waitFor(() => page.querySelector('#picker-empty'), 'the picker')
    expect(textOf(page, '#picker-empty')).toContain('你还没有稿件，暂时无法选择期刊')
    tap('link-account-button')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/accounts/link')
  })

  test('the list is not empty: the ask button sits above it', async () => {
    await openList({ conversations: THREE, accounts: [{ id: 101 }], manuscripts: MANUSCRIPTS })
    expect(page.querySelector('#conversations-empty')).toBeUndefined()
    tap('ask-button')
    await waitFor(() => page.querySelectorAll('.journal-option').length === 2, 'the journals')
  })

  test('the journals cannot be loaded: an error with retry', async () => {
    let offline = true
    await openList({ conversations: [], accounts: [{ id: 101 }], manuscripts: MANUSCRIPTS, respond: (real) => (call) => (offline && call.path === '/api/v1/manuscripts' ? NETWORK_FAILURE : real(call)) })
    tap('ask-button-empty')
    await waitFor(() => pageState(page, '#picker-state').shown === 'error', 'the error')
    expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
    offline = false
    pageState(page, '#picker-state').retry()
    await waitFor(() => page.querySelectorAll('.journal-option').length === 2, 'the journals')
  })
})

test('the next page comes on reaching the bottom', async () => {
  const conversations = Array.from({ length: 5 }, (unused, index) => makeConversation({
    id: index + 1,
    journal: { id: 12, name: `Journal ${index + 1}` },
    messages: [{ id: index + 100, body: `Q${index + 1}`, created_at: `2025-12-0${index + 1}T00:00:00Z` }],
  }))
  await openList({ conversations, pageSize: 3 })
  expect(rowTexts('journal')).toEqual(['Journal 5', 'Journal 4', 'Journal 3'])
  await page.instance.onReachBottom()
  expect(rowTexts('journal')).toEqual(['Journal 5', 'Journal 4', 'Journal 3', 'Journal 2', 'Journal 1'])
  expect(listCalls().map((call) => call.url)).toEqual(['http://127.0.0.1:8000/api/v1/conversations', 'http://127.0.0.1:8000/api/v1/conversations?page=2'])
  expect(textOf(page, '#conversations-no-more')).toBe('没有更多了')
})

test('pull-down refresh shows a reply that came meanwhile, and stops the spinner', async () => {
  const { backend } = await openList({ conversations: THREE })
  backend.staffReply(6, '需要，请上传伦理审批文件。')
  await page.instance.onPullDownRefresh()
  expect(rowTexts('journal')[0]).toBe('Journal of Clinical Studies')
  expect(rowTexts('preview')[0]).toBe('编辑部：需要，请上传伦理审批文件。')
  expect(tagTexts('state')[0]).toBe('已回复')
  expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1)
})

test('coming back to the list reloads it (a thread read meanwhile has no unread left)', async () => {
  const { backend } = await openList({ conversations: THREE })
  backend.state.conversations[0].messages.forEach((message) => { message.read = true })
  await page.instance.onShow()
  expect(page.querySelectorAll('.conversation-row__unread')).toHaveLength(0)
})

test('a failed load shows the error state; retry loads the list', async () => {
  let offline = true
  await openList({ conversations: THREE, respond: (real) => (call) => (offline && call.path === '/api/v1/conversations' ? NETWORK_FAILURE : real(call)) })
  expect(pageState(page, '#conversations-state').shown).toBe('error')
  expect(pageState(page, '#conversations-state').text).toBe('对话加载失败。')
  offline = false
  pageState(page, '#conversations-state').retry()
  await waitFor(() => page.querySelectorAll('.conversation-row').length === 3, 'the list')
})

test('signed out: nothing is asked, the page says to log in', async () => {
  await openList({ conversations: THREE, storage: { signed_out: true } })
  expect(listCalls()).toEqual([])
  expect(pageState(page, '#conversations-state').text).toBe('请先登录')
})

test('in English, the app\'s language', async () => {
  await openList({ conversations: THREE, researcher: { language: 'en' } })
  expect(tagTexts('state')).toEqual(['Waiting for reply', 'Answered', 'Closed'])
  expect(rowTexts('manuscript')[0]).toBe('Coral bleaching under repeated heatwaves (AME-2025-0042)')
  expect(rowTexts('preview')).toEqual(['Me: 投稿需要提供伦理审批吗？', 'Office: 已送外审，请耐心等待。', 'Office: 已解决。'])
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: 'Editorial office' }))
})
