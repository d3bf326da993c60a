// The Mini Program's own strings, zh-hans first. Texts that come from the backend (error messages, manuscript
// status labels and explanations, journal names) are already localized there through the Accept-Language
// header we send.
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
    tabInbox: '消息',
    titleHome: 'Scholar Link',
    titleMe: '我的',
    titleInbox: '消息',
    titleNotice: '消息详情',

    homeGreeting: '你好，{name}',
    homeGreetingFallback: '你好，研究者',
    homeSubtitle: '在这里跟踪稿件进度、接收编辑部消息、缴纳出版费用。',
    homeSignedOut: '你已退出登录。登录后即可查看你的稿件、消息和订单。',
    sectionManuscripts: '我的稿件',
    sectionInbox: '消息',
    sectionOrders: '订单',
    emptyManuscripts: '暂无稿件。关联你在期刊投稿系统中的账号后，你的稿件及审稿进度会显示在这里。',
    emptyInbox: '还没有消息。稿件状态变化、待缴费用提醒和付款结果等通知会显示在这里。',
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

    titleManuscript: '稿件详情',
    titleAccounts: '期刊账号',
    titleLink: '关联期刊账号',

    groupAction: '需要你处理',
    groupInProgress: '进行中',
    groupAccepted: '已录用',
    groupPublished: '已发表',
    groupClosed: '已结束',
    emptyPendingAccount: '你的期刊账号还没有完成验证。输入邮件中的验证码后，你的稿件及审稿进度会显示在这里。',
    emptyNoManuscripts: '已关联的期刊账号下还没有稿件。在期刊投稿系统中投稿后，稿件会在下次同步时显示在这里。',
    manuscriptsLoadFailed: '稿件加载失败。',
    manuscriptLastActivity: '更新于 {date}',
    listLoadingMore: '加载中…',
    listNoMore: '没有更多了',

    detailPlatformSays: '期刊系统显示：{status}',
    detailMissing: '期刊系统中已找不到这篇稿件（可能已撤稿或被删除），这里显示的是最后一次同步到的信息。',
    detailNotFound: '找不到这篇稿件。它可能已随期刊账号解除关联而移出你的列表。',
    detailTimeline: '进度记录',
    detailTimelineEmpty: '暂无状态变化记录。',
    fieldJournal: '期刊',
    fieldJournalSystem: '投稿系统',
    fieldSubmittedAt: '投稿时间',
    fieldLastActivity: '最近更新',
    fieldDoi: 'DOI',
    fieldLink: '稿件链接',
    toastDoiCopied: 'DOI 已复制',
    toastLinkCopied: '链接已复制',

    meLinkedAccounts: '已关联的期刊账号',
    accountStatusVerified: '已验证',
    accountStatusPending: '待验证',
    accountStatusManualReview: '人工核验中',
    fieldEmailOnFile: '登记邮箱',
    fieldLastSync: '最近同步',
    fieldManuscriptCount: '稿件数',
    valueNeverSynced: '尚未同步',
    accountSyncError: '同步出错：{message}',
    accountPendingNote: '还没有输入邮件中的验证码。',
    accountManualReviewNote: '出版社工作人员正在人工核验这个账号，核验通过后会自动开始同步。',
    emptyAccounts: '还没有关联期刊账号。关联后，你在期刊投稿系统中的稿件会自动同步到这里。',
    actionSync: '立即同步',
    actionUnlink: '解除关联',
    actionAddAccount: '关联新账号',
    actionLinkAccount: '关联期刊账号',
    actionContinueVerification: '继续验证',
    actionRetry: '重试',
    toastSyncQueued: '已开始同步',
    toastUnlinked: '已解除关联',
    unlinkConfirmTitle: '解除关联？',
    unlinkConfirmContent: '解除后，{system} 账号 {identity} 下的稿件将不再显示在你的列表中。',

    linkStepSystem: '选择系统',
    linkStepIdentity: '填写账号',
    linkStepCode: '输入验证码',
    linkChooseSystem: '你的稿件投在哪个投稿系统？',
    linkSystemJournals: '期刊：{journals}',
    listSeparator: '、',
    linkNoSystems: '暂时没有可以关联的期刊系统。',
    linkIdentityLabel: '账号',
    linkIdentityPlaceholder: '邮箱、用户名或 ORCID iD',
    linkIdentityHint: '填写你登录 {system} 时使用的邮箱、用户名或 ORCID iD。6 位验证码会发送到 {system} 中登记的邮箱，不一定是你在这里填写的地址。',
    linkIdentityRequired: '请填写邮箱、用户名或 ORCID iD。',
    linkCodeSent: '如果 {system} 中有这个账号，6 位验证码已发送到它登记的邮箱 {email}。',
    linkCodeSentNoHint: '如果 {system} 中有这个账号，6 位验证码已发送到它登记的邮箱。',
    linkCodeLabel: '验证码',
    linkCodePlaceholder: '6 位数字',
    linkCodeRequired: '请输入 6 位数字验证码。',
    linkManualOffer: '收不到邮件，或那个邮箱已经不用了？',
    linkTooManyAttempts: '验证码尝试次数已用完。你可以请出版社工作人员人工核验这个账号。',
    linkManualTitle: '请出版社人工核验',
    linkManualHint: '出版社工作人员会人工核实这个账号属于你，可能需要几个工作日。可以在下面补充说明，例如你现在使用的邮箱或所在单位。',
    linkManualNotePlaceholder: '补充说明（选填）',
    linkAlreadyVerified: '这个账号已经完成验证。',
    linkAccountNotFound: '找不到这个待验证的账号，请重新关联。',
    actionChange: '更换',
    actionSendCode: '发送验证码',
    actionVerify: '验证',
    actionResend: '重新发送',
    actionResendIn: '{seconds} 秒后可重新发送',
    actionAskStaff: '请出版社人工核验',
    actionSubmitManualReview: '提交人工核验申请',
    toastCodeResent: '验证码已重新发送',
    toastManualReviewRequested: '已提交',
    toastLinked: '关联成功',

    inboxFilterAll: '全部',
    inboxFilterUnread: '未读',
    inboxUnreadCount: '{count} 条未读',
    emptyInboxUnread: '没有未读消息。新的稿件状态变化和缴费通知会显示在这里。',
    inboxLoadFailed: '消息加载失败。',
    noticeNotFound: '找不到这条消息。',
    actionMarkAllRead: '全部已读',
    actionSeeAll: '查看全部',
    actionOpenNotice: '查看相关内容',
    toastAllRead: '已全部标为已读',
    timeJustNow: '刚刚',
    timeMinutesAgo: '{count} 分钟前',
    timeHoursAgo: '{count} 小时前',

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
    tabInbox: 'Inbox',
    titleHome: 'Scholar Link',
    titleMe: 'Me',
    titleInbox: 'Inbox',
    titleNotice: 'Message',

    homeGreeting: 'Hello, {name}',
    homeGreetingFallback: 'Hello, researcher',
    homeSubtitle: 'Track your manuscripts, hear from editorial offices and pay publication fees here.',
    homeSignedOut: 'You are logged out. Log in to see your manuscripts, messages and orders.',
    sectionManuscripts: 'My manuscripts',
    sectionInbox: 'Inbox',
    sectionOrders: 'Orders',
    emptyManuscripts: 'No manuscripts yet. Once you link your journal submission account, your manuscripts and their review progress will appear here.',
    emptyInbox: 'No messages yet. Status changes on your manuscripts, fees to pay and payment confirmations will appear here.',
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

    titleManuscript: 'Manuscript',
    titleAccounts: 'Journal accounts',
    titleLink: 'Link a journal account',

    groupAction: 'Needs your action',
    groupInProgress: 'In progress',
    groupAccepted: 'Accepted & production',
    groupPublished: 'Published',
    groupClosed: 'Closed',
    emptyPendingAccount: 'Your journal account is not verified yet. Enter the code from the e-mail and your manuscripts and their review progress will appear here.',
    emptyNoManuscripts: 'No manuscripts under your linked journal accounts yet. Once you submit on a journal system, the manuscript appears here after the next sync.',
    manuscriptsLoadFailed: 'Could not load your manuscripts.',
    manuscriptLastActivity: 'Updated {date}',
    listLoadingMore: 'Loading…',
    listNoMore: 'No more',

    detailPlatformSays: 'The journal system says: {status}',
    detailMissing: 'The journal system no longer lists this manuscript (it may have been withdrawn or removed). This is what we last synced.',
    detailNotFound: 'This manuscript was not found. It may have left your list when its journal account was unlinked.',
    detailTimeline: 'Timeline',
    detailTimelineEmpty: 'No status changes recorded yet.',
    fieldJournal: 'Journal',
    fieldJournalSystem: 'Submission system',
    fieldSubmittedAt: 'Submitted',
    fieldLastActivity: 'Last activity',
    fieldDoi: 'DOI',
    fieldLink: 'Link',
    toastDoiCopied: 'DOI copied',
    toastLinkCopied: 'Link copied',

    meLinkedAccounts: 'Linked journal accounts',
    accountStatusVerified: 'Verified',
    accountStatusPending: 'Pending',
    accountStatusManualReview: 'Manual review',
    fieldEmailOnFile: 'E-mail on file',
    fieldLastSync: 'Last synced',
    fieldManuscriptCount: 'Manuscripts',
    valueNeverSynced: 'Not synced yet',
    accountSyncError: 'Sync failed: {message}',
    accountPendingNote: 'The code from the e-mail has not been entered yet.',
    accountManualReviewNote: 'Publisher staff are verifying this account by hand; syncing starts once they confirm it.',
    emptyAccounts: 'No journal accounts linked yet. Link one and your manuscripts on that journal system are synced here automatically.',
    actionSync: 'Sync now',
    actionUnlink: 'Unlink',
    actionAddAccount: 'Link another account',
    actionLinkAccount: 'Link a journal account',
    actionContinueVerification: 'Continue verification',
    actionRetry: 'Try again',
    toastSyncQueued: 'Sync started',
    toastUnlinked: 'Unlinked',
    unlinkConfirmTitle: 'Unlink this account?',
    unlinkConfirmContent: 'The manuscripts of {identity} on {system} will leave your list.',

    linkStepSystem: 'System',
    linkStepIdentity: 'Account',
    linkStepCode: 'Code',
    linkChooseSystem: 'Which submission system did you use?',
    linkSystemJournals: 'Journals: {journals}',
    listSeparator: ', ',
    linkNoSystems: 'No journal systems can be linked yet.',
    linkIdentityLabel: 'Account',
    linkIdentityPlaceholder: 'E-mail, username or ORCID iD',
    linkIdentityHint: 'Enter the e-mail, username or ORCID iD you sign in to {system} with. The 6-digit code goes to the e-mail address {system} has on file, which may not be the one you type here.',
    linkIdentityRequired: 'Enter your e-mail, username or ORCID iD.',
    linkCodeSent: 'If {system} knows this account, a 6-digit code is on its way to the e-mail it has on file, {email}.',
    linkCodeSentNoHint: 'If {system} knows this account, a 6-digit code is on its way to the e-mail it has on file.',
    linkCodeLabel: 'Code',
    linkCodePlaceholder: '6 digits',
    linkCodeRequired: 'Enter the 6-digit code.',
    linkManualOffer: 'No e-mail, or that address is no longer yours?',
    linkTooManyAttempts: 'No attempts left for this code. You can ask publisher staff to verify this account by hand.',
    linkManualTitle: 'Verification by publisher staff',
    linkManualHint: 'Publisher staff will check by hand that this account is yours; this can take a few working days. Add anything that helps, e.g. the e-mail you use now or your institution.',
    linkManualNotePlaceholder: 'Note (optional)',
    linkAlreadyVerified: 'This account is already verified.',
    linkAccountNotFound: 'This pending account was not found. Please link it again.',
    actionChange: 'Change',
    actionSendCode: 'Send code',
    actionVerify: 'Verify',
    actionResend: 'Resend code',
    actionResendIn: 'Resend in {seconds} s',
    actionAskStaff: 'Ask publisher staff to verify',
    actionSubmitManualReview: 'Request manual verification',
    toastCodeResent: 'Code sent again',
    toastManualReviewRequested: 'Requested',
    toastLinked: 'Linked',

    inboxFilterAll: 'All',
    inboxFilterUnread: 'Unread',
    inboxUnreadCount: '{count} unread',
    emptyInboxUnread: 'No unread messages. New status changes and payment notices will appear here.',
    inboxLoadFailed: 'Could not load your messages.',
    noticeNotFound: 'This message was not found.',
    actionMarkAllRead: 'Mark all read',
    actionSeeAll: 'See all',
    actionOpenNotice: 'Open',
    toastAllRead: 'All marked as read',
    timeJustNow: 'Just now',
    timeMinutesAgo: '{count} min ago',
    timeHoursAgo: '{count} h ago',

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
const TAB_BAR_KEYS = ['tabHome', 'tabMe', 'tabInbox']

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
  TAB_BAR_KEYS,
  applyChrome,
  getLanguage,
  isSupported,
  setLanguage,
  strings,
  t,
}
