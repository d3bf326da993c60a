// Load a Page({...}) or the App({...}) with miniprogram-simulate, which only knows Component/Behavior.
// Adapted from the verified recipe (shared/reference/miniprogram-testing.md, section 2):
// a page becomes a Component (functions -> methods, attached -> onLoad+onShow, ready -> onReady,
// detached -> onUnload), and App/getApp/getCurrentPages are provided.
const fs = require('fs')
const path = require('path')
const simulate = require('miniprogram-simulate')

const SRC = path.join(__dirname, '../../src')

let app = { globalData: {} }

function installPageShim() {
  global.Page = (options) => {
    const methods = {}
    const extra = {}
    Object.keys(options).forEach((key) => {
      if (key === 'data' || key === 'options' || key === 'behaviors') return
      if (typeof options[key] === 'function') methods[key] = options[key]
      else extra[key] = options[key]
    })
    global.Component({
      data: options.data || {},
      behaviors: options.behaviors || [],
      methods,
      lifetimes: {
        created() { Object.assign(this, JSON.parse(JSON.stringify(extra))) },
        attached() {
          const query = global.__pageQuery || {}
          this.options = query
          // Keep the promises, so tests can await what onLoad/onShow started.
          this.__loaded = this.onLoad ? this.onLoad(query) : undefined
          this.__shown = this.onShow ? this.onShow() : undefined
        },
        ready() { if (this.onReady) this.onReady() },
        detached() { if (this.onUnload) this.onUnload() },
      },
    })
  }
  global.App = (options) => Object.assign(app, options)
  global.getApp = () => app
  global.getCurrentPages = () => global.__pageStack || []
}

/** Forget the registered App (fresh globalData, no loginReady). */
function resetApp() {
  app = { globalData: {} }
  return app
}

/**
 * Register src/app.js afresh (its own module registry, as on a cold start) and run onLaunch and onShow, like
 * the WeChat client does before the first page. Returns the app object getApp() now answers; `app.__shown`
 * is what onShow returned (await it for what it started).
 */
function launchApp(launchOptions = { path: 'pages/home/home', query: {}, scene: 1001 }) {
  resetApp()
  jest.isolateModules(() => require(path.join(SRC, 'app.js')))
  if (app.onLaunch) app.onLaunch(launchOptions)
  if (app.onShow) app.__shown = app.onShow(launchOptions)
  return app
}

/** Map every bare npm usingComponents entry (in any .json of the project, excluding miniprogram_npm) to
 *  '/miniprogram_npm/<path>', because miniprogram-simulate only understands relative/absolute paths. */
function npmUsingComponents(rootPath) {
  const map = {}
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).forEach((entry) => {
    const file = path.join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name !== 'miniprogram_npm' && entry.name !== 'node_modules') walk(file)
      return
    }
    if (!entry.name.endsWith('.json')) return
    let json
    try { json = JSON.parse(fs.readFileSync(file, 'utf8')) } catch (err) { return }
    Object.entries(json.usingComponents || {}).forEach(([tag, target]) => {
      if (!target.startsWith('.') && !target.startsWith('/') && !target.startsWith('plugin://')) map[tag] = '/miniprogram_npm/' + target
      else if (file === path.join(rootPath, 'app.json')) map[tag] = target // app.json global components
    })
  })
  walk(rootPath)
  return map
}

/**
 * loadPage('pages/home/home', { some: 'query' }) -> the rendered page (j-component), attached, so onLoad
 * and onShow have run. Await `page.instance.__shown` for what onShow started.
 * Each load gets its own module registry: miniprogram-simulate runs the page's .js through require(), and
 * jest would otherwise serve the cached module so Page() would not run for a second load in a file.
 */
function loadPage(pageRel, query = {}, opts = {}) {
  installPageShim()
  const rootPath = opts.rootPath || SRC
  let id
  jest.isolateModules(() => {
    id = simulate.load(path.join(rootPath, pageRel), { rootPath, usingComponents: npmUsingComponents(rootPath), ...opts.loadOptions })
  })
  global.__pageQuery = query
  const page = simulate.render(id)
  page.attach(document.createElement('parent-wrapper')) // -> onLoad(query), onShow(), onReady()
  global.__pageStack = [page.instance]
  return page
}

/** Text of the first node matching selector inside `root` (a page or a component), trimmed. */
function textOf(root, selector) {
  const node = root.querySelector(selector)
  if (!node) throw new Error(`no node matches ${selector}`)
  return node.dom.textContent.trim()
}

/** The page-state component at `selector` (components/page-state): which state it shows, its text, its retry. */
function pageState(root, selector) {
  const node = root.querySelector(selector)
  if (!node) throw new Error(`no page-state matches ${selector}`)
  const shown = ['skeleton', 'loading', 'error', 'empty'].find((kind) => node.querySelector(`.page-state--${kind}`))
  const text = node.querySelector('.page-state__text')
  return {
    node,
    shown: shown || '',
    text: text ? textOf(text, '.t-empty__description') : '',
    retry() { node.querySelector('.page-state__retry').querySelector('.t-button').dispatchEvent('tap') },
  }
}

/** Wait until predicate() is truthy (polling), or fail with `what`. */
async function waitFor(predicate, what = 'condition', timeoutMs = 5000) {
  const started = Date.now()
  for (;;) {
    let value
    try { value = predicate() } catch (err) { value = false }
    if (value) return value
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

installPageShim() // Page/App/getApp/getCurrentPages exist at require time (tdesign calls getApp() too)
module.exports = { SRC, installPageShim, launchApp, loadPage, npmUsingComponents, pageState, resetApp, textOf, waitFor }
