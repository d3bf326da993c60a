const { documentPage } = require('./document-page')

Page(documentPage('agreement'))
