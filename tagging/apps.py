from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaggingConfig(AppConfig):
    name = "tagging"
    verbose_name = _("Tags, segments and campaigns")

    def ready(self) -> None:
        from accounts import events as account_events
        from manuscripts import events as manuscript_events
        from payments import events as payment_events

        # Webhooks hear the lower apps' domain events (design flow 7); each handler only calls a service.
        account_events.researcher_created.connect(_webhooks_researcher_created,
                                                  dispatch_uid="tagging.webhooks.researcher_created")
        manuscript_events.manuscript_status_changed.connect(_webhooks_manuscript_status_changed,
                                                            dispatch_uid="tagging.webhooks.manuscript_status_changed")
        payment_events.order_paid.connect(_webhooks_order_paid, dispatch_uid="tagging.webhooks.order_paid")


def _webhooks_researcher_created(sender, *, researcher_id, **kwargs) -> None:
    from tagging.services.webhook_sources import webhooks_researcher_created

    webhooks_researcher_created(researcher_id=researcher_id)


def _webhooks_manuscript_status_changed(sender, *, changes, **kwargs) -> None:
    from tagging.services.webhook_sources import webhooks_manuscript_status_changed

    webhooks_manuscript_status_changed(changes=changes)


def _webhooks_order_paid(sender, *, order_id, **kwargs) -> None:
    from tagging.services.webhook_sources import webhooks_order_paid

    webhooks_order_paid(order_id=order_id)
