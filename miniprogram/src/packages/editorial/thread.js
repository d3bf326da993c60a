// One conversation with a journal's editorial office: the messages as bubbles (mine on the right, the office's on
// the left with the office's name; images full width, tap to preview), and a composer (text + send, an image
// button).
//
// Opened as `?id=<conversation>` (the list, the `editorial_reply` notice), or to ask something:
// `?manuscript=<id>&journal=<id>` (the manuscript page) or `?journal=<id>` (the list's "Ask a journal"). Asking
// first looks for the conversation to continue (GET /api/v1/conversations?manuscript= or ?journal=: the most
// recently active one for that manuscript, or for that journal without a manuscript, even a closed one: posting
// reopens it); without one the page is empty and the first message creates it (POST /api/v1/conversations
// {journal, manuscript, body}). The title is the journal's name.
//
// Text: POST …/{id}/messages {body}. An image: wx.chooseMedia (one, compressed) then wx.uploadFile to the same path,
// field `image`, with the token as utils/api.js sends it (editorial.uploadImage); a local bubble shows the upload's
// progress, and both buttons wait until it is done. An image before any conversation exists: the conversation is
// created first, with the text typed in the composer as its first message, or "（图片）/(Image)" when there is none
// (the backend creates a conversation only with a text message).
//
// Nothing typed is lost: the composer is cleared only once the backend accepted the message. A 400 shows the
// backend's field message under the composer; a 429, a network failure or a server error also toasts. The draft is
// kept in storage (per conversation, or per manuscript / journal before one exists) when the page hides or a send
// fails, and comes back when the page opens again.
//
// "编辑部回复时提醒我": once the researcher has written, the page offers WeChat alerts of the office's replies (the
// editorial_reply template; each "allow" is one alert, shared by every conversation; utils/subscribe.js), opened
// within the tap; a banned template opens WeChat's settings instead. Without a template, nothing is offered.
//
// The thread is fetched again on every show (which also marks the office's replies read) and every
// POLL_INTERVAL_MS while shown; an answer that started before a message was posted is dropped (it is older).
// The page scrolls to the newest message when messages arrive.
const api = require('../../utils/api')
const subscribe = require('../../utils/subscribe')
const editorial = require('./editorial')
const texts = require('./texts')

const POLL_INTERVAL_MS = 15000
const REPLY_ALERT_KIND = 'editorial_reply'
const DRAFT_STORAGE_PREFIX = 'editorial_draft:'

