// The paged list the home page and the inbox share (utils/paged-list.js): first page, `next`, stale answers,
// duplicates, and the state a page shows.
const { installWx } = require('../helpers/wx-mock')

let PagedList
const pages = {
  '/api/v1/things': { results: [{ id: 1 }, { id: 2 }], next: 'http://backend.example/api/v1/things?page=2' },
  '/api/v1/things?page=2': { results: [{ id: 2 }, { id: 3 }], next: null },
  '/api/v1/other': { results: [{ id: 9 }], next: null },
}

function setUp({ hold = () => false } = {}) {
  jest.resetModules()
  const held = []
  installWx({
    storage: { token: 't' },
    respond: (call) => {
      const key = call.url.replace('http://127.0.0.1:8000', '')
      const answer = { statusCode: 200, data: pages[key] }
      if (!hold(key)) return answer
      return new Promise((resolve) => held.push(() => resolve(answer)))
    },
  })
  ;({ PagedList } = require('../../src/utils/paged-list'))
  return held
}

test('loads the first page, follows `next`, keeps the first appearance of a repeated item', async () => {
  setUp()
  const changes = []
  const seen = []
  const list = new PagedList({ onChange: () => changes.push(list.view().state), onItems: (items) => seen.push(...items.map((item) => item.id)) })
  expect(list.view()).toEqual({ state: 'idle', hasMore: false, loadingMore: false, pagesLoaded: 0 })
  await list.loadFirst('/api/v1/things')
  expect(list.items.map((item) => item.id)).toEqual([1, 2])
  expect(list.view()).toEqual({ state: 'ready', hasMore: true, loadingMore: false, pagesLoaded: 1 })
  await list.loadMore()
  expect(list.items.map((item) => item.id)).toEqual([1, 2, 3])
  expect(list.view()).toEqual({ state: 'ready', hasMore: false, loadingMore: false, pagesLoaded: 2 })
  expect(seen).toEqual([1, 2, 2, 3])
  expect(changes[0]).toBe('loading')
})

test('a newer first load makes the older answer stale', async () => {
  const held = setUp({ hold: (key) => key === '/api/v1/things' })
  const list = new PagedList()
  const older = list.loadFirst('/api/v1/things')
  await list.loadFirst('/api/v1/other')
  await new Promise((resolve) => setTimeout(resolve, 5))
  held.forEach((release) => release())
  expect(await older).toBeNull()
  expect(list.items.map((item) => item.id)).toEqual([9])
})
