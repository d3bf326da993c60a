"""Stand-in for Open Journal Systems' REST API v1 (OJS 3.4, and 3.3 and 3.5 where they differ), in its wire format.

What is faithful to pkp-lib (branches stable-3_3_0 / stable-3_4_0 / stable-3_5_0), because the connector must
meet it:

- Paths ``/index.php/{contextPath}/api/v1/...``; ``Authorization: Bearer <token>`` or the deprecated
  ``?apiToken=``. Tokens are HS256 JWTs over the user's API key, signed with the installation's secret
  (``ApiTokenDecodingMiddleware``); a fixed token string may also be registered for a manager, for demos.
- Every authorization failure is HTTP 403 ``{"error", "errorMessage"}`` — even ``api.400.invalidApiToken``.
  An unknown submission id is a 404 with an HTML body (``Dispatcher::handle404``); an unknown endpoint is a
  403 ``api.404.endpointNotFound`` (``ApiAuthorizationMiddleware``).
- ``GET /submissions``: ``count`` (default 30 in 3.4, 20 in 3.3, cut to 100), ``offset``, ``orderBy``
  (3.4: lastModified | dateSubmitted | lastActivity | datePublished | sequence | title; 3.3: lastModified |
  dateSubmitted | dateLastActivity | title; anything else means dateSubmitted) and ``orderDirection``
  (ascending only for exactly ``ASC``; in 3.4 only together with a valid ``orderBy``), ``status``,
  ``stageIds``, ``assignedTo`` (stage assignments — authors are assigned through their author stage
  assignment — or live review assignments), ``searchPhrase``. Authors and other non-managers are confined to
  their own assignments (403 ``api.submissions.403.requestedOthersUnpublishedSubmissions`` otherwise).
- List items carry only the schema's ``apiSummary`` fields; ``GET /submissions/{id}`` adds ``stages[]``,
  ``reviewRounds[]`` and ``reviewAssignments[]``; ``GET /submissions/{id}/publications/{pid}`` is the full
  publication with ``authors[]`` (e-mail, ORCID, multilingual names) and the DOI (3.4 ``doiObject``, 3.3
  ``pub-id::doi`` as added by the DOI plugin).
- ``GET /users`` for managers, sub-editors and admins only, with ``searchPhrase`` matched word by word,
  case-insensitively, as a substring of username, e-mail, names, affiliation, biography or ORCID — fuzzy, as in
  OJS, so callers must filter exactly themselves. Items are the user schema's summary fields.
- Usage statistics (``api/v1/stats/publications``, 3.3 ``PKPStatsPublicationHandler.inc.php``, 3.4
  ``PKPStatsPublicationHandler.php``, 3.5 ``PKPStatsPublicationController.php``): managers, sub-editors and site
  admins only (anyone else 403 ``user.authorization.roleBasedAccessDenied``); ``GET /stats/publications``
  (``submissionIds``, ``dateStart``/``dateEnd`` as ``Y-m-d``, ``count`` cut to 100 — default 30 in 3.3, no limit
  in 3.4+ —, ``offset``, ``orderDirection``) lists only submissions with views in the range, most viewed first,
  as ``{"items": [{"abstractViews", "galleyViews", "pdfViews", "htmlViews", "otherViews", "publication": {"_href",
  "id", "urlWorkflow", "urlPublished", "authorsStringShort", "fullTitle"}}], "itemsMax"}``;
  ``GET /stats/publications/{id}`` is one such object (a sub-editor must be assigned to it). ``dateStart``
  defaults to the journal's earliest publication date, ``dateEnd`` to yesterday; a bad date is a 400
  (``api.stats.400.wrongDateFormat``, ``earlyDateRange``, ``lateDateRange``, ``wrongDateRange``; 3.5 answers
  400s as ``{"error"}`` without ``errorMessage``). ``galleyViews`` is pdf + html + other.
- Dates are ``Y-m-d H:i:s`` in the site's timezone. ``dateLastActivity`` moves with every event of the
  submission log (reviews in, an author's revised files, decisions); ``lastModified`` only when the submission
  record is edited (status, stage): see :meth:`OjsSandbox.move`.
- 3.5 (``classes/submission/maps/Schema.php``): the summary adds ``editorAssigned``, ``recommendationsIn``,
  ``reviewersNotAssigned``, ``revisionsRequested`` and ``revisionsSubmitted``; ``stages[]`` carry an
  ``editorAssigned`` flag and no ``statusId``/``status``; ``orderBy`` accepts the 3.4 values.

Sandbox simplifications, said plainly: one sandbox is one OJS installation (user and submission ids are
shared by its journals, as in OJS) whose journals may each behave as 3.3 or 3.4; review round and stage
statuses are stored as OJS would compute them rather than derived from review assignments; list ordering ties
are broken deterministically; generated journals answer ``orderBy=title`` in date order.

Scripting (Python on ``server.ojs``, mirrored by JSON routes under ``/__sandbox__/ojs/``): ``add_site``,
``add_user``, ``add_submission``, ``add_usage`` (views of an abstract or galley on a day), ``move`` (an
editor's decision or an author's action, stamped with the sandbox clock), ``add_generated_site`` /
``change_generated`` (large journals computed from a seed on request, never held in memory), ``inject_fault``,
``set_rate_limit``, ``set_clock`` / ``advance_clock``, the call log.
"""

from __future__ import annotations

import base64
import bisect
import copy
import hashlib
import hmac
import html
import json
import math
import re
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.faults import Fault, FaultQueue, PlatformSandbox, TokenBucket, admit, fault_kind, utc_seconds
from sandbox.generated import GeneratedCatalog, stable_hash

# sandbox.server imports this module only after defining these primitives.
from sandbox.server import Request, Response, Router, json_response

# --- OJS constants (pkp-lib) ----------------------------------------------------------------------------

STATUS_QUEUED, STATUS_PUBLISHED, STATUS_DECLINED, STATUS_SCHEDULED = 1, 3, 4, 5
STATUS_LABELS = {STATUS_QUEUED: "Queued", STATUS_PUBLISHED: "Published", STATUS_DECLINED: "Declined",
                 STATUS_SCHEDULED: "Scheduled"}

STAGE_SUBMISSION, STAGE_INTERNAL_REVIEW, STAGE_EXTERNAL_REVIEW, STAGE_EDITING, STAGE_PRODUCTION = 1, 2, 3, 4, 5
OJS_STAGES = (STAGE_SUBMISSION, STAGE_EXTERNAL_REVIEW, STAGE_EDITING, STAGE_PRODUCTION)  # OJS has no stage 2
STAGE_LABELS = {STAGE_SUBMISSION: "Submission", STAGE_INTERNAL_REVIEW: "Internal Review",
                STAGE_EXTERNAL_REVIEW: "Review", STAGE_EDITING: "Copyediting", STAGE_PRODUCTION: "Production"}
REVIEW_STAGES = (STAGE_INTERNAL_REVIEW, STAGE_EXTERNAL_REVIEW)
STAGE_STATUS_SUBMISSION_UNASSIGNED = 1
UNASSIGNED_LABEL = "No editor has been assigned to this submission."  # submissions.queuedUnassigned

# ReviewRound::REVIEW_ROUND_STATUS_* and their editor-facing labels (editor.submission.roundStatus.*).
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
ROUND_LABELS = {
    1: "Revisions have been requested.",
    2: "The submission must be resubmitted for another review round.",
    3: "Sent to external review.",
    4: "Submission accepted.",
    5: "Submission declined.",
    6: "Waiting for reviewers to be assigned.",
    7: "Awaiting responses from reviewers.",
    8: "New reviews have been submitted.",
    9: "All reviewers have responded and a decision is needed.",
    10: "A review is overdue.",
    11: "Revisions have been submitted and a decision is needed.",
    12: "Awaiting recommendations from editors.",
    13: "New editorial recommendations have been submitted.",
    14: "All recommendations are in and a decision is needed.",
    15: "Submission has been resubmitted for another review round.",
    16: "Returned back to review.",
}

# ReviewAssignment statuses, to give the full object believable reviewAssignments[] for a round status.
REVIEW_ASSIGNMENT_LABELS = {
    0: "Waiting for a response from the reviewer.",
    5: "This review has been accepted.",
    6: "The reviewer has missed the review due date.",
    7: "The reviewer has submitted their review.",
    8: "This review has been completed.",
}
_ASSIGNMENTS_FOR_ROUND = {ROUND_PENDING_REVIEWS: (0, 5), ROUND_REVIEWS_READY: (7, 5), ROUND_REVIEWS_COMPLETED: (8, 8),
                          ROUND_REVIEWS_OVERDUE: (6, 7)}

# Role ids (PKP\security\Role) and the default user groups a journal is created with.
ROLE_SITE_ADMIN, ROLE_MANAGER, ROLE_SUB_EDITOR, ROLE_ASSISTANT = 1, 16, 17, 4097
ROLE_REVIEWER, ROLE_AUTHOR, ROLE_READER = 4096, 65536, 1048576
# role name accepted by add_user -> (group offset, roleId, group name, abbreviation)
USER_GROUPS = {
    "manager": (1, ROLE_MANAGER, "Journal manager", "JM"),
    "editor": (2, ROLE_MANAGER, "Journal editor", "JE"),
    "section_editor": (3, ROLE_SUB_EDITOR, "Section editor", "SecE"),
    "assistant": (4, ROLE_ASSISTANT, "Copyeditor", "CE"),
    "author": (5, ROLE_AUTHOR, "Author", "AU"),
    "reviewer": (6, ROLE_REVIEWER, "Reviewer", "R"),
    "reader": (7, ROLE_READER, "Reader", "Read"),
}
USERS_ROLES = {ROLE_SITE_ADMIN, ROLE_MANAGER, ROLE_SUB_EDITOR}
SUBMISSIONS_ROLES = {ROLE_SITE_ADMIN, ROLE_MANAGER, ROLE_SUB_EDITOR, ROLE_ASSISTANT, ROLE_REVIEWER, ROLE_AUTHOR}
UNRESTRICTED_ROLES = {ROLE_SITE_ADMIN, ROLE_MANAGER}  # may list submissions they are not assigned to
STATS_ROLES = {ROLE_SITE_ADMIN, ROLE_MANAGER, ROLE_SUB_EDITOR}  # api/v1/stats/publications
USAGE_KINDS = ("abstract", "pdf", "html", "other")  # an abstract page view, or a galley (file) view by type
STATISTICS_EARLIEST_DATE = date(2001, 1, 1)  # PKPStatisticsHelper::STATISTICS_EARLIEST_DATE
STATS_DEFAULT_COUNT = {"3.3": 30, "3.4": None, "3.5": None}  # None: no limit unless count is given

