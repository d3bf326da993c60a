/** @jest-environment node */
// Logic-only checks of page methods (no rendering), for cases that need no WXML.
const path = require('path')
const { installWx } = require('../helpers/wx-mock')
const { createBackend } = require('../helpers/fake-backend')
const { loadPageLogic } = require('../helpers/page-logic')
const { resetApp, SRC } = require('../helpers/page')

function signedInApp(researcher) {
  const app = resetApp()
  app.globalData.researcher = researcher
  app.loginReady = Promise.resolve(researcher)
  return app
}

test('home: a display name of only spaces gets the fallback greeting', () => {
  installWx()
  signedInApp({ display_name: '   ' })
  const home = loadPageLogic(path.join(SRC, 'pages/home/home.js'))
  home.onLoad()
  home.render()
  expect(home.data.greeting).toBe('你好，研究者')
})

test('me: save trims the values and sends only what changed (empty and missing count as equal)', async () => {
  const backend = createBackend({ researcher: { display_name: 'Ada', institution: null, orcid: '' } })
  backend.state.tokens.add('token-abc')
  installWx({ respond: backend.respond, storage: { token: 'token-abc' } })
  signedInApp(Object.assign({}, backend.state.researcher))
  const me = loadPageLogic(path.join(SRC, 'pages/me/me.js'))
  me.render()
  me.onEdit()
  expect(me.data.form).toEqual({ display_name: 'Ada', institution: '' })

  me.onFieldChange({ currentTarget: { dataset: { field: 'display_name' } }, detail: { value: ' Ada Lovelace ' } })
  await me.onSave()
  expect(backend.state.patches).toEqual([{ display_name: 'Ada Lovelace' }])
  expect(me.data.editing).toBe(false)
})
