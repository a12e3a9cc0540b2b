from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "sanzhi.deliberation"
    label = "deliberation"
    verbose_name = _("议事协商")
    default_auto_field = "django.db.models.BigAutoField"
