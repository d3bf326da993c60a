"""Migration accounts.0004: Crossref accounts an earlier version verified from a *typed* ORCID iD go back to
pending (nothing was proven), while accounts verified by a mailed code stay verified."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE, AFTER = [("accounts", "0003_platform_base_url")], [("accounts", "0004_orcid_proof_and_email_hint")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    """Going back to accounts 0003 also unapplies every migration that depends on a later accounts one (other
    apps' tables included): put the whole schema back, or the transactional tests after this one find no tables."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_accounts_verified_by_a_typed_orcid_id_go_back_to_pending():
    old_apps = migrate(BEFORE)
    User, Researcher = old_apps.get_model("accounts", "User"), old_apps.get_model("accounts", "Researcher")
    JournalSystem, JournalAccount = (old_apps.get_model("accounts", "JournalSystem"),
                                     old_apps.get_model("accounts", "JournalAccount"))
    researcher = Researcher.objects.create(user=User.objects.create(username="squatter"), display_name="S")
    crossref = JournalSystem.objects.create(key="crossref", name_en="Crossref", platform="crossref",
                                            base_url="https://api.crossref.org")
    ojs = JournalSystem.objects.create(key="ojs", name_en="OJS", platform="ojs", base_url="https://ojs.example.org")
    typed = JournalAccount.objects.create(researcher=researcher, journal_system=crossref, identity_kind="orcid",
                                          identity="0000-0002-1825-0097", platform_user_id="0000-0002-1825-0097",
                                          status="verified", verification_method="orcid_match")
    mailed = JournalAccount.objects.create(researcher=researcher, journal_system=ojs, identity_kind="email",
                                           identity="s@example.org", platform_user_id="7", status="verified",
                                           verification_method="email_code")

    new_apps = migrate(AFTER)

    accounts = new_apps.get_model("accounts", "JournalAccount").objects
    assert accounts.filter(pk=typed.pk, status="pending", verification_method="", verified_at=None).exists()
    assert accounts.filter(pk=mailed.pk, status="verified", verification_method="email_code").exists()
