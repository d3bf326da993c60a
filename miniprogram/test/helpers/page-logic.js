// Approach B of the recipe: no rendering. Capture the Page({...}) options and build a fake instance whose
// setData understands path keys ('form.orcid', 'items[0].title'). Fast, for logic only (WXML is not checked).
function setByPath(target, keyPath, value) {
  const keys = keyPath.replace(/\[(\d+)\]/g, '.$1').split('.')
  let node = target
  keys.slice(0, -1).forEach((key) => {
    if (node[key] == null) node[key] = /^\d+$/.test(key) ? [] : {}
    node = node[key]
  })
  node[keys[keys.length - 1]] = value
}

/** loadPageLogic(absolutePathOfPageJs) -> instance with data, setData and the page's methods bound to it. */
function loadPageLogic(absJsPath) {
  let captured
  const previousPage = global.Page
  global.Page = (options) => { captured = options }
  try {
    jest.isolateModules(() => require(absJsPath))
  } finally {
    global.Page = previousPage
  }
  const instance = Object.assign({}, captured, { data: JSON.parse(JSON.stringify(captured.data || {})) })
  instance.setData = (patch, callback) => {
    Object.entries(patch).forEach(([key, value]) => setByPath(instance.data, key, value))
    if (callback) callback()
  }
  Object.keys(captured).forEach((key) => {
    if (typeof captured[key] === 'function') instance[key] = captured[key].bind(instance)
  })
  return instance
}

module.exports = { loadPageLogic }
