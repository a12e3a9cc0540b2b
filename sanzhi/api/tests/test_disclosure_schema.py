"""The disclosure endpoints' OpenAPI document is truthful: schemathesis sends generated requests to
every ``/api/v1/disclosure/`` operation, half of them on real plans, disclosures and lines, and
checks each answer against the document (status, content type, body), never a server error.

``DISCLOSURE_OPERATIONS`` is the list of those operations, for the project-wide schema test."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core.result import Ok

from sanzhi.api.services import api_token_issue
from sanzhi.api.tests.schema_kit import CHECKS, PROXY_HTTPS
from sanzhi.core.testing import Town
from sanzhi.disclosure.models import Area
from sanzhi.disclosure.services import (
    disclosure_draft,
    disclosure_publish,
    finance_line_add,
    plans_adopt_default,
)
from sanzhi.disclosure.tests.core_kit import add_lines, finance_draft, finance_plan

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/disclosure/"
DISCLOSURE_OPERATIONS = {
    f"{method} {PREFIX}{path}"
    for method, path in (
        ("GET", "plans/"),
        ("POST", "plans/"),
        ("POST", "plans/adopt-default"),
        ("GET", "plans/{id}"),
        ("PATCH", "plans/{id}"),
        ("POST", "plans/{id}/activate"),
        ("POST", "plans/{id}/deactivate"),
        ("GET", "calendar"),
        ("GET", "overdue"),
        ("GET", "disclosures/"),
        ("POST", "disclosures/"),
        ("GET", "disclosures/{id}"),
        ("PATCH", "disclosures/{id}"),
        ("DELETE", "disclosures/{id}"),
        ("POST", "disclosures/{id}/lines"),
        ("POST", "disclosures/{id}/lines/import"),
        ("GET", "disclosures/{id}/lines/export"),
        ("POST", "disclosures/{id}/publish"),
        ("POST", "disclosures/{id}/correct"),
        ("PATCH", "lines/{id}"),
        ("DELETE", "lines/{id}"),
    )
}


def _real_ids(town: Town) -> dict[str, list[int]]:
    """Plans, drafts with lines, a published disclosure and a text-only one, by first path segment."""
    plan = finance_plan(town)
    adopted = plans_adopt_default(actor=None, node=town.village)
    drafts = [finance_draft(town, plan, period) for period in ("2026-08", "2026-09", "2026-10")]
    lines = add_lines(town, drafts[2])  # October
    for draft, month in zip(drafts, (8, 9, 10), strict=True):
        lines.append(
            finance_line_add(
                actor=None,
                disclosure=draft,
                direction="income",
                date=dt.date(2026, month, 3),
                item="租金",
                amount_fen=100_00,
            )
        )
    published = disclosure_publish(actor=None, disclosure=drafts[0])
    affairs = disclosure_draft(actor=None, node=town.village, area=Area.AFFAIRS, title="公示", body="正文")
    return {
        "plans": [plan.pk, *(p.pk for p in adopted[:3])],
        "disclosures": [published.pk, drafts[1].pk, drafts[2].pk, affairs.pk],
        "lines": [line.pk for line in lines],
    }


def test_disclosure_operations_are_documented(town: Town, in_process_wsgi: object) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_wsgi, headers=PROXY_HTTPS)
    found = set()
    for result in schema.include(path_regex=f"^{PREFIX}").get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        found.add(f"{operation.method.upper()} {operation.path}")
    assert found == DISCLOSURE_OPERATIONS


def test_schemathesis_conformance(town: Town, in_process_wsgi: object) -> None:
    real_ids = _real_ids(town)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_wsgi, headers=PROXY_HTTPS)
    # The township's administrator: every disclosure operation is open to them at 创举社区.
    headers = {**PROXY_HTTPS, "Authorization": f"Token {api_token_issue(user=town.street).key}"}
    node = town.village.code
    operations = []
    for result in schema.include(path_regex=f"^{PREFIX}").get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    # Deletions last, so the other operations still meet real drafts and lines.
    operations.sort(key=lambda op: (op.method.upper() == "DELETE", op.path, op.method))
    tested = set()
    for operation in operations:
        tested.add(f"{operation.method.upper()} {operation.path}")

        @settings(
            max_examples=15,
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
            segment = case.operation.path.removeprefix(PREFIX).split("/")[0]
            ids = real_ids.get(segment)
            if ids and isinstance(pk, int) and pk % 2 == 0:
                # Every other call on a real object (the bodies are still generated), the rest on junk ids.
                generated["id"] = ids[pk // 2 % len(ids)]
            for where in (case.body, case.query):
                # Every other node code generated is replaced by 创举社区's, so the node's
                # operations are not all 404s.
                code = where.get("node") if isinstance(where, dict) else None
                if isinstance(where, dict) and isinstance(code, str) and len(code) % 2:
                    where["node"] = node
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
    assert tested == DISCLOSURE_OPERATIONS
