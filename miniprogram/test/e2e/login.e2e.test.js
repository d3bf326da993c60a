/**
 * End-to-end: the real app.js and home page, over real HTTP, against a LIVE backend.
 *
 *   cd miniprogram && npm ci && \
 *   API_BASE=http://127.0.0.1:8000 E2E_LOGIN_CODE=<a wx.login code the WeChat sandbox accepts> \
 *   E2E_EXPECT_NAME=<display name of the researcher that code logs in> npx jest test/e2e
 *
 * Normally started by the pytest end-to-end test, which runs Django's live server and the WeChat sandbox
 * and sets those variables. Without them this test FAILS (it never skips): a green run must mean the Mini
 * Program really logged in against a backend.
 */
const { install } = require('../helpers/wx-real')
const { launchApp, loadPage, textOf } = require('../helpers/page')

const REQUIRED_ENV = {
  API_BASE: 'origin of the running backend, e.g. http://127.0.0.1:8000',
  E2E_LOGIN_CODE: 'the code wx.login returns, which the WeChat sandbox exchanges for an openid',
  E2E_EXPECT_NAME: "the display name of the researcher that code logs in (expected in the home page's greeting)",
}

function requireEnv() {
  const missing = Object.keys(REQUIRED_ENV).filter((name) => !process.env[name])
  if (missing.length === 0) return
  throw new Error([
    `Missing environment variable(s): ${missing.join(', ')}. This end-to-end test needs a live backend:`,
    ...Object.entries(REQUIRED_ENV).map(([name, meaning]) => `  ${name}: ${meaning}`),
    'Run it from miniprogram/ as:',
    '  API_BASE=http://127.0.0.1:8000 E2E_LOGIN_CODE=<code> E2E_EXPECT_NAME=<name> npx jest test/e2e',
    '(the pytest end-to-end test starts Django and the WeChat sandbox and sets these for you).',
  ].join('\n'))
}

const toasts = () => wx.showToast.mock.calls.map(([options]) => options.title)

test('launch logs in silently over HTTP and the home page greets the researcher by name', async () => {
  requireEnv()
  install()
  // The tester override documented in src/utils/config.js points the app at the live backend.
  wx.setStorageSync('api_base', process.env.API_BASE)

  const app = launchApp() // onLaunch -> wx.login -> POST /api/v1/auth/login
  const researcher = await app.loginReady
  if (!researcher) throw new Error(`silent login against ${process.env.API_BASE} failed; toasts: ${JSON.stringify(toasts())}`)
  expect(wx.getStorageSync('token')).toEqual(expect.any(String))
  expect(wx.getStorageSync('token')).not.toBe('')

  const page = loadPage('pages/home/home') // onShow -> GET /api/v1/me, /api/v1/manuscripts and the inbox, with the token
  await page.instance.__shown
  expect(toasts()).toEqual([])
  expect(textOf(page, '#greeting')).toContain(process.env.E2E_EXPECT_NAME)
  expect(page.data.listState).toBe('ready') // the manuscripts (or the reason there are none) came from the backend

  const calls = wx.request.mock.calls.map(([options]) => `${options.method} ${options.url}`)
  const base = process.env.API_BASE.replace(/\/+$/, '')
  // The Inbox tab's badge (after login, on the home tab) and the home page's preview of the newest unread notices.
  const isInbox = (call) => call.includes('/api/v1/notifications')
  expect(calls.filter(isInbox)).toContain(`GET ${base}/api/v1/notifications/unread-count`)
  expect(calls.filter(isInbox)).toContain(`GET ${base}/api/v1/notifications?unread=true&page_size=3`)
  expect(page.data.inboxState).toBe('ready')
  // Whether payments exist (the orders block): asked once, quietly; a backend without orders answers 404.
  const isOrders = (call) => call.includes('/api/v1/orders')
  expect(calls.filter(isOrders)).toEqual([`GET ${base}/api/v1/orders?page_size=1`])
  const others = calls.filter((call) => !isInbox(call) && !isOrders(call))
  expect(others.slice(0, 3)).toEqual([`POST ${base}/api/v1/auth/login`, `GET ${base}/api/v1/me`, `GET ${base}/api/v1/manuscripts`])
  // No manuscripts yet: the linked accounts decide which empty state is shown; else "needs your action" is asked.
  if (page.data.emptyKind) expect(others.slice(3)).toEqual([`GET ${base}/api/v1/journal-accounts`])
  else expect(others.slice(3)).toEqual([`GET ${base}/api/v1/manuscripts?status=revision_requested`])
}, 30000)
