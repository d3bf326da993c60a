// In-memory stand-in for the backend's conversations API (the shapes the backend and the Mini Program agreed on,
// see src/packages/editorial/editorial.js), layered on helpers/fake-backend.js (auth, manuscripts, journal systems):
// the researcher's conversations, paged like DRF and most recently active first, filtered by ?journal= / ?manuscript=;
// creating one with its first message (a manuscript must be the researcher's own, a given journal must be the
// manuscript's, an open conversation for the same manuscript — or journal without manuscript — gets the message
// instead of a duplicate); the detail (reading it marks the office's messages read); posting a text (reopens a
// closed conversation) and, through the scripted wx.uploadFile, an image (multipart field `image`, the token in
// the Authorization header; `imageError` answers 400 naming `image`). Someone else's conversation is 404.
// `staffReply(id, body)` is the editorial office answering. Messages follow Accept-Language like the backend.
const { createBackend, RESEARCHER_ID } = require('./fake-backend')

const OTHER_RESEARCHER_ID = 99
const MAX_BODY_LENGTH = 2000
const MESSAGES = {
  'zh-hans': {
    not_found: '未找到。',
    invalid: '请检查填写的内容。',
    throttled: '请求过于频繁，请稍后再试。',
    body_required: '请填写此项。',
    body_too_long: '请确保这个字段不超过 2000 个字符。',
    manuscript_not_yours: '找不到这篇稿件。',
    journal_mismatch: '这篇稿件不属于所选的期刊。',
    journal_unknown: '期刊 {id} 不存在。',
    image_bad: '请上传 JPEG、PNG 或 WebP 格式、不超过 5 MB 的图片。',
  },
  en: {
    not_found: 'Not found.',
    invalid: 'Please check what you entered.',
    throttled: 'Too many requests. Please try again later.',
    body_required: 'This field is required.',
    body_too_long: 'Ensure this field has no more than 2000 characters.',
    manuscript_not_yours: 'This manuscript was not found.',
    journal_mismatch: 'This manuscript is not in the chosen journal.',
    journal_unknown: 'Journal {id} does not exist.',
    image_bad: 'Upload a JPEG, PNG or WebP image of at most 5 MB.',
  },
}

/** A message as the backend stores it. */
function makeMessage(overrides = {}) {
  return Object.assign({ id: 1, body: '', from_staff: false, image: null, created_at: '2025-12-01T02:00:00Z', read: true }, overrides)
}

/** A conversation as the backend stores it (owner `researcher_id`; `messages` oldest first). */
function makeConversation(overrides = {}) {
  const conversation = Object.assign({
    id: 5,
    researcher_id: RESEARCHER_ID,
    journal: { id: 12, name: 'Annals of Marine Ecology' },
    manuscript: { id: 34, title: 'Coral bleaching under repeated heatwaves', manuscript_number: 'AME-2025-0042' },
    closed: false,
    created_at: '2025-12-01T02:00:00Z',
    messages: [makeMessage({ id: 51, body: '请问稿件什么时候送审？', created_at: '2025-12-01T02:00:00Z' })],
  }, overrides)
  conversation.messages = conversation.messages.map((message) => makeMessage(message))
  return conversation
}

/**
 * createConversationsBackend({ conversations, throttled, imageError, …the options of createBackend }) ->
 * { base, state, respond, install(wx), staffReply(id, body, { image }) }.
 */
