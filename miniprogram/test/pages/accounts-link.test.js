const { installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend, MESSAGES, TEMPLATE_IDS, VALID_CODE } = require('../helpers/fake-backend')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

let page

/** Open the wizard (optionally with ?account=) over a fake backend; `previousRoute` is the page below it. */
async function openWizard({ query = {}, accounts = [], researcher, respond, verifiedElsewhere, previousRoute, templates, subscriptions, subscribeAnswer } = {}) {
  const backend = createBackend({ researcher, accounts, verifiedElsewhere, templates, subscriptions })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, subscribeAnswer })
  launchApp()
  page = loadPage('pages/accounts/link', query)
  if (previousRoute) global.__pageStack = [{ route: previousRoute }, page.instance]
  await page.instance.__loaded
  return { backend, page }
}

afterEach(() => {
  if (page) page.detach() // onUnload: stops the resend countdown
  page = null
  jest.useRealTimers()
})

const tap = (id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const tapCell = (id) => page.querySelector(`#${id}`).querySelector('.t-cell').dispatchEvent('tap')
const type = (id, value) => page.querySelector(`#${id}`).querySelector('.t-input__control')
  .dispatchEvent('input', { detail: { value, cursor: value.length } })
const typeNote = (value) => page.querySelector('#input-note').querySelector('.t-textarea__wrapper-inner')
  .dispatchEvent('input', { detail: { value, cursor: value.length } })
const buttonText = (id) => textOf(page.querySelector(`#${id}`), '.t-button__content')
const buttonDisabled = (id) => page.querySelector(`#${id}`).querySelector('.t-button').dom.className.includes('t-button--disabled')
const fieldErrors = (field) => page.querySelectorAll(`.field-error--${field}`).map((node) => node.dom.textContent.trim())
const posts = (suffix) => wx.requests.filter((call) => call.method === 'POST' && call.path.endsWith(suffix))
const stepTitles = () => page.querySelectorAll('.link-step').map((step) => textOf(step, '.t-steps-item__title'))

async function chooseSystem(id = 1) {
  await waitFor(() => page.querySelector(`#system-${id}`), 'the journal systems')
  tapCell(`system-${id}`)
  await waitFor(() => page.data.step === 2, 'step 2')
}

async function sendIdentity(identity) {
  type('input-identity', identity)
  tap('send-code-button')
  await waitFor(() => page.data.step === 3 || (page.data.busy === '' && posts('/journal-accounts').length > 0), 'the answer to "send code"')
}

async function enterCode(code) {
  const before = wx.requests.length
  type('input-code', code)
  tap('verify-button')
  await waitFor(() => wx.requests.length > before && page.data.busy === '', 'the answer to "verify"')
}

describe('step 1: journal system', () => {
  test('lists the journal systems with their platform and journals', async () => {
    await openWizard()
    expect(wx.requests.map((call) => `${call.method} ${call.path}`)).toEqual(['POST /api/v1/auth/login', 'GET /api/v1/notifications/unread-count', 'GET /api/v1/journal-systems'])
    expect(stepTitles()).toEqual(['选择系统', '填写账号', '输入验证码'])
    expect(textOf(page, '#step-system .step-title')).toBe('你的稿件投在哪个投稿系统？')
    const system = page.querySelector('#system-1')
    expect(textOf(system, '.t-cell__title-text')).toBe('示范大学期刊平台')
    expect(textOf(system, '.t-cell__description-text')).toBe('Open Journal Systems')
    expect(textOf(page, '#system-1 .system-cell__journals')).toBe('期刊：Journal of Clinical Studies、Annals of Marine Ecology')
    expect(textOf(page, '#system-2 .system-cell__journals')).toBe('期刊：Physics Letters Demo')
    expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '关联期刊账号' }))
  })

  test('with no journal systems configured it says so', async () => {
    const backend = createBackend({ journalSystems: [] })
    installWx({ respond: backend.respond })
    launchApp()
    page = loadPage('pages/accounts/link')
    await page.instance.__loaded
    expect(pageState(page, '#systems-state').text).toBe('暂时没有可以关联的期刊系统。')
  })
})

