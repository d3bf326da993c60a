"""Writes for researchers, WeChat identities and API tokens."""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed

from accounts.events import researcher_created_publish
from accounts.models import AuthToken, Language, Researcher, User, WeChatIdentity
from publisher_backend import wechat
from publisher_backend.dispatch import enqueue_on_commit
from publisher_backend.errors import ApiError, Throttled, UpstreamUnavailable
from publisher_backend.ratelimit import rate_limit_hit

logger = logging.getLogger(__name__)

# WeChat's answers to jscode2session that mean "this code will never work".
WECHAT_CODE_ERRORS = {
    40029: _("The WeChat login code is not valid. Please try again."),
    40163: _("This WeChat login code was already used. Please try again."),
    40226: _("WeChat blocked this login as high risk. Please try again later."),
}
WECHAT_RATE_LIMITED = 45011


class WeChatCodeInvalid(ApiError):
    status_code = 400
    code = "wechat_code_invalid"


def _hash_token(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def _wechat_session_for_code(code: str) -> dict:
    try:
        return wechat.code_to_session(code)
    except wechat.WeChatClientException as exc:
        if exc.errcode in WECHAT_CODE_ERRORS:
            raise WeChatCodeInvalid(WECHAT_CODE_ERRORS[exc.errcode]) from exc
        if exc.errcode == WECHAT_RATE_LIMITED:
            raise Throttled(retry_after_seconds=60,
                            message=_("WeChat is limiting logins right now. Please try again in a minute.")) from exc
        logger.warning("jscode2session failed: errcode=%s errmsg=%s", exc.errcode, exc.errmsg)
        raise UpstreamUnavailable(_("WeChat is busy. Please try again shortly.")) from exc
    except (requests.RequestException, ValueError) as exc:
        logger.warning("jscode2session unreachable: %s", exc)
        raise UpstreamUnavailable(_("WeChat cannot be reached. Please try again shortly.")) from exc


def _identity_upsert(*, appid: str, openid: str, unionid: str, session_key: str, language: str) -> WeChatIdentity:
    """Find the identity by (appid, openid), else create it (and its researcher) in one transaction.

    A first login of a user known to another of the publisher's apps (same unionid) joins that
    researcher. Two simultaneous first logins race on the unique constraint; the loser reads the winner's row.
    """
    # Locked: a login waits for an erasure of the same researcher in progress (accounts.privacy) and then finds
    # no identity, so it starts a new researcher instead of issuing a token to one being deleted.
    identity = (WeChatIdentity.objects.select_for_update(of=("self",)).select_related("researcher__user")
                .filter(appid=appid, openid=openid).first())
    if identity is None:
        try:
            with transaction.atomic():
                researcher = None
                if unionid:
                    sibling = WeChatIdentity.objects.select_related("researcher").filter(unionid=unionid).first()
                    researcher = sibling.researcher if sibling else None
                if researcher is None:
                    user = User(username=f"wx_{secrets.token_hex(8)}")
                    user.set_unusable_password()
                    user.save()
                    researcher = Researcher.objects.create(user=user, language=language)
                    researchers_touch(researcher_ids=[researcher.pk])  # the database's clock, not this process's
                    researcher_created_publish(researcher_id=researcher.pk)
                return WeChatIdentity.objects.create(researcher=researcher, appid=appid, openid=openid,
                                                     unionid=unionid, session_key=session_key)
        except IntegrityError:
            identity = WeChatIdentity.objects.select_related("researcher__user").get(appid=appid, openid=openid)
    identity.session_key = session_key
    update_fields = ["session_key", "updated_at"]
    if unionid and identity.unionid != unionid:
        identity.unionid = unionid
        update_fields.append("unionid")
    identity.save(update_fields=update_fields)
    return identity


def auth_token_issue(*, researcher: Researcher, user_agent: str = "") -> str:
    """Create a token; only its hash is stored, the raw value is returned once."""
    raw_token = secrets.token_urlsafe(32)
    now = timezone.now()
    AuthToken.objects.create(
        researcher=researcher, key_hash=_hash_token(raw_token), created_at=now, last_used_at=now,
        expires_at=now + timedelta(days=settings.AUTH_TOKEN_TTL_DAYS), user_agent=user_agent[:200],
    )
    return raw_token


def researcher_login_with_wechat(*, code: str, client_address: str | None, user_agent: str = "",
                                 language: str = Language.ZH_HANS) -> tuple[str, Researcher]:
    """Flow 1: a wx.login code -> (our own token, the researcher).

    Rate limited per client address before WeChat is asked and per WeChat user after. The login
    record is written by a Celery task after commit, or here when the broker is down. WeChat's
    failures map to 400 (bad code), 429 (rate limited) and 503 (busy or unreachable) — never 401,
    which would make the Mini Program log in again in a loop.
    """
    if client_address:
        retry_after = rate_limit_hit(key=f"login:client:{client_address}", rate=settings.LOGIN_RATE_PER_CLIENT)
        if retry_after:
            raise Throttled(retry_after_seconds=retry_after)
    session = _wechat_session_for_code(code)
    openid = session.get("openid")
    if not openid:
        logger.warning("jscode2session answered without openid")
        raise UpstreamUnavailable(_("WeChat is busy. Please try again shortly."))
    retry_after = rate_limit_hit(key=f"login:wechat:{settings.WECHAT_APP_ID}:{openid}",
                                 rate=settings.LOGIN_RATE_PER_WECHAT_USER)
    if retry_after:
        raise Throttled(retry_after_seconds=retry_after)

    with transaction.atomic():
        identity = _identity_upsert(appid=settings.WECHAT_APP_ID, openid=openid,
                                    unionid=session.get("unionid") or "",
                                    session_key=session.get("session_key") or "", language=language)
        researcher = identity.researcher
        raw_token = auth_token_issue(researcher=researcher, user_agent=user_agent)
        logged_in_at = timezone.now()
        # No sweep finds a login that was not recorded: with the broker down the one UPDATE runs here instead.
        enqueue_on_commit("accounts.tasks.record_login", researcher.pk, client_address, logged_in_at.isoformat(),
                          fallback=lambda: researcher_record_login(researcher_id=researcher.pk,
                                                                   client_address=client_address,
                                                                   logged_in_at=logged_in_at))
    return raw_token, researcher


def auth_token_authenticate(*, raw_token: str) -> AuthToken:
    """The token behind a Bearer value, sliding its expiry; AuthenticationFailed (401) otherwise.

    The last-used time (and so the sliding expiry) is written at most once per
    AUTH_TOKEN_TOUCH_SECONDS, so an ordinary request costs one query.
    """
    token = (AuthToken.objects.select_related("researcher__user")
             .filter(key_hash=_hash_token(raw_token)).first())
    now = timezone.now()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        raise AuthenticationFailed()
    if not token.researcher.user.is_active:
        raise AuthenticationFailed()
    if (now - token.last_used_at).total_seconds() >= settings.AUTH_TOKEN_TOUCH_SECONDS:
        token.last_used_at = now
        token.expires_at = now + timedelta(days=settings.AUTH_TOKEN_TTL_DAYS)
        AuthToken.objects.filter(pk=token.pk).update(last_used_at=now, expires_at=token.expires_at)
        Researcher.objects.filter(pk=token.researcher_id).update(last_seen_at=now)
    return token


def auth_token_revoke(*, token: AuthToken) -> None:
    AuthToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def auth_tokens_purge_expired(*, older_than_days: int = 30) -> int:
    """Delete tokens that expired or were revoked more than `older_than_days` ago. Returns the count."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _by_model = AuthToken.objects.filter(Q(expires_at__lt=cutoff) | Q(revoked_at__lt=cutoff)).delete()
    return deleted


def researcher_record_login(*, researcher_id: int, client_address: str | None, logged_in_at: datetime) -> bool:
    """Count a login and remember when and from where. Idempotent: a redelivered task changes nothing."""
    updated = (Researcher.objects.filter(pk=researcher_id)
               .filter(Q(last_login_at__isnull=True) | Q(last_login_at__lt=logged_in_at))
               .update(login_count=F("login_count") + 1, last_login_at=logged_in_at,
                       last_login_ip=client_address, last_seen_at=logged_in_at))
    return bool(updated)


def researcher_update_profile(*, researcher: Researcher, changes: dict) -> Researcher:
    """Apply profile changes already validated by the API (display name, institution, language, ORCID iD).

    Typing an iD other than the proven one drops the proof (orcid_verified becomes false)."""
    editable = {"display_name", "institution", "language", "orcid"}
    fields = [name for name in changes if name in editable]
    if "orcid" in fields and changes["orcid"] != researcher.orcid and researcher.orcid_verified_at is not None:
        # A typed iD proves nothing: another iD than the proven one drops the proof.
        researcher.orcid_verified_at = None
        fields.append("orcid_verified_at")
    for name in fields:
        if name in changes:
            setattr(researcher, name, changes[name])
    if fields:
        researcher.save(update_fields=fields)
        researchers_touch(researcher_ids=[researcher.pk])
    return researcher


class ClockNow(Now):
    """The database's clock when the row is written (PostgreSQL's clock_timestamp()), not when the statement or
    the transaction began: the stamp is then always later than the moment the writing transaction appeared in
    pg_stat_activity, which the staff API's `updated_since` relies on (tagging.selectors.staff_api)."""

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="CLOCK_TIMESTAMP()", **extra_context)


def researchers_touch(*, researcher_ids) -> int:
    """Mark what other systems read of these researchers (profile, ORCID iD, tags) as changed now, with the
    database's clock: a reader of `updated_since` can then tell which changes may still be uncommitted.
    Call it inside the transaction that makes the change."""
    return Researcher.objects.filter(pk__in=researcher_ids).update(updated_at=ClockNow())
