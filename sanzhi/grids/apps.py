from django.apps import AppConfig


class GridsConfig(AppConfig):
    name = "sanzhi.grids"
    label = "grids"
    verbose_name = "网格"