describe('the whole wizard', () => {
  test('happy path: system, identity, code -> verified, success toast, accounts list', async () => {
    const { backend } = await openWizard()
    await chooseSystem(1)
    expect(textOf(page.querySelector('#selected-system'), '.t-cell__title-text')).toBe('示范大学期刊平台')
    expect(textOf(page, '#identity-hint')).toBe('填写你登录 示范大学期刊平台 时使用的邮箱、用户名或 ORCID iD。6 位验证码会发送到 示范大学期刊平台 中登记的邮箱，不一定是你在这里填写的地址。')

    await sendIdentity('  zoe@lab.example ')
    expect(posts('/journal-accounts')).toHaveLength(1)
    expect(posts('/journal-accounts')[0].data).toEqual({ journal_system: 1, identity: 'zoe@lab.example' })
    expect(page.data.step).toBe(3)
    expect(textOf(page, '#code-sent')).toBe('如果 示范大学期刊平台 中有这个账号，6 位验证码已发送到它登记的邮箱 z***@mail.example。')
    expect(backend.state.codesSent).toEqual([201])

    await enterCode(VALID_CODE)
    expect(posts('/verify')).toHaveLength(1)
    expect(posts('/verify')[0].path).toBe('/api/v1/journal-accounts/201/verify')
    expect(posts('/verify')[0].data).toEqual({ code: '123456' })
    expect(backend.state.accounts.find((account) => account.id === 201).status).toBe('verified')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ icon: 'success', title: '关联成功' }))
    expect(wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/accounts/list' }))
    expect(getApp().globalData.manuscriptsStale).toBe(true)
  })

  test('an account proven without a code (ORCID record match) finishes at once, no code step', async () => {
    await openWizard({
      respond: (real) => (call) => (call.method === 'POST' && call.path === '/api/v1/journal-accounts'
        ? { statusCode: 201, data: { id: 301, status: 'verified', email_hint: '', verification_method: 'orcid_match',
          journal_system: { id: 1, key: 'demo', name: '示范大学期刊平台', platform: 'crossref' } } }
        : real(call)),
    })
    await chooseSystem(1)
    await sendIdentity('0000-0002-1825-0097')

    expect(page.data.step).toBe(2)
    expect(posts('/verify')).toHaveLength(0)
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ icon: 'success', title: '关联成功' }))
    expect(wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/accounts/list' }))
  })

  test('opened from the accounts list, success goes back to it', async () => {
    await openWizard({ previousRoute: 'pages/accounts/list' })
    await chooseSystem(2)
    await sendIdentity('alovelace')
    expect(posts('/journal-accounts')[0].data).toEqual({ journal_system: 2, identity: 'alovelace' })
    await enterCode(VALID_CODE)
    expect(wx.navigateBack).toHaveBeenCalledTimes(1)
    expect(wx.redirectTo).not.toHaveBeenCalled()
  })

  test('the step indicator follows the wizard', async () => {
    await openWizard()
    const current = () => page.querySelector('#steps').instance.data.current
    expect(current()).toBe(0)
    await chooseSystem(1)
    expect(current()).toBe(1)
    await sendIdentity('zoe@lab.example')
    expect(current()).toBe(2)
  })

  test('"change" on step 2 goes back to the systems, the chosen one ticked', async () => {
    await openWizard()
    await chooseSystem(1)
    tapCell('selected-system')
    await waitFor(() => page.data.step === 1, 'step 1')
    expect(page.data.systemsState).toBe('ready')
    expect(wx.requests.filter((call) => call.path === '/api/v1/journal-systems')).toHaveLength(1)
    await chooseSystem(2)
    expect(page.data.selectedSystem.id).toBe(2)
  })
})

