// Dates are shown in the phone's time zone; tests run as a phone in China would (UTC+8, no daylight saving).
// Set here, before jest starts its workers: a test file's `process` is a sandboxed copy.
process.env.TZ = 'Asia/Shanghai'

module.exports = {
  testEnvironment: 'jsdom',
  testMatch: ['<rootDir>/test/**/*.test.js'],
  // tdesign's miniprogram_dist imports "tslib" from its own nested miniprogram_npm/
  moduleDirectories: ['node_modules', 'miniprogram_npm'],
  transform: { '\\.js$': 'babel-jest' }, // tdesign's dist is ESM
  globalSetup: '<rootDir>/test/global-setup.js', // builds src/miniprogram_npm when missing or stale
  // Jest's default is one worker fewer than the cores: one on a two-core CI machine. Two cut its time by a third there.
  maxWorkers: 2,
  testTimeout: 20000, // page tests compile WXML with the official compiler; slow machines need headroom
  setupFiles: ['<rootDir>/test/setup.js'], // Page/App/getApp shims
}
