// What the editorial pages share: the conversations API (paths and shapes as the backend documents them), how a
// conversation and a message are shown, choosing an image and uploading it with the token, and the journals a
// researcher can ask (those of their manuscripts).
//
// API (all with the researcher's token; someone else's conversation is 404):
//   GET  /api/v1/conversations[?journal=][&manuscript=]  paged, most recently active first: {id, journal {id, name},
//        manuscript {id, title, manuscript_number} | null, state waiting|answered|closed, unread, last_message
//        {body, from_staff, has_image, created_at} | null, created_at, updated_at}
//   POST /api/v1/conversations {journal, manuscript, body} -> 201 the detail (an open conversation for the same
//        manuscript, or journal without manuscript, gets the message appended instead of a duplicate)
//   GET  /api/v1/conversations/{id} -> the list shape + messages [{id, body, from_staff, author, image {url, width,
//        height} | null, created_at}] oldest first; reading it marks the office's messages read
//   POST /api/v1/conversations/{id}/messages JSON {body}, or multipart with file field `image` (wx.uploadFile) ->
//        201 the message; posting to a closed conversation reopens it. Bad image -> 400 naming `image`.
// Image URLs are signed and work without a token (an <image> cannot send one).
const api = require('../../utils/api')
const config = require('../../utils/config')
const i18n = require('../../utils/i18n')
const { formatDateTime, formatRelative } = require('../../utils/format')
const texts = require('./texts')

const CONVERSATIONS_PATH = '/api/v1/conversations'
const MANUSCRIPTS_PATH = '/api/v1/manuscripts'
const JOURNAL_SYSTEMS_PATH = '/api/v1/journal-systems'
const PAGE_CONVERSATIONS = '/packages/editorial/conversations'
const PAGE_THREAD = '/packages/editorial/thread'
const PAGE_LINK_ACCOUNT = '/pages/accounts/link'

const MAX_BODY_LENGTH = 2000 // the backend's limit of a message
const MAX_IMAGE_BYTES = 5 * 1024 * 1024 // the backend's limit of an image
const UPLOAD_TIMEOUT_MS = 60000 // a 5 MB image on a slow mobile connection
const PREVIEW_LENGTH = 60

// Conversation state -> its label key and TDesign tag theme.
const STATES = {
  waiting: { key: 'stateWaiting', theme: 'warning' },
  answered: { key: 'stateAnswered', theme: 'success' },
  closed: { key: 'stateClosed', theme: 'default' },
}

const conversationPath = (id) => `${CONVERSATIONS_PATH}/${id}`
const messagesPath = (id) => `${CONVERSATIONS_PATH}/${id}/messages`

/** Only digits: an id from a page query, else ''. */
function idOf(value) {
  const id = String(value === undefined || value === null ? '' : value)
  return /^\d+$/.test(id) ? id : ''
}

function stateOf(state) {
  return STATES[state] || STATES.waiting
}

/** The list's one-line preview of the last message: "[图片]" for an image, "我：" / "编辑部：" before it. */
function previewOf(last) {
  if (!last) return texts.t('previewNone')
  const body = String(last.body || '').replace(/\s+/g, ' ').trim()
  const shortBody = body.length > PREVIEW_LENGTH ? `${body.slice(0, PREVIEW_LENGTH)}…` : body
  const content = [last.has_image ? texts.t('previewImage') : '', shortBody].filter(Boolean).join(' ')
  return texts.t(last.from_staff ? 'previewOffice' : 'previewMine') + content
}

function manuscriptLine(manuscript) {
  if (!manuscript) return ''
  const title = manuscript.title || ''
  return manuscript.manuscript_number ? texts.t('manuscriptLine', { title, number: manuscript.manuscript_number }) : title
}