describe('step 2: identity', () => {
  test('an empty identity is caught before asking the backend', async () => {
    await openWizard()
    await chooseSystem(1)
    type('input-identity', '   ')
    tap('send-code-button')
    await waitFor(() => fieldErrors('identity').length === 1, 'the field error')
    expect(fieldErrors('identity')).toEqual(['请填写邮箱、用户名或 ORCID iD。'])
    expect(posts('/journal-accounts')).toHaveLength(0)
    type('input-identity', 'z')
    await waitFor(() => fieldErrors('identity').length === 0, 'the error to clear while typing')
  })

  test('the clear icon empties the identity too', async () => {
    await openWizard()
    await chooseSystem(1)
    type('input-identity', 'zoe@lab.example')
    await waitFor(() => page.querySelector('#input-identity').querySelector('.t-input__wrap--clearable-icon'), 'the clear icon')
    page.querySelector('#input-identity').querySelector('.t-input__wrap--clearable-icon').dispatchEvent('tap')
    await waitFor(() => page.data.identity === '', 'the identity to be cleared')
    tap('send-code-button')
    await waitFor(() => fieldErrors('identity').length === 1, 'the field error')
    expect(posts('/journal-accounts')).toHaveLength(0)
  })

  test("the backend's field errors are shown under the identity and under the system", async () => {
    await openWizard({
      respond: (real) => (call) => (call.method === 'POST' && call.path === '/api/v1/journal-accounts'
        ? { statusCode: 400, data: { code: 'invalid', message: '请检查填写的内容。', fields: { identity: ['ORCID iD 格式不正确。'], journal_system: ['该期刊系统暂停关联。'] } } }
        : real(call)),
    })
    await chooseSystem(1)
    await sendIdentity('0000-0000')
    expect(page.data.step).toBe(2)
    expect(fieldErrors('identity')).toEqual(['ORCID iD 格式不正确。'])
    expect(fieldErrors('journal_system')).toEqual(['该期刊系统暂停关联。'])
    expect(toastTitles()).toEqual(['请检查填写的内容。'])
  })

  test('409: an identity verified by another researcher is explained on the page', async () => {
    await openWizard({ verifiedElsewhere: ['taken@lab.example'] })
    await chooseSystem(1)
    await sendIdentity('taken@lab.example')
    expect(page.data.step).toBe(2)
    expect(textOf(page, '#form-error')).toBe(MESSAGES['zh-hans'].conflict)
    expect(toastTitles()).toEqual([MESSAGES['zh-hans'].conflict])
  })
})

