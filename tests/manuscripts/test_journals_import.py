"""journals_import: journal systems as configuration, idempotent, with errors that name the line."""

import textwrap
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Journal, JournalSystem

pytestmark = pytest.mark.django_db

GOOD = """\
journal_systems:
  - key: demo-ojs
    name: {en: Demo OJS, zh-hans: 演示 OJS}
    platform: ojs
    base_url: https://journals.example.org
    credentials: {token: "${DEMO_OJS_TOKEN}"}
    rate_limit_per_minute: 120
    extra_key_for_ops: allowed
    journals:
      - key: jas
        platform_path: jas
        name: {en: Journal of Applied Science, zh-hans: 应用科学学报}
        issn: 1234-5678
        charges: [{kind: apc, amount_fen: 250000, name: {en: Article processing charge, zh-hans: 文章处理费}}]
"""


def write(tmp_path, text: str):
    path = tmp_path / "journals.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def run(path) -> str:
    out = StringIO()
    call_command("journals_import", str(path), stdout=out)
    return out.getvalue()


def test_import_creates_systems_and_journals_with_secrets_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_OJS_TOKEN", "s3cret-token")

    output = run(write(tmp_path, GOOD))

    system = JournalSystem.objects.get(key="demo-ojs")
    assert system.credentials == {"token": "s3cret-token"}
    assert system.name_zh_hans == "演示 OJS"
    assert system.rate_limit_per_minute == 120
    journal = Journal.objects.get(journal_system=system, key="jas")
    assert journal.charges == [{"kind": "apc", "amount_fen": 250000,
                                "name": {"en": "Article processing charge", "zh-hans": "文章处理费"}}]
    assert "1 created, 0 updated; journals: 1 created" in output


def test_reimport_updates_by_key_and_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("DEMO_OJS_TOKEN", "first")
    path = write(tmp_path, GOOD)
    run(path)
    monkeypatch.setenv("DEMO_OJS_TOKEN", "rotated")

    output = run(path)

    assert JournalSystem.objects.count() == 1 and Journal.objects.count() == 1
    assert JournalSystem.objects.get().credentials == {"token": "rotated"}
    assert "0 created, 1 updated" in output


@pytest.mark.parametrize(("broken", "message"), [
    (GOOD.replace("platform: ojs", "platform: wordpress"), "line 2: unknown platform 'wordpress'"),
    (GOOD.replace("    base_url: https://journals.example.org\n", ""), "line 2: journal system 'demo-ojs' is missing"
                                                                        " 'base_url'"),
    (GOOD.replace("amount_fen: 250000", "amount_fen: 2500.50"), "line 14: charge 'amount_fen' must be a whole number"),
    (GOOD.replace("issn: 1234-5678", "issn: 12345678"), "line 10: issn '12345678' is not like 1234-5678"),
    (GOOD.replace("        name: {en: Journal", "        title: {en: Journal"), "line 10: journal 'jas' is missing "
                                                                                "'name'"),
])
def test_bad_files_fail_naming_the_line_and_change_nothing(tmp_path, monkeypatch, broken, message):
    monkeypatch.setenv("DEMO_OJS_TOKEN", "x")

    with pytest.raises(CommandError, match=message):
        run(write(tmp_path, broken))

    assert JournalSystem.objects.count() == 0


def test_unset_environment_variable_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("DEMO_OJS_TOKEN", raising=False)

    with pytest.raises(CommandError, match="line 6: environment variable DEMO_OJS_TOKEN is not set"):
        run(write(tmp_path, GOOD))


def test_the_sandbox_sample_file_imports(monkeypatch):
    monkeypatch.setenv("SANDBOX_URL", "http://127.0.0.1:8025")

    run("deploy/journals.sandbox.yaml")

    assert set(Journal.objects.values_list("key", flat=True)) >= {"jas", "jes", "jms"}


def test_credentials_are_encrypted_at_rest(tmp_path, monkeypatch):
    from django.db import connection

    monkeypatch.setenv("DEMO_OJS_TOKEN", "s3cret-token")
    run(write(tmp_path, GOOD))

    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM accounts_journalsystem")
        raw_value = cursor.fetchone()[0]
    assert "s3cret" not in raw_value
    assert raw_value.startswith("gAAAAA")


def test_export_platforms_take_a_folder_as_base_url(tmp_path):
    path = write(tmp_path, """\
    journal_systems:
      - key: press-em
        name: Press Editorial Manager
        platform: editorial_manager
        base_url: file:///srv/exports/em
        journals: [{key: jes, platform_path: JES, name: Journal of Environmental Studies}]
    """)

    run(path)

    assert JournalSystem.objects.get().base_url == "file:///srv/exports/em"


def test_relative_folder_is_an_error(tmp_path):
    path = write(tmp_path, """\
    journal_systems:
      - {key: em, name: EM, platform: editorial_manager, base_url: "file://exports"}
    """)

    with pytest.raises(CommandError, match="line 2: journal system 'em': base_url: "):
        run(path)


def test_crossref_needs_a_contact_address(tmp_path):
    path = write(tmp_path, """\
    journal_systems:
      - {key: cr, name: Crossref, platform: crossref, base_url: "https://api.crossref.org"}
    """)

    with pytest.raises(CommandError, match="line 2: journal system 'cr': credentials: "):
        run(path)
    assert not JournalSystem.objects.exists()


def test_crossref_defaults_to_the_polite_pools_rate(tmp_path):
    run(write(tmp_path, """\
    journal_systems:
      - {key: cr, name: Crossref, platform: crossref, base_url: "https://api.crossref.org",
         credentials: {mailto: ops@example.org}}
    """))

    assert JournalSystem.objects.get(key="cr").rate_limit_per_minute == 180


@pytest.mark.parametrize(("base_url", "code_words"), [
    ("http://169.254.169.254/latest/meta-data", "169.254.169.254"),
    ("https://10.0.0.5", "10.0.0.5"),
    ("http://93.184.216.34", "https"),
    ("file:///srv/exports", "file:///"),
])
def test_base_urls_that_may_not_be_called_are_refused_naming_the_line(tmp_path, settings, base_url, code_words):
    settings.PLATFORM_ALLOW_PRIVATE_URLS = False
    path = write(tmp_path, f"""\
    journal_systems:
      - {{key: bad, name: Bad, platform: ojs, base_url: "{base_url}"}}
    """)

    with pytest.raises(CommandError, match=r"line 2: journal system 'bad': base_url: ") as refused:
        run(path)
    assert code_words in str(refused.value)
    assert not JournalSystem.objects.exists()
