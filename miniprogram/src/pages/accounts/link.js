// Link a journal account in three steps: 1 choose the journal system, 2 give the identity used there (the
// backend mails a 6-digit code to the address the platform has on file), 3 enter the code. `?account=<id>`
// resumes step 3 for a pending account. When the address on file is dead, or the attempts are used up,
// the researcher can ask publisher staff to verify by hand (manual review).
// A Crossref system (platform `crossref`) matches manuscripts by ORCID iD, so the researcher proves their iD first
// (ORCID's sign-in, packages/orcid/connect): until GET /api/v1/me says `orcid_verified`, step 2 offers
// "用 ORCID 验证" instead of an identity field; once proven, the identity is that iD. Linking with an unproven iD
// answers 400 { code: 'orcid_not_proven', fields: { identity } }, shown under the field.
// The tap that completes verification is the moment to ask for WeChat alerts about the account's manuscripts
// (utils/subscribe.js); the state it needs is fetched while the code is being typed, so the popup follows the
// backend's answer without another request in between.
const api = require('../../utils/api')
const i18n = require('../../utils/i18n')
const subscribe = require('../../utils/subscribe')

const ACCOUNTS_PATH = '/api/v1/journal-accounts'
const SYSTEMS_PATH = '/api/v1/journal-systems'
const ACCOUNTS_PAGE = 'pages/accounts/list'
const RESEND_INTERVAL_SECONDS = 60 // the backend accepts one resend a minute
const CODE_PATTERN = /^\d{6}$/
const CROSSREF = 'crossref'
const ORCID_PAGE = '/packages/orcid/connect'

function systemView(system) {
  const journals = (system.journals || []).map((journal) => journal.name).filter(Boolean)
  return {
    id: system.id,
    name: system.name,
    platform: system.platform || '',
    platformLabel: system.platform_label || '',
    journals: journals.length ? i18n.t('linkSystemJournals', { journals: journals.join(i18n.t('listSeparator')) }) : '',
  }
}

/** The texts that depend on the state (system chosen, account, countdown), in the current language. */
function derivedTexts(data) {
  const systemName = (data.selectedSystem && data.selectedSystem.name) || (data.account && data.account.systemName) || ''
  const emailHint = data.account ? data.account.emailHint : ''
  return {
    identityHint: data.selectedSystem && data.selectedSystem.platform === CROSSREF
      ? i18n.t(data.orcidVerified ? 'orcidProvenHint' : 'orcidCrossrefHint', { system: systemName })
      : i18n.t('linkIdentityHint', { system: systemName }),
    codeSentText: emailHint ? i18n.t('linkCodeSent', { system: systemName, email: emailHint }) : i18n.t('linkCodeSentNoHint', { system: systemName }),
    resendLabel: data.resendSeconds > 0 ? i18n.t('actionResendIn', { seconds: data.resendSeconds }) : i18n.t('actionResend'),
  }
}

function accountState(account) {
  const system = account.journal_system || {}
  return { id: account.id, status: account.status, emailHint: account.email_hint || '', systemName: system.name || '' }
}

