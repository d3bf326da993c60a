const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend, TEMPLATE_IDS } = require('../helpers/fake-backend')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const PREFERENCES = '/api/v1/notifications/preferences'

/** Launch over a fake backend and open the settings; `loaded` false returns before the answers arrive. */
// Payments exist (the orders API answers) unless a test says otherwise: every kind is offered.
async function openSettings({ researcher, templates, subscriptions, preferences, respond, subscribeAnswer, settingsAnswer, orders = [], loaded = true } = {}) {
  const backend = createBackend({ researcher, templates, subscriptions, preferences, orders })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, subscribeAnswer, settingsAnswer })
  launchApp()
  const page = loadPage('pages/notifications/settings')
  if (loaded) await page.instance.__loaded
  return { backend, page }
}

// Kind rows as rendered, in order (t-cell is a virtual host: read its own nodes).
const kindLabels = (page) => page.querySelectorAll('.kind-cell').map((node) => textOf(node, '.t-cell__title-text'))
const kindLabel = (page, kind) => textOf(page.querySelector(`#kind-${kind}`), '.t-cell__title-text')
const creditText = (page, kind) => textOf(page, `#credits-${kind}`)
const switchOn = (page, id) => page.querySelector(`#${id}`).instance.data.checked
const tapSwitch = (page, id) => page.querySelector(`#${id}`).querySelector('.t-switch').dispatchEvent('tap')
const tapButton = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const buttonText = (page, id) => textOf(page.querySelector(`#${id}`), '.t-button__content')
const buttonDisabled = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dom.className.includes('t-button--disabled')
const tapStatus = (page, code) => page.querySelector(`#status-${code}`).querySelector('.t-tag').dispatchEvent('tap')
const checkedStatuses = (page) => page.data.statusOptions.filter((option) => option.checked).map((option) => option.value)
const pickTime = (page, which, value) => page.querySelector(`#quiet-${which}-picker`).dispatchEvent('change', { detail: { value } })
const cellNote = (page, id) => textOf(page.querySelector(`#${id}`), '.t-cell__note')
const fieldErrors = (page, field) => page.querySelectorAll(`.field-error--${field}`).map((node) => node.dom.textContent.trim())
const patches = () => wx.requests.filter((call) => call.path === PREFERENCES && call.logicalMethod === 'PATCH')

async function save(page) {
  const before = patches().length
  tapButton(page, 'save-button')
  await waitFor(() => patches().length > before && !page.data.saving, 'the answer to "save"')
}

