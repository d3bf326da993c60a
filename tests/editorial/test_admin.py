"""The conversation queue in admin: per-journal staff see their journals' conversations only (lists, pages,
images, actions, filters), in queue order, reply with canned answers, assign and close; Django's model
permissions still apply."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from editorial.models import CannedAnswer, Conversation, JournalStaff, Message
from notifications.models import Notification
from tests.editorial.conftest import client_for, conversation_at, jpeg_bytes, make_staff, start, upload
from tests.factories import JournalFactory, ResearcherFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:editorial_conversation_changelist")


def change_url(conversation) -> str:
    return reverse("admin:editorial_conversation_change", args=[conversation.pk])


def image_url(conversation, message) -> str:
    return reverse("admin:editorial_conversation_image", args=[conversation.pk, message.pk])


@pytest.fixture
def editors(django_user_model, journal, other_journal):
    """An editor of the journal and one of the other journal, each signed in on their own client."""
    from django.test import Client

    ours, theirs = Client(), Client()
    ours.force_login(make_staff(django_user_model, "editor-jas", journal))
    theirs.force_login(make_staff(django_user_model, "editor-soil", other_journal))
    return ours, theirs


@pytest.fixture
def question(researcher, journal):
    """A researcher's conversation with the journal, with an image message."""
    client = client_for(researcher)
    conversation_id = start(client, journal=journal.pk, body="请问外审要多久？").json()["id"]
    client.post(f"/api/v1/conversations/{conversation_id}/messages",
                {"image": upload("s.jpg", jpeg_bytes(), "image/jpeg")}, format="multipart")
    return Conversation.objects.get(pk=conversation_id)


def listed_ids(response) -> list[int]:
    return [conversation.pk for conversation in response.context["cl"].result_list]


def test_staff_see_only_their_journals_conversations(editors, question, other_journal):
    ours, theirs = editors
    elsewhere = conversation_at(ResearcherFactory(), other_journal, started_hours_ago=1)

    assert listed_ids(ours.get(CHANGELIST)) == [question.pk]
    assert listed_ids(theirs.get(CHANGELIST)) == [elsewhere.pk]
    assert listed_ids(theirs.get(CHANGELIST, {"q": "外审"})) == []


def test_another_journals_conversation_page_redirects_to_the_index_saying_it_does_not_exist(editors, question):
    _ours, theirs = editors

    response = theirs.get(change_url(question), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    [message] = list(get_messages(response.wsgi_request))
    assert "doesn’t exist" in str(message)
    assert theirs.post(change_url(question), {"reply_body": "我不是这个期刊的"}).status_code == 302
    assert not Message.objects.filter(from_staff=True).exists()


def test_images_are_for_the_journals_staff_only(editors, question):
    ours, theirs = editors
    image_message = question.messages.exclude(image="").get()

    shown = ours.get(image_url(question, image_message))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content)[:3] == b"\xff\xd8\xff"
    assert theirs.get(image_url(question, image_message)).status_code == 404
    text_message = question.messages.filter(image="").first()
    assert ours.get(image_url(question, text_message)).status_code == 404


