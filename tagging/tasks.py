"""Thin Celery wrappers over tagging's services."""

import logging

from celery import shared_task

from publisher_backend.dispatch import coalesced_task_started, enqueue_now
from tagging.services import rules

logger = logging.getLogger(__name__)

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