VERSIONS = ("3.3", "3.4", "3.5")
DEFAULT_LOCALES = {"3.3": ("en_US", "zh_CN"), "3.4": ("en", "zh_CN"), "3.5": ("en", "zh_CN")}
DEFAULT_COUNT = {"3.3": 20, "3.4": 30, "3.5": 30}
MAX_COUNT = 100
ORDER_BY = {  # accepted orderBy value -> the date or text the sandbox sorts on
    "3.3": {"dateSubmitted": "date_submitted", "dateLastActivity": "date_last_activity",
            "lastModified": "last_modified", "title": "title"},
    "3.4": {"dateSubmitted": "date_submitted", "lastActivity": "date_last_activity",
            "lastModified": "last_modified", "title": "title", "datePublished": "date_published",
            "sequence": "date_submitted"},
}
# 3.5 adds orderBy=id (Collector::ORDERBY_ID); the handler (PKPSubmissionController) still accepts the 3.4 list only.
ORDER_BY["3.5"] = dict(ORDER_BY["3.4"])

ERROR_MESSAGES = {
    "api.403.unauthorized": "You are not authorized to access the requested resource.",
    "api.400.invalidApiToken": "The API token could not be validated. This may indicate an error in the API token "
                               "or that the API token is no longer valid.",
    "api.400.tokenCouldNotBeDecoded": "The apiToken could not be decoded because of the following error: {error}",
    "api.404.endpointNotFound": "The requested URL was not recognized.",
    "api.404.resourceNotFound": "The requested resource was not found.",
    "api.submissions.403.requestedOthersUnpublishedSubmissions":
        "You can only view unpublished submissions to which you have been assigned.",
    "api.publications.403.submissionsDidNotMatch": "The publication you requested is not part of this submission.",
    "user.authorization.roleBasedAccessDenied": "The current role does not have access to this operation.",
    "api.stats.400.wrongDateFormat": "The date format is incorrect. Please use the YYYY-MM-DD format.",
    "api.stats.400.earlyDateRange": "The start date can not be earlier than 2001-01-01.",
    "api.stats.400.lateDateRange": "The end date can not be later than yesterday.",
    "api.stats.400.wrongDateRange": "The start date can not be later than the end date.",
    "api.stats.400.invalidOrderDirection": "Your order direction is not valid. It must be desc or asc.",
}

# --- faults -----------------------------------------------------------------------------------------------

MALFORMED_JSON = "malformed_json"
FAULT_KINDS = (Fault.TIMEOUT, Fault.SLOW, Fault.HTTP_500, Fault.HTTP_503, Fault.HTTP_429, MALFORMED_JSON,
               Fault.RENAMED_FIELD, Fault.MISSING_FIELD, Fault.REDIRECT)

# --- decisions move() understands: (new status, new stage, new round status); None = unchanged -----------

DECISIONS: dict[str, tuple[int | None, int | None, int | None]] = {
    "assign_editor": (None, None, None),  # a stage assignment, not a decision: stage 1 is no longer "unassigned"
    "send_to_review": (None, STAGE_EXTERNAL_REVIEW, ROUND_PENDING_REVIEWERS),
    "skip_review": (None, STAGE_EDITING, None),
    "assign_reviewer": (None, None, ROUND_PENDING_REVIEWS),
    "review_submitted": (None, None, ROUND_REVIEWS_READY),
    "review_overdue": (None, None, ROUND_REVIEWS_OVERDUE),
    "reviews_completed": (None, None, ROUND_REVIEWS_COMPLETED),
    "request_revisions": (None, None, ROUND_REVISIONS_REQUESTED),
    "resubmit_for_review": (None, None, ROUND_RESUBMIT_FOR_REVIEW),
    "submit_revisions": (None, None, None),  # the author uploads: 1 -> 11, 2 -> 15
    "new_review_round": (None, STAGE_EXTERNAL_REVIEW, ROUND_PENDING_REVIEWERS),
    "accept": (None, STAGE_EDITING, ROUND_ACCEPTED),
    "decline": (STATUS_DECLINED, None, ROUND_DECLINED),
    "initial_decline": (STATUS_DECLINED, None, None),
    "revert_decline": (STATUS_QUEUED, None, None),
    "back_from_copyediting": (None, STAGE_EXTERNAL_REVIEW, ROUND_RETURNED_TO_REVIEW),
    "send_to_production": (None, STAGE_PRODUCTION, None),
    "back_from_production": (None, STAGE_EDITING, None),
    "schedule": (STATUS_SCHEDULED, STAGE_PRODUCTION, None),
    "publish": (STATUS_PUBLISHED, STAGE_PRODUCTION, None),
    "unpublish": (STATUS_QUEUED, None, None),
}

# --- generated journals -------------------------------------------------------------------------------------

# A generated submission's workflow state: (status, stage, editor assigned, review round statuses oldest first).
_State = tuple[int, int, bool, tuple[int, ...]]
PROGRESSION: tuple[_State, ...] = (
    (STATUS_QUEUED, STAGE_SUBMISSION, False, ()),
    (STATUS_QUEUED, STAGE_SUBMISSION, True, ()),
    (STATUS_QUEUED, STAGE_EXTERNAL_REVIEW, True, (ROUND_PENDING_REVIEWERS,)),
    (STATUS_QUEUED, STAGE_EXTERNAL_REVIEW, True, (ROUND_PENDING_REVIEWS,)),
    (STATUS_QUEUED, STAGE_EXTERNAL_REVIEW, True, (ROUND_REVIEWS_READY,)),
    (STATUS_QUEUED, STAGE_EXTERNAL_REVIEW, True, (ROUND_REVIEWS_COMPLETED,)),
    (STATUS_QUEUED, STAGE_EXTERNAL_REVIEW, True, (ROUND_REVISIONS_REQUESTED,)),
    (STATUS_QUEUED, STAGE_EXTERNAL_REVIEW, True, (ROUND_REVISIONS_SUBMITTED,)),
    (STATUS_QUEUED, STAGE_EXTERNAL_REVIEW, True, (ROUND_REVISIONS_SUBMITTED, ROUND_PENDING_REVIEWS)),
    (STATUS_QUEUED, STAGE_EDITING, True, (ROUND_REVISIONS_SUBMITTED, ROUND_ACCEPTED)),
    (STATUS_QUEUED, STAGE_PRODUCTION, True, (ROUND_REVISIONS_SUBMITTED, ROUND_ACCEPTED)),
    (STATUS_SCHEDULED, STAGE_PRODUCTION, True, (ROUND_REVISIONS_SUBMITTED, ROUND_ACCEPTED)),
    (STATUS_PUBLISHED, STAGE_PRODUCTION, True, (ROUND_REVISIONS_SUBMITTED, ROUND_ACCEPTED)),
)
DECLINED_STATE: _State = (STATUS_DECLINED, STAGE_EXTERNAL_REVIEW, True, (ROUND_DECLINED,))
GIVEN_NAMES = ("Wei", "Maria", "Hiroshi", "Aisha", "Lars", "Priya", "Jun", "Sofia", "Tomás", "Nadia", "Kwame",
               "Elena", "Minh", "Fatima", "Oliver", "Yuki", "Carlos", "Ingrid", "Ravi", "Mei")
FAMILY_NAMES = ("Li", "Garcia", "Tanaka", "Okafor", "Nilsson", "Sharma", "Zhang", "Rossi", "Nguyen", "Haddad",
                "Mensah", "Petrova", "Chen", "Silva", "Müller", "Wang", "Kowalski", "Ahmed", "Smith", "Liu")
TITLE_ADJECTIVES = (("Adaptive", "自适应"), ("Seasonal", "季节性"), ("Regional", "区域"), ("Long-term", "长期"),
                    ("Comparative", "比较"), ("Spatial", "空间"), ("Coupled", "耦合"), ("Rapid", "快速"))
TITLE_SUBJECTS = (("Soil Microbiome Dynamics", "土壤微生物组动态"), ("Groundwater Recharge", "地下水补给"),
                  ("Urban Heat Islands", "城市热岛"), ("Nitrogen Cycling", "氮循环"), ("Coastal Erosion", "海岸侵蚀"),
                  ("Pollinator Decline", "传粉者减少"), ("Glacier Mass Balance", "冰川物质平衡"),
                  ("Crop Yield Variability", "作物产量变异"))
TITLE_PLACES = ("in Terraced Rice Paddies", "Across the Loess Plateau", "Under Drought", "in Mountain Catchments",
                "Along the Yangtze Delta", "in Temperate Forests", "on Smallholder Farms", "in Arid Basins")

NOT_FOUND_HTML = b"<h1>404 Not Found</h1>"


