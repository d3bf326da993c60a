// packages/payments/fapiao: the fapiao form with the checks the backend makes (the unified social credit code and
// its check character), the backend's own field errors, and a request's status, reason and download.
const { installWx, toastTitles } = require('../helpers/wx-mock')
const { createPaymentsBackend, makeOrder } = require('../helpers/fake-payments')
const { launchApp, loadPage, textOf, waitFor } = require('../helpers/page')

const FAPIAO_PATH = '/api/v1/orders/12/fapiao'
const VALID_USCC = '91350100M000100Y43'
const PAID = { status: 'paid', paid_at: '2025-12-02T06:30:00Z', settled_by: 'wechat_pay' }

async function openFapiao({ fapiao, orders = [makeOrder(PAID)], ...options } = {}) {
  const backend = createPaymentsBackend(Object.assign({ orders, fapiao }, options))
  installWx({ respond: backend.respond })
  backend.install(wx)
  launchApp()
  const page = loadPage('packages/payments/fapiao', { id: '12' })
  await page.instance.__loaded
  return { backend, page }
}

const type = (page, field, value) => page.querySelector(`#input-${field}`).querySelector('.t-input__control')
  .dispatchEvent('input', { detail: { value, cursor: value.length } })
const chooseCompany = (page) => page.querySelector('#kind-company').querySelector('.t-radio').dispatchEvent('tap')
const submit = (page) => page.querySelector('#submit-button').querySelector('.t-button').dispatchEvent('tap')
const fieldErrors = (page, field) => page.querySelectorAll(`.field-error--${field}`).map((node) => node.dom.textContent.trim())
const posts = () => wx.requests.filter((call) => call.path === FAPIAO_PATH && call.method === 'POST')
const cellNote = (page, id) => textOf(page.querySelector(`#${id}`), '.t-cell__note')

async function fillCompany(page, { title = '示范大学', taxId = VALID_USCC, email = 'finance@uni.example' } = {}) {
  chooseCompany(page)
  await waitFor(() => page.querySelector('#input-tax_id'), 'the tax id input')
  type(page, 'title', title)
  type(page, 'tax_id', taxId)
  type(page, 'email', email)
  await waitFor(() => page.data.form.email === email && page.data.form.tax_id === taxId, 'the form filled')
}

test('no request yet (404): the form, a person by default with their name, no tax id', async () => {
  const { page } = await openFapiao()
  expect(page.data.state).toBe('form')
  expect(page.data.form.title).toBe('Ada Lovelace')
  expect(page.querySelector('#input-tax_id')).toBeUndefined()
  expect(toastTitles()).toEqual([])
  expect(wx.setNavigationBarTitle).toHaveBeenLastCalledWith(expect.objectContaining({ title: '发票' }))
})

test('a company with a wrong check character is refused here, before anything is sent', async () => {
  const { page } = await openFapiao()
  await fillCompany(page, { taxId: '91350100M000100Y44' })
  submit(page)
  await waitFor(() => fieldErrors(page, 'tax_id').length === 1, 'the field error')
  expect(fieldErrors(page, 'tax_id')).toEqual(['统一社会信用代码不正确，请核对后重新填写（18 位，最后一位是校验码）。'])
  expect(posts()).toHaveLength(0)
})

test('a company without a code, a missing title and a bad e-mail are each said under their input', async () => {
  const { page } = await openFapiao()
  chooseCompany(page)
  await waitFor(() => page.querySelector('#input-tax_id'), 'the tax id input')
  type(page, 'title', '  ')
  type(page, 'email', 'not-an-address')
  await waitFor(() => page.data.form.email === 'not-an-address', 'the form filled')
  submit(page)
  await waitFor(() => fieldErrors(page, 'email').length === 1, 'the field errors')
  expect(fieldErrors(page, 'title')).toEqual(['请填写发票抬头。'])
  expect(fieldErrors(page, 'tax_id')).toEqual(['请填写 18 位统一社会信用代码。'])
  expect(fieldErrors(page, 'email')).toEqual(['请填写有效的邮箱地址。'])
  expect(posts()).toHaveLength(0)
})

