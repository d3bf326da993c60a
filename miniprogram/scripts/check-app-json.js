// Offline check of app.json: every page (and subpackage page) has its .js/.wxml, every usingComponents
// target (relative, absolute or an npm path inside miniprogram_npm) has a .json, tabBar pages are declared
// pages and tabBar icons exist. Usage: node scripts/check-app-json.js src
const fs = require('fs')
const path = require('path')

const root = path.resolve(process.argv[2] || 'src')
const errors = []
const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'))
const app = readJson(path.join(root, 'app.json'))
const subpackages = app.subpackages || app.subPackages || []
const pages = [...(app.pages || []), ...subpackages.flatMap((s) => s.pages.map((p) => path.posix.join(s.root, p)))]

function checkUsingComponents(jsonFile, usingComponents = {}) {
  for (const [tag, target] of Object.entries(usingComponents)) {
    if (target.startsWith('plugin://')) continue
    const base = target.startsWith('/') ? path.join(root, target)
      : target.startsWith('.') ? path.join(path.dirname(jsonFile), target)
        : path.join(root, 'miniprogram_npm', target)
    if (!fs.existsSync(base + '.json') && !fs.existsSync(path.join(base, 'index.json'))) {
      errors.push(`${path.relative(root, jsonFile)}: <${tag}> -> ${target} not found (run npm run build:npm?)`)
    }
  }
}

function checkComponentTree(jsonFile, seen = new Set()) {
  if (seen.has(jsonFile) || !fs.existsSync(jsonFile)) return
  seen.add(jsonFile)
  const json = readJson(jsonFile)
  checkUsingComponents(jsonFile, json.usingComponents)
  for (const target of Object.values(json.usingComponents || {})) {
    if (target.startsWith('/')) checkComponentTree(path.join(root, target) + '.json', seen)
    else if (target.startsWith('.')) checkComponentTree(path.join(path.dirname(jsonFile), target) + '.json', seen)
  }
}

checkUsingComponents(path.join(root, 'app.json'), app.usingComponents)
for (const page of pages) {
  for (const ext of ['.js', '.wxml']) {
    if (!fs.existsSync(path.join(root, page + ext))) errors.push(`app.json page ${page}: missing ${page}${ext}`)
  }
  checkComponentTree(path.join(root, page + '.json'))
}
if (app.tabBar) {
  for (const item of app.tabBar.list || []) {
    if (!pages.includes(item.pagePath)) errors.push(`app.json tabBar: ${item.pagePath} is not in pages`)
    for (const key of ['iconPath', 'selectedIconPath']) {
      if (item[key] && !fs.existsSync(path.join(root, item[key]))) errors.push(`app.json tabBar: ${key} ${item[key]} not found`)
    }
  }
}
if (app.sitemapLocation && !fs.existsSync(path.join(root, app.sitemapLocation))) {
  errors.push(`app.json sitemapLocation ${app.sitemapLocation} not found`)
}
if (errors.length) {
  console.error(errors.join('\n'))
  process.exit(1)
}
console.log(`app.json ok: ${pages.length} pages`)
