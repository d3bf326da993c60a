"""Platform state -> canonical status: every OJS status, stage and stage/round status, and every ScholarOne
status and decision name, the reference lists.

The expectations are written out here independently of the connector's table, so a changed row fails.
"""

from __future__ import annotations

import itertools

import pytest

from manuscripts.connectors import file_export
from manuscripts.connectors.file_export import EDITORIAL_MANAGER_STATUSES, FALLBACK_STATUS, JANEWAY_STAGES
from manuscripts.connectors.ojs import (
    ANY,
    STATUS_TABLE,
    bare_orcid,
    language_for_locale,
    map_status,
    titles_from,
)
from manuscripts.connectors.scholarone import STATUS_TABLE as S1_STATUS_TABLE
from manuscripts.connectors.scholarone import MappedStatus as S1MappedStatus
from manuscripts.connectors.scholarone import map_status as s1_map_status
from manuscripts.status import CanonicalStatus

STATUSES = (1, 3, 4, 5)  # queued, published, declined, scheduled
STAGES = (1, 2, 3, 4, 5)  # submission, internal review (OMP), external review, copyediting, production
STAGE_STATUSES = (None, *range(1, 17))  # none, then review round statusId 1..16 (1 is also "unassigned" on stage 1)

# Review round statusId -> canonical status, for a queued submission in a review stage.
ROUND_EXPECTED = {
    None: "under_review",  # in review, no round yet
    1: "revision_requested",  # REVISIONS_REQUESTED
    2: "revision_requested",  # RESUBMIT_FOR_REVIEW
    3: "under_review",  # SENT_TO_EXTERNAL
    4: "accepted",  # ACCEPTED
    5: "rejected",  # DECLINED
    6: "under_review",  # PENDING_REVIEWERS
    7: "under_review",  # PENDING_REVIEWS
    8: "under_review",  # REVIEWS_READY
    9: "with_editor",  # REVIEWS_COMPLETED: the decision is pending
    10: "under_review",  # REVIEWS_OVERDUE
    11: "revision_submitted",  # REVISIONS_SUBMITTED
    12: "with_editor",  # PENDING_RECOMMENDATIONS
    13: "with_editor",  # RECOMMENDATIONS_READY
    14: "with_editor",  # RECOMMENDATIONS_COMPLETED
    15: "revision_submitted",  # RESUBMIT_FOR_REVIEW_SUBMITTED
    16: "with_editor",  # RETURNED_TO_REVIEW
}


def expected(status: int, stage: int, stage_status: int | None) -> str | None:
    if status == 3:
        return "published"
    if status == 4:
        return "rejected"
    if status == 5:
        return "in_production"
    if stage == 1:
        return {1: "submitted", None: "with_editor"}.get(stage_status)  # no other stage-1 status exists
    if stage in (2, 3):
        return ROUND_EXPECTED[stage_status]
    return {4: "accepted", 5: "in_production"}[stage]


@pytest.mark.parametrize(
    ("status", "stage", "stage_status"),
    list(itertools.product(STATUSES, STAGES, STAGE_STATUSES)),
    ids=lambda value: "none" if value is None else str(value),
)
def test_every_ojs_state_maps_as_specified(status: int, stage: int, stage_status: int | None) -> None:
    mapped = map_status(status, stage, stage_status)
    want = expected(status, stage, stage_status)
    if want is None:
        assert mapped is None
    else:
        assert mapped is not None and mapped[0] == CanonicalStatus(want)
        assert mapped[1].strip()


@pytest.mark.parametrize(("status", "stage", "stage_status"), [(2, 1, None), (0, 3, 7), (6, 5, None)])
def test_status_outside_queued_published_declined_scheduled_is_unknown(status, stage, stage_status) -> None:
    assert map_status(status, stage, stage_status) is None


@pytest.mark.parametrize(("stage", "stage_status"), [(6, None), (0, None), (3, 17), (2, 0)])
def test_queued_submission_in_an_undefined_stage_or_round_status_is_unknown(stage, stage_status) -> None:
    assert map_status(1, stage, stage_status) is None


