/**
 * End-to-end: following a manuscript through the real pages, over real HTTP, against a LIVE backend, a real
 * Celery worker and the sandbox (OJS stand-in, WeChat stand-in, mail catcher).
 *
 *   cd miniprogram && npm ci && \
 *   API_BASE=http://127.0.0.1:8000 SANDBOX_BASE=http://127.0.0.1:8900 E2E_LOGIN_CODE=<code> \
 *   E2E_ACCOUNT_EMAIL=<e-mail on file in OJS> E2E_JOURNAL_SYSTEM_KEY=<journal system key> \
 *   E2E_CONTEXT_PATH=<OJS journal path> E2E_SUBMISSION_ID=<OJS submission id> E2E_EXPECT_TITLE=<title> \
 *   npx jest test/e2e/tracking.e2e.test.js
 *
 * Normally started by tests/test_miniprogram_tracking_e2e.py, which runs Django's live server, a Celery worker and
 * the sandbox (with SMTP, so the linking code really travels by mail), scripts the OJS journal, its author and the
 * submission "under review", and sets these variables. Without them this test FAILS (it never skips).
 *
 * The researcher's path: launch (silent login) -> link wizard: choose the journal system, type the e-mail, send ->
 * read the code from the mail (sandbox mail catcher over HTTP) -> type it, verify -> home: pull down until the
 * manuscript shows "under review" -> (the editor accepts it in OJS: the sandbox's move route) -> accounts: tap
 * "立即同步" -> home: pull down until it shows "accepted" -> tap it -> detail: the accepted entry heads the timeline.
 */
const { textOf, waitFor } = require('../helpers/page')
const {
  requireEnv, toasts, requestsMade, apiBase, launchLoggedIn, mailedCode, decideInOjs, pageOpener, tapButton, typeInto,
  textsOf, offeredSystem, syncNow, pullHomeUntil,
} = require('../helpers/e2e')
const i18n = require('../../src/utils/i18n')
const status = require('../../src/utils/status')

const REQUIRED_ENV = {
  API_BASE: 'origin of the running backend, e.g. http://127.0.0.1:8000',
  SANDBOX_BASE: 'origin of the running sandbox (OJS stand-in and mail catcher), e.g. http://127.0.0.1:8900',
  E2E_LOGIN_CODE: 'the code wx.login returns, which the WeChat sandbox exchanges for an openid',
  E2E_ACCOUNT_EMAIL: 'the e-mail the OJS sandbox has on file for the author (typed in the wizard; the code goes there)',
  E2E_JOURNAL_SYSTEM_KEY: 'the key of the journal system (platform OJS, base URL = the sandbox) to choose in the wizard',
  E2E_CONTEXT_PATH: 'the OJS journal path of the submission, e.g. jas',
  E2E_SUBMISSION_ID: 'the OJS submission id of the author\'s manuscript (under review in the sandbox)',
  E2E_EXPECT_TITLE: 'the manuscript title the home page shows (in the researcher\'s language, zh-hans by default)',
}

// Backend texts, localized by the backend from Accept-Language (zh-hans: the researcher's default language).
const LABEL_UNDER_REVIEW = '同行评审中'
const LABEL_ACCEPTED = '已录用'

const { open } = pageOpener()

