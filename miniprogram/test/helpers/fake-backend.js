// In-memory stand-in for the backend's API (the contract in shared/DESIGN.md and the journal-account /
// manuscript shapes of the brief), used as the `respond` of helpers/wx-mock.js: auth + profile, journal
// systems, linking and verifying journal accounts, manuscripts with their timeline, the inbox (notifications of
// the signed-in researcher only: someone else's are invisible and 404), WeChat alert consent (subscription
// templates per event kind, credits counted from wx.requestSubscribeMessage results like the backend: one per
// "accept", "ban" remembered) and notification preferences. Messages and labels are localized by
// Accept-Language like the real one. Time limits (resend, refresh) use Date.now(), so tests can move the clock
// with jest's fake timers. Publisher news: campaign cards (dismissed ones are no longer listed) and the campaigns
// reported opened (`state.campaignsOpened`, one id per POST). Lists paginate like DRF: ?page=N, ?page_size=N (at most 100), absolute next/previous
// keeping the other query parameters.
const MESSAGES = {
  'zh-hans': {
    not_authenticated: '身份认证信息未提供。',
    wechat_code_invalid: '微信登录凭证无效。',
    invalid: '请检查填写的内容。',
    not_found: '未找到。',
    orcid: '请输入有效的 ORCID iD，例如 0000-0002-1825-0097。',
    display_name: '姓名不能超过 100 个字符。',
    language: '不支持的语言。',
    conflict: '该账号已由另一位研究者验证。',
    throttled: '请求过于频繁，请稍后再试。',
    identity_required: '请填写此项。',
    journal_system_invalid: '请选择有效的期刊系统。',
    code_wrong: '验证码错误或已过期，还可尝试 {left} 次。',
    code_attempts_used: '验证码尝试次数已用完。',
    resend_throttled: '请在 {seconds} 秒后再重新发送验证码。',
    refresh_throttled: '刚刚同步过，请在 {seconds} 秒后再试。',
    subscription_result: '应为 accept、reject、ban 或 filter 之一。',
    choice: '“{value}” 不是有效的选项。',
    time: '时间格式错误。',
    quiet_both: '请同时设置免打扰的开始和结束时间，或都不设置。',
    quiet_same: '免打扰的开始和结束时间不能相同。',
    orcid_unavailable: '出版社尚未配置 ORCID。',
    orcid_not_proven: '请先通过 ORCID 登录证明这个 ORCID iD 属于你。',
  },
  en: {
    not_authenticated: 'Authentication credentials were not provided.',
    wechat_code_invalid: 'The WeChat login code is invalid.',
    invalid: 'Please check what you entered.',
    not_found: 'Not found.',
    orcid: 'Enter a valid ORCID iD, for example 0000-0002-1825-0097.',
    display_name: 'Name can be at most 100 characters.',
    language: 'Unsupported language.',
    conflict: 'Another researcher has already verified this account.',
    throttled: 'Too many attempts. Please try again later.',
    identity_required: 'This field is required.',
    journal_system_invalid: 'Choose a valid journal system.',
    code_wrong: 'Wrong or expired code. {left} attempts left.',
    code_attempts_used: 'No attempts left for this code.',
    resend_throttled: 'You can ask for a new code in {seconds} seconds.',
    refresh_throttled: 'Synced a moment ago. Try again in {seconds} seconds.',
    subscription_result: 'Expected one of: accept, reject, ban, filter.',
    choice: '"{value}" is not a valid choice.',
    time: 'Time has wrong format.',
    quiet_both: 'Give both ends of the quiet hours, or neither.',
    quiet_same: 'Quiet hours must not start and end at the same time.',
    orcid_unavailable: 'ORCID is not configured by the publisher.',
    orcid_not_proven: 'Prove this ORCID iD first by signing in to ORCID.',
  },
}

