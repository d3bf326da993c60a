// The privacy notice popup (utils/privacy.js): on every main-package page, shown while a prompt is open — before
// the first login, or when WeChat holds a privacy API (the clipboard) until the researcher answers. "同意" is
// WeChat's <button open-type="agreePrivacyAuthorization"> (its id goes back to WeChat, which checks the tap);
// "查看《隐私保护指引》" opens WeChat's own guide (wx.openPrivacyContract); "隐私政策" our full policy page.
const i18n = require('../../utils/i18n')
const privacy = require('../../utils/privacy')

Component({
  data: {
    show: false,
    t: {},
    agreeButtonId: privacy.AGREE_BUTTON_ID,
  },

  lifetimes: {
    attached() {
      const self = /** @type {any} */ (this)
      self.unsubscribe = privacy.subscribe((prompt) => {
        const show = Boolean(prompt)
        if (show === this.data.show) return
        this.setData({ show, t: i18n.strings() })
        if (show) privacy.exposed()
      })
    },
    detached() {
      const self = /** @type {any} */ (this)
      if (self.unsubscribe) self.unsubscribe()
    },
  },

  methods: {
    noop() {
      // The mask swallows scrolling of the page beneath.
    },

    onAgree() {
      privacy.answer(true, privacy.AGREE_BUTTON_ID)
    },

    onDisagree() {
      privacy.answer(false)
    },

    async onOpenGuide() {
      if (!(await privacy.openContract())) wx.showToast({ icon: 'none', title: i18n.t('errorGeneric') })
    },

    onOpenPolicy() {
      wx.navigateTo({ url: '/packages/legal/privacy' })
    },
  },
})
