"""Model factories (factory_boy) for every suite: one place that knows how to make a valid row.

Each factory makes a row that passes the model's own rules with the fewest fields a test has to name;
a test names only what its behaviour depends on (`ResearcherFactory(language="en")`). Related rows come
along (`JournalAccountFactory()` makes its researcher and journal system) unless given.
"""

from __future__ import annotations

from datetime import UTC, datetime

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from accounts.models import Journal, JournalAccount, JournalAccountStatus, JournalSystem, Researcher, WeChatIdentity
from manuscripts.models import Manuscript
from notifications.models import Notification
from payments.models import ChargeKind, Order
from payments.services.orders import order_create

BASE_TIME = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"researcher{n}")


class ResearcherFactory(DjangoModelFactory):
    class Meta:
        model = Researcher

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Researcher {n}")


class WeChatIdentityFactory(DjangoModelFactory):
    """The researcher's identity in the Mini Program under test (WECHAT_APP_ID). Give `openid` from the
    WeChat sandbox (`sandbox.register_user("alice")`) when messages must reach a sandbox user."""

    class Meta:
        model = WeChatIdentity

    researcher = factory.SubFactory(ResearcherFactory)
    appid = factory.LazyFunction(lambda: settings.WECHAT_APP_ID)
    openid = factory.Sequence(lambda n: f"o-factory-openid-{n:06d}")


class JournalSystemFactory(DjangoModelFactory):
    class Meta:
        model = JournalSystem

    key = factory.Sequence(lambda n: f"system-{n}")
    name_en = "Demo OJS"
    name_zh_hans = "演示 OJS"
    platform = "ojs"
    base_url = "http://127.0.0.1:9"  # nothing listens there: a test that reaches a platform says where
    credentials = factory.LazyFunction(lambda: {"token": "t0ken-value"})


class JournalFactory(DjangoModelFactory):
    class Meta:
        model = Journal

    journal_system = factory.SubFactory(JournalSystemFactory)
    key = "jas"
    platform_path = factory.SelfAttribute("key")
    name_en = "Journal of Applied Science"
    name_zh_hans = "应用科学学报"
    issn = "1234-5678"


class JournalAccountFactory(DjangoModelFactory):
    """A researcher's verified account on a journal system, identified by e-mail."""

    class Meta:
        model = JournalAccount

    researcher = factory.SubFactory(ResearcherFactory)
    journal_system = factory.SubFactory(JournalSystemFactory)
    identity = factory.Sequence(lambda n: f"author{n}@example.org")
    identity_kind = "email"
    platform_user_id = factory.Sequence(lambda n: str(1000 + n))
    email_on_file = factory.SelfAttribute("identity")
    status = JournalAccountStatus.VERIFIED
    verification_method = factory.LazyAttribute(
        lambda account: "email_code" if account.status == JournalAccountStatus.VERIFIED else "")


class ManuscriptFactory(DjangoModelFactory):
    class Meta:
        model = Manuscript

    journal_system = factory.SubFactory(JournalSystemFactory)
    journal = factory.SubFactory(JournalFactory, journal_system=factory.SelfAttribute("..journal_system"))
    platform_id = factory.Sequence(lambda n: str(1042 + n))
    title = "Soil Microbiome Shifts Under Drought"
    titles = factory.LazyAttribute(lambda manuscript: {"en": manuscript.title})
    canonical_status = "under_review"
    raw_status = "Under review"
    last_activity_at = BASE_TIME
    status_changed_at = BASE_TIME


class NotificationFactory(DjangoModelFactory):
    """A notification row as staff see it in admin. Tests of the sender make theirs through
    `notification_create`, the one way in (it also asks a worker to send after the commit)."""

    class Meta:
        model = Notification

    researcher = factory.SubFactory(ResearcherFactory)
    kind = "status_changed"
    dedupe_key = factory.Sequence(lambda n: f"factory:{n}")
    title = "稿件状态：已录用"
    body = "干旱胁迫下土壤微生物组的变化"


class OrderFactory(DjangoModelFactory):
    """An unpaid order of 2,500.00 yuan, made the way staff make one (payments.services.orders.order_create)."""

    class Meta:
        model = Order

    researcher = factory.SubFactory(ResearcherFactory)
    journal = factory.SubFactory(JournalFactory, charges=[{"kind": "apc", "amount_fen": 250000}])
    kind = "apc"
    amount_fen = 250000

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A migration adds the charge kinds; a transactional test's flush removes them for the tests after it.
        ChargeKind.objects.get_or_create(code=kwargs["kind"], defaults={"name_en": kwargs["kind"],
                                                                        "name_zh_hans": kwargs["kind"]})
        return order_create(**kwargs)
