const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createBackend, MESSAGES } = require('../helpers/fake-backend')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const RESEARCHER = {
  display_name: 'Ada Lovelace',
  institution: 'University of London',
  orcid: '0000-0002-1825-0097',
  created_at: '2025-11-20T08:30:00Z',
}

async function openMe({ researcher = RESEARCHER, storage, respond } = {}) {
  const backend = createBackend({ researcher })
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, storage })
  launchApp()
  const page = loadPage('pages/me/me')
  await page.instance.__shown
  return { backend, page }
}

const tap = (page, id) => page.querySelector(`#${id}`).querySelector('.t-button').dispatchEvent('tap')
const buttonText = (page, id) => textOf(page.querySelector(`#${id}`), '.t-button__content')
const cellNote = (page, id) => textOf(page.querySelector(`#${id}`), '.t-cell__note')
const cellTitle = (page, id) => textOf(page.querySelector(`#${id}`), '.t-cell__title-text')
const type = (page, field, value) => page.querySelector(`#input-${field}`).querySelector('.t-input__control')
  .dispatchEvent('input', { detail: { value, cursor: value.length } })
const fieldErrors = (page, field) => page.querySelectorAll(`.field-error--${field}`).map((node) => node.dom.textContent.trim())
const patches = () => wx.requests.filter((call) => call.logicalMethod === 'PATCH')

async function startEditing(page) {
  tap(page, 'edit-button')
  await waitFor(() => page.querySelector('#profile-form'), 'the edit form')
}

test('shows the profile loaded from /api/v1/me', async () => {
  const { page } = await openMe()
  expect(textOf(page, '#profile-name')).toBe('Ada Lovelace')
  expect(cellTitle(page, 'cell-display-name')).toBe('姓名')
  expect(cellNote(page, 'cell-display-name')).toBe('Ada Lovelace')
  expect(cellNote(page, 'cell-institution')).toBe('University of London')
  expect(textOf(page.querySelector('#cell-orcid'), '.t-cell__description')).toBe('0000-0002-1825-0097')
  expect(cellNote(page, 'cell-orcid')).toBe('验证 ORCID') // typed earlier, not proven
  expect(cellNote(page, 'cell-joined')).toBe('2025-11-20')
  // Then the editorial office's unread replies (test/pages/editorial-entry.test.js; this backend has none: 404, quiet).
  expect(wx.requests.map((call) => call.path)).toEqual(['/api/v1/auth/login', '/api/v1/notifications/unread-count', '/api/v1/me', '/api/v1/conversations'])
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '我的' }))
})

test('shows "not set" for empty fields', async () => {
  const { page } = await openMe({ researcher: { display_name: '', institution: '', orcid: null } })
  expect(cellNote(page, 'cell-display-name')).toBe('未填写')
  expect(cellNote(page, 'cell-orcid')).toBe('验证 ORCID')
})

test('edit and save PATCHes the changed fields and shows the saved profile', async () => {
  const { page, backend } = await openMe()
  await startEditing(page)
  type(page, 'institution', '  Tsinghua University ')
  expect(page.querySelector('#input-orcid')).toBeUndefined() // an iD is proven with ORCID, never typed
  tap(page, 'save-button')
  await waitFor(() => !page.data.editing, 'the form to close')

  expect(patches()).toHaveLength(1)
  expect(patches()[0].path).toBe('/api/v1/me')
  expect(patches()[0].data).toEqual({ institution: 'Tsinghua University' })
  expect(patches()[0].header.Authorization).toBe('Bearer token-1')
  expect(backend.state.researcher.institution).toBe('Tsinghua University')
  expect(cellNote(page, 'cell-institution')).toBe('Tsinghua University')
  expect(toastTitles()).toEqual(['已保存'])
})

test("shows the backend's field errors under the input they belong to", async () => {
  const NAME_ERROR = '姓名包含不允许的字符。'
  const { page } = await openMe({
    respond: (real) => (call) => (call.logicalMethod === 'PATCH'
      ? { statusCode: 400, data: { code: 'invalid', message: MESSAGES['zh-hans'].invalid, fields: { display_name: [NAME_ERROR] } } }
      : real(call)),
  })
  await startEditing(page)
  const tooLong = 'Ada <script>'
  type(page, 'display_name', tooLong)
  tap(page, 'save-button')
  await waitFor(() => fieldErrors(page, 'display_name').length > 0, 'the name error')

  expect(patches()[0].data).toEqual({ display_name: tooLong })
  expect(fieldErrors(page, 'display_name')).toEqual([NAME_ERROR])
  expect(fieldErrors(page, 'institution')).toEqual([])
  expect(page.data.editing).toBe(true)
  expect(toastTitles()).toEqual([MESSAGES['zh-hans'].invalid])
  // The error sits right after the name input, inside the form.
  const error = page.querySelector('.field-error--display_name').dom
  expect(error.previousElementSibling.textContent).toContain('姓名')

  type(page, 'display_name', 'Ada')
  await waitFor(() => fieldErrors(page, 'display_name').length === 0, 'the error to clear while typing')
})

test('saving without changes sends nothing', async () => {
  const { page } = await openMe()
  await startEditing(page)
  tap(page, 'save-button')
  await waitFor(() => !page.data.editing, 'the form to close')
  expect(patches()).toHaveLength(0)
})

test('cancel leaves the profile unchanged', async () => {
  const { page } = await openMe()
  await startEditing(page)
  type(page, 'display_name', 'Someone Else')
  tap(page, 'cancel-button')
  await waitFor(() => !page.data.editing, 'the form to close')
  expect(cellNote(page, 'cell-display-name')).toBe('Ada Lovelace')
  expect(patches()).toHaveLength(0)
})

