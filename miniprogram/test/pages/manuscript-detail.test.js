const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend, makeManuscript, TEMPLATE_IDS } = require('../helpers/fake-backend')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')
const status = require('../../src/utils/status')

const MANUSCRIPT = {
  id: 7,
  title: 'Coral bleaching under repeated heatwaves',
  journal: { id: 12, key: 'ame', name: 'Annals of Marine Ecology' },
  journal_system: { id: 1, name: 'Demo University Journals', platform: 'ojs' },
  status: 'revision_requested',
  platform_status: 'Revisions Required',
  submitted_at: '2025-09-01T02:00:00Z',
  last_activity_at: '2025-11-20T17:30:00Z',
  doi: '10.5555/ame.2025.0042',
  url: 'https://journals.example/ame/article/42',
  timeline: [
    { id: 3, from_status: 'under_review', to_status: 'revision_requested', platform_status: 'Revisions Required', occurred_at: '2025-11-20T17:30:00Z', seen_at: null },
    { id: 2, from_status: 'with_editor', to_status: 'under_review', platform_status: 'Awaiting Reviewer Scores', occurred_at: '2025-09-10T01:00:00Z', seen_at: '2025-09-11T00:00:00Z' },
    { id: 1, from_status: '', to_status: 'submitted', platform_status: 'Submission', occurred_at: '2025-09-01T02:00:00Z', seen_at: '2025-09-01T03:00:00Z' },
  ],
}

async function openDetail({ query = { id: '7' }, manuscripts = [MANUSCRIPT], researcher, respond, templates, subscriptions, subscribeAnswer, settingsAnswer, clipboardFails } = {}) {
  const backend = createBackend({ researcher, accounts: [{ id: 101 }], manuscripts, templates, subscriptions })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, subscribeAnswer, settingsAnswer, clipboardFails })
  launchApp()
  const page = loadPage('pages/manuscript/detail', query)
  await page.instance.__loaded
  return { backend, page }
}

const cellNote = (page, id) => textOf(page.querySelector(`#${id}`), '.t-cell__note')
const eventTexts = (page, part) => page.querySelectorAll(`.timeline-item__${part}`).map((node) => node.dom.textContent.trim())

test('shows title, journal, status chip, explanation and what the journal system says', async () => {
  const { page } = await openDetail()
  expect(wx.requests.map((call) => call.path)).toEqual(['/api/v1/auth/login', '/api/v1/notifications/unread-count', '/api/v1/manuscripts/7', '/api/v1/notifications/subscriptions'])
  expect(textOf(page, '#detail-title')).toBe('Coral bleaching under repeated heatwaves')
  expect(textOf(page, '#detail-journal')).toBe('Annals of Marine Ecology')
  const chip = page.querySelector('#detail-chip').dom
  expect(chip.textContent.trim()).toBe('需要修改')
  expect(chip.firstElementChild.getAttribute('style')).toContain(`color: ${status.STATUSES.revision_requested.color};`)
  expect(textOf(page, '#detail-explanation')).toBe('编辑请你修改稿件后重新提交。')
  expect(textOf(page, '#detail-platform-status')).toBe('期刊系统显示：Revisions Required')
  expect(cellNote(page, 'cell-journal-system')).toBe('Demo University Journals')
  expect(cellNote(page, 'cell-submitted')).toBe('2025-09-01')
  expect(cellNote(page, 'cell-last-activity')).toBe('2025-11-21')
  expect(cellNote(page, 'cell-doi')).toBe('10.5555/ame.2025.0042')
  expect(page.querySelector('#detail-missing')).toBeUndefined()
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '稿件详情' }))
})

test('the timeline lists every status change newest first, with localized labels, platform words and local times', async () => {
  const { page } = await openDetail()
  expect(eventTexts(page, 'label')).toEqual(['需要修改', '同行评审中', '已投稿'])
  expect(eventTexts(page, 'platform')).toEqual(['Revisions Required', 'Awaiting Reviewer Scores', 'Submission'])
  expect(eventTexts(page, 'date')).toEqual(['2025-11-21 01:30', '2025-09-10 09:00', '2025-09-01 10:00'])
  const dot = page.querySelector('#event-3 .timeline-item__dot').dom
  expect(dot.getAttribute('style')).toContain(status.STATUSES.revision_requested.color)
  expect(page.querySelector('#event-3').dom.className).toContain('timeline-item--unseen')
  expect(page.querySelector('#event-2').dom.className).not.toContain('timeline-item--unseen')
  expect(page.querySelector('#timeline-empty')).toBeUndefined()
})