describe('loading', () => {
  test('shows a spinner, then every kind with its switch and what WeChat still allows', async () => {
    const { page } = await openSettings({
      loaded: false,
      subscriptions: { status_changed: { credits: 2 }, account_linked: { banned: true, last_result: 'ban' } },
    })
    expect(pageState(page, '#settings-state').shown).toBe('loading')
    await page.instance.__loaded

    expect(page.querySelector('#settings-state')).toBeUndefined()
    expect(wx.requests.map((call) => `${call.method} ${call.path}`)).toEqual([
      'POST /api/v1/auth/login', 'GET /api/v1/notifications/unread-count', `GET ${PREFERENCES}`, 'GET /api/v1/notifications/subscriptions',
      'GET /api/v1/orders',
    ])
    expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '通知设置' }))
    expect(textOf(page, '#settings-intro')).toContain('所有通知都会保存在“消息”里')
    expect(kindLabels(page)).toEqual(['稿件状态变化', '期刊账号关联', '待缴费用', '付款成功', '退款完成'])
    expect(kindLabel(page, 'account_linked')).toBe('期刊账号关联')
    expect(creditText(page, 'status_changed')).toBe('还可提醒 2 次')
    expect(buttonText(page, 'ask-status_changed')).toBe('多提醒一次')
    expect(creditText(page, 'payment_due')).toBe('未开启微信提醒')
    expect(buttonText(page, 'ask-payment_due')).toBe('提醒我')
    expect(creditText(page, 'account_linked')).toBe('已在微信中关闭')
    expect(textOf(page, '#banned-hint-account_linked')).toBe('你在微信中关闭了这类提醒。点“去设置中开启”，在「订阅消息」里重新允许。')
    expect(buttonText(page, 'ask-account_linked')).toBe('去设置中开启')
    expect(page.querySelector('#banned-hint-status_changed')).toBeUndefined()
    expect(switchOn(page, 'switch-status_changed')).toBe(true)
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
  })

  test('stored preferences show as they are: kinds off, the statuses chosen, quiet hours', async () => {
    const { page } = await openSettings({
      preferences: { disabled_kinds: ['account_linked'], status_alerts: ['accepted', 'rejected', 'revision_requested'], quiet_start: '22:30:00', quiet_end: '07:00:00' },
    })
    expect(switchOn(page, 'switch-account_linked')).toBe(false)
    expect(switchOn(page, 'switch-status_changed')).toBe(true)
    expect(page.querySelector('#ask-account_linked')).toBeUndefined() // switched off: nothing to ask for
    expect(checkedStatuses(page)).toEqual(['revision_requested', 'accepted', 'rejected'])
    expect(page.data.statusMode).toBe('decisions')
    expect(switchOn(page, 'quiet-switch')).toBe(true)
    expect(cellNote(page, 'quiet-start')).toBe('22:30')
    expect(cellNote(page, 'quiet-end')).toBe('07:00')
    expect(buttonDisabled(page, 'save-button')).toBe(true) // nothing changed yet
  })

  test('a kind this build does not know yet is listed last, under a general name', async () => {
    const { page } = await openSettings({ templates: ['webinar', 'status_changed'] })
    expect(kindLabels(page)).toEqual(['稿件状态变化', '其他通知'])
  })

  test('with no WeChat alerts offered it says the inbox still has everything', async () => {
    const { page } = await openSettings({ templates: [] })
    expect(pageState(page, '#settings-state').text).toBe('暂时没有可以开启的微信提醒。稿件状态变化等通知仍会出现在“消息”里。')
    expect(page.querySelector('#save-button')).toBeUndefined()
  })

  test('when the settings cannot be loaded it says so and offers to try again', async () => {
    let offline = true
    const { page } = await openSettings({ respond: (real) => (call) => (offline && call.path === PREFERENCES ? NETWORK_FAILURE : real(call)) })
    expect(page.data.state).toBe('error')
    expect(pageState(page, '#settings-state').text).toBe('通知设置加载失败。')
    expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
    offline = false
    pageState(page, '#settings-state').retry()
    await waitFor(() => page.data.state === 'ready', 'the settings')
    expect(kindLabels(page)).toHaveLength(5)
  })
})

describe('publisher news (campaigns) is never a WeChat alert', () => {
  const NOTE = '出版社资讯只出现在“消息”和首页，不会作为微信服务通知发送，也不占用你的提醒次数。'

  test('it has no switch and nothing to ask for; the page says where it appears instead', async () => {
    const { page } = await openSettings()
    expect(textOf(page, '#settings-campaign-note')).toBe(NOTE)
    expect(kindLabels(page)).not.toContain('出版社资讯')
    expect(page.querySelector('#kind-campaign')).toBeUndefined()
    expect(page.querySelector('#switch-campaign')).toBeUndefined()
    expect(page.querySelector('#ask-campaign')).toBeUndefined()
  })

  test('an older backend that still lists it, or a stale switch, is not offered and never saved', async () => {
    const { page, backend } = await openSettings({
      templates: ['status_changed', 'campaign'],
      preferences: { disabled_kinds: ['campaign'] },
    })
    expect(kindLabels(page)).toEqual(['稿件状态变化'])
    expect(page.querySelector('#ask-campaign')).toBeUndefined()
    tapButton(page, 'decisions-only-button')
    await waitFor(() => page.data.dirty, 'a change')
    await save(page)
    expect(patches()[0].data.disabled_kinds).toEqual([])
    expect(backend.state.preferences.disabled_kinds).toEqual([])
    expect(toastTitles()).toEqual(['已保存'])
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
  })

  test('the note is there when no WeChat alert is offered at all, and in English', async () => {
    const empty = await openSettings({ templates: [] })
    expect(textOf(empty.page, '#settings-campaign-note')).toBe(NOTE)

    const { page } = await openSettings({ researcher: { language: 'en' } })
    expect(textOf(page, '#settings-campaign-note')).toBe('News from the publisher appears only in your Inbox and on the home page. It is never sent as a WeChat alert and never uses up your alerts.')
  })
})

