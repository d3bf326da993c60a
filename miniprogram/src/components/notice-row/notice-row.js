// One notice of the inbox (and of the home page's preview): kind icon, title, body, time. Unread is not told by
// colour alone: a dot and the word (`unreadLabel`, "未读") go before the title, and the row's aria-label says it.
// The page wraps it in a tappable view carrying the notice id; `compact` (home preview) drops the icon and keeps
// the body to one line.
Component({
  properties: {
    title: { type: String, value: '' },
    body: { type: String, value: '' },
    time: { type: String, value: '' },
    icon: { type: String, value: 'notification' },
    unread: { type: Boolean, value: false },
    unreadLabel: { type: String, value: '' },
    compact: { type: Boolean, value: false },
  },
})