test('tapping the DOI copies it to the clipboard and says so', async () => {
  const { page } = await openDetail()
  page.querySelector('#cell-doi').querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(wx.setClipboardData).toHaveBeenCalledTimes(1)
  expect(wx.setClipboardData.mock.calls[0][0].data).toBe('10.5555/ame.2025.0042')
  expect(toastTitles()).toEqual(['DOI 已复制'])
})

test('a copy WeChat refuses (e.g. the clipboard undeclared in the privacy guide) says so', async () => {
  const { page } = await openDetail({ clipboardFails: true })
  page.querySelector('#cell-doi').querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(toastTitles()).toEqual(['复制失败，请稍后再试'])
})

test('tapping the link copies the manuscript URL', async () => {
  const { page } = await openDetail()
  page.querySelector('#cell-link').querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(wx.setClipboardData.mock.calls[0][0].data).toBe('https://journals.example/ame/article/42')
  expect(toastTitles()).toEqual(['链接已复制'])
})

test('without DOI, link or history, those parts are left out and the timeline says it is empty', async () => {
  const { page } = await openDetail({ manuscripts: [makeManuscript({ id: 7, doi: '', url: '', timeline: [], platform_status: '' })] })
  expect(page.querySelector('#cell-doi')).toBeUndefined()
  expect(page.querySelector('#cell-link')).toBeUndefined()
  expect(page.querySelector('#detail-platform-status')).toBeUndefined()
  expect(textOf(page, '#timeline-empty')).toBe('暂无状态变化记录。')
})

test('a manuscript the platform no longer lists carries a notice', async () => {
  const { page } = await openDetail({ manuscripts: [makeManuscript({ id: 7, missing_on_platform: true })] })
  expect(textOf(page, '#detail-missing')).toContain('期刊系统中已找不到这篇稿件')
})

test('in English the labels, the platform line and the toast are English', async () => {
  const { page } = await openDetail({ researcher: { language: 'en' } })
  expect(page.querySelector('#detail-chip').dom.textContent.trim()).toBe('Revision requested')
  expect(textOf(page, '#detail-platform-status')).toBe('The journal system says: Revisions Required')
  expect(eventTexts(page, 'label')).toEqual(['Revision requested', 'Under peer review', 'Submitted'])
  expect(textOf(page.querySelector('#cell-doi'), '.t-cell__title-text')).toBe('DOI')
  page.querySelector('#cell-doi').querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(toastTitles()).toEqual(['DOI copied'])
})

test('an unknown manuscript shows a not-found state instead of an error toast', async () => {
  const { page } = await openDetail({ query: { id: '999' } })
  expect(page.data.state).toBe('not_found')
  expect(pageState(page, '#detail-state').text).toContain('找不到这篇稿件')
  expect(wx.showToast).not.toHaveBeenCalled()
})

test('a missing or malformed id asks nothing and shows not found', async () => {
  const { page } = await openDetail({ query: { id: 'abc' } })
  expect(wx.requests.filter((call) => call.path.startsWith('/api/v1/manuscripts'))).toHaveLength(0)
  expect(page.data.state).toBe('not_found')
})

test('a network failure is told in a toast and can be retried', async () => {
  let offline = true
  const { page } = await openDetail({ respond: (real) => (call) => (offline && call.path.startsWith('/api/v1/manuscripts') ? NETWORK_FAILURE : real(call)) })
  expect(page.data.state).toBe('error')
  expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
  offline = false
  pageState(page, '#detail-state').retry()
  await waitFor(() => page.data.state === 'ready', 'the manuscript')
  expect(textOf(page, '#detail-title')).toBe('Coral bleaching under repeated heatwaves')
})

