"""Tagging's Celery tasks: thin wrappers over its services."""

import logging

from celery import shared_task

from publisher_backend.dispatch import coalesced_task_started, enqueue_now
from tagging.services import official_account, rules, webhooks
from tagging.services.campaigns import campaign_oa_send as _campaign_oa_send
from tagging.services.campaigns import campaign_oa_send_finished as _campaign_oa_send_finished
from tagging.services.campaigns import campaign_plan as _campaign_plan
from tagging.services.campaigns import campaign_send_batch as _campaign_send_batch
from tagging.services.campaigns import campaigns_launch_due as _campaigns_launch_due
from tagging.services.enrichment import researchers_enrich_due as _researchers_enrich_due
from tagging.wechat_oa import OaUnavailable, oa_enabled

logger = logging.getLogger(__name__)


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



# A whole tag over a large population may take a while; it writes its progress batch by batch.
EVALUATION_TIME_LIMITS = {"soft_time_limit": 3600, "time_limit": 3660}


@shared_task(ignore_result=True, **EVALUATION_TIME_LIMITS)
def tag_rules_evaluate(tag_id: int) -> None:
    coalesced_task_started(rules.tag_rules_coalesce_key(tag_id))
    rules.tag_rules_evaluate(tag_id=tag_id)


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def rules_nightly() -> dict:
    """Beat, every night: expire assignments past their date, then re-evaluate every tag with rules, one task
    per tag (time-window rules drop people as time passes; profile changes no event announces are caught)."""
    expired = rules.tag_assignments_expire()
    tag_ids = rules.rule_tag_ids()
    for tag_id in tag_ids:
        enqueue_now("tagging.tasks.tag_rules_evaluate", tag_id)
    logger.info("tag rules nightly: %d assignments expired, %d tags to re-evaluate", expired, len(tag_ids))
    return {"expired": expired, "tags": len(tag_ids)}


@shared_task(ignore_result=True, soft_time_limit=120, time_limit=150)
def webhook_deliver(endpoint_id: int) -> dict:
    """Send one endpoint's due deliveries for a bounded time (tagging.services.webhooks)."""
    report = webhooks.webhook_deliveries_send(endpoint_id=endpoint_id)
    return {"attempted": report.attempted, "delivered": report.delivered, "more_due": report.more_due}


@shared_task(ignore_result=True, soft_time_limit=60, time_limit=90)
def webhook_sweep() -> int:
    """Beat: a sender for every endpoint with deliveries due."""
    return webhooks.webhooks_sweep()


@shared_task(ignore_result=True, soft_time_limit=600, time_limit=660)
def webhook_purge() -> int:
    """Beat, daily: old delivered and failed deliveries go."""
    return webhooks.webhook_deliveries_purge()
