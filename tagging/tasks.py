"""Tagging's Celery tasks: thin wrappers over its services."""

from celery import shared_task

from tagging.services import official_account
from tagging.wechat_oa import OaUnavailable, oa_enabled


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
