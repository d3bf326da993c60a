// What the end-to-end tests (test/e2e/*.e2e.test.js) share: their environment check, the silent login against the
// live backend, the calls to the sandbox's own routes, and the taps, reads and bounded waits on the rendered pages.
// Each test file keeps its own steps and assertions; these only do or read, and fail with what they saw.
const { install, request: httpRequest } = require('./wx-real')
const { launchApp, loadPage, textOf, waitFor } = require('./page')
const status = require('../../src/utils/status')

// Bounds of the waits on the backend's asynchronous work: a sync in the worker, a mail through the sandbox's SMTP.
const SYNC_TIMEOUT_MS = 30000
const PULL_INTERVAL_MS = 500
const MAIL_TIMEOUT_MS = 10000

/**
 * Fail (never skip) unless every variable of `requiredEnv` ({ name: meaning }) is set: a green run must mean the
 * Mini Program really talked to a live backend. `needs` says what this test needs running, `driver` is the pytest
 * file that starts it and sets the variables.
 */
function requireEnv(requiredEnv, { needs, driver }) {
  const missing = Object.keys(requiredEnv).filter((name) => !process.env[name])
  if (missing.length === 0) return
  throw new Error([
    `Missing environment variable(s): ${missing.join(', ')}. This end-to-end test needs ${needs}:`,
    ...Object.entries(requiredEnv).map(([name, meaning]) => `  ${name}: ${meaning}`),
    'Run it through pytest, which starts all of that and sets these for you:',
    `  .venv/bin/python -m pytest ${driver}`,
  ].join('\n'))
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const toasts = () => wx.showToast.mock.calls.map(([options]) => options.title)
const requestsMade = () => wx.request.mock.calls.map(([options]) => `${options.method || 'GET'} ${options.url}`)
const withoutTrailingSlash = (origin) => origin.replace(/\/+$/, '')

/** The live backend's origin (env API_BASE), as the app joins paths to it. */
const apiBase = () => withoutTrailingSlash(process.env.API_BASE)
/** The sandbox's origin (env SANDBOX_BASE). */
const sandboxBase = () => withoutTrailingSlash(process.env.SANDBOX_BASE)

/**
 * Install the real-HTTP `wx`, point the app at the live backend (the tester override documented in
 * src/utils/config.js) and launch it: onLaunch logs in silently. Returns the app, the researcher logged in and the
 * phone (`{ loginCode, storage }`, for relaunch). `loginCode` makes it another WeChat user's phone (default env
 * E2E_LOGIN_CODE); `launchOptions` is what WeChat passes to onLaunch (e.g. the page a share card opens).
 */
async function launchLoggedIn({ loginCode = process.env.E2E_LOGIN_CODE, launchOptions } = {}) {
  const phoneWx = install({ loginCode })
  wx.setStorageSync('api_base', process.env.API_BASE)
  const app = launchApp(launchOptions) // onLaunch -> wx.login -> POST /api/v1/auth/login
  const researcher = await app.loginReady
  if (!researcher) throw new Error(`silent login against ${process.env.API_BASE} failed; toasts: ${JSON.stringify(toasts())}`)
  return { app, researcher, phone: { loginCode, storage: phoneWx.storage } }
}

/**
 * A cold start on a phone used before (what launchLoggedIn returned as `phone`): its storage keeps the token, so the
 * app resumes the session without wx.login (a wx.login code is used once). Returns the app.
 */
async function relaunch(phone, launchOptions) {
  install({ loginCode: phone.loginCode, storage: phone.storage })
  const app = launchApp(launchOptions)
  await app.loginReady
  if (wx.login.mock.calls.length || !wx.getStorageSync('token')) {
    throw new Error(`the relaunch did not resume the stored session: wx.login called ${wx.login.mock.calls.length} ` +
      `time(s), token ${wx.getStorageSync('token') ? 'kept' : 'gone'}; toasts: ${JSON.stringify(toasts())}`)
  }
  return app
}

// --- the sandbox ------------------------------------------------------------------------------------------------

/** A call to the sandbox's own HTTP routes (not through the Mini Program's wx.request). */
function sandboxCall(method, path, data) {
  const url = sandboxBase() + path
  return new Promise((resolve, reject) => {
    httpRequest({
      url, method, data, header: {}, timeout: 10000,
      success: resolve,
      fail: (res) => reject(new Error(`${method} ${url} failed: ${res.errMsg}`)),
    })
  })
}

/** The newest mail to `address` in the sandbox's mail catcher, waiting (bounded) for it to arrive. */
async function latestMailTo(address) {
  const started = Date.now()
  for (;;) {
    const res = await sandboxCall('GET', '/__sandbox__/mail/latest', { to: address })
    if (res.statusCode === 200) return res.data
    if (res.statusCode !== 404) throw new Error(`mail catcher answered ${res.statusCode}: ${JSON.stringify(res.data)}`)
    if (Date.now() - started > MAIL_TIMEOUT_MS) {
      throw new Error(`no mail to ${address} reached the sandbox's mail catcher within ${MAIL_TIMEOUT_MS / 1000} s ` +
        '(is Django\'s e-mail backend pointed at the sandbox\'s SMTP port?)')
    }
    await sleep(200)
  }
}

/** The 6-digit linking code in the newest mail to `address` (what the researcher reads in their mail). */
async function mailedCode(address) {
  const mail = await latestMailTo(address)
  const found = /\b(\d{6})\b/.exec(mail.body)
  if (!found) throw new Error(`no 6-digit code in the mail: ${JSON.stringify(mail)}`)
  return found[1]
}

/** The editor's `decision` on an OJS submission in the sandbox (its move route). */
async function decideInOjs(contextPath, submissionId, decision) {
  const path = `/__sandbox__/ojs/sites/${encodeURIComponent(contextPath)}/submissions/${encodeURIComponent(submissionId)}/move`
  const moved = await sandboxCall('POST', path, { decision })
  if (moved.statusCode !== 200) throw new Error(`the sandbox did not move submission ${submissionId}: ${moved.statusCode} ${JSON.stringify(moved.data)}`)
}

// --- the rendered pages -----------------------------------------------------------------------------------------

/**
 * `open(route, query)` loads a page and remembers it; after each test the pages still open are detached (onUnload:
 * the link wizard's resend countdown is an interval timer). `close(page)` detaches one earlier (the researcher
 * leaves it). Call once per test file, at its top level.
 */
function pageOpener() {
  const openPages = []
  afterEach(() => {
    openPages.splice(0).forEach((page) => page.detach())
  })
  return {
    open(route, query) {
      const page = loadPage(route, query)
      openPages.push(page)
      return page
    },
    close(page) {
      page.detach()
      openPages.splice(openPages.indexOf(page), 1)
    },
  }
}

const tapButton = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const typeInto = (page, id, value) => page.querySelector(`#${id}`).querySelector('.t-input__control')
  .dispatchEvent('input', { detail: { value, cursor: value.length } })
const textsOf = (root, selector) => root.querySelectorAll(selector).map((node) => node.dom.textContent.trim())

/** The journal system with `key` among those the link wizard offers (GET /api/v1/journal-systems). */
function offeredSystem(link, key) {
  const systems = link.instance.loadedSystems || []
  const system = systems.find((candidate) => candidate.key === key)
  if (!system) {
    throw new Error(`journal system "${key}" is not offered by GET /api/v1/journal-systems; ` +
      `offered: ${JSON.stringify(systems.map((candidate) => candidate.key))}; toasts: ${JSON.stringify(toasts())}`)
  }
  return system
}

/** Tap "立即同步" on the account's card; returns the toasts it brought once the page is no longer busy. */
async function syncNow(accounts, accountId) {
  const toastsBefore = toasts().length
  tapButton(accounts, `sync-${accountId}`)
  await waitFor(() => toasts().length > toastsBefore && accounts.data.busyId === null, 'the answer to "sync now"', 15000)
  return toasts().slice(toastsBefore)
}

/**
 * Each manuscript row of the home page as rendered: group, title, journal, chip text and chip style. (Selectors go
 * from the page: in miniprogram-simulate only component nodes answer querySelector, and ids are not DOM attributes.)
 */
function homeRows(home) {
  const rows = status.GROUPS.flatMap(({ key }) => home.querySelectorAll(`#group-${key} .manuscript-row`).map((row) => {
    const id = Number(row.dom.getAttribute('data-id'))
    const chip = home.querySelector(`#manuscript-${id} .manuscript-row__chip`).dom
    return {
      id,
      group: key,
      groupTitle: textOf(home, `#group-${key} .manuscript-group__title`),
      title: textOf(home, `#manuscript-${id} .manuscript-row__title`),
      journal: textOf(home, `#manuscript-${id} .manuscript-row__journal`),
      chip: chip.textContent.trim(),
      chipStyle: (chip.firstElementChild && chip.firstElementChild.getAttribute('style')) || '',
    }
  }))
  const rendered = home.querySelectorAll('.manuscript-row').length
  if (rendered !== rows.length) throw new Error(`${rendered} manuscript rows rendered, ${rows.length} of them in a known group`)
  return rows
}

function describeHome(home) {
  const { listState, emptyKind, groups } = home.data
  return JSON.stringify({
    listState, emptyKind,
    data: groups.map((group) => ({ group: group.key, items: group.items.map(({ id, status }) => ({ id, status })) })),
    rendered: homeRows(home).map(({ group, title, chip }) => ({ group, title, chip })),
  })
}

/** Pull down on the home page (the researcher's refresh) until `predicate(rows)` holds; bounded. */
async function pullHomeUntil(home, predicate, what) {
  const started = Date.now()
  for (;;) {
    await home.instance.onPullDownRefresh()
    const rows = homeRows(home)
    if (predicate(rows)) return rows
    if (Date.now() - started > SYNC_TIMEOUT_MS) {
      throw new Error(`home page never showed ${what} within ${SYNC_TIMEOUT_MS / 1000} s of pulling down; it shows ` +
        `${describeHome(home)}; toasts: ${JSON.stringify(toasts())}`)
    }
    await sleep(PULL_INTERVAL_MS)
  }
}

/** The page the last `api` call (wx.navigateTo, …) opened: `{ route, query }` of its url, route without the '/'. */
function navigatedTo(api = 'navigateTo') {
  const calls = wx[api].mock.calls
  if (!calls.length) throw new Error(`wx.${api} was not called; toasts: ${JSON.stringify(toasts())}`)
  const [route, search = ''] = calls[calls.length - 1][0].url.replace(/^\//, '').split('?')
  return { route, query: Object.fromEntries(new URLSearchParams(search)) }
}

/**
 * Every value the page's data `key` took, in order, from now on (its setData calls, the first value included);
 * `onEach(value)` runs right after each such setData rendered, to read the page as it was then.
 */
function dataHistory(page, key, onEach = () => {}) {
  const seen = [page.data[key]]
  const { instance } = page
  const setData = instance.setData
  instance.setData = function recordingSetData(data, callback) {
    const result = setData.call(this, data, callback)
    if (data && Object.prototype.hasOwnProperty.call(data, key)) {
      seen.push(page.data[key])
      onEach(page.data[key])
    }
    return result
  }
  return seen
}

/**
 * Wait (bounded) until `predicate()` holds on a page; on timeout fail with `what`, the page's data named in
 * `show` (as it was then), the toasts and the requests made.
 */
async function waitOnPage(page, predicate, what, { timeoutMs = 15000, show = [] } = {}) {
  const started = Date.now()
  for (;;) {
    let value
    try { value = predicate() } catch (err) { value = false }
    if (value) return value
    if (Date.now() - started > timeoutMs) {
      const data = Object.fromEntries(show.map((name) => [name, page.data[name]]))
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}; page data: ${JSON.stringify(data)}; ` +
        `toasts: ${JSON.stringify(toasts())}; requests: ${JSON.stringify(requestsMade())}`)
    }
    await sleep(20)
  }
}

module.exports = {
  requireEnv,
  sleep,
  toasts,
  requestsMade,
  apiBase,
  sandboxBase,
  launchLoggedIn,
  relaunch,
  sandboxCall,
  mailedCode,
  decideInOjs,
  pageOpener,
  tapButton,
  typeInto,
  textsOf,
  offeredSystem,
  syncNow,
  pullHomeUntil,
  navigatedTo,
  dataHistory,
  waitOnPage,
}
