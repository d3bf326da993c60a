"""The OpenAPI schema is complete and warning-free, and the API answers the edge cases a schema-driven fuzzer
found as the schema documents them (tests/test_schemathesis.py fuzzes every operation)."""

import os
import subprocess
import sys

import pytest
import yaml
from django.core.management import call_command
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from manuscripts.serializers import ManuscriptFilterSerializer
from publisher_backend.schema import RULES_BEYOND_SCHEMA
from tests.conftest import REPO_ROOT


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


def _document() -> dict:
    with translation.override("en"):
        return SchemaGenerator().get_schema(request=None, public=True)


# --- ids, pages and page sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["account", "journal"])
def test_filter_ids_beyond_64_bits_are_a_field_error_not_a_query(name):
    # SQLite cannot bind such a number (OverflowError, a 500 under `make run`); no id is that large anyway.
    assert ManuscriptFilterSerializer(data={name: str(2**63 - 1)}).is_valid()
    filters = ManuscriptFilterSerializer(data={name: str(2**63)})

    assert not filters.is_valid()
    assert list(filters.errors) == [name]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["account=9223372036854775808", "journal=99999999999999999999999"])
def test_manuscript_filters_beyond_64_bits_answer_400(researcher_client, query):
    client, _body = researcher_client

    response = client.get(f"/api/v1/manuscripts?{query}")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [query.split("=")[0]]


# Runs in a process of its own on the embedded SQLite database `make run` uses (the suite's is PostgreSQL).
_SQLITE_FILTERS = """
import sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from rest_framework.test import APIClient
from tests.manuscripts.factories import make_researcher
client = APIClient(raise_request_exception=False)
client.force_authenticate(user=make_researcher().user)
print([client.get("/api/v1/manuscripts?" + query).status_code for query in sys.argv[1:]])
"""


def test_filter_ids_beyond_64_bits_are_400_on_sqlite_too(tmp_path):
    queries = ["account=9223372036854775808", "journal=9223372036854775808", "account=9223372036854775807"]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "DJANGO_ALLOWED_HOSTS": "testserver"}

    result = subprocess.run([sys.executable, "-c", _SQLITE_FILTERS, *queries], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[400, 400, 200]", result.stderr[-3000:]


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "field"), [
    ("page=0", "page"), ("page=-1", "page"), ("page=last", "page"), ("page=1.5", "page"),
    ("page_size=0", "page_size"), ("page_size=101", "page_size"), ("page_size=null", "page_size"),
    ("status=", "status"), ("account=", "account"),
])
def test_bad_list_parameters_are_400_naming_the_parameter(researcher_client, query, field):
    client, _body = researcher_client

    response = client.get(f"/api/v1/manuscripts?{query}")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


@pytest.mark.django_db
def test_a_page_after_the_last_is_404_and_every_list_documents_400_and_404(researcher_client):
    client, _body = researcher_client

    assert client.get("/api/v1/notifications?page=2&page_size=100").status_code == 404
    lists = {path: operation for path, operations in _document()["paths"].items()
             for method, operation in operations.items()
             if method == "get" and any(p["name"] == "page" for p in operation.get("parameters", []))}
    assert "/api/v1/manuscripts" in lists and "/api/v1/notifications" in lists
    for path, operation in lists.items():
        assert {"400", "404"} <= set(operation["responses"]), path
        page = next(p for p in operation["parameters"] if p["name"] == "page")
        size = next(p for p in operation["parameters"] if p["name"] == "page_size")
        assert page["schema"]["minimum"] == 1 and (size["schema"]["minimum"], size["schema"]["maximum"]) == (1, 100)


# --- quiet hours ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_quiet_hours_are_beijing_clock_times_and_an_offset_is_refused(researcher_client):
    client, _body = researcher_client
    url = "/api/v1/notifications/preferences"

    saved = client.patch(url, {"quiet_start": "22:00", "quiet_end": "08:00:00"}, format="json")
    shifted = client.patch(url, {"quiet_start": "22:00+05:00", "quiet_end": "08:00Z"}, format="json")

    assert saved.status_code == 200
    assert (saved.json()["quiet_start"], saved.json()["quiet_end"]) == ("22:00", "08:00")
    assert shifted.status_code == 400
    assert set(shifted.json()["fields"]) == {"quiet_start", "quiet_end"}
    assert client.get(url).json()["quiet_start"] == "22:00"  # nothing silently dropped and stored


def test_the_schema_states_the_quiet_hours_format_and_their_pair_rule():
    document = _document()
    fields = document["components"]["schemas"]["PatchedPreferenceRequest"]["properties"]
    patch = document["paths"]["/api/v1/notifications/preferences"]["patch"]

    for name in ("quiet_start", "quiet_end"):
        assert "format" not in fields[name]  # not OpenAPI's "time", which requires an offset
        assert fields[name]["pattern"] == "^([01][0-9]|2[0-3]):([0-5][0-9])(:00)?$"
    assert "both or neither" in fields["quiet_end"]["description"]
    assert patch[RULES_BEYOND_SCHEMA] == ["quiet_end"]
    assert "400" in patch["responses"]


# --- what the schema says about ORCID iDs ---------------------------------------------------------------------


def test_the_schema_states_the_orcid_check_digit_rule():
    document = _document()
    orcid = document["components"]["schemas"]["PatchedResearcherRequest"]["properties"]["orcid"]
    first = orcid["oneOf"][0]  # the other: "" clears the iD

    assert first["format"] == "orcid" and first["pattern"].startswith("^")
    assert "check digit" in orcid["description"]
    assert document["paths"]["/api/v1/me"]["patch"][RULES_BEYOND_SCHEMA] == ["orcid"]


# --- JSON types as the schema states them ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "body", "field"), [
    ("patch", "/api/v1/me", {"institution": 0}, "institution"),
    ("patch", "/api/v1/me", {"orcid": 1234}, "orcid"),
    ("post", "/api/v1/journal-accounts", {"journal_system": "1", "identity": "a@example.org"}, "journal_system"),
    ("post", "/api/v1/journal-accounts", {"journal_system": 1, "identity": 7}, "identity"),
    ("post", "/api/v1/notifications/subscriptions", {"tmpl": {}}, "tmpl"),
])
def test_a_value_of_the_wrong_json_type_is_a_field_error(researcher_client, method, path, body, field):
    client, _body = researcher_client

    response = getattr(client, method)(path, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.django_db
def test_a_login_code_must_be_a_string(api_client):
    response = api_client.post("/api/v1/auth/login", {"code": 0}, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["code"]
