// packages/interests/interests: research interests (grouped chips) and journals to follow, saved with one PUT.
const { NETWORK_FAILURE, installWx, toastTitles } = require('../helpers/wx-mock')
const { createInterestsBackend } = require('../helpers/fake-interests')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const PATH = '/api/v1/me/interests'

async function openInterests({ respond, storage, ...options } = {}) {
  const backend = createInterestsBackend(options)
  installWx({ respond: respond ? respond(backend.respond) : backend.respond, storage })
  launchApp()
  const page = loadPage('packages/interests/interests')
  await page.instance.__loaded
  return { backend, page }
}

// t-check-tag and t-switch are virtual hosts: read and tap their inner nodes.
const tagTexts = (page, group) => page.querySelectorAll(`#group-${group} .interest-tag`).map((node) => textOf(node, '.t-tag__text'))
const tagChecked = (page, slug) => page.querySelector(`#tag-${slug}`).instance.data.checked
const tapTag = (page, slug) => page.querySelector(`#tag-${slug}`).querySelector('.t-tag').dispatchEvent('tap')
const switchOn = (page, id) => page.querySelector(`#follow-${id}`).instance.data.checked
const tapSwitch = (page, id) => page.querySelector(`#follow-${id}`).querySelector('.t-switch').dispatchEvent('tap')
const saveButton = (page) => page.querySelector('#save-button')
const tapSave = (page) => saveButton(page).querySelector('.t-button').dispatchEvent('tap')
const puts = () => wx.requests.filter((call) => call.path === PATH && call.method === 'PUT')
const errorsOf = (page, field) => page.querySelectorAll(`.field-error--${field}`).map((node) => node.dom.textContent.trim())

test('shows the offered tags by group, each ticked as chosen, and the journals with their follow switch', async () => {
  const { page } = await openInterests()

  expect(textOf(page, '#group-subject .interest-group__label')).toBe('学科')
  expect(tagTexts(page, 'subject')).toEqual(['生态学', '肿瘤学', '基因组学'])
  expect(tagTexts(page, 'role')).toEqual(['审稿人'])
  expect([tagChecked(page, 'ecology'), tagChecked(page, 'oncology'), tagChecked(page, 'genomics')]).toEqual([false, true, true])
  expect(textOf(page.querySelector('#journal-12'), '.t-cell__title-text')).toBe('海洋生态年鉴')
  expect(textOf(page.querySelector('#journal-12'), '.t-cell__description')).toBe('演示 OJS')
  expect([switchOn(page, 12), switchOn(page, 13)]).toEqual([true, false])
  expect(saveButton(page).instance.data.disabled).toBe(true) // nothing changed yet
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '我的研究兴趣' }))
})

test('a tag the publisher gave is locked, with a hint saying why', async () => {
  const { page } = await openInterests()

  expect(page.querySelector('#tag-genomics').instance.data.disabled).toBe(true)
  expect(page.querySelector('#tag-oncology').instance.data.disabled).toBe(false)
  expect(textOf(page, '#locked-hint')).toBe('带锁的标签由出版社添加，不能在这里取消。')
  tapTag(page, 'genomics')
  await new Promise((resolve) => setTimeout(resolve, 20))
  expect(tagChecked(page, 'genomics')).toBe(true)
})

test('ticking tags and following a journal, then saving, PUTs the whole choice and shows the answer', async () => {
  const { backend, page } = await openInterests()
  tapTag(page, 'ecology')
  tapTag(page, 'oncology') // untick the researcher's own
  tapSwitch(page, 13)
  await waitFor(() => page.data.dirty, 'the form to change')
  expect(textOf(page, '#unsaved')).toBe('有未保存的修改')

  tapSave(page)
  await waitFor(() => puts().length === 1 && !page.data.saving, 'the save')

  expect(puts()[0].data).toEqual({ tags: ['ecology', 'genomics'], journals: [12, 13] })
  expect(puts()[0].header.Authorization).toBe('Bearer token-1')
  expect(backend.state.tags.map((tag) => [tag.slug, tag.source])).toEqual([['ecology', 'self'], ['oncology', null], ['genomics', 'staff'], ['reviewer', null]])
  expect([tagChecked(page, 'ecology'), tagChecked(page, 'oncology')]).toEqual([true, false])
  expect([switchOn(page, 12), switchOn(page, 13)]).toEqual([true, true])
  expect(page.data.dirty).toBe(false)
  expect(toastTitles()).toEqual(['已保存'])
})

