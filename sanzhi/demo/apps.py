from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sanzhi.demo"
    label = "demo"
