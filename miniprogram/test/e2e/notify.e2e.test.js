/**
 * End-to-end: a WeChat alert for an editor's decision, through the real pages, over real HTTP, against a LIVE
 * backend, real Celery workers (journal sync; the notification sender) and the sandbox (OJS stand-in, WeChat
 * stand-in, mail catcher).
 *
 *   cd miniprogram && npm ci && \
 *   API_BASE=http://127.0.0.1:8000 SANDBOX_BASE=http://127.0.0.1:8900 E2E_LOGIN_CODE=<code> \
 *   E2E_ACCOUNT_EMAIL=<e-mail on file in OJS> E2E_JOURNAL_SYSTEM_KEY=<journal system key> \
 *   E2E_CONTEXT_PATH=<OJS journal path> E2E_SUBMISSION_ID=<OJS submission id> E2E_EXPECT_TITLE=<title> \
 *   E2E_STATUS_TEMPLATE_ID=<status_changed template id> E2E_LINKED_TEMPLATE_ID=<account_linked template id> \
 *   npx jest test/e2e/notify.e2e.test.js
 *
 * Normally started by tests/test_miniprogram_notify_e2e.py, which runs Django's live server, the workers (the
 * sender's pointed at the sandbox's WeChat), the sandbox with SMTP, loads the subscription templates, scripts the
 * OJS journal with the author's submission "under review", and sets these variables. Without them this test FAILS
 * (it never skips).
 *
 * The researcher's path: launch (silent login) -> link wizard with the mailed code -> the verify tap asks for WeChat
 * alerts (status changes + account linked): the researcher allows both in WeChat's popup (helpers/wx-real.js tells
 * the sandbox, which grants the quota WeChat would) and the page sends the answer to the backend -> home: the
 * manuscript "under review" -> the editor accepts it in OJS -> accounts: "立即同步" -> the sender delivers the
 * status_changed subscription message to WeChat (the sandbox, which checks template, page, keyword values and
 * quota) -> inbox: the notice, tapped -> the manuscript's detail page ("已录用"), where "提醒我" asks again.
 */
const { install, request: httpRequest, sandboxUser } = require('../helpers/wx-real')
const { launchApp, loadPage, textOf, waitFor } = require('../helpers/page')
const i18n = require('../../src/utils/i18n')
const subscribe = require('../../src/utils/subscribe')

const REQUIRED_ENV = {
  API_BASE: 'origin of the running backend, e.g. http://127.0.0.1:8000',
  SANDBOX_BASE: 'origin of the running sandbox (OJS and WeChat stand-ins, mail catcher), e.g. http://127.0.0.1:8900',
  E2E_LOGIN_CODE: 'the code wx.login returns, which the WeChat sandbox exchanges for an openid (user = part before "-")',
  E2E_ACCOUNT_EMAIL: 'the e-mail the OJS sandbox has on file for the author (typed in the wizard; the code goes there)',
  E2E_JOURNAL_SYSTEM_KEY: 'the key of the journal system (platform OJS, base URL = the sandbox) to choose in the wizard',
  E2E_CONTEXT_PATH: 'the OJS journal path of the submission, e.g. jas',
  E2E_SUBMISSION_ID: 'the OJS submission id of the author\'s manuscript (under review in the sandbox)',
  E2E_EXPECT_TITLE: 'the manuscript title the home page shows (in the researcher\'s language, zh-hans by default)',
  E2E_STATUS_TEMPLATE_ID: 'the template id of kind status_changed (notifications/fixtures/subscription_templates.json)',
  E2E_LINKED_TEMPLATE_ID: 'the template id of kind account_linked (same fixture)',
}

function requireEnv() {
  const missing = Object.keys(REQUIRED_ENV).filter((name) => !process.env[name])
  if (missing.length === 0) return
  throw new Error([
    `Missing environment variable(s): ${missing.join(', ')}. This end-to-end test needs a live backend, Celery`,
    'workers (sync and notification sender) and the sandbox with a scripted OJS journal:',
    ...Object.entries(REQUIRED_ENV).map(([name, meaning]) => `  ${name}: ${meaning}`),
    'Run it through pytest, which starts all of that and sets these for you:',
    '  .venv/bin/python -m pytest tests/test_miniprogram_notify_e2e.py',
  ].join('\n'))
}

// Bounds of the waits on the backend's asynchronous work (a sync, then a send, in the workers).
const SYNC_TIMEOUT_MS = 30000
const SEND_TIMEOUT_MS = 30000
const PULL_INTERVAL_MS = 500
const MAIL_TIMEOUT_MS = 10000

