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

module.exports = { formatDate, formatDateTime, parseDate }
