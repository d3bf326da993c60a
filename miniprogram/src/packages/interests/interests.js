// My interests: research interests (tags the publisher lets researchers choose, grouped) and journals to follow.
// GET /api/v1/me/interests -> { groups: [{ group, label, tags: [{ slug, name, colour, selected, removable }] }],
// journals: [{ id, key, name, journal_system: { id, key, name }, followed }] }; one "save" sends the whole choice
// with PUT /api/v1/me/interests { tags: [slugs], journals: [ids] } and shows what the backend answers.
//
// A tag the publisher gave (selected, not removable) stays ticked and locked: leaving it out of the PUT would not
// take it off, so the page does not pretend it can. A 400 names the bad values under fields.tags / fields.journals
// (a tag or journal withdrawn while the page was open): they are shown under their section, and the page reloads
// what is offered now.
const api = require('../../utils/api')
const texts = require('./texts')

const INTERESTS_PATH = '/api/v1/me/interests'

/** The backend's answer -> the choice on screen (sets, so ticking twice is harmless). */
function choiceOf(interests) {
  const tags = new Set()
  ;(interests.groups || []).forEach((group) => group.tags.forEach((tag) => { if (tag.selected) tags.add(tag.slug) }))
  const journals = new Set((interests.journals || []).filter((journal) => journal.followed).map((journal) => journal.id))
  return { tags, journals }
}

/** The PUT body, in a stable order (two equal choices compare equal). */
function bodyOf(choice) {
  return { tags: [...choice.tags].sort(), journals: [...choice.journals].sort((a, b) => a - b) }
}

/** The backend's `fields` ("tags", "tags.0", …) -> the messages each section shows. */
function errorsView(fields) {
  const section = (name) => Object.keys(fields).filter((key) => key === name || key.startsWith(`${name}.`))
    .flatMap((key) => api.fieldMessages(fields[key]))
  return { tags: section('tags'), journals: section('journals') }
}

function noErrors() {
  return { tags: [], journals: [] }
}

Page({
  data: {
    t: {},
    state: 'loading', // loading | ready | empty (nothing offered) | error | idle (signed out)
    groups: [], // [{ group, label, tags: [{ slug, name, colour, checked, locked, a11yLabel }] }]
    journals: [], // [{ id, name, system, followed, a11yLabel }]
    hasLocked: false,
    selectedCount: 0,
    errors: noErrors(),
    dirty: false,
    saving: false,
  },

  saved: null, // the interests as the backend last answered
  choice: null, // what is on screen (choiceOf)

  onLoad() {
    this.render()
    return this.load()
  },

  onShow() {
    this.render() // the language may have changed meanwhile
  },

  render() {
    const patch = { t: texts.strings() }
    if (this.saved && this.choice) {
      const choice = this.choice
      const groups = (this.saved.groups || []).map((group) => ({
        group: group.group,
        label: group.label,
        tags: group.tags.map((tag) => {
          const checked = choice.tags.has(tag.slug)
          return {
            slug: tag.slug,
            name: tag.name,
            colour: tag.colour,
            checked,
            locked: tag.selected && !tag.removable,
            a11yLabel: texts.t('a11yInterestTag', { name: tag.name, state: texts.t(checked ? 'stateSelected' : 'stateNotSelected') }),
          }
        }),
      }))
      Object.assign(patch, {
        groups,
        journals: (this.saved.journals || []).map((journal) => ({
          id: journal.id,
          name: journal.name,
          system: journal.journal_system ? journal.journal_system.name : '',
          followed: choice.journals.has(journal.id),
          a11yLabel: texts.t('a11yFollowJournal', { name: journal.name }),
        })),
        hasLocked: groups.some((group) => group.tags.some((tag) => tag.locked)),
        selectedCount: choice.tags.size + choice.journals.size,
        dirty: JSON.stringify(bodyOf(choice)) !== JSON.stringify(bodyOf(choiceOf(this.saved))),
      })
    }
    this.setData(patch)
    texts.setTitle('titleInterests')
  },

  /** Show what the backend answered (the page's choice starts from it). */
  show(interests) {
    this.saved = interests
    this.choice = choiceOf(interests)
    const offered = (interests.groups || []).length + (interests.journals || []).length
    this.setData({ state: offered ? 'ready' : 'empty' })
    this.render()
  },

  async load() {
    await getApp().loginReady
    if (api.isSignedOut()) {
      this.setData({ state: 'idle' })
      this.render()
      return
    }
    this.setData({ state: 'loading' })
    try {
      this.show(await api.request(INTERESTS_PATH, { toast: false }))
    } catch (err) {
      api.showError(err)
      this.setData({ state: 'error' })
    }
  },

  onRetry() {
    return this.load()
  },

  onTagChange(event) {
    const { slug, locked } = event.currentTarget.dataset
    if (!this.choice || locked) return
    if (event.detail.checked) this.choice.tags.add(slug)
    else this.choice.tags.delete(slug)
    this.setData({ 'errors.tags': [] })
    this.render()
  },

  onJournalSwitch(event) {
    const id = Number(event.currentTarget.dataset.id)
    if (!this.choice) return
    if (event.detail.value) this.choice.journals.add(id)
    else this.choice.journals.delete(id)
    this.setData({ 'errors.journals': [] })
    this.render()
  },

  /** PUT the whole choice; a 400's field errors go under their sections, and what is offered is reloaded. */
  async onSave() {
    if (this.data.saving || !this.choice) return
    this.setData({ saving: true, errors: noErrors() })
    try {
      const interests = await api.request(INTERESTS_PATH, { method: 'PUT', data: bodyOf(this.choice) })
      this.setData({ saving: false })
      this.show(interests)
      wx.showToast({ icon: 'success', title: texts.t('toastSaved') })
    } catch (err) {
      const errors = errorsView(err.fields || {}) // api.request toasted the message
      this.setData({ saving: false, errors })
      if (err.statusCode === 400 && (errors.tags.length || errors.journals.length)) {
        // Something offered a moment ago is gone: show what is offered now, keeping the rest of the choice.
        const choice = this.choice
        try {
          const interests = await api.request(INTERESTS_PATH, { toast: false })
          this.saved = interests
          const offeredTags = new Set(interests.groups.flatMap((group) => group.tags.map((tag) => tag.slug)))
          const offeredJournals = new Set(interests.journals.map((journal) => journal.id))
          this.choice = {
            tags: new Set([...choice.tags].filter((slug) => offeredTags.has(slug))),
            journals: new Set([...choice.journals].filter((id) => offeredJournals.has(id))),
          }
          this.render()
        } catch (reloadErr) {
          // keep the page as it is; the researcher can save again
        }
      }
    }
  },
})
