// In-memory stand-in for the backend's shares API (sharing/ in the backend; the Contract's "Shares"), layered on
// helpers/fake-backend.js (auth, manuscripts): the researcher's shares of a manuscript (GET/POST
// /api/v1/manuscripts/{id}/shares: 409 unless accepted, in production or published), the public record without a
// token (GET /api/v1/shares/{id}, by scene), DELETE by the sharer, opens reported (POST …/opened, counted in
// state.opens) and "follow this journal" (POST …/follow-journal, a token required: state.follows). Labels follow
// Accept-Language. Also `installShareWx`: the wx APIs the share pages use that helpers/wx-mock.js leaves out.
const { createBackend, STATUS_LABELS, RESEARCHER_ID } = require('./fake-backend')

const SHAREABLE = ['accepted', 'in_production', 'published']
const MESSAGES = {
  'zh-hans': { not_shareable: '只有已录用、出版制作中或已发表的稿件可以分享。', not_found: '未找到。', not_authenticated: '身份认证信息未提供。' },
  en: { not_shareable: 'Only an accepted, in-production or published manuscript can be shared.', not_found: 'Not found.', not_authenticated: 'Authentication credentials were not provided.' },
}

let nextId = 0
/** A share id like the backend's: 22 letters and digits, never all digits. */
function newShareId() {
  nextId += 1
  return `Sh${String(nextId).padStart(4, '0')}abcdefghijKLMNOPQR`.slice(0, 22)
}

/**
 * shares: [{ id?, manuscript_id, show_coauthors?, open_count?, sharer?, coauthors?, date? }] made before the test;
 * publicOnly: { id: public record } for shares of someone else (what a visitor opens).
 */
function createSharesBackend({ shares = [], publicShares = {}, ...baseOptions } = {}) {
  const base = createBackend(baseOptions)
  const state = {
    shares: shares.map((share) => Object.assign({ id: newShareId(), show_coauthors: false, open_count: 0, created_at: '2025-12-01T08:00:00Z' }, share)),
    publicShares: Object.assign({}, publicShares), // id -> public record of a share the fake researcher did not make
    posts: [], // bodies of POST …/shares
    deleted: [], // ids deleted
    opens: [], // ids of every POST …/opened
    follows: [], // ids of every accepted POST …/follow-journal
  }
  const lang = (call) => (call.header['Accept-Language'] === 'en' ? 'en' : 'zh-hans')
  const error = (call, statusCode, code) => ({ statusCode, data: { code, message: MESSAGES[lang(call)][code], fields: {} } })
  const signedIn = (call) => base.state.tokens.has(String(call.header.Authorization || '').replace(/^Bearer /, ''))
  const sceneOf = (id) => `s=${id}`

  function publicRecord(call, share) {
    if (state.publicShares[share.id]) return state.publicShares[share.id]
    const manuscript = base.state.manuscripts.find((candidate) => candidate.id === share.manuscript_id)
    const milestone = manuscript.status
    const record = {
      id: share.id,
      title: manuscript.title,
      journal: { name: (manuscript.journal && manuscript.journal.name) || '' },
      milestone,
      milestone_label: STATUS_LABELS[lang(call)][milestone],
      date: share.date || '2025-11-20',
      doi: milestone === 'published' ? manuscript.doi || null : null,
      sharer: { display_name: share.sharer || '李华' },
    }
    if (share.show_coauthors) record.coauthors = share.coauthors || []
    return record
  }

  const findShare = (id) => state.shares.find((share) => share.id === id) || (state.publicShares[id] ? { id } : null)
  const ownView = (share) => ({ id: share.id, scene: sceneOf(share.id), show_coauthors: share.show_coauthors, created_at: share.created_at, open_count: share.open_count })

  function respond(wireCall) {
    const call = Object.assign({}, wireCall, { method: wireCall.logicalMethod || wireCall.method })
    const own = call.path.match(/^\/api\/v1\/manuscripts\/(\d+)\/shares$/)
    if (own) {
      if (!signedIn(call)) return error(call, 401, 'not_authenticated')
      const manuscript = base.state.manuscripts.find((candidate) => candidate.id === Number(own[1]))
      if (!manuscript) return error(call, 404, 'not_found')
      if (call.method === 'GET') {
        const results = state.shares.filter((share) => share.manuscript_id === manuscript.id).reverse().map(ownView)
        return { statusCode: 200, data: { results, next: null, previous: null } }
      }
      state.posts.push(call.data)
      if (!SHAREABLE.includes(manuscript.status)) return error(call, 409, 'not_shareable')
      const share = { id: newShareId(), manuscript_id: manuscript.id, show_coauthors: Boolean(call.data && call.data.show_coauthors), open_count: 0, created_at: '2025-12-05T08:00:00Z' }
      state.shares.push(share)
      return { statusCode: 201, data: ownView(share) }
    }
    const scene = call.path.match(/^\/api\/v1\/shares\/by-scene\/(.+)$/)
    if (scene && call.method === 'GET') {
      const id = decodeURIComponent(scene[1]).replace(/^s=/, '')
      const share = findShare(id)
      return share ? { statusCode: 200, data: publicRecord(call, share) } : error(call, 404, 'not_found')
    }
    const action = call.path.match(/^\/api\/v1\/shares\/([^/]+)(?:\/(opened|follow-journal))?$/)
    if (action) {
      const share = findShare(decodeURIComponent(action[1]))
      if (action[2] === 'follow-journal' && !signedIn(call)) return error(call, 401, 'not_authenticated')
      if (!share) return error(call, 404, 'not_found')
      if (action[2] === 'opened' && call.method === 'POST') {
        state.opens.push(share.id)
        return { statusCode: 204, data: '' }
      }
      if (action[2] === 'follow-journal' && call.method === 'POST') {
        state.follows.push(share.id)
        return { statusCode: 204, data: '' }
      }
      if (!action[2] && call.method === 'GET') return { statusCode: 200, data: publicRecord(call, share) }
      if (!action[2] && call.method === 'DELETE') {
        if (!signedIn(call) || !state.shares.includes(share)) return error(call, 404, 'not_found')
        state.shares = state.shares.filter((candidate) => candidate !== share)
        state.deleted.push(share.id)
        return { statusCode: 204, data: '' }
      }
    }
    return base.respond(wireCall)
  }

  return { base, state, respond, RESEARCHER_ID }
}

