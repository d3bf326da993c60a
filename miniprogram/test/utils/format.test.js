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
