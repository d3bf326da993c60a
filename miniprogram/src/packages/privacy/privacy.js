// My personal data (PIPL): export what the backend holds about the researcher and erase it.
// GET /api/v1/me/export -> { profile, wechat_identities, journal_accounts, manuscripts, notifications, orders, shares,
// conversations, tags } is summarised per section (how many items) and can be copied whole as JSON.
// DELETE /api/v1/me -> 204 erases the researcher after a confirm that says what is deleted and what is kept (paid
// orders, anonymized); the token is dead afterwards, so the app signs out, and the next login is a new researcher.
// A 409 (a payment in flight) is shown as the backend words it, and nothing changed.
const api = require('../../utils/api')
const texts = require('./texts')

const EXPORT_PATH = '/api/v1/me/export'
const ME_PATH = '/api/v1/me'

// The sections in the order the page lists them, with their label key.
const SECTIONS = [
  ['profile', 'myDataSectionProfile'],
  ['wechat_identities', 'myDataSectionIdentities'],
  ['journal_accounts', 'myDataSectionAccounts'],
  ['manuscripts', 'myDataSectionManuscripts'],
  ['notifications', 'myDataSectionNotifications'],
  ['orders', 'myDataSectionOrders'],
  ['shares', 'myDataSectionShares'],
  ['conversations', 'myDataSectionConversations'],
  ['tags', 'myDataSectionTags'],
]

/** How many items a section holds: a list's length; the profile is one; tags count what they list. */
function countOf(value) {
  if (Array.isArray(value)) return value.length
  if (value && typeof value === 'object') {
    const lists = Object.values(value).filter(Array.isArray)
    return lists.length ? lists.reduce((total, list) => total + list.length, 0) : 1
  }
  return 0
}

/** The export -> the rows the summary shows. */
function summaryOf(exported) {
  return SECTIONS.map(([key, labelKey]) => ({
    key,
    label: texts.t(labelKey),
    count: texts.t('myDataCount', { count: countOf(exported[key]) }),
  }))
}

Page({
  data: {
    t: {},
    state: 'ready', // ready | idle (signed out) | erased
    exporting: false,
    summary: [],
    erasing: false,
  },

  exported: null, // the last export, as the backend answered

  onLoad() {
    this.render()
    return this.load()
  },

  onShow() {
    this.render() // the language may have changed meanwhile
  },

  render() {
    const patch = { t: texts.strings() }
    if (this.exported) patch.summary = summaryOf(this.exported)
    this.setData(patch)
    texts.setTitle('titleMyData')
  },

  async load() {
    await getApp().loginReady
    if (api.isSignedOut() && this.data.state !== 'erased') this.setData({ state: 'idle' })
  },

  async onExport() {
    if (this.data.exporting) return
    this.setData({ exporting: true })
    try {
      this.exported = await api.request(EXPORT_PATH)
      this.render()
    } catch (err) {
      // api.request toasted the reason
    }
    this.setData({ exporting: false })
  },

  /** Copy the whole export as JSON (wx.setClipboardData is a privacy API: the notice gates it). */
  onCopy() {
    if (!this.exported) return
    wx.setClipboardData({
      data: JSON.stringify(this.exported, null, 2),
      success: () => wx.showToast({ icon: 'success', title: texts.t('myDataCopied') }),
      fail() { /* declined or not declared: nothing copied, nothing to say */ },
    })
  },

  /** Ask, saying what goes and what stays; then DELETE /api/v1/me and sign out. */
  onErase() {
    if (this.data.erasing) return undefined
    return new Promise((resolve) => {
      wx.showModal({
        title: texts.t('myDataEraseConfirmTitle'),
        content: texts.t('myDataEraseConfirmText'),
        confirmText: texts.t('myDataEraseConfirm'),
        confirmColor: '#d54941',
        cancelText: texts.t('actionCancel'),
        success: (res) => resolve(res && res.confirm ? this.erase() : undefined),
        fail: () => resolve(undefined),
      })
    })
  },

  async erase() {
    this.setData({ erasing: true })
    try {
      await api.request(ME_PATH, { method: 'DELETE' })
    } catch (err) {
      this.setData({ erasing: false }) // api.request toasted the reason (e.g. a payment in flight): nothing changed
      return
    }
    this.exported = null
    await getApp().signOut()
    this.setData({ erasing: false, state: 'erased', summary: [] })
    wx.showToast({ icon: 'success', title: texts.t('myDataErased') })
  },
})
