// packages/editorial/thread: one conversation with an editorial office: bubbles (mine right, the office's left with
// its name), images (widthFix, preview on tap), the composer (text, image upload), starting a conversation from a
// manuscript or a journal, and every way a post can fail without losing what was typed.
const fs = require('fs')
const path = require('path')
const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createConversationsBackend, makeConversation } = require('../helpers/fake-conversations')
const { TEMPLATE_IDS } = require('../helpers/fake-backend')
const { SRC, launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

let page = null

afterEach(() => {
  if (page) page.detach()
  page = null
  jest.useRealTimers()
})

const AME = { id: 12, key: 'ame', name: 'Annals of Marine Ecology' }
const MANUSCRIPT = { id: 34, account_id: 101, title: 'Coral bleaching under repeated heatwaves', journal: AME }

const CONVERSATION = makeConversation({
  id: 5,
  messages: [
    { id: 51, body: '请问稿件什么时候送审？', created_at: '2025-12-01T02:00:00Z' },
    { id: 52, body: '已送外审。审稿意见见截图：', from_staff: true, read: false, created_at: '2025-12-02T03:00:00Z' },
    { id: 53, body: '', from_staff: true, read: false, image: { url: 'https://api.publisher.example/api/v1/conversation-images/53?t=s53', width: 800, height: 600 }, created_at: '2025-12-02T03:01:00Z' },
  ],
})

async function openThread(query, { conversations = [CONVERSATION], respond, storage, chooseMediaAnswer, subscribeAnswer, ...options } = {}) {
  const backend = createConversationsBackend(Object.assign({ conversations, accounts: [{ id: 101 }], manuscripts: [MANUSCRIPT] }, options))
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, storage, chooseMediaAnswer, subscribeAnswer })
  backend.install(wx)
  launchApp()
  page = loadPage('packages/editorial/thread', query)
  await page.instance.__loaded
  return { backend, page }
}

