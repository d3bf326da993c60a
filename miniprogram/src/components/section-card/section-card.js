// A titled block of the home page. Until its feature exists (or while it has nothing to show) it shows an
// empty state that tells the researcher what will appear there; content goes in the default slot, and an
// optional link next to the title (e.g. "see all") in the `action` slot.
Component({
  options: { multipleSlots: true },
  properties: {
    title: { type: String, value: '' },
    emptyText: { type: String, value: '' },
    emptyIcon: { type: String, value: 'info-circle' },
    empty: { type: Boolean, value: true },
  },
})
