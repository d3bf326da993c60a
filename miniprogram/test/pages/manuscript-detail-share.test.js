// The manuscript page's share section (accepted, in production, published), its impact and action blocks, the
// editorial office button, and the page opened from Moments with a share's id.
const { installWx, toastTitles } = require('../helpers/wx-mock')
const { createSharesBackend, installShareWx } = require('../helpers/fake-shares')
const { launchApp, loadPage, textOf, waitFor } = require('../helpers/page')

const JOURNAL = { id: 12, key: 'ame', name: 'Annals of Marine Ecology' }
const ACCEPTED = {
  id: 7,
  title: 'Coral bleaching under repeated heatwaves',
  journal: JOURNAL,
  status: 'accepted',
  status_label: '已录用',
  doi: '10.5555/ame.2025.0042',
  timeline: [
    { id: 2, from_status: 'under_review', to_status: 'accepted', platform_status: 'Accepted', occurred_at: '2025-11-20T02:00:00Z', seen_at: null },
  ],
}

async function openDetail({ manuscript = ACCEPTED, shares = [], modalAnswer, scene, query = { id: '7' }, storage, researcher } = {}) {
  const backend = createSharesBackend({ accounts: [{ id: 101 }], manuscripts: [manuscript], shares, researcher })
  installWx({ respond: backend.respond, modalAnswer, storage })
  installShareWx({ scene })
  launchApp(scene ? { path: 'pages/manuscript/detail', query, scene } : undefined)
  const page = loadPage('pages/manuscript/detail', query)
  await page.instance.__loaded
  return { backend, page }
}