test('a tag withdrawn while the page was open: the 400 is shown under the tags and the page shows what is offered now', async () => {
  const { backend, page } = await openInterests()
  tapTag(page, 'reviewer')
  await waitFor(() => page.data.dirty, 'the form to change')
  backend.state.tags = backend.state.tags.filter((tag) => tag.slug !== 'reviewer')

  tapSave(page)
  await waitFor(() => errorsOf(page, 'tags').length === 1, 'the tag error')

  expect(errorsOf(page, 'tags')).toEqual(['不是可以选择的研究兴趣：reviewer。'])
  expect(errorsOf(page, 'journals')).toEqual([])
  expect(toastTitles()).toEqual(['部分字段无效。'])
  await waitFor(() => !page.querySelector('#group-role'), 'the withdrawn tag to go')
  tapTag(page, 'ecology')
  await waitFor(() => errorsOf(page, 'tags').length === 0, 'the error to clear on change')
})

test('in English, names and labels come in English', async () => {
  const { page } = await openInterests({ researcher: { language: 'en' } })

  expect(textOf(page, '#group-subject .interest-group__label')).toBe('Subject')
  expect(tagTexts(page, 'subject')).toEqual(['Ecology', 'Oncology', 'Genomics'])
  expect(textOf(page, '#interests-intro')).toMatch(/^Choose your research areas/)
  expect(textOf(saveButton(page), '.t-button__content')).toBe('Save')
  expect(wx.requests.find((call) => call.path === PATH).header['Accept-Language']).toBe('en')
})

test('nothing offered yet: an empty state that says so', async () => {
  const { page } = await openInterests({ tags: [], journals: [] })

  const state = pageState(page, '#interests-state')
  expect(state.shown).toBe('empty')
  expect(state.text).toBe('出版社还没有设置可选的研究兴趣和期刊，稍后再来看看吧。')
})

test('only journals offered: the tags section says there are none yet', async () => {
  const { page } = await openInterests({ tags: [] })

  expect(textOf(page, '#no-tags')).toBe('出版社还没有提供可选的研究兴趣。')
  expect(page.querySelector('#journal-12')).toBeTruthy()
})

test('a failed load shows the error state; retry loads the page', async () => {
  let offline = true
  const { page } = await openInterests({ respond: (real) => (call) => (offline && call.path === PATH ? NETWORK_FAILURE : real(call)) })

  expect(pageState(page, '#interests-state').shown).toBe('error')
  expect(toastTitles()).toEqual(['网络连接失败，请检查网络后重试'])
  offline = false
  pageState(page, '#interests-state').retry()
  await waitFor(() => page.querySelector('#group-subject'), 'the page')
})

test('the profile page opens it', async () => {
  const backend = createInterestsBackend()
  installWx({ respond: backend.respond })
  launchApp()
  const me = loadPage('pages/me/me')
  await me.instance.__shown

  expect(textOf(me.querySelector('#cell-interests'), '.t-cell__title-text')).toBe('我的研究兴趣')
  me.querySelector('#cell-interests').querySelector('.t-cell').dispatchEvent('tap')
  await waitFor(() => wx.navigateTo.mock.calls.length === 1, 'navigation')
  expect(wx.navigateTo.mock.calls[0][0].url).toBe('/packages/interests/interests')
})

test('signed out: says so and asks nothing', async () => {
  const { page } = await openInterests({ storage: { signed_out: true } })

  const state = pageState(page, '#interests-state')
  expect(state.shown).toBe('empty')
  expect(state.text).toBe('请先登录')
  expect(wx.requests.filter((call) => call.path === PATH)).toEqual([])
})
