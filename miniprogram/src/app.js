const api = require('./utils/api')
const inbox = require('./utils/inbox')

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

  /**
   * Launch and every return from the background: notices may have arrived meanwhile (the Inbox tab's badge).
   * After a failed launch login there is no token: the page on screen logs in again and refreshes the badge.
   */
  onShow() {
    return this.loginReady.then(() => (api.isSignedOut() || api.getToken() ? inbox.refreshBadge() : null))
  },

  /** Silent login on launch, or the "log in" button after an explicit logout. */
  signIn() {
    this.loginReady = api.signIn().then(
      (researcher) => {
        this.globalData.researcher = researcher
        inbox.refreshBadge()
        return researcher
      },
      () => null,
    )
    return this.loginReady
  },

  signOut() {
    this.globalData.researcher = null
    this.globalData.notices = null
    this.loginReady = Promise.resolve(null)
    const loggedOut = api.logout() // marks the app signed out at once, then revokes the token
    inbox.refreshBadge() // signed out: removes the badge, asks nothing
    return loggedOut
  },
})
