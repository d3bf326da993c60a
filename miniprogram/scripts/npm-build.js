// Offline replacement for WeChat DevTools "Tools > Build npm" (project.config.json: packNpmManually,
// package.json -> ./src/), copying only what the Mini Program uses: the main package must stay under 2 MB, and
// with "lazyCodeLoading": "requiredComponents" (app.json) WeChat injects only the components a page's JSON (and
// app.json's usingComponents) declares, but every file copied is still downloaded
// (https://developers.weixin.qq.com/miniprogram/dev/framework/ability/lazyload.html: 按需注入, base library 2.11.1+).
//
// For each dependency with a `miniprogram` folder (package.json "miniprogram" field, default miniprogram_dist), the
// components our usingComponents name ("tdesign-miniprogram/button/button", in any .json under src/) are followed
// through everything they reference — usingComponents of their .json, import/require in .js, <wxs src>/<import src>/
// <include src> in .wxml, @import in .wxss, bare imports (tslib …) into the package's own miniprogram_npm/ — and the
// top-level folders reached (button/, icon/, common/, miniprogram_npm/tslib/ …) are copied to
// src/miniprogram_npm/<name>/. usedComponents()/copiedComponents() let a test check that the two sets agree.
// A stamp (kept in node_modules/.cache, so nothing extra lands in the Mini Program package) records the versions and
// folders copied, so `build({ onlyIfStale: true })` (jest's globalSetup) is a no-op when nothing changed.
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')
const srcRoot = path.join(root, 'src')
const out = path.join(srcRoot, 'miniprogram_npm')
const stampFile = path.join(root, 'node_modules', '.cache', 'scholar-link-npm-build.json')
const NESTED_NPM = 'miniprogram_npm'

function readJson(file) {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')) } catch (err) { return null }
}

function filesUnder(dir, skip = []) {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return skip.includes(entry.name) ? [] : filesUnder(full, skip)
    return [full]
  })
}

/** Our own usingComponents targets inside npm package `name`: ['button/button', …] (paths inside its dist). */
function usedTargets(name) {
  const targets = new Set()
  filesUnder(srcRoot, ['miniprogram_npm', 'node_modules']).filter((file) => file.endsWith('.json')).forEach((file) => {
    const json = readJson(file)
    Object.values((json && json.usingComponents) || {}).forEach((target) => {
      if (typeof target === 'string' && target.startsWith(`${name}/`)) targets.add(target.slice(name.length + 1))
    })
  })
  return [...targets].sort()
}

/** The copy unit of a path inside the dist: its top-level folder, or miniprogram_npm/<package>. */
function unitOf(relPath) {
  const parts = relPath.split('/')
  return parts[0] === NESTED_NPM ? parts.slice(0, 2).join('/') : parts[0]
}

/** Every path a file refers to, relative to the dist root (bare imports -> miniprogram_npm/<name>). */
function referencesOf(distDir, file) {
  const rel = path.relative(distDir, file).split(path.sep).join('/')
  const dir = path.posix.dirname(rel)
  const text = fs.readFileSync(file, 'utf8')
  const specs = []
  if (file.endsWith('.json')) {
    const json = readJson(file)
    Object.values((json && json.usingComponents) || {}).forEach((target) => specs.push(target))
  } else if (file.endsWith('.js')) {
    for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*|\brequire\(\s*)["']([^"']+)["']/g)) specs.push(match[1])
  } else if (file.endsWith('.wxml')) {
    for (const match of text.matchAll(/<(?:wxs|import|include)\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/g)) specs.push(match[1])
  } else if (file.endsWith('.wxss')) {
    for (const match of text.matchAll(/@import\s+["']([^"']+)["']/g)) specs.push(match[1])
  }
  return specs.map((spec) => {
    if (spec.startsWith('.')) return path.posix.normalize(path.posix.join(dir, spec))
    if (spec.startsWith('/') || spec.startsWith('plugin://')) return ''
    return `${NESTED_NPM}/${spec.split('/')[0]}` // a bare module: the package's own nested miniprogram_npm
  }).filter((ref) => ref && !ref.startsWith('..'))
}

