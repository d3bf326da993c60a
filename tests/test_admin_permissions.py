"""Admin permissions: a staff member who may only view gets no action and no custom view that changes
anything, on every registered model. Other branches add admins and actions: this test covers them as
they are registered, through `admin.site._registry`."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AuthToken, JournalAccountStatus
from notifications.models import Notification, NotificationState
from tests.manuscripts.factories import make_account, make_journal_system, make_researcher

pytestmark = pytest.mark.django_db

# The URL names every ModelAdmin has; anything else a ModelAdmin serves is a custom view.
STANDARD_VIEWS = ("changelist", "add", "history", "delete", "change")


@pytest.fixture
def viewer(django_user_model):
    """Staff with the view permission on every model and nothing else."""
    user = django_user_model.objects.create_user("viewer", password="a-long-viewer-password", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return django_user_model.objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("boss", password="a-long-boss-password")


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_action_of_every_admin_declares_the_permission_it_needs(rf, superuser):
    request = rf.get("/admin/")
    request.user = superuser
    undeclared = []
    for model, model_admin in _registered():
        for name, (function, _name, _description) in model_admin.get_actions(request).items():
            if not getattr(function, "allowed_permissions", None):
                undeclared.append(f"{model._meta.label}.{name}")
    assert undeclared == []


def test_a_view_only_staff_member_gets_no_action_that_changes_anything(rf, viewer):
    request = rf.get("/admin/")
    request.user = viewer
    offered = {}
    for model, model_admin in _registered():
        assert model_admin.has_view_permission(request), model._meta.label
        changing = [name for name, (function, _name, _description) in model_admin.get_actions(request).items()
                    if set(getattr(function, "allowed_permissions", ()) or ("undeclared",)) - {"view"}]
        if changing:
            offered[model._meta.label] = changing
    assert offered == {}


def test_a_view_only_staff_member_sees_every_list_without_action_controls(viewer_client):
    for model, _model_admin in _registered():
        response = viewer_client.get(_changelist(model))

        assert response.status_code == 200, model._meta.label
        assert 'name="action"' not in response.content.decode(), model._meta.label


def test_the_staff_with_change_rights_still_get_the_actions(rf, superuser):
    request = rf.get("/admin/")
    request.user = superuser

    actions = admin.site._registry[Notification].get_actions(request)

    assert {"resend", "delete_selected"} <= set(actions)


def test_custom_admin_views_refuse_a_view_only_staff_members_post(viewer_client):
    make_journal_system(platform="file_export", base_url="file:///tmp/scholar-link-exports")
    refused = {}
    for model, model_admin in _registered():
        standard = {f"{model._meta.app_label}_{model._meta.model_name}_{view}" for view in STANDARD_VIEWS}
        for pattern in model_admin.get_urls():
            if pattern.name is None or pattern.name in standard:
                continue
            first = model.objects.order_by("pk").first()
            if pattern.pattern.converters and first is None:
                continue  # nothing to act on
            kwargs = {name: first.pk for name in pattern.pattern.converters}
            response = viewer_client.post(reverse(f"admin:{pattern.name}", kwargs=kwargs), {})
            refused[pattern.name] = response.status_code
    assert refused  # the upload-export and delivery-stats views at least
    assert {name: status for name, status in refused.items() if status not in (403, 405)} == {}


def test_view_only_staff_cannot_resend_a_failed_notification(viewer_client):
    researcher = make_researcher()
    notice = Notification.objects.create(researcher=researcher, kind="status_changed", title="t", body="b",
                                         page="pages/home/index", dedupe_key="n1", state=NotificationState.FAILED)

    viewer_client.post(_changelist(Notification), {"action": "resend", "_selected_action": [notice.pk]})

    notice.refresh_from_db()
    assert notice.state == NotificationState.FAILED


def test_view_only_staff_cannot_revoke_tokens(viewer_client, login):
    login("alice")
    token = AuthToken.objects.get()

    viewer_client.post(_changelist(AuthToken), {"action": "revoke", "_selected_action": [token.pk]})

    token.refresh_from_db()
    assert token.revoked_at is None


def test_view_only_staff_cannot_verify_an_account(viewer_client):
    account = make_account(make_researcher(), make_journal_system(), email="li.wei@example.org", user_id="7",
                           status=JournalAccountStatus.MANUAL_REVIEW)
    model = type(account)

    viewer_client.post(_changelist(model), {"action": "verify_by_staff", "_selected_action": [account.pk]})

    account.refresh_from_db()
    assert account.status == JournalAccountStatus.MANUAL_REVIEW


def test_delivery_stats_are_readable_by_view_only_staff_only(viewer_client, client, django_user_model):
    url = reverse("admin:notifications_delivery_stats")
    stranger = django_user_model.objects.create_user("stranger", password="a-long-stranger-pw", is_staff=True)

    assert viewer_client.get(url).status_code == 200
    client.force_login(stranger)
    assert client.get(url).status_code == 403
