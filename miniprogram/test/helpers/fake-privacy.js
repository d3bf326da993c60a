// In-memory stand-in for the backend's privacy API (issue 12), layered on helpers/fake-backend.js (auth, /me):
// GET /api/v1/me/export answers the researcher's data in the Contract's sections; DELETE /api/v1/me erases (every
// token dies; the next login is a new researcher) or, with `paymentInFlight`, answers 409 changing nothing;
// POST /api/v1/me/privacy-consent records the version, 400 for another one than the current.
const { createBackend } = require('./fake-backend')

const POLICY_VERSION = '2026-12-01'
const MESSAGES = {
  'zh-hans': { conflict: '有一笔支付正在进行中。请在支付完成后（约两小时内）再试。', version: '这不是当前的隐私政策。请阅读当前版本后重新同意。' },
  en: { conflict: 'A payment is in progress. Please try again once it is finished (within about two hours).', version: 'This is not the current privacy policy. Please read the current one and agree again.' },
}

function defaultExport() {
  return {
    profile: { id: 7, display_name: '张伟', institution: '土壤研究所', language: 'zh-hans', orcid: '' },
    wechat_identities: [{ appid: 'wx-app', openid: 'o-alice', has_unionid: true, created_at: '2025-11-20T08:30:00Z' }],
    journal_accounts: [{ id: 1, journal_system: 'demo', identity: 'zhang@example.org', status: 'verified' }],
    manuscripts: [{ id: 11, title: '干旱胁迫下土壤微生物组的变化', status: 'accepted', timeline: [] }, { id: 12, title: 'Soil', status: 'submitted', timeline: [] }],
    notifications: [{ id: 3, title: '稿件已录用' }],
    orders: [],
    shares: [],
    conversations: [],
    tags: { tags: [{ slug: 'soil' }], journals_followed: [{ journal: 'jas' }], campaign_items: [] },
  }
}

function createPrivacyBackend({ exported = defaultExport(), paymentInFlight = false, consentRequired = false, agreedVersion = '', ...baseOptions } = {}) {
  const base = createBackend(baseOptions)
  Object.assign(base.state.researcher, { privacy_consent_required: consentRequired, privacy_policy_version: POLICY_VERSION, privacy_consent_version: consentRequired ? agreedVersion : POLICY_VERSION })
  const state = { exported, paymentInFlight, erased: 0, consents: [] }
  const lang = (call) => (call.header['Accept-Language'] === 'en' ? 'en' : 'zh-hans')
  const bearer = (call) => String(call.header.Authorization || '').replace(/^Bearer /, '')
  const error = (call, statusCode, code, message, fields = {}) => ({ statusCode, data: { code, message, fields } })

  function respond(wireCall) {
    const call = Object.assign({}, wireCall, { method: wireCall.logicalMethod || wireCall.method })
    const ours = call.path === '/api/v1/me/export' || call.path === '/api/v1/me/privacy-consent'
      || (call.path === '/api/v1/me' && call.method === 'DELETE')
    if (!ours) return base.respond(wireCall)
    if (!base.state.tokens.has(bearer(call))) return error(call, 401, 'not_authenticated', base.MESSAGES[lang(call)].not_authenticated)
    if (call.path === '/api/v1/me/export') return { statusCode: 200, data: state.exported }
    if (call.path === '/api/v1/me/privacy-consent') {
      const version = call.data && call.data.version
      if (version !== POLICY_VERSION) return error(call, 400, 'invalid', MESSAGES[lang(call)].version, { version: [MESSAGES[lang(call)].version] })
      state.consents.push(version)
      Object.assign(base.state.researcher, { privacy_consent_required: false, privacy_consent_version: version })
      return { statusCode: 200, data: { version, agreed_version: version, privacy_consent_required: false } }
    }
    if (state.paymentInFlight) return error(call, 409, 'conflict', MESSAGES[lang(call)].conflict)
    state.erased += 1
    base.state.tokens.clear()
    return { statusCode: 204, data: '' }
  }

  return { base, state, respond, POLICY_VERSION }
}

module.exports = { createPrivacyBackend, defaultExport }