Page({
  data: {
    t: {},
    state: 'loading', // loading | ready | not_found | error | idle (signed out)
    journalName: '',
    intro: '',
    about: '',
    closed: false,
    messages: [], // editorial.messageView(...), and the image being uploaded (pending)
    draft: '',
    maxLength: editorial.MAX_BODY_LENGTH,
    canSend: false,
    sending: false,
    uploading: false,
    uploadProgress: 0,
    uploadText: '',
    composerError: '',
    replyAlert: null, // replyAlertView
    asking: false,
  },

  conversationId: '',
  manuscriptId: '',
  journalId: '',
  draftKey: '',
  journalName: '',
  manuscriptTitle: '',
  conversationState: '',
  messages: [],
  pending: null, // { path } of the image being uploaded
  generation: 0, // moved by every post: a fetch that started before one is stale
  loaded: false,
  visible: false,
  unloaded: false,
  refreshing: false,
  pollTimer: null,
  alertState: null, // the subscription state (utils/subscribe.js), null while unknown

  onLoad(query) {
    this.conversationId = editorial.idOf(query.id)
    this.manuscriptId = editorial.idOf(query.manuscript)
    this.journalId = editorial.idOf(query.journal)
    this.draftKey = this.conversationId ? `c${this.conversationId}` : (this.manuscriptId ? `m${this.manuscriptId}` : `j${this.journalId}`)
    const draft = String(wx.getStorageSync(DRAFT_STORAGE_PREFIX + this.draftKey) || '')
    this.setData({ draft })
    this.render()
    return this.load()
  },

  onShow() {
    this.visible = true
    this.render()
    if (!this.loaded) return undefined // onLoad's load() is on its way
    this.schedulePoll()
    return this.refresh()
  },

  onHide() {
    this.visible = false
    this.stopPoll()
    this.saveDraft()
  },

  onUnload() {
    this.unloaded = true
    this.onHide()
  },

  /** Everything shown from what the page holds (language, journal, messages, the pending upload). */
  render(callback) {
    const journalName = this.journalName
    const pending = this.pending
      ? [{ key: 'pending', id: 0, body: '', mine: true, author: '', image: { url: this.pending.path, width: 0, height: 0 }, time: '', pending: true }]
      : []
    const draft = this.data.draft
    const busy = this.data.sending || this.data.uploading
    this.setData({
      t: texts.strings(),
      journalName,
      intro: journalName ? texts.t('threadIntro', { journal: journalName }) : '',
      about: this.manuscriptTitle ? texts.t('threadAbout', { title: this.manuscriptTitle }) : '',
      closed: this.conversationState === 'closed',
      messages: this.messages.concat(pending),
      canSend: Boolean(String(draft || '').trim()) && !busy,
      uploadText: texts.t('uploading', { progress: this.data.uploadProgress }),
      replyAlert: this.replyAlertView(),
    }, callback)
    texts.setTitle(journalName ? { text: journalName } : { key: 'titleThreadFallback' })
  },

  /** The reply-alert bar once the researcher has written here and a template is offered; null otherwise. */
  replyAlertView() {
    const entry = subscribe.kindState(this.alertState, REPLY_ALERT_KIND)
    if (!entry || !this.messages.some((message) => message.mine)) return null
    if (entry.banned) return { on: false, text: texts.t('alertBannedHint'), buttonText: texts.t('actionOpenSettings') }
    const on = entry.credits > 0
    return {
      on,
      text: on ? texts.t('replyAlertOn', { count: entry.credits }) : texts.t('replyAlertOff'),
      buttonText: texts.t(on ? 'actionAlertMore' : 'actionReplyAlert'),
    }
  },

  /** The editorial_reply consent popup, within this tap (WeChat's settings first for a banned template). */
  async onReplyAlert() {
    if (this.data.asking) return
    this.setData({ asking: true })
    const { state, gained } = await subscribe.askForKind(REPLY_ALERT_KIND, this.alertState)
    this.alertState = state
    this.setData({ asking: false })
    this.render()
    if (gained) wx.showToast({ icon: 'success', title: texts.t('toastAlertsOn') })
  },


  async load() {
    await getApp().loginReady
    if (api.isSignedOut()) {
      this.setData({ state: 'idle' })
      return
    }
    // Known before any tap, so the consent popup opens within the tap itself (a quiet request: alerts are extra).
    subscribe.fetchState().then((state) => {
      if (!state || this.unloaded) return
      this.alertState = state
      this.render()
    })
    if (!this.conversationId && !this.manuscriptId && !this.journalId) {
      this.setData({ state: 'not_found' })
      return
    }
    this.setData({ state: 'loading' })
    try {
      if (!this.conversationId) {
        const existing = await editorial.existingConversation({ manuscript: this.manuscriptId, journal: this.journalId })
        if (existing) this.conversationId = String(existing.id)
      }
      if (this.conversationId) await this.fetchConversation()
      else await this.prepareNew()
      this.loaded = true
      this.setData({ state: 'ready' })
      this.render(() => this.scrollToEnd())
      this.schedulePoll()
    } catch (err) {
      if (err.statusCode === 404) {
        this.setData({ state: 'not_found' })
        return
      }
      api.showError(err)
      this.setData({ state: 'error' })
    }
  },

  onRetry() {
    return this.load()
  },

  /** Nothing to continue: the journal's name (and the manuscript's title) for the empty thread. */
  async prepareNew() {
    if (this.manuscriptId) {
      const manuscript = await api.request(`${editorial.MANUSCRIPTS_PATH}/${this.manuscriptId}`, { toast: false })
      this.manuscriptTitle = manuscript.title || ''
      if (manuscript.journal) {
        this.journalName = manuscript.journal.name || ''
        if (!this.journalId && manuscript.journal.id !== undefined) this.journalId = String(manuscript.journal.id)
      }
      return
    }
    this.journalName = await editorial.journalName(this.journalId)
  },

  /** The backend's detail -> what the page holds. */
  applyConversation(conversation) {
    this.journalName = (conversation.journal && conversation.journal.name) || this.journalName
    this.manuscriptTitle = (conversation.manuscript && conversation.manuscript.title) || ''
    this.conversationState = conversation.state || ''
    this.messages = (conversation.messages || []).map(editorial.messageView)
  },

  /** GET the conversation (marks the office's messages read). Resolves false when a post made the answer stale. */
  async fetchConversation() {
    const generation = this.generation
    const conversation = await api.request(editorial.conversationPath(this.conversationId), { toast: false })
    if (generation !== this.generation || this.unloaded) return false
    this.applyConversation(conversation)
    return true
  },

  /** Fetch again, quietly (a failure waits for the next show or poll); scroll when something new arrived. */
  async refresh() {
    if (!this.conversationId || this.data.state !== 'ready' || this.unloaded) return
    const lastBefore = this.lastMessageKey()
    this.refreshing = true
    let applied = false
    try {
      applied = await this.fetchConversation()
    } catch (err) {
      // Quiet: the next poll or show tries again.
    }
    this.refreshing = false
    if (applied) this.render(() => { if (this.lastMessageKey() !== lastBefore) this.scrollToEnd() })
  },

  lastMessageKey() {
    const last = this.messages[this.messages.length - 1]
    return last ? last.key : ''
  },

  /** Fetch again every POLL_INTERVAL_MS while the page is shown (one fetch at a time). */
  schedulePoll() {
    this.stopPoll()
    if (!this.visible || this.unloaded || !this.conversationId) return
    this.pollTimer = setInterval(() => {
      if (!this.refreshing) this.refresh()
    }, POLL_INTERVAL_MS)
  },

  stopPoll() {
    if (this.pollTimer) clearInterval(this.pollTimer)
    this.pollTimer = null
  },

  scrollToEnd() {
    if (typeof wx.pageScrollTo !== 'function') return
    wx.pageScrollTo({ selector: '#thread-end', duration: 0, fail() { /* page is gone */ } })
  },

  onDraftChange(event) {
    const draft = String((event.detail && event.detail.value) || '')
    this.setData({ draft, canSend: Boolean(draft.trim()) && !this.isBusy(), composerError: '' })
  },

  isBusy() {
    return this.data.sending || this.data.uploading
  },

  setBusy(flags) {
    this.setData(flags)
    this.setData({ canSend: Boolean(String(this.data.draft || '').trim()) && !this.isBusy() })
  },

  saveDraft() {
    const key = DRAFT_STORAGE_PREFIX + this.draftKey
    const draft = String(this.data.draft || '')
    if (draft.trim()) wx.setStorageSync(key, draft)
    else wx.removeStorageSync(key)
  },

  clearDraft() {
    wx.removeStorageSync(DRAFT_STORAGE_PREFIX + this.draftKey)
    this.setData({ draft: '' })
  },

  /**
   * Post a text: to the conversation, or, before there is one, as the first message of a new one. Rejects with
   * the ApiError (not toasted).
   */
  async post(body) {
    this.generation += 1
    if (this.conversationId) {
      const message = await api.request(editorial.messagesPath(this.conversationId), { method: 'POST', data: { body }, toast: false })
      this.messages = this.messages.concat(editorial.messageView(message))
      this.conversationState = 'waiting' // the researcher wrote last (a closed conversation is reopened)
    } else {
      const data = { journal: this.journalId ? Number(this.journalId) : null, manuscript: this.manuscriptId ? Number(this.manuscriptId) : null, body }
      const conversation = await api.request(editorial.CONVERSATIONS_PATH, { method: 'POST', data, toast: false })
      this.conversationId = String(conversation.id)
      this.applyConversation(conversation)
      this.schedulePoll()
    }
    this.generation += 1 // a fetch that started while this was on its way does not have it
  },

  async onSend() {
    if (this.isBusy() || this.data.state !== 'ready') return
    const body = String(this.data.draft || '').trim()
    if (!body) {
      this.setData({ composerError: texts.t('messageEmpty') })
      return
    }
    if (body.length > editorial.MAX_BODY_LENGTH) {
      this.setData({ composerError: texts.t('messageTooLong', { max: editorial.MAX_BODY_LENGTH }) })
      return
    }
    this.setData({ composerError: '' })
    this.setBusy({ sending: true })
    try {
      await this.post(body)
      this.clearDraft()
    } catch (err) {
      this.showPostError(err)
    }
    this.setBusy({ sending: false })
    this.render(() => this.scrollToEnd())
  },

  /** The image button: choose one, check its size, then upload it (creating the conversation first if needed). */
  async onChooseImage() {
    if (this.isBusy() || this.data.state !== 'ready') return
    let file
    try {
      file = await editorial.chooseImage()
    } catch (err) {
      wx.showToast({ icon: 'none', title: err.message })
      return
    }
    if (!file) return // cancelled
    if (file.size > editorial.MAX_IMAGE_BYTES) {
      this.setData({ composerError: texts.t('imageTooLarge') })
      return
    }
    this.pending = { path: file.path }
    this.setData({ composerError: '', uploadProgress: 0 })
    this.setBusy({ uploading: true })
    this.render(() => this.scrollToEnd())
    try {
      if (!this.conversationId) {
        const typed = String(this.data.draft || '').trim()
        await this.post(typed || texts.t('imageOnlyFirstMessage'))
        if (typed) this.clearDraft()
        this.render()
      }
      this.generation += 1
      const message = await editorial.uploadImage(this.conversationId, file.path, {
        onProgress: (progress) => this.setData({ uploadProgress: progress, uploadText: texts.t('uploading', { progress }) }),
      })
      this.generation += 1
      this.messages = this.messages.concat(editorial.messageView(message))
      this.conversationState = 'waiting'
    } catch (err) {
      this.showPostError(err)
    }
    this.pending = null
    this.setBusy({ uploading: false })
    this.render(() => this.scrollToEnd())
  },

  /** Under the composer: the backend's field message (400), or why it was not sent; toasted too unless a 400. */
  showPostError(err) {
    this.setData({ composerError: editorial.errorText(err) })
    if (err.statusCode !== 400) api.showError(err)
    this.saveDraft()
  },

  onPreviewImage(event) {
    const current = event.currentTarget.dataset.url
    if (!current) return
    const urls = this.messages.filter((message) => message.image).map((message) => message.image.url)
    wx.previewImage({ current, urls: urls.includes(current) ? urls : [current] })
  },
})