def test_every_table_row_is_reached_by_some_state() -> None:
    reached = set()
    for status, stage, stage_status in itertools.product(STATUSES, STAGES, STAGE_STATUSES):
        for key in ((status, stage, stage_status), (status, stage, ANY), (status, ANY, ANY)):
            if key in STATUS_TABLE:
                reached.add(key)
                break
    assert reached == set(STATUS_TABLE)


def test_every_canonical_status_but_withdrawn_is_reachable_from_ojs() -> None:
    # OJS has no withdrawn status: withdrawal is a decline or a deletion there.
    assert {canonical for canonical, _ in STATUS_TABLE.values()} == set(CanonicalStatus) - {CanonicalStatus.WITHDRAWN}


@pytest.mark.parametrize(
    ("state", "label"),
    [
        ((1, 1, 1), "Unassigned"),
        ((1, 1, None), "Awaiting Editor Decision"),
        ((1, 3, 7), "Awaiting responses from reviewers."),
        ((1, 3, 9), "All reviewers have responded and a decision is needed."),
        ((1, 3, 1), "Revisions have been requested."),
        ((1, 3, 8), "New reviews have been submitted and are being considered by the editor."),
        ((1, 4, None), "In Copyediting"),
        ((1, 5, None), "In Proofreading"),
        ((3, 5, None), "Published"),
        ((4, 3, 5), "Declined"),
        ((5, 5, None), "Scheduled"),
    ],
)
def test_raw_status_is_ojs_own_words_as_the_author_sees_them(state: tuple, label: str) -> None:
    assert map_status(*state)[1] == label


def test_review_round_overdue_uses_the_author_facing_text() -> None:
    assert map_status(1, 3, 10)[1].startswith("One or more reviewers missed their deadline.")


@pytest.mark.parametrize(
    ("locale", "language"),
    [("en", "en"), ("en_US", "en"), ("zh_CN", "zh-hans"), ("zh_Hans", "zh-hans"), ("zh_TW", "zh-hant"),
     ("fr_CA", "fr"), ("de", "de"), ("sr_RS@latin", "sr")],
)
def test_ojs_locales_map_to_our_language_keys(locale: str, language: str) -> None:
    assert language_for_locale(locale) == language


def test_titles_drop_empty_translations() -> None:
    assert titles_from({"en_US": "Soil Microbiome Shifts", "zh_CN": "", "fr_CA": None}) == {
        "en": "Soil Microbiome Shifts"}


def test_titles_keep_chinese_under_zh_hans() -> None:
    assert titles_from({"en": "Soil", "zh_CN": "土壤"}) == {"en": "Soil", "zh-hans": "土壤"}


def test_titles_lose_inline_html_and_entities() -> None:
    assert titles_from({"en": "<i>Oryza sativa</i> under CO<sub>2</sub> &amp; heat"}) == {
        "en": "Oryza sativa under CO2 & heat"}


@pytest.mark.parametrize(
    "typed",
    ["0000-0002-1825-0097", "https://orcid.org/0000-0002-1825-0097", "http://orcid.org/0000-0002-1825-0097/",
     "orcid.org/0000-0002-1825-0097", "0000000218250097", " https://www.orcid.org/0000-0002-1825-0097 "],
)
def test_orcid_forms_reduce_to_the_bare_id(typed: str) -> None:
    assert bare_orcid(typed) == "0000-0002-1825-0097"


def test_orcid_with_x_check_digit_is_upper_case() -> None:
    assert bare_orcid("https://orcid.org/0000-0002-9079-593x") == "0000-0002-9079-593X"


@pytest.mark.parametrize("typed", ["", "li.wei@example.org", "liwei", "0000-0002-1825", None])
def test_non_orcid_text_is_no_orcid(typed: str | None) -> None:
    assert bare_orcid(typed) == ""


# --- ScholarOne ---------------------------------------------------------------------------------------------------
# Every status and decision name the reference lists for ScholarOne (and the spellings samples show), with the
# canonical status an author should see, written out independently of the connector's table.

