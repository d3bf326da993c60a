"""OJS's state -> canonical status: every status, stage and stage/round status the reference lists.

The expectations are written out here independently of the connector's table, so a changed row fails.
"""

from __future__ import annotations

import itertools

import pytest

from manuscripts.connectors.ojs import (
    ANY,
    STATUS_TABLE,
    bare_orcid,
    language_for_locale,
    map_status,
    titles_from,
)
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
