"""The OpenAPI schema is complete and warning-free, and fuzzing the documented API finds no server error."""

import json
from urllib.parse import urlencode

import pytest
import schemathesis
import yaml
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.core import NotSet

# The same document /api/schema/ serves, generated in-process; requests go through Django's test client
# so each example runs inside the test's transaction.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))


def test_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--file", str(target), "--validate", "--fail-on-warn")

    document = yaml.safe_load(target.read_text())
    assert document["openapi"].startswith("3.")
    assert {"/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/me"} <= set(document["paths"])


def test_every_operation_documents_its_error_envelope(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    document = yaml.safe_load(target.read_text())

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            error_statuses = [status for status in operation["responses"] if status.startswith(("4", "5"))]
            assert error_statuses, f"{method.upper()} {path} documents no error response"
            for status in error_statuses:
                content = operation["responses"][status]["content"]["application/json"]["schema"]
                assert content == {"$ref": "#/components/schemas/Error"}


@pytest.fixture
def bearer_token(login) -> str:
    return login("fuzzer")["token"]


@pytest.mark.django_db
@schema.include(path_regex=r"^/api/v1/(auth/login|auth/logout|me|journal-systems|journal-accounts.*|manuscripts.*)$").parametrize()
@hypothesis_settings(max_examples=20, derandomize=True, deadline=None,
                     suppress_health_check=list(HealthCheck))
def test_fuzzed_requests_never_cause_a_server_error(case, wechat_sandbox, bearer_token, api_client):
    # Logging out would revoke the token the other examples use; fuzz logout with a throwaway token.
    token = "a-token-nobody-holds" if case.path.endswith("logout") else bearer_token
    if isinstance(case.body, NotSet):
        body = ""
    elif isinstance(case.body, bytes | str):
        body = case.body
    else:
        body = json.dumps(case.body)
    response = api_client.generic(case.method, case.formatted_path, data=body,
                                  content_type=(case.media_type or "application/json"),
                                  QUERY_STRING=urlencode(case.query or {}, doseq=True),
                                  HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code < 500, (case.method, case.formatted_path, case.body, response.content)
    assert response["Content-Type"] == "application/json" or response.status_code == 204