const STATUS_LABELS = {
  'zh-hans': {
    submitted: '已投稿',
    with_editor: '编辑处理中',
    under_review: '同行评审中',
    revision_requested: '需要修改',
    revision_submitted: '修改稿已提交',
    accepted: '已录用',
    in_production: '出版制作中',
    published: '已发表',
    rejected: '已拒稿',
    withdrawn: '已撤稿',
  },
  en: {
    submitted: 'Submitted',
    with_editor: 'With the editor',
    under_review: 'Under peer review',
    revision_requested: 'Revision requested',
    revision_submitted: 'Revision submitted',
    accepted: 'Accepted',
    in_production: 'In production',
    published: 'Published',
    rejected: 'Rejected',
    withdrawn: 'Withdrawn',
  },
}

// What the journal waits for (the backend's ActionKind labels: `action_needed`, in the request's language).
const ACTION_LABELS = {
  'zh-hans': { revision: '提交修改稿', files: '上传期刊要求的文件', proofs: '核对并确认校样' },
  en: { revision: 'Submit your revision', files: 'Upload the files the journal asked for', proofs: 'Check and approve your proofs' },
}

/** A stored manuscript's action: its own `action` when given, else what its status implies (as the backend's sync). */
function actionOf(manuscript) {
  if (typeof manuscript.action === 'string') return manuscript.action
  return manuscript.status === 'revision_requested' ? 'revision' : ''
}

/** The backend's order: action required first, soonest due date first (undated after dated), then newest activity. */
// The backend's default order (the Contract's): newest platform activity first.
function activityOrder(a, b) {
  return String(b.last_activity_at).localeCompare(String(a.last_activity_at)) || b.id - a.id
}

// `?order=action_first`: what waits on the researcher first, soonest due date first, then activity.
function listOrder(a, b) {
  const waiting = (manuscript) => (actionOf(manuscript) && !manuscript.public_record_only ? 0 : 1)
  const due = (manuscript) => (waiting(manuscript) === 0 && manuscript.due_date ? manuscript.due_date : '9999-99-99')
  return waiting(a) - waiting(b) || due(a).localeCompare(due(b))
    || String(b.last_activity_at).localeCompare(String(a.last_activity_at)) || b.id - a.id
}

const STATUS_EXPLANATIONS = {
  'zh-hans': { revision_requested: '编辑请你修改稿件后重新提交。', under_review: '审稿人正在审阅稿件，编辑会在收到审稿意见后作出决定。' },
  en: { revision_requested: 'The editor asks you to revise the manuscript and submit it again.', under_review: 'Reviewers are reading the manuscript; the editor will decide after their reports.' },
}

// WeChat subscription templates per event kind (the backend lists the kinds with an enabled template, by kind).
const TEMPLATE_IDS = {
  status_changed: 'tmpl-status-changed',
  payment_due: 'tmpl-payment-due',
  payment_received: 'tmpl-payment-received',
  refund_done: 'tmpl-refund-done',
  account_linked: 'tmpl-account-linked',
  due_reminder: 'tmpl-due-reminder',
  editorial_reply: 'tmpl-editorial-reply',
}
const SUBSCRIPTION_RESULTS = ['accept', 'reject', 'ban', 'filter']
// The kinds with a template unless a test says otherwise (`templates`); due_reminder and editorial_reply are
// offered where a test asks.
const EVENT_KINDS = Object.keys(TEMPLATE_IDS).filter((kind) => !['due_reminder', 'editorial_reply'].includes(kind))
const CANONICAL_STATUSES = Object.keys(STATUS_LABELS.en)

const VALID_CODE = '123456'
const CODE_ATTEMPTS = 5
const RESEND_INTERVAL_MS = 60 * 1000
const REFRESH_INTERVAL_MS = 60 * 1000

