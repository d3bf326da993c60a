"""The editorial dashboard on the admin index: each figure's selector on known data (exact numbers, one
query, cached), per-journal staff scoping, and the page for superusers, journal staff and non-staff."""

from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from editorial import selectors
from editorial.models import JournalStaff
from manuscripts.models import StatusEvent
from notifications.models import Notification, NotificationTemplate
from payments.models import Order
from tests.editorial.conftest import conversation_at
from tests.factories import (
    JournalAccountFactory,
    JournalFactory,
    JournalSystemFactory,
    ManuscriptFactory,
    NotificationFactory,
    OrderFactory,
    ResearcherFactory,
)

pytestmark = pytest.mark.django_db

FIGURES = ("researchers_by_week:12", "linked_accounts", "notifications:30", "manuscripts_by_status", "median_days",
           "revenue", "conversations:30")


@pytest.fixture(autouse=True)
def _forget_figures():
    keys = [selectors.dashboard_cache_key(figure) for figure in FIGURES]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


@pytest.fixture
def journals():
    system = JournalSystemFactory(platform="ojs")
    return (JournalFactory(journal_system=system, key="alpha", name_en="Alpha Letters", name_zh_hans="阿尔法快报"),
            JournalFactory(journal_system=system, key="beta", name_en="Beta Reviews", name_zh_hans="贝塔评论"))


def _one_query(function, **kwargs):
    with CaptureQueriesContext(connection) as queries:
        found = function(**kwargs)
    return found, len(queries)


def test_journals_for_staff(django_user_model, journals):
    alpha, beta = journals
    superuser = django_user_model.objects.create_user("boss", is_staff=True, is_superuser=True)
    editor = django_user_model.objects.create_user("editor", is_staff=True)
    JournalStaff.objects.create(user=editor, journal=alpha)
    outsider = django_user_model.objects.create_user("outsider", is_staff=False)
    JournalStaff.objects.create(user=outsider, journal=beta)
    assert set(selectors.journals_for_staff(superuser)) == {alpha, beta}
    assert list(selectors.journals_for_staff(editor)) == [alpha]
    assert list(selectors.journals_for_staff(outsider)) == []


def test_researchers_by_week_counts_new_and_active_per_iso_week():
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    zone = timezone.get_current_timezone()

    def at(day, hour=10):
        return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour), zone)

    ResearcherFactory(created_at=at(monday), last_seen_at=at(monday))
    ResearcherFactory(created_at=at(monday - timedelta(weeks=1), 0), last_seen_at=at(monday, 1))
    ResearcherFactory(created_at=at(monday - timedelta(weeks=1) + timedelta(days=6), 23), last_seen_at=None)
    ResearcherFactory(created_at=at(monday - timedelta(weeks=20)), last_seen_at=at(monday - timedelta(weeks=11)))
    ResearcherFactory(created_at=at(monday - timedelta(weeks=20)), last_seen_at=at(monday - timedelta(weeks=12)))

    rows, queries = _one_query(selectors.researchers_by_week)
    assert queries == 1
    assert len(rows) == 12
    assert rows[-1] == {"week": "{}-W{:02d}".format(*monday.isocalendar()[:2]), "starts_on": monday.isoformat(),
                        "new": 1, "active": 2}
    assert (rows[-2]["new"], rows[-2]["active"]) == (2, 0)
    assert (rows[0]["new"], rows[0]["active"]) == (0, 1)  # eleven weeks back; twelve back is outside
    assert sum(row["new"] for row in rows) == 3 and sum(row["active"] for row in rows) == 3


def test_linked_accounts_by_platform_counts_verified_accounts_and_researchers():
    ojs, scholarone = JournalSystemFactory(platform="ojs"), JournalSystemFactory(platform="scholarone")
    other_ojs = JournalSystemFactory(platform="ojs")
    researcher = ResearcherFactory()
    JournalAccountFactory(researcher=researcher, journal_system=ojs)
    JournalAccountFactory(researcher=researcher, journal_system=other_ojs)
    JournalAccountFactory(journal_system=ojs)
    JournalAccountFactory(journal_system=scholarone)
    JournalAccountFactory(journal_system=scholarone, status="pending")

    rows, queries = _one_query(selectors.linked_accounts_by_platform)
    assert queries == 1
    assert rows == [{"platform": "ojs", "accounts": 3, "researchers": 2},
                    {"platform": "scholarone", "accounts": 1, "researchers": 1}]


