// Publisher news (campaigns) in the Mini Program. WeChat forbids marketing in subscription messages, so a campaign
// never asks for or spends a WeChat alert: it reaches the researcher as an inbox item (kind "campaign") and as a
// card on the home page (and, outside the app, through the publisher's Official Account).
//
// Cards: GET /api/v1/campaign-cards -> { results: [{ id (the delivery), campaign, title, body, page, expires_at }],
// next, previous }; POST /api/v1/campaign-cards/{id}/dismiss -> 204, and the card is gone for good.
//
// Opened: POST /api/v1/campaigns/{campaign}/opened -> 204. Fire-and-forget: nothing waits for it, a failure is
// quiet (and may be reported again later), and each campaign is reported once per app run (the ids are kept in
// app.globalData, shared by every page). Where a campaign counts as opened:
// - a deep link entering the app with `campaign=<id>` in its query (an Official Account message, a shared card, a
//   code): App.onShow reads the entry query (wx's launch/show options), on launch and on every return to the app;
// - a link followed inside the app (an inbox item, the notice page's "open" button, a home card):
//   inbox.followLink reads the `campaign` of the link's query before opening it;
// - a home card's tap reports its own `campaign` (its page need not carry one).
// Pages themselves do nothing: a tab page opened with wx.switchTab never sees its query anyway.
const api = require('./api')

const CARDS_PATH = '/api/v1/campaign-cards'
const CAMPAIGNS_PATH = '/api/v1/campaigns'

/** A campaign id as the backend writes it (a positive integer, as a number or a string) -> its string, else ''. */
function campaignIdOf(value) {
  const text = String(value === undefined || value === null ? '' : value).trim()
  return /^[1-9]\d{0,17}$/.test(text) ? text : ''
}

/**
 * The campaign a deep link carries: from a query object ({ campaign: '5' }, as wx gives a page or the app) or a
 * page/url string ('pages/x/y?campaign=5&id=2'); '' when there is none.
 */
function campaignInQuery(query) {
  if (!query) return ''
  if (typeof query === 'object') return campaignIdOf(query.campaign)
  const search = String(query).split('?')[1] || ''
  const pair = search.split('&').map((part) => part.split('=')).find(([key]) => key === 'campaign')
  if (!pair) return ''
  try {
    return campaignIdOf(decodeURIComponent(pair[1] || ''))
  } catch (err) {
    return ''
  }
}

/** The ids reported in this app run (shared by every page through app.globalData). */
function reportedIds() {
  const globalData = getApp().globalData
  if (!(globalData.campaignsOpened instanceof Set)) globalData.campaignsOpened = new Set()
  return globalData.campaignsOpened
}

/**
 * Tell the backend the researcher opened a campaign, once per app run. Resolves true when reported now, false when
 * not (no valid id, already reported, signed out, or the request failed: then a later open tries again). Never
 * rejects, never toasts: callers do not wait for it.
 * @returns {Promise<boolean>}
 */
function reportOpened(campaign) {
  const id = campaignIdOf(campaign)
  if (!id || api.isSignedOut()) return Promise.resolve(false)
  const reported = reportedIds()
  if (reported.has(id)) return Promise.resolve(false)
  reported.add(id)
  return api.request(`${CAMPAIGNS_PATH}/${id}/opened`, { method: 'POST', toast: false }).then(
    () => true,
    () => {
      reported.delete(id)
      return false
    },
  )
}

/** reportOpened for the campaign a deep link carries (a query object or a page string); false when none. */
function reportOpenedFrom(query) {
  const id = campaignInQuery(query)
  return id ? reportOpened(id) : Promise.resolve(false)
}

/** A card still to show at `now` (ms): it has a title and its expiry, if any, has not passed. */
function isLive(card, now = Date.now()) {
  if (!card || card.id === undefined || card.id === null || !card.title) return false
  const expiresAt = Date.parse(card.expires_at || '')
  return !expiresAt || expiresAt > now
}

/**
 * The researcher's campaign cards, live ones only. Quiet: rejects with the ApiError, never toasts (the cards are
 * an extra on the home page, which has its own errors to tell).
 * @returns {Promise<Array<{id: number, campaign: number, title: string, body: string, page: string, expires_at: string|null}>>}
 */
async function loadCards() {
  const body = await api.request(CARDS_PATH, { toast: false })
  const cards = (body && Array.isArray(body.results) && body.results) || []
  return cards.filter((card) => isLive(card))
}

/** Dismiss a card for good (POST …/{id}/dismiss -> 204). Errors are toasted by api.request and rejected. */
function dismissCard(id) {
  return api.request(`${CARDS_PATH}/${id}/dismiss`, { method: 'POST' })
}

module.exports = {
  CAMPAIGNS_PATH,
  CARDS_PATH,
  campaignIdOf,
  campaignInQuery,
  dismissCard,
  isLive,
  loadCards,
  reportOpened,
  reportOpenedFrom,
}
