/**
 * End-to-end: sharing an accepted manuscript through the real manuscript, share and poster pages, over real HTTP,
 * against a LIVE backend and the WeChat sandbox.
 *
 *   cd miniprogram && npm ci && \
 *   API_BASE=http://127.0.0.1:8000 SANDBOX_BASE=http://127.0.0.1:8900 E2E_LOGIN_CODE=<the author's code> \
 *   E2E_VISITOR_LOGIN_CODE=<another WeChat user's code> E2E_MANUSCRIPT_ID=<an accepted manuscript of the author> \
 *   E2E_EXPECT_TITLE=<its title in Chinese> E2E_JOURNAL_NAME=<its journal's Chinese name> \
 *   npx jest test/e2e/share.e2e.test.js
 *
 * Normally started by tests/test_miniprogram_share_e2e.py, which makes the author's accepted manuscript and checks
 * the backend's side afterwards (one share, the open counted once, the poster's Mini Program code, the follow).
 * Without these variables this test FAILS (it never skips).
 *
 * The author: launch (silent login) -> the manuscript page: "分享" shows what will be public -> confirm: the share is
 * made (POST …/shares), the chat card points at the share page. A visitor's phone that never used the app: the share
 * page by id (a chat card) and by scene (a poster's code), with no token and no login; the open reported once; the
 * poster downloads as a PNG; "follow this journal" logs the visitor in on the tap and follows.
 */
const fs = require('fs')
const { launchApp, textOf, waitFor } = require('../helpers/page')
const { install } = require('../helpers/wx-real')
const { requireEnv, toasts, requestsMade, apiBase, launchLoggedIn, pageOpener, tapButton, waitOnPage } = require('../helpers/e2e')

const REQUIRED_ENV = {
  API_BASE: 'origin of the running backend, e.g. http://127.0.0.1:8000',
  SANDBOX_BASE: 'origin of the running sandbox (WeChat stand-in), e.g. http://127.0.0.1:8900',
  E2E_LOGIN_CODE: 'the author\'s wx.login code, which the WeChat sandbox exchanges for an openid',
  E2E_VISITOR_LOGIN_CODE: 'another WeChat user\'s wx.login code (the visitor who follows the journal)',
  E2E_MANUSCRIPT_ID: 'an accepted manuscript the author sees through a verified account',
  E2E_EXPECT_TITLE: 'its title as the share shows it in Chinese',
  E2E_JOURNAL_NAME: 'its journal\'s Chinese name',
}
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const { open } = pageOpener()

test('an accepted manuscript is shared; a visitor opens it without a token, by id and by scene; the poster is a PNG', async () => {
  requireEnv(REQUIRED_ENV, { needs: 'a live backend with an accepted manuscript of the author', driver: 'tests/test_miniprogram_share_e2e.py' })
  const manuscriptId = process.env.E2E_MANUSCRIPT_ID
  const title = process.env.E2E_EXPECT_TITLE
  const journal = process.env.E2E_JOURNAL_NAME

  // The author shares.
  await launchLoggedIn()
  const detail = open('pages/manuscript/detail', { id: manuscriptId })
  await detail.instance.__loaded
  await waitOnPage(detail, () => detail.querySelector('#share-start-button'), 'the share button', { show: ['state', 'shareSection'] })
  tapButton(detail, 'share-start-button')
  await waitOnPage(detail, () => detail.querySelector('#share-confirm'), 'what will be public')
  expect(textOf(detail.querySelector('#share-preview-title'), '.t-cell__title-text')).toBe(title)
  tapButton(detail, 'share-confirm-button')
  await waitOnPage(detail, () => detail.querySelector('#share-chat-button'), 'the share', { show: ['shareSection', 'shareBusy'] })
  const [share] = detail.instance.ownShares
  expect(share.id).toMatch(/^[A-Za-z0-9]{16,32}$/)
  const card = detail.instance.onShareAppMessage({ from: 'button' })
  expect(card.path).toBe(`/packages/share/share?id=${share.id}`)
  expect(card.title).toBe(`我的论文已被《${journal}》录用`)
  expect(card.imageUrl).toBe(`${apiBase()}/api/v1/shares/${share.id}/card.png?lang=zh-hans`)
  expect(textOf(detail, '#share-opened')).toBe('0 人次打开')

  // A visitor's phone, the share page as its first page: no token, no login.
  const visitorWx = install({ loginCode: process.env.E2E_VISITOR_LOGIN_CODE })
  wx.setStorageSync('api_base', process.env.API_BASE)
  const app = launchApp({ path: 'packages/share/share', query: { id: share.id }, scene: 1007 })
  await app.__shown
  const byId = open('packages/share/share', { id: share.id })
  await byId.instance.__loaded
  await waitOnPage(byId, () => byId.data.state === 'ready', 'the public share', { show: ['state'] })
  expect(textOf(byId, '#share-title')).toBe(title)
  expect(textOf(byId, '#share-journal')).toBe(journal)
  expect(textOf(byId, '#share-milestone')).toBe('已录用')
  const openedUrl = `POST ${apiBase()}/api/v1/shares/${share.id}/opened`
  await waitFor(() => requestsMade().includes(openedUrl), `the open report; requests ${JSON.stringify(requestsMade())}`)

  const byScene = open('packages/share/share', { scene: encodeURIComponent(share.scene) })
  await byScene.instance.__loaded
  await waitOnPage(byScene, () => byScene.data.state === 'ready', 'the share by scene', { show: ['state'] })
  expect(textOf(byScene, '#share-title')).toBe(title)
  expect(requestsMade()).toContain(`GET ${apiBase()}/api/v1/shares/by-scene/${encodeURIComponent(share.scene)}`)
  expect(visitorWx.login).not.toHaveBeenCalled()
  expect(visitorWx.request.mock.calls.every(([options]) => !('Authorization' in (options.header || {})))).toBe(true)
  expect(requestsMade().filter((made) => made === openedUrl)).toHaveLength(1)

  // The poster, downloaded without a token.
  const poster = open('packages/share/poster', { id: share.id })
  await poster.instance.__loaded
  await waitOnPage(poster, () => poster.data.state === 'ready', 'the poster', { show: ['state'] })
  const png = fs.readFileSync(poster.data.posterPath)
  expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true)
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([750, 1200])

  // Following the journal: the login happens on this tap.
  tapButton(byId, 'follow-button')
  await waitOnPage(byId, () => byId.data.follow === 'done', 'the follow', { show: ['follow'] })
  expect(visitorWx.login).toHaveBeenCalledTimes(1)
  expect(toasts()).toContain('已关注')
})
