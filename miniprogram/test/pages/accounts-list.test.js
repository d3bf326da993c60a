const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend, MESSAGES } = require('../helpers/fake-backend')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const ACCOUNTS = [
  { id: 101, journal_system_id: 1, identity: 'ada@uni.example', status: 'verified', email_hint: 'a***@uni.example', last_synced_at: '2025-11-25T08:00:00Z', manuscript_count: 3 },
  { id: 102, journal_system_id: 2, identity: 'alovelace', status: 'verified', email_hint: 'l***@old.example', last_synced_at: null, sync_error: 'The journal system did not answer in time.', manuscript_count: 0 },
  { id: 103, journal_system_id: 1, identity: '0000-0002-1825-0097', status: 'pending', email_hint: 'o***@orcid.example', verified_at: null, last_synced_at: null },
  { id: 104, journal_system_id: 2, identity: 'ada@old.example', status: 'manual_review', email_hint: 'a***@old.example', verified_at: null, last_synced_at: null },
]

async function openAccounts({ accounts = ACCOUNTS, researcher, respond, modalAnswer, pageSize } = {}) {
  const backend = createBackend({ researcher, accounts, pageSize })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, modalAnswer })
  launchApp()
  const page = loadPage('pages/accounts/list')
  await page.instance.__shown
  return { backend, page }
}

const card = (id) => `#account-${id}`
const cardText = (page, id, part) => textOf(page, `${card(id)} .account-card__${part}`)
const tagText = (page, id) => textOf(page.querySelector(`${card(id)} .account-card__status`), '.t-tag__text')
const tap = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const callsTo = (suffix) => wx.requests.filter((call) => call.path.endsWith(suffix))

test('lists every linked account with status, masked e-mail, last sync, sync error and manuscript count', async () => {
  const { page } = await openAccounts()
  expect(wx.requests.map((call) => `${call.method} ${call.path}`)).toEqual(['POST /api/v1/auth/login', 'GET /api/v1/notifications/unread-count', 'GET /api/v1/journal-accounts'])
  expect(page.querySelectorAll('.account-card')).toHaveLength(4)

  expect(cardText(page, 101, 'system')).toBe('示范大学期刊平台')
  expect(cardText(page, 101, 'platform')).toBe('Open Journal Systems')
  expect(cardText(page, 101, 'identity')).toBe('ada@uni.example')
  expect(cardText(page, 101, 'email')).toBe('a***@uni.example')
  expect(tagText(page, 101)).toBe('已验证')
  expect(cardText(page, 101, 'last-sync')).toBe('2025-11-25 16:00')
  expect(cardText(page, 101, 'count')).toBe('3')
  expect(page.querySelector(`${card(101)} .account-card__sync-error`)).toBeUndefined()

  expect(cardText(page, 102, 'last-sync')).toBe('尚未同步')
  expect(cardText(page, 102, 'sync-error')).toBe('同步出错：The journal system did not answer in time.')

  expect(tagText(page, 103)).toBe('待验证')
  expect(cardText(page, 103, 'note')).toBe('还没有输入邮件中的验证码。')
  expect(tagText(page, 104)).toBe('人工核验中')
  expect(cardText(page, 104, 'note')).toContain('出版社工作人员正在人工核验')
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '期刊账号' }))
})

test('offers sync for verified accounts, continue for pending ones, unlink for all', async () => {
  const { page } = await openAccounts()
  expect(page.querySelector('#sync-101')).toBeDefined()
  expect(page.querySelector('#sync-103')).toBeUndefined()
  expect(page.querySelector('#sync-104')).toBeUndefined()
  expect(page.querySelector('#continue-103')).toBeDefined()
  expect(page.querySelector('#continue-101')).toBeUndefined()
  ACCOUNTS.forEach((account) => expect(page.querySelector(`#unlink-${account.id}`)).toBeDefined())
})

test('follows `next` until every account is listed', async () => {
  const { page } = await openAccounts({ pageSize: 3 })
  expect(page.querySelectorAll('.account-card')).toHaveLength(4)
  expect(callsTo('/journal-accounts').map((call) => call.url)).toEqual([
    'http://127.0.0.1:8000/api/v1/journal-accounts',
    'http://127.0.0.1:8000/api/v1/journal-accounts?page=2',
  ])
})

test('sync now queues a refresh and says so', async () => {
  const { page } = await openAccounts()
  tap(page, 'sync-101')
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(callsTo('/refresh')).toHaveLength(1)
  expect(callsTo('/refresh')[0]).toMatchObject({ method: 'POST', path: '/api/v1/journal-accounts/101/refresh' })
  expect(toastTitles()).toEqual(['已开始同步'])
  await waitFor(() => page.data.busyId === null, 'the button to settle')
})

