"""Render README's picture of the editorial dashboard (docs/images/dashboard.png), headless.

    .venv/bin/python docs/render_dashboard.py            # needs PostgreSQL on 127.0.0.1 and Chromium

It builds a throwaway PostgreSQL database (`scholar_link_dashboard_shot`, dropped and made again each time),
fills it with a fixed, seeded sample (three journals, a few hundred researchers over twelve weeks, manuscripts
moving through the funnel, notifications, orders, conversations), renders the admin index as a superuser sees it
in Chinese through Django's test client, and has Chromium screenshot that page from disk with the project's own
static files (Chart.js is vendored, so nothing is fetched). PostgreSQL rather than SQLite because the dashboard's
medians need it.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATABASE = "scholar_link_dashboard_shot"
OUTPUT = REPO / "docs" / "images" / "dashboard.png"
WINDOW = (1440, 3000)

sys.path.insert(0, str(REPO))
os.environ.update({
    "DJANGO_SETTINGS_MODULE": "publisher_backend.settings",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
    "REDIS_URL": "", "CELERY_BROKER_URL": "", "DJANGO_DEBUG": "1", "DJANGO_ALLOWED_HOSTS": "testserver",
    # Whatever tasks the sample queues go to a broker folder of its own that no worker reads.
    "DJANGO_VAR_DIR": tempfile.mkdtemp(prefix="dashboard-shot-"),
})


def fresh_database() -> None:
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    connection.close()


def sample_data(rng: random.Random):
    """Three journals and their activity over the last twelve weeks; returns the superuser."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from manuscripts.models import StatusEvent
    from notifications.models import Notification, NotificationTemplate
    from payments.models import Order
    from tests.factories import (
        JournalAccountFactory,
        JournalFactory,
        JournalSystemFactory,
        ManuscriptFactory,
        NotificationFactory,
        OrderFactory,
        ResearcherFactory,
    )

    now = timezone.now()
    ojs = JournalSystemFactory(key="ojs", platform="ojs", name_en="OJS", name_zh_hans="OJS")
    scholarone = JournalSystemFactory(key="s1", platform="scholarone", name_en="ScholarOne",
                                      name_zh_hans="ScholarOne")
    em = JournalSystemFactory(key="em", platform="editorial_manager", name_en="Editorial Manager",
                              name_zh_hans="Editorial Manager")
    journals = [
        JournalFactory(journal_system=ojs, key="jas", name_en="Journal of Applied Science", name_zh_hans="应用科学学报",
                       charges=[{"kind": "apc", "amount_fen": 300000}]),
        JournalFactory(journal_system=scholarone, key="cem", name_en="Chinese Environmental Medicine",
                       name_zh_hans="中国环境医学", charges=[{"kind": "apc", "amount_fen": 450000}]),
        JournalFactory(journal_system=em, key="mat", name_en="Materials Letters Asia", name_zh_hans="亚洲材料快报",
                       charges=[{"kind": "apc", "amount_fen": 250000}]),
    ]

    researchers = []
    for index in range(420):
        joined = now - timedelta(days=rng.uniform(0, 84) * (0.6 if index % 4 else 1.0))
        seen = joined + timedelta(days=rng.uniform(0, 40))
        if seen > now:
            seen = now - timedelta(days=rng.uniform(0, 10))
        researchers.append(ResearcherFactory(created_at=joined, last_seen_at=seen))
    systems = (ojs, scholarone, em)
    for researcher in rng.sample(researchers, 300):
        JournalAccountFactory(researcher=researcher, journal_system=rng.choices(systems, weights=(5, 3, 2))[0])

    paths = [("submitted", "with_editor", "under_review", "revision_requested", "revision_submitted", "accepted",
              "in_production", "published"),
             ("submitted", "with_editor", "under_review", "rejected"),
             ("submitted", "with_editor", "rejected")]
    typical_days = {"submitted": 3, "with_editor": 6, "under_review": 38, "revision_requested": 24,
                    "revision_submitted": 9, "accepted": 5, "in_production": 21}
    for weight, journal in zip((1.0, 0.7, 0.45), journals, strict=True):
        for _ in range(int(160 * weight)):
            path = rng.choices(paths, weights=(5, 3, 2))[0]
            reached = path[:rng.randint(1, len(path))]
            when = now - timedelta(days=rng.uniform(60, 260))
            manuscript = ManuscriptFactory(journal_system=journal.journal_system, journal=journal,
                                           canonical_status=reached[-1], status_changed_at=when)
            previous = ""
            for status in reached:
                StatusEvent.objects.create(manuscript=manuscript, from_status=previous, to_status=status,
                                           occurred_at=min(when, now))
                when += timedelta(days=rng.lognormvariate(0, 0.5) * typical_days.get(status, 5))
                previous = status

    for kind, template_id in (("status_changed", "tpl-status"), ("payment_due", "tpl-payment-due"),
                              ("payment_received", "tpl-paid")):
        NotificationTemplate.objects.get_or_create(kind=kind, defaults={"template_id": template_id})
    for template_id, states in (("tpl-status", (180, 40, 6)), ("tpl-payment-due", (45, 12, 1)),
                                ("tpl-paid", (38, 3, 0))):
        for state, count in zip(("sent", "no_credit", "failed"), states, strict=True):
            for _ in range(count):
                NotificationFactory(researcher=rng.choice(researchers), template_id=template_id, state=state,
                                    settled_at=now - timedelta(days=rng.uniform(0, 29)))
    assert Notification.objects.exists()

    for journal in journals:
        amount = journal.charges[0]["amount_fen"]
        for _ in range(rng.randint(18, 40)):
            order = OrderFactory(researcher=rng.choice(researchers), journal=journal, amount_fen=amount)
            if rng.random() < 0.7:
                Order.objects.filter(pk=order.pk).update(status="paid", settled_by="wechat_pay",
                                                         paid_at=now - timedelta(days=rng.uniform(0, 80)))

    sample_conversations(rng, journals, researchers)
    return get_user_model().objects.create_user("editor-in-chief", is_staff=True, is_superuser=True)


