from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PointsConfig(AppConfig):
    name = "sanzhi.points"
    label = "points"
    verbose_name = _("积分")
    default_auto_field = "django.db.models.BigAutoField"
