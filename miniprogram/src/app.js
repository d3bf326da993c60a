const api = require('./utils/api')

App({
  globalData: {
    researcher: null, // the signed-in researcher as the backend last returned it (login, /me, PATCH /me)
  },

  // Pages await this before their first authenticated call, so launch does one login, not one per page.
  // It never rejects: it resolves with the researcher, or null when signed out or login failed (toast shown).
  loginReady: Promise.resolve(null),

  onLaunch() {
    if (!api.isSignedOut()) this.signIn()
  },

  /** Silent login on launch, or the "log in" button after an explicit logout. */
  signIn() {
    this.loginReady = api.signIn().then(
      (researcher) => {
        this.globalData.researcher = researcher
        return researcher
      },
      () => null,
    )
    return this.loginReady
  },

  signOut() {
    this.globalData.researcher = null
    this.loginReady = Promise.resolve(null)
    return api.logout()
  },
})