describe('saving', () => {
  test('switching a kind off saves it in disabled_kinds; the inbox is not affected', async () => {
    const { page, backend } = await openSettings()
    tapSwitch(page, 'switch-account_linked')
    await waitFor(() => !page.data.kinds.find((kind) => kind.kind === 'account_linked').enabled, 'the switch')
    expect(buttonDisabled(page, 'save-button')).toBe(false)
    await save(page)

    expect(patches().map((call) => call.data)).toEqual([{ disabled_kinds: ['account_linked'], status_alerts: [], quiet_start: null, quiet_end: null }])
    expect(patches()[0].method).toBe('POST') // wx.request has no PATCH: tunneled
    expect(patches()[0].header['X-HTTP-Method-Override']).toBe('PATCH')
    expect(backend.state.preferences.disabled_kinds).toEqual(['account_linked'])
    expect(toastTitles()).toEqual(['已保存'])
    expect(switchOn(page, 'switch-account_linked')).toBe(false)
    expect(buttonDisabled(page, 'save-button')).toBe(true)
  })

  test('switching status changes off hides the statuses; on again shows them', async () => {
    const { page } = await openSettings()
    expect(page.querySelector('#statuses')).toBeDefined()
    tapSwitch(page, 'switch-status_changed')
    await waitFor(() => !page.querySelector('#statuses'), 'the statuses to go')
    tapSwitch(page, 'switch-status_changed')
    await waitFor(() => page.querySelector('#statuses'), 'the statuses to come back')
    expect(buttonDisabled(page, 'save-button')).toBe(true)
  })

  test('"decisions only" ticks accepted, rejected and revision requested, and saves those', async () => {
    const { page, backend } = await openSettings()
    expect(page.data.statusMode).toBe('all')
    expect(checkedStatuses(page)).toHaveLength(10)
    expect(textOf(page.querySelector('#status-accepted'), '.t-tag__text')).toBe('已录用')
    tapButton(page, 'decisions-only-button')
    await waitFor(() => page.data.statusMode === 'decisions', 'the shortcut')
    expect(checkedStatuses(page)).toEqual(['revision_requested', 'accepted', 'rejected'])
    await save(page)
    expect(patches()[0].data.status_alerts).toEqual(['revision_requested', 'accepted', 'rejected'])
    expect(backend.state.preferences.status_alerts).toEqual(['accepted', 'rejected', 'revision_requested'])
    expect(page.data.statusMode).toBe('decisions')
  })

  test('ticking single statuses: a custom choice; every status ticked saves "all" (an empty list)', async () => {
    const { page } = await openSettings({ preferences: { status_alerts: ['accepted'] } })
    expect(checkedStatuses(page)).toEqual(['accepted'])
    tapStatus(page, 'published')
    await waitFor(() => checkedStatuses(page).length === 2, 'the tick')
    expect(page.data.statusMode).toBe('custom')
    await save(page)
    expect(patches()[0].data.status_alerts).toEqual(['accepted', 'published'])

    tapButton(page, 'all-statuses-button')
    await waitFor(() => page.data.statusMode === 'all', 'every status')
    await save(page)
    expect(patches()[1].data.status_alerts).toEqual([])
  })

  test('no status ticked is caught before asking the backend', async () => {
    const { page } = await openSettings({ preferences: { status_alerts: ['accepted'] } })
    tapStatus(page, 'accepted')
    await waitFor(() => checkedStatuses(page).length === 0, 'the untick')
    tapButton(page, 'save-button')
    await waitFor(() => fieldErrors(page, 'status_alerts').length === 1, 'the error')
    expect(fieldErrors(page, 'status_alerts')).toEqual(['请至少选择一个状态。不想收到状态提醒，可以关闭上面的“稿件状态变化”。'])
    expect(patches()).toHaveLength(0)
  })

  test('quiet hours: on with 22:00 to 08:00, times picked, saved as both ends', async () => {
    const { page, backend } = await openSettings()
    expect(page.querySelector('#quiet-start')).toBeUndefined()
    tapSwitch(page, 'quiet-switch')
    await waitFor(() => page.querySelector('#quiet-start'), 'the times')
    expect(cellNote(page, 'quiet-start')).toBe('22:00')
    expect(cellNote(page, 'quiet-end')).toBe('08:00')
    pickTime(page, 'start', '23:30')
    await waitFor(() => page.data.quietStart === '23:30', 'the start time')
    expect(cellNote(page, 'quiet-start')).toBe('23:30')
    await save(page)
    expect(patches()[0].data).toEqual(expect.objectContaining({ quiet_start: '23:30', quiet_end: '08:00' }))
    expect(backend.state.preferences).toEqual(expect.objectContaining({ quiet_start: '23:30:00', quiet_end: '08:00:00' }))

    tapSwitch(page, 'quiet-switch')
    await waitFor(() => !page.querySelector('#quiet-start'), 'the times to go')
    await save(page)
    expect(patches()[1].data).toEqual(expect.objectContaining({ quiet_start: null, quiet_end: null }))
  })

  test('a 400 shows the backend\'s field errors under their section (and its message in a toast)', async () => {
    const { page } = await openSettings()
    tapSwitch(page, 'quiet-switch')
    await waitFor(() => page.querySelector('#quiet-end'), 'the times')
    pickTime(page, 'end', '22:00')
    await save(page)
    expect(fieldErrors(page, 'quiet')).toEqual(['免打扰的开始和结束时间不能相同。'])
    expect(toastTitles()).toEqual(['请检查填写的内容。'])
    expect(buttonDisabled(page, 'save-button')).toBe(false)

    pickTime(page, 'end', '07:00')
    await waitFor(() => fieldErrors(page, 'quiet').length === 0, 'the error to clear when the time changes')
    await save(page)
    expect(toastTitles()).toEqual(['请检查填写的内容。', '已保存'])
  })

  test('list errors of the backend (per item) are shown too', async () => {
    const { page } = await openSettings({
      respond: (real) => (call) => (call.logicalMethod === 'PATCH' && call.path === PREFERENCES
        ? { statusCode: 400, data: { code: 'invalid', message: '请检查填写的内容。', fields: { status_alerts: { 0: ['“x” 不是有效的选项。'] }, disabled_kinds: ['不能关闭。'] } } }
        : real(call)),
    })
    tapButton(page, 'decisions-only-button')
    await waitFor(() => page.data.dirty, 'a change')
    await save(page)
    expect(fieldErrors(page, 'status_alerts')).toEqual(['“x” 不是有效的选项。'])
    expect(fieldErrors(page, 'disabled_kinds')).toEqual(['不能关闭。'])
  })
})

