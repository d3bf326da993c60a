"""Open Journal Systems 3.3, 3.4 and 3.5, through its REST API v1 and the publisher's manager API token.

Wire facts this module relies on (pkp-lib stable-3_3_0 / stable-3_4_0 / stable-3_5_0; see also ``sandbox/ojs.py``):

- ``{base}/index.php/{contextPath}/api/v1/...`` with ``Authorization: Bearer <token>``; every authorization
  failure is a 403 ``{"error", "errorMessage"}``; an unknown submission is a 404 with an HTML body.
- ``GET /users?searchPhrase=`` (managers only) matches substrings of several fields, so we filter exactly.
- ``GET /submissions`` has no "changed since" filter: we order by last activity descending and page with
  ``count``/``offset`` until we pass the cursor. Last activity, not ``lastModified``: every event written to the
  submission log stamps ``dateLastActivity`` (3.3 ``classes/log/SubmissionLog.inc.php``, 3.4 and 3.5
  ``classes/log/event/Repository.php`` call ``stampLastActivity``) — reviews coming in, an author's revised files,
  decisions — while ``lastModified`` moves only when the submission record is edited, so a cursor on it misses
  review events. The field is ``dateLastActivity`` in every version (``schemas/submission.json``); the ``orderBy``
  value is ``dateLastActivity`` in 3.3 (``api/v1/submissions/PKPSubmissionHandler.inc.php``) and ``lastActivity``
  in 3.4 and 3.5 (``Collector::ORDERBY_LAST_ACTIVITY``, accepted by ``PKPSubmissionHandler.php`` /
  ``PKPSubmissionController.php``). An unknown ``orderBy`` is silently ignored (the list is then by date
  submitted), so the version matters: the credential ``version`` says it, else it is read from the first page
  (3.4 added ``urlSubmissionWizard`` to the summary; 3.3 lacks it) and a 3.3 page is asked for again.
- List items carry only summary fields; the review round status and whether an editor is assigned are in the
  full object (``GET /submissions/{id}``), the authors' e-mails in the full publication
  (``GET /submissions/{id}/publications/{pid}``), read only for changed items. In 3.3 and 3.4 the submission
  stage carries ``statusId`` 1 while no editor is assigned; 3.5's stages carry an ``editorAssigned`` flag instead
  and no ``statusId`` (3.5 ``classes/submission/maps/Schema.php`` getPropertyStages).
- Dates are ``Y-m-d H:i:s`` in the site's timezone, which the API does not state: the journal system's
  ``timezone`` credential says it (default UTC).
- Usage (views and downloads of published articles) comes from the usage statistics API,
  ``GET /stats/publications`` (3.3 ``api/v1/stats/publications/PKPStatsPublicationHandler.inc.php``, 3.4
  ``PKPStatsPublicationHandler.php``, 3.5 ``PKPStatsPublicationController.php``), which only the journal's
  managers, sub-editors and site admins may call (``roles``: ROLE_ID_SITE_ADMIN, ROLE_ID_MANAGER,
  ROLE_ID_SUB_EDITOR; an author's token gets 403 ``user.authorization.roleBasedAccessDenied``): the same manager
  token as polling, never a researcher's. We ask for up to 100 ``submissionIds`` at a time (``count`` is cut to
  100; 3.3 defaults to 30) and page with ``offset`` against ``itemsMax``. Each item is ``{"abstractViews",
  "galleyViews", "pdfViews", "htmlViews", "otherViews", "publication": {"id", ...}}`` with the submission id in
  ``publication.id`` (3.3 submission properties, 3.4+ ``Schema::mapToStats``). The list holds only submissions
  with views in the date range, so an id it leaves out has none. No ``dateStart``/``dateEnd``: OJS then counts
  from the journal's earliest publication date to yesterday, i.e. the lifetime total as of yesterday (the stats
  are compiled daily from the access logs; a journal whose usage statistics are off reports zeros). We map
  **views = abstractViews** (the article's landing page) and **downloads = galleyViews** (every full-text file
  view: PDF, HTML and other galleys; 3.4+ sum pdf + html + other, 3.3 every galley file).

What the journal waits for from the authors, and by when (checked in pkp-lib ``stable-3_3_0`` to ``stable-3_5_0``
and ``main``): OJS says "revisions requested" — the latest review round's ``statusId`` 1
(``ReviewRound::REVIEW_ROUND_STATUS_REVISIONS_REQUESTED``, the editor's ``Decision::PENDING_REVISIONS`` = 4) or 2
(``REVIEW_ROUND_STATUS_RESUBMIT_FOR_REVIEW``, ``Decision::RESUBMIT`` = 5) — which maps to revision_requested, and
the sync service reads "submit your revision" from that status (``manuscripts.status.STATUS_ACTIONS``). It gives
no date for it: the review round object (``schemas/reviewRound.json``: id, round, stageId, status, statusId,
publicationId, authorResponse) and the decision object (``schemas/decision.json``: dateDecided, decision, editorId,
reviewRoundId, round, stageId…) carry none; the only due dates in the submission API are reviewers' own
(``reviewAssignments[].due`` / ``responseDue``, ``schemas/reviewAssignment.json`` ``dateDue``/``dateResponseDue``),
which say nothing of the author's revision and are never read as one. Files an editor asks for through a discussion
(query) carry no structured signal or date either. pkp-lib ``main`` (unreleased, after 3.5) adds editorial tasks
with a ``dateDue`` and participants (``api/v1/submissions/tasks``: ``GET /submissions/{id}/stages/{stageId}/tasks``,
``TaskResource``), which could carry an author's deadline once released; not read yet. So OJS snapshots carry no
``action`` or ``due_date`` of their own.

The mapping from OJS's state to our canonical status is the data table :data:`STATUS_TABLE`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext

from manuscripts.connectors.base import (
    USAGE_BATCH,
    ConnectorError,
    ManuscriptSnapshot,
    PlatformAuthError,
    PlatformConfig,
    PlatformDataError,
    PlatformIdentity,
    SnapshotPage,
    UsageCounts,
)
from manuscripts.connectors.common import ConfiguredConnector, bare_orcid, parse_cursor, plain_text, required_field
from manuscripts.connectors.http import HttpAnswer, PlatformHttpClient
from manuscripts.status import CanonicalStatus

PLATFORM = "ojs"
PAGE_SIZE = 100  # OJS cuts any larger count to 100
VERSIONS = ("3.3", "3.4", "3.5")
# The orderBy value that sorts by dateLastActivity, per version (see the module docstring).
ORDER_BY_LAST_ACTIVITY = {"3.3": "dateLastActivity", "3.4": "lastActivity", "3.5": "lastActivity"}

# Submission status (PKPSubmission::STATUS_*). Note: OJS has no "withdrawn" status — an author who withdraws
# asks the editor, who declines the submission (status 4) or deletes it — so OJS never yields WITHDRAWN.
STATUS_QUEUED, STATUS_PUBLISHED, STATUS_DECLINED, STATUS_SCHEDULED = 1, 3, 4, 5
# Workflow stages (WORKFLOW_STAGE_ID_*); 2, internal review, exists in OMP only but shares the review logic.
STAGE_SUBMISSION, STAGE_INTERNAL_REVIEW, STAGE_EXTERNAL_REVIEW, STAGE_EDITING, STAGE_PRODUCTION = 1, 2, 3, 4, 5
REVIEW_STAGES = (STAGE_INTERNAL_REVIEW, STAGE_EXTERNAL_REVIEW)
# The submission stage's only status: no editor assigned (Repository::STAGE_STATUS_SUBMISSION_UNASSIGNED).
STAGE_STATUS_SUBMISSION_UNASSIGNED = 1
# Review round statuses (ReviewRound::REVIEW_ROUND_STATUS_*), as ReviewRound::determineStatus() reports them.
ROUND_REVISIONS_REQUESTED = 1
ROUND_RESUBMIT_FOR_REVIEW = 2
ROUND_SENT_TO_EXTERNAL = 3
ROUND_ACCEPTED = 4
ROUND_DECLINED = 5
ROUND_PENDING_REVIEWERS = 6
ROUND_PENDING_REVIEWS = 7
ROUND_REVIEWS_READY = 8
ROUND_REVIEWS_COMPLETED = 9
ROUND_REVIEWS_OVERDUE = 10
ROUND_REVISIONS_SUBMITTED = 11
ROUND_PENDING_RECOMMENDATIONS = 12
ROUND_RECOMMENDATIONS_READY = 13
ROUND_RECOMMENDATIONS_COMPLETED = 14
ROUND_RESUBMIT_FOR_REVIEW_SUBMITTED = 15
ROUND_RETURNED_TO_REVIEW = 16

ANY = "*"  # a table key part that matches any value
S = CanonicalStatus

# A review stage's status is its latest round's statusId (None: no round yet). Labels are OJS's own English
# strings, the author-facing variant where OJS has one (author.submission.roundStatus.*).
REVIEW_ROUND_TABLE: dict[int | None, tuple[CanonicalStatus, str]] = {
    None: (S.UNDER_REVIEW, "In Review"),
    ROUND_REVISIONS_REQUESTED: (S.REVISION_REQUESTED, "Revisions have been requested."),
    ROUND_RESUBMIT_FOR_REVIEW: (S.REVISION_REQUESTED, "The submission must be resubmitted for another review round."),
    ROUND_SENT_TO_EXTERNAL: (S.UNDER_REVIEW, "Sent to external review."),
    ROUND_ACCEPTED: (S.ACCEPTED, "Submission accepted."),
    ROUND_DECLINED: (S.REJECTED, "Submission declined."),
    ROUND_PENDING_REVIEWERS: (S.UNDER_REVIEW, "Waiting for reviewers to be assigned."),
    ROUND_PENDING_REVIEWS: (S.UNDER_REVIEW, "Awaiting responses from reviewers."),
    ROUND_REVIEWS_READY: (S.UNDER_REVIEW, "New reviews have been submitted and are being considered by the editor."),
    # All reviews are in: the decision is the editor's now.
    ROUND_REVIEWS_COMPLETED: (S.WITH_EDITOR, "All reviewers have responded and a decision is needed."),
    ROUND_REVIEWS_OVERDUE: (S.UNDER_REVIEW, "One or more reviewers missed their deadline. The editorial team has "
                                            "been notified and will take action to ensure reviews are completed. You "
                                            "do not need to take any action at this time. You will be notified when a "
                                            "decision has been made."),
    ROUND_REVISIONS_SUBMITTED: (S.REVISION_SUBMITTED, "Revisions have been submitted and a decision is needed."),
    ROUND_PENDING_RECOMMENDATIONS: (S.WITH_EDITOR, "Awaiting recommendations from editors."),
    ROUND_RECOMMENDATIONS_READY: (S.WITH_EDITOR, "New editorial recommendations have been submitted."),
    ROUND_RECOMMENDATIONS_COMPLETED: (S.WITH_EDITOR, "All recommendations are in and a decision is needed."),
    ROUND_RESUBMIT_FOR_REVIEW_SUBMITTED: (S.REVISION_SUBMITTED,
                                          "Submission has been resubmitted for another review round."),
    # Back from copyediting to the last round, with no review pending: the editor decides again.
    ROUND_RETURNED_TO_REVIEW: (S.WITH_EDITOR, "Returned back to review."),
}

# (submission status, stage id, stage status) -> (canonical status, OJS's words). The stage status is the
# active stage's statusId: 1 (unassigned) or None on the submission stage, the latest round's statusId on a
# review stage. Lookup tries the exact key, then ANY stage status, then ANY stage.
STATUS_TABLE: dict[tuple[int, int | str, int | str | None], tuple[CanonicalStatus, str]] = {
    (STATUS_PUBLISHED, ANY, ANY): (S.PUBLISHED, "Published"),
    (STATUS_DECLINED, ANY, ANY): (S.REJECTED, "Declined"),
    # Scheduled: assigned to a future issue, so still being produced.
    (STATUS_SCHEDULED, ANY, ANY): (S.IN_PRODUCTION, "Scheduled"),
    (STATUS_QUEUED, STAGE_SUBMISSION, STAGE_STATUS_SUBMISSION_UNASSIGNED): (S.SUBMITTED, "Unassigned"),
    (STATUS_QUEUED, STAGE_SUBMISSION, None): (S.WITH_EDITOR, "Awaiting Editor Decision"),
    **{(STATUS_QUEUED, stage, round_status): mapped
       for stage in REVIEW_STAGES for round_status, mapped in REVIEW_ROUND_TABLE.items()},
    # Copyediting follows acceptance; production (layout, proofs) is what authors know as "in production".
    (STATUS_QUEUED, STAGE_EDITING, ANY): (S.ACCEPTED, "In Copyediting"),
    (STATUS_QUEUED, STAGE_PRODUCTION, ANY): (S.IN_PRODUCTION, "In Proofreading"),
}


def map_status(status: int, stage_id: int, stage_status: int | None) -> tuple[CanonicalStatus, str] | None:
    """The canonical status and OJS's words for a submission's state; None for a state OJS does not define."""
    for key in ((status, stage_id, stage_status), (status, stage_id, ANY), (status, ANY, ANY)):
        if key in STATUS_TABLE:
            return STATUS_TABLE[key]
    return None


# OJS locale keys (3.3 "en_US", 3.4 "en"; Chinese stays "zh_CN" in both) -> our language keys.
LOCALE_LANGUAGES = {
    "en": "en", "en_US": "en", "en_GB": "en", "en_CA": "en", "en_AU": "en",
    "zh": "zh-hans", "zh_CN": "zh-hans", "zh_Hans": "zh-hans", "zh_SG": "zh-hans",
    "zh_TW": "zh-hant", "zh_HK": "zh-hant", "zh_Hant": "zh-hant",
}


def language_for_locale(locale: str) -> str:
    """Our language key for an OJS locale: the table above, else the language part ("fr_CA" -> "fr")."""
    return LOCALE_LANGUAGES.get(locale) or re.split(r"[_@-]", locale, maxsplit=1)[0].lower()


def titles_from(multilingual: dict[str, Any]) -> dict[str, str]:
    """A multilingual OJS title as {language: plain text}, dropping empty strings (3.4 titles may hold HTML)."""
    titles: dict[str, str] = {}
    for locale, value in multilingual.items():
        text = plain_text(value) if isinstance(value, str) else ""
        if text:
            titles.setdefault(language_for_locale(locale), text)
    return titles


class OjsConnector(ConfiguredConnector):
    """The Connector for OJS; see the module docstring.

    Construction never fails, so callers may build a connector outside their error handling; a configuration
    that cannot work (no token, unknown timezone, no journal paths) raises its ConnectorError, not retryable,
    from every call instead.
    """

    platform = PLATFORM
    supports_platform_changes = True
    supports_usage = True  # views and downloads through the usage statistics API (see the module docstring)

    def __init__(self, config: PlatformConfig) -> None:
        self.config = config
        self.base_url = config.base_url.rstrip("/")
        self.journal_paths = list(dict.fromkeys(path for path in config.journal_paths.values() if path))
        self.timezone = UTC
        self.configuration_error: ConnectorError | None = None
        # journal path -> "3.3" or "3.4+" (3.4 and 3.5 order alike), from credentials 'version' or the first page
        self._order_families: dict[str, str] = {}
        version = str(config.credentials.get("version") or "").strip()
        if version:
            if version not in VERSIONS:
                self.configuration_error = ConnectorError(
                    f"journal system {config.key!r}: credentials 'version' must be one of {', '.join(VERSIONS)}, "
                    f"not {version!r}")
            else:
                self._order_families = {path: _order_family(version) for path in self.journal_paths}
        token = str(config.credentials.get("token") or "").strip()
        timezone_name = str(config.credentials.get("timezone") or "UTC")
        try:
            self.timezone = ZoneInfo(timezone_name)
        except (ZoneInfoNotFoundError, ValueError):
            self.configuration_error = ConnectorError(
                f"journal system {config.key!r}: unknown timezone {timezone_name!r} (credentials 'timezone')")
        if not self.journal_paths:
            self.configuration_error = ConnectorError(f"journal system {config.key!r} has no journals with an OJS path")
        if not token:
            self.configuration_error = PlatformAuthError(
                f"journal system {config.key!r} has no OJS API token (credentials 'token')")
        self.http = PlatformHttpClient(platform="OJS", timeout_seconds=config.timeout_seconds,
                                       headers={"Authorization": f"Bearer {token}"}, request_gate=config.request_gate)

    # --- the Connector interface -----------------------------------------------------------------------------

    def test_connection(self) -> str:
        """One cheap call per journal for submissions, one for users (linking needs a manager's token)."""
        self._check_configuration()
        reached = []
        for path in self.journal_paths:
            listing = self._first_page_by_activity(path, {"count": 1})
            self._listing(path, "users", {"count": 1})
            family = self._order_families.get(path)
            reached.append(f"{path} ({listing[1]}" + (f", OJS {family}" if family else "") + ")")
        return gettext("Connected to OJS at %(base_url)s. Journals reached (submissions): %(journals)s.") % {
            "base_url": self.base_url, "journals": ", ".join(reached)}

    def find_identity(self, identity: str) -> PlatformIdentity | None:
        self._check_configuration()
        typed = identity.strip()
        orcid = bare_orcid(typed)
        if orcid:
            phrase = orcid  # OJS keeps the URL form; the bare iD is a substring of it

            def matches(user: dict[str, Any]) -> bool:
                return bare_orcid(user.get("orcid")) == orcid
        elif "@" in typed:
            phrase = typed

            def matches(user: dict[str, Any]) -> bool:
                return str(required_field(user, "email", "OJS user")).strip().lower() == typed.lower()
        else:
            phrase = typed

            def matches(user: dict[str, Any]) -> bool:
                return str(required_field(user, "userName", "OJS user")).lower() == typed.lower()
        if not phrase or any(ch.isspace() for ch in phrase):
            return None  # OJS would split the phrase into words; no e-mail, username or iD has spaces
        for path in self.journal_paths:
            for user in self._all_items(path, "users", {"searchPhrase": phrase}):
                if matches(user):
                    return PlatformIdentity(
                        platform_user_id=str(required_field(user, "id", "OJS user")),
                        email=str(required_field(user, "email", "OJS user")).strip(),
                        display_name=str(user.get("fullName") or user.get("userName") or ""),
                        orcid=bare_orcid(user.get("orcid")),
                    )
        return None

    def manuscripts_for_identity(self, identity: PlatformIdentity, cursor: str | None) -> SnapshotPage:
        """The identity's manuscripts changed since the cursor.

        ``assignedTo`` also matches editor and reviewer assignments, so only submissions that list the
        identity among their authors (by the e-mail or ORCID iD on file) are returned: a linked researcher who
        reviews for the journal must not see the manuscripts they review.
        """
        if not identity.platform_user_id.isdigit():
            raise ConnectorError(f"not an OJS user id: {identity.platform_user_id!r}")
        return self._changed(cursor, assigned_to=identity.platform_user_id, author=identity)

    def changed_since(self, cursor: str | None) -> SnapshotPage:
        return self._changed(cursor, assigned_to=None, author=None)

    def usage_counts(self, journal_path: str, platform_ids: list[str]) -> dict[str, UsageCounts]:
        """Lifetime views and downloads of these submissions of one journal, as of yesterday: {platform id:
        UsageCounts}, every id included (one OJS does not list has no views). At most USAGE_BATCH ids a call.

        Raises PlatformAuthError when the token is not a manager's or sub-editor's (OJS's stats API refuses
        authors), ConnectorError for a journal path OJS does not have."""
        self._check_configuration()
        ids = list(dict.fromkeys(platform_ids))
        if len(ids) > USAGE_BATCH:
            raise ValueError(f"at most {USAGE_BATCH} submissions a call, not {len(ids)}")
        if not all(platform_id.isdigit() for platform_id in ids):
            raise ConnectorError(f"not OJS submission ids: {[i for i in ids if not i.isdigit()]!r}")
        counts = {platform_id: UsageCounts(views=0, downloads=0) for platform_id in ids}
        if not ids:
            return counts
        params = {"submissionIds": ",".join(ids), "count": PAGE_SIZE}
        offset = 0
        while True:
            try:
                items, items_max = self._listing(journal_path, "stats/publications", {**params, "offset": offset})
            except PlatformAuthError as exc:
                raise PlatformAuthError(
                    f"{exc}. OJS's usage statistics answer only a journal manager's, section editor's or site "
                    f"admin's API token: give journal system {self.config.key!r} such a token") from None
            for item in items:
                what = f"OJS usage statistics item in journal {journal_path!r}"
                publication = required_field(item, "publication", what)
                if not isinstance(publication, dict):
                    raise PlatformDataError(f"{what}: 'publication' is not an object")
                submission_id = str(required_field(publication, "id", what))
                if submission_id in counts:
                    counts[submission_id] = UsageCounts(views=_count_field(item, "abstractViews", what),
                                                        downloads=_count_field(item, "galleyViews", what))
            offset += len(items)
            if not items or offset >= items_max:
                return counts

    # --- polling ------------------------------------------------------------------------------------------------

    def _changed(self, cursor: str | None, *, assigned_to: str | None, author: PlatformIdentity | None) -> SnapshotPage:
        self._check_configuration()
        since = parse_cursor(cursor, "OJS")
        # The cursor is the newest dateLastActivity over all journals, read one after another; an event in one
        # journal after we read it can carry an earlier stamp than another journal's newest item. Reading back
        # over the span those first reads can take closes that gap (one journal needs no overlap: an event after
        # our read is stamped at or after everything we saw, and we read from the cursor inclusive).
        overlap = timedelta(seconds=self.config.timeout_seconds * len(self.journal_paths)) \
            if len(self.journal_paths) > 1 else timedelta(0)
        threshold = since - overlap if since else None
        filters: dict[str, Any] = {"orderDirection": "DESC", "count": PAGE_SIZE}
        if assigned_to is not None:
            filters["assignedTo"] = assigned_to
        # Every journal's first page first, so the cursor's newest item comes from reads close in time.
        first_pages = {path: self._first_page_by_activity(path, filters) for path in self.journal_paths}
        newest = since
        changed: list[tuple[str, dict[str, Any]]] = []
        for path in self.journal_paths:
            items, items_max = first_pages[path]
            base_params = {"orderBy": self._order_by(path), **filters}
            offset, seen = 0, set()
            while True:
                passed_cursor = False
                for item in items:
                    active = self._datetime(item, "dateLastActivity", required=True)
                    newest = active if newest is None or active > newest else newest
                    if threshold is not None and active < threshold:
                        passed_cursor = True
                        break
                    submission_id = required_field(item, "id", f"OJS submission in journal {path!r}")
                    if submission_id not in seen:  # offset paging repeats an item when the list shifts
                        seen.add(submission_id)
                        changed.append((path, item))
                offset += len(items)
                if passed_cursor or not items or offset >= items_max:
                    break
                items, items_max = self._listing(path, "submissions", {**base_params, "offset": offset})
        snapshots = []
        for path, summary in changed:
            snapshot = self._snapshot(path, summary, author)
            if snapshot is not None:
                snapshots.append(snapshot)
        return SnapshotPage(snapshots=snapshots, next_cursor=newest.astimezone(UTC).isoformat() if newest else None)

    def _order_by(self, path: str) -> str:
        return ORDER_BY_LAST_ACTIVITY["3.3" if self._order_families.get(path) == "3.3" else "3.4"]

    def _first_page_by_activity(self, path: str, filters: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        """The first page ordered by last activity, learning the journal's version from it when not configured:
        a 3.3 journal ignores 3.4's ``lastActivity`` (its items lack ``urlSubmissionWizard``), so its page is
        asked for again with 3.3's name."""
        known = path in self._order_families
        page = self._listing(path, "submissions", {"orderBy": self._order_by(path), **filters, "offset": 0})
        if not known and page[0]:
            self._order_families[path] = "3.4+" if "urlSubmissionWizard" in page[0][0] else "3.3"
            if self._order_families[path] == "3.3":
                page = self._listing(path, "submissions", {"orderBy": self._order_by(path), **filters, "offset": 0})
        return page

    def _snapshot(self, path: str, summary: dict[str, Any],
                  author: PlatformIdentity | None) -> ManuscriptSnapshot | None:
        what = f"OJS submission {summary.get('id')} in journal {path!r}"
        submission_id = required_field(summary, "id", what)
        if summary.get("submissionProgress") not in (None, "", 0):
            return None  # an unfinished draft: not with the journal yet
        status = _int_field(summary, "status", what)
        stage_id = _int_field(summary, "stageId", what)
        stage_status = None
        if status == STATUS_QUEUED and stage_id in (STAGE_SUBMISSION, *REVIEW_STAGES):
            full = self._object(path, f"submissions/{submission_id}")
            if full is None:
                return None  # deleted since it was listed
            stage_status = _stage_status(full, stage_id, what)
        mapped = map_status(status, stage_id, stage_status)
        if mapped is None:
            raise PlatformDataError(f"{what} is in a state we do not know: status {status}, stage {stage_id}, "
                                    f"stage status {stage_status}")
        canonical, raw_status = mapped
        publication_id = required_field(summary, "currentPublicationId", what)
        publication = self._object(path, f"submissions/{submission_id}/publications/{publication_id}")
        if publication is None:
            return None
        authors = required_field(publication, "authors", f"{what}, publication {publication_id}")
        if not isinstance(authors, list):
            raise PlatformDataError(f"{what}, publication {publication_id}: 'authors' is not a list")
        emails = tuple(dict.fromkeys(str(a.get("email") or "").strip().lower() for a in authors
                                     if isinstance(a, dict) and a.get("email")))
        orcids = {bare_orcid(a.get("orcid")) for a in authors if isinstance(a, dict)} - {""}
        if author is not None and author.email.strip().lower() not in emails \
                and not (author.orcid and bare_orcid(author.orcid) in orcids):
            return None
        title_field = publication.get("fullTitle") or required_field(publication, "title", f"{what}, publication")
        titles = titles_from(title_field) if isinstance(title_field, dict) else {}
        if not titles:
            titles = {language_for_locale(str(summary.get("locale") or "en")): f"#{submission_id}"}
        published = status == STATUS_PUBLISHED
        return ManuscriptSnapshot(
            platform_id=str(submission_id),
            journal_path=path,
            titles=titles,
            canonical_status=canonical.value,
            raw_status=raw_status,
            last_activity_at=self._datetime(summary, "dateLastActivity", required=True),
            submitted_at=self._datetime(summary, "dateSubmitted"),
            author_emails=emails,
            author_user_ids=(author.platform_user_id,) if author is not None else (),
            doi=_doi(publication) if published else "",
            published_on=_date(publication.get("datePublished"), what) if published else None,
            url=str(summary.get("urlPublished") if published else summary.get("urlAuthorWorkflow") or ""),
        )

    # --- requests -------------------------------------------------------------------------------------------

    def _url(self, path: str, endpoint: str) -> str:
        return f"{self.base_url}/index.php/{quote(path, safe='')}/api/v1/{endpoint}"

    def _get(self, path: str, endpoint: str, params: dict[str, Any] | None = None) -> HttpAnswer:
        answer = self.http.get(self._url(path, endpoint), params)
        if answer.ok:
            return answer
        error = answer.payload.get("error") if isinstance(answer.payload, dict) else None
        message = answer.payload.get("errorMessage") if isinstance(answer.payload, dict) else None
        described = f"{error} ({message})" if error else f"HTTP {answer.status}"
        if answer.status in (401, 403) and error != "api.404.endpointNotFound":
            raise PlatformAuthError(f"OJS refused our API token for journal {path!r} on GET /{endpoint}: {described}")
        if answer.status == 404:
            return answer
        raise ConnectorError(f"OJS answered GET /{endpoint} for journal {path!r} with {described}")

    def _object(self, path: str, endpoint: str) -> dict[str, Any] | None:
        """A single object, or None when OJS says it does not exist (e.g. deleted since it was listed)."""
        answer = self._get(path, endpoint)
        if answer.status == 404:
            return None
        if not isinstance(answer.payload, dict):
            raise PlatformDataError(f"OJS answered GET /{endpoint} for journal {path!r} with no JSON object")
        return answer.payload

    def _listing(self, path: str, endpoint: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
        answer = self._get(path, endpoint, params)
        if answer.status == 404:
            raise ConnectorError(f"OJS at {self.base_url} has no journal {path!r} (HTTP 404 for GET /{endpoint})")
        what = f"OJS's answer to GET /{endpoint} for journal {path!r}"
        if not isinstance(answer.payload, dict):
            raise PlatformDataError(f"{what} is not a JSON object")
        items = required_field(answer.payload, "items", what)
        items_max = required_field(answer.payload, "itemsMax", what)
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise PlatformDataError(f"{what}: 'items' is not a list of objects")
        if isinstance(items_max, bool) or not isinstance(items_max, int):
            raise PlatformDataError(f"{what}: 'itemsMax' is not a number")
        return items, items_max

    def _all_items(self, path: str, endpoint: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        offset = 0
        while True:
            items, items_max = self._listing(path, endpoint, {**params, "count": PAGE_SIZE, "offset": offset})
            yield from items
            offset += len(items)
            if not items or offset >= items_max:
                return

    # --- values ---------------------------------------------------------------------------------------------

    def _datetime(self, obj: dict[str, Any], name: str, *, required: bool = False) -> datetime | None:
        what = f"OJS submission {obj.get('id')}"
        value = required_field(obj, name, what) if required else obj.get(name)
        if value in (None, ""):
            if required:
                raise PlatformDataError(f"{what} has an empty {name!r}")
            return None
        try:
            return datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S").replace(tzinfo=self.timezone)
        except ValueError:
            raise PlatformDataError(f"{what}: {name!r} is not a 'Y-m-d H:i:s' date: {value!r}") from None


def _order_family(version: str) -> str:
    return "3.3" if version == "3.3" else "3.4+"


def _int_field(obj: dict[str, Any], name: str, what: str) -> int:
    value = required_field(obj, name, what)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlatformDataError(f"{what}: {name!r} is not a number: {value!r}")
    return value


def _count_field(obj: dict[str, Any], name: str, what: str) -> int:
    value = _int_field(obj, name, what)
    if value < 0:
        raise PlatformDataError(f"{what}: {name!r} is negative: {value}")
    return value


def _stage_status(full: dict[str, Any], stage_id: int, what: str) -> int | None:
    """The active stage's status: the latest review round's statusId, or the submission stage's statusId."""
    if stage_id in REVIEW_STAGES:
        rounds = [r for r in required_field(full, "reviewRounds", what)
                  if isinstance(r, dict) and r.get("stageId") == stage_id]
        if not rounds:
            return None
        latest = max(rounds, key=lambda r: (r.get("round") or 0, r.get("id") or 0))
        return _int_field(latest, "statusId", f"{what}, review round {latest.get('round')}")
    stages = required_field(full, "stages", what)
    stage = next((s for s in stages if isinstance(s, dict) and s.get("id") == stage_id), None)
    if stage is None:
        raise PlatformDataError(f"{what}: 'stages' has no stage {stage_id}")
    status_id = stage.get("statusId")
    if "statusId" not in stage and isinstance(stage.get("editorAssigned"), bool):
        # 3.5: no stage status any more; the flag says what statusId 1 (unassigned) said before.
        return None if stage["editorAssigned"] else STAGE_STATUS_SUBMISSION_UNASSIGNED
    return status_id if isinstance(status_id, int) and not isinstance(status_id, bool) else None


def _doi(publication: dict[str, Any]) -> str:
    doi_object = publication.get("doiObject")  # 3.4
    if isinstance(doi_object, dict) and doi_object.get("doi"):
        return str(doi_object["doi"]).strip()
    return str(publication.get("pub-id::doi") or "").strip()  # 3.3, added by the DOI plugin


def _date(value: Any, what: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise PlatformDataError(f"{what}: 'datePublished' is not a date: {value!r}") from None
