from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sanzhi.web"
    label = "web"
