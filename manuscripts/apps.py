from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManuscriptsConfig(AppConfig):
    name = "manuscripts"
    verbose_name = _("Manuscripts")

    def ready(self) -> None:
        from accounts import events as account_events
        from accounts.privacy import privacy_register
        from manuscripts.privacy import manuscripts_export

        privacy_register("manuscripts", export=manuscripts_export)

        account_events.journal_account_verified.connect(_journal_account_verified,
                                                        dispatch_uid="manuscripts.journal_account_verified")


def _journal_account_verified(sender, *, account_id: int, **kwargs) -> None:
    from manuscripts.services.linking import journal_account_verified

    journal_account_verified(account_id=account_id)