def test_manuscripts_by_status_per_journal(journals):
    alpha, beta = journals
    for status in ("submitted", "submitted", "under_review", "published"):
        ManuscriptFactory(journal_system=alpha.journal_system, journal=alpha, canonical_status=status)
    ManuscriptFactory(journal_system=beta.journal_system, journal=beta, canonical_status="accepted")

    rows, queries = _one_query(selectors.manuscripts_by_status, journal_ids={alpha.pk, beta.pk})
    assert queries == 1
    assert rows == [{"journal_id": alpha.pk, "status": "published", "manuscripts": 1},
                    {"journal_id": alpha.pk, "status": "submitted", "manuscripts": 2},
                    {"journal_id": alpha.pk, "status": "under_review", "manuscripts": 1},
                    {"journal_id": beta.pk, "status": "accepted", "manuscripts": 1}]
    # Scoped: the cached figure for every journal, only beta's rows for beta's staff (no new query).
    rows, queries = _one_query(selectors.manuscripts_by_status, journal_ids={beta.pk})
    assert queries == 0
    assert rows == [{"journal_id": beta.pk, "status": "accepted", "manuscripts": 1}]


def test_median_days_in_status_from_timelines(journals):
    alpha, beta = journals
    start = timezone.now() - timedelta(days=100)

    def timeline(journal, *steps):
        manuscript = ManuscriptFactory(journal_system=journal.journal_system, journal=journal)
        previous, when = "", start
        for status, days_after in steps:
            when = when + timedelta(days=days_after)
            StatusEvent.objects.create(manuscript=manuscript, from_status=previous, to_status=status,
                                       occurred_at=when)
            previous = status

    # Alpha: submitted stays of 2, 4 and 9 days (median 4); under review 10 and 20 (median 15); the last
    # status of each manuscript is still open and not counted.
    timeline(alpha, ("submitted", 0), ("under_review", 2), ("accepted", 10))
    timeline(alpha, ("submitted", 0), ("under_review", 4), ("rejected", 20))
    timeline(alpha, ("submitted", 0), ("with_editor", 9))
    timeline(beta, ("submitted", 0), ("under_review", 1.5))

    rows, queries = _one_query(selectors.median_days_in_status, journal_ids={alpha.pk, beta.pk})
    assert queries == 1
    assert rows == [{"journal_id": alpha.pk, "status": "submitted", "median_days": 4.0, "stays": 3},
                    {"journal_id": alpha.pk, "status": "under_review", "median_days": 15.0, "stays": 2},
                    {"journal_id": beta.pk, "status": "submitted", "median_days": 1.5, "stays": 1}]


def test_notifications_by_template_counts_settled_states():
    NotificationTemplate.objects.create(kind="status_changed", template_id="tpl-status")
    NotificationTemplate.objects.create(kind="payment_due", template_id="tpl-due")
    now = timezone.now()
    for state, count in (("sent", 3), ("no_credit", 2), ("failed", 1)):
        for _ in range(count):
            NotificationFactory(template_id="tpl-status", state=state, settled_at=now)
    NotificationFactory(template_id="tpl-status", state="sent", settled_at=now - timedelta(days=31))
    assert Notification.objects.count() == 7

    rows = {row["template_id"]: row for row in selectors.notifications_by_template()}
    assert (rows["tpl-status"]["sent"], rows["tpl-status"]["no_credit"], rows["tpl-status"]["failed"]) == (3, 2, 1)
    assert (rows["tpl-due"]["sent"], rows["tpl-due"]["no_credit"], rows["tpl-due"]["failed"]) == (0, 0, 0)