describe('step 3: code', () => {
  async function atCodeStep(options) {
    const opened = await openWizard(options)
    await chooseSystem(1)
    await sendIdentity('zoe@lab.example')
    expect(page.data.step).toBe(3)
    return opened
  }

  test('a wrong code shows the backend message (attempts left) under the input', async () => {
    await atCodeStep()
    await enterCode('000000')
    expect(fieldErrors('code')).toEqual(['验证码错误或已过期，还可尝试 4 次。'])
    expect(page.data.step).toBe(3)
    expect(wx.redirectTo).not.toHaveBeenCalled()
    // The error sits right after the code input.
    expect(page.querySelector('.field-error--code').dom.previousElementSibling.textContent).toContain('验证码')
    type('input-code', '1')
    await waitFor(() => fieldErrors('code').length === 0, 'the error to clear while typing')
  })

  test('a code that is not 6 digits is caught before asking the backend', async () => {
    await atCodeStep()
    type('input-code', '12345')
    tap('verify-button')
    await waitFor(() => fieldErrors('code').length === 1, 'the field error')
    expect(fieldErrors('code')).toEqual(['请输入 6 位数字验证码。'])
    expect(posts('/verify')).toHaveLength(0)
  })

  test('409 on verify is explained on the page', async () => {
    const { backend } = await atCodeStep()
    backend.state.verifiedElsewhere.add('zoe@lab.example') // someone else verified it meanwhile
    await enterCode(VALID_CODE)
    expect(textOf(page, '#form-error')).toBe(MESSAGES['zh-hans'].conflict)
    expect(wx.redirectTo).not.toHaveBeenCalled()
  })

  test('resend counts down 60 s, then sends a new code and counts down again', async () => {
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask'] })
    const { backend } = await atCodeStep()
    expect(buttonText('resend-button')).toBe('60 秒后可重新发送')
    expect(buttonDisabled('resend-button')).toBe(true)

    jest.advanceTimersByTime(1000)
    expect(buttonText('resend-button')).toBe('59 秒后可重新发送')
    jest.advanceTimersByTime(58 * 1000)
    expect(buttonText('resend-button')).toBe('1 秒后可重新发送')
    tap('resend-button') // still disabled: nothing is sent
    jest.advanceTimersByTime(1000)
    expect(buttonText('resend-button')).toBe('重新发送')
    expect(buttonDisabled('resend-button')).toBe(false)
    expect(posts('/resend')).toHaveLength(0)

    tap('resend-button')
    await waitFor(() => toastTitles().includes('验证码已重新发送'), 'the resend toast')
    expect(posts('/resend').map((call) => call.path)).toEqual(['/api/v1/journal-accounts/201/resend'])
    expect(backend.state.codesSent).toEqual([201, 201])
    expect(buttonText('resend-button')).toBe('60 秒后可重新发送')
    expect(buttonDisabled('resend-button')).toBe(true)
  })

  test('a 429 on resend waits as long as Retry-After says', async () => {
    jest.useFakeTimers({ doNotFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'nextTick', 'queueMicrotask'] })
    await openWizard({
      query: { account: '103' },
      accounts: [{ id: 103, status: 'pending', identity: 'zoe@lab.example', email_hint: 'z***@lab.example' }],
      respond: (real) => (call) => (call.path.endsWith('/resend')
        ? { statusCode: 429, data: { code: 'throttled', message: '请在 42 秒后再重新发送验证码。', fields: {} }, header: { 'Retry-After': '42' } }
        : real(call)),
    })
    expect(buttonText('resend-button')).toBe('重新发送')
    tap('resend-button')
    await waitFor(() => toastTitles().length === 1, 'the toast')
    expect(toastTitles()).toEqual(['请在 42 秒后再重新发送验证码。'])
    expect(buttonText('resend-button')).toBe('42 秒后可重新发送')
    jest.advanceTimersByTime(42 * 1000)
    expect(buttonText('resend-button')).toBe('重新发送')
  })

  test('when the attempts are used up it offers verification by publisher staff, with a note', async () => {
    const { backend } = await atCodeStep()
    for (let attempt = 1; attempt <= 4; attempt += 1) await enterCode('000000')
    expect(fieldErrors('code')).toEqual(['验证码错误或已过期，还可尝试 1 次。'])
    expect(page.querySelector('#manual-review')).toBeUndefined()

    await enterCode('000000')
    expect(toastTitles()[toastTitles().length - 1]).toBe(MESSAGES['zh-hans'].code_attempts_used)
    expect(textOf(page, '#attempts-used-up')).toBe('验证码尝试次数已用完。你可以请出版社工作人员人工核验这个账号。')
    expect(buttonDisabled('verify-button')).toBe(true)
    expect(textOf(page, '#manual-review .manual-hint')).toContain('出版社工作人员会人工核实')

    typeNote('  I now use zoe@newlab.example  ')
    tap('manual-review-button')
    await waitFor(() => wx.redirectTo.mock.calls.length === 1, 'leaving the wizard')
    expect(posts('/manual-review').map((call) => call.path)).toEqual(['/api/v1/journal-accounts/201/manual-review'])
    expect(posts('/manual-review')[0].data).toEqual({ note: 'I now use zoe@newlab.example' })
    expect(backend.state.accounts.find((account) => account.id === 201).status).toBe('manual_review')
    expect(wx.showToast).toHaveBeenLastCalledWith(expect.objectContaining({ icon: 'success', title: '已提交' }))
    expect(wx.redirectTo.mock.calls[0][0].url).toBe('/pages/accounts/list')
  })

  test('a dead e-mail address: "ask publisher staff" works before any attempt, the note optional', async () => {
    await atCodeStep()
    expect(textOf(page, '#manual-offer')).toContain('收不到邮件，或那个邮箱已经不用了？')
    tap('ask-staff-button')
    await waitFor(() => page.querySelector('#manual-review'), 'the manual review form')
    expect(buttonDisabled('verify-button')).toBe(false)
    tap('manual-review-button')
    await waitFor(() => wx.redirectTo.mock.calls.length === 1, 'leaving the wizard')
    expect(posts('/manual-review')[0].data).toEqual({ note: '' })
  })
})