const tap = (id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const buttonDisabled = (id) => page.querySelector(`#${id}`).querySelector('.t-button').dom.className.includes('t-button--disabled')
// The textarea reports the input a moment later: wait until the page has it.
async function type(value) {
  page.querySelector('#composer-input').querySelector('.t-textarea__wrapper-inner').dispatchEvent('input', { detail: { value, cursor: value.length } })
  await waitFor(() => page.data.draft === value, `the draft "${value}"`)
}
// A bubble as rendered (miniprogram-simulate prefixes the classes with "main--").
const part = (node, name) => node.dom.querySelector(`.main--message__${name}`)
const bubbles = () => page.querySelectorAll('.message').map((node) => ({
  side: node.dom.className.includes('message--mine') ? 'mine' : 'office',
  author: part(node, 'author') ? part(node, 'author').textContent.trim() : '',
  body: part(node, 'body') ? part(node, 'body').textContent.trim() : '',
  // j-component keeps no src of a native <image>: data-url is bound to the same value.
  image: part(node, 'image') ? part(node, 'image').getAttribute('data-url') : '',
}))
const posts = (path) => wx.requests.filter((call) => call.method === 'POST' && call.path === path)
const composerError = () => (page.querySelector('#composer-error') ? textOf(page, '#composer-error') : '')

describe('an existing conversation (?id=)', () => {
  test('mine on the right, the office\'s on the left with its name; images full width; the title is the journal', async () => {
    const { backend } = await openThread({ id: '5' })
    expect(wx.requests.filter((call) => call.path === '/api/v1/conversations/5').map((call) => call.method)).toEqual(['GET'])
    expect(bubbles()).toEqual([
      { side: 'mine', author: '', body: '请问稿件什么时候送审？', image: '' },
      { side: 'office', author: 'Annals of Marine Ecology 编辑部', body: '已送外审。审稿意见见截图：', image: '' },
      { side: 'office', author: 'Annals of Marine Ecology 编辑部', body: '', image: 'https://api.publisher.example/api/v1/conversation-images/53?t=s53' },
    ])
    const imageTags = fs.readFileSync(path.join(SRC, 'packages/editorial/thread.wxml'), 'utf8').match(/<image\b[^>]*>/g)
    expect(imageTags).toHaveLength(1)
    expect(imageTags[0]).toMatch(/\bmode="widthFix"/)
    expect(imageTags[0]).toMatch(/\bsrc="\{\{item\.image\.url\}\}"/)
    expect(imageTags[0]).toMatch(/\bdata-url="\{\{item\.image\.url\}\}"/)
    expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: 'Annals of Marine Ecology' }))
    expect(textOf(page, '#thread-about')).toBe('关于稿件：Coral bleaching under repeated heatwaves')
    expect(page.querySelector('#closed-hint')).toBeUndefined()
    expect(wx.pageScrollTo).toHaveBeenCalledWith(expect.objectContaining({ selector: '#thread-end' }))
    expect(backend.state.conversations[0].messages.filter((message) => !message.read)).toEqual([]) // read by opening it
  })

  test('tapping an image previews it among the thread\'s images', async () => {
    await openThread({ id: '5' })
    page.querySelector('.message__image').dispatchEvent('tap')
    await waitFor(() => wx.previewImage.mock.calls.length === 1, 'the preview')
    expect(wx.previewImage.mock.calls[0][0]).toEqual(expect.objectContaining({
      current: 'https://api.publisher.example/api/v1/conversation-images/53?t=s53',
      urls: ['https://api.publisher.example/api/v1/conversation-images/53?t=s53'],
    }))
  })

  test('send: POST …/messages with the text, the bubble appears, the composer empties', async () => {
    const { backend } = await openThread({ id: '5' })
    expect(buttonDisabled('send-button')).toBe(true) // nothing typed
    await type('  谢谢，请问大概需要多久？ ')
    expect(buttonDisabled('send-button')).toBe(false)
    tap('send-button')
    await waitFor(() => bubbles().length === 4, 'the new bubble')
    const sent = posts('/api/v1/conversations/5/messages')
    expect(sent).toHaveLength(1)
    expect(sent[0].data).toEqual({ body: '谢谢，请问大概需要多久？' })
    expect(sent[0].header.Authorization).toBe('Bearer token-1')
    expect(sent[0].header['Content-Type']).toBe('application/json')
    expect(bubbles()[3]).toEqual({ side: 'mine', author: '', body: '谢谢，请问大概需要多久？', image: '' })
    expect(page.data.draft).toBe('')
    expect(backend.state.conversations[0].messages).toHaveLength(4)
    expect(toastTitles()).toEqual([])
  })

  test('a closed conversation says so; posting reopens it', async () => {
    const { backend } = await openThread({ id: '5' }, { conversations: [makeConversation({ id: 5, closed: true })] })
    expect(textOf(page, '#closed-hint')).toBe('编辑部已结束这个对话。再发一条消息会重新打开它。')
    await type('还有一个问题')
    tap('send-button')
    await waitFor(() => page.querySelector('#closed-hint') === undefined, 'the hint to go')
    expect(backend.state.conversations[0].closed).toBe(false)
  })

  test('coming back to the page fetches it again: the reply shows and the page scrolls to it', async () => {
    const { backend } = await openThread({ id: '5' })
    backend.staffReply(5, '大约四周。')
    wx.pageScrollTo.mockClear()
    await page.instance.onShow()
    expect(bubbles()[3]).toEqual({ side: 'office', author: 'Annals of Marine Ecology 编辑部', body: '大约四周。', image: '' })
    await waitFor(() => wx.pageScrollTo.mock.calls.length === 1, 'the scroll')
  })

  test('while shown, it is fetched every 15 s (a reply appears); hidden, it is not', async () => {
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask'] })
    const { backend } = await openThread({ id: '5' })
    const fetches = () => wx.requests.filter((call) => call.path === '/api/v1/conversations/5').length
    expect(fetches()).toBe(1)
    backend.staffReply(5, '审稿意见已返回。')
    jest.advanceTimersByTime(14 * 1000)
    expect(fetches()).toBe(1)
    jest.advanceTimersByTime(1000)
    await waitFor(() => bubbles().length === 4, 'the reply')
    expect(bubbles()[3].body).toBe('审稿意见已返回。')
    expect(fetches()).toBe(2)

    page.instance.onHide()
    jest.advanceTimersByTime(60 * 1000)
    expect(fetches()).toBe(2)
  })

  test('someone else\'s conversation (or none): not found', async () => {
    await openThread({ id: '8' }, { conversations: [makeConversation({ id: 8, researcher_id: 99 })] })
    expect(pageState(page, '#thread-state').text).toBe('找不到这个对话。')
    expect(toastTitles()).toEqual([])
  })

  test('a draft left unsent comes back when the thread opens again', async () => {
    await openThread({ id: '5' }, { storage: { 'editorial_draft:c5': '上次没发出去的问题' } })
    expect(page.data.draft).toBe('上次没发出去的问题')
    await type('改过的问题')
    page.instance.onHide()
    expect(wx.getStorageSync('editorial_draft:c5')).toBe('改过的问题')
  })
})

