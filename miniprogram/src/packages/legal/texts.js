// The privacy policy and the user agreement, zh-hans and English. They live in this subpackage, so the main
// package does not carry them. The publisher adapts them (operator name, contact) before release; the facts about
// what the Mini Program collects and why must stay true to the code (privacy-declaration.json lists the WeChat
// privacy APIs it calls).
const DOCUMENTS = {
  privacy: {
    'zh-hans': {
      title: '隐私政策',
      updated: '更新日期：2026 年 12 月',
      sections: [
        { heading: '我们收集什么', paragraphs: [
          '登录：你同意本政策后，我们通过微信登录（wx.login）取得你在本小程序中的标识（openid，如有则含 unionid），用来识别你的账号。我们不获取你的手机号、头像或昵称。',
          '你填写的资料：姓名、单位和语言。',
          '期刊账号：你关联的投稿系统和你填写的账号（邮箱、用户名或 ORCID iD），以及投稿系统登记的邮箱的掩码。验证码发到投稿系统登记的邮箱。',
          'ORCID：你通过 ORCID 登录证明的 ORCID iD。',
          '稿件：从你关联的投稿系统同步的稿件标题、期刊、状态和进度记录。',
          '消息与提醒：发给你的通知、你是否已读，以及你在微信中允许的订阅消息次数。',
          '与编辑部的对话：你发给期刊编辑部的文字和图片、编辑部的回复，以及你是否已读。',
        ] },
        { heading: '我们如何使用', paragraphs: [
          '只用于跟踪你的稿件进度、向你发送通知和微信提醒、以及由出版社工作人员人工核验你的期刊账号。我们不出售你的信息，也不用于广告。',
        ] },
        { heading: '剪贴板', paragraphs: [
          '只有在你点“复制”时，我们才会把稿件的 DOI、链接或你导出的数据写入剪贴板；我们从不读取你的剪贴板。',
        ] },
        { heading: '相册与相机', paragraphs: [
          '只有在你给编辑部发消息时点“图片”，我们才会打开相册或相机，由你选择一张图片发送给编辑部；图片会被压缩，并去除拍摄地点等附加信息。我们不会读取你没有选择的照片。',
        ] },
        { heading: '保存与删除', paragraphs: [
          '信息保存在出版社的服务器上（中国境内）。退出登录会让本设备上的登录凭证失效。你可以在“我的 → 我的个人信息”中随时导出或删除你的全部信息；删除后，再次登录会得到一个新的空账号。已付款订单依法保留，但会去除与你的关联。本政策更新后，我们会请你重新阅读并同意。',
        ] },
        { heading: '联系我们', paragraphs: ['如对本政策有疑问，请通过出版社官网公布的联系方式与我们联系。'] },
      ],
    },
    en: {
      title: 'Privacy policy',
      updated: 'Updated: December 2026',
      sections: [
        { heading: 'What we collect', paragraphs: [
          'Login: once you agree to this policy, WeChat login (wx.login) gives us your identifier in this Mini Program (openid, and unionid where available) to recognise your account. We do not get your phone number, avatar or nickname.',
          'What you fill in: name, institution and language.',
          'Journal accounts: the submission systems you link and the account you give (e-mail, username or ORCID iD), and a masked form of the e-mail the system has on file. Codes go to that e-mail.',
          'ORCID: the ORCID iD you prove by signing in to ORCID.',
          'Manuscripts: title, journal, status and history synced from the submission systems you linked.',
          'Messages and alerts: the notices sent to you, whether you read them, and how many WeChat subscription messages you allowed.',
          'Conversations with editorial offices: the text and images you send to a journal\'s editorial office, their replies, and whether you read them.',
        ] },
        { heading: 'How we use it', paragraphs: [
          'Only to track your manuscripts, send you notices and WeChat alerts, and let publisher staff verify your journal accounts by hand. We do not sell it or use it for advertising.',
        ] },
        { heading: 'Clipboard', paragraphs: [
          'We write a manuscript\'s DOI or link, or the data you exported, to the clipboard only when you tap "copy"; we never read your clipboard.',
        ] },
        { heading: 'Photos and camera', paragraphs: [
          'Only when you tap "Image" in a message to an editorial office do we open your album or camera, and you choose the one image sent to the office; it is compressed and stripped of extra data such as where it was taken. We never read photos you did not choose.',
        ] },
        { heading: 'Keeping and deleting', paragraphs: [
          'The data is kept on the publisher\'s servers in mainland China. Logging out invalidates the sign-in on this device. You can export or delete all your data at any time under Me → My personal data; after deletion, logging in again starts a new, empty account. Paid orders are kept as the law requires, without the link to you. When this policy changes, we ask you to read and agree to it again.',
        ] },
        { heading: 'Contact', paragraphs: ['For questions about this policy, use the contact details on the publisher\'s website.'] },
      ],
    },
  },
  agreement: {
    'zh-hans': {
      title: '用户协议',
      updated: '更新日期：2026 年 12 月',
      sections: [
        { heading: '服务内容', paragraphs: [
          'Scholar Link 由出版社提供，帮助作者跟踪投在出版社期刊的稿件进度并接收通知。稿件状态以期刊投稿系统为准，这里显示的是最近一次同步的结果。',
        ] },
        { heading: '你的责任', paragraphs: [
          '只关联属于你本人的期刊账号和 ORCID iD。冒用他人身份关联账号的，出版社可以解除关联并停止服务。',
        ] },
        { heading: '微信提醒', paragraphs: [
          '微信提醒是一次性订阅消息：每允许一次，出版社最多向你发送一条该类提醒。所有通知都会保存在“消息”里。',
        ] },
        { heading: '变更与终止', paragraphs: [
          '协议变更会在小程序中提示。你可以随时退出登录或要求删除账号。',
        ] },
      ],
    },
    en: {
      title: 'Terms of use',
      updated: 'Updated: December 2026',
      sections: [
        { heading: 'The service', paragraphs: [
          'Scholar Link is provided by the publisher to help authors follow their manuscripts in its journals and receive notices. The submission system is authoritative; what you see here is the last sync.',
        ] },
        { heading: 'Your part', paragraphs: [
          'Link only journal accounts and an ORCID iD that are yours. The publisher may unlink accounts and end the service for anyone linking someone else\'s identity.',
        ] },
        { heading: 'WeChat alerts', paragraphs: [
          'WeChat alerts are one-time subscription messages: each time you allow one kind, the publisher may send you at most one alert of that kind. Every notice is kept in your Inbox.',
        ] },
        { heading: 'Changes and ending', paragraphs: [
          'Changes to these terms are announced in the Mini Program. You can log out or ask for your account to be deleted at any time.',
        ] },
      ],
    },
  },
}

module.exports = { DOCUMENTS }