describe('WeChat alerts, asked on the tap that completes verification', () => {
  const LINKING_TEMPLATES = [TEMPLATE_IDS.status_changed, TEMPLATE_IDS.account_linked]
  const order = (mock, index = 0) => mock.mock.invocationCallOrder[index]
  const requestIndex = (method, suffix) => wx.requests.findIndex((call) => call.method === method && call.path.endsWith(suffix))

  async function atCodeStep(options) {
    const opened = await openWizard(options)
    await chooseSystem(1)
    await sendIdentity('zoe@lab.example')
    return opened
  }

  test('after the code is verified, not before: status changes and the linking, then the toast and the list', async () => {
    let requestsWhenAsked = -1
    const { backend } = await atCodeStep({
      subscribeAnswer: (ids) => {
        requestsWhenAsked = wx.requests.length
        return Object.fromEntries(ids.map((id) => [id, 'accept']))
      },
    })
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled() // not on load, not at steps 1 and 2

    await enterCode(VALID_CODE)
    expect(wx.subscribeRequests).toEqual([LINKING_TEMPLATES])
    // The state was fetched while the code was typed: the verify answer is the last request before the popup.
    expect(requestIndex('GET', '/notifications/subscriptions')).toBeLessThan(requestIndex('POST', '/verify'))
    expect(requestsWhenAsked).toBe(requestIndex('POST', '/verify') + 1)
    expect(backend.state.subscriptionResults).toEqual([{ errMsg: 'requestSubscribeMessage:ok', [TEMPLATE_IDS.status_changed]: 'accept', [TEMPLATE_IDS.account_linked]: 'accept' }])
    expect(backend.state.grants[TEMPLATE_IDS.status_changed].credits).toBe(1)
    expect(order(wx.requestSubscribeMessage)).toBeLessThan(order(wx.showToast))
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ icon: 'success', title: '关联成功' }))
    expect(wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/accounts/list' }))
  })

  test('a wrong code asks nothing; the right one then asks once', async () => {
    await atCodeStep()
    await enterCode('000000')
    expect(fieldErrors('code')).toHaveLength(1)
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
    await enterCode(VALID_CODE)
    expect(wx.subscribeRequests).toEqual([LINKING_TEMPLATES])
  })

  test('asking publisher staff to verify asks for the "account linked" alert, within that tap, before the request', async () => {
    await atCodeStep()
    tap('ask-staff-button')
    await waitFor(() => page.querySelector('#manual-review'), 'the manual review form')
    await waitFor(() => wx.requests.some((call) => call.path === '/api/v1/notifications/subscriptions'), 'the state, fetched when the form opened')
    await new Promise((resolve) => setTimeout(resolve, 10))
    const before = wx.requests.length
    let requestsWhenAsked = -1
    wx.requestSubscribeMessage.mockImplementationOnce((options) => {
      requestsWhenAsked = wx.requests.length
      setTimeout(() => options.success(Object.assign({ errMsg: 'requestSubscribeMessage:ok' }, ...options.tmplIds.map((id) => ({ [id]: 'accept' })))), 0)
    })
    tap('manual-review-button')
    await waitFor(() => wx.redirectTo.mock.calls.length === 1, 'leaving the wizard')
    expect(requestsWhenAsked).toBe(before) // nothing went out between the tap and the popup
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual([TEMPLATE_IDS.account_linked, TEMPLATE_IDS.status_changed])
    expect(wx.requests.map((call) => call.path)).toContain('/api/v1/journal-accounts/201/manual-review')
  })

  test('an account proven without a code asks on the "send" tap that verified it', async () => {
    await openWizard({
      respond: (real) => (call) => (call.method === 'POST' && call.path === '/api/v1/journal-accounts'
        ? { statusCode: 201, data: { id: 301, status: 'verified', email_hint: '', verification_method: 'orcid_match',
          journal_system: { id: 1, key: 'demo', name: '示范大学期刊平台', platform: 'crossref' } } }
        : real(call)),
    })
    await chooseSystem(1)
    await sendIdentity('0000-0002-1825-0097')
    await waitFor(() => wx.redirectTo.mock.calls.length === 1, 'leaving the wizard')
    expect(wx.subscribeRequests).toEqual([LINKING_TEMPLATES])
  })

  test('a banned template is left out; with none to ask, linking just finishes', async () => {
    await atCodeStep({ subscriptions: { account_linked: { banned: true } } })
    await enterCode(VALID_CODE)
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.status_changed]])

    await atCodeStep({ templates: [] })
    await enterCode(VALID_CODE)
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
    expect(wx.redirectTo).toHaveBeenCalledWith(expect.objectContaining({ url: '/pages/accounts/list' }))
  })

  test('a refusal or a WeChat failure still finishes the linking, with only the success toast', async () => {
    const { backend } = await atCodeStep({ subscribeAnswer: () => ({ fail: { errMsg: 'requestSubscribeMessage:fail Request list fail', errCode: 10002 } }) })
    await enterCode(VALID_CODE)
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
    expect(backend.state.subscriptionResults).toEqual([])
    expect(toastTitles()).toEqual(['关联成功'])
    expect(wx.redirectTo).toHaveBeenCalledTimes(1)
  })

  test('the verify button stays busy while WeChat asks, so the code cannot be sent twice', async () => {
    await atCodeStep()
    const delayed = wx.requestSubscribeMessage.getMockImplementation()
    let release // the researcher has not answered WeChat's popup yet
    wx.requestSubscribeMessage.mockImplementation((options) => { release = () => delayed(options) })
    type('input-code', VALID_CODE)
    tap('verify-button')
    await waitFor(() => release, 'the popup')
    expect(page.data.busy).toBe('verifying')
    tap('verify-button')
    release()
    await waitFor(() => wx.redirectTo.mock.calls.length === 1, 'leaving the wizard')
    expect(posts('/verify')).toHaveLength(1)
  })
})

