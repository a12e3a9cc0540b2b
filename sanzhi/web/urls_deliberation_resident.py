"""(filled by its owner; see /work/notes/ISSUE5.md)"""

from django.urls import URLPattern, path  # noqa: F401

urlpatterns: list[URLPattern] = []