function createConversationsBackend({ conversations = [makeConversation()], throttled = false, imageError = false, ...baseOptions } = {}) {
  const researcher = Object.assign({ display_name: 'Ada Lovelace' }, baseOptions.researcher)
  const base = createBackend(Object.assign({}, baseOptions, { researcher }))
  const state = {
    conversations: conversations.map((conversation) => makeConversation(conversation)),
    throttled, // true: posting a message answers 429
    imageError, // true: an uploaded image is refused (400 naming `image`)
    nextConversation: 900,
    nextMessage: 9000,
    posts: [], // bodies of every accepted POST (create or message)
    uploads: [], // { path, name, filePath, formData, header } of every wx.uploadFile that reached the backend
  }

  const lang = (call) => (call.header['Accept-Language'] === 'en' ? 'en' : 'zh-hans')
  const text = (call, key, params = {}) => MESSAGES[lang(call)][key].replace(/\{(\w+)\}/g, (whole, name) => String(params[name]))
  const error = (call, statusCode, code, fields, message) => ({ statusCode, data: { code, message: message || MESSAGES[lang(call)][code], fields: fields || {} } })
  const ok = (data, statusCode = 200) => ({ statusCode, data })
  const bearer = (header) => String((header && header.Authorization) || '').replace(/^Bearer /, '')
  const own = (conversation) => conversation.researcher_id === RESEARCHER_ID
  const now = () => new Date().toISOString()
  const officeName = (conversation) => `${conversation.journal.name} 编辑部`

  function stateOf(conversation) {
    if (conversation.closed) return 'closed'
    const last = conversation.messages[conversation.messages.length - 1]
    return last && last.from_staff ? 'answered' : 'waiting'
  }

  function activity(conversation) {
    const last = conversation.messages[conversation.messages.length - 1]
    return last ? last.created_at : conversation.created_at
  }

  function summary(conversation) {
    const last = conversation.messages[conversation.messages.length - 1]
    return {
      id: conversation.id,
      journal: Object.assign({}, conversation.journal),
      manuscript: conversation.manuscript ? Object.assign({}, conversation.manuscript) : null,
      state: stateOf(conversation),
      unread: conversation.messages.filter((message) => message.from_staff && !message.read).length,
      last_message: last ? { body: last.body, from_staff: last.from_staff, has_image: Boolean(last.image), created_at: last.created_at } : null,
      created_at: conversation.created_at,
      updated_at: activity(conversation),
    }
  }

  function messageOut(conversation, message) {
    return {
      id: message.id,
      body: message.body,
      from_staff: message.from_staff,
      author: message.from_staff ? officeName(conversation) : base.state.researcher.display_name,
      image: message.image ? Object.assign({}, message.image) : null,
      created_at: message.created_at,
    }
  }

  function detail(conversation) {
    return Object.assign(summary(conversation), { messages: conversation.messages.map((message) => messageOut(conversation, message)) })
  }

  const queryOf = (call) => Object.assign({}, Object.fromEntries(new URL(call.url).searchParams), call.method === 'GET' ? call.data || {} : {})

  function paginated(call, items) {
    const query = queryOf(call)
    const page = Math.max(1, parseInt(query.page, 10) || 1)
    const size = Math.min(parseInt(query.page_size, 10) || base.state.pageSize, 100)
    const pageUrl = (number) => {
      const params = Object.assign({}, query, { page: String(number) })
      return `http://testserver${call.path}?${Object.keys(params).sort().map((key) => `${key}=${encodeURIComponent(params[key])}`).join('&')}`
    }
    const start = (page - 1) * size
    return ok({
      count: items.length,
      next: start + size < items.length ? pageUrl(page + 1) : null,
      previous: page > 1 ? pageUrl(page - 1) : null,
      results: items.slice(start, start + size),
    })
  }

  /** The researcher's manuscripts as the backend sees them (through a verified account). */
  function ownManuscript(id) {
    return base.state.manuscripts.find((manuscript) => manuscript.id === Number(id)
      && base.state.accounts.some((account) => account.id === manuscript.account_id && account.status === 'verified'))
  }

  function journalById(id) {
    return base.state.journalSystems.flatMap((system) => system.journals).find((journal) => journal.id === Number(id))
  }

  function bodyErrors(call, body) {
    const value = String(body === undefined || body === null ? '' : body).trim()
    if (!value) return { body: [text(call, 'body_required')] }
    if (value.length > MAX_BODY_LENGTH) return { body: [text(call, 'body_too_long')] }
    return null
  }

  function addMessage(conversation, fields) {
    const message = makeMessage(Object.assign({ id: state.nextMessage, created_at: now() }, fields))
    state.nextMessage += 1
    conversation.messages.push(message)
    conversation.closed = false // posting reopens
    return message
  }

  function create(call) {
    const body = call.data || {}
    if (state.throttled) return error(call, 429, 'throttled')
    const fields = bodyErrors(call, body.body) || {}
    let journal = null
    let manuscript = null
    if (body.manuscript !== null && body.manuscript !== undefined) {
      manuscript = ownManuscript(body.manuscript)
      if (!manuscript) fields.manuscript = [text(call, 'manuscript_not_yours')]
      else if (body.journal !== null && body.journal !== undefined && Number(body.journal) !== manuscript.journal.id) fields.journal = [text(call, 'journal_mismatch')]
      else journal = journalById(manuscript.journal.id) || manuscript.journal
    } else {
      journal = journalById(body.journal)
      if (!journal) fields.journal = [text(call, 'journal_unknown', { id: body.journal })]
    }
    if (Object.keys(fields).length) return error(call, 400, 'invalid', fields)
    state.posts.push(body)
    let conversation = state.conversations.find((candidate) => own(candidate) && !candidate.closed
      && (manuscript ? candidate.manuscript && candidate.manuscript.id === manuscript.id : !candidate.manuscript && candidate.journal.id === journal.id))
    if (!conversation) {
      conversation = makeConversation({
        id: state.nextConversation,
        journal: { id: journal.id, name: journal.name },
        manuscript: manuscript ? { id: manuscript.id, title: manuscript.title, manuscript_number: manuscript.manuscript_number || '' } : null,
        created_at: now(),
        messages: [],
      })
      state.nextConversation += 1
      state.conversations.push(conversation)
    }
    addMessage(conversation, { body: String(body.body).trim() })
    return ok(detail(conversation), 201)
  }

  function respond(wireCall) {
    const call = Object.assign({}, wireCall, { method: wireCall.logicalMethod || wireCall.method })
    if (!call.path.startsWith('/api/v1/conversations')) return base.respond(wireCall)
    if (!base.state.tokens.has(bearer(call.header))) return base.respond(wireCall) // 401 as the base answers it
    if (call.path === '/api/v1/conversations' && call.method === 'GET') {
      const query = queryOf(call)
      const listed = state.conversations.filter(own)
        .filter((conversation) => !query.journal || conversation.journal.id === Number(query.journal))
        .filter((conversation) => !query.manuscript || (conversation.manuscript && conversation.manuscript.id === Number(query.manuscript)))
        .sort((a, b) => String(activity(b)).localeCompare(String(activity(a))))
      return paginated(call, listed.map(summary))
    }
    if (call.path === '/api/v1/conversations' && call.method === 'POST') return create(call)
    const match = call.path.match(/^\/api\/v1\/conversations\/(\d+)(\/messages)?$/)
    const conversation = match && state.conversations.find((candidate) => candidate.id === Number(match[1]) && own(candidate))
    if (!conversation) return error(call, 404, 'not_found')
    if (!match[2] && call.method === 'GET') {
      conversation.messages.forEach((message) => { if (message.from_staff) message.read = true })
      return ok(detail(conversation))
    }
    if (match[2] && call.method === 'POST') {
      if (state.throttled) return error(call, 429, 'throttled')
      const fields = bodyErrors(call, (call.data || {}).body)
      if (fields) return error(call, 400, 'invalid', fields)
      state.posts.push(call.data)
      return ok(messageOut(conversation, addMessage(conversation, { body: String(call.data.body).trim() })), 201)
    }
    return error(call, 405, 'not_found')
  }

  /** The editorial office answers (unread until the researcher opens the conversation). */
  function staffReply(id, body, { image = null } = {}) {
    const conversation = state.conversations.find((candidate) => candidate.id === id)
    const message = makeMessage({ id: state.nextMessage, body, from_staff: true, image, read: false, created_at: now() })
    state.nextMessage += 1
    conversation.messages.push(message)
    return message
  }

  /** A multipart POST …/{id}/messages as the backend answers it: the status and the raw JSON text. */
  function upload(options) {
    const url = new URL(options.url)
    const header = options.header || {}
    const call = { url: options.url, path: url.pathname, method: 'POST', header, data: options.formData || {} }
    if (!base.state.tokens.has(bearer(header))) return { statusCode: 401, data: { code: 'not_authenticated', message: base.MESSAGES[lang(call)].not_authenticated, fields: {} } }
    const match = url.pathname.match(/^\/api\/v1\/conversations\/(\d+)\/messages$/)
    const conversation = match && state.conversations.find((candidate) => candidate.id === Number(match[1]) && own(candidate))
    if (!conversation) return error(call, 404, 'not_found')
    if (state.throttled) return error(call, 429, 'throttled')
    state.uploads.push({ path: url.pathname, name: options.name, filePath: options.filePath, formData: options.formData, header })
    if (options.name !== 'image' || state.imageError) return error(call, 400, 'invalid', { image: [text(call, 'image_bad')] })
    const id = state.nextMessage
    const message = addMessage(conversation, {
      body: String((options.formData && options.formData.body) || ''),
      image: { url: `https://api.publisher.example/api/v1/conversation-images/${id}?t=signed-${id}`, width: 1200, height: 900 },
    })
    return ok(messageOut(conversation, message), 201)
  }

  /** wx.uploadFile: progress 50 then 100, then success with the answer's data as text (as the client gives it). */
  function install(wx) {
    wx.uploadFile = jest.fn((options = {}) => {
      const listeners = []
      setTimeout(() => {
        listeners.forEach((listener) => listener({ progress: 50, totalBytesSent: 1, totalBytesExpectedToSend: 2 }))
        listeners.forEach((listener) => listener({ progress: 100, totalBytesSent: 2, totalBytesExpectedToSend: 2 }))
        const answer = upload(options)
        const res = { statusCode: answer.statusCode, data: JSON.stringify(answer.data), errMsg: 'uploadFile:ok' }
        if (options.success) options.success(res)
        if (options.complete) options.complete(res)
      }, 0)
      return { onProgressUpdate: (listener) => listeners.push(listener), abort() {} }
    })
    return wx
  }

  return { base, state, respond, install, staffReply, MESSAGES }
}

module.exports = { createConversationsBackend, makeConversation, makeMessage, OTHER_RESEARCHER_ID }
