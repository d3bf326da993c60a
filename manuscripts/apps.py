from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManuscriptsConfig(AppConfig):
    name = "manuscripts"
    verbose_name = _("Manuscripts")
