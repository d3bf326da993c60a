// WeChat opens the consent popup of wx.requestSubscribeMessage only from a user's tap, and asking unprompted is
// what the review guidelines forbid: no page may ask when the app launches or a page loads or shows, even when
// every alert is offered and none is allowed yet (when a careless page would be most tempted).
const { installWx } = require('../helpers/wx-mock')
const { createBackend } = require('../helpers/fake-backend')
const { launchApp, loadPage } = require('../helpers/page')
const APP_JSON = require('../../src/app.json')

// The query each page is opened with, as a notice, a list or the link wizard would open it.
const QUERIES = {
  'pages/manuscript/detail': { id: '7' },
  'pages/accounts/link': { account: '103' },
  'pages/inbox/detail': { id: '1' },
}

test('every page of app.json is covered', () => {
  expect(APP_JSON.pages).toEqual(expect.arrayContaining(Object.keys(QUERIES).concat('pages/notifications/settings')))
})

test.each(APP_JSON.pages)('%s never asks for WeChat alerts on launch, load or show', async (route) => {
  const backend = createBackend({
    accounts: [{ id: 101 }, { id: 103, status: 'pending', verified_at: null }],
    manuscripts: [{ id: 7, account_id: 101, status: 'under_review' }],
    notifications: [{ id: 1, page: 'pages/manuscript/detail?id=7' }],
  })
  installWx({ respond: backend.respond })
  const app = launchApp()
  await app.__shown
  const page = loadPage(route, QUERIES[route] || {})
  await page.instance.__loaded
  await page.instance.__shown
  if (page.instance.onShow) await page.instance.onShow() // coming back to it
  await new Promise((resolve) => setTimeout(resolve, 20)) // whatever load and show started in the background
  expect(wx.requests.length).toBeGreaterThan(0)
  expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
  expect(wx.showModal).not.toHaveBeenCalled()
  page.detach()
})
