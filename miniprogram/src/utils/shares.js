// Shares of a manuscript's milestone (the backend's sharing app), as the manuscript page and the share subpackage
// use them: the share and poster pages' paths, the token-less image URLs, the public record, the open report, and
// which launches must not log in.
//
// Someone opening a share needs no account: the share page (packages/share/share, from a chat card or a poster's
// Mini Program code) and Moments' single-page mode (scene 1154, where WeChat offers no wx.login at all and opens the
// sharing page itself with the share's query) never log in on launch; they read the public record without a token.
// WeChat fetches a card's image itself, without our headers, so the image URLs carry the language in `?lang=`.
const api = require('./api')
const config = require('./config')
const i18n = require('./i18n')

const SHARE_PAGE = 'packages/share/share'
const POSTER_PAGE = 'packages/share/poster'
const MANUSCRIPT_PAGE = 'pages/manuscript/detail'
const MOMENTS_SINGLE_PAGE_SCENE = 1154
const SHAREABLE_STATUSES = ['accepted', 'in_production', 'published']
// The backend's share ids: 22 letters and digits, never all digits (a manuscript id is a number).
const SHARE_ID = /^[A-Za-z0-9]{16,32}$/

function isShareId(value) {
  const text = String(value || '')
  return SHARE_ID.test(text) && !/^\d+$/.test(text)
}

/** Whether this launch (App.onLaunch's options) opens a share: then nothing logs in until the visitor asks to. */
function isPublicEntry(options) {
  if (!options) return false
  if (Number(options.scene) === MOMENTS_SINGLE_PAGE_SCENE) return true
  const route = String(options.path || '').replace(/^\//, '')
  if (route === SHARE_PAGE) return true
  return route === MANUSCRIPT_PAGE && isShareId(options.query && options.query.id)
}

/** Moments' single-page mode: no login, no navigation (the page shows what it can itself). */
function inSinglePageMode() {
  try {
    return Number(wx.getEnterOptionsSync().scene) === MOMENTS_SINGLE_PAGE_SCENE
  } catch (err) {
    return false // outside the client (tests without it)
  }
}

const sharePagePath = (shareId) => `/${SHARE_PAGE}?id=${encodeURIComponent(shareId)}`
const posterPagePath = (shareId) => `/${POSTER_PAGE}?id=${encodeURIComponent(shareId)}`
const imageUrl = (shareId, name) => `${config.apiBase()}/api/v1/shares/${encodeURIComponent(shareId)}/${name}?lang=${i18n.getLanguage()}`
const cardUrl = (shareId) => imageUrl(shareId, 'card.png')
const posterUrl = (shareId) => imageUrl(shareId, 'poster.png')

/** The public record of a share, without a token (404: withdrawn or never made). */
function fetchPublic(shareId) {
  return api.request(`/api/v1/shares/${encodeURIComponent(shareId)}`, { auth: false, toast: false })
}

/** The share a Mini Program code's scene names ("s=<id>"), without a token. */
function fetchByScene(scene) {
  return api.request(`/api/v1/shares/by-scene/${encodeURIComponent(scene)}`, { auth: false, toast: false })
}

/**
 * Report that the share was opened (the sharer sees how many), once per share per run of the app, without a token:
 * the backend counts one open per visitor per day. Best effort: a failure costs one count, never the page.
 */
function reportOpened(shareId) {
  const globalData = getApp().globalData
  if (!globalData.sharesOpened) globalData.sharesOpened = {}
  if (!shareId || globalData.sharesOpened[shareId]) return Promise.resolve(false)
  globalData.sharesOpened[shareId] = true
  return api.request(`/api/v1/shares/${encodeURIComponent(shareId)}/opened`, { method: 'POST', auth: false, toast: false })
    .then(() => true, () => false)
}

/** The public record as a page shows it. */
function publicView(share) {
  return {
    id: share.id,
    title: share.title || '',
    journal: (share.journal && share.journal.name) || '',
    milestone: share.milestone || '',
    milestoneLabel: share.milestone_label || share.milestone || '',
    date: share.date || '',
    doi: share.doi || '',
    doiLink: share.doi ? `https://doi.org/${share.doi}` : '',
    sharer: (share.sharer && share.sharer.display_name) || '',
    coauthors: Array.isArray(share.coauthors) ? share.coauthors.join(i18n.t('listSeparator')) : '',
  }
}

module.exports = {
  MOMENTS_SINGLE_PAGE_SCENE,
  SHAREABLE_STATUSES,
  SHARE_PAGE,
  cardUrl,
  fetchByScene,
  fetchPublic,
  inSinglePageMode,
  isPublicEntry,
  isShareId,
  posterPagePath,
  posterUrl,
  publicView,
  reportOpened,
  sharePagePath,
}
