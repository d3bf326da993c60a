// Issue 9, "honest states": the home page shows a skeleton while loading, a signed-out text when signed out, "no
// manuscripts" only when the API said so, "需要您处理" complete from the first page (the backend lists what waits on
// the researcher first), and reloads the list after a sync and when the unread count moves.
const { installWx } = require('../helpers/wx-mock')
const { createBackend, makeManuscript, makeNotification } = require('../helpers/fake-backend')
const { launchApp, loadPage, pageState, waitFor } = require('../helpers/page')

const VERIFIED = [{ id: 101, status: 'verified' }]
const rowTitles = (page, group) => page.querySelectorAll(`#group-${group} .manuscript-row__title`).map((node) => node.dom.textContent.trim())
const listCalls = () => wx.requests.filter((call) => call.path === '/api/v1/manuscripts' && !call.url.includes('status='))

async function launch(options) {
  const backend = createBackend(options)
  installWx({ respond: options.respond ? options.respond(backend.respond) : backend.respond })
  await launchApp().__shown
  return backend
}

test('while the first page is on its way: a skeleton, never "no manuscripts"', async () => {
  let release
  const held = new Promise((resolve) => { release = resolve })
  await launch({
    accounts: VERIFIED,
    manuscripts: [{ id: 1, title: 'Slow' }],
    respond: (real) => (call) => (call.path === '/api/v1/manuscripts' ? held.then(() => real(call)) : real(call)),
  })
  const page = loadPage('pages/home/home')
  await waitFor(() => wx.requests.some((call) => call.path === '/api/v1/manuscripts'), 'the list request')
  const state = pageState(page, '#manuscripts-state')
  expect(state.shown).toBe('skeleton')
  expect(state.node.querySelectorAll('.page-state__skeleton-row')).toHaveLength(3)
  expect(state.text).toBe('')
  release()
  await page.instance.__shown
  expect(rowTitles(page, 'in_progress')).toEqual(['Slow'])
  expect(page.querySelector('#manuscripts-state')).toBeUndefined()
})

test('"action required" is on the first page even when its activity is older than a page of others', async () => {
  // 25 manuscripts in progress with newer activity, and one waiting for the researcher's revision: the backend
  // lists it first, so no second query is needed for it.
  const manuscripts = Array.from({ length: 25 }, (unused, index) => makeManuscript({
    id: index + 1, title: `P${index + 1}`, status: 'under_review', last_activity_at: `2025-11-${String(28 - index).padStart(2, '0')}T00:00:00Z`,
  })).concat([makeManuscript({ id: 99, title: 'Revise me', status: 'revision_requested', last_activity_at: '2025-10-01T00:00:00Z' })])
  await launch({ accounts: VERIFIED, manuscripts, pageSize: 20 })
  const page = loadPage('pages/home/home')
  await page.instance.__shown
  expect(listCalls()).toHaveLength(1)
  expect(rowTitles(page, 'action')).toEqual(['Revise me'])
  expect(rowTitles(page, 'in_progress')).toHaveLength(19)
  await page.instance.onReachBottom()
  expect(rowTitles(page, 'action')).toEqual(['Revise me'])
  expect(rowTitles(page, 'in_progress')).toHaveLength(25)
  expect(page.querySelectorAll('#manuscript-99')).toHaveLength(1)
})

test('the list reloads when the unread count moved (news about a manuscript), not otherwise', async () => {
  const backend = await launch({ accounts: VERIFIED, manuscripts: [{ id: 1, title: 'Paper', status: 'under_review' }] })
  const page = loadPage('pages/home/home')
  await page.instance.__shown
  await page.instance.onShow()
  expect(listCalls()).toHaveLength(1)

  backend.state.manuscripts[0].status = 'accepted' // a poll found the decision and wrote a notice
  backend.state.notifications.push(makeNotification({ id: 1, title: '已录用' }))
  await page.instance.onShow()
  expect(listCalls()).toHaveLength(2)
  expect(rowTitles(page, 'accepted')).toEqual(['Paper'])
})

test('the list reloads after a sync was asked on the accounts page', async () => {
  const backend = await launch({ accounts: VERIFIED, manuscripts: [{ id: 1, title: 'Paper', status: 'under_review' }] })
  const home = loadPage('pages/home/home')
  await home.instance.__shown
  const accounts = loadPage('pages/accounts/list')
  await accounts.instance.__shown
  await accounts.instance.onSync({ currentTarget: { dataset: { id: 101 } } })
  backend.state.manuscripts[0].status = 'revision_requested' // what the sync brought
  await home.instance.onShow()
  expect(listCalls()).toHaveLength(2)
  expect(rowTitles(home, 'action')).toEqual(['Paper'])
})

test('"no manuscripts" only when the API answered an empty list', async () => {
  await launch({ accounts: VERIFIED, manuscripts: [] })
  const page = loadPage('pages/home/home')
  await page.instance.__shown
  const state = pageState(page, '#manuscripts-state')
  expect(state.shown).toBe('empty')
  expect(state.text).toContain('还没有稿件')
})