S1_EXPECTED = {
    "Submitted": "submitted",
    "Awaiting Admin Processing": "submitted",
    "Awaiting Admin Checklist": "submitted",
    "Awaiting Editor Assignment": "submitted",
    "Awaiting AE Assignment": "submitted",
    "Awaiting EIC Assignment": "submitted",
    "Editor Invited": "submitted",
    "With Editor": "with_editor",
    "Awaiting AE Recommendation": "with_editor",
    "Awaiting Recommendation": "with_editor",
    "Evaluating Recommendation": "with_editor",
    "Make Recommendation": "with_editor",
    "Awaiting EIC Decision": "with_editor",
    "Awaiting Editor Decision": "with_editor",
    "Awaiting Decision": "with_editor",
    "Awaiting Reviewer Selection": "under_review",
    "Awaiting Reviewer Invitation": "under_review",
    "Awaiting Reviewer Assignment": "under_review",
    "Awaiting Reviewer Scores": "under_review",
    "Overdue Reviewer Scores": "under_review",
    "Under Review": "under_review",
    "Accept": "accepted",
    "Accepted": "accepted",
    "Minor Revision": "revision_requested",
    "Major Revision": "revision_requested",
    "Revision": "revision_requested",
    "Revise": "revision_requested",
    "Revise and Resubmit": "revision_requested",
    "Reject & Resubmit": "revision_requested",
    "Reject and Resubmit": "revision_requested",
    "Reject": "rejected",
    "Rejected": "rejected",
    "Immediate Reject": "rejected",
    "Reject without Review": "rejected",
    "Decline": "rejected",
    "Withdrawn": "withdrawn",
    "Manuscript Withdrawn": "withdrawn",
}


@pytest.mark.parametrize(("name", "canonical"), sorted(S1_EXPECTED.items()))
def test_every_scholarone_status_name_maps_as_specified(name: str, canonical: str) -> None:
    assert s1_map_status(name) == S1MappedStatus(CanonicalStatus(canonical), known=True)


def test_scholarone_table_has_exactly_the_specified_names() -> None:
    assert set(S1_STATUS_TABLE) == set(S1_EXPECTED)


@pytest.mark.parametrize("typed", ["awaiting reviewer scores", "AWAITING REVIEWER SCORES",
                                   "  Awaiting  Reviewer\tScores "])
def test_scholarone_status_names_match_regardless_of_case_and_spacing(typed: str) -> None:
    assert s1_map_status(typed).canonical == CanonicalStatus.UNDER_REVIEW


def test_unknown_scholarone_status_falls_back_to_with_editor_and_says_so() -> None:
    assert s1_map_status("Awaiting Statistical Review") == S1MappedStatus(CanonicalStatus.WITH_EDITOR, known=False)


def test_unknown_scholarone_status_with_a_known_decision_maps_by_the_decision() -> None:
    assert s1_map_status("Decision Letter Sent", "Minor Revision") == S1MappedStatus(
        CanonicalStatus.REVISION_REQUESTED, known=True)


def test_known_scholarone_status_wins_over_its_decision_name() -> None:
    assert s1_map_status("Awaiting Reviewer Scores", "Accept").canonical == CanonicalStatus.UNDER_REVIEW


@pytest.mark.parametrize(("name", "canonical"), sorted(S1_EXPECTED.items()))
def test_a_revision_before_review_reads_as_revision_submitted(name: str, canonical: str) -> None:
    # A revision (.R1, .R2…) waiting for the office or an editor is, to its authors, "revision submitted";
    # from review on it reads like any manuscript.
    want = "revision_submitted" if canonical in ("submitted", "with_editor") else canonical
    assert s1_map_status(name, revision_number=1).canonical == CanonicalStatus(want)


def test_unknown_status_of_a_revision_reads_as_revision_submitted() -> None:
    assert s1_map_status("Awaiting Statistical Review", revision_number=2).canonical == \
        CanonicalStatus.REVISION_SUBMITTED


