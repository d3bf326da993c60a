// The canonical manuscript statuses, as the backend sends them (`status`), in one table (in the order a manuscript
// moves through them): which home-page group each belongs to and the one color its chip (and timeline dot) is drawn
// in. A manuscript's label comes localized from the backend (`status_label`, `to_status_label`); `labelKey` (an
// i18n key, the same words) is for lists of statuses that come with no manuscript, e.g. the notification settings.

const STATUSES = {
  submitted: { group: 'in_progress', color: '#0052d9', labelKey: 'statusSubmitted' },
  with_editor: { group: 'in_progress', color: '#0594fa', labelKey: 'statusWithEditor' },
  under_review: { group: 'in_progress', color: '#7b61ff', labelKey: 'statusUnderReview' },
  revision_requested: { group: 'action', color: '#e37318', labelKey: 'statusRevisionRequested' },
  revision_submitted: { group: 'in_progress', color: '#b38b00', labelKey: 'statusRevisionSubmitted' },
  accepted: { group: 'accepted', color: '#2ba471', labelKey: 'statusAccepted' },
  in_production: { group: 'accepted', color: '#0d8f8f', labelKey: 'statusInProduction' },
  published: { group: 'published', color: '#006c45', labelKey: 'statusPublished' },
  rejected: { group: 'closed', color: '#d54941', labelKey: 'statusRejected' },
  withdrawn: { group: 'closed', color: '#8b8b8b', labelKey: 'statusWithdrawn' },
}

// The editor's decisions: the "decisions only" choice of the status alerts (notification settings).
const DECISION_STATUSES = ['revision_requested', 'accepted', 'rejected']

// A status this build does not know yet (the backend added one) is shown neutrally among the open ones.
const UNKNOWN_STATUS = { group: 'in_progress', color: '#5e5e5e', labelKey: '' }

// Home-page groups, in the order they are shown; titleKey is an i18n key.
const GROUPS = [
  { key: 'action', titleKey: 'groupAction' },
  { key: 'in_progress', titleKey: 'groupInProgress' },
  { key: 'accepted', titleKey: 'groupAccepted' },
  { key: 'published', titleKey: 'groupPublished' },
  { key: 'closed', titleKey: 'groupClosed' },
]

// Linked journal accounts: status -> TDesign tag theme and the i18n key of its label.
const ACCOUNT_STATUSES = {
  verified: { theme: 'success', labelKey: 'accountStatusVerified' },
  pending: { theme: 'warning', labelKey: 'accountStatusPending' },
  manual_review: { theme: 'primary', labelKey: 'accountStatusManualReview' },
}

function statusInfo(status) {
  return Object.prototype.hasOwnProperty.call(STATUSES, status) ? STATUSES[status] : UNKNOWN_STATUS
}

function statusColor(status) {
  return statusInfo(status).color
}

function statusGroup(status) {
  return statusInfo(status).group
}

/** '#e37318' -> 'rgba(227, 115, 24, 0.12)': the chip's tinted background in the same hue. */
function tint(hexColor, alpha = 0.12) {
  const value = parseInt(hexColor.slice(1), 16)
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`
}

/** Inline style of a status chip: text and border in the status color on a light tint of it. */
function chipStyle(status) {
  const color = statusColor(status)
  return `color: ${color}; background-color: ${tint(color)}; border-color: ${color};`
}

/**
 * The home-page group of a manuscript: "action" while the journal waits on the researcher (the backend's
 * `action_required`: a revision, requested files, proofs, whatever the status); otherwise its status's group, where a
 * revision request the backend says needs nothing (a public record only) counts as in progress. A backend without
 * `action_required` (an older one) is grouped by status alone.
 */
function manuscriptGroup(manuscript) {
  if (typeof manuscript.action_required !== 'boolean') return statusGroup(manuscript.status)
  if (manuscript.action_required) return 'action'
  const group = statusGroup(manuscript.status)
  return group === 'action' ? 'in_progress' : group
}

/**
 * Manuscripts (already in the backend's order) -> the non-empty groups in GROUPS order, each
 * `{ key, titleKey, items }`, keeping the order of the manuscripts inside each group.
 */
function groupManuscripts(manuscripts) {
  const byGroup = {}
  manuscripts.forEach((manuscript) => {
    const key = manuscriptGroup(manuscript)
    if (!byGroup[key]) byGroup[key] = []
    byGroup[key].push(manuscript)
  })
  return GROUPS.filter((group) => byGroup[group.key]).map((group) => Object.assign({}, group, { items: byGroup[group.key] }))
}

function accountStatusInfo(status) {
  return ACCOUNT_STATUSES[status] || { theme: 'default', labelKey: '' }
}

module.exports = {
  ACCOUNT_STATUSES,
  DECISION_STATUSES,
  GROUPS,
  STATUSES,
  UNKNOWN_STATUS,
  accountStatusInfo,
  chipStyle,
  groupManuscripts,
  manuscriptGroup,
  statusColor,
  statusGroup,
  tint,
}
