"""Conversations over HTTP for researchers: start, list, read, write, dedupe, unread counts, and privacy (someone
else's conversation, message or image is a 404, whatever token is forged)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone
from rest_framework.test import APIClient

from editorial.models import Conversation, Message
from editorial.selectors import IMAGE_SALT, image_token
from editorial.services import staff_reply
from tests.editorial.conftest import (
    CONVERSATIONS,
    authored_manuscript,
    client_for,
    jpeg_bytes,
    start,
    upload,
)
from tests.factories import ResearcherFactory

pytestmark = pytest.mark.django_db

LIST_KEYS = {"id", "journal", "manuscript", "state", "unread", "last_message", "created_at", "updated_at"}


def messages_of(conversation_id: int) -> str:
    return f"{CONVERSATIONS}/{conversation_id}/messages"


def image_path(url: str) -> str:
    return url.removeprefix("https://api.example.org")


# --- Start ---------------------------------------------------------------------------------------------------------

def test_a_researcher_asks_about_their_manuscript(researcher_api, manuscript, journal):
    response = start(researcher_api, manuscript=manuscript.pk, body="请问“外审中”是什么意思？")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == LIST_KEYS | {"messages"}
    assert body["journal"] == {"id": journal.pk, "name": "应用科学学报"}
    assert body["manuscript"] == {"id": manuscript.pk, "title": "Soil microbiome under drought",
                                  "manuscript_number": manuscript.manuscript_number}
    assert (body["state"], body["unread"]) == ("waiting", 0)
    assert body["last_message"]["body"] == "请问“外审中”是什么意思？"
    assert body["last_message"]["from_staff"] is False and body["last_message"]["has_image"] is False
    [message] = body["messages"]
    assert (message["body"], message["from_staff"], message["author"], message["image"]) == (
        "请问“外审中”是什么意思？", False, "李华", None)
    conversation = Conversation.objects.get()
    assert (conversation.journal, conversation.manuscript, conversation.language) == (journal, manuscript, "zh-hans")


def test_the_conversation_language_is_the_request_language(researcher, journal):
    response = start(client_for(researcher, "en"), journal=journal.pk, body="What does 'with editor' mean?")

    assert response.status_code == 201
    assert response.json()["journal"]["name"] == "Journal of Applied Science"
    assert Conversation.objects.get().language == "en"


def test_a_researcher_asks_a_journal_without_a_manuscript(researcher_api, journal):
    response = start(researcher_api, journal=journal.pk, manuscript=None, body="投稿需要什么格式？")

    assert response.status_code == 201
    assert response.json()["manuscript"] is None


def test_a_second_start_about_the_same_manuscript_appends_to_the_open_conversation(researcher_api, manuscript):
    first = start(researcher_api, manuscript=manuscript.pk, body="第一个问题")
    second = start(researcher_api, manuscript=manuscript.pk, body="补充一下")

    assert second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert [m["body"] for m in second.json()["messages"]] == ["第一个问题", "补充一下"]
    assert Conversation.objects.count() == 1


def test_a_second_start_about_the_same_journal_appends_and_a_manuscript_one_is_separate(researcher_api, journal,
                                                                                       manuscript):
    about_journal = start(researcher_api, journal=journal.pk, body="问期刊").json()["id"]
    assert start(researcher_api, journal=journal.pk, body="再问期刊").json()["id"] == about_journal
    about_manuscript = start(researcher_api, manuscript=manuscript.pk, body="问稿件").json()["id"]

    assert about_manuscript != about_journal
    assert Conversation.objects.count() == 2


def test_after_staff_close_it_a_new_start_opens_a_new_conversation(researcher_api, manuscript):
    first = start(researcher_api, manuscript=manuscript.pk, body="第一个问题").json()["id"]
    Conversation.objects.filter(pk=first).update(state="closed")

    second = start(researcher_api, manuscript=manuscript.pk, body="新问题").json()["id"]

    assert second != first and Conversation.objects.count() == 2


def test_someone_elses_manuscript_is_a_field_error(researcher_api, journal):
    theirs = authored_manuscript(ResearcherFactory(), journal)

    response = start(researcher_api, manuscript=theirs.pk, body="?")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["manuscript"]
    assert not Conversation.objects.exists()


def test_a_journal_that_differs_from_the_manuscripts_is_a_field_error(researcher_api, manuscript, other_journal):
    response = start(researcher_api, manuscript=manuscript.pk, journal=other_journal.pk, body="?")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["journal"]


def test_an_unknown_journal_is_a_field_error_naming_it_in_the_request_language(researcher):
    response = start(client_for(researcher, "en"), journal=999999, body="Hello")

    assert response.status_code == 400
    assert response.json()["fields"] == {"journal": ["There is no journal with id 999999."]}


def test_a_disabled_journal_takes_no_new_question_but_a_manuscript_of_it_still_does(researcher, journal,
                                                                                   manuscript):
    journal.enabled = False
    journal.save(update_fields=["enabled"])
    client = client_for(researcher, "en")

    refused = start(client, journal=journal.pk, body="Hello")
    about_manuscript = start(client, manuscript=manuscript.pk, body="Any news?")

    assert refused.status_code == 400
    assert refused.json()["fields"] == {"journal": [f"There is no journal with id {journal.pk}."]}
    assert about_manuscript.status_code == 201


def test_neither_journal_nor_manuscript_is_a_field_error(researcher_api):
    response = start(researcher_api, body="Hello")

    assert response.status_code == 400 and list(response.json()["fields"]) == ["journal"]


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_an_empty_or_too_long_message_is_refused(researcher_api, journal, body):
    response = start(researcher_api, journal=journal.pk, body=body)

    assert response.status_code == 400 and list(response.json()["fields"]) == ["body"]
    assert not Conversation.objects.exists()


def test_starting_needs_a_token(journal):
    assert start(APIClient(), journal=journal.pk, body="Hello").status_code == 401


# --- List, detail, unread -------------------------------------------------------------------------------------------

def test_the_list_is_most_recently_active_first_and_filters_by_journal_and_manuscript(researcher_api, journal,
                                                                                    other_journal, manuscript):
    older = start(researcher_api, manuscript=manuscript.pk, body="稿件问题").json()["id"]
    newer = start(researcher_api, journal=other_journal.pk, body="另一个期刊").json()["id"]

    listed = researcher_api.get(CONVERSATIONS).json()
    assert set(listed) == {"count", "next", "previous", "results"}
    assert [item["id"] for item in listed["results"]] == [newer, older]
    assert set(listed["results"][0]) == LIST_KEYS

    assert [i["id"] for i in researcher_api.get(CONVERSATIONS, {"journal": journal.pk}).json()["results"]] == [older]
    assert [i["id"] for i in researcher_api.get(CONVERSATIONS, {"manuscript": manuscript.pk}).json()["results"]] == [
        older]
    assert researcher_api.get(CONVERSATIONS, {"journal": "x"}).status_code == 400


def test_staff_replies_are_unread_until_the_researcher_opens_the_conversation(researcher_api, staff_user, journal):
    conversation_id = start(researcher_api, journal=journal.pk, body="请问？").json()["id"]
    staff_reply(conversation_id=conversation_id, staff_user=staff_user, body="您好，正在处理。")
    staff_reply(conversation_id=conversation_id, staff_user=staff_user, body="补充说明。")

    [item] = researcher_api.get(CONVERSATIONS).json()["results"]
    assert (item["state"], item["unread"]) == ("answered", 2)
    assert item["last_message"]["body"] == "补充说明。" and item["last_message"]["from_staff"] is True

    detail = researcher_api.get(f"{CONVERSATIONS}/{conversation_id}").json()
    assert detail["unread"] == 0
    assert [(m["from_staff"], m["author"]) for m in detail["messages"]] == [
        (False, "李华"), (True, "应用科学学报编辑部"), (True, "应用科学学报编辑部")]
    assert "editor-jas" not in str(detail)  # no staff username anywhere
    assert researcher_api.get(CONVERSATIONS).json()["results"][0]["unread"] == 0

    staff_reply(conversation_id=conversation_id, staff_user=staff_user, body="又一条。")
    assert researcher_api.get(CONVERSATIONS).json()["results"][0]["unread"] == 1


def test_the_office_name_follows_the_request_language(researcher, journal, staff_user):
    client = client_for(researcher, "en")
    conversation_id = start(client, journal=journal.pk, body="Hello").json()["id"]
    staff_reply(conversation_id=conversation_id, staff_user=staff_user, body="Hello back")

    detail = client.get(f"{CONVERSATIONS}/{conversation_id}").json()

    assert detail["messages"][1]["author"] == "Editorial office of Journal of Applied Science"


def test_the_detail_carries_at_most_the_latest_200_messages_oldest_first(researcher_api, journal):
    conversation_id = start(researcher_api, journal=journal.pk, body="0").json()["id"]
    base = timezone.now()
    Message.objects.bulk_create([Message(conversation_id=conversation_id, body=str(number),
                                         created_at=base + timedelta(seconds=number)) for number in range(1, 205)])

    messages = researcher_api.get(f"{CONVERSATIONS}/{conversation_id}").json()["messages"]

    assert len(messages) == 200
    assert (messages[0]["body"], messages[-1]["body"]) == ("5", "204")


# --- Writing ---------------------------------------------------------------------------------------------------------

def test_a_researcher_writes_text_and_the_conversation_waits_again(researcher_api, journal, staff_user):
    conversation_id = start(researcher_api, journal=journal.pk, body="请问？").json()["id"]
    staff_reply(conversation_id=conversation_id, staff_user=staff_user, body="您好")

    response = researcher_api.post(messages_of(conversation_id), {"body": "谢谢，还有一个问题"}, format="json")

    assert response.status_code == 201
    assert set(response.json()) == {"id", "body", "from_staff", "author", "image", "created_at"}
    assert response.json()["author"] == "李华"
    assert Conversation.objects.get().state == "waiting"


def test_writing_to_a_closed_conversation_opens_it_again(researcher_api, journal):
    conversation_id = start(researcher_api, journal=journal.pk, body="请问？").json()["id"]
    Conversation.objects.filter(pk=conversation_id).update(state="closed")

    assert researcher_api.post(messages_of(conversation_id), {"body": "还在吗？"}, format="json").status_code == 201
    assert Conversation.objects.get().state == "waiting"


def test_reopening_when_another_open_one_exists_is_a_conflict(researcher_api, journal):
    closed = start(researcher_api, journal=journal.pk, body="请问？").json()["id"]
    Conversation.objects.filter(pk=closed).update(state="closed")
    start(researcher_api, journal=journal.pk, body="新问题")

    response = researcher_api.post(messages_of(closed), {"body": "旧的"}, format="json")

    assert response.status_code == 409 and response.json()["code"] == "conversation_open"


def test_an_image_is_sent_as_multipart_and_read_through_its_signed_link(researcher_api, journal):
    conversation_id = start(researcher_api, journal=journal.pk, body="截图如下").json()["id"]

    response = researcher_api.post(messages_of(conversation_id),
                                   {"image": upload("screen.jpg", jpeg_bytes(), "image/jpeg")}, format="multipart")

    assert response.status_code == 201
    image = response.json()["image"]
    assert (image["width"], image["height"]) == (64, 48)
    assert image["url"].startswith(f"https://api.example.org/api/v1/conversation-images/{response.json()['id']}?t=")
    fetched = APIClient().get(image_path(image["url"]), HTTP_ACCEPT="image/*")  # no Authorization header
    assert fetched.status_code == 200
    assert fetched["Content-Type"] == "image/jpeg" and fetched["Cache-Control"] == "private"
    assert b"".join(fetched.streaming_content)[:3] == b"\xff\xd8\xff"
    listed = researcher_api.get(CONVERSATIONS).json()["results"][0]["last_message"]
    assert (listed["has_image"], listed["body"]) == (True, "")


def test_a_message_needs_text_or_an_image(researcher_api, journal):
    conversation_id = start(researcher_api, journal=journal.pk, body="请问？").json()["id"]

    response = researcher_api.post(messages_of(conversation_id), {"body": ""}, format="json")

    assert response.status_code == 400 and list(response.json()["fields"]) == ["body"]


def test_posts_are_rate_limited_per_researcher(researcher_api, journal, settings):
    settings.EDITORIAL_MESSAGE_RATE = "3/hour"
    conversation_id = start(researcher_api, journal=journal.pk, body="1").json()["id"]
    for body in ("2", "3"):
        assert researcher_api.post(messages_of(conversation_id), {"body": body}, format="json").status_code == 201

    refused = researcher_api.post(messages_of(conversation_id), {"body": "4"}, format="json")

    assert refused.status_code == 429 and refused.json()["code"] == "throttled" and refused["Retry-After"]
    assert start(researcher_api, journal=journal.pk, body="5").status_code == 429
    assert Message.objects.count() == 3
    other = client_for(ResearcherFactory())
    assert start(other, journal=journal.pk, body="someone else").status_code == 201


# --- Privacy ----------------------------------------------------------------------------------------------------------

@pytest.fixture
def alices_image_message(researcher_api, journal):
    conversation_id = start(researcher_api, journal=journal.pk, body="私人问题").json()["id"]
    response = researcher_api.post(messages_of(conversation_id),
                                   {"image": upload("a.jpg", jpeg_bytes(), "image/jpeg")}, format="multipart")
    return conversation_id, response.json()


def test_another_researcher_gets_404_on_detail_messages_and_list(alices_image_message, journal):
    conversation_id, _message = alices_image_message
    bob = client_for(ResearcherFactory(display_name="Bob"))

    assert bob.get(f"{CONVERSATIONS}/{conversation_id}").status_code == 404
    assert bob.get(f"{CONVERSATIONS}/{conversation_id}").json()["code"] == "not_found"
    assert bob.post(messages_of(conversation_id), {"body": "hi"}, format="json").status_code == 404
    assert bob.get(CONVERSATIONS).json()["results"] == []
    assert Message.objects.filter(body="hi").count() == 0


def test_an_image_needs_its_own_valid_unexpired_signature(alices_image_message, researcher_api, journal, settings):
    _conversation_id, message = alices_image_message
    message_id = message["id"]
    anyone = APIClient()
    path = f"/api/v1/conversation-images/{message_id}"

    assert anyone.get(path).status_code == 404
    assert anyone.get(path, {"t": "forged"}).status_code == 404
    assert anyone.get(path, {"t": f"{message_id}:AAAAAA:forgedsignature"}).status_code == 404
    other_salt = signing.TimestampSigner(salt="payments.receipt").sign(str(message_id))
    assert anyone.get(path, {"t": other_salt}).status_code == 404
    # Bob's valid link for his own image does not open Alice's.
    bob = client_for(ResearcherFactory(display_name="Bob"))
    bobs_conversation = start(bob, journal=journal.pk, body="mine").json()["id"]
    bobs_image = bob.post(messages_of(bobs_conversation), {"image": upload("b.jpg", jpeg_bytes(), "image/jpeg")},
                          format="multipart").json()
    bobs_token = bobs_image["image"]["url"].split("t=", 1)[1]
    assert anyone.get(path, {"t": bobs_token}).status_code == 404
    # A text message has no image, whatever its link.
    text_id = Message.objects.filter(image="").first().pk
    text_link = {"t": image_token(message_id=text_id)}
    assert anyone.get(f"/api/v1/conversation-images/{text_id}", text_link).status_code == 404
    # A valid signature that ran out.
    valid = image_token(message_id=message_id)
    assert anyone.get(path, {"t": valid}).status_code == 200
    settings.EDITORIAL_IMAGE_LINK_TTL_SECONDS = -1
    expired = anyone.get(path, {"t": valid})
    assert expired.status_code == 404 and expired.json()["code"] == "not_found"
    assert IMAGE_SALT == "editorial.conversation-image"


def test_an_expired_link_is_replaced_by_reading_the_conversation_again(alices_image_message, researcher_api):
    conversation_id, message = alices_image_message
    detail = researcher_api.get(f"{CONVERSATIONS}/{conversation_id}").json()
    fresh = detail["messages"][-1]["image"]["url"]

    assert APIClient().get(image_path(fresh)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_make_one_conversation_with_both_messages(journal):
    from editorial.services import conversation_start
    from tests.conftest import contend_with_an_open_transaction

    researcher = ResearcherFactory()

    def ask(body: str):
        return lambda: conversation_start(researcher=researcher, journal_id=journal.pk, manuscript_id=None,
                                          body=body, language="zh-hans")

    contend_with_an_open_transaction(ask("第一条"), ask("第二条"),
                                     waits_for="the second start waiting on the open-conversation index")

    conversation = Conversation.objects.get(researcher=researcher)
    assert sorted(conversation.messages.values_list("body", flat=True)) == ["第一条", "第二条"]


def test_the_list_costs_the_same_queries_for_one_or_many_conversations(researcher, researcher_api, journal):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert researcher_api.get(CONVERSATIONS).status_code == 200
        return len(queries)

    start(researcher_api, manuscript=authored_manuscript(researcher, journal).pk, body="1")
    one = list_queries()
    for number in range(4):
        start(researcher_api, manuscript=authored_manuscript(researcher, journal).pk, body=str(number))

    assert list_queries() == one


@pytest.mark.parametrize("query", ["journal=", "manuscript=", "journal=x", "manuscript=0"])
def test_a_filter_that_is_not_an_id_is_a_400_naming_it(researcher_api, query):
    response = researcher_api.get(f"/api/v1/conversations?{query}", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [query.split("=")[0]]