describe('starting a conversation', () => {
  test('from a manuscript (?manuscript=&journal=): an empty thread, the first message creates it', async () => {
    const { backend } = await openThread({ manuscript: '34', journal: '12' }, { conversations: [] })
    expect(wx.requests.filter((call) => call.path === '/api/v1/conversations').map((call) => call.url)).toEqual(['http://127.0.0.1:8000/api/v1/conversations?manuscript=34'])
    expect(textOf(page, '#thread-empty')).toBe('写下你的问题，编辑部会尽快回复。')
    expect(textOf(page, '#thread-about')).toBe('关于稿件：Coral bleaching under repeated heatwaves')
    expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: 'Annals of Marine Ecology' }))

    await type('请问 APC 可以减免吗？')
    tap('send-button')
    await waitFor(() => bubbles().length === 1, 'the first bubble')
    const created = posts('/api/v1/conversations')
    expect(created).toHaveLength(1)
    expect(created[0].data).toEqual({ journal: 12, manuscript: 34, body: '请问 APC 可以减免吗？' })
    expect(backend.state.conversations.map((conversation) => conversation.id)).toEqual([900])

    await type('补充：我是学生作者。') // the next message goes to the conversation just created
    tap('send-button')
    await waitFor(() => bubbles().length === 2, 'the second bubble')
    expect(posts('/api/v1/conversations')).toHaveLength(1)
    expect(posts('/api/v1/conversations/900/messages')[0].data).toEqual({ body: '补充：我是学生作者。' })
  })

  test('from a manuscript that already has a conversation: that one is continued', async () => {
    await openThread({ manuscript: '34', journal: '12' })
    expect(bubbles()).toHaveLength(3)
    await type('还有一个问题')
    tap('send-button')
    await waitFor(() => bubbles().length === 4, 'the new bubble')
    expect(posts('/api/v1/conversations')).toEqual([])
    expect(posts('/api/v1/conversations/5/messages')).toHaveLength(1)
  })

  test('the open conversation is continued rather than a closed one that was active later', async () => {
    await openThread({ manuscript: '34', journal: '12' }, {
      conversations: [
        makeConversation({ id: 5, messages: [{ id: 51, body: '新问题', created_at: '2025-12-01T02:00:00Z' }] }),
        makeConversation({ id: 4, closed: true, messages: [{ id: 41, body: '旧问题', created_at: '2025-12-02T02:00:00Z' }] }),
      ],
    })
    expect(bubbles().map((bubble) => bubble.body)).toEqual(['新问题'])
    expect(page.querySelector('#closed-hint')).toBeUndefined()
  })

  test('with a journal (?journal=): its name from the journal systems, and no manuscript in the first message', async () => {
    await openThread({ journal: '11' }, { conversations: [makeConversation({ id: 5, journal: { id: 11, name: 'Journal of Clinical Studies' } })] })
    expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: 'Journal of Clinical Studies' }))
    expect(textOf(page, '#thread-intro')).toBe('你的问题会发送给Journal of Clinical Studies编辑部，回复会显示在这里，也会出现在“消息”里。')
    expect(page.querySelectorAll('.message')).toHaveLength(0) // the conversation about a manuscript is another one
    await type('投稿需要提供伦理审批吗？')
    tap('send-button')
    await waitFor(() => bubbles().length === 1, 'the first bubble')
    expect(posts('/api/v1/conversations')[0].data).toEqual({ journal: 11, manuscript: null, body: '投稿需要提供伦理审批吗？' })
  })
})