const tap = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const cellNote = (page, id) => textOf(page.querySelector(`#${id}`), '.t-cell__note')
const isoDay = (offsetDays) => {
  const day = new Date(Date.now() + offsetDays * 24 * 60 * 60 * 1000)
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`
}

describe('sharing', () => {
  test('nothing is shared before the researcher acts: a share button, no share menus, a card that leaks nothing', async () => {
    const { backend, page } = await openDetail()
    expect(textOf(page, '#share-intro')).toContain('只有在你确认后才会分享')
    expect(page.querySelector('#share-chat-button')).toBeUndefined()
    expect(backend.state.posts).toEqual([])
    expect(wx.showShareMenu).not.toHaveBeenCalled()
    expect(wx.hideShareMenu).toHaveBeenCalledWith(expect.objectContaining({ menus: ['shareAppMessage', 'shareTimeline'] }))
    const card = page.instance.onShareAppMessage({ from: 'menu' })
    expect(card).toEqual({ title: 'Scholar Link：跟踪你的稿件进度', path: '/pages/home/home' })
    expect(JSON.stringify(page.instance.onShareTimeline())).not.toMatch(/id=/)
  })

  test('the first tap shows what will be public, co-authors off; confirming creates the share with that choice', async () => {
    const { backend, page } = await openDetail()
    tap(page, 'share-start-button')
    await waitFor(() => page.querySelector('#share-confirm'), 'the confirmation')
    expect(textOf(page.querySelector('#share-preview-title'), '.t-cell__title-text')).toBe('Coral bleaching under repeated heatwaves')
    expect(cellNote(page, 'share-preview-journal')).toBe('Annals of Marine Ecology')
    expect(cellNote(page, 'share-preview-milestone')).toBe('已录用')
    expect(cellNote(page, 'share-preview-date')).toBe('2025-11-20')
    expect(page.querySelector('#share-preview-doi')).toBeUndefined() // the DOI is public once published
    expect(page.data.showCoauthors).toBe(false)
    expect(backend.state.posts).toEqual([])

    page.querySelector('#share-coauthors-switch').querySelector('.t-switch').dispatchEvent('tap')
    await waitFor(() => page.data.showCoauthors, 'the switch')
    tap(page, 'share-confirm-button')
    await waitFor(() => page.querySelector('#share-chat-button'), 'the share')
    expect(backend.state.posts).toEqual([{ show_coauthors: true }])
    const [share] = backend.state.shares
    expect(wx.showShareMenu).toHaveBeenCalledWith(expect.objectContaining({ menus: ['shareAppMessage', 'shareTimeline'] }))
    expect(textOf(page, '#share-opened')).toBe('0 人次打开')
    expect(page.instance.onShareAppMessage({ from: 'button' })).toEqual({
      title: '我的论文已被《Annals of Marine Ecology》录用',
      path: `/packages/share/share?id=${share.id}`,
      imageUrl: `http://127.0.0.1:8000/api/v1/shares/${share.id}/card.png?lang=zh-hans`,
    })
    expect(page.instance.onShareTimeline()).toEqual({
      title: '我的论文已被《Annals of Marine Ecology》录用',
      query: `id=${share.id}`,
      imageUrl: `http://127.0.0.1:8000/api/v1/shares/${share.id}/card.png?lang=zh-hans`,
    })
  })

  test('cancelling the confirmation shares nothing', async () => {
    const { backend, page } = await openDetail()
    tap(page, 'share-start-button')
    await waitFor(() => page.querySelector('#share-confirm'), 'the confirmation')
    tap(page, 'share-cancel-button')
    await waitFor(() => page.querySelector('#share-start-button'), 'the share button again')
    expect(backend.state.posts).toEqual([])
  })

  test('an existing share: how many opened it, the poster, and the card of the newest share', async () => {
    const { page } = await openDetail({ shares: [{ id: 'OldShare0000aaaaBBBBcc', manuscript_id: 7, open_count: 2 }, { id: 'NewShare0000aaaaBBBBcc', manuscript_id: 7, open_count: 1 }] })
    expect(textOf(page, '#share-opened')).toBe('3 人次打开')
    expect(wx.showShareMenu).toHaveBeenCalledTimes(1)
    expect(page.instance.onShareAppMessage().path).toBe('/packages/share/share?id=NewShare0000aaaaBBBBcc')
    tap(page, 'share-poster-button')
    await waitFor(() => wx.navigateTo.mock.calls.length, 'the poster page')
    expect(wx.navigateTo.mock.calls[0][0].url).toBe('/packages/share/poster?id=NewShare0000aaaaBBBBcc')
  })

  test('"stop sharing" asks first, then deletes every share of the manuscript and hides the menus', async () => {
    const { backend, page } = await openDetail({ shares: [{ id: 'OldShare0000aaaaBBBBcc', manuscript_id: 7 }, { id: 'NewShare0000aaaaBBBBcc', manuscript_id: 7 }] })
    tap(page, 'share-stop-button')
    await waitFor(() => toastTitles().length === 1, 'the toast')
    expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ title: '停止分享？' }))
    expect(backend.state.deleted.sort()).toEqual(['NewShare0000aaaaBBBBcc', 'OldShare0000aaaaBBBBcc'])
    expect(toastTitles()).toEqual(['已停止分享'])
    expect(page.querySelector('#share-start-button')).toBeDefined()
    expect(wx.hideShareMenu).toHaveBeenCalledTimes(1)
    expect(page.instance.onShareAppMessage().path).toBe('/pages/home/home')
  })

  test('declining the "stop sharing" question deletes nothing', async () => {
    const { backend, page } = await openDetail({ shares: [{ id: 'NewShare0000aaaaBBBBcc', manuscript_id: 7 }], modalAnswer: () => ({ confirm: false, cancel: true }) })
    tap(page, 'share-stop-button')
    await waitFor(() => wx.showModal.mock.calls.length, 'the question')
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(backend.state.deleted).toEqual([])
    expect(page.querySelector('#share-chat-button')).toBeDefined()
  })

  test('a manuscript under review has no share section and asks for no shares', async () => {
    const { page } = await openDetail({ manuscript: { ...ACCEPTED, status: 'under_review', status_label: '同行评审中' } })
    expect(page.querySelector('#share-section')).toBeUndefined()
    expect(wx.requests.some((call) => call.path.endsWith('/shares'))).toBe(false)
  })

  test('the card title is made for the milestone, and says how often a published article was cited', async () => {
    const share = [{ id: 'NewShare0000aaaaBBBBcc', manuscript_id: 7 }]
    const titleFor = async (manuscript, researcher) => (await openDetail({ manuscript, shares: share, researcher })).page.instance.onShareAppMessage().title
    expect(await titleFor({ ...ACCEPTED, status: 'in_production' })).toBe('我的论文已被《Annals of Marine Ecology》录用，正在出版')
    expect(await titleFor({ ...ACCEPTED, status: 'published', citations: 0 })).toBe('我的论文已在《Annals of Marine Ecology》发表')
    expect(await titleFor({ ...ACCEPTED, status: 'published', citations: 12 })).toBe('我的论文已在《Annals of Marine Ecology》发表，被引 12 次')
    expect(await titleFor({ ...ACCEPTED }, { language: 'en' })).toBe('Accepted in Annals of Marine Ecology')
    expect(await titleFor({ ...ACCEPTED, status: 'published', citations: 12 }, { language: 'en' })).toBe('Published in Annals of Marine Ecology, cited 12 times')
  })
})

