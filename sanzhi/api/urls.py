"""``/api/``: OpenAPI schema and docs, and version 1 of the REST API under ``/api/v1/``."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from sanzhi.api.views.auth import TokenView
from sanzhi.api.views.categories import CategoryListView, DepartmentListView
from sanzhi.api.views.kpis import KpiView
from sanzhi.api.views.me import MeView
from sanzhi.api.views.nodes import NodeDetailView, NodeListView
from sanzhi.api.views.people import (
    HouseholdDetailView,
    HouseholdListView,
    ResidentDetailView,
    ResidentListView,
)
from sanzhi.api.views.tickets import ACTION_VIEWS, TicketAttachmentView, TicketDetailView, TicketListView

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
    path("kpis", KpiView.as_view(), name="kpis"),
    path("tickets/", TicketListView.as_view(), name="ticket-list"),
    path("tickets/<int:id>", TicketDetailView.as_view(), name="ticket-detail"),
    path("tickets/<int:id>/attachments/<int:aid>", TicketAttachmentView.as_view(), name="ticket-attachment"),
    *[
        path(f"tickets/<int:id>/{action}", view.as_view(), name=f"ticket-{action}")
        for action, view in ACTION_VIEWS.items()
    ],
    path("categories/", CategoryListView.as_view(), name="category-list"),
    path("departments/", DepartmentListView.as_view(), name="department-list"),
    path("points/", include("sanzhi.api.points.urls")),
    path("deliberation/", include("sanzhi.api.deliberation.urls")),
    path("disclosure/", include("sanzhi.api.disclosure.urls")),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/", include(v1)),
]
