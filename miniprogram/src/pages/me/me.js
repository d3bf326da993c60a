const api = require('../../utils/api')
const i18n = require('../../utils/i18n')

// The ORCID iD is not typed here: a typed iD proves nothing. It is proven by signing in to ORCID
// (packages/orcid/connect), and the backend stores it; this page shows it with a "verified" badge.
const EDITABLE_FIELDS = ['display_name', 'institution']
const ORCID_PAGE = '/packages/orcid/connect'
const EDITORIAL_PAGE = '/packages/editorial/conversations'
// The unread replies of editorial offices: the sum over the first page of conversations (most recently active
// first, so a researcher with more than this many conversations may see a lower count than the truth).
const CONVERSATIONS_UNREAD_PATH = '/api/v1/conversations?page_size=50'
const UNREAD_MAX = 99

function emptyForm() {
  return { display_name: '', institution: '' }
}

Page({
  data: {
    t: {},
    language: i18n.DEFAULT_LANGUAGE,
    languageOptions: i18n.LANGUAGES.map((value) => ({ value, label: i18n.LANGUAGE_NAMES[value] })),
    signedOut: false,
    signedOutText: '',
    researcher: null,
    avatarText: '',
    joined: '',
    editing: false,
    saving: false,
    form: emptyForm(),
    fieldErrors: {}, // field -> [message, ...] from the backend's `fields`
    editorialUnread: '', // '' (none, or not known), '3', '99+'
    editorialA11y: '',
  },

  onShow() {
    this.render()
    return this.refresh()
  },

  /** Everything shown from the current language and the researcher in app.globalData. */
  render() {
    const researcher = getApp().globalData.researcher
    const name = researcher && researcher.display_name ? String(researcher.display_name).trim() : ''
    this.setData({
      t: i18n.strings(),
      language: i18n.getLanguage(),
      signedOut: api.isSignedOut(),
      signedOutText: i18n.t(api.declinedPrivacy() ? 'homePrivacyDeclined' : 'meSignedOut'),
      researcher,
      avatarText: name ? name.slice(0, 1).toUpperCase() : '',
      joined: researcher && researcher.created_at ? String(researcher.created_at).slice(0, 10) : '',
    })
    i18n.applyChrome('titleMe')
  },

  async refresh() {
    const app = getApp()
    await app.loginReady
    if (!api.isSignedOut()) {
      try {
        const researcher = await api.request('/api/v1/me')
        app.globalData.researcher = researcher
        i18n.setLanguage(researcher.language)
        // A new privacy policy while the token stayed valid: the notice shows again (not awaited: it waits for a tap).
        if (researcher.privacy_consent_required) api.recordPolicyConsent(researcher)
      } catch (err) {
        // api.request already told the researcher; keep showing what we had.
      }
      this.render()
      await this.refreshEditorialUnread()
    }
    this.render()
  },

  /** The "editorial office" cell's count, asked quietly: a failure (or a backend without it) shows no count. */
  async refreshEditorialUnread() {
    try {
      const body = await api.request(CONVERSATIONS_UNREAD_PATH, { toast: false })
      const unread = ((body && body.results) || []).reduce((total, conversation) => total + Math.max(0, Number(conversation.unread) || 0), 0)
      const text = unread > UNREAD_MAX ? `${UNREAD_MAX}+` : (unread ? String(unread) : '')
      this.setData({ editorialUnread: text, editorialA11y: text ? i18n.t('a11yEditorialUnread', { count: text }) : '' })
    } catch (err) {
      this.setData({ editorialUnread: '', editorialA11y: '' })
    }
  },

  onEdit() {
    const researcher = this.data.researcher || {}
    const form = emptyForm()
    EDITABLE_FIELDS.forEach((field) => { form[field] = researcher[field] || '' })
    this.setData({ editing: true, form, fieldErrors: {} })
  },

  onCancelEdit() {
    this.setData({ editing: false, fieldErrors: {} })
  },

  onFieldChange(event) {
    const field = event.currentTarget.dataset.field
    this.setData({ [`form.${field}`]: event.detail.value, [`fieldErrors.${field}`]: null })
  },

  /** PATCH only what changed; the backend's field errors are shown under their inputs. */
  async onSave() {
    if (this.data.saving) return
    const researcher = this.data.researcher || {}
    const changes = {}
    EDITABLE_FIELDS.forEach((field) => {
      const value = String(this.data.form[field] || '').trim()
      if (value !== (researcher[field] || '')) changes[field] = value
    })
    if (Object.keys(changes).length === 0) {
      this.setData({ editing: false, fieldErrors: {} })
      return
    }
    this.setData({ saving: true, fieldErrors: {} })
    try {
      const updated = await api.request('/api/v1/me', { method: 'PATCH', data: changes })
      getApp().globalData.researcher = updated
      this.setData({ saving: false, editing: false })
      this.render()
      wx.showToast({ icon: 'success', title: i18n.t('toastSaved') })
    } catch (err) {
      this.setData({ saving: false, fieldErrors: err.fields || {} })
    }
  },

  /** Switch at once (every text re-renders), then save it to the profile; undo if saving fails. */
  async onLanguageChange(event) {
    const previous = i18n.getLanguage()
    const language = event.detail.value
    if (!i18n.setLanguage(language)) return
    this.render()
    if (api.isSignedOut()) return
    try {
      getApp().globalData.researcher = await api.request('/api/v1/me', { method: 'PATCH', data: { language } })
    } catch (err) {
      i18n.setLanguage(previous)
    }
    this.render()
  },

  onOpenEditorial() {
    wx.navigateTo({ url: EDITORIAL_PAGE })
  },

  onOpenAccounts() {
    wx.navigateTo({ url: '/pages/accounts/list' })
  },

  onOpenInterests() {
    wx.navigateTo({ url: '/packages/interests/interests' })
  },

  onOpenNotificationSettings() {
    wx.navigateTo({ url: '/pages/notifications/settings' })
  },

  /** ORCID's sign-in in a web-view; coming back, onShow re-reads GET /me (`orcid`, `orcid_verified`). */
  onVerifyOrcid() {
    wx.navigateTo({ url: ORCID_PAGE })
  },

  onOpenPrivacyPolicy() {
    wx.navigateTo({ url: '/packages/legal/privacy' })
  },

  onOpenMyData() {
    wx.navigateTo({ url: '/packages/privacy/privacy' })
  },

  onOpenUserAgreement() {
    wx.navigateTo({ url: '/packages/legal/agreement' })
  },

  async onLogout() {
    await getApp().signOut()
    this.setData({ editing: false, saving: false, fieldErrors: {}, form: emptyForm(), editorialUnread: '', editorialA11y: '' })
    this.render()
    wx.showToast({ icon: 'none', title: i18n.t('toastLoggedOut') })
  },

  async onLogin() {
    await getApp().signIn()
    return this.refresh()
  },
})
