"""``/open311/v2/``: GeoReport v2 (discovery, services, service definitions, requests, tokens)."""

from __future__ import annotations

from django.urls import URLPattern, re_path

from sanzhi.api.open311 import views

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns: list[URLPattern] = [
    re_path(r"^v2/discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery-root"),
    re_path(r"^v2/services" + FMT, views.service_list, name="services"),
    re_path(r"^v2/services/(?P<code>[-A-Za-z0-9_]{1,40})" + FMT, views.service_definition, name="service"),
    re_path(r"^v2/requests" + FMT, views.requests, name="requests"),
    re_path(r"^v2/requests/(?P<request_id>[0-9]{1,30})" + FMT, views.request_detail, name="request"),
    re_path(r"^v2/tokens/(?P<token>[A-Za-z0-9_-]{1,64})" + FMT, views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found_any, name="not-found"),
]
