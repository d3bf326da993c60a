// One legal document (texts.js) as a page, in the current language. Deliberately without the privacy popup: the
// popup links here, and the researcher must be able to read the policy before answering it.
const i18n = require('../../utils/i18n')
const { DOCUMENTS } = require('./texts')

function documentPage(kind) {
  return {
    data: { doc: null },
    onShow() {
      const doc = DOCUMENTS[kind][i18n.getLanguage()] || DOCUMENTS[kind][i18n.DEFAULT_LANGUAGE]
      this.setData({ doc })
      wx.setNavigationBarTitle({ title: doc.title, fail() { /* page is gone */ } })
    },
  }
}

module.exports = { documentPage }
