from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from manuscripts import events as manuscript_events

        manuscript_events.manuscript_status_changed.connect(_manuscript_status_changed,
                                                            dispatch_uid="payments.manuscript_status_changed")


def _manuscript_status_changed(sender, *, changes, **kwargs) -> None:
    from payments.services.orders import apc_orders_for_status_changes

    apc_orders_for_status_changes(changes=changes)
