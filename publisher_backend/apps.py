from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublisherBackendConfig(AppConfig):
    name = "publisher_backend"
    verbose_name = _("Scholar Link")
