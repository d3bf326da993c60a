// The share page (packages/share/share): anyone opens it from a chat card (?id=) or a poster's code (?scene=),
// without logging in; the open is reported once; "follow this journal" logs in on its tap.
const { installWx, toastTitles } = require('../helpers/wx-mock')
const { createSharesBackend, installShareWx } = require('../helpers/fake-shares')
const { makeManuscript } = require('../helpers/fake-backend')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const SHARE_ID = 'Vx3kQ9mZp2LrT8wNb4YcHd'
const RECORD = {
  id: SHARE_ID,
  title: '干旱胁迫下土壤微生物组的变化',
  journal: { name: '应用科学学报' },
  milestone: 'published',
  milestone_label: '已发表',
  date: '2025-11-20',
  doi: '10.5555/jas.2025.7',
  sharer: { display_name: '李华' },
  coauthors: ['王芳', '张伟'],
}

/** A visitor's phone: never used this app (no token), opening the share page as the first page. */
async function openShare({ query = { id: SHARE_ID }, record = RECORD, storage = {} } = {}) {
  const backend = createSharesBackend({ publicShares: record ? { [record.id]: record } : {}, manuscripts: [makeManuscript({ id: 1 })] })
  installWx({ respond: backend.respond, storage })
  installShareWx()
  const app = launchApp({ path: 'packages/share/share', query, scene: 1007 })
  await app.__shown
  const page = loadPage('packages/share/share', query)
  await page.instance.__loaded
  return { app, backend, page }
}

const cellNote = (page, id) => textOf(page.querySelector(`#${id}`), '.t-cell__note')
const tap = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')

test('opens without logging in: no wx.login, no token sent, the public record shown', async () => {
  const { page } = await openShare()
  expect(wx.login).not.toHaveBeenCalled()
  expect(wx.requests.every((call) => !('Authorization' in call.header))).toBe(true)
  expect(wx.requests.map((call) => `${call.method} ${call.path}`)).toEqual([`GET /api/v1/shares/${SHARE_ID}`, `POST /api/v1/shares/${SHARE_ID}/opened`])
  expect(textOf(page, '#share-by')).toBe('李华 分享了一篇论文')
  expect(textOf(page, '#share-milestone')).toBe('已发表')
  expect(textOf(page, '#share-title')).toBe('干旱胁迫下土壤微生物组的变化')
  expect(textOf(page, '#share-journal')).toBe('应用科学学报')
  expect(cellNote(page, 'cell-date')).toBe('2025-11-20')
  expect(cellNote(page, 'cell-doi')).toBe('10.5555/jas.2025.7')
  expect(textOf(page.querySelector('#cell-coauthors'), '.t-cell__description')).toBe('王芳、张伟')
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '论文分享' }))
})

test('the open is reported once per run, however often the page shows or loads', async () => {
  const { backend, page } = await openShare()
  await page.instance.onShow()
  await page.instance.load()
  const again = loadPage('packages/share/share', { id: SHARE_ID })
  await again.instance.__loaded
  await new Promise((resolve) => setTimeout(resolve, 10))
  expect(backend.state.opens).toEqual([SHARE_ID])
})

test('a poster code\'s scene is resolved through the by-scene lookup, and the open counted for that share', async () => {
  const { backend, page } = await openShare({ query: { scene: encodeURIComponent(`s=${SHARE_ID}`) } })
  expect(wx.requests[0].path).toBe(`/api/v1/shares/by-scene/${encodeURIComponent(`s=${SHARE_ID}`)}`)
  expect(textOf(page, '#share-title')).toBe('干旱胁迫下土壤微生物组的变化')
  await waitFor(() => backend.state.opens.length === 1, 'the open report')
  expect(backend.state.opens).toEqual([SHARE_ID])
  expect(wx.login).not.toHaveBeenCalled()
})

test('without co-authors or DOI, those cells are left out', async () => {
  const { page } = await openShare({ record: { ...RECORD, milestone: 'accepted', milestone_label: '已录用', doi: null, coauthors: undefined } })
  expect(page.querySelector('#cell-coauthors')).toBeUndefined()
  expect(page.querySelector('#cell-doi')).toBeUndefined()
  expect(textOf(page, '#share-milestone')).toBe('已录用')
})

test('"follow this journal" logs in on the tap, then follows through the share', async () => {
  const { backend, page } = await openShare()
  expect(wx.login).not.toHaveBeenCalled()
  tap(page, 'follow-button')
  await waitFor(() => page.data.follow === 'done', 'the follow')
  expect(wx.login).toHaveBeenCalledTimes(1)
  const follow = wx.requests.find((call) => call.path.endsWith('/follow-journal'))
  expect([follow.method, follow.header.Authorization]).toEqual(['POST', 'Bearer token-1'])
  expect(backend.state.follows).toEqual([SHARE_ID])
  expect(textOf(page, '#share-followed')).toBe('已关注这本期刊')
  expect(toastTitles()).toEqual(['已关注'])
})

test('a visitor who logged out before is asked to log in again by the tap, never before it', async () => {
  const { backend, page } = await openShare({ storage: { signed_out: true } })
  expect(wx.login).not.toHaveBeenCalled()
  tap(page, 'follow-button')
  await waitFor(() => page.data.follow === 'done', 'the follow')
  expect(backend.state.follows).toEqual([SHARE_ID])
})

test('a withdrawn share (404) says so kindly, and the home button opens the app', async () => {
  const { page } = await openShare({ record: null })
  expect(page.data.state).toBe('withdrawn')
  expect(pageState(page, '#share-state').text).toBe('这条分享已被作者撤回，或链接已失效。')
  expect(wx.showToast).not.toHaveBeenCalled()
  tap(page, 'withdrawn-home-button')
  await waitFor(() => wx.switchTab.mock.calls.length, 'the home page')
  expect(wx.switchTab).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/home/home' }))
})

test('tapping the DOI copies its link', async () => {
  const { page } = await openShare()
  page.querySelector('#cell-doi').querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(wx.setClipboardData.mock.calls[0][0].data).toBe('https://doi.org/10.5555/jas.2025.7')
  expect(toastTitles()).toEqual(['DOI 链接已复制'])
})

test('in English the page\'s own words are English', async () => {
  const { page } = await openShare({ storage: { language: 'en' } })
  expect(textOf(page, '#share-by')).toBe('李华 shared an article')
  expect(textOf(page.querySelector('#follow-button'), '.t-button__content')).toBe('Follow this journal')
})

test('passing the share on sends the same share page and card', async () => {
  const { page } = await openShare()
  const card = page.instance.onShareAppMessage()
  expect(card.path).toBe(`/packages/share/share?id=${SHARE_ID}`)
  expect(card.imageUrl).toBe(`http://127.0.0.1:8000/api/v1/shares/${SHARE_ID}/card.png?lang=zh-hans`)
})