/** A row of the conversations list. */
function conversationRow(conversation, now = Date.now()) {
  const state = stateOf(conversation.state)
  const unread = Math.max(0, Number(conversation.unread) || 0)
  const last = conversation.last_message
  const journal = (conversation.journal && conversation.journal.name) || ''
  const preview = previewOf(last)
  const stateLabel = texts.t(state.key)
  return {
    id: conversation.id,
    journal,
    manuscript: manuscriptLine(conversation.manuscript),
    state: conversation.state,
    stateLabel,
    stateTheme: state.theme,
    unread,
    unreadText: unread > 99 ? '99+' : String(unread),
    preview,
    time: formatRelative((last && last.created_at) || conversation.updated_at, texts.t, now),
    a11yLabel: texts.t('a11yConversation', { journal, state: stateLabel, unread: unread ? texts.t('a11yUnread', { count: unread }) : '', preview }),
  }
}

/** A message bubble: mine on the right, the office's on the left with its name. */
function messageView(message) {
  const image = message.image && message.image.url ? { url: message.image.url, width: message.image.width || 0, height: message.image.height || 0 } : null
  return {
    key: `m${message.id}`,
    id: message.id,
    body: message.body || '',
    mine: !message.from_staff,
    author: message.author || '',
    image,
    time: formatDateTime(message.created_at),
    pending: false,
  }
}

/** Total unread office messages over conversations of one list page (the Me page's count). */
function unreadTotal(conversations) {
  return (conversations || []).reduce((total, conversation) => total + Math.max(0, Number(conversation.unread) || 0), 0)
}

/** What a failed post says under the composer: the field's own message for a 400, else the error's message. */
function errorText(err) {
  if (err && err.statusCode === 400) {
    const fields = err.fields || {}
    const first = ['body', 'image', 'journal', 'manuscript', 'non_field_errors']
      .concat(Object.keys(fields))
      .map((name) => api.fieldMessages(fields[name])[0])
      .find(Boolean)
    return first || err.message
  }
  if (err && err.code === 'network_error') return texts.t('messageFailed')
  return (err && err.message) || i18n.t('errorGeneric')
}

/**
 * The journals of the researcher's manuscripts, each once, in the order the list gives them (most recent activity
 * first): [{ id, name }]. Rejects with the ApiError (not toasted).
 */
async function journalsToAsk() {
  const manuscripts = await api.requestAllPages(`${MANUSCRIPTS_PATH}?page_size=100`, { toast: false })
  const seen = new Map()
  manuscripts.forEach((manuscript) => {
    const journal = manuscript.journal
    if (journal && journal.id !== undefined && !seen.has(String(journal.id))) seen.set(String(journal.id), { id: journal.id, name: journal.name || '' })
  })
  return [...seen.values()]
}

/** A journal's name from the journal systems list ('' when it is not there or the list cannot be read). */
async function journalName(journalId) {
  try {
    const systems = await api.requestAllPages(JOURNAL_SYSTEMS_PATH, { toast: false })
    const journal = systems.flatMap((system) => system.journals || []).find((candidate) => String(candidate.id) === String(journalId))
    return (journal && journal.name) || ''
  } catch (err) {
    return ''
  }
}

/**
 * The conversation to continue for a manuscript, or for a journal without a manuscript: the open one (the backend
 * keeps at most one), else the most recently active closed one (posting reopens it), else null. Rejects with the
 * ApiError.
 */
async function existingConversation({ manuscript, journal }) {
  const query = manuscript ? `manuscript=${manuscript}` : `journal=${journal}`
  const body = await api.request(`${CONVERSATIONS_PATH}?${query}`, { toast: false })
  const matching = ((body && body.results) || []).filter((conversation) => (manuscript
    ? conversation.manuscript && String(conversation.manuscript.id) === String(manuscript)
    : !conversation.manuscript && conversation.journal && String(conversation.journal.id) === String(journal)))
  return matching.find((conversation) => conversation.state !== 'closed') || matching[0] || null
}

/**
 * wx.chooseMedia for one compressed image. Resolves { path, size } or null when the researcher cancelled; rejects
 * with an Error whose message is ready to show (the album and camera are privacy APIs: see utils/privacy.js).
 */
