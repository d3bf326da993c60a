// The Mini Program's own strings, zh-hans first. Texts that come from the backend (error messages, later
// manuscript status labels) are already localized there through the Accept-Language header we send.
//
// The chosen language lives in storage (`language`), so it is known before login; the researcher's profile
// (`language` in /api/v1/me) is the source of truth once signed in, and every switch is saved there too.

const LANGUAGE_STORAGE_KEY = 'language'
const DEFAULT_LANGUAGE = 'zh-hans'
const LANGUAGES = ['zh-hans', 'en']
// Each language is named in itself, so the switch reads the same whatever language is active.
const LANGUAGE_NAMES = { 'zh-hans': '简体中文', en: 'English' }

const STRINGS = {
  'zh-hans': {
    tabHome: '首页',
    tabMe: '我的',
    titleHome: 'Scholar Link',
    titleMe: '我的',

    homeGreeting: '你好，{name}',
    homeGreetingFallback: '你好，研究者',
    homeSubtitle: '在这里跟踪稿件进度、接收编辑部消息、缴纳出版费用。',
    homeSignedOut: '你已退出登录。登录后即可查看你的稿件、消息和订单。',
    sectionManuscripts: '我的稿件',
    sectionInbox: '消息',
    sectionOrders: '订单',
    emptyManuscripts: '暂无稿件。关联你在期刊投稿系统中的账号后，你的稿件及审稿进度会显示在这里。',
    emptyInbox: '暂无消息。稿件状态变化、编辑部通知等消息会显示在这里。',
    emptyOrders: '暂无订单。文章处理费（APC）等待支付的费用和付款记录会显示在这里。',

    meProfileTitle: '个人资料',
    meLanguageTitle: '语言',
    meSignedOut: '你已退出登录',
    fieldDisplayName: '姓名',
    fieldInstitution: '单位',
    fieldOrcid: 'ORCID iD',
    fieldJoined: '注册时间',
    placeholderDisplayName: '请输入你的姓名',
    placeholderInstitution: '请输入你所在的大学或研究机构',
    placeholderOrcid: '例如 0000-0002-1825-0097',
    valueNotSet: '未填写',

    actionEdit: '编辑资料',
    actionSave: '保存',
    actionCancel: '取消',
    actionLogin: '微信登录',
    actionLogout: '退出登录',
    toastSaved: '已保存',
    toastLoggedOut: '已退出登录',

    errorNetwork: '网络连接失败，请检查网络后重试',
    errorServer: '服务暂时不可用，请稍后再试',
    errorThrottled: '操作太频繁，请稍后再试',
    errorSession: '登录已失效，请重新登录',
    errorGeneric: '出错了，请稍后再试',
    errorWechatLogin: '微信登录失败，请稍后再试',
    errorSignedOut: '请先登录',
  },
  en: {
    tabHome: 'Home',
    tabMe: 'Me',
    titleHome: 'Scholar Link',
    titleMe: 'Me',

    homeGreeting: 'Hello, {name}',
    homeGreetingFallback: 'Hello, researcher',
    homeSubtitle: 'Track your manuscripts, hear from editorial offices and pay publication fees here.',
    homeSignedOut: 'You are logged out. Log in to see your manuscripts, messages and orders.',
    sectionManuscripts: 'My manuscripts',
    sectionInbox: 'Inbox',
    sectionOrders: 'Orders',
    emptyManuscripts: 'No manuscripts yet. Once you link your journal submission account, your manuscripts and their review progress will appear here.',
    emptyInbox: 'No messages yet. Status changes on your manuscripts and notices from editorial offices will appear here.',
    emptyOrders: 'No orders yet. Article processing charges (APC) and other fees to pay, with your payment records, will appear here.',

    meProfileTitle: 'Profile',
    meLanguageTitle: 'Language',
    meSignedOut: 'You are logged out',
    fieldDisplayName: 'Name',
    fieldInstitution: 'Institution',
    fieldOrcid: 'ORCID iD',
    fieldJoined: 'Joined',
    placeholderDisplayName: 'Your name',
    placeholderInstitution: 'Your university or research institute',
    placeholderOrcid: 'e.g. 0000-0002-1825-0097',
    valueNotSet: 'Not set',

    actionEdit: 'Edit profile',
    actionSave: 'Save',
    actionCancel: 'Cancel',
    actionLogin: 'Log in with WeChat',
    actionLogout: 'Log out',
    toastSaved: 'Saved',
    toastLoggedOut: 'Logged out',

    errorNetwork: 'Network error. Check your connection and try again.',
    errorServer: 'The service is temporarily unavailable. Please try again later.',
    errorThrottled: 'Too many requests. Please try again later.',
    errorSession: 'Your session has expired. Please log in again.',
    errorGeneric: 'Something went wrong. Please try again later.',
    errorWechatLogin: 'WeChat login failed. Please try again later.',
    errorSignedOut: 'Please log in first.',
  },
}

// Tab bar order must match app.json tabBar.list.
const TAB_BAR_KEYS = ['tabHome', 'tabMe']

function isSupported(language) {
  return LANGUAGES.includes(language)
}

function getLanguage() {
  const stored = wx.getStorageSync(LANGUAGE_STORAGE_KEY)
  return isSupported(stored) ? stored : DEFAULT_LANGUAGE
}

/** Persist the language; returns true when it changed. Unknown languages are ignored. */
function setLanguage(language) {
  if (!isSupported(language) || language === getLanguage()) return false
  wx.setStorageSync(LANGUAGE_STORAGE_KEY, language)
  return true
}

function format(template, params) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (params && name in params ? String(params[name]) : whole))
}

function t(key, params) {
  const table = STRINGS[getLanguage()]
  const template = key in table ? table[key] : STRINGS[DEFAULT_LANGUAGE][key]
  return template === undefined ? key : format(template, params)
}

/** Every string of the current language, for a page's `t` data (WXML reads {{t.someKey}}). */
function strings() {
  return Object.assign({}, STRINGS[getLanguage()])
}

/** Retitle the tab bar and the current page's navigation bar in the current language. */
function applyChrome(titleKey) {
  TAB_BAR_KEYS.forEach((key, index) => {
    wx.setTabBarItem({ index, text: t(key), fail() { /* not on a tab page yet: the next tab page retitles */ } })
  })
  if (titleKey) wx.setNavigationBarTitle({ title: t(titleKey), fail() { /* page is gone */ } })
}

module.exports = {
  DEFAULT_LANGUAGE,
  LANGUAGES,
  LANGUAGE_NAMES,
  LANGUAGE_STORAGE_KEY,
  STRINGS,
  applyChrome,
  getLanguage,
  isSupported,
  setLanguage,
  strings,
  t,
}
