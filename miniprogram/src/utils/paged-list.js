// A list the backend pages (`{results, next}`; `next` an absolute URL, see api.pathOf): the first page, the next
// ones on reaching the bottom, and which answers are stale. Shared by the home page's manuscripts and the inbox.
//
// - loadFirst(path) replaces the list when its answer arrives (the list shown stays until then: no flicker on
//   pull-down); a newer loadFirst or clear() makes older answers, and the "load more" they allowed, stale.
// - loadMore() appends the page at `next`; a later page can repeat an item that moved up meanwhile (new activity):
//   the first appearance is kept.
// - state: idle (nothing asked: signed out) | loading (first load, nothing to show yet) | ready | error (first load
//   failed with nothing to show; api.request already toasted why).
// onChange() is called whenever something shown changed; onItems(items) with every page loaded (e.g. to remember
// notices for their detail page).
const api = require('./api')
const i18n = require('./i18n')

function withoutDuplicates(items) {
  const seen = new Set()
  return items.filter((item) => !seen.has(item.id) && seen.add(item.id))
}

class PagedList {
  /** @param {{onChange?: Function, onItems?: Function, state?: string}} [options] */
  constructor({ onChange = () => {}, onItems = () => {}, state = 'idle' } = {}) {
    this.onChange = onChange
    this.onItems = onItems
    this.items = []
    this.nextPath = ''
    this.state = state
    this.pagesLoaded = 0
    this.loadingMore = false
    this.loadedLanguage = ''
    this.generation = 0
  }

  /** What the page shows about the list itself. */
  view() {
    return { state: this.state, hasMore: Boolean(this.nextPath), loadingMore: this.loadingMore, pagesLoaded: this.pagesLoaded }
  }

  /** Not loaded yet, failed last time, or loaded in another language (labels come localized from the backend). */
  needsReload() {
    return ['idle', 'error'].includes(this.state) || this.loadedLanguage !== i18n.getLanguage()
  }

  clear(state = 'idle') {
    this.generation += 1
    this.items = []
    this.nextPath = ''
    this.state = state
    this.pagesLoaded = 0
    this.loadingMore = false
    this.onChange()
  }

  /**
   * The first page of `path`. `prepare(body)` may ask for more before the list is replaced (its result is passed
   * on). Resolves { body, prepared } when this answer was applied, or null (stale, or failed).
   * @param {string} path
   * @param {{prepare?: (body: any) => Promise<any>}} [options]
   */
  async loadFirst(path, { prepare } = {}) {
    this.generation += 1
    const generation = this.generation
    const language = i18n.getLanguage()
    if (!this.items.length && this.state !== 'loading') {
      this.state = 'loading'
      this.onChange()
    }
    try {
      const body = await api.request(path)
      const prepared = prepare ? await prepare(body) : undefined
      if (generation !== this.generation) return null
      const results = (body && body.results) || []
      this.items = withoutDuplicates(results)
      this.onItems(results)
      this.nextPath = body && body.next ? api.pathOf(body.next) : ''
      this.state = 'ready'
      this.pagesLoaded = 1
      this.loadingMore = false
      this.loadedLanguage = language
      this.onChange()
      return { body, prepared }
    } catch (err) {
      if (generation === this.generation && !this.items.length) {
        this.state = 'error'
        this.onChange()
      }
      return null
    }
  }

  /** The next page (the backend's `next`), appended. A failure was toasted; the next call tries the same page. */
  async loadMore() {
    if (!this.nextPath || this.loadingMore || this.state !== 'ready') return
    const generation = this.generation
    this.loadingMore = true
    this.onChange()
    try {
      const body = await api.request(this.nextPath)
      if (generation !== this.generation) return
      const more = (body && body.results) || []
      this.onItems(more)
      this.items = withoutDuplicates(this.items.concat(more))
      this.nextPath = body && body.next ? api.pathOf(body.next) : ''
      this.pagesLoaded += 1
    } catch (err) {
      // Toast shown by api.request.
    } finally {
      if (generation === this.generation) {
        this.loadingMore = false
        this.onChange()
      }
    }
  }

  /** Put `replacement` in the place of item `id`, or drop it when there is none. */
  replace(id, replacement) {
    this.items = this.items.map((item) => (String(item.id) === String(id) ? replacement : item)).filter(Boolean)
  }

  find(id) {
    return this.items.find((item) => String(item.id) === String(id))
  }

  /** Forget the loaded pages without a reload (e.g. every unread notice was just read): nothing more to load. */
  empty() {
    this.generation += 1
    this.items = []
    this.nextPath = ''
    this.loadingMore = false
  }
}

/**
 * The methods every signed-in list page (orders, conversations) shares, to spread into its Page({...}): `reload`
 * loads the first page of `path` into `this.list` once the login settled (nothing, state idle, when signed out);
 * the next page on reaching the bottom; pull-down and "retry" reload.
 * @param {string} path
 */
function signedInListMethods(path) {
  return {
    async reload() {
      await getApp().loginReady
      if (api.isSignedOut()) {
        this.list.clear('idle')
        return
      }
      await this.list.loadFirst(path)
    },

    onReachBottom() {
      return this.list.loadMore()
    },

    async onPullDownRefresh() {
      try {
        await this.reload()
      } finally {
        wx.stopPullDownRefresh()
      }
    },

    onRetry() {
      return this.reload()
    },
  }
}

module.exports = { PagedList, signedInListMethods, withoutDuplicates }
