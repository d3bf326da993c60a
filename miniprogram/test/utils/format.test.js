/** @jest-environment node */
// jest.config.js runs the tests in Asia/Shanghai (UTC+8), the time zone of most of our researchers' phones.
const { formatDate, formatDateTime, parseDate } = require('../../src/utils/format')

test('dates are the local day', () => {
  expect(formatDate('2025-11-20T08:30:00Z')).toBe('2025-11-20')
  expect(formatDate('2025-11-20T17:30:00Z')).toBe('2025-11-21')
  expect(formatDate('2025-11-21T01:30:00+08:00')).toBe('2025-11-21')
})

test('date and time are local, to the minute', () => {
  expect(formatDateTime('2025-11-20T08:05:59Z')).toBe('2025-11-20 16:05')
})

test("Django's microseconds are accepted (cut to milliseconds, which every engine reads)", () => {
  expect(parseDate('2025-11-20T08:30:00.123456Z').toISOString()).toBe('2025-11-20T08:30:00.123Z')
  expect(formatDateTime('2025-11-20T08:30:00.999999Z')).toBe('2025-11-20 16:30')
})

test('missing or unreadable dates give an empty text', () => {
  expect(formatDate(null)).toBe('')
  expect(formatDate('')).toBe('')
  expect(formatDateTime(undefined)).toBe('')
  expect(formatDate('not a date')).toBe('')
  expect(parseDate('not a date')).toBeNull()
})

describe('formatRelative', () => {
  const { formatRelative: relative } = require('../../src/utils/format')
  const t = (key, params) => (params ? `${key}:${params.count}` : key)
  const NOW = Date.parse('2025-11-25T10:00:00Z')
  const before = (ms) => new Date(NOW - ms).toISOString()

  test('under a minute is "just now" (also a little ahead, from clock skew)', () => {
    expect(relative(before(0), t, NOW)).toBe('timeJustNow')
    expect(relative(before(59 * 1000), t, NOW)).toBe('timeJustNow')
    expect(relative(before(-30 * 1000), t, NOW)).toBe('timeJustNow')
  })

  test('minutes under an hour, hours under a day', () => {
    expect(relative(before(60 * 1000), t, NOW)).toBe('timeMinutesAgo:1')
    expect(relative(before(59 * 60 * 1000 + 59 * 1000), t, NOW)).toBe('timeMinutesAgo:59')
    expect(relative(before(60 * 60 * 1000), t, NOW)).toBe('timeHoursAgo:1')
    expect(relative(before(23 * 60 * 60 * 1000 + 59 * 60 * 1000), t, NOW)).toBe('timeHoursAgo:23')
  })

  test('a day or more ago, or well in the future, is the local date and time', () => {
    expect(relative('2025-11-24T10:00:00Z', t, NOW)).toBe('2025-11-24 18:00')
    expect(relative('2025-11-25T10:05:00Z', t, NOW)).toBe('2025-11-25 18:05')
  })

  test('missing or unreadable is empty', () => {
    expect(relative(null, t, NOW)).toBe('')
    expect(relative('soon', t, NOW)).toBe('')
  })
})
