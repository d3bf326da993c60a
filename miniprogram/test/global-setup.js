// Make `npx jest ...` self-sufficient: (re)build src/miniprogram_npm when missing or out of date, so pages
// render their tdesign components instead of silently unknown tags.
const { build } = require('../scripts/npm-build')

module.exports = async () => {
  build({ onlyIfStale: true, quiet: true })
}
