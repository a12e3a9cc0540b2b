"""Points pages for residents (my points, history, stars, the store) and the public (lists, stars)."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
