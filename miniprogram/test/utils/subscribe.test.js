const fs = require('fs')
const path = require('path')
const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend, TEMPLATE_IDS } = require('../helpers/fake-backend')
const { resetApp } = require('../helpers/page')

const SRC = path.join(__dirname, '../../src')
const SUBSCRIPTIONS = '/api/v1/notifications/subscriptions'

/** A fresh utils/subscribe over a fake backend, signed in. */
function loadSubscribe({ templates, subscriptions, respond, subscribeAnswer, modalAnswer } = {}) {
  jest.resetModules()
  resetApp()
  const backend = createBackend({ templates, subscriptions })
  backend.state.tokens.add('token-1')
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, storage: { token: 'token-1' }, subscribeAnswer, modalAnswer })
  return { subscribe: require('../../src/utils/subscribe'), backend }
}

const calls = (method) => wx.requests.filter((call) => call.path === SUBSCRIPTIONS && call.method === method)
const credits = (state, kind) => state.find((entry) => entry.kind === kind).credits

describe('requestAlerts', () => {
  test('asks WeChat for the kinds\' templates, sends the raw answer to the backend and resolves with the counted state', async () => {
    const { subscribe, backend } = loadSubscribe({ subscriptions: { status_changed: { credits: 1 } } })
    const outcome = await subscribe.requestAlerts(['status_changed', 'account_linked'])

    expect(calls('GET')).toHaveLength(1)
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.status_changed, TEMPLATE_IDS.account_linked]])
    const answer = { errMsg: 'requestSubscribeMessage:ok', [TEMPLATE_IDS.status_changed]: 'accept', [TEMPLATE_IDS.account_linked]: 'accept' }
    expect(calls('POST').map((call) => call.data)).toEqual([answer])
    expect(backend.state.subscriptionResults).toEqual([answer])
    expect(outcome.result).toEqual(answer)
    expect(credits(outcome.state, 'status_changed')).toBe(2)
    expect(credits(outcome.state, 'account_linked')).toBe(1)
    expect(toastTitles()).toEqual([])
  })

  test('a refusal is sent too (the backend remembers it) and resolves without a credit', async () => {
    const { subscribe, backend } = loadSubscribe({ subscribeAnswer: (ids) => ({ [ids[0]]: 'reject' }) })
    const outcome = await subscribe.requestAlerts(['status_changed'])
    expect(calls('POST')[0].data).toEqual({ errMsg: 'requestSubscribeMessage:ok', [TEMPLATE_IDS.status_changed]: 'reject' })
    expect(credits(outcome.state, 'status_changed')).toBe(0)
    expect(backend.state.grants[TEMPLATE_IDS.status_changed].last_result).toBe('reject')
  })

  test('banned templates are left out; none left means no popup and no POST', async () => {
    const { subscribe } = loadSubscribe({ subscriptions: { status_changed: { banned: true } } })
    await subscribe.requestAlerts(['status_changed', 'account_linked'])
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.account_linked]])

    wx.requestSubscribeMessage.mockClear()
    const outcome = await subscribe.requestAlerts(['status_changed'])
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
    expect(calls('POST')).toHaveLength(1) // only the first call's
    expect(outcome.result).toBeNull()
    expect(subscribe.kindState(outcome.state, 'status_changed').banned).toBe(true)
  })

  test('includeBanned asks for a banned template (re-allowed in WeChat); an acceptance lifts the ban', async () => {
    const { subscribe } = loadSubscribe({ subscriptions: { status_changed: { banned: true, last_result: 'ban' } } })
    const outcome = await subscribe.requestAlerts(['status_changed'], { includeBanned: true })
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.status_changed]])
    expect(subscribe.kindState(outcome.state, 'status_changed')).toEqual(expect.objectContaining({ banned: false, credits: 1, has_credit: true }))
  })

  test('nothing happens when no template is configured for the kinds', async () => {
    const { subscribe } = loadSubscribe({ templates: ['payment_due'] })
    const outcome = await subscribe.requestAlerts(['status_changed', 'account_linked'])
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
    expect(calls('POST')).toHaveLength(0)
    expect(outcome).toEqual({ state: [expect.objectContaining({ kind: 'payment_due' })], result: null })

    const none = loadSubscribe({ templates: [] })
    await expect(none.subscribe.requestAlerts(['status_changed'])).resolves.toEqual({ state: [], result: null })
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
  })

  test('at most 3 templates per popup (WeChat\'s limit): the first kinds asked for, each template once', async () => {
    const { subscribe } = loadSubscribe()
    await subscribe.requestAlerts(['refund_done', 'status_changed', 'refund_done', 'account_linked', 'payment_due'])
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.refund_done, TEMPLATE_IDS.status_changed, TEMPLATE_IDS.account_linked]])
    expect(subscribe.MAX_TEMPLATES_PER_REQUEST).toBe(3)
  })

  test('templateIdsFor skips unknown kinds, banned and repeated templates, and stops at 3', () => {
    const { subscribe } = loadSubscribe()
    const state = [
      { kind: 'a', template_id: 'A', banned: false }, { kind: 'b', template_id: 'B', banned: true },
      { kind: 'c', template_id: 'A', banned: false }, { kind: 'd', template_id: 'D', banned: false },
      { kind: 'e', template_id: 'E', banned: false }, { kind: 'f', template_id: 'F', banned: false },
    ]
    expect(subscribe.templateIdsFor(state, ['x', 'b', 'a', 'c', 'd', 'e', 'f'])).toEqual(['A', 'D', 'E'])
    expect(subscribe.templateIdsFor(state, ['b'], { includeBanned: true })).toEqual(['B'])
    expect(subscribe.templateIdsFor(null, ['a'])).toEqual([])
  })

  test('with the state already known it asks nothing first: the popup opens within the tap itself', () => {
    const { subscribe } = loadSubscribe()
    const state = [{ kind: 'status_changed', template_id: TEMPLATE_IDS.status_changed, credits: 0, has_credit: false, banned: false, last_result: '' }]
    const pending = subscribe.requestAlerts(['status_changed'], { state })
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1) // synchronously, before any await
    expect(calls('GET')).toHaveLength(0)
    return pending
  })

  test('a WeChat failure resolves with the state as it was, sends nothing and shows nothing', async () => {
    const { subscribe } = loadSubscribe({ subscribeAnswer: () => ({ fail: { errMsg: 'requestSubscribeMessage:fail Request list fail', errCode: 10002 } }) })
    const outcome = await subscribe.requestAlerts(['status_changed'])
    expect(outcome.result).toBeNull()
    expect(credits(outcome.state, 'status_changed')).toBe(0)
    expect(calls('POST')).toHaveLength(0)
    expect(toastTitles()).toEqual([])
  })

  test('subscription messages switched off in WeChat (20004): says where to turn them on', async () => {
    const { subscribe } = loadSubscribe({ subscribeAnswer: () => ({ fail: { errMsg: 'requestSubscribeMessage:fail The main switch is switched off', errCode: 20004 } }) })
    await expect(subscribe.requestAlerts(['status_changed'])).resolves.toEqual(expect.objectContaining({ result: null }))
    expect(toastTitles()).toEqual(['微信订阅消息已关闭，请在右上角「···」→「设置」中打开'])
  })

  test('a client without the API resolves quietly', async () => {
    const { subscribe } = loadSubscribe()
    wx.requestSubscribeMessage = undefined
    await expect(subscribe.requestAlerts(['status_changed'])).resolves.toEqual(expect.objectContaining({ result: null }))
    expect(calls('POST')).toHaveLength(0)
  })

  test('when WeChat wants a fresh tap, a modal asks and its confirm opens the popup', async () => {
    let attempts = 0
    const { subscribe } = loadSubscribe({
      subscribeAnswer: (ids) => {
        attempts += 1
        return attempts === 1 ? { fail: { errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' } } : { [ids[0]]: 'accept' }
      },
    })
    const outcome = await subscribe.requestAlerts(['status_changed'])
    expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ title: '开启微信提醒？', content: '每允许一次，可收到一次微信提醒。', confirmText: '提醒我' }))
    expect(wx.subscribeRequests).toHaveLength(2)
    expect(credits(outcome.state, 'status_changed')).toBe(1)
  })

  test('…and cancelling the modal asks nothing more', async () => {
    const { subscribe } = loadSubscribe({
      subscribeAnswer: () => ({ fail: { errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' } }),
      modalAnswer: () => ({ confirm: false, cancel: true }),
    })
    await expect(subscribe.requestAlerts(['status_changed'])).resolves.toEqual(expect.objectContaining({ result: null }))
    expect(wx.subscribeRequests).toHaveLength(1)
    expect(calls('POST')).toHaveLength(0)
  })

  test('the state cannot be fetched: resolves with null, no popup, no toast', async () => {
    const { subscribe } = loadSubscribe({ respond: (real) => (call) => (call.path === SUBSCRIPTIONS ? NETWORK_FAILURE : real(call)) })
    await expect(subscribe.requestAlerts(['status_changed'])).resolves.toEqual({ state: null, result: null })
    expect(wx.requestSubscribeMessage).not.toHaveBeenCalled()
    expect(toastTitles()).toEqual([])
  })

  test('the answer cannot be sent: resolves with the state as it was and WeChat\'s answer, no toast', async () => {
    const { subscribe } = loadSubscribe({ respond: (real) => (call) => (call.path === SUBSCRIPTIONS && call.method === 'POST' ? { statusCode: 500, data: '' } : real(call)) })
    const outcome = await subscribe.requestAlerts(['status_changed'])
    expect(outcome.result).toEqual({ errMsg: 'requestSubscribeMessage:ok', [TEMPLATE_IDS.status_changed]: 'accept' })
    expect(credits(outcome.state, 'status_changed')).toBe(0)
    expect(toastTitles()).toEqual([])
  })
})

describe('the moments', () => {
  test('after linking: status changes and the linking itself', async () => {
    const { subscribe } = loadSubscribe()
    await subscribe.askAfterLinking()
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.status_changed, TEMPLATE_IDS.account_linked]])
  })

  test('after paying: fees due, payment received and refund done, in one popup', async () => {
    const { subscribe, backend } = loadSubscribe()
    const outcome = await subscribe.askAfterPaying()
    expect(wx.subscribeRequests).toEqual([[TEMPLATE_IDS.payment_due, TEMPLATE_IDS.payment_received, TEMPLATE_IDS.refund_done]])
    expect(['payment_due', 'payment_received', 'refund_done'].map((kind) => credits(outcome.state, kind))).toEqual([1, 1, 1])
    expect(backend.state.subscriptionResults).toHaveLength(1)
  })

  test('after paying with a known state asks within the payment callback, no GET first', () => {
    const { subscribe } = loadSubscribe()
    const state = ['payment_due', 'payment_received', 'refund_done'].map((kind) => ({ kind, template_id: TEMPLATE_IDS[kind], credits: 0, banned: false }))
    const pending = subscribe.askAfterPaying({ state })
    expect(wx.requestSubscribeMessage).toHaveBeenCalledTimes(1)
    expect(calls('GET')).toHaveLength(0)
    return pending
  })

  test('gainedCredit compares a kind\'s credits before and after', () => {
    const { subscribe } = loadSubscribe()
    const before = [{ kind: 'status_changed', credits: 1 }]
    expect(subscribe.gainedCredit(before, [{ kind: 'status_changed', credits: 2 }], 'status_changed')).toBe(true)
    expect(subscribe.gainedCredit(before, before, 'status_changed')).toBe(false)
    expect(subscribe.gainedCredit(null, [{ kind: 'status_changed', credits: 1 }], 'status_changed')).toBe(true)
    expect(subscribe.gainedCredit(before, null, 'status_changed')).toBe(false)
  })
})

test('only utils/subscribe.js calls wx.requestSubscribeMessage (pages go through it, from taps)', () => {
  const callers = []
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) { if (entry.name !== 'miniprogram_npm') walk(file); return }
    if (entry.name.endsWith('.js') && fs.readFileSync(file, 'utf8').includes('requestSubscribeMessage(')) callers.push(path.relative(SRC, file))
  })
  walk(SRC)
  expect(callers).toEqual(['utils/subscribe.js'])
})
