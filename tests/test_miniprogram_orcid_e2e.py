"""Issue 9, proof of identity, through the Mini Program's real pages over real HTTP
(miniprogram/test/e2e/orcid.e2e.test.js): the researcher chooses Crossref in the link wizard, is sent to the ORCID
page, whose web-view the test drives as WeChat would (our start page sets an HttpOnly cookie, ORCID's authorize
page — the sandbox's stand-in — is approved as Wei Li, our callback says the iD is proven); back in the wizard the
proven iD links Crossref at once (orcid_match), the worker finds the published article, and the researcher sees it
with its public facts only: the editorial timeline a co-author's OJS account brought in is not shown.

Here: the live Django server (a thread of this process, so the settings overrides reach it: ORCID at the sandbox,
PUBLIC_BASE_URL the live server's origin), the session's Celery worker (it reaches Crossref — the sandbox — through
the base URL stored in the database) and the session's sandbox serving WeChat, ORCID, OJS and Crossref. The
co-author's OJS account is seed data, synced in this process by the product's own sync."""

from datetime import date, timedelta

import pytest

from accounts.models import JournalAccount, Researcher
from manuscripts.models import Manuscript, ManuscriptAccess, StatusEvent
from manuscripts.services.polling import account_sync
from sandbox.ojs import STAGE_PRODUCTION as OJS_STAGE_PRODUCTION
from sandbox.ojs import STATUS_PUBLISHED as OJS_STATUS_PUBLISHED
from tests.factories import JournalAccountFactory, ResearcherFactory
from tests.miniprogram_e2e import (
    CONTEXT_PATH,
    crossref_system_with_work,
    ojs_journal_with_submission,
    orcid_at_sandbox,
    run_js_e2e,
)

JS_TEST = "test/e2e/orcid.e2e.test.js"
DEMO_ORCID = "0000-0002-1825-0097"  # Wei Li, a person of the sandbox's ORCID (sandbox/orcid.py)
DEMO_NAME = "Wei Li"
DOI = "10.5555/jas.2026.017"
PUBLISHED_ON = date.today() - timedelta(days=30)
COAUTHOR_EMAIL = "wang.fang@univ.example.org"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]


def coauthor_tracks_the_article_on_ojs(sandbox) -> Manuscript:
    """Co-author Wang Fang's verified OJS account follows the article through review, acceptance and publication
    (three syncs by the product's own sync): the manuscript carries OJS's editorial timeline and, published, the
    DOI that Crossref's record of it has too."""
    author_ids: list[int] = []
    ojs, submission = ojs_journal_with_submission(sandbox, username="wangfang", email=COAUTHOR_EMAIL,
                                                  given_name="Fang", family_name="Wang", author_ids=author_ids)
    account = JournalAccountFactory(researcher=ResearcherFactory(display_name="王芳"), journal_system=ojs,
                                    identity=COAUTHOR_EMAIL, platform_user_id=str(author_ids[0]))
    account_sync(account_id=account.pk)
    sandbox.ojs.move(CONTEXT_PATH, submission, decision="accept")
    account_sync(account_id=account.pk)
    sandbox.ojs.move(CONTEXT_PATH, submission, status=OJS_STATUS_PUBLISHED, stage_id=OJS_STAGE_PRODUCTION, doi=DOI,
                     date_published=PUBLISHED_ON)
    account_sync(account_id=account.pk)
    manuscript = Manuscript.objects.get(journal_system=ojs)
    assert (manuscript.doi, manuscript.canonical_status) == (DOI, "published")
    assert list(manuscript.events.order_by("id").values_list("to_status", flat=True)) == [
        "under_review", "accepted", "published"]
    return manuscript


def test_miniprogram_proves_the_orcid_id_and_links_crossref_with_it(live_server, celery_worker_process,
                                                                     wechat_sandbox, settings):
    sandbox = wechat_sandbox
    orcid_at_sandbox(settings, sandbox=sandbox, live_server=live_server)
    article = coauthor_tracks_the_article_on_ojs(sandbox)
    crossref = crossref_system_with_work(sandbox, doi=DOI, orcid=DEMO_ORCID, published=PUBLISHED_ON)

    run_js_e2e(JS_TEST, live_server=live_server, sandbox=sandbox, system=crossref,
               extra_env={"E2E_ORCID_ID": DEMO_ORCID, "E2E_ORCID_NAME": DEMO_NAME, "E2E_DOI": DOI}, timeout=280)

    # The iD is proven on the researcher the Mini Program signed in as (the one who linked Crossref).
    account = JournalAccount.objects.get(journal_system=crossref)
    researcher = Researcher.objects.get(pk=account.researcher_id)
    assert (researcher.orcid, researcher.orcid_verified) == (DEMO_ORCID, True)
    assert (account.identity, account.status, account.verification_method) == (DEMO_ORCID, "verified", "orcid_match")
    # ORCID was asked once, by our callback, for the code its authorize page issued to the redirect URI we gave.
    [token_request] = sandbox.orcid.token_requests()
    assert (token_request["grant_type"], token_request["client_id"], token_request["redirect_uri"]) == (
        "authorization_code", sandbox.orcid.client_id, f"{live_server.url}/orcid/callback")
    # Crossref's record of the DOI reached the co-author's manuscript: now published, and seen by the researcher
    # through the Crossref account only. The OJS timeline is still there (the co-author sees it); the researcher
    # was shown none of it (the JS test checked the pages).
    article.refresh_from_db()
    assert article.canonical_status == "published"
    assert list(ManuscriptAccess.objects.filter(manuscript=article, journal_account__researcher=researcher)
                .values_list("journal_account__journal_system__platform", flat=True)) == ["crossref"]
    assert StatusEvent.objects.filter(manuscript=article).count() == 3  # OJS's, nothing added by Crossref
    assert Manuscript.objects.count() == 1
