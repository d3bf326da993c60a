const { documentPage } = require('./document-page')

Page(documentPage('privacy'))
