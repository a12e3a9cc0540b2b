from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "sanzhi.disclosure"
    label = "disclosure"
    verbose_name = _("三务公开")
    default_auto_field = "django.db.models.BigAutoField"
