"""Conversations' fixtures: researchers with manuscripts they author in a journal, API clients, journal staff,
conversations with known times, and images (a real PNG carrying EXIF, a JPEG, a file that only looks like one)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from editorial.models import Conversation, JournalStaff, Message
from manuscripts.models import ManuscriptAccess
from tests.factories import (
    JournalAccountFactory,
    JournalFactory,
    JournalSystemFactory,
    ManuscriptFactory,
    ResearcherFactory,
)

CONVERSATIONS = "/api/v1/conversations"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PUBLIC_BASE_URL = "https://api.example.org"


def client_for(researcher, language: str = "zh-hans") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user=researcher.user)
    return client


@pytest.fixture
def journal_system():
    return JournalSystemFactory(platform="ojs")


@pytest.fixture
def journal(journal_system):
    return JournalFactory(journal_system=journal_system, key="jas", name_en="Journal of Applied Science",
                          name_zh_hans="应用科学学报")


@pytest.fixture
def other_journal(journal_system):
    return JournalFactory(journal_system=journal_system, key="soil", name_en="Soil Letters", name_zh_hans="土壤快报")


def authored_manuscript(researcher, journal, *, status: str = "under_review", **fields):
    """A manuscript of `journal` that the researcher authors through a verified account."""
    account = (researcher.journal_accounts.filter(journal_system=journal.journal_system).first()
               or JournalAccountFactory(researcher=researcher, journal_system=journal.journal_system))
    manuscript = ManuscriptFactory(journal_system=journal.journal_system, journal=journal, canonical_status=status,
                                   **fields)
    ManuscriptAccess.objects.create(journal_account=account, manuscript=manuscript)
    return manuscript


@pytest.fixture
def researcher():
    return ResearcherFactory(display_name="李华", language="zh-hans")


@pytest.fixture
def researcher_api(researcher) -> APIClient:
    return client_for(researcher)


@pytest.fixture
def manuscript(researcher, journal):
    return authored_manuscript(researcher, journal, title="Soil microbiome under drought")


def start(client: APIClient, **body):
    return client.post(CONVERSATIONS, body, format="json")


def make_staff(django_user_model, username: str, *journals, permissions=("view", "change")):
    """A staff user working for `journals` with the conversation model permissions given."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user(username, password=f"a-long-{username}-password", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label="editorial",
        codename__in=[f"{action}_{model}" for action in permissions for model in ("conversation", "cannedanswer")]))
    for journal in journals:
        JournalStaff.objects.create(user=user, journal=journal)
    return user


def conversation_at(researcher, journal, *, started_hours_ago: float, answered_after_hours: float | None = None,
                    state: str | None = None, manuscript=None) -> Conversation:
    """A conversation started `started_hours_ago`, first answered `answered_after_hours` later (or not)."""
    created = timezone.now() - timedelta(hours=started_hours_ago)
    answered = created + timedelta(hours=answered_after_hours) if answered_after_hours is not None else None
    conversation = Conversation.objects.create(
        researcher=researcher, journal=journal, manuscript=manuscript, created_at=created,
        updated_at=answered or created, last_researcher_message_at=created, first_response_at=answered,
        state=state or ("answered" if answered else "waiting"))
    Message.objects.create(conversation=conversation, body="请问稿件现在的状态是什么意思？", created_at=created)
    if answered:
        Message.objects.create(conversation=conversation, body="您的稿件正在外审。", from_staff=True,
                               created_at=answered)
    return conversation


def png_with_exif(width: int = 64, height: int = 48, *, mode: str = "RGB") -> bytes:
    image = Image.new(mode, (width, height), (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera Inc."  # Make
    exif[0x0131] = "GPS-Leaking-Firmware 1.0"  # Software
    output = io.BytesIO()
    image.save(output, format="PNG", exif=exif.tobytes())
    return output.getvalue()


def jpeg_bytes(width: int = 64, height: int = 48, *, exif: bool = True) -> bytes:
    image = Image.new("RGB", (width, height), (20, 120, 200))
    output = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "SecretCamera Inc."
        image.save(output, format="JPEG", exif=tags.tobytes())
    else:
        image.save(output, format="JPEG")
    return output.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def staff_user(django_user_model, journal):
    return make_staff(django_user_model, "editor-jas", journal)
