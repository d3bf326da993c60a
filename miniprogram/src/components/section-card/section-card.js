// A titled block of the home page. Until its feature exists (or while it has nothing to show) it shows an
// empty state that tells the researcher what will appear there; content goes in the default slot.
Component({
  properties: {
    title: { type: String, value: '' },
    emptyText: { type: String, value: '' },
    emptyIcon: { type: String, value: 'info-circle' },
    empty: { type: Boolean, value: true },
  },
})
