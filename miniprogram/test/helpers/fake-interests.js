// In-memory stand-in for the backend's interests API (GET/PUT /api/v1/me/interests, issue 11), layered on
// helpers/fake-backend.js (auth, /me, notifications): self-selectable tags by group and journals to follow, each
// localized by Accept-Language; a PUT replaces the choice like the backend — a tag the publisher gave (not
// removable) stays when left out, and an unknown slug or journal id is a 400 naming it under fields.tags /
// fields.journals, changing nothing.
const { createBackend } = require('./fake-backend')

const MESSAGES = {
  'zh-hans': { invalid: '部分字段无效。', tag: '不是可以选择的研究兴趣：{slug}。', journal: '没有可关注的期刊：{id}。', not_found: '未找到。' },
  en: { invalid: 'Some fields are not valid.', tag: 'Not a research interest you can choose: {slug}.', journal: 'No journal to follow with id {id}.', not_found: 'Not found.' },
}
const GROUP_LABELS = { 'zh-hans': { subject: '学科', role: '角色' }, en: { subject: 'Subject', role: 'Role' } }

/** Tags as the backend stores them: names per language, group, colour, and how this researcher carries it. */
function defaultTags() {
  return [
    { slug: 'ecology', name: { 'zh-hans': '生态学', en: 'Ecology' }, group: 'subject', colour: '#2BA471', source: null },
    { slug: 'oncology', name: { 'zh-hans': '肿瘤学', en: 'Oncology' }, group: 'subject', colour: '#E37318', source: 'self' },
    { slug: 'genomics', name: { 'zh-hans': '基因组学', en: 'Genomics' }, group: 'subject', colour: '#0052D9', source: 'staff' },
    { slug: 'reviewer', name: { 'zh-hans': '审稿人', en: 'Reviewer' }, group: 'role', colour: '#0052D9', source: null },
  ]
}

function defaultJournals() {
  return [
    { id: 12, key: 'ame', name: { 'zh-hans': '海洋生态年鉴', en: 'Annals of Marine Ecology' }, followed: true },
    { id: 13, key: 'jas', name: { 'zh-hans': '应用科学学报', en: 'Journal of Applied Science' }, followed: false },
  ]
}

function createInterestsBackend({ tags = defaultTags(), journals = defaultJournals(), ...baseOptions } = {}) {
  const base = createBackend(baseOptions)
  const state = { tags: tags.map((tag) => Object.assign({}, tag)), journals: journals.map((journal) => Object.assign({}, journal)), puts: [] }
  const lang = (call) => (call.header['Accept-Language'] === 'en' ? 'en' : 'zh-hans')
  const bearer = (call) => String(call.header.Authorization || '').replace(/^Bearer /, '')

  function interestsOut(call) {
    const language = lang(call)
    const groups = []
    state.tags.forEach((tag) => {
      let group = groups.find((candidate) => candidate.group === tag.group)
      if (!group) {
        group = { group: tag.group, label: GROUP_LABELS[language][tag.group] || tag.group, tags: [] }
        groups.push(group)
      }
      group.tags.push({ slug: tag.slug, name: tag.name[language], colour: tag.colour, selected: tag.source !== null, removable: tag.source === null || tag.source === 'self' })
    })
    return {
      groups,
      journals: state.journals.map((journal) => ({
        id: journal.id,
        key: journal.key,
        name: journal.name[language],
        journal_system: { id: 1, key: 'demo', name: language === 'en' ? 'Demo OJS' : '演示 OJS' },
        followed: journal.followed,
      })),
    }
  }

  function put(call) {
    const body = call.data || {}
    state.puts.push(body)
    const messages = MESSAGES[lang(call)]
    const fields = {}
    const badTags = (body.tags || []).filter((slug) => !state.tags.some((tag) => tag.slug === slug))
    const badJournals = (body.journals || []).filter((id) => !state.journals.some((journal) => journal.id === id))
    if (badTags.length) fields.tags = badTags.map((slug) => messages.tag.replace('{slug}', slug))
    if (badJournals.length) fields.journals = badJournals.map((id) => messages.journal.replace('{id}', id))
    if (!Array.isArray(body.tags)) fields.tags = [messages.invalid]
    if (!Array.isArray(body.journals)) fields.journals = [messages.invalid]
    if (Object.keys(fields).length) return { statusCode: 400, data: { code: 'invalid', message: messages.invalid, fields } }
    state.tags.forEach((tag) => {
      const chosen = body.tags.includes(tag.slug)
      if (chosen && tag.source === null) tag.source = 'self'
      if (!chosen && tag.source === 'self') tag.source = null
    })
    state.journals.forEach((journal) => { journal.followed = body.journals.includes(journal.id) })
    return { statusCode: 200, data: interestsOut(call) }
  }

  function respond(wireCall) {
    const call = Object.assign({}, wireCall, { method: wireCall.logicalMethod || wireCall.method })
    if (call.path !== '/api/v1/me/interests') return base.respond(wireCall)
    if (!base.state.tokens.has(bearer(call))) return { statusCode: 401, data: { code: 'not_authenticated', message: base.MESSAGES[lang(call)].not_authenticated, fields: {} } }
    if (call.method === 'GET') return { statusCode: 200, data: interestsOut(call) }
    if (call.method === 'PUT') return put(call)
    return { statusCode: 405, data: { code: 'method_not_allowed', message: 'Method not allowed.', fields: {} } }
  }

  return { base, state, respond, MESSAGES }
}

module.exports = { createInterestsBackend, defaultJournals, defaultTags }
