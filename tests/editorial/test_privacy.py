"""Conversations in the researcher's privacy rights: GET /api/v1/me/export carries them with their messages
(the editorial office's name, never a staff member's), DELETE /api/v1/me leaves nothing of them: no
conversation, message or image file."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from editorial.models import Conversation, Message
from editorial.services import staff_reply
from tests.editorial.conftest import client_for, jpeg_bytes, start, upload
from tests.factories import ResearcherFactory

pytestmark = pytest.mark.django_db


def media_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


@pytest.fixture
def thread(researcher, researcher_api, manuscript, staff_user):
    conversation_id = start(researcher_api, manuscript=manuscript.pk, body="我的私人问题").json()["id"]
    researcher_api.post(f"/api/v1/conversations/{conversation_id}/messages",
                        {"image": upload("s.jpg", jpeg_bytes(), "image/jpeg")}, format="multipart")
    staff_reply(conversation_id=conversation_id, staff_user=staff_user, body="编辑部的回答")
    return conversation_id


def test_the_export_carries_the_conversations_with_their_messages(researcher_api, thread, journal, manuscript):
    exported = researcher_api.get("/api/v1/me/export").json()["conversations"]

    [conversation] = exported
    assert conversation["id"] == thread
    assert conversation["journal"] == {"id": journal.pk, "name": "应用科学学报"}
    assert conversation["manuscript"] == {"id": manuscript.pk, "title": "Soil microbiome under drought"}
    assert (conversation["state"], conversation["language"]) == ("answered", "zh-hans")
    assert [(m["body"], m["from_staff"], m["author"]) for m in conversation["messages"]] == [
        ("我的私人问题", False, "李华"), ("", False, "李华"), ("编辑部的回答", True, "应用科学学报编辑部")]
    image = conversation["messages"][1]["image"]
    assert (image["width"], image["height"]) == (64, 48) and "/api/v1/conversation-images/" in image["url"]
    assert "editor-jas" not in str(exported)


def test_the_export_holds_nothing_of_another_researcher(thread, journal):
    other = client_for(ResearcherFactory())
    start(other, journal=journal.pk, body="别人的问题")

    assert other.get("/api/v1/me/export").json()["conversations"][0]["messages"][0]["body"] == "别人的问题"
    assert len(other.get("/api/v1/me/export").json()["conversations"]) == 1


def test_erase_leaves_no_conversation_message_or_image_of_theirs(researcher, researcher_api, thread, journal,
                                                                 django_capture_on_commit_callbacks):
    someone = ResearcherFactory()
    kept = start(client_for(someone), journal=journal.pk, body="别人的问题").json()["id"]
    client_for(someone).post(f"/api/v1/conversations/{kept}/messages",
                             {"image": upload("k.jpg", jpeg_bytes(), "image/jpeg")}, format="multipart")
    their_image = Message.objects.get(conversation_id=thread, image__gt="").image.name
    kept_image = Message.objects.get(conversation_id=kept, image__gt="").image.name
    assert len(media_files()) == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert researcher_api.delete("/api/v1/me").status_code == 204

    assert not Conversation.objects.filter(researcher_id=researcher.pk).exists()
    assert not Message.objects.filter(conversation_id=thread).exists()
    assert not Message.objects.filter(body__in=["我的私人问题", "编辑部的回答"]).exists()
    assert not (Path(settings.MEDIA_ROOT) / their_image).exists()
    # Another researcher's conversation and image stay.
    assert Conversation.objects.filter(pk=kept).exists() and (Path(settings.MEDIA_ROOT) / kept_image).exists()
    assert media_files() == [Path(settings.MEDIA_ROOT) / kept_image]
