// The tab bar, in one place: 首页 / 消息 / 我的. app.json's tabBar.list must list the same pages in the same order
// with these zh-hans texts (WeChat reads app.json; a test checks the two agree). Code that needs a tab (its index
// for the badge, its title in another language, whether a page opens with switchTab) reads it from here.
const TABS = [
  { pagePath: 'pages/home/home', textKey: 'tabHome', text: '首页' },
  { pagePath: 'pages/inbox/inbox', textKey: 'tabInbox', text: '消息' },
  { pagePath: 'pages/me/me', textKey: 'tabMe', text: '我的' },
]

const TAB_PAGES = TABS.map((tab) => tab.pagePath)

function tabIndex(pagePath) {
  return TAB_PAGES.indexOf(pagePath)
}

module.exports = { TABS, TAB_PAGES, tabIndex }