test('pull-down refresh reloads the manuscript and stops the spinner', async () => {
  const { page, backend } = await openDetail()
  backend.state.manuscripts[0].status = 'accepted'
  await page.instance.onPullDownRefresh()
  expect(page.querySelector('#detail-chip').dom.textContent.trim()).toBe('已录用')
  expect(wx.stopPullDownRefresh).toHaveBeenCalledTimes(1)
})

describe('"提醒我": a WeChat alert at the next status change', () => {
  const alertButton = (page) => page.querySelector('#alert-button')
  const tapAlert = (page) => alertButton(page).querySelector('.t-button').dispatchEvent('tap')

  test('with no alerts allowed it offers one; the tap opens WeChat\'s popup at once and the answer turns alerts on', async () => {
    let requestsWhenAsked = -1
    const { page, backend } = await openDetail({
      subscribeAnswer: (ids) => {
        requestsWhenAsked = wx.requests.length
        return { [ids[0]]: 'accept' }
      },
    })
    expect(textOf(page, '#alert-status')).toBe('稿件状态变化时，通过微信提醒我')
    // Credits are per kind: the texts say an alert allowed here covers status changes of every manuscript.
    expect(textOf(page, '#alert-hint')).toBe('提醒次数由你所有稿件的状态变化共用，不只这一篇：每允许一次，可收到一次提醒，用于最先发生的那次变化。')
    expect(textOf(alertButton(page), '.t-button__content')).toBe('提醒我稿件状态变化')
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled() // loading the page never asks

    const before = wx.requests.length
    tapAlert(page)
    await waitFor(() => !page.data.asking && toastTitles().length === 1, 'the answer to be counted')
    expect(requestsWhenAsked).toBe(before) // the popup came straight from the tap: no request in between
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.status_changed]])

    expect(backend.state.subscriptionResults).toEqual([{ errMsg: 'requestSubscribeMessage:ok', [TEMPLATE_IDS.status_changed]: 'accept' }])
    expect(textOf(page, '#alert-status')).toBe('稿件状态提醒已开启，还可提醒 1 次（所有稿件共用）')
    expect(textOf(alertButton(page), '.t-button__content')).toBe('多提醒一次')
    expect(toastTitles()).toEqual(['已开启提醒'])
  })

  test('alerts already allowed show how many are left, and each tap adds one', async () => {
    const { page } = await openDetail({ subscriptions: { status_changed: { credits: 2 } } })
    expect(textOf(page, '#alert-status')).toBe('稿件状态提醒已开启，还可提醒 2 次（所有稿件共用）')
    tapAlert(page)
    await waitFor(() => page.data.alert.statusText.includes('3'), 'the third alert')
    expect(textOf(page, '#alert-status')).toBe('稿件状态提醒已开启，还可提醒 3 次（所有稿件共用）')
  })

  test('a refusal in WeChat leaves alerts off, without a toast', async () => {
    const { page, backend } = await openDetail({ subscribeAnswer: (ids) => ({ [ids[0]]: 'reject' }) })
    tapAlert(page)
    await waitFor(() => backend.state.subscriptionResults.length === 1 && !page.data.asking, 'the refusal to be sent')
    expect(textOf(page, '#alert-status')).toBe('稿件状态变化时，通过微信提醒我')
    expect(toastTitles()).toEqual([])
  })

  test('turned off in WeChat: the button opens WeChat\'s settings (withSubscriptions), then asks when allowed there', async () => {
    const { page } = await openDetail({
      subscriptions: { status_changed: { banned: true, last_result: 'ban' } },
      settingsAnswer: () => ({ authSetting: {}, subscriptionsSetting: { mainSwitch: true, itemSettings: { [TEMPLATE_IDS.status_changed]: 'accept' } } }),
    })
    expect(textOf(page, '#alert-status')).toBe('稿件状态提醒已在微信中关闭')
    expect(textOf(page, '#alert-hint')).toBe('你在微信中关闭了这类提醒。点“去设置中开启”，在「订阅消息」里重新允许。')
    expect(textOf(alertButton(page), '.t-button__content')).toBe('去设置中开启')
    tapAlert(page)
    await waitFor(() => !page.data.asking && page.data.alert && page.data.alert.on, 'alerts on again')
    expect(wx.openSettingCalls).toEqual([expect.objectContaining({ withSubscriptions: true })])
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.status_changed]])
  })

  test('turned off in WeChat and left off in the settings: says so, asks nothing', async () => {
    const { page } = await openDetail({
      subscriptions: { status_changed: { banned: true, last_result: 'ban' } },
      settingsAnswer: () => ({ authSetting: {}, subscriptionsSetting: { mainSwitch: false, itemSettings: {} } }),
    })
    tapAlert(page)
    await waitFor(() => toastTitles().length === 1 && !page.data.asking, 'the answer')
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
    expect(toastTitles()).toEqual(['微信订阅消息已关闭，请在右上角「···」→「设置」中打开'])
  })

  test('no block when status alerts are not offered, or the manuscript is closed', async () => {
    const { page } = await openDetail({ templates: ['payment_due'] })
    expect(page.data.state).toBe('ready')
    expect(page.querySelector('#alert')).toBeUndefined()

    const closed = await openDetail({ manuscripts: [makeManuscript({ id: 7, status: 'rejected' })] })
    expect(closed.page.querySelector('#alert')).toBeUndefined()
  })

  test('when the alert state cannot be loaded the manuscript still shows, without the block or a toast', async () => {
    const { page } = await openDetail({ respond: (real) => (call) => (call.path === '/api/v1/notifications/subscriptions' ? NETWORK_FAILURE : real(call)) })
    expect(page.data.state).toBe('ready')
    expect(textOf(page, '#detail-title')).toBe('Coral bleaching under repeated heatwaves')
    expect(page.querySelector('#alert')).toBeUndefined()
    expect(toastTitles()).toEqual([])
  })

  test('in English', async () => {
    const { page } = await openDetail({ researcher: { language: 'en' }, subscriptions: { status_changed: { credits: 1 } } })
    expect(textOf(page, '#alert-status')).toBe('Status alerts on: 1 left, shared by all your manuscripts')
    expect(textOf(alertButton(page), '.t-button__content')).toBe('One more alert')
  })
})

