// The share pages' own strings, zh-hans first, kept in the subpackage (like packages/payments/texts.js) so the main
// package does not carry them. The language is the app's (utils/i18n.js); a page's `t` data has the app's strings
// too. The milestone label and the journal name come localized from the backend.
const i18n = require('../../utils/i18n')

const STRINGS = {
  'zh-hans': {
    titleShare: '论文分享',
    titlePoster: '分享海报',

    shareSharedBy: '{name} 分享了一篇论文',
    shareSharedByFallback: '一位研究者分享了一篇论文',
    fieldMilestoneDate: '日期',
    fieldJournal: '期刊',
    fieldCoauthors: '合作者',
    fieldDoi: 'DOI',
    shareDoiHint: '点击复制 DOI 链接',
    toastDoiLinkCopied: 'DOI 链接已复制',
    actionFollowJournal: '关注这本期刊',
    shareFollowHint: '关注后，这本期刊的新刊和征稿信息会出现在你的消息里。需要先登录。',
    shareFollowed: '已关注这本期刊',
    toastFollowed: '已关注',
    actionOpenApp: '进入 Scholar Link',
    shareWithdrawn: '这条分享已被作者撤回，或链接已失效。',
    shareLoadFailed: '分享加载失败。',

    posterHint: '保存到相册后，可以发到朋友圈或发给朋友。长按图片也可以保存或转发。',
    actionSavePoster: '保存到相册',
    toastPosterSaved: '已保存到相册',
    posterAuthTitle: '需要相册权限',
    posterAuthContent: '保存海报需要你允许 Scholar Link 写入相册。请在设置中打开“添加到相册”，然后再保存。',
    posterAuthConfirm: '去设置',
    posterUnavailable: '海报暂时无法生成，请稍后再试。',
    posterSaveFailed: '保存失败，请稍后再试',
    posterNeedsPrivacy: '同意隐私保护指引后才能保存',
  },
  en: {
    titleShare: 'Shared article',
    titlePoster: 'Share poster',

    shareSharedBy: '{name} shared an article',
    shareSharedByFallback: 'A researcher shared an article',
    fieldMilestoneDate: 'Date',
    fieldJournal: 'Journal',
    fieldCoauthors: 'Co-authors',
    fieldDoi: 'DOI',
    shareDoiHint: 'Tap to copy the DOI link',
    toastDoiLinkCopied: 'DOI link copied',
    actionFollowJournal: 'Follow this journal',
    shareFollowHint: 'New issues and calls for papers of this journal will reach your inbox. You will be asked to log in.',
    shareFollowed: 'You follow this journal',
    toastFollowed: 'Following',
    actionOpenApp: 'Open Scholar Link',
    shareWithdrawn: 'This share was withdrawn by its author, or the link no longer works.',
    shareLoadFailed: 'Could not load the share.',

    posterHint: 'Save it to your album to post it on Moments or send it to friends. You can also long-press the image.',
    actionSavePoster: 'Save to album',
    toastPosterSaved: 'Saved to your album',
    posterAuthTitle: 'Photo album access needed',
    posterAuthContent: 'To save the poster, allow Scholar Link to add photos to your album in Settings, then save again.',
    posterAuthConfirm: 'Open settings',
    posterUnavailable: 'The poster is not available right now. Please try again later.',
    posterSaveFailed: 'Could not save. Please try again later',
    posterNeedsPrivacy: 'Agree to the privacy guide to save',
  },
}

module.exports = i18n.packageTexts(STRINGS)
