// Dates from the backend (ISO 8601, UTC) shown in the phone's own time zone.

function pad(number) {
  return String(number).padStart(2, '0')
}

/** ISO string -> Date, or null. Fractions are cut to milliseconds: the iOS engine rejects '.123456Z'. */
function parseDate(iso) {
  if (!iso) return null
  const date = new Date(String(iso).replace(/(\.\d{3})\d+/, '$1'))
  return Number.isNaN(date.getTime()) ? null : date
}

/** '2025-11-20T16:30:00Z' -> '2025-11-21' in UTC+8; '' when missing or unreadable. */
function formatDate(iso) {
  const date = parseDate(iso)
  return date ? `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` : ''
}

/** '2025-11-20T08:30:00Z' -> '2025-11-20 16:30' in UTC+8; '' when missing or unreadable. */
function formatDateTime(iso) {
  const date = parseDate(iso)
  return date ? `${formatDate(iso)} ${pad(date.getHours())}:${pad(date.getMinutes())}` : ''
}

const MINUTE_MS = 60 * 1000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/**
 * How long ago, for lists of recent things: 'just now' under a minute, 'N minutes ago' under an hour,
 * 'N hours ago' under a day, else formatDateTime. `t` is i18n.t (this module stays free of wx); a time more than
 * a minute ahead of the phone's clock (clock skew) is shown as a date too.
 * @param {string} iso
 * @param {(key: string, params?: Object) => string} t
 * @param {number} [now] milliseconds, Date.now() by default
 */
function formatRelative(iso, t, now = Date.now()) {
  const date = parseDate(iso)
  if (!date) return ''
  const ago = now - date.getTime()
  if (ago < -MINUTE_MS || ago >= DAY_MS) return formatDateTime(iso)
  if (ago < MINUTE_MS) return t('timeJustNow')
  if (ago < HOUR_MS) return t('timeMinutesAgo', { count: Math.floor(ago / MINUTE_MS) })
  return t('timeHoursAgo', { count: Math.floor(ago / HOUR_MS) })
}

/**
 * Whole days from the phone's today to a day the backend gives as 'YYYY-MM-DD' (a due date): 0 today, 1 tomorrow,
 * -2 two days ago; null when missing or unreadable. Counted on calendar days, so the hour of the day does not matter.
 * @param {string} day
 * @param {number} [now] milliseconds, Date.now() by default
 */
function daysUntil(day, now = Date.now()) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day || ''))
  if (!match) return null
  const today = new Date(now)
  const target = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
  return Math.round((target - Date.UTC(today.getFullYear(), today.getMonth(), today.getDate())) / DAY_MS)
}

module.exports = { daysUntil, formatDate, formatDateTime, formatRelative, parseDate }
