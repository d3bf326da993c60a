"""Sharing, through the Mini Program's real manuscript, share and poster pages over real HTTP
(miniprogram/test/e2e/share.e2e.test.js): the author shares an accepted manuscript (nothing is shared before the
confirmation); a visitor's phone that never used the app opens the share by id and by the poster code's scene without
a token or a login; the open is counted once; the poster downloads as a PNG whose code WeChat made for the share's
scene; the visitor follows the journal, logging in on that tap.

Here: the live Django server (a thread of this process) and the session's sandbox serving WeChat (login and
wxacode.getUnlimited, with the Mini Program's released pages read from app.json, the share page among them)."""

import pytest
from django.conf import settings

from accounts.models import Researcher
from sharing.models import Share, ShareOpen, SharePoster
from tagging.models import JournalFollow
from tests.conftest import wechat_code
from tests.miniprogram_e2e import USER, run_js_e2e
from tests.sharing.conftest import authored_manuscript

JS_TEST = "test/e2e/share.e2e.test.js"
VISITOR = "bob"
TITLE_ZH = "干旱胁迫下土壤微生物组的变化"
JOURNAL_ZH = "应用科学学报"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_miniprogram_shares_an_accepted_manuscript_and_a_visitor_opens_it_without_a_token(live_server, api_client,
                                                                                         wechat_sandbox):
    login = api_client.post("/api/v1/auth/login", {"code": wechat_code(USER)}, format="json").json()
    author = Researcher.objects.get(pk=login["researcher"]["id"])
    Researcher.objects.filter(pk=author.pk).update(display_name="李伟")
    manuscript = authored_manuscript(author, status="accepted", title="Soil Microbiome Shifts Under Drought",
                                     titles={"en": "Soil Microbiome Shifts Under Drought", "zh-hans": TITLE_ZH})
    manuscript.journal.name_zh_hans = JOURNAL_ZH
    manuscript.journal.save(update_fields=["name_zh_hans"])
    assert settings.SHARE_MINIPROGRAM_PAGE in wechat_sandbox.wechat.pages  # released with app.json

    run_js_e2e(JS_TEST, live_server=live_server, sandbox=wechat_sandbox, system=None,
               extra_env={"E2E_VISITOR_LOGIN_CODE": wechat_code(VISITOR), "E2E_MANUSCRIPT_ID": str(manuscript.pk),
                          "E2E_EXPECT_TITLE": TITLE_ZH, "E2E_JOURNAL_NAME": JOURNAL_ZH})

    # One share, made by the author's confirmation, co-authors hidden (the default).
    share = Share.objects.get()
    assert (share.researcher_id, share.manuscript_id, share.show_coauthors) == (author.pk, manuscript.pk, False)
    # The visitor opened it by id and by scene in one run: counted once, and the author sees it.
    assert ShareOpen.objects.filter(share=share).count() == 1
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login['token']}")
    listed = api_client.get(f"/api/v1/manuscripts/{manuscript.pk}/shares").json()["results"]
    assert [(item["id"], item["open_count"]) for item in listed] == [(share.pk, 1)]
    # The poster's code was made by WeChat for the share page and the share's scene.
    assert SharePoster.objects.filter(share=share).exists()
    assert wechat_sandbox.wechat.call_count("/wxa/getwxacodeunlimit") == 1
    # The visitor logged in on the follow tap (their first login), and follows the shared journal.
    visitor = Researcher.objects.exclude(pk=author.pk).get()
    assert list(JournalFollow.objects.filter(researcher=visitor).values_list("journal_id", flat=True)) == [
        manuscript.journal_id]
