// The researcher's conversations with editorial offices: GET /api/v1/conversations, paged (`next`), most recently
// active first. Each row: journal, manuscript (title and number), state (waiting / answered / closed), unread
// count, the last message ("[图片]" for an image) and when. Pull-down refresh, the next page on reaching the bottom,
// reloaded on every show (a reply read in the thread changes the unread counts; the list shown stays until the
// answer arrives).
//
// "向期刊提问 / Ask a journal" (in the empty state, and above the list) shows the journals of the researcher's
// manuscripts (GET /api/v1/manuscripts, the home page's list); choosing one opens the thread page for that journal,
// which starts the conversation with the first message. No manuscripts: the way to link a journal account.
const api = require('../../utils/api')
const { PagedList, signedInListMethods } = require('../../utils/paged-list')
const editorial = require('./editorial')
const texts = require('./texts')

Page({
  data: {
    t: {},
    listState: 'loading', // loading | ready | error | idle (signed out)
    rows: [],
    hasMore: false,
    loadingMore: false,
    pagesLoaded: 0,
    picking: false,
    pickerState: 'loading', // loading | ready | error
    journals: [], // [{ id, name, a11yLabel }]
  },

  list: null,

  onLoad() {
    this.list = new PagedList({ state: 'loading', onChange: () => this.render() })
  },

  onShow() {
    this.render()
    return this.reload()
  },

  render() {
    const view = this.list.view()
    const now = Date.now()
    this.setData({
      t: texts.strings(),
      listState: view.state,
      rows: this.list.items.map((conversation) => editorial.conversationRow(conversation, now)),
      hasMore: view.hasMore,
      loadingMore: view.loadingMore,
      pagesLoaded: view.pagesLoaded,
    })
    texts.setTitle({ key: 'titleConversations' })
  },

  ...signedInListMethods(editorial.CONVERSATIONS_PATH),

  onOpen(event) {
    wx.navigateTo({ url: `${editorial.PAGE_THREAD}?id=${event.currentTarget.dataset.id}` })
  },

  /** "Ask a journal": the journals of the researcher's manuscripts to choose from. */
  async onAsk() {
    this.setData({ picking: true, pickerState: 'loading' })
    try {
      const journals = await editorial.journalsToAsk()
      this.setData({
        pickerState: 'ready',
        journals: journals.map((journal) => Object.assign({}, journal, { a11yLabel: texts.t('a11yAskJournal', { journal: journal.name }) })),
      })
    } catch (err) {
      api.showError(err)
      this.setData({ pickerState: 'error' })
    }
  },

  onPickJournal(event) {
    const id = editorial.idOf(event.currentTarget.dataset.id)
    if (id) wx.navigateTo({ url: `${editorial.PAGE_THREAD}?journal=${id}` })
  },

  onLinkAccount() {
    wx.navigateTo({ url: editorial.PAGE_LINK_ACCOUNT })
  },
})
