from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_orcid
from publisher_backend.fields import EncryptedTextField


class User(AbstractUser):
    """Staff sign in with a password; researchers get a user with no usable password."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class Researcher(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="researcher",
                                verbose_name=_("user"))
    display_name = models.CharField(_("display name"), max_length=64, blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    language = models.CharField(_("preferred language"), max_length=8, choices=Language.choices,
                                default=Language.ZH_HANS)
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True, validators=[validate_orcid],
                             help_text=_("16 characters in groups of four, e.g. 0000-0002-1825-0097."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True, db_index=True)
    last_login_at = models.DateTimeField(_("last login at"), null=True, blank=True)
    last_login_ip = models.GenericIPAddressField(_("last login address"), null=True, blank=True)
    login_count = models.PositiveIntegerField(_("logins"), default=0)

    class Meta:
        verbose_name = _("researcher")
        verbose_name_plural = _("researchers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.display_name or _("Researcher #%(id)s") % {"id": self.pk}


class WeChatIdentity(models.Model):
    """Who a researcher is in WeChat. openid is unique per app; unionid spans the publisher's apps."""

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="wechat_identities",
                                   verbose_name=_("researcher"))
    appid = models.CharField(_("app id"), max_length=32)
    openid = models.CharField(_("openid"), max_length=64)
    unionid = models.CharField(_("unionid"), max_length=64, blank=True, db_index=True)
    # WeChat's session key decrypts the user's encrypted data; kept encrypted and never serialized.
    session_key = EncryptedTextField(_("session key"), blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("WeChat identity")
        verbose_name_plural = _("WeChat identities")
        constraints = [
            models.UniqueConstraint(fields=["appid", "openid"], name="wechat_identity_unique_openid_per_app"),
        ]

    def __str__(self) -> str:
        return f"{self.appid}/{self.openid}"


class AuthToken(models.Model):
    """An API token: only its SHA-256 is stored; it slides to `expires_at` on use and can be revoked."""

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="auth_tokens",
                                   verbose_name=_("researcher"))
    key_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    user_agent = models.CharField(_("client"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.researcher_id}:{self.key_hash[:8]}…"
