// Money as the backend sends it: integer fen (1 yuan = 100 fen), currency CNY. Shown as yuan with two decimals
// and thousands separators ('¥2,500.00'), computed with integer arithmetic only: dividing by 100 in floating point
// would turn some amounts into 0.1 + 0.2 surprises, and toFixed rounds binary fractions unpredictably.

const FEN_PER_YUAN = 100

/** 1234567 -> '1,234,567' (a non-negative integer). */
function groupThousands(integer) {
  return String(integer).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
}

/**
 * Integer fen -> '¥1,234,567.89'; a negative amount -> '-¥0.50'; anything that is not a safe integer -> ''
 * (never a made-up amount).
 * @param {number} fen
 */
function formatYuan(fen) {
  if (typeof fen !== 'number' || !Number.isSafeInteger(fen)) return ''
  const sign = fen < 0 ? '-' : ''
  const absolute = Math.abs(fen)
  const yuan = Math.floor(absolute / FEN_PER_YUAN) // exact: both are integers well inside 2^53
  const cents = absolute % FEN_PER_YUAN
  return `${sign}¥${groupThousands(yuan)}.${String(cents).padStart(2, '0')}`
}

module.exports = { FEN_PER_YUAN, formatYuan }