/** The top-level folders of `distDir` that the used components need, closed over their references. */
function unitsNeeded(distDir, targets) {
  const needed = new Set()
  const queue = targets.map(unitOf)
  while (queue.length) {
    const unit = queue.shift()
    if (needed.has(unit) || !fs.existsSync(path.join(distDir, unit))) continue
    needed.add(unit)
    filesUnder(path.join(distDir, unit)).forEach((file) => {
      referencesOf(distDir, file).forEach((ref) => { if (!needed.has(unitOf(ref))) queue.push(unitOf(ref)) })
    })
  }
  return [...needed].sort()
}

function plan() {
  const deps = Object.keys(require(path.join(root, 'package.json')).dependencies || {})
  return deps.map((name) => {
    const pkgDir = path.join(root, 'node_modules', name)
    const pkgJsonPath = path.join(pkgDir, 'package.json')
    if (!fs.existsSync(pkgJsonPath)) throw new Error(`${name} is not installed: run \`npm ci\` in ${root}`)
    const pkg = JSON.parse(fs.readFileSync(pkgJsonPath, 'utf8'))
    const distDir = path.join(pkgDir, pkg.miniprogram || 'miniprogram_dist')
    if (!fs.existsSync(distDir)) throw new Error(`${name} has no ${pkg.miniprogram || 'miniprogram_dist'}/ folder: not a Mini Program package`)
    return { name, version: pkg.version, distDir, units: unitsNeeded(distDir, usedTargets(name)) }
  })
}

function build({ onlyIfStale = false, quiet = false } = {}) {
  const packages = plan()
  const stamp = JSON.stringify(packages.map(({ name, version, units }) => ({ name, version, units })))
  const upToDate = fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp &&
    packages.every(({ name, units }) => units.every((unit) => fs.existsSync(path.join(out, name, unit))))
  if (onlyIfStale && upToDate) return false
  fs.rmSync(out, { recursive: true, force: true })
  for (const { name, version, distDir, units } of packages) {
    units.forEach((unit) => fs.cpSync(path.join(distDir, unit), path.join(out, name, unit), { recursive: true }))
    if (!quiet) console.log(`src/miniprogram_npm/${name} <- ${units.length} folders of ${path.relative(root, distDir)} (${version}): ${units.join(' ')}`)
  }
  fs.mkdirSync(path.dirname(stampFile), { recursive: true })
  fs.writeFileSync(stampFile, stamp)
  return true
}

/** Components (folders with a component .json) copied to src/miniprogram_npm/<name>: ['button/button', …]. */
function copiedComponents(name) {
  const dir = path.join(out, name)
  return filesUnder(dir).filter((file) => file.endsWith('.json') && (readJson(file) || {}).component === true)
    .map((file) => path.relative(dir, file).split(path.sep).join('/').replace(/\.json$/, ''))
    .filter((component) => !component.startsWith(`${NESTED_NPM}/`))
    .sort()
}

/** Components of package `name` our pages use, directly or through another used component: ['button/button', …]. */
function usedComponents(name) {
  const pkg = plan().find((candidate) => candidate.name === name)
  const used = new Set()
  const queue = usedTargets(name)
  while (queue.length) {
    const component = queue.shift()
    if (used.has(component)) continue
    used.add(component)
    const json = readJson(path.join(pkg.distDir, `${component}.json`)) || {}
    Object.values(json.usingComponents || {}).forEach((target) => {
      if (target.startsWith('.')) queue.push(path.posix.normalize(path.posix.join(path.posix.dirname(component), target)))
    })
  }
  return [...used].sort()
}

if (require.main === module) {
  try {
    build()
  } catch (err) {
    console.error(`build:npm failed: ${err.message}`)
    process.exit(1)
  }
}
module.exports = { build, copiedComponents, usedComponents }