describe('impact', () => {
  test('a published article shows citations, views and downloads', async () => {
    const { page } = await openDetail({ manuscript: { ...ACCEPTED, status: 'published', citations: 12, views: 340, downloads: 56 } })
    expect(cellNote(page, 'cell-citations')).toBe('12 次')
    expect(cellNote(page, 'cell-views')).toBe('340')
    expect(cellNote(page, 'cell-downloads')).toBe('56')
    expect(page.querySelector('#impact-none')).toBeUndefined()
  })

  test('a value the platform does not report (null or absent) has no cell', async () => {
    const { page } = await openDetail({ manuscript: { ...ACCEPTED, status: 'published', citations: 3, views: null } })
    expect(cellNote(page, 'cell-citations')).toBe('3 次')
    expect(page.querySelector('#cell-views')).toBeUndefined()
    expect(page.querySelector('#cell-downloads')).toBeUndefined()
  })

  test('with nothing reported, a note says so; before publication there is no impact block', async () => {
    const { page } = await openDetail({ manuscript: { ...ACCEPTED, status: 'published', citations: null, views: null, downloads: null } })
    expect(textOf(page, '#impact-none')).toBe('期刊平台暂未提供这篇文章的引用、浏览或下载数据。')
    const { page: accepted } = await openDetail({ manuscript: { ...ACCEPTED, views: 5 } })
    expect(accepted.querySelector('#impact')).toBeUndefined()
  })
})

// The fake backend answers `action_required` / `action_needed` / `due_date` as the real one does: from the stored
// manuscript's action (here the proofs to approve) and its due date.
describe('action required', () => {
  test('says what to do and how many days are left', async () => {
    const { page } = await openDetail({ manuscript: { ...ACCEPTED, action: 'proofs', due_date: isoDay(3) } })
    expect(textOf(page, '#action-text')).toBe('核对并确认校样')
    expect(textOf(page, '#action-due')).toBe(`截止日期 ${isoDay(3)} · 还剩 3 天`)
  })

  test('an overdue action says by how many days, and today\'s says today', async () => {
    const { page } = await openDetail({ manuscript: { ...ACCEPTED, action: 'proofs', due_date: isoDay(-2) } })
    expect(textOf(page, '#action-due')).toBe(`截止日期 ${isoDay(-2)} · 已逾期 2 天`)
    expect(page.querySelector('#action-due').dom.className).toContain('action-card__due--overdue')
    const { page: today } = await openDetail({ manuscript: { ...ACCEPTED, action: 'proofs', due_date: isoDay(0) } })
    expect(textOf(today, '#action-due')).toBe(`截止日期 ${isoDay(0)} · 今天截止`)
  })

  test('without a due date only the action shows; without action_required no block', async () => {
    const { page } = await openDetail({ manuscript: { ...ACCEPTED, action: 'files', due_date: null } })
    expect(textOf(page, '#action-text')).toBe('上传期刊要求的文件')
    expect(page.querySelector('#action-due')).toBeUndefined()
    const { page: none } = await openDetail({ manuscript: { ...ACCEPTED, action: '', due_date: isoDay(3) } })
    expect(none.querySelector('#action')).toBeUndefined()
  })
})

test('"ask the editorial office" opens the conversation with the manuscript and its journal', async () => {
  const { page } = await openDetail()
  tap(page, 'ask-editorial-button')
  await waitFor(() => wx.navigateTo.mock.calls.length, 'the navigation')
  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/packages/editorial/thread?manuscript=7&journal=12')
})

describe('opened from Moments with a share id', () => {
  const SHARE_ID = 'NewShare0000aaaaBBBBcc'

  test('in single-page mode (scene 1154) the page shows the public record itself, logs nothing in and counts the open', async () => {
    const { backend, page } = await openDetail({ shares: [{ id: SHARE_ID, manuscript_id: 7 }], scene: 1154, query: { id: SHARE_ID } })
    expect(page.data.state).toBe('public')
    expect(textOf(page, '#public-share-title')).toBe('Coral bleaching under repeated heatwaves')
    expect(textOf(page, '#public-share-milestone')).toBe('已录用')
    expect(textOf(page, '#public-share-by')).toBe('李华 分享了一篇论文')
    expect(wx.login).not.toHaveBeenCalled()
    expect(wx.requests.every((call) => !('Authorization' in call.header))).toBe(true)
    await waitFor(() => backend.state.opens.length, 'the open report')
    expect(backend.state.opens).toEqual([SHARE_ID])
    expect(wx.redirectTo).not.toHaveBeenCalled()
  })

  test('in the full app ("前往小程序") it goes on to the share page', async () => {
    const { page } = await openDetail({ shares: [{ id: SHARE_ID, manuscript_id: 7 }], scene: 1001, query: { id: SHARE_ID } })
    expect(wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: `/packages/share/share?id=${SHARE_ID}` }))
    expect(wx.login).not.toHaveBeenCalled()
    expect(page.data.state).toBe('loading')
  })
})