describe('asking WeChat for more alerts', () => {
  test('the tap opens the popup at once; the new credits show, with a toast', async () => {
    let requestsWhenAsked = -1
    const { page } = await openSettings({
      subscriptions: { status_changed: { credits: 2 } },
      subscribeAnswer: (ids) => {
        requestsWhenAsked = wx.requests.length
        return { [ids[0]]: 'accept' }
      },
    })
    const before = wx.requests.length
    tapButton(page, 'ask-status_changed')
    await waitFor(() => toastTitles().length === 1 && !page.data.asking, 'the answer')
    expect(requestsWhenAsked).toBe(before)
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.status_changed]])
    expect(creditText(page, 'status_changed')).toBe('还可提醒 3 次')
    expect(toastTitles()).toEqual(['已开启提醒'])
  })

  test('a banned kind is re-enabled through wx.openSetting({ withSubscriptions: true }), then asked; an acceptance clears the ban', async () => {
    const { page } = await openSettings({
      subscriptions: { payment_due: { banned: true } },
      settingsAnswer: () => ({ authSetting: {}, subscriptionsSetting: { mainSwitch: true, itemSettings: { [TEMPLATE_IDS.payment_due]: 'accept' } } }),
    })
    tapButton(page, 'ask-payment_due')
    await waitFor(() => !page.data.asking && creditText(page, 'payment_due') === '还可提醒 1 次', 'the new state')
    expect(wx.openSettingCalls).toEqual([expect.objectContaining({ withSubscriptions: true })])
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.payment_due]])
    expect(page.querySelector('#banned-hint-payment_due')).toBeUndefined()
    expect(buttonText(page, 'ask-payment_due')).toBe('多提醒一次')
  })

  test('a banned kind still off in WeChat after the settings: says so and asks nothing', async () => {
    const { page } = await openSettings({
      subscriptions: { account_linked: { banned: true } },
      settingsAnswer: () => ({ authSetting: {}, subscriptionsSetting: { mainSwitch: true, itemSettings: { [TEMPLATE_IDS.account_linked]: 'ban' } } }),
    })
    tapButton(page, 'ask-account_linked')
    await waitFor(() => toastTitles().length === 1 && !page.data.asking, 'the answer')
    expect(wx.openSettingCalls).toHaveLength(1)
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
    expect(toastTitles()).toEqual(['这类提醒在微信中仍是关闭的'])
    expect(creditText(page, 'account_linked')).toBe('已在微信中关闭')
  })

  test('a refusal changes nothing and says nothing', async () => {
    const { page, backend } = await openSettings({ subscribeAnswer: (ids) => ({ [ids[0]]: 'reject' }) })
    tapButton(page, 'ask-refund_done')
    await waitFor(() => backend.state.subscriptionResults.length === 1 && !page.data.asking, 'the refusal')
    expect(creditText(page, 'refund_done')).toBe('未开启微信提醒')
    expect(toastTitles()).toEqual([])
  })
})

