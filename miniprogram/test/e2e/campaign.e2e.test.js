/**
 * End-to-end: publisher news through the real home and inbox pages, over real HTTP, against a LIVE backend whose
 * Celery worker fanned a staff campaign out.
 *
 *   cd miniprogram && npm ci && \
 *   API_BASE=http://127.0.0.1:8000 SANDBOX_BASE=http://127.0.0.1:8900 E2E_LOGIN_CODE=<code> \
 *   E2E_CAMPAIGN_ID=<campaign id> E2E_CAMPAIGN_TITLE=<its title in the researcher's language> \
 *   E2E_CAMPAIGN_PAGE=<the page it opens, e.g. pages/accounts/list> npx jest test/e2e/campaign.e2e.test.js
 *
 * Normally started by tests/test_miniprogram_campaign_e2e.py, which signs the researcher in, tags them, launches a
 * campaign to that tag in admin's way and waits for the worker to deliver it. Without these variables this test
 * FAILS (it never skips).
 *
 * The researcher's path: launch (silent login) -> home: the campaign's card ("出版社资讯") -> tap it: the app reports
 * the campaign opened (POST /api/v1/campaigns/{id}/opened) and opens the campaign's page -> inbox: the same news
 * as a notice (never a WeChat message). The backend side (the open counted once, the Official Account's mass send)
 * is checked by the Python test.
 */
const { textOf, waitFor } = require('../helpers/page')
const { requireEnv, toasts, requestsMade, apiBase, launchLoggedIn, pageOpener, navigatedTo } = require('../helpers/e2e')

const REQUIRED_ENV = {
  API_BASE: 'origin of the running backend, e.g. http://127.0.0.1:8000',
  SANDBOX_BASE: 'origin of the running sandbox (WeChat stand-in), e.g. http://127.0.0.1:8900',
  E2E_LOGIN_CODE: 'the code wx.login returns, which the WeChat sandbox exchanges for an openid (user = part before "-")',
  E2E_CAMPAIGN_ID: 'the id of a campaign already delivered to this researcher in the Mini Program',
  E2E_CAMPAIGN_TITLE: 'its title in the researcher\'s language (the card and the notice show it)',
  E2E_CAMPAIGN_PAGE: 'the page the campaign opens (without the campaign=<id> the backend adds)',
}

const { open } = pageOpener()

test('a staff campaign reaches the home card and the inbox, and opening it is reported once', async () => {
  requireEnv(REQUIRED_ENV, { needs: 'a live backend with a delivered campaign', driver: 'tests/test_miniprogram_campaign_e2e.py' })
  const campaignId = Number(process.env.E2E_CAMPAIGN_ID)
  const title = process.env.E2E_CAMPAIGN_TITLE
  await launchLoggedIn()

  const home = open('pages/home/home')
  await home.instance.__shown
  await waitFor(() => (home.data.campaignCards || []).some((card) => card.title === title),
    `the campaign card on the home page; cards ${JSON.stringify(home.data.campaignCards)}, toasts ${JSON.stringify(toasts())}`)
  const card = home.data.campaignCards.find((item) => item.title === title)
  expect(textOf(home.querySelector('#section-campaigns'), '.section-card__title')).toBe('出版社资讯')

  home.querySelector(`#campaign-open-${card.id}`).dispatchEvent('tap')
  const openedUrl = `POST ${apiBase()}/api/v1/campaigns/${campaignId}/opened`
  await waitFor(() => requestsMade().includes(openedUrl), `the open report; requests ${JSON.stringify(requestsMade())}`)
  await waitFor(() => wx.navigateTo.mock.calls.length || wx.switchTab.mock.calls.length, 'the campaign page to open')
  const { route, query } = navigatedTo(wx.navigateTo.mock.calls.length ? 'navigateTo' : 'switchTab')
  expect(route).toBe(process.env.E2E_CAMPAIGN_PAGE)
  if (wx.navigateTo.mock.calls.length) expect(query.campaign).toBe(String(campaignId))

  const inbox = open('pages/inbox/inbox')
  await inbox.instance.__shown
  await waitFor(() => inbox.dom.innerHTML.includes(title), 'the notice in the inbox')
  // Reported once for this run, however many ways the researcher opens it.
  expect(requestsMade().filter((request) => request === openedUrl)).toHaveLength(1)
})