describe('resume with ?account=', () => {
  const PENDING = { id: 103, journal_system_id: 2, status: 'pending', identity: 'zoe@lab.example', email_hint: 'z***@lab.example', verified_at: null }

  test('a pending account opens at the code step and verifies', async () => {
    const { backend } = await openWizard({ query: { account: '103' }, accounts: [PENDING] })
    expect(wx.requests.map((call) => call.path)).toEqual(['/api/v1/auth/login', '/api/v1/notifications/unread-count', '/api/v1/journal-accounts'])
    expect(page.data.step).toBe(3)
    expect(textOf(page, '#code-sent')).toBe('如果 示范出版社 ScholarOne 中有这个账号，6 位验证码已发送到它登记的邮箱 z***@lab.example。')
    expect(buttonText('resend-button')).toBe('重新发送')
    backend.state.codes[103] = { attemptsLeft: 5, sentAt: 0 }
    await enterCode(VALID_CODE)
    expect(posts('/verify')[0].path).toBe('/api/v1/journal-accounts/103/verify')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ icon: 'success', title: '关联成功' }))
  })

  test('an account waiting for publisher staff says so', async () => {
    await openWizard({ query: { account: '104' }, accounts: [{ id: 104, status: 'manual_review' }] })
    expect(page.data.step).toBe(3)
    expect(pageState(page, '#manual-review-pending').text).toContain('出版社工作人员正在人工核验')
    expect(page.querySelector('#verify-button')).toBeUndefined()
  })

  test('an already verified account goes to the accounts list', async () => {
    await openWizard({ query: { account: '101' }, accounts: [{ id: 101, status: 'verified' }] })
    expect(toastTitles()).toEqual(['这个账号已经完成验证。'])
    expect(wx.redirectTo.mock.calls[0][0].url).toBe('/pages/accounts/list')
  })

  test('an unknown account starts the wizard from the beginning', async () => {
    await openWizard({ query: { account: '999' } })
    expect(toastTitles()).toEqual(['找不到这个待验证的账号，请重新关联。'])
    expect(page.data.step).toBe(1)
    expect(page.querySelector('#system-1')).toBeDefined()
  })
})

test('in English', async () => {
  await openWizard({ researcher: { language: 'en' } })
  expect(stepTitles()).toEqual(['System', 'Account', 'Code'])
  expect(textOf(page, '#system-1 .system-cell__journals')).toBe('Journals: Journal of Clinical Studies, Annals of Marine Ecology')
  await chooseSystem(1)
  expect(textOf(page, '#identity-hint')).toContain('The 6-digit code goes to the e-mail address Demo University Journals has on file')
  await sendIdentity('zoe@lab.example')
  expect(textOf(page, '#code-sent')).toBe('If Demo University Journals knows this account, a 6-digit code is on its way to the e-mail it has on file, z***@mail.example.')
  expect(buttonText('resend-button')).toBe('Resend in 60 s')
  expect(buttonText('verify-button')).toBe('Verify')
})
