"""Demo data for `python -m sandbox --demo` (what `make run` starts): two OJS journals whose manager
token matches deploy/journals.sandbox.yaml, and authors with manuscripts in several states.

Try it: link the account `li.wei@example.org` on "Demo Press OJS" in the Mini Program or the API docs,
read the code at http://127.0.0.1:8025/__sandbox__/mail, and watch the manuscripts appear. Li Wei's ORCID iD
`0000-0002-1825-0097` is also a person of the ORCID stand-in (sandbox/orcid.py): prove it there
(`POST /api/v1/me/orcid`, open the authorize URL, choose Wei Li), then link "Crossref" with it to see the
published article below.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.server import SandboxServer

MANAGER_TOKEN = "sandbox-manager-token"  # the token deploy/journals.sandbox.yaml configures

DEMO_AUTHORS = [
    # (username, e-mail, given name, family name, ORCID iD)
    ("liwei", "li.wei@example.org", "Wei", "Li", "0000-0002-1825-0097"),
    ("wangfang", "wang.fang@example.org", "Fang", "Wang", ""),
]


def seed_demo(server: SandboxServer) -> None:
    ojs = server.ojs
    for path in ("jas", "jes"):
        ojs.add_site(path, manager_token=MANAGER_TOKEN, locales=("en", "zh_CN"))
    li, wang = (ojs.add_user("jas", username=username, email=email, given_name=given, family_name=family,
                             orcid=orcid)
                for username, email, given, family, orcid in DEMO_AUTHORS)
    for username, email, given, family, orcid in DEMO_AUTHORS:
        ojs.add_user("jes", username=username, email=email, given_name=given, family_name=family, orcid=orcid)
    ojs.add_submission("jas", title={"en": "Soil Microbiome Shifts Under Drought", "zh_CN": "干旱下土壤微生物组的变化"},
                       authors=[li, wang], stage_id=3, review_round_status=7)
    ojs.add_submission("jas", title={"en": "Rice Root Exudates and Nitrogen Uptake"}, authors=[li], stage_id=3,
                       review_round_status=1)
    # Accepted (in copyediting): linking Li Wei's account brings its APC order (2,500.00 yuan) to pay.
    ojs.add_submission("jas", title={"en": "Drought-Tolerant Maize Hybrids", "zh_CN": "耐旱玉米杂交种"},
                       authors=[li, wang], stage_id=4)
    ojs.add_submission("jes", title={"en": "Urban Heat Islands in the Yangtze Delta"}, authors=[li],
                       stage_id=1, editor_assigned=True)
    ojs.add_submission("jes", title={"en": "Wetland Carbon Budgets"}, authors=[wang], stage_id=5, status=3,
                       doi="10.5555/jes.2026.001")

    # A ScholarOne journal (publisher web services; the sandbox's default API user and key).
    scholarone = server.scholarone
    scholarone.add_site("jms", journal_name="Journal of Marine Science")
    li_s1 = scholarone.add_person("jms", email="li.wei@example.org", first_name="Wei", last_name="Li",
                                  orcid="0000-0002-1825-0097")
    scholarone.add_submission("jms", title="Coastal Upwelling and Plankton Blooms", authors=[li_s1],
                              status="Awaiting Reviewer Scores")
    # A revision the journal waits for, due in ten days: the home page's "action required" section and, a week
    # before the date, the due-date reminder.
    revise = scholarone.add_submission("jms", title="Tidal Mixing and Coral Bleaching", authors=[li_s1])
    scholarone.move("jms", revise, decision="Major Revision",
                    revision_due=(scholarone.now() + timedelta(days=10)).date())

    # Crossref: Li Wei's article published earlier in the Journal of Applied Science (ISSN 1234-5678).
    server.crossref.add_work("10.5555/jas.2025.042", "Drought Legacy Effects on Soil Fungi", "1234-5678",
                             authors=[{"given": "Wei", "family": "Li", "ORCID": "0000-0002-1825-0097"}],
                             published="2025-06-18", container_title="Journal of Applied Science")

    # The publisher's Official Account: both authors follow it (as WeChat users of the same names).
    # `python manage.py oa_followers_sync` brings them into admin; POST /__sandbox__/wechat-oa/follow {"user"}
    # makes another follow and sends the subscribe event to the callback.
    server.wechat_oa.add_followers([username for username, *_ in DEMO_AUTHORS])