def test_scholarone_reaches_every_canonical_status_but_production_and_publication() -> None:
    # ScholarOne's workflow ends at the decision; production and publication come from Crossref.
    reached = {s1_map_status(name, revision_number=n).canonical for name in S1_STATUS_TABLE for n in (0, 1)}
    assert reached == set(CanonicalStatus) - {CanonicalStatus.IN_PRODUCTION, CanonicalStatus.PUBLISHED}


# --- Editorial Manager and Janeway, through export files ------------------------------------------------------------
# Written out here independently of the tables in manuscripts/connectors/file_export.py, so a changed row fails.

# Editorial Manager's default author-visible statuses as the reference (§5.2) lists them, alternatives split.
EM_REFERENCE_STATUSES = (
    "Incomplete", "Needs Approval", "Submitted to Journal", "Manuscript Submitted", "Sent Back to Author",
    "With Editor", "Editor Invited", "Editor Assigned", "Reviewer(s) Invited", "Under Review",
    "Required Reviews Completed", "Decision in Process", "Revise", "Minor Revision", "Major Revision",
    "Revised Manuscript Submitted", "Accept", "Completed – Accept", "Completed – Reject", "Completed – Withdrawn",
)
NOT_SUBMITTED = None
EM_EXPECTED = {
    "Incomplete": NOT_SUBMITTED,
    "Needs Approval": NOT_SUBMITTED,
    "Author Invited": NOT_SUBMITTED,
    "Submitted to Journal": "submitted",
    "Manuscript Submitted": "submitted",
    "Sent Back to Author": "revision_requested",  # the author must complete and resubmit
    "With Editor": "with_editor",
    "Editor Invited": "with_editor",
    "Editor Assigned": "with_editor",
    "Editor Declined Invitation": "with_editor",
    "Reviewer(s) Invited": "under_review",
    "Reviewers Invited": "under_review",
    "Reviewer Invited": "under_review",
    "Under Review": "under_review",
    "Required Reviews Completed": "with_editor",  # reviews in: the decision is pending
    "Required Reviews Complete": "with_editor",
    "Decision in Process": "with_editor",
    "Revise": "revision_requested",
    "Minor Revision": "revision_requested",
    "Major Revision": "revision_requested",
    "Revision Needs Approval": "revision_requested",
    "Revised Manuscript Submitted": "revision_submitted",
    "Revision Submitted to Journal": "revision_submitted",
    "Accept": "accepted",
    "Completed – Accept": "accepted",  # final disposition; Crossref marks it published later
    "Reject": "rejected",
    "Completed – Reject": "rejected",
    "Withdrawn": "withdrawn",
    "Completed – Withdrawn": "withdrawn",
    "Complete – Withdrawn": "withdrawn",
}

# Janeway's stages (openlibhums/janeway src/submission/models.py STAGE_CHOICES): (stored value, display label).
JANEWAY_STAGE_CHOICES = (
    ("Unsubmitted", "Unsubmitted"), ("Unassigned", "Unassigned"), ("Assigned", "Assigned to Editor"),
    ("Under Review", "Peer Review"), ("Under Revision", "Revision"), ("Rejected", "Rejected"),
    ("Accepted", "Accepted"), ("Editor Copyediting", "Editor Copyediting"),
    ("Author Copyediting", "Author Copyediting"), ("Final Copyediting", "Final Copyediting"),
    ("Typesetting", "Typesetting"), ("typesetting_plugin", "typesetting_plugin"), ("Proofing", "Proofing"),
    ("pre_publication", "Pre Publication"), ("Published", "Published"), ("preprint_review", "Preprint Review"),
    ("preprint_published", "Preprint Published"), ("Archived", "Archived"),
)
JANEWAY_EXPECTED = {
    "Unsubmitted": NOT_SUBMITTED,
    "Unassigned": "submitted",
    "Assigned": "with_editor",
    "Under Review": "under_review",
    "Under Revision": "revision_requested",
    "Rejected": "rejected",
    "Accepted": "accepted",
    "Editor Copyediting": "accepted",  # copyediting follows acceptance, as for OJS
    "Author Copyediting": "accepted",
    "Final Copyediting": "accepted",
    "Typesetting": "in_production",
    "typesetting_plugin": "in_production",
    "Proofing": "in_production",
    "pre_publication": "in_production",
    "Published": "published",
    "preprint_review": "under_review",
    "preprint_published": "published",
    "Archived": "withdrawn",  # Janeway closes a submission without a decision by archiving it
}