describe('nothing typed is lost', () => {
  test('a 400 shows the backend\'s field message under the composer and keeps the text', async () => {
    const REFUSED = '内容包含不允许的链接。'
    await openThread({ id: '5' }, {
      respond: (real) => (call) => (call.method === 'POST' && call.path.startsWith('/api/v1/conversations')
        ? { statusCode: 400, data: { code: 'invalid', message: '请检查填写的内容。', fields: { body: [REFUSED] } } }
        : real(call)),
    })
    await type('看这里 http://spam.example')
    tap('send-button')
    await waitFor(() => composerError() !== '', 'the error')
    expect(composerError()).toBe(REFUSED)
    expect(page.data.draft).toBe('看这里 http://spam.example')
    expect(bubbles()).toHaveLength(3)
    expect(toastTitles()).toEqual([]) // shown where the text is, not in a toast
    expect(wx.getStorageSync('editorial_draft:c5')).toBe('看这里 http://spam.example')
    await type('看这里') // typing again clears the error
    expect(composerError()).toBe('')
  })

  test('429: the backend\'s message in a toast and under the composer, the text kept', async () => {
    await openThread({ id: '5' }, { throttled: true })
    await type('第十条消息')
    tap('send-button')
    await waitFor(() => composerError() !== '', 'the error')
    expect(composerError()).toBe('请求过于频繁，请稍后再试。')
    expect(toastTitles()).toEqual(['请求过于频繁，请稍后再试。'])
    expect(page.data.draft).toBe('第十条消息')
    expect(buttonDisabled('send-button')).toBe(false) // ready to try again
  })

  test('409 (reopening while another conversation about it is open): the backend\'s message, the text kept', async () => {
    const OPEN = '关于这篇稿件已有一个进行中的对话。'
    await openThread({ id: '5' }, {
      conversations: [makeConversation({ id: 5, closed: true })],
      respond: (real) => (call) => (call.method === 'POST' && call.path === '/api/v1/conversations/5/messages'
        ? { statusCode: 409, data: { code: 'conversation_open', message: OPEN, fields: {} } }
        : real(call)),
    })
    await type('重新打开')
    tap('send-button')
    await waitFor(() => composerError() !== '', 'the error')
    expect(composerError()).toBe(OPEN)
    expect(page.data.draft).toBe('重新打开')
  })

  test('no network: the text is kept and the page says so', async () => {
    await openThread({ id: '5' }, { respond: (real) => (call) => (call.method === 'POST' && call.path.startsWith('/api/v1/conversations') ? NETWORK_FAILURE : real(call)) })
    await type('离线时写的问题')
    tap('send-button')
    await waitFor(() => composerError() !== '', 'the error')
    expect(composerError()).toBe('发送失败，你输入的内容已保留，请稍后重试。')
    expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
    expect(page.data.draft).toBe('离线时写的问题')
    expect(posts('/api/v1/conversations/5/messages')).toHaveLength(1) // a POST is never sent twice by itself
  })
})