function defaultJournalSystems() {
  return [
    {
      id: 1,
      key: 'demo-ojs',
      name: { 'zh-hans': '示范大学期刊平台', en: 'Demo University Journals' },
      platform: 'ojs',
      platform_label: 'Open Journal Systems',
      journals: [
        { id: 11, key: 'jcs', name: 'Journal of Clinical Studies', issn: '1234-5678' },
        { id: 12, key: 'ame', name: 'Annals of Marine Ecology', issn: '2345-6789' },
      ],
    },
    {
      id: 2,
      key: 'demo-s1',
      name: { 'zh-hans': '示范出版社 ScholarOne', en: 'Demo Press ScholarOne' },
      platform: 'scholarone',
      platform_label: 'ScholarOne Manuscripts',
      journals: [{ id: 21, key: 'phys', name: 'Physics Letters Demo', issn: '3456-7890' }],
    },
  ]
}

/** An account as the backend stores it; `name` of its system is resolved per request. */
function makeAccount(overrides = {}) {
  return Object.assign({
    id: 101,
    journal_system_id: 1,
    identity: 'ada@uni.example',
    status: 'verified',
    email_hint: 'a***@uni.example',
    verification_method: 'email_code',
    verified_at: '2025-11-20T08:40:00Z',
    last_synced_at: '2025-11-25T08:00:00Z',
    sync_error: '',
    manuscript_count: 0,
    created_at: '2025-11-20T08:30:00Z',
  }, overrides)
}

/** A manuscript as the backend stores it; labels are filled in per request from its status. */
function makeManuscript(overrides = {}) {
  return Object.assign({
    id: 1,
    title: 'A manuscript',
    journal: { id: 11, key: 'jcs', name: 'Journal of Clinical Studies' },
    journal_system: { id: 1, name: 'Demo University Journals', platform: 'ojs' },
    account_id: 101,
    status: 'under_review',
    platform_status: 'Awaiting Reviewer Scores',
    submitted_at: '2025-09-01T02:00:00Z',
    last_activity_at: '2025-11-20T02:00:00Z',
    action: null, // null: what the status implies (actionOf)
    due_date: null,
    doi: '',
    url: '',
    missing_on_platform: false,
    public_record_only: false,
    timeline: [],
  }, overrides)
}

const RESEARCHER_ID = 7 // the researcher every login of the fake backend signs in
const MAX_PAGE_SIZE = 100

/**
 * A notice as the backend stores it: `researcher_id` is whose it is (another id: someone else's, never listed);
 * `title` and `body` are already in the researcher's language, as the backend writes them.
 */
function makeNotification(overrides = {}) {
  return Object.assign({
    id: 1,
    researcher_id: RESEARCHER_ID,
    kind: 'status_changed',
    title: '稿件状态更新',
    body: '你的稿件进入了新的阶段。',
    page: '',
    payload: {},
    created_at: '2025-11-20T08:30:00Z',
    read_at: null,
  }, overrides)
}

/** A campaign card as the backend lists it: `id` is the delivery (dismissed by it), `campaign` the campaign. */
function makeCampaignCard(overrides = {}) {
  return Object.assign({
    id: 501,
    campaign: 42,
    title: '《应用科学学报》新刊上线',
    body: '第 12 期已出版，本期专题：土壤微生物组。',
    page: 'pages/home/home',
    expires_at: null,
    dismissed: false,
  }, overrides)
}

/**
 * templates: the event kinds with an enabled template (default: every kind); subscriptions: { kind: { credits,
 * banned, last_result } } granted before the test; preferences: the stored notification preferences; campaignCards:
 * the researcher's campaign cards (makeCampaignCard overrides).
 */
