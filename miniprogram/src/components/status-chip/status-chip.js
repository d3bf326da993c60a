// A manuscript status as a colored chip: the color comes from utils/status.js (one per canonical status),
// the text is the backend's localized label.
const status = require('../../utils/status')

Component({
  properties: {
    status: { type: String, value: '' },
    label: { type: String, value: '' },
  },
  data: {
    chipStyle: '',
  },
  observers: {
    status(code) {
      this.setData({ chipStyle: status.chipStyle(code) })
    },
  },
})
