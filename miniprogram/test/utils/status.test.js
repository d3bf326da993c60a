/** @jest-environment node */
const status = require('../../src/utils/status')

const CANONICAL = ['submitted', 'with_editor', 'under_review', 'revision_requested', 'revision_submitted',
  'accepted', 'in_production', 'published', 'rejected', 'withdrawn']

test('every canonical status has its own color and a known group', () => {
  expect(Object.keys(status.STATUSES).sort()).toEqual([...CANONICAL].sort())
  const colors = CANONICAL.map((code) => status.statusColor(code))
  expect(new Set(colors).size).toBe(CANONICAL.length)
  colors.forEach((color) => expect(color).toMatch(/^#[0-9a-f]{6}$/))
  const groups = status.GROUPS.map((group) => group.key)
  CANONICAL.forEach((code) => expect(groups).toContain(status.statusGroup(code)))
})

test('groups: revision requested needs action; accepted and production together; rejected and withdrawn closed', () => {
  expect(status.statusGroup('revision_requested')).toBe('action')
  expect(['submitted', 'with_editor', 'under_review', 'revision_submitted'].map(status.statusGroup)).toEqual(Array(4).fill('in_progress'))
  expect(['accepted', 'in_production'].map(status.statusGroup)).toEqual(['accepted', 'accepted'])
  expect(status.statusGroup('published')).toBe('published')
  expect(['rejected', 'withdrawn'].map(status.statusGroup)).toEqual(['closed', 'closed'])
})

test('a status this build does not know is shown neutrally among the open ones', () => {
  expect(status.statusGroup('transferred')).toBe('in_progress')
  expect(status.statusColor('transferred')).toBe(status.UNKNOWN_STATUS.color)
  expect(status.statusColor('constructor')).toBe(status.UNKNOWN_STATUS.color)
})

test('groupManuscripts keeps GROUPS order, drops empty groups and keeps the order inside a group', () => {
  const manuscripts = [
    { id: 1, status: 'under_review' },
    { id: 2, status: 'rejected' },
    { id: 3, status: 'revision_requested' },
    { id: 4, status: 'submitted' },
  ]
  const groups = status.groupManuscripts(manuscripts)
  expect(groups.map((group) => [group.key, group.titleKey, group.items.map((item) => item.id)])).toEqual([
    ['action', 'groupAction', [3]],
    ['in_progress', 'groupInProgress', [1, 4]],
    ['closed', 'groupClosed', [2]],
  ])
  expect(status.groupManuscripts([])).toEqual([])
})

test('chip style: text and border in the status color on a light tint of it', () => {
  expect(status.chipStyle('revision_requested')).toBe('color: #e37318; background-color: rgba(227, 115, 24, 0.12); border-color: #e37318;')
  expect(status.tint('#0052d9', 0.5)).toBe('rgba(0, 82, 217, 0.5)')
})

test('account statuses map to a tag theme and a label key', () => {
  expect(status.accountStatusInfo('verified')).toEqual({ theme: 'success', labelKey: 'accountStatusVerified' })
  expect(status.accountStatusInfo('pending')).toEqual({ theme: 'warning', labelKey: 'accountStatusPending' })
  expect(status.accountStatusInfo('manual_review')).toEqual({ theme: 'primary', labelKey: 'accountStatusManualReview' })
  expect(status.accountStatusInfo('suspended')).toEqual({ theme: 'default', labelKey: '' })
})
