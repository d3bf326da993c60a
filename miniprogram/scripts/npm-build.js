// Offline replacement for WeChat DevTools "Tools > Build npm" (project.config.json: packNpmManually,
// package.json -> ./src/): copy each dependency's `miniprogram` folder (package.json "miniprogram" field,
// default miniprogram_dist) to src/miniprogram_npm/<name>. Plain-JS packages without such a folder would need
// DevTools' bundler, so they are refused here rather than silently skipped.
// A stamp (kept in node_modules/.cache, so nothing extra lands in the Mini Program package) records the
// versions copied, so `build({ onlyIfStale: true })` (jest's globalSetup) is a no-op when nothing changed.
const fs = require('fs')
const path = require('path')

const root = path.join(__dirname, '..')
const out = path.join(root, 'src', 'miniprogram_npm')
const stampFile = path.join(root, 'node_modules', '.cache', 'scholar-link-npm-build.json')

function plan() {
  const deps = Object.keys(require(path.join(root, 'package.json')).dependencies || {})
  return deps.map((name) => {
    const pkgDir = path.join(root, 'node_modules', name)
    const pkgJsonPath = path.join(pkgDir, 'package.json')
    if (!fs.existsSync(pkgJsonPath)) throw new Error(`${name} is not installed: run \`npm ci\` in ${root}`)
    const pkg = JSON.parse(fs.readFileSync(pkgJsonPath, 'utf8'))
    const distDir = pkg.miniprogram || 'miniprogram_dist'
    const src = path.join(pkgDir, distDir)
    if (!fs.existsSync(src)) throw new Error(`${name} has no ${distDir}/ folder: not a Mini Program package`)
    return { name, version: pkg.version, src }
  })
}

function build({ onlyIfStale = false, quiet = false } = {}) {
  const packages = plan()
  const stamp = JSON.stringify(packages.map(({ name, version }) => ({ name, version })))
  const upToDate = fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp &&
    packages.every(({ name }) => fs.existsSync(path.join(out, name)))
  if (onlyIfStale && upToDate) return false
  fs.rmSync(out, { recursive: true, force: true })
  for (const { name, version, src } of packages) {
    fs.cpSync(src, path.join(out, name), { recursive: true })
    if (!quiet) console.log(`src/miniprogram_npm/${name} <- ${path.relative(root, src)} (${version})`)
  }
  fs.mkdirSync(path.dirname(stampFile), { recursive: true })
  fs.writeFileSync(stampFile, stamp)
  return true
}

if (require.main === module) {
  try {
    build()
  } catch (err) {
    console.error(`build:npm failed: ${err.message}`)
    process.exit(1)
  }
}
module.exports = { build }