test('a manuscript seen only through its public record (Crossref): public facts, no timeline, no submission system', async () => {
  // The backend already leaves out the editorial status and timeline (public_record_only); the page says why
  // there is no timeline rather than "no status changes", and does not name the editorial platform.
  const published = Object.assign({}, MANUSCRIPT, {
    status: 'published', platform_status: '', submitted_at: null, public_record_only: true, timeline: [],
    url: 'https://doi.org/10.5555/ame.2025.0042',
  })
  const { page } = await openDetail({ manuscripts: [published] })
  expect(textOf(page, '#detail-chip')).toBe('已发表')
  expect(cellNote(page, 'cell-doi')).toBe('10.5555/ame.2025.0042')
  expect(textOf(page.querySelector('#cell-link'), '.t-cell__description')).toBe('https://doi.org/10.5555/ame.2025.0042')
  expect(textOf(page, '#detail-public-record')).toBe('这篇文章来自公开的出版记录（Crossref），这里只显示公开信息，不含投稿和审稿过程。')
  expect(page.querySelector('#timeline')).toBeUndefined()
  expect(page.querySelector('#timeline-empty')).toBeUndefined()
  expect(page.querySelector('#cell-journal-system')).toBeUndefined()
  expect(page.querySelector('#cell-submitted')).toBeUndefined()
  expect(page.querySelector('#detail-platform-status')).toBeUndefined()
})

test('a manuscript on an editorial platform with no events yet says "no status changes" (not the public-record note)', async () => {
  const { page } = await openDetail({ manuscripts: [Object.assign({}, MANUSCRIPT, { timeline: [] })] })
  expect(textOf(page, '#timeline-empty')).toBe('暂无状态变化记录。')
  expect(page.querySelector('#detail-public-record')).toBeUndefined()
  expect(cellNote(page, 'cell-journal-system')).toBe('Demo University Journals')
})