Page({
  data: {
    t: {},
    step: 0, // 0 while resuming, then 1 | 2 | 3
    steps: [],
    systemsState: 'idle', // idle | loading | ready | error
    systems: [],
    selectedSystem: null, // { id, name, platformLabel, journals }
    identity: '',
    identityErrors: [],
    systemErrors: [],
    account: null, // { id, status, emailHint, systemName }
    code: '',
    codeErrors: [],
    formError: '', // a message that belongs to no field (409 conflict)
    attemptsUsedUp: false,
    manualOpen: false,
    note: '',
    busy: '', // '' | sending | verifying | resending | requesting: what is in flight
    resendSeconds: 0,
    identityHint: '',
    codeSentText: '',
    resendLabel: '',
    needsOrcid: false, // a Crossref system and no proven ORCID iD yet: "用 ORCID 验证" instead of the field
    orcidVerified: false,
  },

  loadedSystems: null, // the backend's journal systems, kept to re-render in another language
  resendDeadline: 0,
  countdownTimer: null,
  alertStateReady: null, // Promise of the subscription state (utils/subscribe.js), from the first keystroke of the code

  async onLoad(query) {
    this.render()
    await getApp().loginReady
    this.render() // a cold start's login may have brought the researcher's language
    if (query.account) await this.resume(query.account)
    else await this.showSystems()
  },

  onShow() {
    this.render()
    // Back from ORCID's sign-in: the backend may have stored the proven iD meanwhile.
    if (this.orcidOpened) {
      this.orcidOpened = false
      return this.loadOrcid()
    }
    return undefined
  },

  onUnload() {
    this.stopCountdown()
  },

  render() {
    this.update({
      t: i18n.strings(),
      steps: ['linkStepSystem', 'linkStepIdentity', 'linkStepCode'].map((key) => i18n.t(key)),
      systems: this.loadedSystems ? this.loadedSystems.map(systemView) : this.data.systems,
    })
    i18n.applyChrome('titleLink')
  },

  /** setData plus the texts derived from the new state. */
  update(patch) {
    const next = Object.assign({}, this.data, patch)
    this.setData(Object.assign({}, patch, derivedTexts(next)))
  },

  // Step 1 ------------------------------------------------------------------------------------------

  async showSystems() {
    this.update({ step: 1, formError: '' })
    if (this.data.systemsState === 'ready' || this.data.systemsState === 'loading') return
    this.update({ systemsState: 'loading' })
    try {
      this.loadedSystems = await api.requestAllPages(SYSTEMS_PATH)
      this.update({ systemsState: 'ready', systems: this.loadedSystems.map(systemView) })
    } catch (err) {
      this.update({ systemsState: 'error' }) // api.request told why
    }
  },

  onRetrySystems() {
    this.update({ systemsState: 'idle' })
    return this.showSystems()
  },

  onSystemTap(event) {
    const id = event.currentTarget.dataset.id
    const system = this.data.systems.find((candidate) => String(candidate.id) === String(id))
    if (!system) return undefined
    this.update({ step: 2, selectedSystem: system, systemErrors: [], identityErrors: [], formError: '', needsOrcid: false })
    return system.platform === CROSSREF ? this.loadOrcid() : undefined
  },

  /** For a Crossref system: whether the researcher's ORCID iD is proven (GET /me); the identity is that iD then. */
  async loadOrcid() {
    if (!this.data.selectedSystem || this.data.selectedSystem.platform !== CROSSREF) return
    let researcher
    try {
      researcher = await api.request('/api/v1/me')
    } catch (err) {
      return // api.request told why; the field stays as it was
    }
    getApp().globalData.researcher = researcher
    const verified = Boolean(researcher.orcid_verified && researcher.orcid)
    if (verified) this.prepareAlertState() // "send" links it at once and asks for alerts within that tap
    this.update({
      orcidVerified: verified,
      needsOrcid: !verified,
      identity: verified ? researcher.orcid : '',
      identityErrors: verified ? [] : this.data.identityErrors,
    })
  },

  /** "用 ORCID 验证": ORCID's own sign-in; onShow re-reads GET /me when the researcher comes back. */
  onVerifyOrcid() {
    this.orcidOpened = true
    wx.navigateTo({ url: ORCID_PAGE })
  },

  // Step 2 ------------------------------------------------------------------------------------------

  onChangeSystem() {
    return this.showSystems()
  },

  onIdentityChange(event) {
    this.update({ identity: event.detail.value, identityErrors: [], formError: '' })
  },

  onIdentityClear() {
    this.update({ identity: '', identityErrors: [], formError: '' }) // t-input's clear icon sends no "change"
  },

  /** POST the identity; the backend answers the same whether or not the platform knows it (privacy). */
  async onSendCode() {
    if (this.data.busy || this.data.needsOrcid) return
    const identity = String(this.data.identity || '').trim()
    if (!identity) {
      this.update({ identityErrors: [i18n.t('linkIdentityRequired')] })
      return
    }
    this.update({ busy: 'sending', identityErrors: [], systemErrors: [], formError: '' })
    try {
      const account = await api.request(ACCOUNTS_PATH, {
        method: 'POST',
        data: { journal_system: this.data.selectedSystem.id, identity },
      })
      getApp().globalData.manuscriptsStale = true // the home empty state now points at this pending account
      if (account.status === 'verified') {
        // Proven without a code (e.g. Crossref by its own ORCID record): nothing left to enter.
        this.update({ account: accountState(account) })
        await this.finishLinked()
        return
      }
      this.update({ busy: '', step: 3, account: accountState(account), code: '', codeErrors: [], attemptsUsedUp: false, manualOpen: false })
      this.startCountdown(RESEND_INTERVAL_SECONDS)
    } catch (err) {
      this.update({
        busy: '',
        identityErrors: err.fields.identity || [],
        systemErrors: err.fields.journal_system || [],
        formError: err.statusCode === 409 ? err.message : '',
        // The iD is not (or no longer) proven: offer ORCID's sign-in again.
        needsOrcid: err.code === 'orcid_not_proven' ? true : this.data.needsOrcid,
      })
    }
  },

  // Step 3 ------------------------------------------------------------------------------------------

  /** ?account=<id>: find the account among the researcher's and continue where it stands. */
  async resume(accountId) {
    let account
    try {
      account = (await api.requestAllPages(ACCOUNTS_PATH)).find((candidate) => String(candidate.id) === String(accountId))
    } catch (err) {
      await this.showSystems() // api.request told why; linking afresh still works
      return
    }
    if (!account) {
      wx.showToast({ icon: 'none', title: i18n.t('linkAccountNotFound') })
      await this.showSystems()
    } else if (account.status === 'verified') {
      wx.showToast({ icon: 'none', title: i18n.t('linkAlreadyVerified') })
      this.leave()
    } else {
      // We do not know when its last code went out: resend is allowed at once (a 429 says how long to wait).
      this.update({ step: 3, account: accountState(account) })
    }
  },

  onCodeChange(event) {
    this.update({ code: String(event.detail.value || '').replace(/\s+/g, ''), codeErrors: [], formError: '' })
    this.prepareAlertState()
  },

  async onVerify() {
    if (this.data.busy || this.data.attemptsUsedUp) return
    const code = this.data.code
    if (!CODE_PATTERN.test(code)) {
      this.update({ codeErrors: [i18n.t('linkCodeRequired')] })
      return
    }
    this.update({ busy: 'verifying', codeErrors: [], formError: '' })
    try {
      const account = await api.request(`${ACCOUNTS_PATH}/${this.data.account.id}/verify`, { method: 'POST', data: { code } })
      this.update({ account: accountState(account) })
    } catch (err) {
      if (err.statusCode === 429) {
        // No attempts left for this code: offer publisher staff (a new code from "resend" also works).
        this.update({ busy: '', attemptsUsedUp: true, manualOpen: true, code: '' })
        this.prepareAlertState()
        return
      }
      this.update({
        busy: '',
        codeErrors: err.fields.code || (err.statusCode === 400 ? [err.message] : []),
        formError: err.statusCode === 409 ? err.message : '',
      })
      return
    }
    await this.finishLinked()
  },

  async onResend() {
    if (this.data.busy || this.data.resendSeconds > 0) return
    this.update({ busy: 'resending', formError: '' })
    try {
      const account = await api.request(`${ACCOUNTS_PATH}/${this.data.account.id}/resend`, { method: 'POST' })
      this.update({ busy: '', account: accountState(account), code: '', codeErrors: [], attemptsUsedUp: false })
      wx.showToast({ icon: 'none', title: i18n.t('toastCodeResent') })
      this.startCountdown(RESEND_INTERVAL_SECONDS)
    } catch (err) {
      this.update({ busy: '' })
      // Asked again too soon: wait as long as the backend says (its message is in the toast).
      if (err.statusCode === 429) this.startCountdown(err.retryAfter || RESEND_INTERVAL_SECONDS)
    }
  },

  onOpenManual() {
    this.update({ manualOpen: true })
    this.prepareAlertState()
  },

  /** Fetch the subscription state before the tap that needs it, so WeChat's popup opens within that tap. */
  prepareAlertState() {
    if (!this.alertStateReady) this.alertStateReady = subscribe.fetchState()
  },

  onNoteChange(event) {
    this.update({ note: event.detail.value })
  },

  /**
   * The e-mail on file is dead (or attempts are used up): publisher staff verify by hand. The researcher will want
   * to hear when they did, so this tap first asks for the "account linked" alert (and status changes), with the
   * state fetched when the form opened, so WeChat's popup opens within the tap; then the request goes out.
   */
  async onRequestManualReview() {
    if (this.data.busy) return
    this.update({ busy: 'requesting', formError: '' })
    const state = this.alertStateReady ? await this.alertStateReady : null
    await subscribe.askForManualReview({ state })
    try {
      const account = await api.request(`${ACCOUNTS_PATH}/${this.data.account.id}/manual-review`, {
        method: 'POST',
        data: { note: String(this.data.note || '').trim() },
      })
      this.update({ busy: '', account: accountState(account) })
      this.finish('toastManualReviewRequested')
    } catch (err) {
      this.update({ busy: '', formError: err.statusCode === 409 ? err.message : '' })
    }
  },

  // Countdown and leaving -----------------------------------------------------------------------------

  /** Resend is allowed again `seconds` from now; counted against the clock, so a paused timer catches up. */
  startCountdown(seconds) {
    this.stopCountdown()
    this.resendDeadline = Date.now() + seconds * 1000
    this.tickCountdown()
    this.countdownTimer = setInterval(() => this.tickCountdown(), 1000)
  },

  tickCountdown() {
    const left = Math.max(0, Math.ceil((this.resendDeadline - Date.now()) / 1000))
    if (left !== this.data.resendSeconds) this.update({ resendSeconds: left })
    if (left === 0) this.stopCountdown()
  },

  stopCountdown() {
    if (this.countdownTimer) clearInterval(this.countdownTimer)
    this.countdownTimer = null
  },

  /**
   * Verified by the researcher's tap: ask for alerts about the account's manuscripts (and the linking itself),
   * then leave. Stays busy meanwhile, so the verify button cannot send the code again.
   */
  async finishLinked() {
    this.stopCountdown()
    const state = this.alertStateReady ? await this.alertStateReady : null
    await subscribe.askAfterLinking({ state })
    this.update({ busy: '' })
    this.finish('toastLinked')
  },

  finish(toastKey) {
    this.stopCountdown()
    getApp().globalData.manuscriptsStale = true
    wx.showToast({ icon: 'success', title: i18n.t(toastKey) })
    this.leave()
  },

  /** To the accounts list: back to it when the wizard was opened from there, else in place of the wizard. */
  leave() {
    const pages = getCurrentPages()
    const previous = pages.length > 1 ? pages[pages.length - 2] : null
    if (previous && previous.route === ACCOUNTS_PAGE) wx.navigateBack({ delta: 1 })
    else wx.redirectTo({ url: `/${ACCOUNTS_PAGE}` })
  },
})
