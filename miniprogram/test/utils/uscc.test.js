const { CHARSET, checkCharacter, isValidUscc, normalize } = require('../../src/utils/uscc')

test('91350100M000100Y43 (a real, valid code) checks out, and its check character is 3', () => {
  expect(isValidUscc('91350100M000100Y43')).toBe(true)
  expect(checkCharacter('91350100M000100Y4')).toBe('3')
})

test('the character set is the 31 of the standard: no I, O, Z, S or V', () => {
  expect(CHARSET).toHaveLength(31)
  ;['I', 'O', 'Z', 'S', 'V'].forEach((letter) => expect(CHARSET).not.toContain(letter))
})

test.each([
  // Check characters computed with the standard's algorithm (weights 3^i mod 31) for these bodies.
  ['91110000600037341L'],
  ['91440300708461136T'],
  ['12100000400000770U'],
  ['91310000MA1FL1234Q'],
])('%s is valid', (code) => {
  expect(isValidUscc(code)).toBe(true)
})

test('the weights are 3^i mod 31, so an independent computation agrees on every example', () => {
  const independent = (body) => {
    let sum = 0
    for (let index = 0; index < 17; index += 1) sum += CHARSET.indexOf(body[index]) * (3 ** index % 31)
    return CHARSET[(31 - (sum % 31)) % 31]
  }
  ;['91350100M000100Y4', '91110000600037341', '12100000400000770', '91310000MA1FL1234'].forEach((body) => {
    expect(checkCharacter(body)).toBe(independent(body))
  })
})

test.each([
  ['91350100M000100Y44', 'wrong check character'],
  ['91350100M000100Y4', 'too short'],
  ['91350100M000100Y433', 'too long'],
  ['91350100O000100Y43', 'a letter outside the set (O)'],
  ['', 'empty'],
])('%s is rejected (%s)', (code) => {
  expect(isValidUscc(code)).toBe(false)
})

test('what people type is normalized: spaces and lower case are fine', () => {
  expect(normalize(' 9135 0100m000 100y43 ')).toBe('91350100M000100Y43')
  expect(isValidUscc('91350100m000100y43')).toBe(true)
})
