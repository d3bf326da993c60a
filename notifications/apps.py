from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from accounts.privacy import privacy_register
        from notifications.privacy import notifications_export

        privacy_register("notifications", export=notifications_export)
