"""Points console pages (积分: recording, review, rules, accounts, stars, lists, store)."""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
