// Offline WXML/WXSS validation with the official compilers shipped in miniprogram-compiler
// (wcc/wcsc Linux binaries, pulled in by miniprogram-simulate). Usage: node scripts/check-wxml.js src
const path = require('path')
const fs = require('fs')
const { execFileSync } = require('child_process')
const compiler = require('miniprogram-compiler')

const root = path.resolve(process.argv[2] || 'src')
const binDir = path.dirname(require.resolve('miniprogram-compiler/bin/linux/wcsc'))
for (const bin of ['wcc', 'wcsc']) {
  try { fs.chmodSync(path.join(binDir, bin), 0o755) } catch (err) { /* read-only install: the compiler reports it */ }
}

function ownWxssFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return ['node_modules', 'miniprogram_npm'].includes(entry.name) ? [] : ownWxssFiles(full)
    return entry.name.endsWith('.wxss') ? [full] : []
  })
}

let ok = true
try {
  compiler.wxmlToJs(root, { maxBuffer: 64 * 1024 * 1024 })
  console.log('WXML ok')
} catch (err) {
  ok = false
  console.error('WXML ERROR:', err.message)
}
try {
  compiler.wxssToJs(root, { maxBuffer: 64 * 1024 * 1024 })
  console.log('WXSS ok')
} catch (err) {
  ok = false
  // The JS wrapper hides wcsc's message; compile our own files one by one to name the culprit.
  for (const file of ownWxssFiles(root)) {
    try {
      execFileSync(path.join(binDir, 'wcsc'), ['-db', '-pc', '1', path.relative(root, file)], { cwd: root, stdio: 'pipe' })
    } catch (fileErr) {
      console.error('WXSS ERROR:', String(fileErr.stderr || fileErr.stdout || fileErr.message).trim())
    }
  }
  console.error('WXSS ERROR:', err.message)
}
process.exit(ok ? 0 : 1)
