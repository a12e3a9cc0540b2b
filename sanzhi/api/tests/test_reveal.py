"""PII reveal: masked by default; ``?reveal=1`` needs the capability at every row and a reason; logged."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from sanzhi.accounts.roles import Role
from sanzhi.api.services import api_token_issue
from sanzhi.core.masking import mask_id_number, mask_phone
from sanzhi.core.testing import Town, make_resident, make_user
from sanzhi.people.codes import Relation
from sanzhi.people.models import PiiAccess, Tag

from .conftest import anonymous_client

Api = Callable[[str], APIClient]


def test_rep_sees_masked_and_cannot_reveal(town: Town, api_as: Api) -> None:
    client = api_as("rep")
    zhang = town.residents["zhang"]
    rows = client.get("/api/v1/residents/").json()["results"]
    assert {r["id_number"] for r in rows} == {
        mask_id_number(town.residents[k].id_number) for k in ("zhang", "zhang_wife")
    }
    assert all(not r["revealed"] for r in rows)
    for url in (
        "/api/v1/residents/?reveal=1&reason=走访",
        f"/api/v1/residents/{zhang.pk}?reveal=1&reason=走访",
        f"/api/v1/households/{town.households['h1'].pk}?reveal=true&reason=走访",
        "/api/v1/residents/?reveal=1",  # no reason either: still 403, the role is the first question
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert response.json()["code"] == "reveal_forbidden"
    assert not PiiAccess.objects.exists()


def test_resident_cannot_reveal_own_household(town: Town, api_as: Api) -> None:
    response = api_as("resident").get(f"/api/v1/households/{town.households['h1'].pk}?reveal=1&reason=看看")
    assert response.status_code == 403
    assert response.json()["code"] == "reveal_forbidden"


def test_grid_worker_reveals_with_reason_and_each_reveal_is_logged(town: Town, api_as: Api) -> None:
    response = api_as("gridworker").get("/api/v1/residents/?reveal=1&reason=入户走访核对")
    assert response.status_code == 200
    rows = response.json()["results"]
    expected = {town.residents[k].pk: town.residents[k] for k in ("zhang", "zhang_wife", "wang")}
    assert {r["id"] for r in rows} == set(expected)
    for row in rows:
        assert row["revealed"] is True
        assert row["id_number"] == expected[row["id"]].id_number
        assert row["phone"] == expected[row["id"]].phone
    log = PiiAccess.objects.order_by("resident_id")
    assert [a.resident_id for a in log] == sorted(expected)
    assert {(a.actor_id, a.reason, a.channel, a.ip) for a in log} == {
        (town.gridworker.pk, "入户走访核对", "api", "127.0.0.1")
    }
    assert all(a.node_path == expected[a.resident_id].node_path for a in log)


def test_reveal_on_details_logs_the_shown_residents(town: Town, api_as: Api) -> None:
    client = api_as("gridworker")
    wang = town.residents["wang"]
    body = client.get(f"/api/v1/residents/{wang.pk}?reveal=1&reason=核对电话").json()
    assert (body["id_number"], body["phone"], body["revealed"]) == (wang.id_number, wang.phone, True)
    body = client.get(f"/api/v1/households/{town.households['h1'].pk}?reveal=1&reason=核对户口").json()
    assert all(m["revealed"] for m in body["members"])
    assert sorted(PiiAccess.objects.values_list("resident_id", "reason")) == sorted(
        [
            (wang.pk, "核对电话"),
            (town.residents["zhang"].pk, "核对户口"),
            (town.residents["zhang_wife"].pk, "核对户口"),
        ]
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_reveal_without_reason_is_400(town: Town, api_as: Api, reason: str) -> None:
    response = api_as("gridworker").get(f"/api/v1/residents/?reveal=1&reason={reason}")
    assert response.status_code == 400
    assert response.json()["code"] == "reveal_reason_required"
    assert not PiiAccess.objects.exists()


def test_reveal_false_or_absent_is_masked_and_not_logged(town: Town, api_as: Api) -> None:
    client = api_as("street")
    for url in (
        "/api/v1/residents/",
        "/api/v1/residents/?reveal=0&reason=x",
        "/api/v1/residents/?reveal=false",
    ):
        rows = client.get(url).json()["results"]
        assert rows and all(not r["revealed"] for r in rows)
        assert all(
            r["phone"] == mask_phone(town.residents["zhang"].phone) for r in rows if r["name"] == "张建国"
        )
    assert not PiiAccess.objects.exists()


def test_reveal_junk_value_is_a_validation_error(town: Town, api_as: Api) -> None:
    response = api_as("street").get("/api/v1/residents/?reveal=maybe")
    assert response.status_code == 400
    assert "reveal" in response.json()["data"]["fields"]


def test_reveal_needs_the_capability_at_every_returned_resident(town: Town) -> None:
    # Grid worker in 创举社区's first grid and only 联户长 in 白衣村: sees 刘德华 but may not reveal him.
    mixed = make_user("mixed", (Role.GRID_WORKER, town.grid), (Role.HOUSEHOLD_REP, town.other_micro))
    client = anonymous_client()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=mixed).key}")
    everything = client.get("/api/v1/residents/?reveal=1&reason=核对")
    assert everything.status_code == 403
    assert everything.json()["code"] == "reveal_forbidden"
    assert not PiiAccess.objects.exists()
    mine = client.get(f"/api/v1/residents/?node={town.grid.code}&reveal=1&reason=核对")
    assert mine.status_code == 200
    assert PiiAccess.objects.count() == 3
    liu = town.residents["liu"]
    assert client.get(f"/api/v1/residents/{liu.pk}?reveal=1&reason=核对").status_code == 403
    assert client.get(f"/api/v1/residents/{liu.pk}").json()["id_number"] == mask_id_number(liu.id_number)


def test_sensitive_tags_only_with_view_sensitive(town: Town, api_as: Api) -> None:
    sensitive = Tag.objects.get(code="shequ-jiaozheng")
    plain = Tag.objects.get(code="canji")
    person = make_resident(town.households["h2"], "赵小军", Relation.SON, tags=[sensitive, plain])
    for persona, tags in (("secretary", ["canji", "shequ-jiaozheng"]), ("gridworker", ["canji"])):
        client = api_as(persona)
        assert [t["code"] for t in client.get(f"/api/v1/residents/{person.pk}").json()["tags"]] == tags
        listed = client.get(f"/api/v1/residents/?search={person.name}").json()["results"]
        assert [t["code"] for t in listed[0]["tags"]] == tags
        members = client.get(f"/api/v1/households/{town.households['h2'].pk}").json()["members"]
        assert [t["code"] for m in members if m["id"] == person.pk for t in m["tags"]] == tags