test('a valid company code (typed in lower case, with spaces) is sent normalized; the request then shows', async () => {
  const { page } = await openFapiao()
  await fillCompany(page, { taxId: '9135 0100m000100y43' })
  submit(page)
  await waitFor(() => page.data.state === 'request', 'the request')
  expect(posts()[0].data).toEqual({ kind: 'company', title: '示范大学', tax_id: VALID_USCC, email: 'finance@uni.example' })
  expect(textOf(page.querySelector('#fapiao-status'), '.t-tag')).toBe('待开具')
  expect(cellNote(page, 'cell-tax-id')).toBe(VALID_USCC)
  expect(textOf(page, '#fapiao-requested-hint')).toBe('出版社开具发票后会通知你。')
  expect(toastTitles()).toEqual(['已提交发票申请'])
})

test('a person: no tax id is sent', async () => {
  const { page } = await openFapiao()
  type(page, 'email', 'ada@uni.example')
  await waitFor(() => page.data.form.email === 'ada@uni.example', 'the e-mail')
  submit(page)
  await waitFor(() => page.data.state === 'request', 'the request')
  expect(posts()[0].data).toEqual({ kind: 'personal', title: 'Ada Lovelace', email: 'ada@uni.example' })
})

test('the backend\'s field errors (400) show under their inputs, without a toast', async () => {
  const { page } = await openFapiao()
  await fillCompany(page, { email: 'finance@bounce.example' })
  submit(page)
  await waitFor(() => fieldErrors(page, 'email').length === 1, 'the server field error')
  expect(fieldErrors(page, 'email')).toEqual(['这个邮箱无法接收邮件。'])
  expect(page.data.state).toBe('form')
  expect(toastTitles()).toEqual([])
})

test('a rejected request shows why, and can be asked again with what was sent', async () => {
  const { page } = await openFapiao({
    fapiao: { 12: { id: 5, kind: 'company', title: '示范大学', tax_id: VALID_USCC, email: 'finance@uni.example', status: 'rejected', reject_reason: '抬头与税号不符', file_url: null, created_at: '2025-12-02T08:00:00Z' } },
  })
  expect(textOf(page.querySelector('#fapiao-status'), '.t-tag')).toBe('未开具')
  expect(textOf(page, '#fapiao-reject-reason')).toBe('未开具原因：抬头与税号不符')
  page.querySelector('#request-again-button').querySelector('.t-button').dispatchEvent('tap')
  await waitFor(() => page.data.state === 'form', 'the form')
  expect(page.data.form).toEqual({ kind: 'company', title: '示范大学', tax_id: VALID_USCC, email: 'finance@uni.example' })
})

test('an issued fapiao downloads with the token and opens', async () => {
  const { page } = await openFapiao({
    fapiao: { 12: { id: 5, kind: 'personal', title: 'Ada Lovelace', tax_id: '', email: 'ada@uni.example', status: 'issued', reject_reason: '', file_url: '/api/v1/fapiao/5/file', created_at: '2025-12-02T08:00:00Z' } },
  })
  expect(textOf(page.querySelector('#fapiao-status'), '.t-tag')).toBe('已开具')
  page.querySelector('#download-button').querySelector('.t-button').dispatchEvent('tap')
  await waitFor(() => wx.openDocument.mock.calls.length === 1, 'the document')
  const download = wx.downloadFile.mock.calls[0][0]
  expect(download.url).toBe('http://127.0.0.1:8000/api/v1/fapiao/5/file')
  expect(download.header.Authorization).toBe(`Bearer ${wx.getStorageSync('token')}`)
  expect(wx.openDocument.mock.calls[0][0]).toEqual(expect.objectContaining({ filePath: 'wxfile://tmp/fapiao-5.pdf', showMenu: true }))
})

test('a download the backend refuses says so', async () => {
  const { page, backend } = await openFapiao({
    fapiao: { 12: { id: 5, kind: 'personal', title: 'Ada', tax_id: '', email: 'ada@uni.example', status: 'issued', reject_reason: '', file_url: '/api/v1/fapiao/5/file', created_at: '2025-12-02T08:00:00Z' } },
  })
  backend.state.fapiao[12].file_url = null // the file is gone on the server (the page still has its link)
  page.querySelector('#download-button').querySelector('.t-button').dispatchEvent('tap')
  await waitFor(() => toastTitles().length === 1, 'the toast')
  expect(toastTitles()).toEqual(['下载失败，请稍后再试'])
  expect(wx.openDocument).not.toHaveBeenCalled()
})
