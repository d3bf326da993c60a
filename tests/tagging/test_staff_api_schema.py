"""Schema-driven fuzzing of the staff API as another system calls it: every /api/v1/staff/ operation with an API
key holding every scope (tests/test_schemathesis.py fuzzes the same operations as a researcher and without a
token, where each must answer 401). Same checks, bounded and derandomized examples."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from manuscripts.models import StatusEvent
from tagging.models import AssignmentSource
from tagging.services.staff_api import api_key_create
from tagging.services.tags import tag_create, tags_assign
from tests.factories import BASE_TIME, JournalAccountFactory, ManuscriptFactory, OrderFactory, WeChatIdentityFactory
from tests.tagging.staff_api_helpers import ALL_SCOPES
from tests.test_schemathesis import EXAMPLES_PER_OPERATION, positive_data_acceptance_but_documented_rules, schema

staff_schema = schema.include(path_regex="^/api/v1/staff/")


@pytest.fixture
def api_key(settings) -> str:
    """A key with every scope, and something in every list: a tagged researcher with an ORCID iD and a unionid,
    a manuscript with authors and a timeline, an order."""
    settings.STAFF_API_RATE = "100000/min"
    settings.STAFF_API_APP_CLOCK_MARGIN_SECONDS = 0
    identity = WeChatIdentityFactory(unionid="o-union-fuzz")
    account = JournalAccountFactory(researcher=identity.researcher)
    manuscript = ManuscriptFactory(journal_system=account.journal_system)
    manuscript.accesses.create(journal_account=account)
    StatusEvent.objects.create(manuscript=manuscript, to_status="under_review", occurred_at=BASE_TIME)
    OrderFactory(researcher=identity.researcher)
    tags_assign(tag=tag_create(slug="oncology", name_en="Oncology"), researcher_ids=[identity.researcher_id],
                source=AssignmentSource.STAFF)
    return api_key_create(name="fuzzer", scopes=ALL_SCOPES)[1]


@pytest.mark.django_db
# The caller's parametrization gives each operation's item a node id of its own ("…[GET /api/v1/staff/orders]
# [api-key]"): without one, schemathesis 4 on pytest 9 gives all twelve the same id, and pytest-xdist then
# runs one of them (tests/conftest.py refuses duplicate ids).
@pytest.mark.parametrize("caller", ["api-key"])
@staff_schema.parametrize()
@hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))
def test_staff_api_answers_as_documented(case, caller, api_key):
    case.call_and_validate(headers={"Authorization": f"Api-Key {api_key}"}, excluded_checks=[positive_data_acceptance],
                           additional_checks=[positive_data_acceptance_but_documented_rules])