test("syncing again within a minute shows the backend's 429 message", async () => {
  const { page } = await openAccounts()
  tap(page, 'sync-101')
  await waitFor(() => toastTitles().length === 1 && page.data.busyId === null, 'the first sync')
  tap(page, 'sync-101')
  await waitFor(() => toastTitles().length === 2, 'the second toast')
  expect(toastTitles()[1]).toBe(MESSAGES['zh-hans'].refresh_throttled.replace('{seconds}', '60'))
  expect(callsTo('/refresh')).toHaveLength(2)
})

test('a 429 without a message falls back to our own "too many requests" text', async () => {
  const { page } = await openAccounts({
    respond: (real) => (call) => (call.path.endsWith('/refresh') ? { statusCode: 429, data: '' } : real(call)),
  })
  tap(page, 'sync-101')
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(toastTitles()).toEqual(['操作太频繁，请稍后再试'])
})

test('unlink asks first, then deletes the account, removes it and marks the home list stale', async () => {
  const { page, backend } = await openAccounts()
  tap(page, 'unlink-102')
  await waitFor(() => page.querySelector(card(102)) === undefined, 'the card to go')

  const modal = wx.showModal.mock.calls[0][0]
  expect(modal.title).toBe('解除关联？')
  expect(modal.content).toBe('解除后，示范出版社 ScholarOne 账号 alovelace 下的稿件将不再显示在你的列表中。')
  expect(modal.confirmText).toBe('解除关联')
  const deletes = wx.requests.filter((call) => call.method === 'DELETE')
  expect(deletes.map((call) => call.path)).toEqual(['/api/v1/journal-accounts/102'])
  expect(backend.state.accounts.map((account) => account.id)).toEqual([101, 103, 104])
  expect(page.querySelectorAll('.account-card')).toHaveLength(3)
  expect(toastTitles()).toEqual(['已解除关联'])
  expect(getApp().globalData.manuscriptsStale).toBe(true)
})

test('cancelling the confirmation unlinks nothing', async () => {
  const { page, backend } = await openAccounts({ modalAnswer: () => ({ confirm: false, cancel: true }) })
  tap(page, 'unlink-101')
  await waitFor(() => wx.showModal.mock.calls.length === 1, 'the modal')
  await new Promise((resolve) => setTimeout(resolve, 20))
  expect(wx.requests.filter((call) => call.method === 'DELETE')).toHaveLength(0)
  expect(backend.state.accounts).toHaveLength(4)
  expect(page.querySelectorAll('.account-card')).toHaveLength(4)
})

test('continue verification opens the wizard at the code step for that account', async () => {
  const { page } = await openAccounts()
  tap(page, 'continue-103')
  await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/accounts/link?account=103')
})

test('"link another account" opens the wizard', async () => {
  const { page } = await openAccounts()
  expect(textOf(page.querySelector('#add-account-button'), '.t-button__content')).toBe('关联新账号')
  tap(page, 'add-account-button')
  await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/accounts/link')
})

test('with no accounts it explains what linking does and offers to link one', async () => {
  const { page } = await openAccounts({ accounts: [] })
  expect(pageState(page, '#accounts-empty').text).toContain('还没有关联期刊账号')
  expect(textOf(page.querySelector('#add-account-button'), '.t-button__content')).toBe('关联期刊账号')
})

test('coming back from the wizard shows the newly linked account', async () => {
  const { page, backend } = await openAccounts({ accounts: [] })
  backend.state.accounts.push(Object.assign({}, backend.state.accounts[0] || {}, { id: 150, journal_system_id: 1, identity: 'new@uni.example', status: 'verified', email_hint: 'n***@uni.example', sync_error: '', manuscript_count: 0, last_synced_at: null }))
  await page.instance.onShow()
  expect(cardText(page, 150, 'identity')).toBe('new@uni.example')
})

test('when the list cannot be loaded it offers to try again', async () => {
  let offline = true
  const { page } = await openAccounts({ respond: (real) => (call) => (offline && call.path === '/api/v1/journal-accounts' ? NETWORK_FAILURE : real(call)) })
  expect(page.data.state).toBe('error')
  offline = false
  pageState(page, '#accounts-state').retry()
  await waitFor(() => page.querySelectorAll('.account-card').length === 4, 'the list')
})

test('in English', async () => {
  const { page } = await openAccounts({ researcher: { language: 'en' } })
  expect(cardText(page, 101, 'system')).toBe('Demo University Journals')
  expect(tagText(page, 101)).toBe('Verified')
  expect(tagText(page, 103)).toBe('Pending')
  expect(tagText(page, 104)).toBe('Manual review')
  expect(cardText(page, 102, 'last-sync')).toBe('Not synced yet')
  expect(cardText(page, 102, 'sync-error')).toBe('Sync failed: The journal system did not answer in time.')
  expect(textOf(page.querySelector('#sync-101'), '.t-button__content')).toBe('Sync now')
  expect(textOf(page.querySelector('#unlink-101'), '.t-button__content')).toBe('Unlink')
})
