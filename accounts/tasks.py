import smtplib

from celery import shared_task
from django.utils.dateparse import parse_datetime

from accounts import linking, orcid, services


@shared_task(ignore_result=True)
def record_login(researcher_id: int, client_address: str | None, logged_in_at: str) -> bool:
    return services.researcher_record_login(researcher_id=researcher_id, client_address=client_address,
                                            logged_in_at=parse_datetime(logged_in_at))


@shared_task(ignore_result=True)
def purge_expired_tokens() -> int:
    return services.auth_tokens_purge_expired()


@shared_task(ignore_result=True)
def purge_orcid_proofs() -> int:
    return orcid.orcid_proofs_purge()


@shared_task(ignore_result=True, autoretry_for=(OSError, smtplib.SMTPException), retry_backoff=5,
             retry_backoff_max=300, max_retries=5)
def send_link_code(account_id: int, sealed_code: str) -> bool:
    """Mail a link code (accounts.linking): a mail server outage retries here, never fails a request."""
    return linking.journal_account_code_mail_send(account_id=account_id, sealed_code=sealed_code)
