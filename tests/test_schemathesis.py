"""Schema-driven fuzzing: every operation of the OpenAPI document, as a researcher and without a token, with
every schemathesis check: no server error; status codes, content types, headers and bodies as documented;
schema-invalid requests rejected; schema-valid requests accepted.

The document is the one /api/schema/ serves, generated in-process. Requests go through Django's request handler
(the test client's, so each operation's examples run inside the test's transaction and leave nothing behind).
Examples are bounded and derandomized: every run sends the same requests. A failure names the operation and
the check and prints the request as a curl command.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import time

import pytest
import schemathesis
from django.core.management import call_command
from django.test.client import ClientHandler
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.models import Researcher
from accounts.validators import orcid_check_digit
from manuscripts.sync import snapshots_apply
from notifications.models import Notification, NotificationPreference
from payments.services.fapiao import fapiao_request
from payments.services.paying import order_share_create
from publisher_backend.schema import RULES_BEYOND_SCHEMA
from tests.factories import OrderFactory
from tests.manuscripts.factories import make_account, make_journal_system, snapshot
from tests.payments.paid_orders import paid_order_of

EXAMPLES_PER_OPERATION = 50


class DjangoApp:
    """A WSGI app on Django's test-client handler: the test's database connection stays open across requests
    (Django's own WSGIHandler closes it after each one)."""

    def __init__(self) -> None:
        self.handler = ClientHandler(enforce_csrf_checks=False)

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        response = self.handler(environ)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return [b"".join(response)] if response.streaming else [response.content]


def _orcid(digits: str) -> str:
    full = digits + orcid_check_digit(digits)
    return "-".join(full[i:i + 4] for i in range(0, 16, 4))


# The schema's "orcid" format: an iD whose check digit is right (the field's description states the rule).
schemathesis.openapi.format("orcid", st.text("0123456789", min_size=15, max_size=15).map(_orcid))

schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = DjangoApp()
# Valid and invalid requests alike. The token is the test's to give (the researcher's, or none at all), so
# schemathesis neither generates nor mutates the Authorization header.
schema.config.generation.update(modes=list(GenerationMode), with_security_parameters=False, deterministic=True)


def positive_data_acceptance_but_documented_rules(ctx, response, case):
    """positive_data_acceptance, except a 400 the operation documents under x-rules-beyond-schema: one naming only
    fields listed there (rules such as "both quiet-hour ends or neither", stated in the fields' descriptions), or
    one whose error code is listed there (a login code WeChat refuses)."""
    documented = set(case.operation.definition.raw.get(RULES_BEYOND_SCHEMA, []))
    if response.status_code == 400 and documented:
        error = json.loads(response.content)
        # An item's error ("events.17": an event name with a NUL character) is its list's ("events").
        named = {re.sub(r"(\.\d+)+$", "", name) for name in error.get("fields") or {}}
        if (named and named <= documented) or (not named and error.get("code") in documented):
            return True
    return positive_data_acceptance(ctx, response, case)


@pytest.fixture
def bearer_token(login, settings, wechat_sandbox) -> str:
    """A researcher with something in every list, so response bodies are checked item by item: a verified
    account, manuscripts with timelines, status-change notices, quiet hours, subscription templates; and
    ORCID configured, so proving an iD answers as it would in production (no request leaves the process); an
    order to pay and a paid one with a fapiao request, with WeChat Pay at the sandbox."""
    settings.ORCID_CLIENT_ID, settings.ORCID_CLIENT_SECRET = "APP-FUZZTEST0000001", "fuzz-test-secret"
    settings.WECHATPAY_API_BASE = wechat_sandbox.base_url  # paying asks the sandbox's WeChat Pay, as production asks
    body = login("fuzzer")
    researcher = Researcher.objects.get(pk=body["researcher"]["id"])
    system = make_journal_system()
    account = make_account(researcher, system, email="fuzzer@example.org", user_id="7")
    for minutes, status in ((0, "under_review"), (5, "accepted")):
        snapshots_apply(journal_system=system, seen_by=account, snapshots=[
            snapshot(str(number), status=status, minutes=minutes + number, emails=("fuzzer@example.org",))
            for number in (1, 2)])
    NotificationPreference.objects.create(researcher=researcher, quiet_start=time(22), quiet_end=time(8))
    # Orders: one to pay (with a live share link) and one paid with a fapiao asked for, so their bodies are checked.
    order_share_create(order=OrderFactory(researcher=researcher))
    fapiao_request(order=paid_order_of(researcher), requester=researcher, kind="personal", title="Fuzz Tester",
                   tax_id="", email="fuzzer@example.org")
    call_command("loaddata", "subscription_templates", verbosity=0)
    assert Notification.objects.filter(researcher=researcher).exists()
    return body["token"]


@pytest.mark.django_db
@pytest.mark.parametrize("caller", ["researcher", "anonymous"])
@schema.parametrize()
@hypothesis_settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))
def test_api_answers_as_documented(case, caller, bearer_token):
    # Logging out revokes the token the other examples use: fuzz logout with one nobody holds.
    token = "a-token-nobody-holds" if case.path.endswith("/logout") else bearer_token
    headers = {"Authorization": f"Bearer {token}"} if caller == "researcher" else {}
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance],
                           additional_checks=[positive_data_acceptance_but_documented_rules])
