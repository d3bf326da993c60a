// The poster page (packages/share/poster): the backend's poster.png downloaded without a token, shown, and saved to
// the album; a refused album permission is explained and WeChat's settings opened, then the save tried again.
const { installWx, toastTitles } = require('../helpers/wx-mock')
const { createSharesBackend, installShareWx } = require('../helpers/fake-shares')
const { launchApp, loadPage, pageState, textOf, waitFor } = require('../helpers/page')

const SHARE_ID = 'Vx3kQ9mZp2LrT8wNb4YcHd'

async function openPoster({ download, album, settingsGrant, modalAnswer, storage } = {}) {
  const backend = createSharesBackend()
  installWx({ respond: backend.respond, modalAnswer, storage })
  installShareWx({ download, album, settingsGrant })
  launchApp()
  const page = loadPage('packages/share/poster', { id: SHARE_ID })
  await page.instance.__loaded
  return { backend, page }
}

const save = (page) => page.querySelector('#save-button').querySelector('.t-button').dispatchEvent('tap')

test('downloads the token-less poster in the app\'s language and shows it', async () => {
  const { page } = await openPoster()
  expect(wx.downloadFile).toHaveBeenCalledTimes(1)
  const options = wx.downloadFile.mock.calls[0][0]
  expect(options.url).toBe(`http://127.0.0.1:8000/api/v1/shares/${SHARE_ID}/poster.png?lang=zh-hans`)
  expect(options.header).toEqual({ 'Accept-Language': 'zh-hans' })
  expect(page.data.state).toBe('ready')
  expect(page.data.posterPath).toBe('http://tmp/poster.png')
  expect(page.querySelector('#poster-image')).toBeDefined()
  expect(textOf(page, '#poster-hint')).toContain('保存到相册')
})

test('"save to album" saves the downloaded file', async () => {
  const { page } = await openPoster()
  save(page)
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(wx.saved).toEqual(['http://tmp/poster.png'])
  expect(toastTitles()).toEqual(['已保存到相册'])
  expect(wx.openSetting).not.toHaveBeenCalled()
})

test('a refused album: the page explains, opens WeChat\'s settings, and saves once allowed there', async () => {
  const { page } = await openPoster({ album: 'denied' })
  save(page)
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(wx.showModal).toHaveBeenCalledWith(expect.objectContaining({ title: '需要相册权限', confirmText: '去设置' }))
  expect(wx.openSetting).toHaveBeenCalledTimes(1)
  expect(wx.saveImageToPhotosAlbum).toHaveBeenCalledTimes(2)
  expect(wx.saved).toEqual(['http://tmp/poster.png'])
  expect(toastTitles()).toEqual(['已保存到相册'])
  expect(page.data.saving).toBe(false)
})

test('still refused in the settings: no second save and no success', async () => {
  const { page } = await openPoster({ album: 'denied', settingsGrant: false })
  save(page)
  await waitFor(() => wx.openSetting.mock.calls.length === 1 && !page.data.saving, 'the settings')
  expect(wx.saveImageToPhotosAlbum).toHaveBeenCalledTimes(1)
  expect(wx.saved).toEqual([])
  expect(toastTitles()).toEqual([])
})

test('declining the explanation opens no settings', async () => {
  const { page } = await openPoster({ album: 'denied', modalAnswer: () => ({ confirm: false, cancel: true }) })
  save(page)
  await waitFor(() => wx.showModal.mock.calls.length === 1 && !page.data.saving, 'the modal')
  expect(wx.openSetting).not.toHaveBeenCalled()
  expect(wx.saved).toEqual([])
})

test('declining the privacy guide is not the album permission: it says so and opens no settings', async () => {
  const { page } = await openPoster({ album: 'privacy_refused' })
  save(page)
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(toastTitles()).toEqual(['同意隐私保护指引后才能保存'])
  expect(wx.showModal).not.toHaveBeenCalled()
  expect(wx.openSetting).not.toHaveBeenCalled()
})

test('503 (WeChat could not make the code): "try later", and retry downloads again', async () => {
  let status = 503
  const { page } = await openPoster({ download: () => (status === 503 ? { statusCode: 503 } : { statusCode: 200, tempFilePath: 'http://tmp/poster.png' }) })
  expect(page.data.state).toBe('unavailable')
  expect(pageState(page, '#poster-state').text).toBe('海报暂时无法生成，请稍后再试。')
  status = 200
  page.querySelector('#poster-retry-button').querySelector('.t-button').dispatchEvent('tap')
  await waitFor(() => page.data.state === 'ready', 'the poster')
  expect(wx.downloadFile).toHaveBeenCalledTimes(2)
})

test('a withdrawn share\'s poster (404) says the share was withdrawn', async () => {
  const { page } = await openPoster({ download: () => ({ statusCode: 404 }) })
  expect(pageState(page, '#poster-state').text).toBe('这条分享已被作者撤回，或链接已失效。')
})

test('in English the page is English', async () => {
  const { page } = await openPoster({ storage: { language: 'en' } })
  expect(wx.downloadFile.mock.calls[0][0].url).toContain('?lang=en')
  expect(textOf(page.querySelector('#save-button'), '.t-button__content')).toBe('Save to album')
})
