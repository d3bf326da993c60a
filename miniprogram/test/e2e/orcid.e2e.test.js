/**
 * End-to-end: proving an ORCID iD and linking Crossref with it, through the real pages, over real HTTP, against a
 * LIVE backend, a real Celery worker and the sandbox (WeChat, ORCID's OAuth stand-in, Crossref).
 *
 *   cd miniprogram && npm ci && \
 *   API_BASE=http://127.0.0.1:8000 SANDBOX_BASE=http://127.0.0.1:8900 E2E_LOGIN_CODE=<code> \
 *   E2E_JOURNAL_SYSTEM_KEY=<key of the Crossref system> E2E_ORCID_ID=<iD of a sandbox ORCID person> \
 *   E2E_ORCID_NAME=<that person's name> E2E_DOI=<DOI of their article in Crossref> E2E_EXPECT_TITLE=<its title> \
 *   npx jest test/e2e/orcid.e2e.test.js
 *
 * Normally started by tests/test_miniprogram_orcid_e2e.py, which runs Django's live server (ORCID_BASE_URL at the
 * sandbox, PUBLIC_BASE_URL its own origin), a Celery worker and the sandbox, deposits the article in Crossref, and
 * has a co-author follow the same article on OJS (so it carries an editorial timeline). Without these variables this
 * test FAILS (it never skips).
 *
 * The researcher's path: launch (silent login) -> Me: the iD is not proven -> link wizard: choose Crossref; instead of
 * an identity field it offers "用 ORCID 验证" -> the ORCID page (packages/orcid/connect) opens our start URL in a
 * web-view. A test cannot run WeChat's web-view, so it does what the web-view does, with a browser of its own
 * (helpers/web-view.js: real HTTP, a cookie jar, redirects followed): our start page (an HttpOnly cookie, a redirect
 * to ORCID) -> ORCID's authorize page: its form, with the person chosen and "Authorize" clicked -> our callback: "ORCID
 * iD 已验证". -> back in the wizard (onShow re-reads GET /me): the proven iD fills the identity, not editable ->
 * "send": linked at once, no code -> accounts: verified -> home: pull down until the article shows as published ->
 * detail: its public facts (DOI, link), no editorial timeline -> Me: the iD with its "已验证" badge.
 */
const { textOf, waitFor } = require('../helpers/page')
const {
  requireEnv, toasts, requestsMade, apiBase, sandboxBase, launchLoggedIn, pageOpener, tapButton, offeredSystem, pullHomeUntil,
} = require('../helpers/e2e')
const { WebView, documentOf, formSubmission } = require('../helpers/web-view')
const i18n = require('../../src/utils/i18n')

const REQUIRED_ENV = {
  API_BASE: 'origin of the running backend (also its PUBLIC_BASE_URL), e.g. http://127.0.0.1:8000',
  SANDBOX_BASE: 'origin of the running sandbox (ORCID stand-in under /orcid, Crossref), e.g. http://127.0.0.1:8900',
  E2E_LOGIN_CODE: 'the code wx.login returns, which the WeChat sandbox exchanges for an openid',
  E2E_JOURNAL_SYSTEM_KEY: 'the key of the Crossref journal system (base URL = the sandbox) to choose in the wizard',
  E2E_ORCID_ID: 'the iD of the sandbox ORCID person to approve as, e.g. 0000-0002-1825-0097',
  E2E_ORCID_NAME: 'that person\'s name as ORCID\'s authorize page lists it, e.g. Wei Li',
  E2E_DOI: 'the DOI of that person\'s published article in the Crossref sandbox',
  E2E_EXPECT_TITLE: 'the article\'s title as the home page shows it (zh-hans, the researcher\'s default language)',
}

// Backend texts in the researcher's language (zh-hans by default): the callback page, the published label.
const PROVEN_HEADING = 'ORCID iD 已验证'
const LABEL_PUBLISHED = '已发表'

const { open, close } = pageOpener()

/**
 * What WeChat's web-view does with the ORCID page's URL, and what the researcher does in it: load our start page,
 * follow it to ORCID's authorize page, choose the person and click "Authorize", follow ORCID back to our callback.
 * Returns the callback's response and the browser (its history and cookies).
 */
