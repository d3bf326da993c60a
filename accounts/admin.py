from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import linking
from accounts.models import (
    AuthToken,
    JournalAccount,
    JournalAccountStatus,
    PrivacyRequest,
    Researcher,
    User,
    WeChatIdentity,
)
from accounts.services import researchers_touch
from publisher_backend.errors import Conflict


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "email", "is_staff", "is_active", "date_joined"]


class WeChatIdentityInline(admin.TabularInline):
    model = WeChatIdentity
    extra = 0
    can_delete = False
    # The session key is deliberately absent: it is a secret, never shown.
    fields = ["appid", "openid", "unionid", "created_at", "updated_at"]
    readonly_fields = fields


@admin.register(Researcher)
class ResearcherAdmin(admin.ModelAdmin):
    list_display = ["id", "display_name", "institution", "language", "orcid", "login_count", "last_seen_at",
                    "created_at"]
    list_filter = ["language", "created_at", "last_seen_at"]
    search_fields = ["display_name", "institution", "orcid", "wechat_identities__openid",
                     "wechat_identities__unionid"]
    readonly_fields = ["user", "created_at", "last_seen_at", "last_login_at", "last_login_ip", "login_count"]
    date_hierarchy = "created_at"
    inlines = [WeChatIdentityInline]
    list_per_page = 50

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        researchers_touch(researcher_ids=[obj.pk])  # other systems read the change through updated_since


@admin.register(WeChatIdentity)
class WeChatIdentityAdmin(admin.ModelAdmin):
    list_display = ["openid", "appid", "unionid", "researcher", "created_at", "updated_at"]
    list_filter = ["appid", "created_at"]
    search_fields = ["openid", "unionid", "researcher__display_name"]
    list_select_related = ["researcher"]
    # session_key is excluded from every admin form and list.
    fields = ["researcher", "appid", "openid", "unionid", "created_at", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    list_display = ["researcher", "created_at", "last_used_at", "expires_at", "revoked_at", "user_agent"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "expires_at"]
    search_fields = ["researcher__display_name", "user_agent"]
    list_select_related = ["researcher"]
    fields = ["researcher", "created_at", "last_used_at", "expires_at", "revoked_at", "user_agent"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, _("%(count)d tokens revoked.") % {"count": count})


@admin.register(JournalAccount)
class JournalAccountAdmin(admin.ModelAdmin):
    """Linked accounts; the manual-verification queue is the 'Waiting for staff' filter."""

    list_display = ["identity", "journal_system", "researcher", "status", "verification_method", "email_on_file",
                    "verified_at", "created_at"]
    list_filter = ["status", "verification_method", "journal_system"]
    search_fields = ["identity", "email_on_file", "platform_user_id", "researcher__display_name"]
    list_select_related = ["journal_system", "researcher"]
    fields = ["researcher", "journal_system", "identity", "identity_kind", "platform_user_id", "email_on_file",
              "status", "verification_method", "verified_at", "code_sent_at", "code_attempts", "manual_review_note",
              "created_at"]
    readonly_fields = fields
    actions = ["verify_by_staff"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Verify selected accounts (identity checked by staff)"), permissions=["change"])
    def verify_by_staff(self, request, queryset):
        # The researcher's path (accounts.linking): the first sync and the "account linked" notice follow
        # through accounts.events after commit.
        verified, conflicts = 0, []
        for account in queryset.exclude(status=JournalAccountStatus.VERIFIED):
            try:
                linking.journal_account_staff_verify(account=account, staff=request.user)
                verified += 1
            except Conflict:
                conflicts.append(str(account))
        self.message_user(request, _("%(count)d accounts verified.") % {"count": verified})
        if conflicts:
            self.message_user(request, _("Already verified by another researcher (resolve by unlinking one): %(list)s")
                              % {"list": ", ".join(conflicts)}, level=messages.WARNING)


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(admin.ModelAdmin):
    """The audit trail of exports and erasures (accounts.privacy): read-only for every staff member."""

    list_display = ["created_at", "kind", "researcher", "researcher_hash"]
    list_filter = ["kind", "created_at"]
    search_fields = ["researcher_hash"]
    list_select_related = ["researcher"]
    fields = ["kind", "researcher", "researcher_hash", "sections", "created_at"]
    readonly_fields = fields
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
