"""The OpenAPI document is served, valid and truthful: schemathesis checks generated requests against it."""

from __future__ import annotations

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from pytest_django import Settings
from rest_framework.test import APIClient
from schemathesis.core.result import Ok

from sanzhi.api.services import api_token_issue
from sanzhi.api.tests.schema_kit import CHECKS, PROXY_HTTPS
from sanzhi.api.tests.test_deliberation_schema import DELIBERATION_OPERATIONS
from sanzhi.api.tests.test_disclosure_schema import DISCLOSURE_OPERATIONS
from sanzhi.api.ticket_rows import PERSON_ACTIONS
from sanzhi.core.testing import Town
from sanzhi.points.boards import appeal_file, board_publish
from sanzhi.points.ledger import points_decide, points_record
from sanzhi.points.periods import PeriodKind, period_of
from sanzhi.points.stars import star_define
from sanzhi.points.store import redeem
from sanzhi.points.testing import build_points_world
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel
from sanzhi.tickets.services import ticket_dispatch, ticket_register
from sanzhi.tickets.testing import TicketWorld

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
POINTS_OPERATIONS = {
    f"{method} /api/v1/points/{path}"
    for method, path in (
        ("GET", "accounts/"),
        ("GET", "accounts/{id}"),
        ("GET", "accounts/{id}/entries"),
        ("GET", "accounts/{id}/star-changes"),
        ("POST", "appeals/{id}/decide"),
        ("GET", "boards/"),
        ("GET", "boards/{id}"),
        ("GET", "boards/{id}/appeals"),
        ("POST", "boards/{id}/appeals"),
        ("POST", "boards/publish"),
        ("GET", "donors/"),
        ("POST", "donors/"),
        ("POST", "entries/"),
        ("GET", "entries/{id}/evidence"),
        ("POST", "entries/{id}/reverse"),
        ("POST", "entries/decide"),
        ("GET", "goods/"),
        ("POST", "goods/"),
        ("PATCH", "goods/{id}"),
        ("POST", "goods/{id}/restock"),
        ("GET", "ranking"),
        ("GET", "redemptions/"),
        ("POST", "redemptions/"),
        ("POST", "redemptions/{id}/cancel"),
        ("POST", "redemptions/{id}/pickup"),
        ("GET", "review/"),
        ("PATCH", "rules/{id}"),
        ("GET", "schemes/"),
        ("GET", "schemes/{id}"),
        ("POST", "schemes/{id}/categories"),
        ("POST", "schemes/{id}/evaluate"),
        ("GET", "schemes/{id}/plaque"),
        ("GET", "schemes/{id}/recultivation"),
        ("POST", "schemes/{id}/rules"),
        ("PATCH", "schemes/{id}"),
        ("POST", "schemes/{id}/stars"),
        ("POST", "schemes/{id}/tiers"),
        ("POST", "schemes/{id}/tiers/assign"),
        ("POST", "schemes/adopt"),
        ("PATCH", "stars/{id}"),
        ("GET", "stats"),
        ("GET", "templates/"),
        ("GET", "windows/"),
        ("POST", "windows/"),
    )
}
EXPECTED_OPERATIONS |= POINTS_OPERATIONS
# Domains whose schemathesis run lives in their own module, with real ids of their own world.
OWN_SUITES = DISCLOSURE_OPERATIONS | DELIBERATION_OPERATIONS
EXPECTED_OPERATIONS |= OWN_SUITES


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


def _points(town: Town) -> dict[str, list[int]]:
    """A points world with claims in every state and redemptions, by the first path segment."""
    pw = build_points_world(town)
    h1 = pw.accounts["h1"].pk
    claims = [
        points_record(actor=town.rep, account_id=h1, rule_id=pw.rules["helping"].pk, points=30).pk
        for _ in range(4)
    ]
    points_decide(actor=town.secretary, entry_ids=claims[:2], approve=True)
    redemptions = [
        redeem(actor=town.resident, account_id=h1, goods_id=pw.goods["洗衣粉"].pk, request_key=f"st-{i}").pk
        for i in range(2)
    ]
    star = star_define(actor=None, scheme=pw.scheme, category=pw.categories["social"], name="公德星")
    last_month = period_of(timezone.localdate(), PeriodKind.MONTH).previous().key
    red, black = board_publish(actor=None, scheme=pw.scheme, period=last_month)
    appeal = appeal_file(actor=town.resident, board=red, reason="漏记一次志愿服务")
    return {
        "schemes": [pw.scheme.pk],
        "accounts": [a.pk for a in pw.accounts.values()],
        "entries": claims,
        "goods": [g.pk for g in pw.goods.values()],
        "redemptions": redemptions,
        "rules": [r.pk for r in pw.rules.values()],
        "stars": [star.pk],
        "boards": [red.pk, black.pk],
        "appeals": [appeal.pk],
    }


def _real_ids(world: TicketWorld) -> dict[str, list[int]]:
    return {"tickets": _tickets(world), **_points(world.town)}


def test_schemathesis_conformance(world: TicketWorld, in_process_wsgi: object) -> None:
    town = world.town
    real_ids = _real_ids(world)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_wsgi, headers=PROXY_HTTPS)
    headers = {**PROXY_HTTPS, "Authorization": f"Token {api_token_issue(user=town.sysadmin).key}"}
    tested = set()
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label == "DELETE /api/v1/auth/token":
            continue  # would revoke the token the other operations run with; covered in test_auth
        if label in OWN_SUITES:
            continue
        tested.add(label)

        @settings(
            # The points operations are many and each write appends to a hash chain: fewer examples.
            max_examples=12 if label in POINTS_OPERATIONS else 25,
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
            segments = case.operation.path.removeprefix("/api/v1/").removeprefix("points/").split("/")
            ids = real_ids.get(segments[0]) if len(segments) > 1 and segments[1] == "{id}" else None
            if ids and isinstance(pk, int) and pk % 2 == 0:
                # Every other call on a real object (the bodies are still generated), the rest on junk ids.
                generated["id"] = ids[pk // 2 % len(ids)]
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
    assert tested == EXPECTED_OPERATIONS - OWN_SUITES - {"DELETE /api/v1/auth/token"}
