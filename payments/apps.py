from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from accounts.privacy import privacy_register
        from manuscripts import events as manuscript_events
        from payments.services.privacy import orders_erase, orders_export

        privacy_register("orders", export=orders_export, erase=orders_erase)

        manuscript_events.manuscript_status_changed.connect(_manuscript_status_changed,
                                                            dispatch_uid="payments.manuscript_status_changed")


def _manuscript_status_changed(sender, *, changes, **kwargs) -> None:
    from payments.services.orders import apc_orders_for_status_changes

    apc_orders_for_status_changes(changes=changes)
