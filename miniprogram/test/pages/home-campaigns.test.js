// Publisher news on the home page: campaign cards from GET /api/v1/campaign-cards, each dismissible, each opening its
// page after reporting the campaign opened (fire-and-forget). No cards: no section at all.
const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend } = require('../helpers/fake-backend')
const { launchApp, loadPage, textOf, waitFor } = require('../helpers/page')

const CARDS = '/api/v1/campaign-cards'

async function openHome({ campaignCards, researcher, respond } = {}) {
  const backend = createBackend({ campaignCards, researcher })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond })
  launchApp()
  const page = loadPage('pages/home/home')
  await page.instance.__shown
  return { backend, page }
}

const cardTitles = (page) => page.querySelectorAll('.campaign-card__title').map((node) => node.dom.textContent.trim())
const a11yLabel = (page, id) => page.data.campaignCards.find((card) => card.id === id).a11yLabel
const openedCalls = () => wx.requests.filter((call) => /^\/api\/v1\/campaigns\/\d+\/opened$/.test(call.path))
const tapCard = (page, id) => page.querySelector(`#campaign-open-${id}`).dispatchEvent('tap')
const tapDismiss = (page, id) => page.querySelector(`#campaign-dismiss-${id}`).querySelector('.t-button').dispatchEvent('tap')

const NEWS = { id: 501, campaign: 42, title: '《应用科学学报》新刊上线', body: '第 12 期已出版，本期专题：土壤微生物组。', page: 'pages/accounts/list?campaign=42' }

test('shows each card with its title and text, above the manuscripts, without an error toast', async () => {
  const { page } = await openHome({ campaignCards: [NEWS, { id: 502, campaign: 43, title: '开放获取周', body: '' }] })

  expect(wx.requests.filter((call) => call.path === CARDS)).toHaveLength(1)
  expect(textOf(page.querySelector('#section-campaigns'), '.section-card__title')).toBe('出版社资讯')
  expect(cardTitles(page)).toEqual(['《应用科学学报》新刊上线', '开放获取周'])
  expect(textOf(page, '#campaign-card-501 .campaign-card__body')).toBe('第 12 期已出版，本期专题：土壤微生物组。')
  expect(page.querySelector('#campaign-card-502 .campaign-card__body')).toBeUndefined()
  expect(a11yLabel(page, 501)).toBe('出版社资讯：《应用科学学报》新刊上线')
  expect(page.querySelector('#campaign-dismiss-501').instance.data.ariaLabel).toBe('不再显示：《应用科学学报》新刊上线')
  expect(textOf(page.querySelector('#campaign-dismiss-501'), '.t-button__content')).toBe('不再显示')
  const html = page.dom.innerHTML
  expect(html.indexOf('出版社资讯')).toBeGreaterThan(-1)
  expect(html.indexOf('出版社资讯')).toBeLessThan(html.indexOf('我的稿件')) // above the manuscripts
  expect(toastTitles()).toEqual([])
  expect(openedCalls()).toHaveLength(0) // showing a card is not opening it
})

test('no cards: no section at all (no empty state to look at)', async () => {
  const { page } = await openHome({ campaignCards: [] })
  expect(wx.requests.filter((call) => call.path === CARDS)).toHaveLength(1)
  expect(page.querySelector('#section-campaigns')).toBeUndefined()
})

test('a backend that cannot list cards (an error, or none yet: 404) shows no section and says nothing', async () => {
  const { page } = await openHome({
    campaignCards: [NEWS],
    respond: (real) => (call) => (call.path === CARDS ? { statusCode: 404, data: { code: 'not_found', message: '未找到。', fields: {} } } : real(call)),
  })
  expect(page.querySelector('#section-campaigns')).toBeUndefined()
  expect(toastTitles()).toEqual([])
})

test('an expired card is not shown', async () => {
  const { page } = await openHome({
    campaignCards: [NEWS, { id: 503, campaign: 44, title: 'Past news', expires_at: '2020-01-01T00:00:00Z' }, { id: 504, campaign: 45, title: 'Later', expires_at: '2999-01-01T00:00:00Z' }],
  })
  expect(cardTitles(page)).toEqual(['《应用科学学报》新刊上线', 'Later'])
})

test('dismissing a card removes it at once and tells the backend; it does not come back on the next show', async () => {
  const { page, backend } = await openHome({ campaignCards: [NEWS, { id: 502, campaign: 43, title: '开放获取周' }] })
  tapDismiss(page, 501)
  await waitFor(() => cardTitles(page).length === 1, 'the card to go')
  expect(cardTitles(page)).toEqual(['开放获取周'])
  await waitFor(() => backend.state.campaignCards.find((card) => card.id === 501).dismissed, 'the dismissal')
  const dismissals = wx.requests.filter((call) => call.path === `${CARDS}/501/dismiss`)
  expect(dismissals.map((call) => call.method)).toEqual(['POST'])
  expect(openedCalls()).toHaveLength(0) // dismissing is not opening
  expect(wx.navigateTo).not.toHaveBeenCalled()

  await page.instance.onShow()
  expect(cardTitles(page)).toEqual(['开放获取周'])
  tapDismiss(page, 502)
  await waitFor(() => !page.querySelector('#section-campaigns'), 'the section to go with its last card')
})

