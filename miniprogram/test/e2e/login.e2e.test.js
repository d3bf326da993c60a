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
const { loadPage, textOf } = require('../helpers/page')
const { requireEnv, toasts, requestsMade, apiBase, launchLoggedIn } = require('../helpers/e2e')

const REQUIRED_ENV = {
  API_BASE: 'origin of the running backend, e.g. http://127.0.0.1:8000',
  E2E_LOGIN_CODE: 'the code wx.login returns, which the WeChat sandbox exchanges for an openid',
  E2E_EXPECT_NAME: "the display name of the researcher that code logs in (expected in the home page's greeting)",
}

test('launch logs in silently over HTTP and the home page greets the researcher by name', async () => {
  requireEnv(REQUIRED_ENV, { needs: 'a live backend and the WeChat sandbox', driver: 'tests/test_miniprogram_e2e.py' })
  await launchLoggedIn() // onLaunch -> wx.login -> POST /api/v1/auth/login
  expect(wx.getStorageSync('token')).toEqual(expect.any(String))
  expect(wx.getStorageSync('token')).not.toBe('')

  const page = loadPage('pages/home/home') // onShow -> GET /api/v1/me, /api/v1/manuscripts and the inbox, with the token
  await page.instance.__shown
  expect(toasts()).toEqual([])
  expect(textOf(page, '#greeting')).toContain(process.env.E2E_EXPECT_NAME)
  expect(page.data.listState).toBe('ready') // the manuscripts (or the reason there are none) came from the backend

  const calls = requestsMade()
  const base = apiBase()
  // The Inbox tab's badge (after login, on the home tab) and the home page's preview of the newest unread notices.
  const isInbox = (call) => call.includes('/api/v1/notifications')
  expect(calls.filter(isInbox)).toContain(`GET ${base}/api/v1/notifications/unread-count`)
  expect(calls.filter(isInbox)).toContain(`GET ${base}/api/v1/notifications?unread=true&page_size=3`)
  expect(page.data.inboxState).toBe('ready')
  // Whether payments exist (the orders block): asked once, quietly; a backend without orders answers 404. When
  // they exist, the block asks for the first orders (what is still to pay).
  const isOrders = (call) => call.includes('/api/v1/orders')
  const ordersPreview = page.data.showOrders ? [`GET ${base}/api/v1/orders?page_size=3`] : []
  expect(calls.filter(isOrders)).toEqual([`GET ${base}/api/v1/orders?page_size=1`].concat(ordersPreview))
  // Publisher news: the home page's campaign cards, asked once, quietly (none: no section).
  const isCards = (call) => call.includes('/api/v1/campaign-cards')
  expect(calls.filter(isCards)).toEqual([`GET ${base}/api/v1/campaign-cards`])
  const others = calls.filter((call) => !isInbox(call) && !isOrders(call) && !isCards(call))
  // The first login records the consent to the privacy policy the launch's notice gated (a new researcher has none).
  expect(others.slice(0, 4)).toEqual([`POST ${base}/api/v1/auth/login`, `POST ${base}/api/v1/me/privacy-consent`, `GET ${base}/api/v1/me`, `GET ${base}/api/v1/manuscripts?order=action_first`])
  // No manuscripts yet: the linked accounts decide which empty state is shown; else nothing more (what needs the
  // researcher comes first in the list itself).
  if (page.data.emptyKind) expect(others.slice(4)).toEqual([`GET ${base}/api/v1/journal-accounts`])
  else expect(others.slice(4)).toEqual([])
}, 30000)
