// The interests page's own strings, zh-hans first, kept in the subpackage (like packages/payments/texts.js) so the
// main package does not carry them. The language is the app's (utils/i18n.js); a page's `t` data has the app's
// strings too, so shared words (save, retry, …) stay in one place. Tag names, group labels and journal names come
// localized from the backend (Accept-Language).
const i18n = require('../../utils/i18n')

const STRINGS = {
  'zh-hans': {
    titleInterests: '我的研究兴趣',
    interestsIntro: '选择你的研究方向和想关注的期刊。出版社会据此为你推荐相关的期刊动态和征稿信息，你可以随时修改。',
    interestsTagsTitle: '研究兴趣',
    interestsJournalsTitle: '关注的期刊',
    interestsNoTags: '出版社还没有提供可选的研究兴趣。',
    interestsNoJournals: '暂时没有可以关注的期刊。',
    interestsEmpty: '出版社还没有设置可选的研究兴趣和期刊，稍后再来看看吧。',
    interestsLoadFailed: '研究兴趣加载失败。',
    interestsGivenHint: '带锁的标签由出版社添加，不能在这里取消。',
    interestsSelectedCount: '已选 {count} 项',
    interestsUnsaved: '有未保存的修改',
    a11yFollowJournal: '关注{name}',
    a11yInterestTag: '{name}，{state}',
    stateSelected: '已选',
    stateNotSelected: '未选',
  },
  en: {
    titleInterests: 'My interests',
    interestsIntro: 'Choose your research areas and the journals you want to follow. The publisher uses them to tell you about relevant journal news and calls for papers. You can change them at any time.',
    interestsTagsTitle: 'Research interests',
    interestsJournalsTitle: 'Journals you follow',
    interestsNoTags: 'The publisher offers no research interests to choose yet.',
    interestsNoJournals: 'There are no journals to follow yet.',
    interestsEmpty: 'The publisher has not set up research interests or journals to follow yet. Please check back later.',
    interestsLoadFailed: 'Could not load your interests.',
    interestsGivenHint: 'Tags with a lock were added by the publisher and cannot be removed here.',
    interestsSelectedCount: '{count} selected',
    interestsUnsaved: 'You have unsaved changes',
    a11yFollowJournal: 'Follow {name}',
    a11yInterestTag: '{name}, {state}',
    stateSelected: 'selected',
    stateNotSelected: 'not selected',
  },
}

module.exports = i18n.packageTexts(STRINGS)