def test_revenue_and_open_orders_per_journal(journals):
    alpha, beta = journals
    now = timezone.now()
    paid = OrderFactory(journal=alpha, amount_fen=250000)
    refunded = OrderFactory(journal=alpha, amount_fen=100000)
    waived = OrderFactory(journal=alpha, amount_fen=50000)
    OrderFactory(journal=alpha, amount_fen=30000)
    OrderFactory(journal=beta, amount_fen=12345)
    Order.objects.filter(pk=paid.pk).update(status="paid", settled_by="wechat_pay", paid_at=now)
    Order.objects.filter(pk=refunded.pk).update(status="partially_refunded", settled_by="wechat_pay", paid_at=now,
                                                refunded_fen=40000)
    Order.objects.filter(pk=waived.pk).update(status="paid", settled_by="waived", paid_at=now)

    rows, queries = _one_query(selectors.revenue_by_journal, journal_ids={alpha.pk, beta.pk})
    assert queries == 1
    assert rows == [{"journal_id": alpha.pk, "paid_orders": 2, "paid_fen": 350000, "refunded_fen": 40000,
                     "open_orders": 1, "open_fen": 30000},
                    {"journal_id": beta.pk, "paid_orders": 0, "paid_fen": 0, "refunded_fen": 0,
                     "open_orders": 1, "open_fen": 12345}]


def test_figures_are_cached(journals, settings):
    alpha, _beta = journals
    ManuscriptFactory(journal_system=alpha.journal_system, journal=alpha, canonical_status="submitted")
    assert selectors.manuscripts_by_status(journal_ids={alpha.pk})[0]["manuscripts"] == 1
    ManuscriptFactory(journal_system=alpha.journal_system, journal=alpha, canonical_status="submitted")
    rows, queries = _one_query(selectors.manuscripts_by_status, journal_ids={alpha.pk})
    assert (rows[0]["manuscripts"], queries) == (1, 0)  # kept until the cache expires
    cache.delete(selectors.dashboard_cache_key("manuscripts_by_status"))
    assert selectors.manuscripts_by_status(journal_ids={alpha.pk})[0]["manuscripts"] == 2


def test_conversation_figures_count_waiting_and_the_median_first_response_per_journal(journals):
    alpha, beta = journals
    # Alpha: first answers after 2, 4 and 9 hours in the last 30 days (median 4), one answered 40 days ago (left
    # out of the median), two waiting now and one closed. Beta: one answered after 1.5 hours. Gamma: nothing.
    for hours in (2, 4, 9):
        conversation_at(ResearcherFactory(), alpha, started_hours_ago=48, answered_after_hours=hours)
    conversation_at(ResearcherFactory(), alpha, started_hours_ago=40 * 24, answered_after_hours=1)
    conversation_at(ResearcherFactory(), alpha, started_hours_ago=5)
    conversation_at(ResearcherFactory(), alpha, started_hours_ago=1)
    conversation_at(ResearcherFactory(), alpha, started_hours_ago=1, state="closed")
    conversation_at(ResearcherFactory(), beta, started_hours_ago=10, answered_after_hours=1.5)
    gamma = JournalFactory(journal_system=alpha.journal_system, key="gamma")

    rows, queries = _one_query(selectors.conversation_figures, journal_ids={alpha.pk, beta.pk, gamma.pk})

    assert queries == 1
    assert rows == [{"journal_id": alpha.pk, "waiting": 2, "answered": 3, "median_first_response_hours": 4.0},
                    {"journal_id": beta.pk, "waiting": 0, "answered": 1, "median_first_response_hours": 1.5},
                    {"journal_id": gamma.pk, "waiting": 0, "answered": 0, "median_first_response_hours": None}]
    # Cached like the other figures, and scoped per viewer from the one cached copy.
    conversation_at(ResearcherFactory(), beta, started_hours_ago=1)
    rows, queries = _one_query(selectors.conversation_figures, journal_ids={beta.pk})
    assert queries == 0
    assert rows == [{"journal_id": beta.pk, "waiting": 0, "answered": 1, "median_first_response_hours": 1.5}]


def test_conversation_medians_are_none_where_the_database_cannot_compute_them(journals, monkeypatch):
    alpha, _beta = journals
    conversation_at(ResearcherFactory(), alpha, started_hours_ago=10, answered_after_hours=2)
    conversation_at(ResearcherFactory(), alpha, started_hours_ago=1)
    monkeypatch.setattr(connection, "vendor", "sqlite")

    rows = selectors.conversation_response_figures(journal_ids={alpha.pk})

    assert rows == [{"journal_id": alpha.pk, "waiting": 1, "answered": 1, "median_first_response_hours": None}]


