// One notice of the inbox (and of the home page's preview): kind icon, title with an unread dot, body, time.
// The page wraps it in a tappable view carrying the notice id; `compact` (home preview) drops the icon and keeps
// the body to one line.
Component({
  properties: {
    title: { type: String, value: '' },
    body: { type: String, value: '' },
    time: { type: String, value: '' },
    icon: { type: String, value: 'notification' },
    unread: { type: Boolean, value: false },
    compact: { type: Boolean, value: false },
  },
})
