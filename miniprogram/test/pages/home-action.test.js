// The home page's "需要您处理 / Action required" section: what waits on the researcher (the backend's action_required,
// listed first), what is needed (action_needed) and by when (due_date: days left, due today, overdue), highlighted;
// every card keeps its manuscript number and days in status.
const { installWx } = require('../helpers/wx-mock')
const { createBackend, makeManuscript } = require('../helpers/fake-backend')
const { launchApp, loadPage, textOf } = require('../helpers/page')
const i18n = require('../../src/utils/i18n')

const VERIFIED = [{ id: 101, status: 'verified' }]

/** The phone's day `offset` days from today, as the backend writes due dates ('YYYY-MM-DD'). */
function dayFromToday(offset) {
  const day = new Date()
  day.setDate(day.getDate() + offset)
  return `${day.getFullYear()}-${String(day.getMonth() + 1).padStart(2, '0')}-${String(day.getDate()).padStart(2, '0')}`
}

async function openHome(manuscripts, { language } = {}) {
  const backend = createBackend({ accounts: VERIFIED, manuscripts, researcher: language ? { language } : {} })
  installWx({ respond: backend.respond })
  launchApp()
  const page = loadPage('pages/home/home')
  await page.instance.__shown
  return page
}

const rowTitles = (page, group) => page.querySelectorAll(`#group-${group} .manuscript-row__title`).map((node) => node.dom.textContent.trim())
const rowText = (page, id, part) => textOf(page, `#manuscript-${id} .manuscript-row__${part}`)
const dueClass = (page, id) => page.querySelector(`#manuscript-${id} .manuscript-row__due`).dom.className

afterEach(() => i18n.setLanguage('zh-hans'))

test('what waits on the researcher is one highlighted section on top, soonest due first', async () => {
  const page = await openHome([
    makeManuscript({ id: 1, title: 'Newest under review', status: 'under_review', last_activity_at: '2025-11-28T00:00:00Z' }),
    makeManuscript({ id: 2, title: 'Revise later', status: 'revision_requested', due_date: dayFromToday(20), last_activity_at: '2025-11-02T00:00:00Z' }),
    makeManuscript({ id: 3, title: 'Revise soon', status: 'revision_requested', due_date: dayFromToday(2), last_activity_at: '2025-10-02T00:00:00Z' }),
    makeManuscript({ id: 4, title: 'Revise, no date', status: 'revision_requested', last_activity_at: '2025-11-27T00:00:00Z' }),
  ])
  expect(page.querySelectorAll('.manuscript-group__title').map((node) => node.dom.textContent.trim())).toEqual(['需要您处理', '进行中'])
  expect(page.querySelector('#group-action').dom.className).toContain('manuscript-group--action')
  expect(page.querySelector('#group-in_progress').dom.className).not.toContain('manuscript-group--action')
  expect(rowTitles(page, 'action')).toEqual(['Revise soon', 'Revise later', 'Revise, no date'])
  expect(rowTitles(page, 'in_progress')).toEqual(['Newest under review'])
})

test('an action card says what is needed and how many days are left', async () => {
  const due = dayFromToday(5)
  const page = await openHome([makeManuscript({ id: 7, status: 'revision_requested', due_date: due })])
  expect(rowText(page, 7, 'needed')).toBe('提交修改稿')
  expect(rowText(page, 7, 'due')).toBe(`还有 5 天截止（${due}）`)
  expect(dueClass(page, 7)).toContain('manuscript-row__due--later')
})

test.each([
  [0, '今天截止', 'soon'],
  [1, `明天截止（${dayFromToday(1)}）`, 'soon'],
  [3, `还有 3 天截止（${dayFromToday(3)}）`, 'soon'],
  [-2, `已逾期 2 天（${dayFromToday(-2)}）`, 'overdue'],
])('%i days from today reads "%s"', async (offset, text, state) => {
  const page = await openHome([makeManuscript({ id: 7, status: 'revision_requested', due_date: dayFromToday(offset) })])
  expect(rowText(page, 7, 'due')).toBe(text)
  expect(dueClass(page, 7)).toContain(`manuscript-row__due--${state}`)
})

test('without a due date the card says what is needed and no date', async () => {
  const page = await openHome([makeManuscript({ id: 7, status: 'revision_requested' })])
  expect(rowText(page, 7, 'needed')).toBe('提交修改稿')
  expect(page.querySelector('#manuscript-7 .manuscript-row__due')).toBeUndefined()
})

test('requested files or proofs are action required whatever the status', async () => {
  const page = await openHome([
    makeManuscript({ id: 8, title: 'Proofs', status: 'in_production', action: 'proofs', due_date: dayFromToday(4) }),
    makeManuscript({ id: 9, title: 'Typesetting', status: 'in_production' }),
  ])
  expect(rowTitles(page, 'action')).toEqual(['Proofs'])
  expect(rowText(page, 8, 'needed')).toBe('核对并确认校样')
  expect(rowTitles(page, 'accepted')).toEqual(['Typesetting'])
  expect(page.querySelector('#manuscript-9 .manuscript-row__action')).toBeUndefined()
})

test('a revision request the backend says needs nothing of this researcher is not in the section', async () => {
  const page = await openHome([makeManuscript({ id: 7, status: 'revision_requested', action: '' })])
  expect(page.querySelector('#group-action')).toBeUndefined()
  expect(rowTitles(page, 'in_progress')).toHaveLength(1)
})

test('every card shows the manuscript number and days in status', async () => {
  const page = await openHome([
    makeManuscript({ id: 7, status: 'revision_requested', manuscript_number: 'JAS-2026-0042', days_in_status: 3, due_date: dayFromToday(9) }),
    makeManuscript({ id: 8, status: 'under_review', manuscript_number: '1187', days_in_status: 41 }),
  ])
  expect(rowText(page, 7, 'number')).toBe('· JAS-2026-0042')
  expect(rowText(page, 7, 'days')).toBe('此状态已 3 天')
  expect(rowText(page, 8, 'number')).toBe('· 1187')
  expect(rowText(page, 8, 'days')).toBe('此状态已 41 天')
})

test('in English', async () => {
  const due = dayFromToday(-1)
  const page = await openHome([makeManuscript({ id: 7, status: 'revision_requested', due_date: due })], { language: 'en' })
  expect(textOf(page, '#group-action .manuscript-group__title')).toBe('Action required')
  expect(rowText(page, 7, 'needed')).toBe('Submit your revision')
  expect(rowText(page, 7, 'due')).toBe(`Overdue by 1 days (${due})`)
  const row = page.data.groups[0].items[0]
  expect(row.a11yLabel).toContain(`Submit your revision, Overdue by 1 days (${due})`)
})
