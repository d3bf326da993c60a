from celery import shared_task

from notifications import sender
from notifications.services import SENDER_KICK
from publisher_backend.dispatch import coalesced_task_started


@shared_task(ignore_result=True, soft_time_limit=240, time_limit=270)
def send_due() -> dict:
    """Send due notifications: kicked after the commit that creates them, and by the beat sweep."""
    coalesced_task_started(SENDER_KICK)
    return sender.notifications_send_due().as_dict()
