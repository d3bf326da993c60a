from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import validate_orcid, validate_platform_url
from publisher_backend.fields import EncryptedJSONField, EncryptedTextField


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
    # Set when the researcher signed in at ORCID and ORCID answered with this iD (accounts.orcid);
    # a typed iD proves nothing. Cleared when the researcher types another iD.
    # Not editable: only ORCID's answer sets it (admin forms leave it out).
    orcid_verified_at = models.DateTimeField(_("ORCID iD proven at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True, db_index=True)
    last_login_at = models.DateTimeField(_("last login at"), null=True, blank=True)
    last_login_ip = models.GenericIPAddressField(_("last login address"), null=True, blank=True)
    login_count = models.PositiveIntegerField(_("logins"), default=0)
    # When what other systems read of this researcher (profile, tags) last changed: the staff API's
    # `updated_since` reads it. Written with the database's clock (accounts.services.researchers_touch).
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True, editable=False)
    # The privacy policy version the researcher agreed to, and when (accounts.privacy); empty until they agree.
    privacy_consent_version = models.CharField(_("privacy policy version agreed"), max_length=32, blank=True,
                                               editable=False)
    privacy_consent_at = models.DateTimeField(_("privacy policy agreed at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("researcher")
        verbose_name_plural = _("researchers")
        ordering = ["-created_at"]
        constraints = [
            # An iD is proven by one researcher only, even under concurrent callbacks.
            models.UniqueConstraint(fields=["orcid"], condition=models.Q(orcid_verified_at__isnull=False),
                                    name="researcher_orcid_proven_once"),
        ]

    def __str__(self) -> str:
        return self.display_name or _("Researcher #%(id)s") % {"id": self.pk}

    @property
    def orcid_verified(self) -> bool:
        return bool(self.orcid) and self.orcid_verified_at is not None


class OrcidProof(models.Model):
    """One attempt to prove an ORCID iD: a one-time ticket (opens the start page), then an OAuth state.

    Only SHA-256 digests are stored. The ticket is bound to the researcher who asked for it; the state
    also to the browser that consumed the ticket (a cookie nonce), so a link forwarded to someone else
    cannot prove *their* iD onto the sender's profile.
    """

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="orcid_proofs",
                                   verbose_name=_("researcher"))
    ticket_hash = models.CharField(max_length=64, unique=True, editable=False)
    ticket_expires_at = models.DateTimeField(_("ticket expires at"))
    ticket_used_at = models.DateTimeField(_("ticket used at"), null=True, blank=True)
    state_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    browser_hash = models.CharField(max_length=64, blank=True, editable=False)
    state_expires_at = models.DateTimeField(_("state expires at"), null=True, blank=True)
    state_used_at = models.DateTimeField(_("state used at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=32, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("ORCID proof attempt")
        verbose_name_plural = _("ORCID proof attempts")

    def __str__(self) -> str:
        return f"{self.researcher_id}:{self.created_at:%Y-%m-%d %H:%M}"


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


class Platform(models.TextChoices):
    OJS = "ojs", _("Open Journal Systems")
    SCHOLARONE = "scholarone", _("ScholarOne Manuscripts")
    EDITORIAL_MANAGER = "editorial_manager", _("Editorial Manager")
    JANEWAY = "janeway", _("Janeway")
    CROSSREF = "crossref", _("Crossref")
    FILE_EXPORT = "file_export", _("File export")


class LocalizedName:
    """`name_en` / `name_zh_hans` fields, read in the request's language with a fallback to the other."""

    def localized_name(self, language: str) -> str:
        return (self.name_zh_hans if language.startswith("zh") else self.name_en) or self.name_en or self.name_zh_hans


class JournalSystem(LocalizedName, models.Model):
    """A journal platform the publisher runs (an OJS site, a ScholarOne account, …), with our credentials."""

    key = models.SlugField(_("key"), max_length=64, unique=True,
                           help_text=_("Stable identifier; journals_import updates rows by key."))
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    platform = models.CharField(_("platform"), max_length=32, choices=Platform.choices)
    base_url = models.CharField(_("base URL"), max_length=300, validators=[validate_platform_url],
                                help_text=_("The platform's https origin, or file:///folder for export files."))
    credentials = EncryptedJSONField(_("API credentials"), blank=True, default=dict,
                                     help_text=_("Stored encrypted; never shown back in full."))
    rate_limit_per_minute = models.PositiveIntegerField(_("rate limit per minute"), default=60)
    timeout_seconds = models.FloatField(_("timeout (seconds)"), default=10.0)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("journal system")
        verbose_name_plural = _("journal systems")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.name_en or self.key


class Journal(LocalizedName, models.Model):
    journal_system = models.ForeignKey(JournalSystem, on_delete=models.CASCADE, related_name="journals",
                                       verbose_name=_("journal system"))
    key = models.SlugField(_("key"), max_length=64)
    platform_path = models.CharField(_("platform identifier"), max_length=200,
                                     help_text=_("The platform's journal/context identifier (OJS context path, …)."))
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=300, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=300)
    issn = models.CharField(_("ISSN"), max_length=9, blank=True)
    eissn = models.CharField(_("eISSN"), max_length=9, blank=True)
    cover_image_url = models.URLField(_("cover image URL"), max_length=500, blank=True)
    # Article charges, read by payments: [{"kind": "apc", "amount_fen": 250000, "name": {"en": …, "zh-hans": …}}]
    charges = models.JSONField(_("charges"), default=list, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("journal")
        verbose_name_plural = _("journals")
        ordering = ["journal_system__key", "key"]
        constraints = [
            models.UniqueConstraint(fields=["journal_system", "key"], name="journal_unique_key_per_system"),
            models.UniqueConstraint(fields=["journal_system", "platform_path"], name="journal_unique_path_per_system"),
        ]

    def __str__(self) -> str:
        return self.name_en or self.key


class JournalAccountStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the code")
    MANUAL_REVIEW = "manual_review", _("Waiting for staff")
    VERIFIED = "verified", _("Verified")


class VerificationMethod(models.TextChoices):
    EMAIL_CODE = "email_code", _("Code sent to the e-mail on file")
    ORCID_MATCH = "orcid_match", _("The researcher's ORCID iD, proven at ORCID")
    STAFF = "staff", _("Verified by staff")


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    USERNAME = "username", _("Username")
    ORCID = "orcid", _("ORCID iD")


class JournalAccount(models.Model):
    """A researcher's account on a journal system, and the proof that it is theirs.

    An identity (the platform's user) can be verified by one researcher only: a partial unique index
    on verified rows enforces it even under concurrent verifications.
    """

    researcher = models.ForeignKey(Researcher, on_delete=models.CASCADE, related_name="journal_accounts",
                                   verbose_name=_("researcher"))
    journal_system = models.ForeignKey(JournalSystem, on_delete=models.PROTECT, related_name="accounts",
                                       verbose_name=_("journal system"))
    identity = models.CharField(_("identity as entered"), max_length=254)
    identity_kind = models.CharField(_("identity kind"), max_length=16, choices=IdentityKind.choices)
    # Empty while the platform does not know the identity: such an account can never be verified.
    platform_user_id = models.CharField(_("platform user id"), max_length=128, blank=True, db_index=True)
    email_on_file = models.EmailField(_("e-mail on file"), blank=True)
    # What the researcher is told about where the code went, fixed when the link starts (accounts.linking).
    email_hint = models.CharField(_("e-mail hint"), max_length=254, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=JournalAccountStatus.choices,
                              default=JournalAccountStatus.PENDING, db_index=True)
    verification_method = models.CharField(_("verification method"), max_length=16,
                                           choices=VerificationMethod.choices, blank=True)
    code_hash = models.CharField(_("code hash"), max_length=64, blank=True, editable=False)
    code_expires_at = models.DateTimeField(_("code expires at"), null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(_("failed code attempts"), default=0)
    code_sent_at = models.DateTimeField(_("code sent at"), null=True, blank=True)
    manual_review_note = models.TextField(_("note for staff"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("linked journal account")
        verbose_name_plural = _("linked journal accounts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["journal_system", "platform_user_id"],
                condition=models.Q(status="verified"),
                name="journal_account_identity_verified_once",
            ),
        ]
        indexes = [models.Index(fields=["journal_system", "email_on_file"], name="journal_account_email_idx")]

    def __str__(self) -> str:
        return f"{self.journal_system.key}:{self.identity}"


class PrivacyRequestKind(models.TextChoices):
    EXPORT = "export", _("Export of personal data")
    ERASE = "erase", _("Erasure of personal data")


class PrivacyRequest(models.Model):
    """The staff's audit trail of privacy requests (accounts.privacy). An erasure keeps no personal data: the
    researcher link is gone and only a keyed hash of the former id remains."""

    kind = models.CharField(_("kind"), max_length=8, choices=PrivacyRequestKind.choices, db_index=True)
    researcher = models.ForeignKey(Researcher, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="privacy_requests", verbose_name=_("researcher"))
    researcher_hash = models.CharField(_("researcher reference (hash)"), max_length=64, db_index=True,
                                       editable=False)
    sections = models.JSONField(_("sections"), default=list, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("privacy request")
        verbose_name_plural = _("privacy requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
