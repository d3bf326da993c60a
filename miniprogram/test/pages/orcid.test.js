// Issue 9, ORCID proof: POST /api/v1/me/orcid -> 201 { authorize_url, expires_at } opened in a web-view
// (packages/orcid/connect); back from it, the opener re-reads GET /api/v1/me (`orcid_verified`). A Crossref system
// is linked only with the proven iD; an unproven one answers 400 orcid_not_proven under the identity field.
const { installWx } = require('../helpers/wx-mock')
const { createBackend, crossrefSystem, defaultJournalSystems, MESSAGES } = require('../helpers/fake-backend')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const ORCID = '0000-0002-1825-0097'
let pages = []

async function open(route, options = {}, query = {}) {
  const backend = options.backend || createBackend(Object.assign({ journalSystems: defaultJournalSystems().concat(crossrefSystem()) }, options))
  if (!options.backend) {
    installWx({ respond: options.respond ? options.respond(backend.respond) : backend.respond })
    await launchApp().__shown
  }
  const page = loadPage(route, query)
  pages.push(page)
  await page.instance.__loaded
  await page.instance.__shown
  return { backend, page }
}

afterEach(() => {
  pages.forEach((page) => page.detach())
  pages = []
})

describe('the ORCID page', () => {
  test('asks the backend for a start URL and opens it in a web-view', async () => {
    const { backend, page } = await open('packages/orcid/connect')
    expect(wx.requests.filter((call) => call.path === '/api/v1/me/orcid').map((call) => call.method)).toEqual(['POST'])
    expect(backend.state.orcidTickets).toEqual(['ticket-1'])
    const webView = page.querySelector('#orcid-web-view')
    expect(webView).toBeDefined()
    expect(page.data.url).toBe('http://127.0.0.1:8000/orcid/start?ticket=ticket-1')
  })

  test('503 orcid_unavailable: says the publisher has not set it up, opens nothing', async () => {
    const { page } = await open('packages/orcid/connect', { orcidConfigured: false })
    expect(page.querySelector('#orcid-web-view')).toBeUndefined()
    expect(pageState(page, '#orcid-state').text).toBe('出版社尚未开通 ORCID 验证，请稍后再试。')
  })

  test('a start URL on another origin is never opened', async () => {
    const { page } = await open('packages/orcid/connect', {
      respond: (real) => (call) => (call.path === '/api/v1/me/orcid'
        ? { statusCode: 201, data: { authorize_url: 'https://evil.example/orcid/start?ticket=x', expires_at: '2025-11-25T10:10:00Z' } }
        : real(call)),
    })
    expect(page.querySelector('#orcid-web-view')).toBeUndefined()
    expect(page.data.url).toBe('')
    expect(pageState(page, '#orcid-state').text).toBe('验证地址无效，请稍后再试。')
  })
})

describe('the Me page', () => {
  test('an unproven iD offers "验证 ORCID"; back from ORCID it shows the proven iD with a badge', async () => {
    const { backend, page } = await open('pages/me/me')
    const cell = page.querySelector('#cell-orcid')
    expect(textOf(cell, '.t-cell__note')).toBe('验证 ORCID')
    cell.querySelector('.t-cell').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/packages/orcid/connect')

    backend.completeOrcid(ORCID) // ORCID's sign-in finished; the backend's callback stored the iD
    await page.instance.onShow() // back on the Me page
    expect(textOf(page.querySelector('#cell-orcid'), '.t-cell__description')).toBe(ORCID)
    const cellText = page.querySelector('#cell-orcid').querySelector('.t-cell').dom.textContent
    expect(cellText).toContain('已验证')
    expect(cellText).not.toContain('验证 ORCID')
  })
})

describe('linking a Crossref system', () => {
  const identityInput = (page) => page.querySelector('#input-identity')

  async function chooseCrossref(page) {
    await waitFor(() => page.querySelector('#system-3'), 'the journal systems')
    page.querySelector('#system-3').querySelector('.t-cell').dispatchEvent('tap')
    await waitFor(() => page.data.step === 2 && wx.requests.some((call) => call.path === '/api/v1/me'), 'step 2 and the ORCID check')
    await waitFor(() => page.data.needsOrcid || page.data.orcidVerified, 'the ORCID state')
  }

  test('without a proven iD: "用 ORCID 验证" instead of a field; back from ORCID the proven iD links it', async () => {
    const { backend, page } = await open('pages/accounts/link')
    await chooseCrossref(page)
    expect(identityInput(page)).toBeUndefined()
    expect(textOf(page.querySelector('#orcid-verify-button'), '.t-button__content')).toBe('用 ORCID 验证')
    expect(page.querySelector('#send-code-button').querySelector('.t-button').dom.className).toContain('t-button--disabled')
    expect(textOf(page, '#identity-hint')).toContain('请先登录 ORCID')

    page.querySelector('#orcid-verify-button').querySelector('.t-button').dispatchEvent('tap')
    await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/packages/orcid/connect')

    backend.completeOrcid(ORCID)
    await page.instance.onShow()
    expect(page.data.identity).toBe(ORCID)
    expect(identityInput(page)).toBeDefined()
    expect(textOf(page, '#identity-hint')).toBe('将使用你已验证的 ORCID iD。')

    page.querySelector('#send-code-button').querySelector('.t-button').dispatchEvent('tap')
    await waitFor(() => wx.redirectTo.mock.calls.length === 1, 'leaving the wizard, linked')
    expect(wx.requests.find((call) => call.method === 'POST' && call.path === '/api/v1/journal-accounts').data).toEqual({ journal_system: 3, identity: ORCID })
    expect(backend.state.accounts.map((account) => account.status)).toEqual(['verified'])
  })

  test('400 orcid_not_proven is shown under the identity field and offers ORCID again', async () => {
    const { backend, page } = await open('pages/accounts/link', { researcher: { orcid: ORCID, orcid_verified: true } })
    await chooseCrossref(page)
    backend.state.researcher.orcid_verified = false // e.g. the proof was withdrawn meanwhile
    page.querySelector('#send-code-button').querySelector('.t-button').dispatchEvent('tap')
    await waitFor(() => page.data.identityErrors.length > 0, 'the field error')
    expect(page.querySelectorAll('.field-error--identity').map((node) => node.dom.textContent.trim())).toEqual([MESSAGES['zh-hans'].orcid_not_proven])
    expect(page.querySelector('#orcid-verify-button')).toBeDefined()
  })
})
