// What a page (or a block of one) shows while it has no content to show: loading (a spinner, or `skeleton` grey rows
// in the shape of what is coming), an error with "try again" (event `retry`), or an empty state with its text and
// whatever the page puts in the slot (e.g. the button that fills it). Any other state renders nothing: the page shows
// its content then.
Component({
  properties: {
    state: { type: String, value: 'loading' }, // loading | error | empty | anything else (nothing shown)
    skeleton: { type: Number, value: 0 }, // rows of a skeleton instead of the spinner
    errorText: { type: String, value: '' },
    emptyText: { type: String, value: '' },
    emptyIcon: { type: String, value: 'info-circle' },
    retryText: { type: String, value: '' },
    loadingLabel: { type: String, value: '' }, // read out by screen readers while loading
  },

  data: {
    rows: [],
  },

  observers: {
    skeleton(count) {
      this.setData({ rows: Array.from({ length: Math.max(0, count) }, (unused, index) => index) })
    },
  },

  methods: {
    onRetry() {
      this.triggerEvent('retry')
    },
  },
})
