from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SharingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sharing"
    verbose_name = _("Sharing")

    def ready(self) -> None:
        from accounts.privacy import privacy_register
        from sharing.privacy import shares_erase, shares_export

        privacy_register("shares", export=shares_export, erase=shares_erase)