test('the card goes before the backend answers; a dismissal that fails puts it back, with the reason in a toast', async () => {
  let answerDismissal = null
  const { page } = await openHome({
    campaignCards: [NEWS],
    respond: (real) => (call) => (call.path.endsWith('/dismiss')
      ? new Promise((resolve) => { answerDismissal = () => resolve(NETWORK_FAILURE) })
      : real(call)),
  })
  tapDismiss(page, 501)
  await waitFor(() => answerDismissal, 'the dismissal to be sent')
  expect(cardTitles(page)).toEqual([]) // gone while the backend has not answered
  expect(page.querySelector('#section-campaigns')).toBeUndefined()
  answerDismissal()
  await waitFor(() => cardTitles(page).length === 1, 'the card to come back')
  expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
})

test('tapping a card reports the campaign opened and opens its page', async () => {
  const { page, backend } = await openHome({ campaignCards: [NEWS] })
  tapCard(page, 501)
  await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'the navigation')
  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/accounts/list?campaign=42')
  await waitFor(() => backend.state.campaignsOpened.length === 1, 'the report')
  expect(backend.state.campaignsOpened).toEqual([42])
  expect(openedCalls().map((call) => `${call.method} ${call.path}`)).toEqual(['POST /api/v1/campaigns/42/opened'])
  expect(cardTitles(page)).toEqual(['《应用科学学报》新刊上线']) // opening is not dismissing

  tapCard(page, 501) // once per run is enough
  await waitFor(() => wx.navigateTo.mock.calls.length === 2, 'the second navigation')
  expect(openedCalls()).toHaveLength(1)
})

test('a tab page opens with switchTab; a card whose page does not carry the campaign still reports it', async () => {
  const { page, backend } = await openHome({ campaignCards: [{ id: 505, campaign: 46, title: '读者调查', page: 'pages/me/me' }] })
  tapCard(page, 505)
  await waitFor(() => wx.switchTab.mock.calls.length === 1, 'the tab switch')
  expect(wx.switchTab.mock.calls[0][0].url).toBe('/pages/me/me')
  await waitFor(() => backend.state.campaignsOpened.length === 1, 'the report')
  expect(backend.state.campaignsOpened).toEqual([46])
})

test('the navigation neither waits for the report nor fails with it', async () => {
  let answerReport = null
  const { page } = await openHome({
    campaignCards: [NEWS],
    respond: (real) => (call) => {
      if (!call.path.endsWith('/opened')) return real(call)
      return new Promise((resolve) => { answerReport = () => resolve(NETWORK_FAILURE) }) // no answer yet, then a failure
    },
  })
  const opened = page.instance.onCampaignTap({ currentTarget: { dataset: { id: 501 } } })
  await expect(opened).resolves.toBe(true)
  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/accounts/list?campaign=42')
  await waitFor(() => answerReport, 'the report to be sent')
  expect(openedCalls()).toHaveLength(1)
  answerReport()
  await new Promise((resolve) => setTimeout(resolve, 20))
  expect(toastTitles()).toEqual([])
})

test('a card whose page this build does not have says it cannot be opened', async () => {
  const { page, backend } = await openHome({ campaignCards: [{ id: 506, campaign: 47, title: '新功能', page: 'pages/future/page' }] })
  tapCard(page, 506)
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(toastTitles()).toEqual(['暂时无法打开这条资讯'])
  await waitFor(() => backend.state.campaignsOpened.length === 1, 'the report') // the researcher did open it
})

test('signed out: no cards are asked for or shown', async () => {
  const backend = createBackend({ campaignCards: [NEWS] })
  installWx({ respond: backend.respond, storage: { signed_out: true } })
  launchApp()
  const page = loadPage('pages/home/home')
  await page.instance.__shown
  expect(wx.requests.filter((call) => call.path === CARDS)).toHaveLength(0)
  expect(page.querySelector('#section-campaigns')).toBeUndefined()
})

test('in English', async () => {
  const { page } = await openHome({ campaignCards: [NEWS], researcher: { language: 'en' } })
  expect(textOf(page.querySelector('#section-campaigns'), '.section-card__title')).toBe('News from the publisher')
  expect(textOf(page.querySelector('#campaign-dismiss-501'), '.t-button__content')).toBe('Dismiss')
  expect(a11yLabel(page, 501)).toBe('News from the publisher: 《应用科学学报》新刊上线')
})