// Backend texts (zh-hans, the researcher's default language): the label, and WeChat's phrase keyword (≤ 5 汉字).
const LABEL_ACCEPTED = '已录用'
const PHRASE_ACCEPTED = '已录用'

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const toasts = () => wx.showToast.mock.calls.map(([options]) => options.title)
const requestsMade = () => wx.request.mock.calls.map(([options]) => `${options.method || 'GET'} ${options.url}`)

/** A call to the sandbox's own HTTP routes (not through the Mini Program's wx.request). */
function sandboxCall(method, path, data) {
  const url = process.env.SANDBOX_BASE.replace(/\/+$/, '') + path
  return new Promise((resolve, reject) => {
    httpRequest({
      url, method, data, header: {}, timeout: 10000,
      success: resolve,
      fail: (res) => reject(new Error(`${method} ${url} failed: ${res.errMsg}`)),
    })
  })
}

/** The newest mail to `address` in the sandbox's mail catcher, waiting (bounded) for it to arrive. */
async function latestMailTo(address) {
  const started = Date.now()
  for (;;) {
    const res = await sandboxCall('GET', '/__sandbox__/mail/latest', { to: address })
    if (res.statusCode === 200) return res.data
    if (res.statusCode !== 404) throw new Error(`mail catcher answered ${res.statusCode}: ${JSON.stringify(res.data)}`)
    if (Date.now() - started > MAIL_TIMEOUT_MS) throw new Error(`no mail to ${address} reached the sandbox's mail catcher within ${MAIL_TIMEOUT_MS / 1000} s`)
    await sleep(200)
  }
}

/** The subscription messages WeChat (the sandbox) received for `openid` with `templateId`, waiting for `count`. */
async function messagesTo(openid, templateId, count) {
  const started = Date.now()
  for (;;) {
    const res = await sandboxCall('GET', '/__sandbox__/wechat/messages', { touser: openid })
    if (res.statusCode !== 200) throw new Error(`the sandbox's message list answered ${res.statusCode}: ${JSON.stringify(res.data)}`)
    const messages = res.data.messages.filter((message) => message.template_id === templateId)
    if (messages.length >= count) return messages
    if (Date.now() - started > SEND_TIMEOUT_MS) {
      const calls = await sandboxCall('GET', '/__sandbox__/wechat/calls')
      throw new Error(`WeChat (the sandbox) got no message with template ${templateId} for ${openid} within ` +
        `${SEND_TIMEOUT_MS / 1000} s; messages: ${JSON.stringify(res.data.messages)}; WeChat calls: ${JSON.stringify(calls.data.counts)}; ` +
        `subscription state: ${JSON.stringify(await subscribe.fetchState())}`)
    }
    await sleep(300)
  }
}

// --- the rendered pages -----------------------------------------------------------------------------------------

const tapButton = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const typeInto = (page, id, value) => page.querySelector(`#${id}`).querySelector('.t-input__control')
  .dispatchEvent('input', { detail: { value, cursor: value.length } })

/** The home page's manuscript rows: id, title and chip text. */
function homeRows(home) {
  return home.querySelectorAll('.manuscript-row').map((row) => {
    const id = Number(row.dom.getAttribute('data-id'))
    return { id, title: textOf(home, `#manuscript-${id} .manuscript-row__title`), chip: textOf(home, `#manuscript-${id} .manuscript-row__chip`) }
  })
}

/** Pull down on the home page until `predicate(rows)` holds; bounded. */
async function pullHomeUntil(home, predicate, what) {
  const started = Date.now()
  for (;;) {
    await home.instance.onPullDownRefresh()
    const rows = homeRows(home)
    if (predicate(rows)) return rows
    if (Date.now() - started > SYNC_TIMEOUT_MS) {
      throw new Error(`home page never showed ${what} within ${SYNC_TIMEOUT_MS / 1000} s; it shows ${JSON.stringify(rows)}; toasts: ${JSON.stringify(toasts())}`)
    }
    await sleep(PULL_INTERVAL_MS)
  }
}

// --- the test ---------------------------------------------------------------------------------------------------

const openPages = []
function open(route, query) {
  const page = loadPage(route, query)
  openPages.push(page)
  return page
}

afterEach(() => {
  openPages.splice(0).forEach((page) => page.detach())
})