function createBackend({ researcher = {}, journalSystems = defaultJournalSystems(), accounts = [], manuscripts = [], notifications = [], pageSize = 20, verifiedElsewhere = [], templates = EVENT_KINDS, subscriptions = {}, preferences = {}, orders = null, orcidConfigured = true, campaignCards = [] } = {}) {
  const grants = {}
  Object.entries(subscriptions).forEach(([kind, grant]) => {
    grants[TEMPLATE_IDS[kind]] = Object.assign({ credits: 0, banned: false, last_result: '' }, grant)
  })
  const state = {
    journalSystems,
    accounts: accounts.map((account) => makeAccount(account)),
    manuscripts: manuscripts.map((manuscript) => makeManuscript(manuscript)),
    notifications: notifications.map((notification) => makeNotification(notification)),
    pageSize,
    verifiedElsewhere: new Set(verifiedElsewhere), // identities another researcher has verified -> 409
    codes: {}, // account id -> { attemptsLeft, sentAt }
    codesSent: [], // account ids, one per code mailed (create and resend)
    manualReviewNotes: {}, // account id -> note
    refreshedAt: {}, // account id -> Date.now() of the last accepted refresh
    nextAccountId: 201,
    readAt: '2025-11-25T10:00:00Z', // what the fake backend stamps as read_at
    researcher: Object.assign({
      id: RESEARCHER_ID,
      display_name: '',
      institution: '',
      language: 'zh-hans',
      orcid: '',
      orcid_verified: false,
      created_at: '2025-11-20T08:30:00Z',
      last_seen_at: '2025-11-25T09:00:00Z',
    }, researcher),
    tokens: new Set(),
    issued: 0,
    logins: [], // codes received by /auth/login
    patches: [], // bodies received by PATCH /me
    logouts: 0,
    templates: templates.map((kind) => ({ kind, template_id: TEMPLATE_IDS[kind] || `tmpl-${kind}` })),
    grants, // template id -> { credits, banned, last_result }
    subscriptionResults: [], // bodies received by POST /notifications/subscriptions
    preferences: Object.assign({ disabled_kinds: [], status_alerts: [], quiet_start: null, quiet_end: null }, preferences),
    preferencePatches: [], // bodies received by PATCH /notifications/preferences
    orders, // null: the backend has no orders API yet (404, as today); a list: GET /api/v1/orders answers it
    orcidConfigured, // false: POST /me/orcid answers 503 orcid_unavailable
    orcidTickets: [], // tickets handed out by POST /me/orcid
    campaignCards: campaignCards.map((card) => makeCampaignCard(card)), // the researcher's cards, dismissed ones too
    campaignsOpened: [], // campaign ids (numbers) of every POST /campaigns/{id}/opened
  }

  const lang = (call) => (call.header['Accept-Language'] === 'en' ? 'en' : 'zh-hans')
  const message = (call, key, params = {}) => MESSAGES[lang(call)][key].replace(/\{(\w+)\}/g, (whole, name) => String(params[name]))
  const error = (call, statusCode, code, fields, text, header) => ({
    statusCode,
    data: { code, message: text || MESSAGES[lang(call)][code], fields: fields || {} },
    header: header || {},
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
    if (call.path === '/api/v1/me/orcid' && call.method === 'POST') {
      if (!state.orcidConfigured) return error(call, 503, 'orcid_unavailable', {}, MESSAGES[lang(call)].orcid_unavailable)
      const ticket = `ticket-${state.orcidTickets.length + 1}`
      state.orcidTickets.push(ticket)
      return { statusCode: 201, data: { authorize_url: `http://127.0.0.1:8000/orcid/start?ticket=${ticket}`, expires_at: '2025-11-25T10:10:00Z' } }
    }
    if (call.path === '/api/v1/orders' && call.method === 'GET' && state.orders) return paginated(call, state.orders)
    return journalRoutes(call) || notificationRoutes(call) || alertRoutes(call) || campaignRoutes(call) || error(call, 404, 'not_found')
  }

  const systemById = (id) => state.journalSystems.find((system) => system.id === id)
  const localized = (call, value) => (value && typeof value === 'object' ? value[lang(call)] : value)
  const queryOf = (call) => Object.assign({}, Object.fromEntries(new URL(call.url).searchParams), call.method === 'GET' ? call.data || {} : {})

  /**
   * {results, next, previous, count} of `items` for ?page=N (and ?page_size=N), with absolute next/previous
   * like DRF: the other query parameters kept, sorted by name.
   */
  function paginated(call, items) {
    const query = queryOf(call)
    const page = Math.max(1, parseInt(query.page, 10) || 1)
    const requestedSize = parseInt(query.page_size, 10)
    const size = requestedSize > 0 ? Math.min(requestedSize, MAX_PAGE_SIZE) : state.pageSize
    const start = (page - 1) * size
    const pageUrl = (number) => {
      const params = Object.assign({}, query, { page: String(number) })
      const search = Object.keys(params).sort().map((key) => `${encodeURIComponent(key)}=${encodeURIComponent(params[key])}`).join('&')
      return `http://testserver${call.path}?${search}`
    }
    return {
      statusCode: 200,
      data: {
        count: items.length,
        next: start + size < items.length ? pageUrl(page + 1) : null,
        previous: page > 1 ? pageUrl(page - 1) : null,
        results: items.slice(start, start + size),
      },
    }
  }

  function systemOut(call, system) {
    return { id: system.id, key: system.key, name: localized(call, system.name), platform: system.platform, platform_label: system.platform_label }
  }

  function accountOut(call, account) {
    const out = Object.assign({}, account, { journal_system: systemOut(call, systemById(account.journal_system_id)) })
    delete out.journal_system_id
    return out
  }

  function manuscriptOut(call, manuscript, { withTimeline = false } = {}) {
    const labels = STATUS_LABELS[lang(call)]
    const out = Object.assign({}, manuscript, {
      status_label: labels[manuscript.status] || manuscript.status,
      status_explanation: STATUS_EXPLANATIONS[lang(call)][manuscript.status] || '',
    })
    const action = manuscript.public_record_only ? '' : actionOf(manuscript)
    Object.assign(out, {
      action_required: Boolean(action),
      action_needed: action ? ACTION_LABELS[lang(call)][action] : '',
      due_date: action ? manuscript.due_date : null,
    })
    delete out.action
    delete out.account_id
    if (withTimeline) out.timeline = manuscript.timeline.map((event) => Object.assign({}, event, { to_status_label: labels[event.to_status] }))
    else delete out.timeline
    return out
  }

  function mailCode(account) {
    state.codes[account.id] = { attemptsLeft: CODE_ATTEMPTS, sentAt: Date.now() }
    state.codesSent.push(account.id)
  }

  function journalRoutes(call) {
    const body = call.data || {}
    if (call.path === '/api/v1/journal-systems' && call.method === 'GET') {
      return paginated(call, state.journalSystems.map((system) => Object.assign(systemOut(call, system), { journals: system.journals })))
    }
    if (call.path === '/api/v1/journal-accounts' && call.method === 'GET') {
      return paginated(call, state.accounts.map((account) => accountOut(call, account)))
    }
    if (call.path === '/api/v1/journal-accounts' && call.method === 'POST') {
      const fields = {}
      const identity = String(body.identity || '').trim()
      if (!identity) fields.identity = [message(call, 'identity_required')]
      if (!systemById(body.journal_system)) fields.journal_system = [message(call, 'journal_system_invalid')]
      if (Object.keys(fields).length) return error(call, 400, 'invalid', fields)
      if (state.verifiedElsewhere.has(identity)) return error(call, 409, 'conflict')
      const system = systemById(body.journal_system)
      if (system.platform === 'crossref') {
        // Crossref accounts verify only for the researcher's proven ORCID iD (issue 9), at once, without a code.
        if (!state.researcher.orcid_verified || identity !== state.researcher.orcid) {
          return error(call, 400, 'orcid_not_proven', { identity: [message(call, 'orcid_not_proven')] })
        }
        const proven = makeAccount({ id: state.nextAccountId, journal_system_id: system.id, identity, status: 'verified', email_hint: '', verification_method: 'orcid', last_synced_at: null })
        state.nextAccountId += 1
        state.accounts.push(proven)
        return { statusCode: 201, data: accountOut(call, proven) }
      }
      const local = identity.includes('@') ? identity.split('@')[0] : identity
      const account = makeAccount({
        id: state.nextAccountId,
        journal_system_id: body.journal_system,
        identity,
        status: 'pending',
        email_hint: `${local.slice(0, 1)}***@mail.example`,
        verification_method: 'email_code',
        verified_at: null,
        last_synced_at: null,
        created_at: '2025-11-25T10:00:00Z',
      })
      state.nextAccountId += 1
      state.accounts.push(account)
      mailCode(account)
      return { statusCode: 201, data: accountOut(call, account) }
    }
    const action = call.path.match(/^\/api\/v1\/journal-accounts\/(\d+)(?:\/([a-z-]+))?$/)
    if (action) {
      const account = state.accounts.find((candidate) => candidate.id === Number(action[1]))
      if (!account) return error(call, 404, 'not_found')
      return accountAction(call, account, action[2] || '', body)
    }
    if (call.path === '/api/v1/manuscripts' && call.method === 'GET') {
      const query = queryOf(call)
      const visible = state.manuscripts
        .filter((manuscript) => state.accounts.some((account) => account.id === manuscript.account_id && account.status === 'verified'))
        .filter((manuscript) => !query.status || manuscript.status === query.status)
        .sort(query.order === 'action_first' ? listOrder : activityOrder)
      return paginated(call, visible.map((manuscript) => manuscriptOut(call, manuscript)))
    }
    const detail = call.path.match(/^\/api\/v1\/manuscripts\/(\d+)$/)
    if (detail && call.method === 'GET') {
      const manuscript = state.manuscripts.find((candidate) => candidate.id === Number(detail[1]))
      if (!manuscript) return error(call, 404, 'not_found')
      return { statusCode: 200, data: manuscriptOut(call, manuscript, { withTimeline: true }) }
    }
    return null
  }

  function accountAction(call, account, name, body) {
    const ok = (statusCode = 200) => ({ statusCode, data: accountOut(call, account) })
    if (name === '' && call.method === 'DELETE') {
      state.accounts = state.accounts.filter((candidate) => candidate !== account)
      return { statusCode: 204, data: '' }
    }
    if (call.method !== 'POST') return null
    if (name === 'verify') {
      const code = state.codes[account.id]
      if (!code || code.attemptsLeft <= 0) return error(call, 429, 'throttled', {}, message(call, 'code_attempts_used'))
      if (state.verifiedElsewhere.has(account.identity)) return error(call, 409, 'conflict')
      if (body.code === VALID_CODE) {
        Object.assign(account, { status: 'verified', verified_at: '2025-11-25T10:05:00Z', verification_method: 'email_code' })
        delete state.codes[account.id]
        return ok()
      }
      code.attemptsLeft -= 1
      if (code.attemptsLeft === 0) return error(call, 429, 'throttled', {}, message(call, 'code_attempts_used'))
      return error(call, 400, 'invalid', { code: [message(call, 'code_wrong', { left: code.attemptsLeft })] })
    }
    if (name === 'resend') {
      const code = state.codes[account.id]
      const waitMs = code ? code.sentAt + RESEND_INTERVAL_MS - Date.now() : 0
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000)
        return error(call, 429, 'throttled', {}, message(call, 'resend_throttled', { seconds }), { 'Retry-After': String(seconds) })
      }
      mailCode(account)
      return ok()
    }
    if (name === 'manual-review') {
      state.manualReviewNotes[account.id] = body.note
      Object.assign(account, { status: 'manual_review' })
      delete state.codes[account.id]
      return ok()
    }
    if (name === 'refresh') {
      const last = state.refreshedAt[account.id]
      if (last !== undefined && Date.now() - last < REFRESH_INTERVAL_MS) {
        const seconds = Math.ceil((last + REFRESH_INTERVAL_MS - Date.now()) / 1000)
        return error(call, 429, 'throttled', {}, message(call, 'refresh_throttled', { seconds }), { 'Retry-After': String(seconds) })
      }
      state.refreshedAt[account.id] = Date.now()
      return { statusCode: 202, data: { queued: true } }
    }
    return null
  }

  const ownNotifications = () => state.notifications.filter((notification) => notification.researcher_id === state.researcher.id)

  function notificationOut(notification) {
    const out = Object.assign({}, notification, { is_read: notification.read_at !== null })
    delete out.researcher_id
    return out
  }

  function notificationRoutes(call) {
    if (call.path === '/api/v1/notifications' && call.method === 'GET') {
      const query = queryOf(call)
      if (query.unread !== undefined && !['true', 'false'].includes(query.unread)) {
        return error(call, 400, 'invalid', { unread: ['Must be a valid boolean.'] })
      }
      const listed = ownNotifications()
        .filter((notification) => query.unread === undefined || (notification.read_at === null) === (query.unread === 'true'))
        .filter((notification) => !query.kind || notification.kind === query.kind)
        .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)) || b.id - a.id)
      return paginated(call, listed.map(notificationOut))
    }
    if (call.path === '/api/v1/notifications/unread-count' && call.method === 'GET') {
      return { statusCode: 200, data: { count: ownNotifications().filter((notification) => notification.read_at === null).length } }
    }
    if (call.path === '/api/v1/notifications/read-all' && call.method === 'POST') {
      const unread = ownNotifications().filter((notification) => notification.read_at === null)
      unread.forEach((notification) => { notification.read_at = state.readAt })
      return { statusCode: 200, data: { marked: unread.length } }
    }
    const read = call.path.match(/^\/api\/v1\/notifications\/(\d+)\/read$/)
    if (read && call.method === 'POST') {
      const notification = ownNotifications().find((candidate) => candidate.id === Number(read[1]))
      if (!notification) return error(call, 404, 'not_found')
      if (notification.read_at === null) notification.read_at = state.readAt // idempotent: the first read time stays
      return { statusCode: 200, data: notificationOut(notification) }
    }
    return null
  }

  function subscriptionState() {
    return [...state.templates].sort((a, b) => a.kind.localeCompare(b.kind)).map(({ kind, template_id: templateId }) => {
      const grant = state.grants[templateId]
      return {
        kind,
        template_id: templateId,
        credits: grant ? grant.credits : 0,
        has_credit: Boolean(grant && grant.credits && !grant.banned),
        banned: Boolean(grant && grant.banned),
        last_result: grant ? grant.last_result : '',
      }
    })
  }

  /** 'HH:MM' or 'HH:MM:SS' -> 'HH:MM:SS'; undefined when it is not a time. */
  function timeValue(value) {
    const match = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/.exec(String(value))
    return match ? `${match[1]}:${match[2]}:${match[3] || '00'}` : undefined
  }

  /** PATCH /notifications/preferences like the backend's serializer: choices, times, both ends or neither. */
  function patchPreferences(call, body) {
    const fields = {}
    const next = Object.assign({}, state.preferences)
    const choices = (name, allowed) => {
      if (!(name in body)) return
      const list = Array.isArray(body[name]) ? body[name] : [body[name]]
      const wrong = {}
      list.forEach((value, index) => { if (!allowed.includes(value)) wrong[index] = [message(call, 'choice', { value })] })
      if (Object.keys(wrong).length) fields[name] = wrong
      else next[name] = [...new Set(list)].sort()
    }
    choices('disabled_kinds', EVENT_KINDS)
    choices('status_alerts', CANONICAL_STATUSES)
    ;['quiet_start', 'quiet_end'].forEach((name) => {
      if (!(name in body)) return
      if (body[name] === null) { next[name] = null; return }
      const value = timeValue(body[name])
      if (value === undefined) fields[name] = [message(call, 'time')]
      else next[name] = value
    })
    if (!Object.keys(fields).length) {
      if ((next.quiet_start === null) !== (next.quiet_end === null)) fields.quiet_end = [message(call, 'quiet_both')]
      else if (next.quiet_start !== null && next.quiet_start === next.quiet_end) fields.quiet_end = [message(call, 'quiet_same')]
    }
    if (Object.keys(fields).length) return error(call, 400, 'invalid', fields)
    state.preferences = next
    return { statusCode: 200, data: Object.assign({}, state.preferences) }
  }

  function alertRoutes(call) {
    if (call.path === '/api/v1/notifications/subscriptions' && call.method === 'GET') return { statusCode: 200, data: subscriptionState() }
    if (call.path === '/api/v1/notifications/subscriptions' && call.method === 'POST') {
      const body = call.data || {}
      state.subscriptionResults.push(body)
      const known = state.templates.map((template) => template.template_id)
      const fields = {}
      Object.entries(body).forEach(([key, value]) => {
        if (known.includes(key) && !SUBSCRIPTION_RESULTS.includes(value)) fields[key] = [message(call, 'subscription_result')]
      })
      if (Object.keys(fields).length) return error(call, 400, 'invalid', fields)
      Object.entries(body).filter(([key]) => known.includes(key)).forEach(([templateId, result]) => {
        const grant = state.grants[templateId] || (state.grants[templateId] = { credits: 0, banned: false, last_result: '' })
        grant.last_result = result
        if (result === 'accept') Object.assign(grant, { credits: grant.credits + 1, banned: false })
        else if (result === 'ban') grant.banned = true
      })
      return { statusCode: 200, data: subscriptionState() }
    }
    if (call.path === '/api/v1/notifications/preferences' && call.method === 'GET') return { statusCode: 200, data: Object.assign({}, state.preferences) }
    if (call.path === '/api/v1/notifications/preferences' && call.method === 'PATCH') {
      state.preferencePatches.push(call.data)
      return patchPreferences(call, call.data || {})
    }
    return null
  }

  /** Campaign cards of the home page (dismissed ones are gone for good) and "opened" reports. */
  function campaignRoutes(call) {
    if (call.path === '/api/v1/campaign-cards' && call.method === 'GET') {
      return paginated(call, state.campaignCards.filter((card) => !card.dismissed).map((card) => {
        const out = Object.assign({}, card)
        delete out.dismissed
        return out
      }))
    }
    const dismiss = call.path.match(/^\/api\/v1\/campaign-cards\/(\d+)\/dismiss$/)
    if (dismiss && call.method === 'POST') {
      const card = state.campaignCards.find((candidate) => candidate.id === Number(dismiss[1]))
      if (!card) return error(call, 404, 'not_found')
      card.dismissed = true
      return { statusCode: 204, data: '' }
    }
    const opened = call.path.match(/^\/api\/v1\/campaigns\/(\d+)\/opened$/)
    if (opened && call.method === 'POST') {
      state.campaignsOpened.push(Number(opened[1]))
      return { statusCode: 204, data: '' }
    }
    return null
  }

  /** ORCID's sign-in finished for a ticket: the backend's callback stores the proven iD on the researcher. */
  function completeOrcid(orcid) {
    Object.assign(state.researcher, { orcid, orcid_verified: true })
  }

  /** Every issued token stops working (as if expired or revoked). */
  function revokeAllTokens() {
    state.tokens.clear()
  }

  return { state, respond, revokeAllTokens, completeOrcid, MESSAGES }
}

/** A Crossref journal system: accounts are proven by the researcher's ORCID iD (POST /me/orcid first). */
function crossrefSystem(overrides = {}) {
  return Object.assign({
    id: 3,
    key: 'crossref',
    name: { 'zh-hans': 'Crossref 公开记录', en: 'Crossref public records' },
    platform: 'crossref',
    platform_label: 'Crossref',
    journals: [],
  }, overrides)
}

module.exports = { createBackend, crossrefSystem, defaultJournalSystems, makeAccount, makeCampaignCard, makeManuscript, makeNotification, MESSAGES, RESEARCHER_ID, STATUS_LABELS, TEMPLATE_IDS, VALID_CODE }
