// In-memory stand-in for the backend's auth + profile API (the contract in shared/DESIGN.md), used as
// the `respond` of helpers/wx-mock.js. Messages are localized by Accept-Language like the real one.
const MESSAGES = {
  'zh-hans': {
    not_authenticated: '身份认证信息未提供。',
    wechat_code_invalid: '微信登录凭证无效。',
    invalid: '请检查填写的内容。',
    not_found: '未找到。',
    orcid: '请输入有效的 ORCID iD，例如 0000-0002-1825-0097。',
    display_name: '姓名不能超过 100 个字符。',
    language: '不支持的语言。',
  },
  en: {
    not_authenticated: 'Authentication credentials were not provided.',
    wechat_code_invalid: 'The WeChat login code is invalid.',
    invalid: 'Please check what you entered.',
    not_found: 'Not found.',
    orcid: 'Enter a valid ORCID iD, for example 0000-0002-1825-0097.',
    display_name: 'Name can be at most 100 characters.',
    language: 'Unsupported language.',
  },
}

function createBackend({ researcher = {} } = {}) {
  const state = {
    researcher: Object.assign({
      id: 7,
      display_name: '',
      institution: '',
      language: 'zh-hans',
      orcid: '',
      created_at: '2025-11-20T08:30:00Z',
      last_seen_at: '2025-11-25T09:00:00Z',
    }, researcher),
    tokens: new Set(),
    issued: 0,
    logins: [], // codes received by /auth/login
    patches: [], // bodies received by PATCH /me
    logouts: 0,
  }

  const lang = (call) => (call.header['Accept-Language'] === 'en' ? 'en' : 'zh-hans')
  const error = (call, statusCode, code, fields) => ({
    statusCode,
    data: { code, message: MESSAGES[lang(call)][code], fields: fields || {} },
  })
  const bearer = (call) => {
    const value = call.header.Authorization || ''
    return value.startsWith('Bearer ') ? value.slice(7) : ''
  }

  function validate(call, body) {
    const fields = {}
    const messages = MESSAGES[lang(call)]
    if ('orcid' in body && body.orcid && !/^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$/.test(body.orcid)) fields.orcid = [messages.orcid]
    if ('display_name' in body && String(body.display_name).length > 100) fields.display_name = [messages.display_name]
    if ('language' in body && !['zh-hans', 'en'].includes(body.language)) fields.language = [messages.language]
    return fields
  }

  function respond(wireCall) {
    const call = Object.assign({}, wireCall, { method: wireCall.logicalMethod || wireCall.method })
    if (call.path === '/api/v1/auth/login' && call.method === 'POST') {
      const code = call.data && call.data.code
      state.logins.push(code)
      if (!code || code === 'bad-code') return error(call, 400, 'wechat_code_invalid')
      state.issued += 1
      const token = `token-${state.issued}`
      state.tokens.add(token)
      return { statusCode: 200, data: { token, researcher: Object.assign({}, state.researcher) } }
    }
    if (!state.tokens.has(bearer(call))) return error(call, 401, 'not_authenticated')
    if (call.path === '/api/v1/me' && call.method === 'GET') return { statusCode: 200, data: Object.assign({}, state.researcher) }
    if (call.path === '/api/v1/me' && call.method === 'PATCH') {
      const body = call.data || {}
      state.patches.push(body)
      const fields = validate(call, body)
      if (Object.keys(fields).length) return error(call, 400, 'invalid', fields)
      Object.assign(state.researcher, body)
      return { statusCode: 200, data: Object.assign({}, state.researcher) }
    }
    if (call.path === '/api/v1/auth/logout' && call.method === 'POST') {
      state.tokens.delete(bearer(call))
      state.logouts += 1
      return { statusCode: 204, data: '' }
    }
    return error(call, 404, 'not_found')
  }

  /** Every issued token stops working (as if expired or revoked). */
  function revokeAllTokens() {
    state.tokens.clear()
  }

  return { state, respond, revokeAllTokens, MESSAGES }
}

module.exports = { createBackend, MESSAGES }
