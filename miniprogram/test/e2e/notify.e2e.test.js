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
const { sandboxUser } = require('../helpers/wx-real')
const { textOf, waitFor } = require('../helpers/page')
const {
  requireEnv, sleep, toasts, requestsMade, apiBase, launchLoggedIn, sandboxCall, mailedCode, decideInOjs, pageOpener,
  tapButton, typeInto, offeredSystem, syncNow, pullHomeUntil,
} = require('../helpers/e2e')
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

// Bound of the wait on the sender's work in the worker (the sync's is helpers/e2e.js's).
const SEND_TIMEOUT_MS = 30000

// Backend texts (zh-hans, the researcher's default language): the label, and WeChat's phrase keyword (≤ 5 汉字).
const LABEL_ACCEPTED = '已录用'
const PHRASE_ACCEPTED = '已录用'

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

// --- the test ---------------------------------------------------------------------------------------------------

const { open } = pageOpener()

test('allowing alerts when linking an account brings the editor\'s decision to WeChat and the inbox', async () => {
  requireEnv(REQUIRED_ENV, {
    needs: 'a live backend, Celery workers (sync and notification sender) and the sandbox with a scripted OJS journal',
    driver: 'tests/test_miniprogram_notify_e2e.py',
  })
  const env = process.env
  const base = apiBase()

  // Launch: silent login.
  await launchLoggedIn()
  const { data: wechatUser } = await sandboxCall('GET', `/__sandbox__/wechat/users/${encodeURIComponent(sandboxUser())}`)

  // Link wizard: journal system, e-mail, the mailed code. Nothing asks for alerts before the code is verified.
  const link = open('pages/accounts/link')
  await link.instance.__loaded
  const system = offeredSystem(link, env.E2E_JOURNAL_SYSTEM_KEY)
  link.querySelector(`#system-${system.id}`).querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => link.data.step === 2, 'step 2 of the wizard')
  typeInto(link, 'input-identity', env.E2E_ACCOUNT_EMAIL)
  tapButton(link, 'send-code-button')
  await waitFor(() => link.data.step === 3 || (link.data.busy === '' && (link.data.identityErrors.length || link.data.formError)), 'the answer to "send code"', 15000)
  if (link.data.step !== 3) throw new Error(`"send code" did not reach step 3: ${JSON.stringify({ identityErrors: link.data.identityErrors, formError: link.data.formError, toasts: toasts() })}`)
  const code = await mailedCode(env.E2E_ACCOUNT_EMAIL.toLowerCase())
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
  await decideInOjs(env.E2E_CONTEXT_PATH, env.E2E_SUBMISSION_ID, 'accept')
  const accounts = open('pages/accounts/list')
  await accounts.instance.__shown
  const accountId = link.data.account.id
  expect(await syncNow(accounts, accountId)).toEqual([i18n.t('toastSyncQueued')])

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
