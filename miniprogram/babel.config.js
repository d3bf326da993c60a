// Only for jest: tdesign-miniprogram's miniprogram_dist is ES modules; DevTools compiles it itself.
module.exports = { plugins: ['@babel/plugin-transform-modules-commonjs'] }
