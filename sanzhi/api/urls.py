"""``/api/``: OpenAPI schema and docs, and version 1 of the REST API under ``/api/v1/``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from sanzhi.api.views.auth import TokenView
from sanzhi.api.views.me import MeView
from sanzhi.api.views.nodes import NodeDetailView, NodeListView
from sanzhi.api.views.people import (
    HouseholdDetailView,
    HouseholdListView,
    ResidentDetailView,
    ResidentListView,
)

app_name = "api"

v1: list[URLPattern | URLResolver] = [
    path("auth/token", TokenView.as_view(), name="token"),
    path("me", MeView.as_view(), name="me"),
    path("nodes/", NodeListView.as_view(), name="node-list"),
    path("nodes/<str:code>", NodeDetailView.as_view(), name="node-detail"),
    path("households/", HouseholdListView.as_view(), name="household-list"),
    path("households/<int:id>", HouseholdDetailView.as_view(), name="household-detail"),
    path("residents/", ResidentListView.as_view(), name="resident-list"),
    path("residents/<int:id>", ResidentDetailView.as_view(), name="resident-detail"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/", include(v1)),
]