test('allowing alerts when linking an account brings the editor\'s decision to WeChat and the inbox', async () => {
  requireEnv()
  const env = process.env
  install()
  wx.setStorageSync('api_base', env.API_BASE) // the tester override documented in src/utils/config.js
  const base = env.API_BASE.replace(/\/+$/, '')

  // Launch: silent login.
  const app = launchApp()
  const researcher = await app.loginReady
  if (!researcher) throw new Error(`silent login against ${env.API_BASE} failed; toasts: ${JSON.stringify(toasts())}`)
  const { data: wechatUser } = await sandboxCall('GET', `/__sandbox__/wechat/users/${encodeURIComponent(sandboxUser())}`)

  // Link wizard: journal system, e-mail, the mailed code. Nothing asks for alerts before the code is verified.
  const link = open('pages/accounts/link')
  await link.instance.__loaded
  const system = (link.instance.loadedSystems || []).find((candidate) => candidate.key === env.E2E_JOURNAL_SYSTEM_KEY)
  if (!system) throw new Error(`journal system "${env.E2E_JOURNAL_SYSTEM_KEY}" is not offered; toasts: ${JSON.stringify(toasts())}`)
  link.querySelector(`#system-${system.id}`).querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => link.data.step === 2, 'step 2 of the wizard')
  typeInto(link, 'input-identity', env.E2E_ACCOUNT_EMAIL)
  tapButton(link, 'send-code-button')
  await waitFor(() => link.data.step === 3 || (link.data.busy === '' && (link.data.identityErrors.length || link.data.formError)), 'the answer to "send code"', 15000)
  if (link.data.step !== 3) throw new Error(`"send code" did not reach step 3: ${JSON.stringify({ identityErrors: link.data.identityErrors, formError: link.data.formError, toasts: toasts() })}`)
  const mail = await latestMailTo(env.E2E_ACCOUNT_EMAIL.toLowerCase())
  const code = (/\b(\d{6})\b/.exec(mail.body) || [])[1]
  if (!code) throw new Error(`no 6-digit code in the mail: ${JSON.stringify(mail)}`)
  typeInto(link, 'input-code', code)
  expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()

  // The verify tap: verified, then WeChat's popup for status changes and the linking; the researcher allows both.
  tapButton(link, 'verify-button')
  await waitFor(() => link.data.busy === '' && (link.data.account.status !== 'pending' || link.data.codeErrors.length || link.data.formError), 'the answer to "verify"', 20000)
  if (link.data.account.status !== 'verified') {
    throw new Error(`verification failed: ${JSON.stringify({ account: link.data.account, codeErrors: link.data.codeErrors, formError: link.data.formError, toasts: toasts() })}`)
  }
  expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
  expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([env.E2E_STATUS_TEMPLATE_ID, env.E2E_LINKED_TEMPLATE_ID])
  const verifyCall = wx.request.mock.calls.findIndex(([options]) => options.method === 'POST' && options.url.endsWith(`/journal-accounts/${link.data.account.id}/verify`))
  expect(wx.requestSubscribeMessage.mock.invocationCallOrder[0]).toBeGreaterThan(wx.request.mock.invocationCallOrder[verifyCall])
  expect(requestsMade()).toContain(`POST ${base}/api/v1/notifications/subscriptions`)
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ icon: 'success', title: i18n.t('toastLinked') }))
  expect(wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/accounts/list' }))
  // WeChat granted one message per template, and the backend counted the same.
  const { data: granted } = await sandboxCall('GET', '/__sandbox__/wechat/subscriptions', { user: sandboxUser() })
  expect(granted.quota[env.E2E_STATUS_TEMPLATE_ID]).toBe(1)
  const counted = subscribe.kindState(await subscribe.fetchState(), 'status_changed')
  expect(counted).toEqual(expect.objectContaining({ template_id: env.E2E_STATUS_TEMPLATE_ID, credits: 1, has_credit: true, banned: false }))

  // Home: the verified account syncs at once (in the worker); pull down until the manuscript is there.
  const home = open('pages/home/home')
  await home.instance.__shown
  const rows = await pullHomeUntil(home, (shown) => shown.length > 0, 'the linked account\'s manuscript')
  expect(rows.map(({ title }) => title)).toEqual([env.E2E_EXPECT_TITLE])
  const manuscriptId = rows[0].id

  // The editor accepts the manuscript in OJS; the researcher taps "立即同步".
  const moved = await sandboxCall('POST', `/__sandbox__/ojs/sites/${encodeURIComponent(env.E2E_CONTEXT_PATH)}/submissions/${encodeURIComponent(env.E2E_SUBMISSION_ID)}/move`, { decision: 'accept' })
  if (moved.statusCode !== 200) throw new Error(`the sandbox did not move submission ${env.E2E_SUBMISSION_ID}: ${moved.statusCode} ${JSON.stringify(moved.data)}`)
  const accounts = open('pages/accounts/list')
  await accounts.instance.__shown
  const accountId = link.data.account.id
  const toastsBefore = toasts().length
  tapButton(accounts, `sync-${accountId}`)
  await waitFor(() => toasts().length > toastsBefore && accounts.data.busyId === null, 'the answer to "sync now"', 15000)
  expect(toasts().slice(toastsBefore)).toEqual([i18n.t('toastSyncQueued')])

  // The sender delivers the decision to WeChat as a status_changed subscription message.
  const [message] = await messagesTo(wechatUser.openid, env.E2E_STATUS_TEMPLATE_ID, 1)
  expect(message.page).toBe(`pages/manuscript/detail?id=${manuscriptId}`)
  expect(message.data.phrase2.value).toBe(PHRASE_ACCEPTED)
  expect(message.data.thing1.value).not.toBe('')
  expect(message.data.time4.value).toMatch(/\d/)
  expect(message.lang).toBe('zh_CN')

  // Inbox: the notice is there (the alert went to WeChat, the notice stays in the inbox); tapping it opens the
  // manuscript, marks it read and updates the badge.
  const inbox = open('pages/inbox/inbox')
  await inbox.instance.__shown
  await waitFor(() => inbox.data.state === 'ready', 'the inbox')
  const notice = inbox.instance.list.items.find((candidate) => candidate.kind === 'status_changed')
  if (!notice) throw new Error(`no status_changed notice in the inbox: ${JSON.stringify(inbox.instance.list.items)}`)
  expect(notice.page).toBe(message.page)
  expect(notice.is_read).toBe(false)
  const row = inbox.querySelector(`#notice-${notice.id} .notice`)
  expect(textOf(row, '.notice-row__title')).toContain(LABEL_ACCEPTED)
  expect(Boolean(row.querySelector('.notice-row__dot'))).toBe(true)
  const badgeCalls = wx.setTabBarBadge.mock.calls.length + wx.removeTabBarBadge.mock.calls.length
  await inbox.instance.onNoticeTap({ currentTarget: { dataset: { id: notice.id } } })
  expect(wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/pages/manuscript/detail?id=${manuscriptId}` }))
  expect(requestsMade()).toContain(`POST ${base}/api/v1/notifications/${notice.id}/read`)
  expect(wx.setTabBarBadge.mock.calls.length + wx.removeTabBarBadge.mock.calls.length).toBeGreaterThan(badgeCalls)
  expect(Boolean(inbox.querySelector(`#notice-${notice.id} .notice`).querySelector('.notice-row__dot'))).toBe(false)

  // The detail page the notice opened: accepted; the alert was spent, so "提醒我" offers another one.
  const detail = open('pages/manuscript/detail', { id: String(manuscriptId) })
  await detail.instance.__loaded
  expect(detail.data.state).toBe('ready')
  expect(textOf(detail, '#detail-title')).toBe(env.E2E_EXPECT_TITLE)
  expect(textOf(detail, '#detail-chip')).toBe(LABEL_ACCEPTED)
  expect(textOf(detail, '#alert-status')).toBe(i18n.t('detailAlertOff'))
  tapButton(detail, 'alert-button')
  await waitFor(() => wx.requestSubscribeMessage.mock.calls.length === 2 && !detail.data.asking && detail.data.alert.on, 'the second alert to be allowed', 15000)
  expect(wx.requestSubscribeMessage.mock.calls[1][0].tmplIds).toEqual([env.E2E_STATUS_TEMPLATE_ID])
  expect(textOf(detail, '#alert-status')).toBe(i18n.t('detailAlertOn', { count: 1 }))
  const { data: regranted } = await sandboxCall('GET', '/__sandbox__/wechat/subscriptions', { user: sandboxUser() })
  expect(regranted.quota[env.E2E_STATUS_TEMPLATE_ID]).toBe(1)

  // Nothing went wrong on the way.
  expect(toasts()).toEqual([i18n.t('toastLinked'), i18n.t('toastSyncQueued'), i18n.t('toastAlertsOn')])
}, 150000)
