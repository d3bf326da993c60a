const api = require('../../utils/api')
const i18n = require('../../utils/i18n')

Page({
  data: {
    t: {},
    greeting: '',
    signedOut: false,
  },

  onShow() {
    this.render()
    return this.refresh()
  },

  /** Texts from the current language and the researcher we know of (shared through app.globalData). */
  render() {
    const researcher = getApp().globalData.researcher
    const name = researcher && researcher.display_name ? String(researcher.display_name).trim() : ''
    this.setData({
      t: i18n.strings(),
      greeting: name ? i18n.t('homeGreeting', { name }) : i18n.t('homeGreetingFallback'),
      signedOut: api.isSignedOut(),
    })
    i18n.applyChrome('titleHome')
  },

  async refresh() {
    const app = getApp()
    await app.loginReady
    if (api.isSignedOut()) {
      this.render()
      return
    }
    try {
      const researcher = await api.request('/api/v1/me')
      app.globalData.researcher = researcher
      i18n.setLanguage(researcher.language)
    } catch (err) {
      // api.request already told the researcher; keep showing what we had.
    }
    this.render()
  },

  async onLogin() {
    await getApp().signIn()
    return this.refresh()
  },
})
