const { formatYuan } = require('../../src/utils/money')

test.each([
  [0, '¥0.00'],
  [1, '¥0.01'],
  [99, '¥0.99'],
  [100, '¥1.00'],
  [250000, '¥2,500.00'],
  [123456789, '¥1,234,567.89'],
])('%i fen is shown as %s', (fen, shown) => {
  expect(formatYuan(fen)).toBe(shown)
})

test('amounts where floating-point division would drift come out exact', () => {
  // 0.29 * 100, 1.005 * 100, … : integer arithmetic never meets them.
  expect(formatYuan(29)).toBe('¥0.29')
  expect(formatYuan(100500)).toBe('¥1,005.00')
  expect(formatYuan(110)).toBe('¥1.10')
  expect(formatYuan(Number.MAX_SAFE_INTEGER)).toBe('¥90,071,992,547,409.91')
})

test('a negative amount (a refund shown as such) keeps its sign in front', () => {
  expect(formatYuan(-50)).toBe('-¥0.50')
})

test('anything that is not an integer number of fen is shown as nothing, never as a made-up amount', () => {
  ;[undefined, null, '250000', 12.5, NaN, Infinity].forEach((value) => expect(formatYuan(value)).toBe(''))
})
