// The editorial pages' own strings, zh-hans first, kept in the subpackage (like packages/payments/texts.js) so the
// main package does not carry them. The language is the app's (utils/i18n.js); a page's `t` data has the app's
// strings too, so shared words (retry, …) stay in one place. Journal names, manuscript titles, the office's name
// and the backend's error messages come from the backend (localized by Accept-Language where they are ours).
const i18n = require('../../utils/i18n')

const STRINGS = {
  'zh-hans': {
    titleConversations: '编辑部消息',
    titleThreadFallback: '编辑部',

    conversationsIntro: '向期刊编辑部提问：稿件进度、格式要求、费用等，编辑部会在这里回复你。',
    conversationsEmpty: '还没有和编辑部的对话。有问题可以直接问期刊编辑部，他们的回复会显示在这里。',
    conversationsLoadFailed: '对话加载失败。',
    actionAskJournal: '向期刊提问',
    askPickTitle: '选择要提问的期刊',
    askPickHint: '这里列出你的稿件所在的期刊。关于某篇稿件的问题，也可以在稿件详情页提问。',
    askNoJournals: '你还没有稿件，暂时无法选择期刊。关联你的期刊账号后，稿件所在的期刊会出现在这里。',
    askLoadFailed: '期刊列表加载失败。',
    actionLinkAccount: '关联期刊账号',
    a11yAskJournal: '向{journal}提问',

    stateWaiting: '等待回复',
    stateAnswered: '已回复',
    stateClosed: '已结束',
    previewImage: '[图片]',
    previewMine: '我：',
    previewOffice: '编辑部：',
    previewNone: '还没有消息',
    manuscriptLine: '{title}（{number}）',
    a11yConversation: '{journal}，{state}{unread}：{preview}',
    a11yUnread: '，{count} 条未读',

    threadLoadFailed: '对话加载失败。',
    threadNotFound: '找不到这个对话。',
    threadIntro: '你的问题会发送给{journal}编辑部，回复会显示在这里，也会出现在“消息”里。',
    threadAbout: '关于稿件：{title}',
    threadClosedHint: '编辑部已结束这个对话。再发一条消息会重新打开它。',
    replyAlertOff: '编辑部回复时，通过微信提醒我',
    replyAlertOn: '回复提醒已开启，还可提醒 {count} 次',
    actionReplyAlert: '提醒我',
    threadEmpty: '写下你的问题，编辑部会尽快回复。',
    composerPlaceholder: '输入你的问题…',
    actionSend: '发送',
    actionImage: '图片',
    a11yImageButton: '发送图片',
    a11yPreviewImage: '查看大图',
    uploading: '图片上传中 {progress}%',
    imageOnlyFirstMessage: '（图片）',
    imageTooLarge: '图片不能超过 5 MB，请换一张或压缩后再试。',
    imageChooseFailed: '无法选择图片，请稍后再试。',
    imageNeedsPrivacy: '同意隐私保护指引后才能选择图片',
    messageEmpty: '请输入内容。',
    messageTooLong: '内容不能超过 {max} 个字。',
    messageFailed: '发送失败，你输入的内容已保留，请稍后重试。',
  },
  en: {
    titleConversations: 'Editorial office',
    titleThreadFallback: 'Editorial office',

    conversationsIntro: 'Ask a journal\'s editorial office about your manuscript\'s progress, formatting, fees and more. Their replies appear here.',
    conversationsEmpty: 'No conversations with editorial offices yet. Ask a journal\'s editorial office anything; their replies will appear here.',
    conversationsLoadFailed: 'Could not load your conversations.',
    actionAskJournal: 'Ask a journal',
    askPickTitle: 'Which journal do you want to ask?',
    askPickHint: 'These are the journals of your manuscripts. To ask about one manuscript, you can also start from its page.',
    askNoJournals: 'You have no manuscripts yet, so there is no journal to choose. Link your journal account and the journals of your manuscripts will appear here.',
    askLoadFailed: 'Could not load your journals.',
    actionLinkAccount: 'Link a journal account',
    a11yAskJournal: 'Ask {journal}',

    stateWaiting: 'Waiting for reply',
    stateAnswered: 'Answered',
    stateClosed: 'Closed',
    previewImage: '[Image]',
    previewMine: 'Me: ',
    previewOffice: 'Office: ',
    previewNone: 'No messages yet',
    manuscriptLine: '{title} ({number})',
    a11yConversation: '{journal}, {state}{unread}: {preview}',
    a11yUnread: ', {count} unread',

    threadLoadFailed: 'Could not load this conversation.',
    threadNotFound: 'This conversation was not found.',
    threadIntro: 'Your question goes to the editorial office of {journal}. Replies appear here and in your Inbox.',
    threadAbout: 'About: {title}',
    threadClosedHint: 'The editorial office closed this conversation. Sending a new message reopens it.',
    replyAlertOff: 'Alert me in WeChat when the office replies',
    replyAlertOn: 'Reply alerts on: {count} left',
    actionReplyAlert: 'Alert me',
    threadEmpty: 'Write your question; the editorial office will reply as soon as they can.',
    composerPlaceholder: 'Type your question…',
    actionSend: 'Send',
    actionImage: 'Image',
    a11yImageButton: 'Send an image',
    a11yPreviewImage: 'View full size',
    uploading: 'Uploading image {progress}%',
    imageOnlyFirstMessage: '(Image)',
    imageTooLarge: 'Images can be at most 5 MB. Choose another one or compress it.',
    imageChooseFailed: 'Could not choose an image. Please try again later.',
    imageNeedsPrivacy: 'Agree to the privacy guide to choose an image',
    messageEmpty: 'Please type a message.',
    messageTooLong: 'Messages can be at most {max} characters.',
    messageFailed: 'Not sent. Your text is kept; please try again later.',
  },
}

const texts = i18n.packageTexts(STRINGS)

/**
 * Set the navigation bar's title: a key of these strings, or a text from the backend such as a journal name.
 * @param {{key?: string, text?: string}} title
 */
function setTitle({ key = '', text = '' }) {
  wx.setNavigationBarTitle({ title: text || texts.t(key), fail() { /* page is gone */ } })
}

module.exports = Object.assign({}, texts, { setTitle })
