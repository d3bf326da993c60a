"""Tagging's Celery tasks: thin wrappers over its services."""

from celery import shared_task

from tagging.services import official_account
from tagging.services.campaigns import campaign_oa_send as _campaign_oa_send
from tagging.services.campaigns import campaign_oa_send_finished as _campaign_oa_send_finished
from tagging.services.campaigns import campaign_plan as _campaign_plan
from tagging.services.campaigns import campaign_send_batch as _campaign_send_batch
from tagging.services.campaigns import campaigns_launch_due as _campaigns_launch_due
from tagging.services.enrichment import researchers_enrich_due as _researchers_enrich_due
from tagging.wechat_oa import OaUnavailable, oa_enabled


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=600, time_limit=660)
def campaign_plan(campaign_id: int) -> int:
    return _campaign_plan(campaign_id=campaign_id)


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=120, time_limit=150)
def campaign_send_batch(campaign_id: int, first_id: int, last_id: int) -> int:
    return _campaign_send_batch(campaign_id=campaign_id, first_id=first_id, last_id=last_id)


@shared_task(ignore_result=True, acks_late=True, autoretry_for=(OaUnavailable,), retry_backoff=10,
             retry_backoff_max=600, max_retries=8, soft_time_limit=120, time_limit=150)
def campaign_oa_send(campaign_id: int) -> None:
    """Every batch done: the campaign's Official Account mass sends (retried while WeChat is unreachable)."""
    _campaign_oa_send(campaign_id=campaign_id)


@shared_task(ignore_result=True, autoretry_for=(OaUnavailable,), retry_backoff=30, max_retries=5)
def campaign_oa_send_finished(mass_send_id: int) -> None:
    """WeChat finished a campaign's mass send: its user tag is deleted."""
    _campaign_oa_send_finished(mass_send_id=mass_send_id)


@shared_task(ignore_result=True)
def campaigns_launch_due() -> int:
    """Beat: start the scheduled campaigns whose send time has come."""
    return _campaigns_launch_due()


@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def researchers_enrich_due() -> dict:
    """Nightly: works count and subjects from Crossref for researchers with a proven ORCID iD."""
    return _researchers_enrich_due()


@shared_task(ignore_result=True, time_limit=3600, soft_time_limit=3500)
def oa_followers_sync() -> dict:
    """Nightly: every Official Account follower re-read from WeChat, then unmatched followers matched again."""
    if not oa_enabled():
        return {"skipped": "not configured"}
    report = official_account.oa_followers_sync()
    return {**report.__dict__, "rematched": official_account.oa_followers_rematch()}


@shared_task(ignore_result=True, autoretry_for=(OaUnavailable,), retry_backoff=5, retry_backoff_max=300,
             max_retries=5)
def oa_follower_refresh(openid: str) -> bool:
    """After a follow event: the follower's unionid and language from user/info (the nightly sync catches misses)."""
    if not oa_enabled():
        return False
    return official_account.oa_follower_refresh(openid=openid) is not None
