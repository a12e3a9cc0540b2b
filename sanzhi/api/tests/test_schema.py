"""The OpenAPI document is served, valid and truthful: schemathesis checks generated requests against it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from pytest_django import Settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sanzhi.api.services import api_token_issue
from sanzhi.api.ticket_rows import PERSON_ACTIONS
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel
from sanzhi.tickets.services import ticket_dispatch, ticket_register
from sanzhi.tickets.testing import TicketWorld

PROXY_HTTPS = {"X-Forwarded-Proto": "https"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXPECTED_OPERATIONS = {
    "POST /api/v1/auth/token",
    "DELETE /api/v1/auth/token",
    "GET /api/v1/me",
    "GET /api/v1/nodes/",
    "GET /api/v1/nodes/{code}",
    "GET /api/v1/households/",
    "GET /api/v1/households/{id}",
    "GET /api/v1/residents/",
    "GET /api/v1/residents/{id}",
    "GET /api/v1/tickets/",
    "POST /api/v1/tickets/",
    "GET /api/v1/tickets/{id}",
    "GET /api/v1/tickets/{id}/attachments/{aid}",
    *(f"POST /api/v1/tickets/{{id}}/{action}" for action in PERSON_ACTIONS),
    "GET /api/v1/categories/",
    "GET /api/v1/departments/",
    "GET /api/v1/kpis",
}


def test_schema_served_as_yaml_and_json(anon: APIClient) -> None:
    yaml = anon.get("/api/schema/")
    assert yaml.status_code == 200
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"openapi: 3." in yaml.content
    as_json = anon.get("/api/schema/?format=json")
    assert as_json.status_code == 200
    document = as_json.json()
    operations = {f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item}
    assert operations == EXPECTED_OPERATIONS
    assert set(document["components"]["schemas"]["Error"]["required"]) == {"code", "message", "data"}


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_work_offline(anon: APIClient, url: str, settings: Settings) -> None:
    # The manifest storage needs `collectstatic` (done by `sanzhi init`); tests resolve files directly.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    page = anon.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "cdn.jsdelivr.net" not in html and "drf_spectacular_sidecar" in html
    for asset in (
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js",
    ):
        assert finders.find(asset), asset


@pytest.fixture
def in_process_wsgi() -> Iterator[object]:
    """The Django app called in-process inside the test transaction.

    Django closes "obsolete" connections at request boundaries, which inside the test's atomic block
    would drop it; the test client disconnects that hook the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _tickets(world: TicketWorld) -> list[int]:
    """Tickets in several states, so generated steps meet real tickets, not only 404s."""
    town = world.town
    ids = []
    for i in range(4):
        ticket = ticket_create(
            actor=town.resident, channel=Channel.RESIDENT, text=f"诉求{i}", category=world.litter
        )
        if i >= 1:
            ticket = ticket_register(actor=town.gridworker, ticket=ticket)
        if i >= 2:
            ticket = ticket_dispatch(actor=town.gridworker, ticket=ticket)
        ids.append(ticket.pk)
    return ids


def test_schemathesis_conformance(world: TicketWorld, in_process_wsgi: object) -> None:
    town = world.town
    ticket_ids = _tickets(world)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_wsgi, headers=PROXY_HTTPS)
    headers = {**PROXY_HTTPS, "Authorization": f"Token {api_token_issue(user=town.sysadmin).key}"}
    tested = set()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label == "DELETE /api/v1/auth/token":
            continue  # would revoke the token the other operations run with; covered in test_auth
        tested.add(label)

        @settings(
            max_examples=25,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            generated = case.path_parameters or {}
            pk = generated.get("id")
            on_ticket = case.operation.path.startswith("/api/v1/tickets/{id}")
            if on_ticket and isinstance(pk, int) and pk % 2 == 0:
                # Every other step on a real ticket (the bodies are still generated), the rest on junk ids.
                generated["id"] = ticket_ids[pk // 2 % len(ticket_ids)]
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
    assert tested == EXPECTED_OPERATIONS - {"DELETE /api/v1/auth/token"}
