// Which backend the Mini Program talks to.
//
// The origin is chosen by the build the user is running (wx.getAccountInfoSync().miniProgram.envVersion):
//   develop (DevTools, 开发版)  -> http://127.0.0.1:8000, the Django dev server (`python manage.py runserver`);
//                                  DevTools must have "不校验合法域名" on (project.config.json urlCheck: false).
//   trial (体验版), release (正式版) -> the publisher's public https origin, which must also be listed as a
//                                  "request 合法域名" in the Mini Program admin console.
//
// Override for testers: storage key `api_base` wins over the above, so any build can be pointed at another
// backend without rebuilding, e.g. in the DevTools console (or vConsole on a phone):
//   wx.setStorageSync('api_base', 'http://192.168.1.20:8000')   // then restart the Mini Program
//   wx.removeStorageSync('api_base')                             // back to the default
// The value is an origin without a trailing slash (one is stripped if given); API paths are appended to it.

const API_BASE_STORAGE_KEY = 'api_base'

const API_BASES = {
  develop: 'http://127.0.0.1:8000',
  trial: 'https://scholarlink.publisher.example',
  release: 'https://scholarlink.publisher.example',
}

function envVersion() {
  try {
    return wx.getAccountInfoSync().miniProgram.envVersion || 'release'
  } catch (err) {
    return 'develop' // getAccountInfoSync is missing only outside the WeChat client (simulators, tests)
  }
}

function apiBase() {
  const override = wx.getStorageSync(API_BASE_STORAGE_KEY)
  if (override) return String(override).replace(/\/+$/, '')
  return API_BASES[envVersion()] || API_BASES.release
}

module.exports = { API_BASES, API_BASE_STORAGE_KEY, apiBase, envVersion }