test('a published manuscript shows its citations once Crossref counted them; before that, no cell', async () => {
  const published = { ...MANUSCRIPT, status: 'published', status_label: '已发表', citations: 12 }
  const { page } = await openDetail({ manuscripts: [published] })
  expect(cellNote(page, 'cell-citations')).toBe('12 次')
  expect(textOf(page.querySelector('#cell-citations'), '.t-cell__title-text')).toBe('被引次数')

  const { page: notCounted } = await openDetail({ manuscripts: [{ ...published, citations: null }] })
  expect(notCounted.querySelector('#cell-citations')).toBeUndefined()
  const { page: inReview } = await openDetail({ manuscripts: [{ ...MANUSCRIPT, citations: 3 }] })
  expect(inReview.querySelector('#cell-citations')).toBeUndefined()
})

test('the journal\'s manuscript number and the days in the current status are shown', async () => {
  const { page } = await openDetail({ manuscripts: [{ ...MANUSCRIPT, manuscript_number: 'AME-2025-0042', days_in_status: 14 }] })
  expect(cellNote(page, 'cell-number')).toBe('AME-2025-0042')
  expect(cellNote(page, 'cell-days-in-status')).toBe('此状态已 14 天')

  const { page: unknown } = await openDetail({ manuscripts: [{ ...MANUSCRIPT, manuscript_number: '', days_in_status: null }] })
  expect(unknown.querySelector('#cell-number')).toBeUndefined()
  expect(unknown.querySelector('#cell-days-in-status')).toBeUndefined()
})

describe('"截止前提醒我": WeChat reminders before the due date of what the journal waits for', () => {
  const inDays = (days) => {
    const day = new Date()
    day.setDate(day.getDate() + days)
    return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`
  }
  const waiting = (dueDate) => [{ ...MANUSCRIPT, action: 'revision', due_date: dueDate }]
  const remindButton = (page) => page.querySelector('#action-remind-button')
  const tapRemind = (page) => remindButton(page).querySelector('.t-button').dispatchEvent('tap')

  test('with a date ahead and the template offered, one tap asks WeChat for the due_reminder template', async () => {
    const { page, backend } = await openDetail({
      manuscripts: waiting(inDays(10)),
      templates: ['status_changed', 'due_reminder'],
      subscribeAnswer: (ids) => ({ [ids[0]]: 'accept' }),
    })
    expect(textOf(page, '#action-remind-text')).toBe('截止前通过微信提醒我')
    expect(textOf(remindButton(page), '.t-button__content')).toBe('提醒我')
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled() // loading the page never asks

    tapRemind(page)
    await waitFor(() => !page.data.asking && toastTitles().length === 1, 'the answer to be counted')
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.due_reminder]])
    expect(backend.state.subscriptionResults).toEqual([{ errMsg: 'requestSubscribeMessage:ok', [TEMPLATE_IDS.due_reminder]: 'accept' }])
    expect(textOf(page, '#action-remind-text')).toBe('截止提醒已开启，还可提醒 1 次')
    expect(textOf(remindButton(page), '.t-button__content')).toBe('多提醒一次')
    // The status alert is its own consent: untouched.
    expect(textOf(page, '#alert-status')).toBe('稿件状态变化时，通过微信提醒我')
  })

  test('nothing to ask when the date has passed, there is no date, or no template is offered', async () => {
    const passed = await openDetail({ manuscripts: waiting(inDays(-1)), templates: ['due_reminder'] })
    expect(passed.page.querySelector('#action')).toBeDefined()
    expect(passed.page.querySelector('#action-remind')).toBeUndefined()

    const undated = await openDetail({ manuscripts: waiting(null), templates: ['due_reminder'] })
    expect(undated.page.querySelector('#action')).toBeDefined()
    expect(undated.page.querySelector('#action-remind')).toBeUndefined()

    const untemplated = await openDetail({ manuscripts: waiting(inDays(3)) })
    expect(untemplated.page.querySelector('#action-due')).toBeDefined()
    expect(untemplated.page.querySelector('#action-remind')).toBeUndefined()
  })

  test('in English, with reminders already allowed', async () => {
    const { page } = await openDetail({
      researcher: { language: 'en' }, manuscripts: waiting(inDays(2)), templates: ['due_reminder'],
      subscriptions: { due_reminder: { credits: 2 } },
    })
    expect(textOf(page, '#action-remind-text')).toBe('Due date reminders on: 2 left')
    expect(textOf(remindButton(page), '.t-button__content')).toBe('One more reminder')
  })
})
