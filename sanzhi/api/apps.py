from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sanzhi.api"
    label = "api"