describe('images', () => {
  const IMAGE_MESSAGES = '/api/v1/conversations/5/messages'

  test('choose one compressed image, upload it (field image, the token), see its progress, then the image', async () => {
    const { backend } = await openThread({ id: '5' })
    // Hold the upload at 40 % until release(): then the scripted wx.uploadFile (the backend) answers it.
    const realUpload = wx.uploadFile
    let release
    wx.uploadFile = jest.fn((options) => {
      const listeners = []
      setTimeout(() => listeners.forEach((listener) => listener({ progress: 40 })), 0)
      release = () => realUpload(options)
      return { onProgressUpdate: (listener) => listeners.push(listener), abort() {} }
    })
    tap('image-button')
    await waitFor(() => wx.uploadFile.mock.calls.length === 1, 'the upload')
    expect(wx.chooseMedia).toHaveBeenCalledWith(expect.objectContaining({ count: 1, mediaType: ['image'], sizeType: ['compressed'] }))
    const options = wx.uploadFile.mock.calls[0][0]
    expect(options.url).toBe(`http://127.0.0.1:8000${IMAGE_MESSAGES}`)
    expect(options.name).toBe('image')
    expect(options.filePath).toBe('http://tmp/photo-1.jpg')
    expect(options.header.Authorization).toBe('Bearer token-1')
    expect(options.header['Accept-Language']).toBe('zh-hans')

    // While it uploads: a bubble with the local image and the progress, both buttons wait.
    await waitFor(() => page.querySelector('#upload-progress') && textOf(page, '#upload-progress') === '图片上传中 40%', 'the progress')
    expect(bubbles()[3]).toEqual({ side: 'mine', author: '', body: '', image: 'http://tmp/photo-1.jpg' })
    expect(buttonDisabled('image-button')).toBe(true)
    await type('顺便问一下')
    expect(buttonDisabled('send-button')).toBe(true)

    release()
    await waitFor(() => !page.data.uploading, 'the upload to finish')
    expect(backend.state.uploads).toHaveLength(1)
    expect(bubbles()[3].image).toMatch(/^https:\/\/api\.publisher\.example\/api\/v1\/conversation-images\/\d+\?t=signed-/)
    expect(page.querySelector('#upload-progress')).toBeUndefined()
    expect(buttonDisabled('send-button')).toBe(false)
    expect(page.data.draft).toBe('顺便问一下') // what was typed meanwhile stays
  })

  test('an image before any conversation: the typed text starts it, then the image follows', async () => {
    const { backend } = await openThread({ manuscript: '34', journal: '12' }, { conversations: [] })
    await type('格式问题，见截图')
    tap('image-button')
    await waitFor(() => bubbles().length === 2 && !page.data.uploading, 'both bubbles')
    expect(posts('/api/v1/conversations')[0].data).toEqual({ journal: 12, manuscript: 34, body: '格式问题，见截图' })
    expect(wx.uploadFile.mock.calls[0][0].url).toBe('http://127.0.0.1:8000/api/v1/conversations/900/messages')
    expect(bubbles().map((bubble) => bubble.body)).toEqual(['格式问题，见截图', ''])
    expect(page.data.draft).toBe('')
    expect(backend.state.conversations[0].messages).toHaveLength(2)
  })

  test('an image before any conversation and nothing typed: it starts with "（图片）"', async () => {
    await openThread({ journal: '12' }, { conversations: [] })
    tap('image-button')
    await waitFor(() => bubbles().length === 2 && !page.data.uploading, 'both bubbles')
    expect(posts('/api/v1/conversations')[0].data).toEqual({ journal: 12, manuscript: null, body: '（图片）' })
  })

  test('an image the backend refuses: its message under the composer', async () => {
    await openThread({ id: '5' }, { imageError: true })
    tap('image-button')
    await waitFor(() => composerError() !== '', 'the error')
    expect(composerError()).toBe('请上传 JPEG、PNG 或 WebP 格式、不超过 5 MB 的图片。')
    expect(bubbles()).toHaveLength(3) // the local bubble is gone
    expect(buttonDisabled('image-button')).toBe(false)
  })

  test('over 5 MB: refused here, nothing uploaded', async () => {
    await openThread({ id: '5' }, { chooseMediaAnswer: () => ({ tempFiles: [{ tempFilePath: 'http://tmp/huge.jpg', size: 6 * 1024 * 1024, fileType: 'image' }] }) })
    tap('image-button')
    await waitFor(() => composerError() !== '', 'the error')
    expect(composerError()).toBe('图片不能超过 5 MB，请换一张或压缩后再试。')
    expect(wx.uploadFile).not.toHaveBeenCalled()
  })

  test('closing the picker does nothing', async () => {
    await openThread({ id: '5' }, { chooseMediaAnswer: () => ({ fail: 'chooseMedia:fail cancel' }) })
    tap('image-button')
    await waitFor(() => wx.chooseMedia.mock.calls.length === 1, 'the picker')
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(wx.uploadFile).not.toHaveBeenCalled()
    expect(toastTitles()).toEqual([])
    expect(composerError()).toBe('')
  })

  test('an expired token: logs in again once and uploads', async () => {
    const { backend } = await openThread({ id: '5' })
    backend.base.revokeAllTokens()
    tap('image-button')
    await waitFor(() => wx.uploadFile.mock.calls.length === 2 && !page.data.uploading, 'the second upload')
    expect(wx.uploadFile.mock.calls.map(([options]) => options.header.Authorization)).toEqual(['Bearer token-1', 'Bearer token-2'])
    expect(backend.state.uploads).toHaveLength(1)
    expect(bubbles()).toHaveLength(4)
  })
})

