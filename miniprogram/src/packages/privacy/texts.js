// The privacy page's own strings, zh-hans first, kept in the subpackage (like packages/interests/texts.js) so the
// main package does not carry them. A page's `t` data has the app's strings too (utils/i18n.js).
const i18n = require('../../utils/i18n')

const STRINGS = {
  'zh-hans': {
    titleMyData: '我的个人信息',
    myDataIntro: '依据《个人信息保护法》，你可以随时导出或删除我们保存的你的个人信息。',
    myDataExportTitle: '导出我的数据',
    myDataExportText: '查看我们保存的你的全部个人信息（资料、微信身份、关联的期刊账号、稿件、消息、订单、标签等），并可复制为 JSON。不包含任何密钥或登录凭证。',
    myDataExportAction: '导出我的数据',
    myDataExportFailed: '导出失败，请稍后重试。',
    myDataCopyAction: '复制全部数据（JSON）',
    myDataCopied: '已复制',
    myDataSummaryTitle: '已导出的数据',
    myDataSectionProfile: '个人资料',
    myDataSectionIdentities: '微信身份',
    myDataSectionAccounts: '关联的期刊账号',
    myDataSectionManuscripts: '稿件',
    myDataSectionNotifications: '消息',
    myDataSectionOrders: '订单',
    myDataSectionShares: '分享',
    myDataSectionConversations: '咨询会话',
    myDataSectionTags: '标签与关注',
    myDataCount: '{count} 项',
    myDataEraseTitle: '删除我的数据',
    myDataEraseText: '将删除你的个人资料、微信身份、关联的期刊账号、消息、标签、关注和分享，并退出登录。已支付的订单依照会计法规保留金额、订单号和交易号，但不再与你关联。此操作不可撤销。',
    myDataEraseAction: '删除我的数据',
    myDataEraseConfirmTitle: '确定删除你的全部个人数据？',
    myDataEraseConfirmText: '个人资料、期刊账号关联、消息、标签和分享将被永久删除；已支付的订单匿名保留。之后再次登录将是一个全新的空白账号。',
    myDataEraseConfirm: '删除',
    myDataErased: '你的数据已删除',
    myDataErasing: '正在删除…',
  },
  en: {
    titleMyData: 'My personal data',
    myDataIntro: 'Under China\u2019s Personal Information Protection Law you can export or delete the personal data we hold about you at any time.',
    myDataExportTitle: 'Export my data',
    myDataExportText: 'See all the personal data we hold about you (profile, WeChat identity, linked journal accounts, manuscripts, messages, orders, tags…) and copy it as JSON. No keys or sign-in credentials are included.',
    myDataExportAction: 'Export my data',
    myDataExportFailed: 'The export failed. Please try again later.',
    myDataCopyAction: 'Copy all data (JSON)',
    myDataCopied: 'Copied',
    myDataSummaryTitle: 'Exported data',
    myDataSectionProfile: 'Profile',
    myDataSectionIdentities: 'WeChat identities',
    myDataSectionAccounts: 'Linked journal accounts',
    myDataSectionManuscripts: 'Manuscripts',
    myDataSectionNotifications: 'Messages',
    myDataSectionOrders: 'Orders',
    myDataSectionShares: 'Shares',
    myDataSectionConversations: 'Conversations',
    myDataSectionTags: 'Tags and follows',
    myDataCount: '{count}',
    myDataEraseTitle: 'Delete my data',
    myDataEraseText: 'Deletes your profile, WeChat identity, linked journal accounts, messages, tags, follows and shares, and signs you out. Paid orders keep their amount, order number and transaction id as accounting law requires, but no longer point to you. This cannot be undone.',
    myDataEraseAction: 'Delete my data',
    myDataEraseConfirmTitle: 'Delete all your personal data?',
    myDataEraseConfirmText: 'Your profile, journal account links, messages, tags and shares are deleted for good; paid orders are kept anonymized. Logging in again starts a new, empty account.',
    myDataEraseConfirm: 'Delete',
    myDataErased: 'Your data was deleted',
    myDataErasing: 'Deleting…',
  },
}

function table() {
  return STRINGS[i18n.getLanguage()] || STRINGS[i18n.DEFAULT_LANGUAGE]
}

/** A privacy-page string (or, failing that, one of the app's) with {params} filled in. */
function t(key, params) {
  const template = table()[key]
  if (template === undefined) return i18n.t(key, params)
  return template.replace(/\{(\w+)\}/g, (whole, name) => (params && name in params ? String(params[name]) : whole))
}

/** The app's strings and the privacy-page strings of the current language, for a page's `t` data. */
function strings() {
  return Object.assign(i18n.strings(), table())
}

/** Retitle the navigation bar in the current language. */
function setTitle(key) {
  wx.setNavigationBarTitle({ title: t(key), fail() { /* page is gone */ } })
}

module.exports = { STRINGS, setTitle, strings, t }
