const api = require('./utils/api')
const campaigns = require('./utils/campaigns')
const inbox = require('./utils/inbox')
const privacy = require('./utils/privacy')
const shares = require('./utils/shares')

App({
  globalData: {
    researcher: null, // the signed-in researcher as the backend last returned it (login, /me, PATCH /me)
  },

  // Pages await this before their first authenticated call, so launch does one login, not one per page.
  // It never rejects: it resolves with the researcher (null when a stored token was kept: the pages' GET /me
  // brings it), or null when signed out or login failed (toast shown).
  loginReady: Promise.resolve(null),

  /**
   * Cold start: a stored, unexpired token is used as it is; wx.login runs only without one (utils/api.js). Either
   * way only after the researcher has seen the privacy notice (utils/privacy.js). A launch that opens a share (its
   * page, or Moments' single-page mode: utils/shares.js) logs nothing in: anyone may read a share, and the pages log
   * in when the visitor asks for something that needs it.
   */
  onLaunch(options) {
    privacy.listenToWeChat()
    if (shares.isPublicEntry(options)) {
      this.loginReady = Promise.resolve(null)
      return
    }
    this.loginReady = api.resumeSession().then(
      (researcher) => {
        if (researcher) this.globalData.researcher = researcher
        return researcher || this.globalData.researcher
      },
      () => null,
    )
  },

  /**
   * Launch and every return from the background: notices may have arrived meanwhile (the Inbox tab's badge).
   * After a failed launch login there is no token: the page on screen logs in again and refreshes the badge.
   * An entry deep link with `campaign=<id>` in its query (an Official Account message, a shared card) counts as
   * that campaign opened, once per run (utils/campaigns.js).
   */
  onShow(options) {
    return this.loginReady.then(() => {
      const usable = api.isSignedOut() || api.usableToken()
      return Promise.all([
        usable ? inbox.refreshBadge() : null,
        usable ? campaigns.reportOpenedFrom(options && options.query) : null,
      ])
    })
  },

  /** The "log in" button after an explicit logout (or after declining the privacy notice). */
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
