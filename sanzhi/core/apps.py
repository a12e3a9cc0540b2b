from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sanzhi.core"
    label = "core"
    verbose_name = "核心"
