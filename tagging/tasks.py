"""Tagging's Celery tasks: thin wrappers over its services."""

from celery import shared_task

from tagging.services.campaigns import campaign_plan as _campaign_plan
from tagging.services.campaigns import campaign_send_batch as _campaign_send_batch
from tagging.services.campaigns import campaigns_launch_due as _campaigns_launch_due
from tagging.services.enrichment import researchers_enrich_due as _researchers_enrich_due


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=600, time_limit=660)
def campaign_plan(campaign_id: int) -> int:
    return _campaign_plan(campaign_id=campaign_id)


@shared_task(ignore_result=True, acks_late=True, soft_time_limit=120, time_limit=150)
def campaign_send_batch(campaign_id: int, first_id: int, last_id: int) -> int:
    return _campaign_send_batch(campaign_id=campaign_id, first_id=first_id, last_id=last_id)


@shared_task(ignore_result=True)
def campaigns_launch_due() -> int:
    """Beat: start the scheduled campaigns whose send time has come."""
    return _campaigns_launch_due()


@shared_task(ignore_result=True, soft_time_limit=1800, time_limit=1900)
def researchers_enrich_due() -> dict:
    """Nightly: works count and subjects from Crossref for researchers with a proven ORCID iD."""
    return _researchers_enrich_due()
