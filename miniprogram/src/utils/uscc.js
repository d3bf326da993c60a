// The unified social credit code (统一社会信用代码) of a company, as GB 32100-2015 defines it: 18 characters from a
// 31-character set (digits and capital letters without I, O, Z, S, V); the 18th is a check character computed from
// the first 17 with fixed weights: check = (31 - Σ value(c_i) · w_i mod 31) mod 31, mapped back through the set.
// The fapiao form checks it before sending, like the backend does (which has the final word).

const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
const LENGTH = 18

/** What people type -> the canonical form: trimmed, without inner spaces, upper case. */
function normalize(code) {
  return String(code || '').replace(/\s+/g, '').toUpperCase()
}

/** The check character of the first 17 characters, or '' when one of them is not in the set. */
function checkCharacter(first17) {
  const body = String(first17)
  if (body.length !== WEIGHTS.length) return ''
  let sum = 0
  for (let index = 0; index < WEIGHTS.length; index += 1) {
    const value = CHARSET.indexOf(body[index])
    if (value < 0) return ''
    sum += value * WEIGHTS[index]
  }
  return CHARSET[(31 - (sum % 31)) % 31]
}

/** Whether `code` (after normalize) is a well-formed USCC with the right check character. */
function isValidUscc(code) {
  const value = normalize(code)
  if (value.length !== LENGTH) return false
  const expected = checkCharacter(value.slice(0, LENGTH - 1))
  return expected !== '' && expected === value[LENGTH - 1]
}

module.exports = { CHARSET, WEIGHTS, checkCharacter, isValidUscc, normalize }
