"""The deliberation endpoints' OpenAPI document is truthful: schemathesis sends generated requests to
every ``/api/v1/deliberation/`` operation, half of them on real procedures, bodies, matters, steps,
meetings, approvals, notices, objections, tasks and sayings, and checks each answer against the
document (status, content type, body), never a server error.

``DELIBERATION_OPERATIONS`` is the list of those operations, for the project-wide schema test."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
import time_machine
from hypothesis import HealthCheck, Phase, given, settings
from pytest_django import Settings
from schemathesis.core.result import Ok

from sanzhi.api.services import api_token_issue
from sanzhi.api.tests.deliberation_kit import T, build_scene
from sanzhi.api.tests.schema_kit import CHECKS, PROXY_HTTPS
from sanzhi.core.testing import Town
from sanzhi.deliberation.models import BodyMember, MatterStep
from sanzhi.deliberation.testing import build_deliberation_world

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1/deliberation/"
DELIBERATION_OPERATIONS = {
    f"{method} {PREFIX}{path}"
    for method, path in (
        ("GET", "templates/"),
        ("GET", "procedures/"),
        ("POST", "procedures/adopt"),
        ("GET", "procedures/{id}"),
        ("GET", "bodies/"),
        ("POST", "bodies/"),
        ("GET", "bodies/{id}"),
        ("POST", "bodies/{id}/members"),
        ("POST", "members/{id}/remove"),
        ("GET", "matters/"),
        ("POST", "matters/"),
        ("GET", "matters/{id}"),
        ("POST", "matters/{id}/withdraw"),
        ("POST", "matters/{id}/attachments"),
        ("GET", "matters/{id}/attachments/{aid}"),
        ("GET", "matters/{id}/evaluation"),
        ("POST", "matters/{id}/evaluation"),
        ("POST", "steps/{id}/accept"),
        ("POST", "steps/{id}/meetings"),
        ("POST", "steps/{id}/approvals"),
        ("POST", "steps/{id}/notices"),
        ("POST", "steps/{id}/tasks"),
        ("POST", "steps/{id}/implementation/finish"),
        ("POST", "steps/{id}/evaluation/close"),
        ("GET", "meetings/"),
        ("GET", "meetings/{id}"),
        ("POST", "meetings/{id}/cancel"),
        ("POST", "meetings/{id}/attendance"),
        ("POST", "meetings/{id}/ballots"),
        ("POST", "meetings/{id}/count"),
        ("POST", "meetings/{id}/decide"),
        ("POST", "meetings/{id}/sign"),
        ("GET", "approvals/"),
        ("POST", "approvals/{id}/decide"),
        ("GET", "notices/current"),
        ("GET", "notices/{id}"),
        ("POST", "notices/{id}/objections"),
        ("POST", "notices/{id}/close"),
        ("POST", "objections/{id}/decide"),
        ("POST", "tasks/{id}/progress"),
        ("GET", "sayings/"),
        ("POST", "sayings/"),
        ("GET", "sayings/mine"),
        ("POST", "sayings/{id}/answer"),
        ("POST", "sayings/{id}/accept"),
    )
}


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    # Generated uploads to real matters are stored: in the test's own folder, not var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


def _real_ids(town: Town) -> dict[str, list[int]]:
    """Objects at every kind of step (deliberation_kit's scene), by the first path segment."""
    ids = build_scene(build_deliberation_world(town)).ids

    def picked(prefix: str) -> list[int]:
        return [pk for key, pk in sorted(ids.items()) if key.startswith(prefix)]

    return {
        "procedures": [ids["procedure"]],
        "bodies": [ids["body"]],
        "members": list(BodyMember.objects.order_by("id").values_list("pk", flat=True)),
        "matters": picked("matter_"),
        "steps": [*picked("step_"), *MatterStep.objects.filter(status="open").values_list("pk", flat=True)],
        "meetings": picked("meeting_"),
        "approvals": [ids["approval"]],
        "notices": picked("notice_"),
        "objections": [ids["objection"]],
        "tasks": [ids["task"]],
        "sayings": picked("saying_"),
    }


def test_deliberation_operations_are_documented(town: Town, in_process_wsgi: object) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_wsgi, headers=PROXY_HTTPS)
    found = set()
    for result in schema.include(path_regex=f"^{PREFIX}").get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        found.add(f"{operation.method.upper()} {operation.path}")
    assert found == DELIBERATION_OPERATIONS


def test_schemathesis_conformance(town: Town, in_process_wsgi: object) -> None:
    real_ids = _real_ids(town)
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", in_process_wsgi, headers=PROXY_HTTPS)
    # The township's administrator: every deliberation operation is open to them at 创举社区.
    headers = {**PROXY_HTTPS, "Authorization": f"Token {api_token_issue(user=town.street).key}"}
    tested = set()
    with time_machine.travel(T, tick=False):
        for result in schema.include(path_regex=f"^{PREFIX}").get_all_operations():
            assert isinstance(result, Ok), result
            operation = result.ok()
            tested.add(f"{operation.method.upper()} {operation.path}")

            @settings(
                max_examples=10,
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
                    # Every other call on a real object (bodies still generated), the rest on junk ids.
                    generated["id"] = ids[pk // 2 % len(ids)]
                case.call_and_validate(headers=headers, checks=CHECKS)

            check()
    assert tested == DELIBERATION_OPERATIONS
