from celery import shared_task
from django.utils.dateparse import parse_datetime

from accounts import services


@shared_task(ignore_result=True)
def record_login(researcher_id: int, client_address: str | None, logged_in_at: str) -> bool:
    return services.researcher_record_login(researcher_id=researcher_id, client_address=client_address,
                                            logged_in_at=parse_datetime(logged_in_at))


@shared_task(ignore_result=True)
def purge_expired_tokens() -> int:
    return services.auth_tokens_purge_expired()