function chooseImage() {
  return new Promise((resolve, reject) => {
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sizeType: ['compressed'],
      success: (res) => {
        const file = res && res.tempFiles && res.tempFiles[0]
        resolve(file ? { path: file.tempFilePath, size: Number(file.size) || 0 } : null)
      },
      fail: (res) => {
        const errMsg = (res && res.errMsg) || ''
        if (/cancel/i.test(errMsg)) resolve(null)
        else reject(new Error(texts.t(/privacy permission is not authorized/i.test(errMsg) ? 'imageNeedsPrivacy' : 'imageChooseFailed')))
      },
    })
  })
}

function fallbackMessage(statusCode) {
  if (statusCode === 401) return i18n.t('errorSession')
  if (statusCode === 429) return i18n.t('errorThrottled')
  if (statusCode >= 500) return i18n.t('errorServer')
  return i18n.t('errorGeneric')
}

/** wx.uploadFile's answer (its data is the raw text) -> the message, or an ApiError like api.request's. */
function uploadResult(res) {
  let body = res.data
  if (typeof body === 'string') {
    try { body = body ? JSON.parse(body) : null } catch (err) { body = null }
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return body
  const data = body && typeof body === 'object' ? body : {}
  // The contract's error shape names fields under `fields`; a bare DRF answer ({"image": [...]}) is read too.
  const fields = data.fields && typeof data.fields === 'object' ? data.fields : (Array.isArray(data.image) ? { image: data.image } : {})
  const message = typeof data.message === 'string' && data.message ? data.message : (api.fieldMessages(fields.image)[0] || fallbackMessage(res.statusCode))
  return new api.ApiError(message, {
    statusCode: res.statusCode,
    code: typeof data.code === 'string' ? data.code : `http_${res.statusCode}`,
    fields,
  })
}

function uploadOnce({ url, filePath, token, onProgress }) {
  return new Promise((resolve, reject) => {
    const task = wx.uploadFile({
      url,
      filePath,
      name: 'image',
      // As utils/api.js sends every request: our token and the language of the answer's messages.
      header: { Authorization: `Bearer ${token}`, 'Accept-Language': i18n.getLanguage() },
      timeout: UPLOAD_TIMEOUT_MS,
      success: resolve,
      fail: (res) => reject(new api.ApiError(i18n.t('errorNetwork'), { code: 'network_error', errMsg: res && res.errMsg })),
    })
    if (task && typeof task.onProgressUpdate === 'function') task.onProgressUpdate((res) => onProgress(Number(res.progress) || 0))
  })
}

/**
 * Upload an image as a new message of conversation `id` (multipart, field `image`) with the token as utils/api.js
 * sends it: the stored token, a login when there is none, one more login and try after a 401. Resolves with the
 * message; rejects with an ApiError (not toasted). `onProgress(percent)` follows the upload.
 * @param {string} id
 * @param {string} filePath
 * @param {{onProgress?: (percent: number) => void}} [options]
 */
async function uploadImage(id, filePath, { onProgress = () => {} } = {}) {
  await getApp().loginReady
  if (api.isSignedOut()) throw new api.ApiError(i18n.t('errorSignedOut'), { statusCode: 401, code: 'signed_out' })
  if (!api.usableToken()) await api.login()
  const url = config.apiBase() + messagesPath(id)
  let res = await uploadOnce({ url, filePath, token: api.getToken(), onProgress })
  if (res.statusCode === 401) {
    await api.login()
    res = await uploadOnce({ url, filePath, token: api.getToken(), onProgress })
  }
  const result = uploadResult(res)
  if (result instanceof api.ApiError) throw result
  return result
}

module.exports = {
  CONVERSATIONS_PATH,
  MANUSCRIPTS_PATH,
  MAX_BODY_LENGTH,
  MAX_IMAGE_BYTES,
  PAGE_CONVERSATIONS,
  PAGE_LINK_ACCOUNT,
  PAGE_THREAD,
  STATES,
  chooseImage,
  conversationPath,
  conversationRow,
  errorText,
  existingConversation,
  idOf,
  journalName,
  journalsToAsk,
  messageView,
  messagesPath,
  previewOf,
  unreadTotal,
  uploadImage,
}