/**
 * The wx APIs of the share pages, scripted: showShareMenu/hideShareMenu (recorded), getEnterOptionsSync (`scene`),
 * downloadFile answering `download(options)` ({ statusCode, tempFilePath } or { fail: errMsg }), and
 * saveImageToPhotosAlbum following `album`: 'allowed', 'denied' (fails "auth deny" until wx.openSetting grants
 * it when `settingsGrant` is true) or 'privacy_refused' (the privacy guide declined), previewImage.
 */
function installShareWx({ scene = 1001, download = () => ({ statusCode: 200, tempFilePath: 'http://tmp/poster.png' }), album = 'allowed', settingsGrant = true } = {}) {
  const later = (callback, res) => setTimeout(() => callback && callback(res), 0)
  const permission = { album }
  const saved = []
  Object.assign(global.wx, {
    saved,
    permission,
    showShareMenu: jest.fn((options = {}) => later(options.success, { errMsg: 'showShareMenu:ok' })),
    hideShareMenu: jest.fn((options = {}) => later(options.success, { errMsg: 'hideShareMenu:ok' })),
    getEnterOptionsSync: jest.fn(() => ({ scene, path: '', query: {} })),
    previewImage: jest.fn(),
    downloadFile: jest.fn((options = {}) => {
      const answer = download(options)
      if (answer.fail) later(options.fail, { errMsg: answer.fail })
      else later(options.success, Object.assign({ errMsg: 'downloadFile:ok' }, answer))
    }),
    saveImageToPhotosAlbum: jest.fn((options = {}) => {
      if (permission.album === 'allowed') {
        saved.push(options.filePath)
        later(options.success, { errMsg: 'saveImageToPhotosAlbum:ok' })
      } else if (permission.album === 'privacy_refused') later(options.fail, { errMsg: 'saveImageToPhotosAlbum:fail privacy permission is not authorized' })
      else later(options.fail, { errMsg: 'saveImageToPhotosAlbum:fail auth deny' })
    }),
    openSetting: jest.fn((options = {}) => {
      if (settingsGrant) permission.album = 'allowed'
      later(options.success, { errMsg: 'openSetting:ok', authSetting: { 'scope.writePhotosAlbum': permission.album === 'allowed' } })
    }),
  })
  return global.wx
}

module.exports = { createSharesBackend, installShareWx, newShareId }