# --- The page --------------------------------------------------------------------------------------------------


@pytest.fixture
def known_data(journals):
    alpha, beta = journals
    ManuscriptFactory(journal_system=alpha.journal_system, journal=alpha, canonical_status="published")
    ManuscriptFactory(journal_system=beta.journal_system, journal=beta, canonical_status="under_review")
    order = OrderFactory(journal=alpha, amount_fen=250000)
    Order.objects.filter(pk=order.pk).update(status="paid", settled_by="wechat_pay", paid_at=timezone.now())
    OrderFactory(journal=beta, amount_fen=12345)
    conversation_at(ResearcherFactory(), alpha, started_hours_ago=10, answered_after_hours=3)
    conversation_at(ResearcherFactory(), alpha, started_hours_ago=1)
    return alpha, beta


def test_superuser_sees_every_journal(client, django_user_model, known_data):
    boss = django_user_model.objects.create_user("boss", password="a-long-boss-password", is_staff=True,
                                                 is_superuser=True)
    client.force_login(boss)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="editorial-dashboard"' in html and 'id="editorial-dashboard-charts"' in html
    assert "Alpha Letters" in html and "Beta Reviews" in html
    assert "¥2,500.00" in html and "¥123.45" in html
    assert "tagging/vendor/chart.umd.min.js" in html
    assert 'id="content-main"' in html  # the app list is still there
    conversations = html[html.index('id="dashboard-conversations"'):]
    assert "not available yet" not in conversations
    assert "<tr><td>Alpha Letters</td><td class=\"number\">1</td><td class=\"number\">1</td>" \
           "<td class=\"number\">3.0</td></tr>" in conversations
    assert "<tr><td>Beta Reviews</td><td class=\"number\">0</td><td class=\"number\">0</td>" \
           "<td class=\"number\">—</td></tr>" in conversations
    assert 'id="dashboard-medians-table"' in html  # PostgreSQL computes the medians


def test_journal_staff_see_only_their_journals(client, django_user_model, known_data):
    alpha, _beta = known_data
    editor = django_user_model.objects.create_user("editor", password="a-long-editor-password", is_staff=True)
    JournalStaff.objects.create(user=editor, journal=alpha)
    client.force_login(editor)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    html = page.content.decode()
    assert "阿尔法快报" in html and "¥2,500.00" in html
    assert "贝塔评论" not in html and "Beta Reviews" not in html and "¥123.45" not in html


def test_staff_of_no_journal_get_no_dashboard(client, django_user_model, known_data):
    clerk = django_user_model.objects.create_user("clerk", password="a-long-clerk-password", is_staff=True)
    client.force_login(clerk)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200
    assert b'id="editorial-dashboard"' not in page.content and b"Alpha Letters" not in page.content


def test_non_staff_are_refused(client, django_user_model, known_data):
    alpha, _beta = known_data
    user = django_user_model.objects.create_user("someone", password="a-long-someone-password")
    JournalStaff.objects.create(user=user, journal=alpha)
    client.force_login(user)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 302 and "/login/" in page["Location"]


def test_journal_staff_admin(client, django_user_model, journals):
    alpha, _beta = journals
    manager = django_user_model.objects.create_user("manager", password="a-long-manager-password", is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(content_type__app_label="editorial"))
    JournalStaff.objects.create(user=manager, journal=alpha)  # an editorial manager grants their own journals
    editor = django_user_model.objects.create_user("editor", is_staff=True)
    client.force_login(manager)
    response = client.post(reverse("admin:editorial_journalstaff_add"), {"user": editor.pk, "journal": alpha.pk})
    assert response.status_code == 302
    assert list(JournalStaff.objects.filter(user=editor).values_list("user_id", "journal_id")) == [
        (editor.pk, alpha.pk)]
    again = client.post(reverse("admin:editorial_journalstaff_add"), {"user": editor.pk, "journal": alpha.pk})
    assert again.status_code == 200 and JournalStaff.objects.filter(user=editor).count() == 1  # unique: form error
    listing = client.get(reverse("admin:editorial_journalstaff_changelist"))
    assert listing.status_code == 200 and b"editor" in listing.content
