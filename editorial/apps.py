from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EditorialConfig(AppConfig):
    name = "editorial"
    verbose_name = _("Editorial offices")

    def ready(self) -> None:
        from accounts.privacy import privacy_register
        from editorial.privacy import conversations_erase, conversations_export

        privacy_register("conversations", export=conversations_export, erase=conversations_erase)