async function proveAtOrcid(startUrl, { orcid, name }) {
  const browser = new WebView()
  const authorizePage = await browser.load(startUrl)
  const [start, ...toOrcid] = browser.history
  // Our start page spent the ticket and bound the OAuth state to this browser with an HttpOnly cookie.
  expect(start.statusCode).toBe(302)
  expect(start.setCookies).toEqual([expect.stringMatching(/^orcid_proof=[^;]+;.*HttpOnly/i)])
  expect(start.setCookies[0]).toMatch(/Path=\/orcid\//)
  const authorizeUrl = new URL(start.location)
  expect(authorizeUrl.origin + authorizeUrl.pathname).toBe(`${sandboxBase()}/orcid/oauth/authorize`)
  expect(authorizeUrl.searchParams.get('scope')).toBe('/authenticate')
  expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(`${apiBase()}/orcid/callback`)
  expect(toOrcid).toHaveLength(1)
  if (authorizePage.statusCode !== 200) throw new Error(`ORCID's authorize page answered ${authorizePage.statusCode}: ${authorizePage.body}`)

  // The researcher signs in as the person and clicks "Authorize access".
  const document = documentOf(authorizePage)
  const [form] = document.querySelectorAll('form')
  if (!form) throw new Error(`no form on ORCID's authorize page: ${authorizePage.body}`)
  const person = Array.from(form.querySelectorAll('input[type=radio]')).find((radio) => radio.value === orcid)
  if (!person) throw new Error(`ORCID's authorize page offers no ${orcid}: ${authorizePage.body}`)
  expect(person.closest('label').textContent).toContain(name)
  person.checked = true
  const authorize = Array.from(form.querySelectorAll('button[type=submit]')).find((button) => /^Authorize/.test(button.textContent.trim()))
  if (!authorize) throw new Error(`no "Authorize" button on ORCID's authorize page: ${authorizePage.body}`)
  const submission = formSubmission(form, authorize, authorizePage.url)
  const before = browser.history.length
  const callback = await browser.load(submission.url, { method: submission.method, form: submission.form })

  // ORCID sent the browser back to our callback with a code and the state; the cookie went with it.
  const [decision, back] = browser.history.slice(before)
  expect(decision.statusCode).toBe(302)
  const backUrl = new URL(decision.location)
  expect(backUrl.origin + backUrl.pathname).toBe(`${apiBase()}/orcid/callback`)
  expect(backUrl.searchParams.get('code')).toMatch(/^\w{6}$/)
  expect(backUrl.searchParams.get('state')).toBe(authorizeUrl.searchParams.get('state'))
  expect(back.url).toBe(decision.location)
  return { callback, browser }
}

test('prove the ORCID iD at ORCID from the link wizard, link Crossref with it, and see the article\'s public facts', async () => {
  requireEnv(REQUIRED_ENV, {
    needs: 'a live backend with ORCID pointed at the sandbox, a Celery worker and the sandbox with a Crossref work',
    driver: 'tests/test_miniprogram_orcid_e2e.py',
  })
  const env = process.env
  const base = apiBase()

  // Launch: silent login.
  await launchLoggedIn()

  // Me: no proven iD yet; the ORCID cell offers to verify one.
  const me = open('pages/me/me')
  await me.instance.__shown
  expect(me.querySelector('#orcid-proven')).toBeUndefined()
  expect(textOf(me.querySelector('#cell-orcid'), '.t-cell__note')).toBe(i18n.t('orcidVerifyEntry'))

  // Link wizard: choose Crossref; without a proven iD there is no identity field, only "用 ORCID 验证".
  const link = open('pages/accounts/link')
  await link.instance.__loaded
  const system = offeredSystem(link, env.E2E_JOURNAL_SYSTEM_KEY)
  expect(system.platform).toBe('crossref')
  link.querySelector(`#system-${system.id}`).querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => link.data.step === 2 && (link.data.needsOrcid || link.data.orcidVerified), 'step 2 and the ORCID check', 10000)
  expect(link.data.needsOrcid).toBe(true)
  expect(link.querySelector('#input-identity')).toBeUndefined()
  expect(textOf(link.querySelector('#orcid-verify-button'), '.t-button__content')).toBe(i18n.t('orcidVerify'))
  expect(link.querySelector('#send-code-button').querySelector('.t-button').dom.className).toContain('t-button--disabled')
  tapButton(link, 'orcid-verify-button')
  await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'the tap on "用 ORCID 验证" to navigate')
  expect(wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: '/packages/orcid/connect' }))

  // The ORCID page: POST /api/v1/me/orcid, and a web-view on the start URL (on the backend's own origin).
  const connect = open('packages/orcid/connect')
  await connect.instance.__loaded
  if (connect.data.state !== 'ready') {
    throw new Error(`the ORCID page did not open a web-view: ${JSON.stringify({ state: connect.data.state, errorText: connect.data.errorText, toasts: toasts() })}`)
  }
  expect(connect.querySelector('#orcid-web-view')).toBeDefined()
  expect(requestsMade()).toContain(`POST ${base}/api/v1/me/orcid`)
  const startUrl = connect.data.url
  expect(startUrl.startsWith(`${base}/orcid/start?ticket=`)).toBe(true)

  // In the web-view: our start page, ORCID's authorize page (approved as the person), our callback.
  const { callback } = await proveAtOrcid(startUrl, { orcid: env.E2E_ORCID_ID, name: env.E2E_ORCID_NAME })
  expect(callback.statusCode).toBe(200)
  const done = documentOf(callback)
  expect(done.querySelector('h1').textContent.trim()).toBe(PROVEN_HEADING)
  expect(done.querySelector('main').textContent).toContain(env.E2E_ORCID_ID)

  // The researcher taps "back": the web-view page closes and the wizard shows again (onShow re-reads GET /me).
  close(connect)
  global.__pageStack = [link.instance]
  const meReadsBefore = requestsMade().filter((call) => call === `GET ${base}/api/v1/me`).length
  await link.instance.onShow()
  expect(requestsMade().filter((call) => call === `GET ${base}/api/v1/me`).length).toBe(meReadsBefore + 1)
  expect(link.data.orcidVerified).toBe(true)
  expect(link.data.needsOrcid).toBe(false)
  expect(link.querySelector('#orcid-verify-button')).toBeUndefined()
  // The identity is the proven iD, filled in and not editable.
  const identityInput = link.querySelector('#input-identity')
  expect(identityInput).toBeDefined()
  expect(link.data.identity).toBe(env.E2E_ORCID_ID)
  const field = identityInput.querySelector('.t-input__control')
  expect(field.dom.className).toContain('t-input__control--disabled')
  expect(identityInput.instance.data.value).toBe(env.E2E_ORCID_ID)
  expect(identityInput.instance.data.disabled).toBe(true)
  expect(textOf(link, '#identity-hint')).toBe(i18n.t('orcidProvenHint', { system: system.name }))

  // "Send": the proven iD links Crossref at once (no code), on to the accounts list.
  tapButton(link, 'send-code-button')
  await waitFor(() => wx.redirectTo.mock.calls.length > 0 || link.data.identityErrors.length || link.data.formError, 'the answer to "send"', 15000)
  if (!link.data.account || link.data.account.status !== 'verified') {
    throw new Error(`linking Crossref failed: ${JSON.stringify({ account: link.data.account, identityErrors: link.data.identityErrors, formError: link.data.formError, toasts: toasts() })}`)
  }
  const posted = wx.request.mock.calls.map(([options]) => options).find((options) => options.method === 'POST' && options.url === `${base}/api/v1/journal-accounts`)
  expect(posted.data).toEqual({ journal_system: system.id, identity: env.E2E_ORCID_ID })
  expect(requestsMade().filter((call) => call.includes('/verify'))).toEqual([]) // no code to type
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ icon: 'success', title: i18n.t('toastLinked') }))
  expect(wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/accounts/list' }))
  const accountId = link.data.account.id

  // Accounts: the Crossref account, verified.
  const accounts = open('pages/accounts/list')
  await accounts.instance.__shown
  expect(textOf(accounts.querySelector(`#account-${accountId} .account-card__status`), '.t-tag__text')).toBe(i18n.t('accountStatusVerified'))

  // Home: the first sync (in the worker) finds the article in Crossref; pull down until it shows, as published.
  const home = open('pages/home/home')
  await home.instance.__shown
  const rows = await pullHomeUntil(home, (shown) => shown.some(({ title }) => title === env.E2E_EXPECT_TITLE), `"${env.E2E_EXPECT_TITLE}"`)
  const row = rows.find(({ title }) => title === env.E2E_EXPECT_TITLE)
  expect(row.chip).toBe(LABEL_PUBLISHED)
  expect(home.querySelectorAll('.manuscript-row')).toHaveLength(1)
  expect(home.querySelector('#group-published')).toBeDefined()

  // Detail: the public facts (published, DOI, its link), nothing of the editorial platform: no platform status,
  // no submission date, no timeline (the co-author's OJS account brought one in; it is not shown here).
  home.querySelector(`#manuscript-${row.id}`).dispatchEvent('tap')
  await waitFor(() => wx.navigateTo.mock.calls.length > 1, 'the tap on the article to navigate')
  expect(wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/pages/manuscript/detail?id=${row.id}` }))
  const detail = open('pages/manuscript/detail', { id: String(row.id) })
  await detail.instance.__loaded
  expect(detail.data.state).toBe('ready')
  expect(textOf(detail, '#detail-title')).toBe(env.E2E_EXPECT_TITLE)
  expect(textOf(detail, '#detail-chip')).toBe(LABEL_PUBLISHED)
  expect(detail.data.manuscript.status).toBe('published')
  expect(textOf(detail.querySelector('#cell-doi'), '.t-cell__note')).toBe(env.E2E_DOI)
  expect(textOf(detail.querySelector('#cell-link'), '.t-cell__description')).toBe(`https://doi.org/${env.E2E_DOI}`)
  expect(detail.querySelector('#detail-platform-status')).toBeUndefined()
  expect(detail.querySelector('#cell-submitted')).toBeUndefined()
  expect(detail.querySelector('#cell-journal-system')).toBeUndefined() // the editorial platform is no public fact
  expect(detail.querySelectorAll('.timeline-item')).toHaveLength(0)
  expect(textOf(detail, '#detail-public-record')).toBe(i18n.t('detailPublicRecordOnly'))
  expect(detail.querySelector('#timeline')).toBeUndefined()
  expect(detail.querySelector('#alert')).toBeUndefined() // published: no status change to be alerted about

  // Me: the proven iD, with its badge.
  const meAgain = open('pages/me/me')
  await meAgain.instance.__shown
  expect(textOf(meAgain.querySelector('#cell-orcid'), '.t-cell__description')).toBe(env.E2E_ORCID_ID)
  expect(meAgain.querySelector('#orcid-proven')).toBeDefined()

  // Nothing went wrong on the way: the only toast is "linked".
  expect(toasts()).toEqual([i18n.t('toastLinked')])
}, 120000)
