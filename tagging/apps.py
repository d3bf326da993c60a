from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaggingConfig(AppConfig):
    name = "tagging"
    verbose_name = _("Tags, segments and campaigns")

    def ready(self) -> None:
        from accounts.privacy import privacy_register
        from tagging import receivers
        from tagging.services.privacy import tags_erase, tags_export

        receivers.connect()
        privacy_register("tags", export=tags_export, erase=tags_erase)
