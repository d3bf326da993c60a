const api = require('../../utils/api')
const i18n = require('../../utils/i18n')
const status = require('../../utils/status')
const { formatDateTime } = require('../../utils/format')

const ACCOUNTS_PATH = '/api/v1/journal-accounts'
const LINK_PAGE = '/pages/accounts/link'

/** The backend's account -> one card of the list, in the current language. */
function accountView(account) {
  const system = account.journal_system || {}
  const info = status.accountStatusInfo(account.status)
  return {
    id: account.id,
    system: system.name || '',
    platformLabel: system.platform_label || '',
    identity: account.identity,
    status: account.status,
    statusLabel: info.labelKey ? i18n.t(info.labelKey) : account.status,
    statusTheme: info.theme,
    emailHint: account.email_hint || '',
    lastSync: formatDateTime(account.last_synced_at) || i18n.t('valueNeverSynced'),
    syncError: account.sync_error ? i18n.t('accountSyncError', { message: account.sync_error }) : '',
    manuscriptCount: String(account.manuscript_count || 0),
  }
}

/** wx.showModal as a promise of "confirmed?" (a failure to show it counts as no). */
function confirm(options) {
  return new Promise((resolve) => {
    wx.showModal(Object.assign({}, options, {
      success: (res) => resolve(Boolean(res.confirm)),
      fail: () => resolve(false),
    }))
  })
}

Page({
  data: {
    t: {},
    state: 'loading', // loading | ready | error
    accounts: [],
    busyId: null, // the account whose sync or unlink is in flight
  },

  loaded: [], // the backend's accounts, kept to re-render in another language

  onShow() {
    this.render()
    return this.load()
  },

  render() {
    this.setData({ t: i18n.strings(), accounts: this.loaded.map(accountView) })
    i18n.applyChrome('titleAccounts')
  },

  /** Every linked account (there are few: all pages at once); reloaded each time the page shows. */
  async load() {
    await getApp().loginReady
    if (!this.loaded.length) this.setData({ state: 'loading' })
    try {
      this.loaded = await api.requestAllPages(ACCOUNTS_PATH)
      this.setData({ state: 'ready' })
      this.render()
    } catch (err) {
      // api.request already told the researcher; keep the list we had, or offer to try again.
      if (!this.loaded.length) this.setData({ state: 'error' })
    }
  },

  async onPullDownRefresh() {
    try {
      await this.load()
    } finally {
      wx.stopPullDownRefresh()
    }
  },

  onRetry() {
    return this.load()
  },

  accountById(id) {
    return this.loaded.find((account) => String(account.id) === String(id))
  },

  /** Ask the backend to sync this account now; a 429 (synced a moment ago) is told by api.request's toast. */
  async onSync(event) {
    const account = this.accountById(event.currentTarget.dataset.id)
    if (!account || this.data.busyId) return
    this.setData({ busyId: account.id })
    try {
      await api.request(`${ACCOUNTS_PATH}/${account.id}/refresh`, { method: 'POST' })
      getApp().globalData.manuscriptsStale = true // the home list reloads when it shows again
      wx.showToast({ icon: 'none', title: i18n.t('toastSyncQueued') })
    } catch (err) {
      // Toast shown by api.request (e.g. "synced a moment ago, try again in 42 s").
    } finally {
      this.setData({ busyId: null })
    }
  },

  async onUnlink(event) {
    const account = this.accountById(event.currentTarget.dataset.id)
    if (!account || this.data.busyId) return
    const confirmed = await confirm({
      title: i18n.t('unlinkConfirmTitle'),
      content: i18n.t('unlinkConfirmContent', { system: (account.journal_system && account.journal_system.name) || '', identity: account.identity }),
      confirmText: i18n.t('actionUnlink'),
      confirmColor: '#d54941',
      cancelText: i18n.t('actionCancel'),
    })
    if (!confirmed) return
    this.setData({ busyId: account.id })
    try {
      await api.request(`${ACCOUNTS_PATH}/${account.id}`, { method: 'DELETE' })
      this.loaded = this.loaded.filter((candidate) => candidate.id !== account.id)
      getApp().globalData.manuscriptsStale = true // its manuscripts leave the home list
      this.render()
      wx.showToast({ icon: 'none', title: i18n.t('toastUnlinked') })
    } catch (err) {
      // Toast shown by api.request; the account stays listed.
    } finally {
      this.setData({ busyId: null })
    }
  },

  onContinue(event) {
    wx.navigateTo({ url: `${LINK_PAGE}?account=${event.currentTarget.dataset.id}` })
  },

  onAdd() {
    wx.navigateTo({ url: LINK_PAGE })
  },
})