@pytest.mark.parametrize(("words", "canonical"), EM_EXPECTED.items(), ids=list(EM_EXPECTED))
def test_every_editorial_manager_status_maps_as_specified(words: str, canonical: str | None) -> None:
    assert file_export.map_status("editorial_manager", words) == (canonical and CanonicalStatus(canonical))
    assert file_export.known_status("editorial_manager", words)


def test_every_editorial_manager_status_the_reference_lists_is_in_the_table() -> None:
    assert set(EM_REFERENCE_STATUSES) <= set(EDITORIAL_MANAGER_STATUSES)


def test_editorial_manager_table_holds_exactly_the_specified_rows() -> None:
    assert set(EDITORIAL_MANAGER_STATUSES) == set(EM_EXPECTED)


@pytest.mark.parametrize("words", ["Completed – Accept", "Completed - Accept", "Completed—Accept", "completed-accept",
                                   "COMPLETED  –  ACCEPT", "Completed \u2010 Accept", "Completed \u2212 Accept",
                                   " Completed_Accept "])
def test_completed_accept_matches_whatever_the_dash_case_or_spacing(words: str) -> None:
    assert file_export.map_status("editorial_manager", words) == CanonicalStatus.ACCEPTED


@pytest.mark.parametrize(("stage", "label"), JANEWAY_STAGE_CHOICES, ids=[value for value, _ in JANEWAY_STAGE_CHOICES])
def test_every_janeway_stage_maps_as_specified_by_value_and_by_label(stage: str, label: str) -> None:
    want = JANEWAY_EXPECTED[stage] and CanonicalStatus(JANEWAY_EXPECTED[stage])
    assert file_export.map_status("janeway", stage) == want
    assert file_export.map_status("janeway", label) == want


def test_janeway_table_holds_every_janeway_stage_and_label_and_nothing_else() -> None:
    assert {file_export.status_key(words) for words in JANEWAY_STAGES} == {
        file_export.status_key(words) for choice in JANEWAY_STAGE_CHOICES for words in choice}


@pytest.mark.parametrize("status", list(CanonicalStatus), ids=lambda status: status.value)
def test_generic_exports_may_give_our_canonical_codes(status: CanonicalStatus) -> None:
    assert file_export.map_status("file_export", status.value) == status


def test_generic_exports_read_editorial_manager_and_janeway_words_as_their_own_tables() -> None:
    assert all(file_export.map_status("file_export", words) == file_export.map_status("editorial_manager", words)
               for words in EM_EXPECTED)
    assert all(file_export.map_status("file_export", words) == file_export.map_status("janeway", words)
               for choice in JANEWAY_STAGE_CHOICES for words in choice)


@pytest.mark.parametrize("platform", ["editorial_manager", "janeway", "file_export"])
def test_words_no_table_knows_map_to_the_explicit_fallback(platform: str) -> None:
    assert FALLBACK_STATUS == CanonicalStatus.WITH_EDITOR
    assert file_export.map_status(platform, "Awaiting Final Files") == FALLBACK_STATUS
    assert not file_export.known_status(platform, "Awaiting Final Files")


def test_janeway_words_are_unknown_to_an_editorial_manager_system() -> None:
    assert not file_export.known_status("editorial_manager", "Typesetting")


def test_a_journals_own_words_override_the_table() -> None:
    overrides = {file_export.status_key("Under Review"): CanonicalStatus.WITH_EDITOR}
    assert file_export.map_status("editorial_manager", "under review", overrides) == CanonicalStatus.WITH_EDITOR


def test_two_rows_giving_the_same_words_two_meanings_are_refused() -> None:
    with pytest.raises(ValueError, match="'Completed-Accept' map to both"):
        file_export._keyed({"Completed – Accept": CanonicalStatus.ACCEPTED},
                           {"Completed-Accept": CanonicalStatus.PUBLISHED})