def sample_conversations(rng: random.Random, journals, researchers) -> None:
    """Researchers' questions to each editorial office; two in three answered, after a few hours."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from editorial.models import Conversation
    from editorial.services import conversation_start, staff_reply

    staff = get_user_model().objects.create_user("office", is_staff=True, is_superuser=True)
    now = timezone.now()
    for journal in journals:
        for index, researcher in enumerate(rng.sample(researchers, rng.randint(10, 18))):
            conversation_id = conversation_start(researcher=researcher, journal_id=journal.pk, manuscript_id=None,
                                                 body="请问稿件现在是什么状态？", language="zh-hans").pk
            if index % 3:
                staff_reply(conversation_id=conversation_id, staff_user=staff, body="您的稿件正在外审中，请耐心等待。")
            started = now - timedelta(days=rng.uniform(1, 25))
            answered = started + timedelta(hours=rng.lognormvariate(1.8, 0.6))
            Conversation.objects.filter(pk=conversation_id, first_response_at__isnull=False).update(
                created_at=started, first_response_at=answered)
            Conversation.objects.filter(pk=conversation_id, first_response_at__isnull=True).update(
                created_at=started)


def render_page(user) -> str:
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    page = client.get("/admin/")
    assert page.status_code == 200, page.status_code
    return page.content.decode()


def static_on_disk(html: str) -> str:
    """Point every /static/ reference at the file the static finders resolve, so Chromium needs no server."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    def local(match: re.Match) -> str:
        found = finders.find(match.group(2).split("?")[0])
        return f'{match.group(1)}file://{found}' if found else match.group(0)

    return re.sub(rf'((?:src|href)="){re.escape(settings.STATIC_URL)}([^"]+)', local, html)


def screenshot(html: str) -> None:
    """Chromium draws the Chinese in the font the poster uses (the pinned font package), so no system CJK font is
    needed."""
    from sharing.poster import font_path

    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        sys.exit("Chromium is needed (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "dashboard.html"
        page.write_text(html, encoding="utf-8")
        fonts = Path(folder) / "fonts.conf"
        fonts.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
                         '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>'
                         f'<dir>{font_path().parent}</dir><cachedir>{folder}/cache</cachedir></fontconfig>',
                         encoding="utf-8")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        "--allow-file-access-from-files", f"--window-size={WINDOW[0]},{WINDOW[1]}",
                        "--virtual-time-budget=4000", f"--screenshot={OUTPUT}", page.as_uri()],
                       check=True, capture_output=True, env={**os.environ, "FONTCONFIG_FILE": str(fonts)})


def main() -> None:
    fresh_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable")
    user = sample_data(random.Random(20261205))
    screenshot(static_on_disk(render_page(user)))
    print(f"wrote {OUTPUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
