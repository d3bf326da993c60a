from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaggingConfig(AppConfig):
    name = "tagging"
    verbose_name = _("Tags, segments and campaigns")

    def ready(self) -> None:
        from tagging import receivers

        receivers.connect()