test('link an OJS account with the mailed code, see the manuscript, and follow the editor\'s decision after a sync', async () => {
  requireEnv(REQUIRED_ENV, {
    needs: 'a live backend, a Celery worker and the sandbox with a scripted OJS journal',
    driver: 'tests/test_miniprogram_tracking_e2e.py',
  })
  const env = process.env

  // Launch: silent login.
  await launchLoggedIn()
  expect(wx.getStorageSync('token')).toEqual(expect.any(String))

  // Link wizard, step 1: choose the journal system.
  const link = open('pages/accounts/link')
  await link.instance.__loaded
  const system = offeredSystem(link, env.E2E_JOURNAL_SYSTEM_KEY)
  expect(link.data.step).toBe(1)
  expect(textOf(link.querySelector(`#system-${system.id}`), '.t-cell__title-text')).toBe(system.name)
  expect(textOf(link.querySelector(`#system-${system.id}`), '.t-cell__description-text')).toBe(system.platform_label)
  expect(system.platform).toBe('ojs')
  link.querySelector(`#system-${system.id}`).querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => link.data.step === 2, 'step 2 of the wizard')
  expect(textOf(link.querySelector('#selected-system'), '.t-cell__title-text')).toBe(system.name)

  // Step 2: the e-mail used on that system; the backend finds it in OJS and mails a code to the address on file.
  typeInto(link, 'input-identity', env.E2E_ACCOUNT_EMAIL)
  tapButton(link, 'send-code-button')
  await waitFor(() => link.data.step === 3 || (link.data.busy === '' && link.data.identityErrors.length + link.data.systemErrors.length > 0) || link.data.formError,
    'the answer to "send code"', 15000)
  if (link.data.step !== 3) {
    throw new Error(`"send code" did not reach step 3: ${JSON.stringify({ identityErrors: link.data.identityErrors, systemErrors: link.data.systemErrors, formError: link.data.formError, toasts: toasts() })}`)
  }
  const [local, domain] = env.E2E_ACCOUNT_EMAIL.toLowerCase().split('@')
  const codeSent = textOf(link, '#code-sent')
  expect(codeSent).toContain(`${local[0]}***@${domain}`) // only a masked address is shown
  expect(codeSent).not.toContain(env.E2E_ACCOUNT_EMAIL.toLowerCase())
  const accountId = link.data.account.id
  expect(link.data.account.status).toBe('pending')

  // The researcher reads their mail.
  const code = await mailedCode(env.E2E_ACCOUNT_EMAIL.toLowerCase())

  // Step 3: the code -> verified, success toast, on to the accounts list.
  typeInto(link, 'input-code', code)
  tapButton(link, 'verify-button')
  await waitFor(() => link.data.busy === '' && (link.data.account.status !== 'pending' || link.data.codeErrors.length || link.data.formError),
    'the answer to "verify"', 15000)
  if (link.data.account.status !== 'verified') {
    throw new Error(`verification failed: ${JSON.stringify({ account: link.data.account, codeErrors: link.data.codeErrors, formError: link.data.formError, toasts: toasts() })}`)
  }
  expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ icon: 'success', title: i18n.t('toastLinked') }))
  expect(wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/accounts/list' }))

  // Home: the verified account syncs at once (in the worker); pull down until the manuscript is there.
  const home = open('pages/home/home')
  await home.instance.__shown
  let rows = await pullHomeUntil(home, (shown) => shown.length > 0, 'the linked account\'s manuscript')
  expect(rows).toEqual([expect.objectContaining({
    group: 'in_progress', groupTitle: i18n.t('groupInProgress'), title: env.E2E_EXPECT_TITLE, chip: LABEL_UNDER_REVIEW,
  })])
  expect(rows[0].chipStyle).toContain(`color: ${status.STATUSES.under_review.color};`)
  expect(rows[0].journal).not.toBe('')
  const manuscriptId = rows[0].id

  // The editor accepts the manuscript in OJS.
  await decideInOjs(env.E2E_CONTEXT_PATH, env.E2E_SUBMISSION_ID, 'accept')

  // Accounts list: the verified account with its manuscript; tap "立即同步" (POST .../refresh -> a sync in the worker).
  const accounts = open('pages/accounts/list')
  await accounts.instance.__shown
  const card = `#account-${accountId}`
  expect(accounts.querySelector(card)).toBeDefined()
  expect(textOf(accounts.querySelector(`${card} .account-card__status`), '.t-tag__text')).toBe(i18n.t('accountStatusVerified'))
  expect(textOf(accounts, `${card} .account-card__count`)).toBe('1')
  expect(textOf(accounts.querySelector(`#sync-${accountId}`), '.t-button__content')).toBe(i18n.t('actionSync'))
  expect(await syncNow(accounts, accountId)).toEqual([i18n.t('toastSyncQueued')]) // not a "wait a minute" or error toast
  const base = apiBase()
  expect(requestsMade()).toContain(`POST ${base}/api/v1/journal-accounts/${accountId}/refresh`)

  // Home again: pull down until the decision shows.
  rows = await pullHomeUntil(home, (shown) => shown.some((row) => row.id === manuscriptId && row.chip === LABEL_ACCEPTED),
    `manuscript ${manuscriptId} as "${LABEL_ACCEPTED}"`)
  expect(rows).toEqual([expect.objectContaining({
    id: manuscriptId, group: 'accepted', groupTitle: i18n.t('groupAccepted'), title: env.E2E_EXPECT_TITLE, chip: LABEL_ACCEPTED,
  })])
  expect(rows[0].chipStyle).toContain(`color: ${status.STATUSES.accepted.color};`)
  expect(home.querySelector('#group-in_progress')).toBeUndefined()

  // Tap it: the detail page, with the accepted entry above the earlier one in the timeline.
  home.querySelector(`#manuscript-${manuscriptId}`).dispatchEvent('tap')
  await waitFor(() => wx.navigateTo.mock.calls.length > 0, 'the tap on the manuscript to navigate')
  expect(wx.navigateTo).toHaveBeenLastCalledWith(expect.objectContaining({ url: `/pages/manuscript/detail?id=${manuscriptId}` }))
  const detail = open('pages/manuscript/detail', { id: String(manuscriptId) })
  await detail.instance.__loaded
  expect(detail.data.state).toBe('ready')
  expect(textOf(detail, '#detail-title')).toBe(env.E2E_EXPECT_TITLE)
  expect(textOf(detail, '#detail-chip')).toBe(LABEL_ACCEPTED)
  expect(textOf(detail, '#detail-explanation')).not.toBe('')
  expect(detail.querySelectorAll('.timeline-item').map((node) => node.dom.getAttribute('data-status'))).toEqual(['accepted', 'under_review'])
  expect(textsOf(detail, '.timeline-item__label')).toEqual([LABEL_ACCEPTED, LABEL_UNDER_REVIEW])
  const dots = detail.querySelectorAll('.timeline-item__dot').map((node) => node.dom.getAttribute('style') || '')
  expect(dots[0]).toContain(status.STATUSES.accepted.color)
  expect(dots[1]).toContain(status.STATUSES.under_review.color)
  const dates = textsOf(detail, '.timeline-item__date')
  expect(dates).toHaveLength(2)
  dates.forEach((date) => expect(date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/))
  expect(detail.querySelector('#timeline-empty')).toBeUndefined()

  // Nothing went wrong on the way: the only toasts are "linked" and "sync started".
  expect(toasts()).toEqual([i18n.t('toastLinked'), i18n.t('toastSyncQueued')])
}, 120000)