def test_the_change_page_shows_the_thread_with_images_and_the_office(editors, question):
    ours, _theirs = editors

    page = ours.get(change_url(question), HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="conversation-thread"' in html and "请问外审要多久？" in html
    assert image_url(question, question.messages.exclude(image="").get()) in html
    assert "Simplified Chinese" in html  # the conversation's language, shown to staff


def test_a_reply_from_the_change_page_reaches_the_researcher_once(editors, question, researcher):
    ours, _theirs = editors

    response = ours.post(change_url(question), {"reply_body": "一般需要 4 到 6 周。", "assigned_to": "",
                                                "canned_answer": "", "_save": "Save"})

    assert response.status_code == 302
    reply = question.messages.get(from_staff=True)
    assert (reply.body, reply.staff_author.username) == ("一般需要 4 到 6 周。", "editor-jas")
    question.refresh_from_db()
    assert question.state == "answered" and question.first_response_at == reply.created_at
    assert Notification.objects.filter(researcher=researcher, kind="editorial_reply").count() == 1


def test_a_canned_answer_is_used_when_the_reply_is_empty(editors, question):
    ours, _theirs = editors
    canned = CannedAnswer.objects.create(journal=None, language="zh-hans", title="外审时间",
                                         body="外审一般需要 4 到 6 周，请耐心等待。")

    ours.post(change_url(question), {"reply_body": "", "assigned_to": "", "canned_answer": canned.pk, "_save": "Save"})

    assert question.messages.get(from_staff=True).body == "外审一般需要 4 到 6 周，请耐心等待。"


def test_canned_answers_for_the_status_and_language_come_first_and_other_journals_are_left_out(
        editors, researcher, journal, other_journal, manuscript):
    ours, _theirs = editors
    manuscript.canonical_status = "under_review"
    manuscript.save()
    conversation = Conversation.objects.get(pk=start(client_for(researcher), manuscript=manuscript.pk,
                                                     body="?").json()["id"])
    general_en = CannedAnswer.objects.create(language="en", title="A general", body="…")
    general_zh = CannedAnswer.objects.create(language="zh-hans", title="B 通用", body="…")
    review_en = CannedAnswer.objects.create(journal=journal, canonical_status="under_review", language="en",
                                            title="C review", body="…")
    review_zh = CannedAnswer.objects.create(canonical_status="under_review", language="zh-hans", title="D 外审",
                                            body="…")
    CannedAnswer.objects.create(canonical_status="accepted", language="zh-hans", title="E 录用", body="…")
    CannedAnswer.objects.create(journal=other_journal, language="zh-hans", title="F 别的期刊", body="…")
    CannedAnswer.objects.create(language="zh-hans", title="G 停用", body="…", active=False)

    form = ours.get(change_url(conversation)).context["adminform"].form

    assert list(form.fields["canned_answer"].queryset) == [review_zh, review_en, general_zh, general_en]


def test_assignment_is_limited_to_the_journals_staff(editors, question, django_user_model, journal):
    ours, _theirs = editors
    colleague = make_staff(django_user_model, "colleague-jas", journal)
    outsider = django_user_model.objects.get(username="editor-soil")

    form = ours.get(change_url(question)).context["adminform"].form
    assert set(form.fields["assigned_to"].queryset.values_list("username", flat=True)) == {"editor-jas",
                                                                                          "colleague-jas"}
    refused = ours.post(change_url(question), {"assigned_to": outsider.pk, "reply_body": "", "_save": "Save"})
    assert refused.status_code == 200 and "assigned_to" in refused.context["adminform"].form.errors
    accepted = ours.post(change_url(question), {"assigned_to": colleague.pk, "reply_body": "", "_save": "Save"})
    assert accepted.status_code == 302
    question.refresh_from_db()
    assert question.assigned_to == colleague
    assert not question.messages.filter(from_staff=True).exists()  # assigning sends nothing


def test_actions_assign_to_me_and_close_touch_only_their_journals(editors, question, other_journal):
    ours, theirs = editors
    elsewhere = conversation_at(ResearcherFactory(), other_journal, started_hours_ago=1)

    # A forged selection naming another journal's conversation changes nothing of it.
    theirs.post(CHANGELIST, {"action": "assign_to_me", "_selected_action": [question.pk, elsewhere.pk]})
    theirs.post(CHANGELIST, {"action": "close", "_selected_action": [question.pk, elsewhere.pk]})
    question.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (question.assigned_to, question.state) == (None, "waiting")
    assert (elsewhere.assigned_to.username, elsewhere.state) == ("editor-soil", "closed")

    ours.post(CHANGELIST, {"action": "assign_to_me", "_selected_action": [question.pk]})
    question.refresh_from_db()
    assert question.assigned_to.username == "editor-jas"
    assert listed_ids(ours.get(CHANGELIST, {"assigned": "me"})) == [question.pk]
    assert listed_ids(ours.get(CHANGELIST, {"assigned": "nobody"})) == []


def test_the_queue_is_waiting_first_longest_waiting_first(editors, journal):
    ours, _theirs = editors
    researchers = [ResearcherFactory() for _ in range(4)]
    answered = conversation_at(researchers[0], journal, started_hours_ago=1, answered_after_hours=0.5)
    waiting_new = conversation_at(researchers[1], journal, started_hours_ago=2)
    closed = conversation_at(researchers[2], journal, started_hours_ago=30, state="closed")
    waiting_old = conversation_at(researchers[3], journal, started_hours_ago=20)

    assert listed_ids(ours.get(CHANGELIST)) == [waiting_old.pk, waiting_new.pk, answered.pk, closed.pk]
    assert listed_ids(ours.get(CHANGELIST, {"state": "waiting"})) == [waiting_old.pk, waiting_new.pk]


def test_the_journal_filter_offers_only_their_journals(editors, journal):
    ours, _theirs = editors

    response = ours.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert "Journal of Applied Science" in html and "Soil Letters" not in html


def test_the_queue_shows_waiting_and_median_first_response(editors, journal, other_journal):
    ours, _theirs = editors
    for hours in (2, 4, 9):
        conversation_at(ResearcherFactory(), journal, started_hours_ago=24, answered_after_hours=hours)
    conversation_at(ResearcherFactory(), journal, started_hours_ago=3)
    conversation_at(ResearcherFactory(), other_journal, started_hours_ago=3)

    figures = ours.get(CHANGELIST).context["response_figures"]

    assert figures == [{"journal": "Journal of Applied Science", "waiting": 1, "answered": 3, "median": 4.0}]


def test_model_permissions_still_apply(django_user_model, journal, question):
    from django.test import Client

    reader = Client()
    reader.force_login(make_staff(django_user_model, "reader-jas", journal, permissions=("view",)))
    nobody = Client()
    nobody.force_login(make_staff(django_user_model, "nobody-jas", journal, permissions=()))

    assert nobody.get(CHANGELIST).status_code == 403
    assert reader.get(CHANGELIST).status_code == 200
    assert reader.post(change_url(question), {"reply_body": "只读", "_save": "Save"}).status_code == 403
    reader.post(CHANGELIST, {"action": "close", "_selected_action": [question.pk]})
    question.refresh_from_db()
    assert question.state == "waiting" and not question.messages.filter(from_staff=True).exists()


def test_canned_answers_admin_shows_every_journals_and_their_own(editors, journal, other_journal):
    ours, _theirs = editors
    CannedAnswer.objects.create(language="zh-hans", title="通用回复", body="…")
    CannedAnswer.objects.create(journal=journal, language="zh-hans", title="本刊回复", body="…")
    CannedAnswer.objects.create(journal=other_journal, language="zh-hans", title="别刊回复", body="…")

    listing = ours.get(reverse("admin:editorial_cannedanswer_changelist"))

    assert [answer.title for answer in listing.context["cl"].result_list] == ["本刊回复", "通用回复"]


def test_a_manager_grants_only_their_own_journals_never_a_new_one(client, django_user_model):
    """With every journal staff permission, a staff member who is not a superuser adds colleagues to the journals
    they work for, and cannot give anyone (themself included) another journal, nor see its staff."""
    own = JournalFactory(key="own", platform_path="own")
    other = JournalFactory(key="other", platform_path="other", journal_system=own.journal_system)
    manager = django_user_model.objects.create_user("ambitious", password="a-long-editor-password", is_staff=True)
    manager.user_permissions.set(Permission.objects.filter(codename__endswith="_journalstaff"))
    JournalStaff.objects.create(user=manager, journal=own)
    outsider = django_user_model.objects.create_user("outsider", is_staff=True)
    JournalStaff.objects.create(user=outsider, journal=other)
    client.force_login(manager)

    response = client.post(reverse("admin:editorial_journalstaff_add"), {"user": manager.pk, "journal": other.pk})

    assert response.status_code == 200  # the form refuses a journal they do not work for
    assert not JournalStaff.objects.filter(user=manager, journal=other).exists()
    listing = client.get(reverse("admin:editorial_journalstaff_changelist"))
    assert listing.status_code == 200 and b"ambitious" in listing.content and b"outsider" not in listing.content