test('in English: the composer, the hints and the errors', async () => {
  await openThread({ id: '5' }, { researcher: { language: 'en' }, conversations: [makeConversation({ id: 5, closed: true })] })
  expect(textOf(page, '#closed-hint')).toBe('The editorial office closed this conversation. Sending a new message reopens it.')
  expect(textOf(page.querySelector('#send-button'), '.t-button__content')).toBe('Send')
})

describe('"编辑部回复时提醒我": WeChat alerts of the office\'s replies', () => {
  const REPLY_TEMPLATES = ['status_changed', 'editorial_reply']

  test('once the researcher has written, one tap asks WeChat for the editorial_reply template', async () => {
    const { backend } = await openThread({ id: '5' }, {
      templates: REPLY_TEMPLATES, subscribeAnswer: (ids) => ({ [ids[0]]: 'accept' }),
    })
    await waitFor(() => page.querySelector('#reply-alert'), 'the alert bar')
    expect(textOf(page, '#reply-alert-text')).toBe('编辑部回复时，通过微信提醒我')
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled() // opening the thread never asks

    const before = wx.requests.length
    tap('reply-alert-button')
    await waitFor(() => !page.data.asking && toastTitles().length === 1, 'the answer to be counted')
    // The popup came from the tap itself (the state was fetched on load), then the answer was counted.
    expect(wx.requests.slice(before).map((call) => `${call.method} ${call.path}`)).toEqual(['POST /api/v1/notifications/subscriptions'])
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.editorial_reply]])
    expect(backend.base.state.subscriptionResults).toEqual([{ errMsg: 'requestSubscribeMessage:ok', [TEMPLATE_IDS.editorial_reply]: 'accept' }])
    expect(textOf(page, '#reply-alert-text')).toBe('回复提醒已开启，还可提醒 1 次')
    expect(toastTitles()).toEqual(['已开启提醒'])
  })

  test('not offered before the researcher wrote anything, nor without a template', async () => {
    await openThread({ manuscript: '34', journal: '12' }, { conversations: [], templates: REPLY_TEMPLATES })
    await waitFor(() => wx.requests.some((call) => call.path === '/api/v1/notifications/subscriptions'), 'the alert state')
    expect(page.querySelector('#thread-empty')).toBeDefined()
    expect(page.querySelector('#reply-alert')).toBeUndefined()
    page.detach()

    await openThread({ id: '5' })
    await waitFor(() => wx.requests.some((call) => call.path === '/api/v1/notifications/subscriptions'), 'the alert state')
    expect(page.querySelector('#reply-alert')).toBeUndefined()
  })

  test('in English, with alerts already allowed', async () => {
    await openThread({ id: '5' }, { researcher: { language: 'en' }, templates: REPLY_TEMPLATES, subscriptions: { editorial_reply: { credits: 3 } } })
    await waitFor(() => page.querySelector('#reply-alert'), 'the alert bar')
    expect(textOf(page, '#reply-alert-text')).toBe('Reply alerts on: 3 left')
    expect(textOf(page.querySelector('#reply-alert-button'), '.t-button__content')).toBe('One more alert')
  })
})
