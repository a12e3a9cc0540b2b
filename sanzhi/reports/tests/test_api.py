"""``GET /api/v1/kpis``: numbers as on the fixture, scoped like every read, errors as {code, message, data},
a fixed number of queries whatever the size of the tree, and no 5xx under schemathesis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sanzhi.accounts.models import User
from sanzhi.api.services import api_token_issue
from sanzhi.core.testing import Town
from sanzhi.grids.services import node_create
from sanzhi.reports.tests.fixtures import KpiFixture

PROXY_HTTPS = {"X-Forwarded-Proto": "https"}
URL = "/api/v1/kpis?node={code}&from=2026-11-01&to=2026-12-31"


def api(user: User) -> APIClient:
    client = APIClient(HTTP_X_FORWARDED_PROTO="https")
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user).key}")
    return client


def test_kpis_json(kpi_fixture: KpiFixture) -> None:
    town = kpi_fixture.world.town
    response = api(town.street).get(URL.format(code=town.township.code) + "&granularity=day")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["node"]["code"] == town.township.code
    assert body["totals"]["received"] == 7 and body["totals"]["valid"] == 6
    assert body["totals"]["resolution_rate"] == 0.6667
    assert [c["node"]["code"] for c in body["children"]] == [town.village.code, town.other_village.code]
    assert body["children"][0]["ranks"]["resolution_rate"] == 1
    assert len(body["trend"]) == 61 and body["granularity"] == "day"
    assert {c["code"] for c in body["categories"]} == {"litter", "road", "dispute", "policy"}
    assert body["summary"].startswith("收集诉求6条")


def test_kpis_department_and_category_filters(kpi_fixture: KpiFixture) -> None:
    town = kpi_fixture.world.town
    client = api(town.sysadmin)
    urban = client.get(URL.format(code=town.county.code) + "&department=urban").json()
    assert urban["totals"]["received"] == 1 and urban["department"] == "urban"
    litter = client.get(URL.format(code=town.county.code) + "&category=litter").json()
    assert litter["totals"]["received"] == 3
    bad = client.get(URL.format(code=town.county.code) + "&category=nope")
    assert bad.status_code == 400
    assert bad.json()["code"] == "unknown_category" and bad.json()["data"] == {"field": "category"}


@pytest.mark.parametrize(
    ("persona", "node", "status"),
    [
        ("street", "township", 200),
        ("secretary", "village", 200),
        ("council", "village", 200),
        ("gridworker", "grid", 200),
        ("secretary", "township", 404),
        ("outsider", "village", 404),
        ("rep", "grid", 404),
        ("resident", "grid", 404),
        ("dept", "township", 404),
    ],
)
def test_kpis_scoped_per_role(kpi_fixture: KpiFixture, persona: str, node: str, status: int) -> None:
    town = kpi_fixture.world.town
    response = api(town.users[persona]).get(URL.format(code=getattr(town, node).code))
    assert response.status_code == status
    if status == 404:
        assert set(response.json()) == {"code", "message", "data"}


def test_kpis_errors(town: Town) -> None:
    client = api(town.sysadmin)
    assert APIClient(HTTP_X_FORWARDED_PROTO="https").get(URL.format(code=town.county.code)).status_code == 401
    missing = client.get("/api/v1/kpis?node=511923000000")
    assert missing.status_code == 400 and set(missing.json()["data"]["fields"]) == {"from", "to"}
    backwards = client.get("/api/v1/kpis?node=511923000000&from=2026-12-01&to=2026-11-01")
    assert backwards.status_code == 400 and backwards.json()["code"] == "invalid_period"
    assert client.get("/api/v1/kpis?node=abc&from=2026-11-01&to=2026-11-02").status_code == 404
    deep = client.get(f"/api/v1/kpis?node={town.micro.code}&from=2026-11-01&to=2026-11-02")
    assert deep.status_code == 400 and deep.json()["code"] == "kpi_node_too_deep"


def test_kpis_query_count_does_not_grow_with_the_tree(
    kpi_fixture: KpiFixture, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    town = kpi_fixture.world.town
    client = api(town.sysadmin)

    def count(code: str) -> int:
        with django_assert_max_num_queries(14) as ctx:
            assert client.get(URL.format(code=code)).status_code == 200
        return len(ctx.captured_queries)

    before = {n.code: count(n.code) for n in (town.county, town.township, town.village, town.grid)}
    for i in range(3, 13):
        node_create(actor=None, parent=town.township, code=f"511923100{i + 200:03d}", name=f"新社区{i}")
        node_create(actor=None, parent=town.village, code=f"511923100201{i:03d}", name=f"新网格{i}")
    after = {n.code: count(n.code) for n in (town.county, town.township, town.village, town.grid)}
    assert after == before


@pytest.fixture
def in_process_wsgi() -> Iterator[object]:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_kpis_schemathesis(kpi_fixture: KpiFixture, in_process_wsgi: object) -> None:
    town = kpi_fixture.world.town
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_wsgi, headers=PROXY_HTTPS)
    headers = {**PROXY_HTTPS, "Authorization": f"Token {api_token_issue(user=town.sysadmin).key}"}
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    operations = [
        r.ok() for r in schema.get_all_operations() if isinstance(r, Ok) and r.ok().path == "/api/v1/kpis"
    ]
    assert len(operations) == 1

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operations[0].as_strategy())
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    check()
    # And the interesting part of the input space, which random strings rarely hit: real codes.
    for code in (town.county.code, town.township.code, town.village.code, town.grid.code, town.micro.code):
        case = operations[0].Case(query={"node": code, "from": "2026-11-01", "to": "2026-12-31"})
        case.call_and_validate(headers=headers, checks=checks)