test('switching to English re-renders every text at once and saves the language', async () => {
  const { page, backend } = await openMe()
  expect(buttonText(page, 'logout-button')).toBe('退出登录')
  page.querySelector('#language-en').querySelector('.t-radio').dispatchEvent('tap')
  await waitFor(() => page.data.language === 'en', 'the switch')

  expect(cellTitle(page, 'cell-display-name')).toBe('Name')
  expect(cellTitle(page, 'cell-institution')).toBe('Institution')
  expect(textOf(page.querySelector('#profile-view'), '.t-cell-group__title')).toBe('Profile')
  expect(textOf(page.querySelector('#language'), '.t-cell-group__title')).toBe('Language')
  expect(buttonText(page, 'edit-button')).toBe('Edit profile')
  expect(buttonText(page, 'logout-button')).toBe('Log out')
  expect(wx.setTabBarItem).toHaveBeenCalledWith(expect.objectContaining({ index: 0, text: 'Home' }))
  expect(wx.setTabBarItem).toHaveBeenCalledWith(expect.objectContaining({ index: 2, text: 'Me' }))
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: 'Me' }))

  await waitFor(() => backend.state.researcher.language === 'en', 'the PATCH')
  expect(patches()[0].data).toEqual({ language: 'en' })
  expect(wx.getStorageSync('language')).toBe('en')


  page.querySelector('#language-zh-hans').querySelector('.t-radio').dispatchEvent('tap')
  await waitFor(() => page.data.language === 'zh-hans', 'switching back')
  expect(cellTitle(page, 'cell-display-name')).toBe('姓名')
  expect(buttonText(page, 'logout-button')).toBe('退出登录')
  await waitFor(() => backend.state.researcher.language === 'zh-hans', 'the second PATCH')
  expect(patches().map((call) => call.data)).toEqual([{ language: 'en' }, { language: 'zh-hans' }])
})

test('after switching language on the Me tab, the Home tab shows and asks in that language', async () => {
  const { page, backend } = await openMe()
  page.querySelector('#language-en').querySelector('.t-radio').dispatchEvent('tap')
  await waitFor(() => backend.state.researcher.language === 'en', 'the PATCH')

  const home = loadPage('pages/home/home')
  await home.instance.__shown
  expect(textOf(home, '#greeting')).toBe('Hello, Ada Lovelace')
  expect(wx.requests[wx.requests.length - 1].header['Accept-Language']).toBe('en')
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: 'Scholar Link' }))
})

test('the language switch is undone when it cannot be saved', async () => {
  const { page } = await openMe({
    respond: (real) => (call) => (call.logicalMethod === 'PATCH' ? NETWORK_FAILURE : real(call)),
  })
  page.querySelector('#language-en').querySelector('.t-radio').dispatchEvent('tap')
  await waitFor(() => toastTitles().length === 1, 'the error toast')
  await waitFor(() => page.data.language === 'zh-hans', 'the switch to be undone')
  expect(toastTitles()).toEqual(['Network error. Check your connection and try again.'])
  expect(buttonText(page, 'logout-button')).toBe('退出登录')
  expect(wx.getStorageSync('language')).toBe('zh-hans')
})

test('logout revokes the token, shows the signed-out view and does not log back in by itself', async () => {
  const { page, backend } = await openMe()
  tap(page, 'logout-button')
  await waitFor(() => page.data.signedOut, 'the signed-out view')

  const logout = wx.requests.find((call) => call.path === '/api/v1/auth/logout')
  expect(logout.method).toBe('POST')
  expect(logout.header.Authorization).toBe('Bearer token-1')
  expect(backend.state.tokens.size).toBe(0)
  expect(wx.getStorageSync('token')).toBe('')
  expect(pageState(page, '#signed-out').text).toBe('你已退出登录')
  expect(buttonText(page, 'login-button')).toBe('微信登录')
  expect(page.querySelector('#logout-button')).toBeUndefined()
  expect(toastTitles()).toEqual(['已退出登录'])

  const loginsBefore = backend.state.logins.length
  await page.instance.onShow()
  const home = loadPage('pages/home/home')
  await home.instance.__shown
  expect(backend.state.logins).toHaveLength(loginsBefore)
  expect(textOf(home, '#greeting')).toBe('你好，研究者')
})

test('logging in again after logout shows the profile', async () => {
  const { page } = await openMe({ storage: { signed_out: true } })
  expect(page.data.signedOut).toBe(true)
  tap(page, 'login-button')
  await waitFor(() => page.querySelector('#cell-display-name'), 'the profile')
  expect(cellNote(page, 'cell-display-name')).toBe('Ada Lovelace')
  expect(wx.getStorageSync('signed_out')).toBe('')
})

test('"linked journal accounts" opens the accounts list', async () => {
  const { page } = await openMe()
  expect(cellTitle(page, 'cell-linked-accounts')).toBe('已关联的期刊账号')
  page.querySelector('#cell-linked-accounts').querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/pages/accounts/list')
})

test('the accounts cell is in English too, and hidden when signed out', async () => {
  const { page } = await openMe({ researcher: Object.assign({}, RESEARCHER, { language: 'en' }) })
  expect(cellTitle(page, 'cell-linked-accounts')).toBe('Linked journal accounts')
  const signedOut = await openMe({ storage: { signed_out: true } })
  expect(signedOut.page.querySelector('#cell-linked-accounts')).toBeUndefined()
})
