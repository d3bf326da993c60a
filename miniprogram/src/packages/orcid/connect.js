// Prove an ORCID iD with ORCID's own sign-in (OAuth, /authenticate scope): POST /api/v1/me/orcid → 201
// { authorize_url, expires_at }, a one-time ticket on the backend's public origin that starts ORCID's sign-in; we
// open it in a web-view (https://developers.weixin.qq.com/miniprogram/dev/component/web-view.html: it fills the
// page, and its origin must be a "业务域名" of the Mini Program in the MP console). The backend's callback stores
// the proven iD on the researcher; when the researcher comes back, the page that opened this one re-reads
// GET /api/v1/me (`orcid`, `orcid_verified`). 503 { code: 'orcid_unavailable' }: the publisher has not configured
// ORCID. Only an authorize_url on the backend's own origin is opened: a web-view must never be pointed elsewhere
// by an answer.
const api = require('../../utils/api')
const config = require('../../utils/config')
const i18n = require('../../utils/i18n')

const ORCID_PATH = '/api/v1/me/orcid'

/** 'https://host:8443/a?b' -> 'https://host:8443' (lower case), or '' when it is not an http(s) URL. */
function originOf(url) {
  const match = /^(https?:\/\/[^/?#\s]+)(?:[/?#]|$)/i.exec(String(url || ''))
  return match ? match[1].toLowerCase() : ''
}

/** The backend's start URL, when it is on the backend's own origin; else ''. */
function safeAuthorizeUrl(url) {
  const origin = originOf(url)
  return origin && origin === originOf(config.apiBase()) ? String(url) : ''
}

Page({
  data: {
    t: {},
    state: 'loading', // loading | ready (the web-view) | error
    url: '',
    errorText: '',
  },

  onLoad() {
    this.setData({ t: i18n.strings() })
    wx.setNavigationBarTitle({ title: i18n.t('titleOrcid'), fail() { /* page is gone */ } })
    return this.start()
  },

  async start() {
    await getApp().loginReady
    this.setData({ state: 'loading', errorText: '' })
    try {
      const body = await api.request(ORCID_PATH, { method: 'POST', toast: false })
      const url = safeAuthorizeUrl(body && body.authorize_url)
      if (!url) {
        this.setData({ state: 'error', errorText: i18n.t('orcidBadUrl') })
        return
      }
      this.setData({ state: 'ready', url })
    } catch (err) {
      const errorText = err.code === 'orcid_unavailable' ? i18n.t('orcidUnavailable') : err.message
      this.setData({ state: 'error', errorText })
    }
  },

  onRetry() {
    return this.start()
  },

  onWebViewError() {
    this.setData({ state: 'error', url: '', errorText: i18n.t('errorNetwork') })
  },
})
