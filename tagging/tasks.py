"""Tagging's Celery tasks: thin wrappers over services. Webhook tasks run on the `webhooks` queue
(CELERY_TASK_ROUTES), away from the product's work."""

from celery import shared_task

from tagging.services import webhooks


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