class OjsError(Exception):
    """Answered as OJS's JSON error: ``{"error": key, "errorMessage": text}`` with the given HTTP status."""

    def __init__(self, status: int, key: str, **params: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.message = ERROR_MESSAGES.get(key, key).format(**params) if params else ERROR_MESSAGES.get(key, key)


class _NotFound(Exception):
    """Answered as the HTML 404 page OJS's dispatcher prints."""


# --- small helpers -------------------------------------------------------------------------------------------


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _jwt_encode(api_key: str, secret: str) -> str:
    header = _b64url(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(api_key).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def _php_int(value: str | None, default: int) -> int:
    """PHP's (int) cast: the leading integer of a string, 0 when there is none."""
    if value is None:
        return default
    match = re.match(r"\s*([+-]?\d+)", value)
    return int(match.group(1)) if match else 0


def _int_list(query: dict[str, str], name: str) -> list[int] | None:
    raw = query.get(name, query.get(f"{name}[]"))
    if raw is None:
        return None
    return [_php_int(part, 0) for part in raw.split(",") if part.strip()]


def orcid_checksum(base_digits: str) -> str:
    """ISO 7064 11,2 check character of the first 15 digits of an ORCID iD."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def orcid_url(orcid: str) -> str | None:
    """OJS keeps ORCID iDs as https://orcid.org/… URLs; accept a bare iD too."""
    orcid = orcid.strip()
    if not orcid:
        return None
    bare = orcid.rsplit("/", 1)[-1]
    if not re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", bare):
        raise ValueError(f"not an ORCID iD: {orcid!r}")
    return f"https://orcid.org/{bare}"


def _language(key: str) -> str:
    return key.replace("-", "_").split("_")[0].lower()


def _localized(values: dict[str, Any] | None, locales: Iterable[str], empty: Any = "") -> dict[str, Any]:
    """A multilingual value for the site's locales: exact key first, else the same language; missing -> empty."""
    values = values or {}
    result: dict[str, Any] = {}
    for locale in locales:
        if locale in values:
            result[locale] = values[locale]
            continue
        same_language = [v for k, v in values.items() if _language(k) == _language(locale)]
        result[locale] = same_language[0] if same_language else empty
    return result


def _as_multilingual(value: str | dict[str, str] | None, primary: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {primary: value}
    return dict(value)


# --- state ----------------------------------------------------------------------------------------------------


@dataclass
class _User:
    id: int
    username: str
    email: str
    given_name: dict[str, str]
    family_name: dict[str, str]
    orcid: str | None  # URL form, as OJS stores it
    affiliation: dict[str, str]
    api_key: str
    roles: dict[str, set[str]] = field(default_factory=dict)  # context path -> role names
    disabled: bool = False

    def full_name(self, locales: tuple[str, ...]) -> str:
        given = next((v for v in _localized(self.given_name, locales).values() if v), "")
        family = next((v for v in _localized(self.family_name, locales).values() if v), "")
        return f"{given} {family}".strip()


@dataclass
class _Round:
    id: int
    round: int
    stage_id: int
    status_id: int


@dataclass
class _Contributor:
    id: int
    given_name: dict[str, str]
    family_name: dict[str, str]
    email: str
    orcid: str | None
    affiliation: dict[str, str] = field(default_factory=dict)
    country: str = ""


@dataclass
class _Submission:
    id: int
    context_path: str
    publication_id: int
    locale: str
    title: dict[str, str]
    subtitle: dict[str, str]
    abstract: dict[str, str]
    status: int
    stage_id: int
    editor_assigned: bool
    rounds: list[_Round]
    author_ids: tuple[int, ...]
    editor_ids: tuple[int, ...]
    reviewer_ids: tuple[int, ...]
    contributors: list[_Contributor]
    date_submitted: datetime | None
    last_modified: datetime
    date_last_activity: datetime
    date_published: date | None
    doi: str | None
    submission_progress: str  # "" once submitted, else the wizard step (3.4 names; 3.3 sends a number)
    generated: bool = False

    def assigned(self, user_ids: Iterable[int]) -> bool:
        wanted = set(user_ids)
        return bool(wanted & (set(self.author_ids) | set(self.editor_ids) | set(self.reviewer_ids)))

    def sort_value(self, column: str) -> Any:
        if column == "title":
            return next((t for t in self.title.values() if t), "").lower()
        if column == "date_published":
            return self.date_published.isoformat() if self.date_published else ""
        value = getattr(self, column)
        return value.timestamp() if value else 0.0


@dataclass
class _Site:
    context_path: str
    context_id: int
    version: str
    locales: tuple[str, ...]
    timezone: ZoneInfo
    faults: FaultQueue = field(default_factory=FaultQueue)
    rate_limit: TokenBucket | None = None
    catalog: _GeneratedCatalog | None = None

    @property
    def primary_locale(self) -> str:
        return self.locales[0]

    def group_id(self, role: str) -> int:
        return self.context_id * 100 + USER_GROUPS[role][0]


class _GeneratedCatalog(GeneratedCatalog):
    """A large journal computed from a seed (see :mod:`sandbox.generated`): nothing per user or submission is
    stored. Submission ``j`` (0-based) belongs to user ``j // per_user``; positions rank "lastModified, newest
    first", so any page of the listing, in either direction, is computed directly.
    """

    def __init__(self, site: _Site, *, seed: int, users: int, per_user: int, user_base: int, submission_base: int,
                 publication_base: int, now: datetime) -> None:
        if users < 0 or per_user < 0:
            raise ValueError("users and submissions_per_user must not be negative")
        super().__init__(seed=seed, people=users, per_person=per_user, now=now)
        self.site = site
        self.users = users
        self.per_user = per_user
        self.user_base = user_base
        self.submission_base = submission_base
        self.publication_base = publication_base
        self.contributor_base = publication_base  # one contributor per publication, same numbering
        self.round_base = publication_base * 4

    # OJS's names for the two dates
    last_modified = GeneratedCatalog.updated_at
    date_submitted = GeneratedCatalog.submitted_at

    # users

    def user_index(self, user_id: int) -> int | None:
        index = user_id - self.user_base
        return index if 0 <= index < self.users else None

    def username(self, index: int) -> str:
        return f"{self.site.context_path}-u{index:0{self.width}d}"

    def email(self, index: int) -> str:
        return f"u{index:0{self.width}d}@{self.site.context_path}.example.org"

    def orcid(self, index: int) -> str:
        # "0009-" like ORCID's newer iDs, then the site's ordinal and the index, then a valid check digit.
        digits = f"0009{self.site.context_id % 100:02d}{index:09d}"
        return f"https://orcid.org/{digits[:4]}-{digits[4:8]}-{digits[8:12]}-{digits[12:15]}{orcid_checksum(digits)}"

    def user(self, index: int) -> _User:
        h = stable_hash(self.seed, "user", index)
        locale = self.site.primary_locale
        return _User(
            id=self.user_base + index, username=self.username(index), email=self.email(index),
            given_name={locale: GIVEN_NAMES[h % len(GIVEN_NAMES)]},
            family_name={locale: FAMILY_NAMES[(h >> 8) % len(FAMILY_NAMES)]},
            orcid=self.orcid(index), affiliation={locale: "Example University"},
            api_key=f"generated:{self.site.context_path}:{index}", roles={self.site.context_path: {"author"}},
        )

    def exact_user_candidate(self, word: str) -> int | None:
        """The one generated user a username, e-mail or ORCID word can only be a substring of, if any.

        Usernames and e-mails have a fixed width, so such a word is a substring of one only if equal to it.
        """
        word = word.lower()
        prefix = f"{self.site.context_path}-u".lower()
        if word.startswith(prefix) and word[len(prefix):].isdigit() and len(word) == len(prefix) + self.width:
            index = int(word[len(prefix):])
        elif match := re.fullmatch(r"u(\d+)@" + re.escape(self.site.context_path.lower()) + r"\.example\.org", word):
            index = int(match.group(1)) if len(match.group(1)) == self.width else -1
        elif match := re.fullmatch(r"(?:https?://orcid\.org/)?(\d{4})-(\d{4})-(\d{4})-(\d{3}[\dx])", word):
            digits = "".join(match.groups())[:15]
            index = int(digits[6:]) if digits[:6] == f"0009{self.site.context_id % 100:02d}" else -1
            if index >= 0 and self.orcid(index).lower().rsplit("/", 1)[-1] != word.rsplit("/", 1)[-1]:
                index = -1
        else:
            return None
        return index if 0 <= index < self.users else -1

    # submissions

    def submission_index(self, submission_id: int) -> int | None:
        index = submission_id - self.submission_base
        return index if 0 <= index < self.total else None

    def submission_indexes_of_user(self, user_index: int) -> range:
        return range(user_index * self.per_user, (user_index + 1) * self.per_user)

    def submission(self, index: int) -> _Submission:
        position = self.position_of(index)
        h = stable_hash(self.seed, "submission", index)
        if h % 10 == 0:
            state = DECLINED_STATE
        else:
            state = PROGRESSION[min((h >> 4) % (len(PROGRESSION) - 1) + self.changes(position), len(PROGRESSION) - 1)]
        status, stage_id, editor_assigned, round_statuses = state
        modified = self.last_modified(position)
        adjective, adjective_zh = TITLE_ADJECTIVES[(h >> 12) % len(TITLE_ADJECTIVES)]
        subject, subject_zh = TITLE_SUBJECTS[(h >> 16) % len(TITLE_SUBJECTS)]
        place = TITLE_PLACES[(h >> 20) % len(TITLE_PLACES)]
        locales = self.site.locales
        title = {locales[0]: f"{adjective} {subject} {place}"}
        if (h >> 24) % 3 == 0 and len(locales) > 1:
            title[locales[1]] = f"{adjective_zh}{subject_zh}研究"
        user = self.user(index // self.per_user) if self.per_user else None
        submission_id = self.submission_base + index
        published = modified.astimezone(self.site.timezone).date() if status == STATUS_PUBLISHED else None
        if status == STATUS_SCHEDULED:
            published = modified.astimezone(self.site.timezone).date() + timedelta(days=30)
        return _Submission(
            id=submission_id, context_path=self.site.context_path, publication_id=self.publication_base + index,
            locale=locales[0], title=title, subtitle={}, abstract={}, status=status, stage_id=stage_id,
            editor_assigned=editor_assigned,
            rounds=[_Round(self.round_base + index * 4 + n, n + 1, STAGE_EXTERNAL_REVIEW, round_status)
                    for n, round_status in enumerate(round_statuses)],
            author_ids=(user.id,) if user else (), editor_ids=(), reviewer_ids=(),
            contributors=[_Contributor(self.contributor_base + index, user.given_name, user.family_name, user.email,
                                       user.orcid, user.affiliation)] if user else [],
            date_submitted=self.date_submitted(position), last_modified=modified, date_last_activity=modified,
            date_published=published,
            doi=f"10.55555/{self.site.context_path}.{submission_id}" if status in (3, 5) else None,
            submission_progress="", generated=True,
        )


class OjsSandbox(PlatformSandbox):
    """One OJS installation: journals (sites), users, submissions, faults and the call log, behind one lock.

    :meth:`reset` forgets every journal, user, submission, fault, rate limit and call.
    """

    title = "OJS"  # the index page's heading

    def _clear(self) -> None:
        super()._clear()
        self._secret = secrets.token_hex(16)  # config.inc.php [security] api_key_secret
        self._sites: dict[str, _Site] = {}
        self._users: dict[int, _User] = {}
        self._submissions: dict[int, _Submission] = {}
        self._tokens: dict[str, int] = {}  # registered fixed tokens -> user id
        self._next_id = {"context": 1, "user": 1, "submission": 1, "publication": 1, "contributor": 1,
                         "round": 1}
        # submission id -> [(day, kind, views)]: what OJS's usage statistics hold once its logs are processed
        self._usage: dict[int, list[tuple[date, str, int]]] = {}

    # --- scripting: journals, users, submissions ------------------------------------------------------------

    def add_site(self, context_path: str, *, version: str = "3.4", manager_token: str | None = None,
                 timezone: str = "UTC", locales: tuple[str, ...] | None = None) -> str:
        """Create a journal at ``/index.php/{context_path}``; returns its manager's API token.

        ``manager_token`` registers that exact string (handy for fixed demo configuration; one token may serve
        several journals, as one OJS account may manage several); without it a real JWT is issued.
        """
        if version not in VERSIONS:
            raise ValueError(f"version must be one of {', '.join(VERSIONS)}, not {version!r}")
        if not re.fullmatch(r"[A-Za-z0-9_-]+", context_path):
            raise ValueError(f"invalid context path {context_path!r}")
        with self._lock:
            if context_path in self._sites:
                raise ValueError(f"journal {context_path!r} already exists")
            site = _Site(context_path, self._take_id("context"), version,
                         tuple(locales or DEFAULT_LOCALES[version]), ZoneInfo(timezone))
            self._sites[context_path] = site
            if manager_token is not None and manager_token in self._tokens:
                self._users[self._tokens[manager_token]].roles.setdefault(context_path, set()).add("manager")
                return manager_token
            manager_id = self.add_user(context_path, username=f"{context_path}-manager",
                                       email=f"manager@{context_path}.example.org", given_name="Journal",
                                       family_name="Manager", roles=("manager",))
            if manager_token is None:
                return self.token_for(manager_id)
            self._tokens[manager_token] = manager_id
            return manager_token

    def add_user(self, context_path: str, *, username: str, email: str, given_name: str | dict[str, str],
                 family_name: str | dict[str, str] = "", orcid: str = "", roles: Iterable[str] = ("author",),
                 affiliation: str | dict[str, str] = "") -> int:
        """Register a user (or enrol an existing one, same username and e-mail) in a journal; returns the id."""
        roles = set(roles)
        unknown = roles - set(USER_GROUPS)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; expected some of {', '.join(USER_GROUPS)}")
        with self._lock:
            site = self._site(context_path)
            for existing in self._users.values():
                same_name = existing.username.lower() == username.lower()
                same_email = existing.email.lower() == email.lower()
                if same_name and same_email:
                    existing.roles.setdefault(context_path, set()).update(roles)
                    return existing.id
                if same_name or same_email:
                    raise ValueError(f"username {username!r} or e-mail {email!r} belongs to user {existing.id}")
            primary = site.primary_locale
            user = _User(
                id=self._take_id("user"), username=username, email=email,
                given_name=_as_multilingual(given_name, primary), family_name=_as_multilingual(family_name, primary),
                orcid=orcid_url(orcid), affiliation=_as_multilingual(affiliation or None, primary),
                api_key=secrets.token_hex(16), roles={context_path: roles},
            )
            self._users[user.id] = user
            return user.id

    def token_for(self, user_id: int) -> str:
        """The user's API token as OJS issues it: an HS256 JWT of their API key, signed with the site secret."""
        with self._lock:
            user = self._user(user_id)
            return _jwt_encode(user.api_key, self._secret)

    def add_usage(self, context_path: str, submission_id: int, *, abstract: int = 0, pdf: int = 0, html: int = 0,
                  other: int = 0, day: date | None = None) -> None:
        """Record views of a submission's abstract page and of its galleys (by file type) on ``day`` (default:
        yesterday by the sandbox clock, the latest day OJS reports)."""
        with self._lock:
            site = self._site(context_path)
            submission = self._submissions.get(submission_id)
            if submission is None or submission.context_path != context_path:
                raise KeyError(f"no submission {submission_id} in {context_path!r} (generated ones have no usage)")
            day = day or self.now().astimezone(site.timezone).date() - timedelta(days=1)
            records = self._usage.setdefault(submission_id, [])
            for kind, views in zip(USAGE_KINDS, (abstract, pdf, html, other), strict=True):
                if views < 0:
                    raise ValueError("views cannot be negative")
                if views:
                    records.append((day, kind, views))

    def add_submission(
        self, context_path: str, *, title: dict[str, str] | str, authors: Iterable[int] = (),
        contributors: Iterable[dict[str, Any]] = (), editors: Iterable[int] = (), reviewers: Iterable[int] = (),
        status: int = STATUS_QUEUED, stage_id: int = STAGE_SUBMISSION, review_round_status: int | None = None,
        editor_assigned: bool | None = None, date_submitted: datetime | None = None,
        last_modified: datetime | None = None, date_published: date | None = None, doi: str | None = None,
        subtitle: dict[str, str] | str | None = None, abstract: dict[str, str] | str | None = None,
        locale: str | None = None, incomplete: bool = False,
    ) -> int:
        """Add a submission; returns its id.

        ``authors`` are user ids: each gets an author stage assignment (so ``assignedTo`` finds it) and a
        contributor record copied from their profile; ``contributors`` adds co-authors without an account
        (dicts with given_name, family_name, email, orcid). ``review_round_status`` creates round 1 in the
        review stage. Dates default to the sandbox clock.
        """
        with self._lock:
            site = self._site(context_path)
            now = self.now()
            author_users = [self._user(user_id) for user_id in authors]
            for user_id in (*editors, *reviewers):
                self._user(user_id)
            primary = locale or site.primary_locale
            records = [
                _Contributor(self._take_id("contributor"), u.given_name, u.family_name, u.email, u.orcid,
                             u.affiliation)
                for u in author_users
            ]
            for extra in contributors:
                records.append(_Contributor(
                    self._take_id("contributor"), _as_multilingual(extra.get("given_name", ""), primary),
                    _as_multilingual(extra.get("family_name", ""), primary), extra.get("email", ""),
                    orcid_url(extra.get("orcid", "")), _as_multilingual(extra.get("affiliation"), primary),
                ))
            titles = _as_multilingual(title, primary)
            if not any(titles.values()):
                raise ValueError("a submission needs a title")
            modified = utc_seconds(last_modified) if last_modified else now
            submission = _Submission(
                id=self._take_id("submission"), context_path=context_path,
                publication_id=self._take_id("publication"), locale=primary, title=titles,
                subtitle=_as_multilingual(subtitle, primary), abstract=_as_multilingual(abstract, primary),
                status=status, stage_id=stage_id,
                editor_assigned=bool(editors) or stage_id > STAGE_SUBMISSION if editor_assigned is None
                else editor_assigned,
                rounds=[], author_ids=tuple(authors), editor_ids=tuple(editors), reviewer_ids=tuple(reviewers),
                contributors=records,
                date_submitted=None if incomplete else (utc_seconds(date_submitted) if date_submitted else modified),
                last_modified=modified, date_last_activity=modified, date_published=date_published, doi=doi,
                submission_progress="details" if incomplete else "",
            )
            if review_round_status is not None:
                review_stage = stage_id if stage_id in REVIEW_STAGES else STAGE_EXTERNAL_REVIEW
                submission.rounds.append(_Round(self._take_id("round"), 1, review_stage, review_round_status))
            self._submissions[submission.id] = submission
            return submission.id

    def move(self, context_path: str, submission_id: int, *, decision: str | None = None, status: int | None = None,
             stage_id: int | None = None, review_round_status: int | None = None, doi: str | None = None,
             date_published: date | None = None) -> dict[str, Any]:
        """Change a submission as an editor's decision (or an author's upload) would; returns its new state.

        ``decision`` is one of :data:`DECISIONS`; ``status``, ``stage_id`` and ``review_round_status`` then
        override what it set. dateLastActivity becomes the sandbox clock, as every event written to the
        submission log stamps it (3.3 ``SubmissionLog::logEvent``, 3.4+ ``log/event/Repository::add`` call
        ``stampLastActivity``); lastModified only when the submission record itself changes (status, stage,
        DOI, publication date: ``submission/Repository::edit``/``updateStatus``). So reviews coming in, an
        author's revised files and decisions that keep the stage (revisions requested) move only the former.
        """
        if decision is not None and decision not in DECISIONS:
            raise ValueError(f"unknown decision {decision!r}; expected one of {', '.join(DECISIONS)}")
        with self._lock:
            site = self._site(context_path)
            submission = self._submissions.get(submission_id)
            if submission is None or submission.context_path != context_path:
                raise KeyError(f"no submission {submission_id} in {context_path!r} (generated submissions change "
                               "only through change_generated)")
            now = self.now()
            record_before = (submission.status, submission.stage_id, submission.doi, submission.date_published)
            new_status, new_stage, new_round_status = DECISIONS.get(decision or "", (None, None, None))
            if decision == "assign_editor":
                submission.editor_assigned = True
            if decision == "submit_revisions":
                current = submission.rounds[-1].status_id if submission.rounds else None
                new_round_status = {ROUND_REVISIONS_REQUESTED: ROUND_REVISIONS_SUBMITTED,
                                    ROUND_RESUBMIT_FOR_REVIEW: ROUND_RESUBMIT_FOR_REVIEW_SUBMITTED}.get(current)
                if new_round_status is None:
                    raise ValueError("submit_revisions needs a round with revisions requested or resubmit for review")
            if decision == "revert_decline" and submission.rounds and submission.rounds[-1].status_id == 5:
                new_round_status = ROUND_REVIEWS_COMPLETED  # OJS recomputes the round from its reviews
            status = status if status is not None else new_status
            stage_id = stage_id if stage_id is not None else new_stage
            review_round_status = review_round_status if review_round_status is not None else new_round_status
            if status is not None:
                submission.status = status
            if stage_id is not None:
                submission.stage_id = stage_id
                if stage_id > STAGE_SUBMISSION:
                    submission.editor_assigned = True
            if review_round_status is not None:
                review_stage = submission.stage_id if submission.stage_id in REVIEW_STAGES else STAGE_EXTERNAL_REVIEW
                rounds = [r for r in submission.rounds if r.stage_id == review_stage]
                if not rounds or decision == "new_review_round":
                    submission.rounds.append(_Round(self._take_id("round"), len(rounds) + 1, review_stage,
                                                    review_round_status))
                else:
                    rounds[-1].status_id = review_round_status
            today = now.astimezone(site.timezone).date()
            if decision == "publish" or submission.status == STATUS_PUBLISHED and submission.date_published is None:
                submission.date_published = date_published or today
            elif decision == "schedule":
                submission.date_published = date_published or today + timedelta(days=30)  # the date
            elif date_published is not None:
                submission.date_published = date_published
            if doi is not None:
                submission.doi = doi
            submission.date_last_activity = now
            if (submission.status, submission.stage_id, submission.doi, submission.date_published) != record_before:
                submission.last_modified = now
            return self._state(submission)

    # --- scripting: generated journals ----------------------------------------------------------------------

    def add_generated_site(self, context_path: str, *, seed: int, users: int, submissions_per_user: int,
                           changed_fraction: float = 0.0, **site_options: Any) -> str:
        """Create a journal whose users and submissions are computed from ``seed`` on request.

        User ids and submission ids are reserved as contiguous ranges; nothing per item is stored, so
        100,000 users with 1,000,000 submissions cost no memory. ``changed_fraction`` runs a first change
        round at once (see :meth:`change_generated`). Returns the manager token, like :meth:`add_site`.
        """
        with self._lock:
            token = self.add_site(context_path, **site_options)
            site = self._sites[context_path]
            catalog = _GeneratedCatalog(
                site, seed=seed, users=users, per_user=submissions_per_user, user_base=self._next_id["user"],
                submission_base=self._next_id["submission"], publication_base=self._next_id["publication"],
                now=self.now(),
            )
            self._next_id["user"] += catalog.users
            self._next_id["submission"] += catalog.total
            self._next_id["publication"] += catalog.total
            # contributors and rounds of generated items are numbered from the publication range
            self._next_id["contributor"] = max(self._next_id["contributor"], self._next_id["publication"])
            self._next_id["round"] = max(self._next_id["round"], self._next_id["publication"] * 4)
            site.catalog = catalog
            if changed_fraction:
                catalog.change(changed_fraction, self.now())
            return token

    def change_generated(self, context_path: str, fraction: float) -> int:
        """Move ``fraction`` of a generated journal's submissions one workflow step on, stamped now.

        The changed ones are the first positions of the lastModified order; returns how many changed.
        """
        with self._lock:
            catalog = self._site(context_path).catalog
            if catalog is None:
                raise ValueError(f"journal {context_path!r} is not generated")
            return catalog.change(fraction, self.now())

    def generated_user(self, context_path: str, index: int) -> dict[str, Any]:
        """The generated user number ``index`` (0-based) of a journal: id, username, email, orcid."""
        with self._lock:
            catalog = self._site(context_path).catalog
            if catalog is None or not 0 <= index < catalog.users:
                raise KeyError(f"no generated user {index} in {context_path!r}")
            user = catalog.user(index)
            return {"id": user.id, "username": user.username, "email": user.email, "orcid": user.orcid}

    def generated_submission_ids(self, context_path: str, user_index: int) -> list[int]:
        with self._lock:
            catalog = self._site(context_path).catalog
            if catalog is None or not 0 <= user_index < catalog.users:
                raise KeyError(f"no generated user {user_index} in {context_path!r}")
            return [catalog.submission_base + i for i in catalog.submission_indexes_of_user(user_index)]

    # --- scripting: faults, rate limits, inspection --------------------------------------------------------

    def inject_fault(self, context_path: str, kind: str | int, times: int = 1, path_contains: str | None = None, *,
                     seconds: float | None = None, retry_after: int | None = None, field: str | None = None,
                     new_name: str | None = None, location: str | None = None) -> None:
        """Make the next ``times`` API calls to a journal (whose path contains ``path_contains``) misbehave.

        Kinds: ``timeout`` (sleep ``seconds`` or :attr:`timeout_fault_seconds`, then answer), ``slow`` (the
        same with :attr:`slow_fault_seconds`), ``500``, ``503`` (optionally with Retry-After), ``429`` (with
        Retry-After, default 30), ``malformed_json`` (a PHP warning before the JSON, as with display_errors on),
        ``renamed_field`` (``field`` -> ``new_name``; default ``items`` -> ``data``) and ``missing_field``
        (default ``lastModified``), applied at the top level and in each of ``items``; ``redirect`` (302 to
        ``location``, as a hijacked or moved site would answer).
        """
        kind = fault_kind(kind, FAULT_KINDS)
        if kind == Fault.RENAMED_FIELD:
            field, new_name = field or "items", new_name or "data"
        if kind == Fault.MISSING_FIELD:
            field = field or "lastModified"
        if kind == Fault.HTTP_429 and retry_after is None:
            retry_after = 30
        fault = Fault(kind, times, path_contains, seconds, retry_after, field, new_name, location)
        with self._lock:
            self._site(context_path).faults.add(fault)

    def pending_faults(self, context_path: str) -> list[dict[str, Any]]:
        with self._lock:
            return self._site(context_path).faults.pending()

    def set_rate_limit(self, context_path: str, per_minute: int | None) -> None:
        """Answer 429 with Retry-After once a journal gets more than ``per_minute`` calls (a token bucket of
        that size, refilled evenly); None turns it off (the default)."""
        with self._lock:
            self._site(context_path).rate_limit = TokenBucket(per_minute) if per_minute is not None else None

    def calls(self, context_path: str | None = None) -> list[dict[str, Any]]:
        """Every API call as {context_path, method, path, endpoint, query, status, fault}, oldest first."""
        with self._lock:
            return [copy.deepcopy(call) for call in self._logged(context_path=context_path)]

    def call_count(self, context_path: str | None = None, endpoint: str | None = None) -> int:
        """Calls to a journal, optionally of one endpoint such as ``"GET /submissions/{id}"``."""
        with self._lock:
            return len(self._logged(context_path=context_path, endpoint=endpoint))

    def submission_state(self, context_path: str, submission_id: int) -> dict[str, Any]:
        with self._lock:
            return self._state(self._find_submission(self._site(context_path), submission_id))

    # --- internals ------------------------------------------------------------------------------------------

    def _take_id(self, kind: str) -> int:
        value = self._next_id[kind]
        self._next_id[kind] += 1
        return value

    def _site(self, context_path: str) -> _Site:
        site = self._sites.get(context_path)
        if site is None:
            raise KeyError(f"no journal {context_path!r}; add it with add_site()")
        return site

    def _user(self, user_id: int) -> _User:
        user = self._users.get(user_id)
        if user is not None:
            return user
        for site in self._sites.values():
            if site.catalog is not None and (index := site.catalog.user_index(user_id)) is not None:
                return site.catalog.user(index)
        raise KeyError(f"no user {user_id}")

    def _state(self, submission: _Submission) -> dict[str, Any]:
        return {
            "id": submission.id, "status": submission.status, "stage_id": submission.stage_id,
            "editor_assigned": submission.editor_assigned,
            "review_rounds": [{"round": r.round, "stage_id": r.stage_id, "status_id": r.status_id}
                              for r in submission.rounds],
            "last_modified": submission.last_modified.isoformat(),
            "date_last_activity": submission.date_last_activity.isoformat(),
            "date_published": submission.date_published.isoformat() if submission.date_published else None,
            "doi": submission.doi,
        }

    def _find_submission(self, site: _Site, submission_id: int) -> _Submission:
        submission = self._submissions.get(submission_id)
        if submission is not None and submission.context_path == site.context_path:
            return submission
        if site.catalog is not None and (index := site.catalog.submission_index(submission_id)) is not None:
            return site.catalog.submission(index)
        raise _NotFound()

    # --- routes -----------------------------------------------------------------------------------------------

    def register(self, router: Router) -> None:
        api = "/index.php/{context}/api/v1"
        router.add("GET", f"{api}/submissions", self._api("GET /submissions", self._list_submissions))
        router.add("GET", f"{api}/submissions/{{submission_id}}", self._api("GET /submissions/{id}",
                                                                          self._get_submission))
        router.add("GET", f"{api}/submissions/{{submission_id}}/publications/{{publication_id}}",
                   self._api("GET /submissions/{id}/publications/{id}", self._get_publication))
        router.add("GET", f"{api}/users", self._api("GET /users", self._list_users))
        router.add("GET", f"{api}/users/{{user_id}}", self._api("GET /users/{id}", self._get_user))
        router.add("GET", f"{api}/stats/publications", self._api("GET /stats/publications",
                                                                 self._list_publication_stats))
        router.add("GET", f"{api}/stats/publications/{{submission_id}}",
                   self._api("GET /stats/publications/{id}", self._get_publication_stats))
        # Anything else under the API answers as OJS's middleware does when no route matches.
        for depth in ("{endpoint}", "{endpoint}/{a}", "{endpoint}/{a}/{b}", "{endpoint}/{a}/{b}/{c}"):
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                router.add(method, f"{api}/{depth}", self._api("unknown", self._unknown_endpoint))
        self._register_control(router)

    def _api(self, endpoint: str, handler: Callable[[Request, _Site], Any]) -> Callable[[Request], Response]:
        """Wrap an API handler with the site lookup, rate limit, faults, OJS's error formats and the call log."""

        def wrapped(request: Request) -> Response:
            context_path = request.path_params.get("context", "")
            with self._lock:
                site = self._sites.get(context_path)
                wait, fault = admit(site.rate_limit, site.faults, request.path) if site is not None else (None, None)
                epoch = self._epoch
            if site is None:
                response = Response(404, NOT_FOUND_HTML, "text/html; charset=utf-8")
            elif wait is not None:
                response = _html_error(429, "Too Many Requests", retry_after=math.ceil(wait))
            else:
                response = self._answer(request, site, handler, fault, epoch)
            self._log_call(request, endpoint, response, fault, wait, epoch=epoch, site={"context_path": context_path})
            return response

        return wrapped

    def _answer(self, request: Request, site: _Site, handler: Callable[[Request, _Site], Any],
                fault: Fault | None, epoch: int) -> Response:
        injected = self._misbehave(fault, _html_error, epoch=epoch)
        if injected is not None:
            return injected
        kind = fault.kind if fault else None
        try:
            with self._lock:
                payload = handler(request, site)
        except OjsError as error:
            if error.status == 400 and error.key.startswith("api.stats.") and site.version == "3.5":
                return json_response({"error": error.key}, status=400)  # 3.5's controllers leave errorMessage out
            return json_response({"error": error.key, "errorMessage": error.message}, status=error.status)
        except _NotFound:
            return Response(404, NOT_FOUND_HTML, "text/html; charset=utf-8")
        if fault is not None and fault.edits:
            payload = _rewrite(payload, fault.edit)
        response = json_response(payload)
        if kind == MALFORMED_JSON:
            warning = (b"<br />\n<b>Warning</b>:  Undefined array key \"title\" in "
                       b"<b>/var/www/html/lib/pkp/classes/submission/maps/Schema.php</b> on line <b>312</b><br />\n")
            return replace(response, body=warning + response.body)
        return response

    # --- authentication and authorization ------------------------------------------------------------------

    def _authenticate(self, request: Request, site: _Site) -> _User | None:
        token = _bearer(request.headers.get("authorization", ""))
        if token is None:
            token = request.query.get("apiToken") or None  # deprecated as of 3.4, still honoured
        if token is None:
            return None
        if token in self._tokens:
            return self._users.get(self._tokens[token])
        parts = token.split(".")
        if len(parts) != 3:
            raise OjsError(403, "api.400.tokenCouldNotBeDecoded", error="Wrong number of segments")
        try:
            header = json.loads(_b64url_decode(parts[0]))
            api_key = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, UnicodeDecodeError):
            raise OjsError(403, "api.400.tokenCouldNotBeDecoded", error="Syntax error, malformed JSON") from None
        if not isinstance(header, dict) or header.get("alg") != "HS256":
            raise OjsError(403, "api.400.tokenCouldNotBeDecoded", error="Algorithm not allowed")
        expected = hmac.new(self._secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            raise OjsError(403, "api.400.invalidApiToken")
        if isinstance(api_key, str) and api_key.startswith("generated:"):
            _, context_path, index = api_key.split(":", 2)
            catalog = self._sites[context_path].catalog if context_path in self._sites else None
            if catalog is not None and index.isdigit() and int(index) < catalog.users:
                return catalog.user(int(index))
            return None
        return next((user for user in self._users.values() if user.api_key == api_key), None)

    def _roles(self, user: _User | None, site: _Site) -> set[int]:
        if user is None or user.disabled:
            raise OjsError(403, "api.403.unauthorized")
        return {USER_GROUPS[name][1] for name in user.roles.get(site.context_path, set())}

    def _require(self, request: Request, site: _Site, allowed: set[int]) -> tuple[_User, set[int]]:
        user = self._authenticate(request, site)
        roles = self._roles(user, site)
        if not roles & allowed:
            raise OjsError(403, "user.authorization.roleBasedAccessDenied")
        return user, roles

    # --- API handlers ---------------------------------------------------------------------------------------

    def _unknown_endpoint(self, request: Request, site: _Site) -> Any:
        raise OjsError(403, "api.404.endpointNotFound")

    def _list_submissions(self, request: Request, site: _Site) -> dict[str, Any]:
        user, roles = self._require(request, site, SUBMISSIONS_ROLES)
        query = request.query
        assigned_to: list[int] | int | None = _int_list(query, "assignedTo")
        if assigned_to == [-1]:
            assigned_to = -1
        if not roles & UNRESTRICTED_ROLES:
            if site.version == "3.3":
                assigned_to = assigned_to if isinstance(assigned_to, list) else [user.id]
                if user.id not in assigned_to:
                    raise OjsError(403, "api.submissions.403.requestedOthersUnpublishedSubmissions")
            elif assigned_to is None:
                assigned_to = [user.id]
            elif assigned_to != [user.id]:
                raise OjsError(403, "api.submissions.403.requestedOthersUnpublishedSubmissions")
        count = min(MAX_COUNT, _php_int(query.get("count"), DEFAULT_COUNT[site.version]))
        offset = max(0, _php_int(query.get("offset"), 0))
        order_column = ORDER_BY[site.version].get(query.get("orderBy", ""), "date_submitted")
        ascending = query.get("orderDirection") == "ASC"
        if site.version != "3.3" and query.get("orderBy") not in ORDER_BY[site.version]:
            ascending = False  # 3.4 reads orderDirection only together with a valid orderBy
        filters = _SubmissionFilters(
            assigned_to=assigned_to, statuses=_int_list(query, "status"), stage_ids=_int_list(query, "stageIds"),
            search=query.get("searchPhrase", "").strip(),
        )
        items, items_max = self._submission_page(site, filters, order_column, ascending, offset, max(count, 0))
        base = _site_base(request)
        return {"itemsMax": items_max,
                "items": [self._submission_summary(s, site, base, user, roles) for s in items]}

    def _get_submission(self, request: Request, site: _Site) -> dict[str, Any]:
        user, roles = self._require(request, site, SUBMISSIONS_ROLES)
        submission = self._accessible_submission(request, site, user, roles)
        return self._submission_full(submission, site, _site_base(request), user, roles)

    def _get_publication(self, request: Request, site: _Site) -> dict[str, Any]:
        user, roles = self._require(request, site, SUBMISSIONS_ROLES)
        submission = self._accessible_submission(request, site, user, roles)
        publication_id = request.path_params["publication_id"]
        if not publication_id.isdigit():
            raise OjsError(403, "api.404.endpointNotFound")
        if int(publication_id) != submission.publication_id:
            owner = next((s for s in self._submissions.values() if s.publication_id == int(publication_id)), None)
            catalog = site.catalog
            if catalog is not None and 0 <= int(publication_id) - catalog.publication_base < catalog.total:
                owner = catalog.submission(int(publication_id) - catalog.publication_base)
            if owner is None:
                raise OjsError(404, "api.404.resourceNotFound")
            raise OjsError(403, "api.publications.403.submissionsDidNotMatch")
        return self._publication(submission, site, _site_base(request), full=True)

    def _accessible_submission(self, request: Request, site: _Site, user: _User, roles: set[int]) -> _Submission:
        submission_id = request.path_params["submission_id"]
        if not submission_id.isdigit():
            raise OjsError(403, "api.404.endpointNotFound")  # the route is {submissionId:\d+}
        submission = self._find_submission(site, int(submission_id))
        if not roles & UNRESTRICTED_ROLES and not submission.assigned([user.id]):
            raise OjsError(403, "api.403.unauthorized")
        return submission

    def _list_users(self, request: Request, site: _Site) -> dict[str, Any]:
        self._require(request, site, USERS_ROLES)
        query = request.query
        count = min(MAX_COUNT, _php_int(query.get("count"), 20))
        offset = max(0, _php_int(query.get("offset"), 0))
        descending = query.get("orderDirection", "ASC") != "ASC"
        words = [w.lower() for w in query.get("searchPhrase", "").split()]
        manual = sorted(
            (u for u in self._users.values() if site.context_path in u.roles and _user_matches(u, words, site)),
            key=lambda u: u.id,
        )
        catalog = site.catalog
        if catalog is None or not catalog.users:
            generated: list[int] | range = []
        elif not words:
            generated = range(catalog.users)
        else:
            generated = list(_generated_user_matches(catalog, words, site))
        total = len(manual) + len(generated)
        lo, hi = (total - offset - count, total - offset) if descending else (offset, offset + count)
        picked = _merge_slice(len(generated), lambda i: catalog.user_base + generated[i],
                              [u.id for u in manual], max(lo, 0), max(min(hi, total), 0))
        users = [manual[i] if source == "m" else catalog.user(generated[i]) for _, source, i in picked]
        if descending:
            users.reverse()
        base = _site_base(request)
        return {"itemsMax": total, "items": [self._user_summary(u, site, base) for u in users]}

    def _get_user(self, request: Request, site: _Site) -> dict[str, Any]:
        self._require(request, site, USERS_ROLES)
        user_id = request.path_params["user_id"]
        if not user_id.isdigit():
            raise OjsError(403, "api.404.endpointNotFound")
        try:
            user = self._user(int(user_id))
        except KeyError:
            raise OjsError(404, "api.404.resourceNotFound") from None
        summary = self._user_summary(user, site, _site_base(request))
        summary.update({
            "givenName": _localized(user.given_name, site.locales),
            "familyName": _localized(user.family_name, site.locales),
            "country": None, "dateRegistered": None, "dateLastLogin": None, "url": None, "phone": None,
        })
        return dict(sorted(summary.items()))

    # --- usage statistics ---------------------------------------------------------------------------------------

    def _list_publication_stats(self, request: Request, site: _Site) -> dict[str, Any]:
        self._require(request, site, STATS_ROLES)
        query = request.query
        first, last = self._stats_range(query, site)
        direction = query.get("orderDirection", "DESC").upper()
        if direction not in ("ASC", "DESC"):
            raise OjsError(400, "api.stats.400.invalidOrderDirection")
        wanted = _int_list(query, "submissionIds")
        totals: list[tuple[int, dict[str, int]]] = []
        for submission_id, records in self._usage.items():
            submission = self._submissions.get(submission_id)
            if submission is None or submission.context_path != site.context_path:
                continue
            if wanted is not None and submission_id not in wanted:
                continue
            by_kind = _usage_totals(records, first, last)
            if any(by_kind.values()):  # OJS lists only submissions with metrics in the range
                totals.append((submission_id, by_kind))
        totals.sort(key=lambda item: (sum(item[1].values()), -item[0]), reverse=direction == "DESC")
        count = query.get("count")
        limit = min(MAX_COUNT, _php_int(count, 0)) if count is not None else STATS_DEFAULT_COUNT[site.version]
        offset = max(0, _php_int(query.get("offset"), 0))
        page = totals[offset:offset + limit] if limit is not None else totals[offset:]
        base = _site_base(request)
        return {"items": [self._stats_item(self._submissions[sid], by_kind, site, base) for sid, by_kind in page],
                "itemsMax": len(totals)}

    def _get_publication_stats(self, request: Request, site: _Site) -> dict[str, Any]:
        user, roles = self._require(request, site, STATS_ROLES)
        submission_id = request.path_params["submission_id"]
        if not submission_id.isdigit():
            raise OjsError(403, "api.404.endpointNotFound")  # the route is {submissionId:\d+}
        submission = self._find_submission(site, int(submission_id))
        if not roles & UNRESTRICTED_ROLES and user.id not in submission.editor_ids:
            raise OjsError(403, "api.403.unauthorized")  # SubmissionAccessPolicy: a sub-editor must be assigned
        first, last = self._stats_range(request.query, site)
        by_kind = _usage_totals(self._usage.get(submission.id, []), first, last)
        return self._stats_item(submission, by_kind, site, _site_base(request))

    def _stats_range(self, query: dict[str, str], site: _Site) -> tuple[date | None, date]:
        """dateStart/dateEnd as OJS validates them (``_validateStatDates``): Y-m-d, from 2001-01-01 to yesterday;
        dateStart defaults to the journal's earliest publication date, dateEnd to yesterday."""
        yesterday = self.now().astimezone(site.timezone).date() - timedelta(days=1)
        parsed: dict[str, date | None] = {}
        for name in ("dateStart", "dateEnd"):
            value = query.get(name)
            if value is None:
                parsed[name] = None
                continue
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise OjsError(400, "api.stats.400.wrongDateFormat")
            try:
                parsed[name] = date.fromisoformat(value)
            except ValueError:
                raise OjsError(400, "api.stats.400.wrongDateFormat") from None
        first, last = parsed["dateStart"], parsed["dateEnd"]
        if first is not None and first < STATISTICS_EARLIEST_DATE:
            raise OjsError(400, "api.stats.400.earlyDateRange")
        if last is not None and last > yesterday:
            raise OjsError(400, "api.stats.400.lateDateRange")
        if first is not None and last is not None and first > last:
            raise OjsError(400, "api.stats.400.wrongDateRange")
        if first is None:
            published = [s.date_published for s in self._submissions.values()
                         if s.context_path == site.context_path and s.date_published is not None]
            first = min(published) if published else None
        return first, last or yesterday

    def _stats_item(self, submission: _Submission, by_kind: dict[str, int], site: _Site,
                    base: str) -> dict[str, Any]:
        """One submission's totals as the handler's getItemForJSON builds them, with ``mapToStats`` props."""
        publication = self._publication(submission, site, base, full=False)
        return {
            "abstractViews": by_kind["abstract"],
            "galleyViews": by_kind["pdf"] + by_kind["html"] + by_kind["other"],
            "pdfViews": by_kind["pdf"],
            "htmlViews": by_kind["html"],
            "otherViews": by_kind["other"],
            "publication": {
                "_href": f"{base}/api/v1/submissions/{submission.id}",
                "authorsStringShort": publication["authorsStringShort"],
                "fullTitle": publication["fullTitle"],
                "id": submission.id,
                "urlPublished": f"{base}/article/view/{submission.id}",
                "urlWorkflow": f"{base}/workflow/access/{submission.id}",  # the caller is editorial staff
            },
        }

    # --- listing ----------------------------------------------------------------------------------------------

    def _submission_page(self, site: _Site, filters: _SubmissionFilters, column: str, ascending: bool, offset: int,
                         count: int) -> tuple[list[_Submission], int]:
        manual = [s for s in self._submissions.values() if s.context_path == site.context_path and filters.match(s)]
        catalog = site.catalog
        if catalog is None or not catalog.total:
            return _sort_and_slice(manual, column, ascending, offset, count), len(manual)
        if isinstance(filters.assigned_to, list):
            candidates = manual + [
                s for user_id in filters.assigned_to if (index := catalog.user_index(user_id)) is not None
                for s in map(catalog.submission, catalog.submission_indexes_of_user(index)) if filters.match(s)
            ]
            return _sort_and_slice(candidates, column, ascending, offset, count), len(candidates)
        # Generated journals are sorted by date by construction (title falls back to date submitted).
        gen_time = catalog.date_submitted if column in ("date_submitted", "title", "date_published") \
            else catalog.last_modified
        column = "date_submitted" if column in ("title", "date_published") else column
        if filters.is_empty():
            positions: list[int] | None = None
            gen_len = catalog.total
        else:  # the slow path: every generated submission is computed and tested
            positions = [p for p in range(catalog.total) if filters.match(catalog.submission(catalog.index_at(p)))]
            gen_len = len(positions)
        manual.sort(key=lambda s: (-s.sort_value(column), -s.id))
        total = len(manual) + gen_len
        lo, hi = (total - offset - count, total - offset) if ascending else (offset, offset + count)

        def gen_key(i: int) -> float:
            return -gen_time(positions[i] if positions is not None else i).timestamp()

        picked = _merge_slice(gen_len, gen_key, [-s.sort_value(column) for s in manual], max(lo, 0),
                              max(min(hi, total), 0))
        page = [manual[i] if source == "m"
                else catalog.submission(catalog.index_at(positions[i] if positions is not None else i))
                for _, source, i in picked]
        if ascending:
            page.reverse()
        return page, total

    # --- serialisation ------------------------------------------------------------------------------------

    def _submission_summary(self, submission: _Submission, site: _Site, base: str, user: _User,
                            roles: set[int]) -> dict[str, Any]:
        tz = site.timezone
        sid = submission.id
        is_editorial = bool(roles & {ROLE_SITE_ADMIN, ROLE_MANAGER, ROLE_SUB_EDITOR, ROLE_ASSISTANT}) \
            or user.id in submission.editor_ids
        summary: dict[str, Any] = {
            "_href": f"{base}/api/v1/submissions/{sid}",
            "contextId": site.context_id,
            "currentPublicationId": submission.publication_id,
            "dateLastActivity": _ojs_date(submission.date_last_activity, tz),
            "dateSubmitted": _ojs_date(submission.date_submitted, tz),
            "id": sid,
            "lastModified": _ojs_date(submission.last_modified, tz),
            "locale": submission.locale,
            "publications": [self._publication(submission, site, base, full=False)],
            "stageId": submission.stage_id,
            "status": submission.status,
            "statusLabel": STATUS_LABELS.get(submission.status, ""),
            "submissionProgress": submission.submission_progress,
            "urlAuthorWorkflow": f"{base}/authorDashboard/submission/{sid}",
            "urlEditorialWorkflow": f"{base}/workflow/access/{sid}",
            "urlPublished": f"{base}/article/view/{sid}",
            "urlWorkflow": f"{base}/workflow/access/{sid}" if is_editorial
            else f"{base}/authorDashboard/submission/{sid}",
        }
        if site.version != "3.3":
            summary["urlSubmissionWizard"] = f"{base}/submission?id={sid}"
        if site.version == "3.5":  # 3.5's apiSummary adds the workflow flags (classes/submission/maps/Schema.php)
            last_round = submission.rounds[-1].status_id if submission.rounds else None
            summary.update({
                "editorAssigned": submission.editor_assigned,
                "recommendationsIn": last_round in (ROUND_RECOMMENDATIONS_READY, ROUND_RECOMMENDATIONS_COMPLETED),
                "reviewersNotAssigned": last_round == ROUND_PENDING_REVIEWERS,
                "revisionsRequested": last_round in (ROUND_REVISIONS_REQUESTED, ROUND_RESUBMIT_FOR_REVIEW),
                "revisionsSubmitted": last_round in (ROUND_REVISIONS_SUBMITTED, ROUND_RESUBMIT_FOR_REVIEW_SUBMITTED),
            })
        if site.version == "3.3":  # 3.3 keeps the wizard step as an integer, 0 once submitted
            summary["submissionProgress"] = 1 if submission.submission_progress else 0
        return dict(sorted(summary.items()))

    def _submission_full(self, submission: _Submission, site: _Site, base: str, user: _User,
                         roles: set[int]) -> dict[str, Any]:
        full = self._submission_summary(submission, site, base, user, roles)
        full["reviewRounds"] = [
            {"id": r.id, "round": r.round, "stageId": r.stage_id, "statusId": r.status_id,
             "status": ROUND_LABELS.get(r.status_id, "")}
            for r in submission.rounds
        ]
        full["reviewAssignments"] = []
        if submission.rounds:
            last = submission.rounds[-1]
            for n, status_id in enumerate(_ASSIGNMENTS_FOR_ROUND.get(last.status_id, ())):
                full["reviewAssignments"].append({
                    "id": last.id * 10 + n, "isCurrentUserAssigned": user.id in submission.reviewer_ids,
                    "statusId": status_id, "status": REVIEW_ASSIGNMENT_LABELS[status_id],
                    "due": None, "responseDue": None, "round": last.round, "roundId": last.id,
                })
        own_roles = sorted({USER_GROUPS[name][1] for name, ids in (("author", submission.author_ids),
                                                                      ("editor", submission.editor_ids))
                            if user.id in ids})
        stages = []
        for stage_id in OJS_STAGES:
            stage: dict[str, Any] = {
                "id": stage_id, "label": STAGE_LABELS[stage_id], "isActiveStage": submission.stage_id == stage_id,
                "currentUserAssignedRoles": own_roles, "files": {"count": 0},
            }
            if site.version == "3.5":
                # 3.5 (Schema::getPropertyStages): no stage statusId/status any more; whether an editor is assigned
                # is a flag on each stage, and the review state is read from reviewRounds[] alone.
                stage["editorAssigned"] = submission.editor_assigned
                stage["uploadedFilesCount"] = None
                del stage["files"]
                stages.append(stage)
                continue
            if site.version != "3.3":
                stage["openQueryCount"] = 0
            else:
                stage["queries"] = []
            if stage_id == STAGE_SUBMISSION and not submission.editor_assigned:
                stage["statusId"] = STAGE_STATUS_SUBMISSION_UNASSIGNED
                stage["status"] = UNASSIGNED_LABEL
            if stage_id in REVIEW_STAGES:
                rounds = [r for r in submission.rounds if r.stage_id == stage_id]
                if rounds:
                    stage["statusId"] = rounds[-1].status_id
                    stage["status"] = ROUND_LABELS.get(rounds[-1].status_id, "")
                    stage["currentUserCanRecommendOnly"] = False
            stages.append(stage)
        full["stages"] = stages
        if site.version != "3.3":
            full["commentsForTheEditors"] = None
            full["userGroupId"] = site.group_id("author")
        return dict(sorted(full.items()))

    def _publication(self, submission: _Submission, site: _Site, base: str, *, full: bool) -> dict[str, Any]:
        locales = site.locales
        sid, pid = submission.id, submission.publication_id
        status = submission.status if submission.status in (STATUS_PUBLISHED, STATUS_SCHEDULED) else STATUS_QUEUED
        names = [_contributor_name(c, locales) for c in submission.contributors]
        first = submission.contributors[0] if submission.contributors else None
        short = ""
        if first is not None:
            short = next((v for v in _localized(first.family_name, locales).values() if v), "") \
                or next((v for v in _localized(first.given_name, locales).values() if v), "")
            if len(submission.contributors) > 1:
                short = f"{short} et al."
        title = _localized(submission.title, locales)
        subtitle = _localized(submission.subtitle, locales)
        publication: dict[str, Any] = {
            "_href": f"{base}/api/v1/submissions/{sid}/publications/{pid}",
            "authorsString": ", ".join(names),
            "authorsStringShort": short,
            "categoryIds": [],
            "coverImage": _localized({}, locales, empty=None),
            "datePublished": submission.date_published.isoformat()
            if submission.date_published and submission.status in (STATUS_PUBLISHED, STATUS_SCHEDULED) else None,
            "fullTitle": {loc: f"{t}: {subtitle[loc]}" if t and subtitle[loc] else t for loc, t in title.items()},
            "id": pid,
            "locale": submission.locale,
            "prefix": _localized({}, locales),
            "primaryContactId": first.id if first else None,
            "pub-id::publisher-id": None,
            "status": status,
            "submissionId": sid,
            "subtitle": subtitle,
            "title": title,
            "urlPublished": f"{base}/article/view/{sid}/{pid}" if status == STATUS_PUBLISHED
            else f"{base}/article/view/{sid}",
            "version": 1,
        }
        if site.version != "3.3":
            publication["authorsStringIncludeInBrowse"] = publication["authorsString"]
            publication["doiObject"] = None if not submission.doi else {
                "id": pid, "contextId": site.context_id, "doi": submission.doi,
                "resolvingUrl": f"https://doi.org/{submission.doi}",
                "status": 3 if submission.status == STATUS_PUBLISHED else 1, "registrationAgency": None,
            }
        else:  # added to the schema by the DOI pub-id plugin, summary included
            publication["pub-id::doi"] = submission.doi
        if full:
            publication.update({
                "abstract": _localized(submission.abstract, locales),
                "authors": [self._contributor(c, n, submission, site) for n, c in enumerate(submission.contributors)],
                "citations": [], "copyrightHolder": _localized({}, locales), "copyrightYear": None,
                "issueId": None, "keywords": _localized({}, locales, empty=[]),
                "languages": _localized({}, locales, empty=[]),
                "lastModified": _ojs_date(submission.last_modified, site.timezone), "licenseUrl": None,
                "pages": None, "rights": _localized({}, locales), "sectionId": site.context_id, "seq": 0,
                "urlPath": None,
            })
            if site.version != "3.3":
                publication["doiId"] = pid if submission.doi else None
        return dict(sorted(publication.items()))

    def _contributor(self, contributor: _Contributor, seq: int, submission: _Submission, site: _Site) -> dict:
        locales = site.locales
        record: dict[str, Any] = {
            "affiliation": _localized(contributor.affiliation, locales),
            "email": contributor.email,
            "familyName": _localized(contributor.family_name, locales),
            "givenName": _localized(contributor.given_name, locales),
            "id": contributor.id,
            "includeInBrowse": True,
            "orcid": contributor.orcid,
            "preferredPublicName": _localized({}, locales),
            "publicationId": submission.publication_id,
            "seq": seq,
            "userGroupId": site.group_id("author"),
        }
        if site.version != "3.3":
            record.update({"country": contributor.country or None, "fullName": _contributor_name(contributor, locales),
                           "locale": submission.locale, "userGroupName": _localized({"en": "Author"}, locales)})
        else:
            record["submissionLocale"] = submission.locale
        return dict(sorted(record.items()))

    def _user_summary(self, user: _User, site: _Site, base: str) -> dict[str, Any]:
        groups = []
        for name in sorted(user.roles.get(site.context_path, set()), key=lambda n: USER_GROUPS[n][0]):
            _, role_id, group_name, abbrev = USER_GROUPS[name]
            groups.append({
                "id": site.group_id(name), "name": _localized({"en": group_name}, site.locales),
                "abbrev": _localized({"en": abbrev}, site.locales), "roleId": role_id, "showTitle": True,
                "permitSelfRegistration": name in ("author", "reviewer", "reader"), "permitMetadataEdit": False,
                "recommendOnly": False,
            })
        summary: dict[str, Any] = {
            "_href": f"{base}/api/v1/users/{user.id}", "disabled": user.disabled, "email": user.email,
            "fullName": user.full_name(site.locales), "groups": groups, "id": user.id, "orcid": user.orcid,
            "userName": user.username,
        }
        if site.version != "3.3":
            summary.update({
                "affiliation": _localized(user.affiliation, site.locales),
                "biography": _localized({}, site.locales), "gossip": None, "interests": [],
                "preferredPublicName": _localized({}, site.locales),
            })
        return dict(sorted(summary.items()))

    # --- control routes (sandbox only; plain JSON) ------------------------------------------------------------

    def _register_control(self, router: Router) -> None:
        prefix = "/__sandbox__/ojs"
        self._register_common_control(router, prefix)
        self._register_site_fault_control(router, f"{prefix}/sites/{{context}}", "context")
        router.add("POST", f"{prefix}/sites", self._control(lambda body, params: {
            "context_path": body["context_path"],
            "manager_token": self.add_site(body["context_path"], **_pick(body, "version", "manager_token",
                                                                          "timezone", "locales")),
        }))
        router.add("POST", f"{prefix}/sites/{{context}}/generated", self._control(lambda body, params: {
            "manager_token": self.add_generated_site(
                params["context"], seed=int(body["seed"]), users=int(body["users"]),
                submissions_per_user=int(body["submissions_per_user"]),
                changed_fraction=float(body.get("changed_fraction", 0.0)),
                **_pick(body, "version", "manager_token", "timezone", "locales")),
        }))
        router.add("POST", f"{prefix}/sites/{{context}}/generated/change", self._control(
            lambda body, params: {"changed": self.change_generated(params["context"], float(body["fraction"]))}))
        router.add("POST", f"{prefix}/sites/{{context}}/users", self._control(lambda body, params: {
            "id": self.add_user(params["context"], **_pick(body, "username", "email", "given_name", "family_name",
                                                           "orcid", "roles", "affiliation")),
        }))
        router.add("GET", f"{prefix}/users/{{user_id}}/token", self._control(
            lambda body, params: {"token": self.token_for(int(params["user_id"]))}))
        router.add("POST", f"{prefix}/sites/{{context}}/submissions", self._control(lambda body, params: {
            "id": self.add_submission(params["context"], **_submission_options(body)),
        }))
        router.add("POST", f"{prefix}/sites/{{context}}/submissions/{{submission_id}}/usage", self._control(
            lambda body, params: self.add_usage(
                params["context"], int(params["submission_id"]), **{k: int(v) for k, v in body.items()
                                                                   if k in USAGE_KINDS},
                day=_parse_date(body.get("day"))) or {}))
        router.add("GET", f"{prefix}/sites/{{context}}/submissions/{{submission_id}}", self._control(
            lambda body, params: self.submission_state(params["context"], int(params["submission_id"]))))
        router.add("POST", f"{prefix}/sites/{{context}}/submissions/{{submission_id}}/move", self._control(
            lambda body, params: self.move(params["context"], int(params["submission_id"]),
                                           **_move_options(body))))


@dataclass(frozen=True)
class _SubmissionFilters:
    assigned_to: list[int] | int | None
    statuses: list[int] | None
    stage_ids: list[int] | None
    search: str

    def is_empty(self) -> bool:
        return self.assigned_to is None and self.statuses is None and self.stage_ids is None and not self.search

    def match(self, submission: _Submission) -> bool:
        if isinstance(self.assigned_to, list) and not submission.assigned(self.assigned_to):
            return False
        if self.assigned_to == -1 and (submission.editor_assigned or submission.date_submitted is None):
            return False
        if self.statuses is not None and submission.status not in self.statuses:
            return False
        if self.stage_ids is not None and submission.stage_id not in self.stage_ids:
            return False
        if self.search:
            return any(_keyword_matches(submission, word.lower()) for word in self.search.split())
        return True


def _keyword_matches(submission: _Submission, word: str) -> bool:
    # 3.4: any keyword in a title, an author's names or ORCID, or exactly the submission id
    if word.isdigit() and int(word) == submission.id:
        return True
    texts = [*submission.title.values()]
    for contributor in submission.contributors:
        texts += [*contributor.given_name.values(), *contributor.family_name.values(), contributor.orcid or ""]
    return any(word in text.lower() for text in texts)


def _user_matches(user: _User, words: list[str], site: _Site) -> bool:
    fields = [user.username, user.email, *user.given_name.values(), *user.family_name.values(),
              *user.affiliation.values(), user.orcid or ""]
    lowered = [text.lower() for text in fields]
    return all(any(word in text for text in lowered) for word in words)


def _generated_user_matches(catalog: _GeneratedCatalog, words: list[str], site: _Site) -> Iterator[int]:
    candidates = {catalog.exact_user_candidate(word) for word in words} - {None}
    if len(candidates) == 1 and (index := candidates.pop()) != -1:
        if _user_matches(catalog.user(index), words, site):
            yield index
        return
    if candidates:  # a word names no generated user, or two words name different ones
        return
    for index in range(catalog.users):
        if _user_matches(catalog.user(index), words, site):
            yield index


def _merge_slice(gen_len: int, gen_key: Callable[[int], Any], manual_keys: list[Any], lo: int,
                 hi: int) -> list[tuple[int, str, int]]:
    """Items ``lo..hi`` of the merge of a generated sequence and a manual list, both ascending by key.

    ``gen_key`` must be non-decreasing in the index; a manual item goes before generated items with an
    equal key. Returns (merged index, "m" or "g", index in its source), in merged order. Only about
    ``hi - lo + len(manual_keys)`` generated keys are computed.
    """
    picked: list[tuple[int, str, int]] = []
    if hi <= lo:
        return picked
    for i, key in enumerate(manual_keys):
        below, above = 0, gen_len  # generated items strictly before this manual item: gen_key(p) < key
        while below < above:
            middle = (below + above) // 2
            if gen_key(middle) < key:
                below = middle + 1
            else:
                above = middle
        if lo <= i + below < hi:
            picked.append((i + below, "m", i))
    for p in range(max(0, lo - len(manual_keys)), min(gen_len, hi)):
        merged = p + bisect.bisect_right(manual_keys, gen_key(p))
        if lo <= merged < hi:
            picked.append((merged, "g", p))
    picked.sort()
    return picked


def _sort_and_slice(submissions: list[_Submission], column: str, ascending: bool, offset: int,
                    count: int) -> list[_Submission]:
    if column == "title":
        ordered = sorted(submissions, key=lambda s: (s.sort_value(column), s.id))
        ordered = ordered if ascending else ordered[::-1]
    else:
        ordered = sorted(submissions, key=lambda s: (-s.sort_value(column), -s.id))
        ordered = ordered[::-1] if ascending else ordered
    return ordered[offset:offset + count]


def _contributor_name(contributor: _Contributor, locales: tuple[str, ...]) -> str:
    given = next((v for v in _localized(contributor.given_name, locales).values() if v), "")
    family = next((v for v in _localized(contributor.family_name, locales).values() if v), "")
    return f"{given} {family}".strip()


def _rewrite(payload: Any, change: Callable[[dict[str, Any]], Any]) -> Any:
    if isinstance(payload, dict):
        for key in ("items", "data"):
            for item in payload.get(key) or []:
                if isinstance(item, dict):
                    change(item)
        change(payload)
    return payload


def _usage_totals(records: list[tuple[date, str, int]], first: date | None, last: date) -> dict[str, int]:
    totals = dict.fromkeys(USAGE_KINDS, 0)
    for day, kind, views in records:
        if (first is None or day >= first) and day <= last:
            totals[kind] += views
    return totals


def _bearer(header: str) -> str | None:
    # Several schemes may be given, comma-separated; OJS takes the Bearer one.
    for clause in header.split(","):
        parts = clause.strip().split(" ")
        if len(parts) == 2 and parts[0] == "Bearer":
            return parts[1]
    return None


def _site_base(request: Request) -> str:
    host = request.headers.get("host", "localhost")
    return f"http://{host}/index.php/{request.path_params['context']}"


def _ojs_date(value: datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if value else None


def _html_error(status: int, reason: str, retry_after: int | None = None) -> Response:
    # What a PHP fatal error or the reverse proxy in front of OJS sends: HTML, not OJS's JSON.
    body = f"<html><head><title>{status} {reason}</title></head><body><h1>{html.escape(reason)}</h1></body></html>"
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
    return Response(status, body.encode(), "text/html; charset=utf-8", headers)


def _pick(body: dict[str, Any], *names: str) -> dict[str, Any]:
    picked = {name: body[name] for name in names if name in body}
    if "locales" in picked:
        picked["locales"] = tuple(picked["locales"])
    return picked


def _parse_date(value: Any) -> Any:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _parse_datetime(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _submission_options(body: dict[str, Any]) -> dict[str, Any]:
    options = _pick(body, "title", "authors", "contributors", "editors", "reviewers", "status", "stage_id",
                    "review_round_status", "editor_assigned", "date_submitted", "last_modified", "date_published",
                    "doi", "subtitle", "abstract", "locale", "incomplete")
    for name in ("date_submitted", "last_modified"):
        if name in options:
            options[name] = _parse_datetime(options[name])
    if "date_published" in options:
        options["date_published"] = _parse_date(options["date_published"])
    return options


def _move_options(body: dict[str, Any]) -> dict[str, Any]:
    options = _pick(body, "decision", "status", "stage_id", "review_round_status", "doi", "date_published")
    if "date_published" in options:
        options["date_published"] = _parse_date(options["date_published"])
    return options
