// The fapiao (发票) of a paid order (?id=N). GET /api/v1/orders/{id}/fapiao answers the request (404: none yet ->
// the form). The form: issued to a person or a company, the name on it, the company's unified social credit code
// (checked here as the backend does, utils/uscc.js: 18 characters and the GB 32100-2015 check character), the
// e-mail it is sent to; POST …/fapiao (400: the backend's field errors under their inputs; 409: one is pending or
// issued already). A request shows its status, why it was not issued (then it may be asked again), and once issued
// a download: GET /api/v1/fapiao/{id}/file with the token (wx.downloadFile, then wx.openDocument).
const api = require('../../utils/api')
const uscc = require('../../utils/uscc')
const { formatDateTime } = require('../../utils/format')
const payments = require('./payments')
const texts = require('./texts')

const KINDS = ['personal', 'company']
const FIELDS = ['kind', 'title', 'tax_id', 'email']
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const STATUS_THEMES = { requested: 'warning', issued: 'success', rejected: 'danger' }

function emptyForm() {
  return { kind: 'personal', title: '', tax_id: '', email: '' }
}

function requestView(request) {
  return {
    id: request.id,
    status: request.status,
    statusLabel: request.status_label || request.status,
    theme: STATUS_THEMES[request.status] || 'default',
    kindLabel: texts.t(request.kind === 'company' ? 'fapiaoKindCompany' : 'fapiaoKindPersonal'),
    title: request.title,
    taxId: request.tax_id || '',
    email: request.email,
    createdAt: formatDateTime(request.created_at),
    rejectReason: request.status === 'rejected' && request.reject_reason ? texts.t('fapiaoRejectReason', { reason: request.reject_reason }) : '',
    canDownload: request.status === 'issued' && Boolean(request.file_url),
  }
}

/** The form's own checks, as the backend makes them; field -> [message]. */
function validate(form) {
  const errors = {}
  if (!String(form.title).trim()) errors.title = [texts.t('fapiaoTitleRequired')]
  if (form.kind === 'company') {
    const taxId = uscc.normalize(form.tax_id)
    if (!taxId) errors.tax_id = [texts.t('fapiaoTaxIdRequired')]
    else if (!uscc.isValidUscc(taxId)) errors.tax_id = [texts.t('fapiaoTaxIdInvalid')]
  }
  if (!EMAIL.test(String(form.email).trim())) errors.email = [texts.t('fapiaoEmailInvalid')]
  return errors
}

Page({
  data: {
    t: {},
    state: 'loading', // loading | form | not_paid (the form, with why it cannot be sent yet) | request | not_found | error
    request: null,
    form: emptyForm(),
    fieldErrors: {},
    submitting: false,
    downloading: false,
  },

  orderId: '',
  loaded: null, // the backend's fapiao request

  onLoad(query) {
    this.orderId = payments.orderIdOf(query)
    this.render()
    return this.load()
  },

  onShow() {
    this.render()
  },

  render() {
    this.setData({ t: texts.strings(), request: this.loaded ? requestView(this.loaded) : null })
    texts.setTitle('titleFapiao')
  },

  path() {
    return `${payments.orderPath(this.orderId)}/fapiao`
  },

  async load() {
    if (!this.orderId) {
      this.setData({ state: 'not_found' })
      return
    }
    this.setData({ state: 'loading' })
    await getApp().loginReady
    try {
      this.loaded = await api.request(this.path(), { toast: false })
      this.setData({ state: 'request' })
      this.render()
    } catch (err) {
      if (err.statusCode === 404) {
        this.showForm()
        return
      }
      api.showError(err)
      this.setData({ state: 'error' })
    }
  },

  /** The empty form, the person's name as a start. */
  showForm(prefill = null) {
    const researcher = getApp().globalData.researcher
    const form = Object.assign(emptyForm(), { title: (researcher && researcher.display_name) || '' }, prefill || {})
    this.setData({ state: 'form', form, fieldErrors: {} })
  },

  onRetry() {
    return this.load()
  },

  onKindChange(event) {
    const kind = KINDS.includes(event.detail.value) ? event.detail.value : 'personal'
    this.setData({ 'form.kind': kind, 'fieldErrors.kind': null, 'fieldErrors.tax_id': null })
  },

  onFieldChange(event) {
    const field = event.currentTarget.dataset.field
    this.setData({ [`form.${field}`]: event.detail.value, [`fieldErrors.${field}`]: null })
  },

  async onSubmit() {
    if (this.data.submitting) return
    const form = this.data.form
    const errors = validate(form)
    if (Object.keys(errors).length) {
      this.setData({ fieldErrors: errors })
      return
    }
    const body = { kind: form.kind, title: String(form.title).trim(), email: String(form.email).trim() }
    if (form.kind === 'company') body.tax_id = uscc.normalize(form.tax_id)
    this.setData({ submitting: true, fieldErrors: {} })
    try {
      this.loaded = await api.request(this.path(), { method: 'POST', data: body, toast: false })
      this.setData({ state: 'request' })
      this.render()
      wx.showToast({ icon: 'none', title: texts.t('toastFapiaoRequested') })
    } catch (err) {
      const fields = {}
      FIELDS.forEach((field) => { if (Array.isArray(err.fields && err.fields[field])) fields[field] = err.fields[field] })
      this.setData({ fieldErrors: fields })
      if (err.code === 'order_not_paid') this.setData({ state: 'not_paid' })
      else if (!Object.keys(fields).length) api.showError(err)
      if (err.statusCode === 409 && err.code !== 'order_not_paid') await this.load()
    } finally {
      this.setData({ submitting: false })
    }
  },

  onRequestAgain() {
    const request = this.loaded || {}
    this.showForm({ kind: KINDS.includes(request.kind) ? request.kind : 'personal', title: request.title || '', tax_id: request.tax_id || '', email: request.email || '' })
  },

  async onDownload() {
    if (this.data.downloading || !this.loaded || !this.loaded.file_url) return
    this.setData({ downloading: true })
    let filePath = ''
    try {
      filePath = await payments.downloadWithToken(this.loaded.file_url)
    } catch (err) {
      wx.showToast({ icon: 'none', title: texts.t('toastDownloadFailed') })
    }
    if (filePath) {
      try {
        await payments.openDocument(filePath)
      } catch (err) {
        wx.showToast({ icon: 'none', title: texts.t('toastOpenFailed') })
      }
    }
    this.setData({ downloading: false })
  },
})