test('payment alerts are not offered while payments do not exist (no orders API)', async () => {
  const { page } = await openSettings({ orders: null })
  expect(kindLabels(page)).toEqual(['稿件状态变化', '期刊账号关联'])
})

test('in English', async () => {
  const { page } = await openSettings({ researcher: { language: 'en' }, subscriptions: { status_changed: { credits: 1 } } })
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: 'Notifications' }))
  expect(kindLabel(page, 'status_changed')).toBe('Manuscript status changes')
  expect(creditText(page, 'status_changed')).toBe('Alerts left: 1')
  expect(creditText(page, 'payment_due')).toBe('WeChat alerts off')
  expect(buttonText(page, 'decisions-only-button')).toBe('Decisions only')
  expect(textOf(page.querySelector('#status-revision_requested'), '.t-tag__text')).toBe('Revision requested')
  expect(buttonText(page, 'save-button')).toBe('Save')
})

test('the "me" tab leads here', async () => {
  const backend = createBackend()
  installWx({ respond: backend.respond })
  launchApp()
  const me = loadPage('pages/me/me')
  await me.instance.__shown
  expect(textOf(me.querySelector('#cell-notification-settings'), '.t-cell__title-text')).toBe('通知设置')
  me.querySelector('#cell-notification-settings').querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'the navigation')
  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/notifications/settings')
  await waitFor(() => wx.navigateTo.mock.results.length === 1, 'the navigation to answer')
  expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
})

test('due-date reminders are a kind of their own, listed with their title when the backend offers them', async () => {
  const { page } = await openSettings({ templates: ['status_changed', 'due_reminder'] })
  expect(kindLabels(page)).toEqual(['稿件状态变化', '截止日期提醒'])
  expect(kindLabel(page, 'due_reminder')).toBe('截止日期提醒')
})
