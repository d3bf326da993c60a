"""Admin-wide rules: sign-in is throttled, and every action declares the permission it needs (installed
packages' admins included)."""

import hashlib
import math

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as celery_beat_admin
from django_celery_beat.models import PeriodicTask

from publisher_backend.http import client_address
from publisher_backend.ratelimit import rate_limit_hit


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    """Admin sign-in, counted per client address and per username *before* the password is checked.

    Guessing passwords costs an attacker the limit, not us a password hash per guess. Every attempt
    counts (so a correct guess after the limit is refused too); a sign-in within the limits goes through
    untouched. The per-username count lets someone lock a known staff name out for the window, as
    django-axes does; the per-client count alone would not stop guesses spread over many addresses.
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _("Too many sign-in attempts. Please wait %(minutes)s min and try again."),
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        if username:
            retry_after_seconds = self._count_attempt(username=username)
            if retry_after_seconds:
                raise ValidationError(self.error_messages["throttled"], code="throttled",
                                      params={"minutes": math.ceil(retry_after_seconds / 60)})
        return super().clean()

    def _count_attempt(self, *, username: str) -> int | None:
        # Hashed: a typed username may hold anything, and cache keys should not.
        username_key = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
        waits = [rate_limit_hit(key=f"admin-login:user:{username_key}", rate=settings.ADMIN_LOGIN_RATE_PER_USERNAME)]
        address = client_address(self.request) if self.request is not None else None
        if address:
            waits.append(rate_limit_hit(key=f"admin-login:client:{address}", rate=settings.ADMIN_LOGIN_RATE_PER_CLIENT))
        return max((wait for wait in waits if wait), default=None)


admin.site.login_form = ThrottledAdminLoginForm


class PeriodicTaskAdmin(celery_beat_admin.PeriodicTaskAdmin):
    """django-celery-beat's actions change or run tasks but declare no permission, so view-only staff got
    them: each now needs the change permission."""

    @admin.action(description=celery_beat_admin.PeriodicTaskAdmin.enable_tasks.short_description,
                  permissions=["change"])
    def enable_tasks(self, request, queryset):
        return super().enable_tasks(request, queryset)

    @admin.action(description=celery_beat_admin.PeriodicTaskAdmin.disable_tasks.short_description,
                  permissions=["change"])
    def disable_tasks(self, request, queryset):
        return super().disable_tasks(request, queryset)

    @admin.action(description=celery_beat_admin.PeriodicTaskAdmin.toggle_tasks.short_description,
                  permissions=["change"])
    def toggle_tasks(self, request, queryset):
        return super().toggle_tasks(request, queryset)

    @admin.action(description=celery_beat_admin.PeriodicTaskAdmin.run_tasks.short_description,
                  permissions=["change"])
    def run_tasks(self, request, queryset):
        return super().run_tasks(request, queryset)


admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, PeriodicTaskAdmin)
