"""(filled by its owner; see /work/notes/ISSUE5.md)"""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
