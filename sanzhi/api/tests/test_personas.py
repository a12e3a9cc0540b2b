"""Every endpoint per persona: each sees exactly the part of the town their roles give them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from sanzhi.core.masking import mask_id_number, mask_phone
from sanzhi.core.testing import Town

Api = Callable[[str], APIClient]


def _results(client: APIClient, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["results"]


# ---- me -------------------------------------------------------------------------------------------


def test_me_lists_roles_with_node_codes_and_capabilities(town: Town, api_as: Api) -> None:
    body = api_as("gridworker").get("/api/v1/me").json()
    assert body["roles"] == [
        {
            "role": "grid_worker",
            "role_label": "网格员",
            "node_code": town.grid.code,
            "node_name": town.grid.name,
        }
    ]
    (caps,) = body["capabilities"]
    assert caps["node_code"] == town.grid.code
    assert [c["code"] for c in caps["capabilities"]] == [
        "grids.view",
        "people.view",
        "people.reveal_pii",
        "people.edit",
        "tickets.view",
        "tickets.report",
        "tickets.handle",
        "tickets.dispatch",
        "tickets.visit",
        "tickets.kpis",
        "points.view",
        "points.record",
        "points.store",
        "deliberation.view",
        "deliberation.propose",
    ]
    assert body["is_superuser"] is False


def test_me_for_user_without_roles(town: Town, api_as: Api) -> None:
    body = api_as("nobody").get("/api/v1/me").json()
    assert body["roles"] == [] and body["capabilities"] == []


def test_me_resident_has_a_role_but_no_capabilities(town: Town, api_as: Api) -> None:
    body = api_as("resident").get("/api/v1/me").json()
    assert [r["role"] for r in body["roles"]] == ["resident"]
    assert body["capabilities"][0]["capabilities"] == []


# ---- nodes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "roots"),
    [
        ("sysadmin", ["county"]),
        ("street", ["township"]),
        ("dept", ["township"]),
        ("secretary", ["village"]),
        ("council", ["village"]),
        ("gridworker", ["grid"]),
        ("rep", ["micro"]),
        ("outsider", ["other_village"]),
        ("resident", []),
        ("nobody", []),
    ],
)
def test_node_roots_are_the_top_of_the_callers_scope(
    town: Town, api_as: Api, persona: str, roots: list[str]
) -> None:
    codes = [n["code"] for n in _results(api_as(persona), "/api/v1/nodes/")]
    assert codes == [getattr(town, r).code for r in roots]


def test_node_children_with_totals(town: Town, api_as: Api) -> None:
    rows = _results(api_as("street"), f"/api/v1/nodes/?parent={town.township.code}")
    assert [(r["code"], r["households"], r["residents"]) for r in rows] == [
        (town.village.code, 2, 3),
        (town.other_village.code, 1, 1),
    ]
    assert all(r["parent_code"] == town.township.code for r in rows)
    # The street admin's own root: its parent (the county) is outside the scope, so not disclosed.
    (root,) = _results(api_as("street"), "/api/v1/nodes/")
    assert root["parent_code"] is None


def test_node_detail(town: Town, api_as: Api) -> None:
    body = api_as("secretary").get(f"/api/v1/nodes/{town.grid.code}").json()
    assert body == {
        "code": town.grid.code,
        "name": town.grid.name,
        "kind": {"code": "grid", "label": "网格"},
        "label": town.grid.label,
        "level": town.grid.depth,
        "grid_level": 1,
        "parent_code": town.village.code,
        "children_count": 2,
        "households": 2,
        "residents": 3,
    }


@pytest.mark.parametrize("persona", ["outsider", "nobody", "resident", "rep"])
def test_out_of_scope_nodes_are_404(town: Town, api_as: Api, persona: str) -> None:
    client = api_as(persona)
    for url in (f"/api/v1/nodes/{town.village.code}", f"/api/v1/nodes/?parent={town.village.code}"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_unknown_node_code_is_404_like_out_of_scope(town: Town, api_as: Api) -> None:
    assert api_as("sysadmin").get("/api/v1/nodes/511923999999").status_code == 404


# ---- households -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("sysadmin", ["h1", "h2", "h3"]),
        ("street", ["h1", "h2", "h3"]),
        ("secretary", ["h1", "h2"]),
        ("gridworker", ["h1", "h2"]),
        ("rep", ["h1"]),
        ("resident", ["h1"]),  # own household only
        ("outsider", ["h3"]),
        ("dept", []),
        ("council", []),
        ("nobody", []),
    ],
)
def test_household_list_per_persona(town: Town, api_as: Api, persona: str, visible: list[str]) -> None:
    client = api_as(persona)
    ids = [h["id"] for h in _results(client, "/api/v1/households/")]
    assert ids == [town.households[k].pk for k in visible]
    for key, household in town.households.items():
        response = client.get(f"/api/v1/households/{household.pk}")
        assert response.status_code == (200 if key in visible else 404)


def test_household_list_filters_by_node_and_search(town: Town, api_as: Api) -> None:
    client = api_as("street")
    by_node = _results(client, f"/api/v1/households/?node={town.micro2.code}")
    assert [h["number"] for h in by_node] == ["H0002"]
    by_name = _results(client, "/api/v1/households/?search=刘德华")
    assert [h["number"] for h in by_name] == ["H0003"]
    by_number = _results(client, "/api/v1/households/?search=H000")
    assert len(by_number) == 3
    row = by_node[0]
    assert row["node"] == {"code": town.micro2.code, "name": town.micro2.name}
    assert row["member_count"] == 1 and row["head_name"] == "王志强"
    assert row["kind"] == {"code": "family", "label": "家庭户"}


def test_household_node_filter_out_of_scope_is_404(town: Town, api_as: Api) -> None:
    response = api_as("outsider").get(f"/api/v1/households/?node={town.micro.code}")
    assert response.status_code == 404


def test_household_detail_has_masked_members(town: Town, api_as: Api) -> None:
    h1 = town.households["h1"]
    body = api_as("rep").get(f"/api/v1/households/{h1.pk}").json()
    zhang = town.residents["zhang"]
    assert [m["name"] for m in body["members"]] == ["张建国", "李秀英"]
    head = body["members"][0]
    assert head["id_number"] == mask_id_number(zhang.id_number) != zhang.id_number
    assert head["phone"] == mask_phone(zhang.phone)
    assert head["revealed"] is False
    assert head["relation"] == {"code": "02", "label": "户主"}


# ---- residents ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("street", ["zhang", "zhang_wife", "wang", "liu"]),
        ("gridworker", ["zhang", "zhang_wife", "wang"]),
        ("rep", ["zhang", "zhang_wife"]),
        ("resident", ["zhang", "zhang_wife"]),
        ("outsider", ["liu"]),
        ("dept", []),
        ("nobody", []),
    ],
)
def test_resident_list_and_detail_per_persona(
    town: Town, api_as: Api, persona: str, visible: list[str]
) -> None:
    client = api_as(persona)
    ids = [r["id"] for r in _results(client, "/api/v1/residents/")]
    assert sorted(ids) == sorted(town.residents[k].pk for k in visible)
    for key, resident in town.residents.items():
        response = client.get(f"/api/v1/residents/{resident.pk}")
        assert response.status_code == (200 if key in visible else 404)
        if key in visible:
            assert response.json()["id_number"] == mask_id_number(resident.id_number)


def test_resident_shows_codes_with_labels(town: Town, api_as: Api) -> None:
    zhang = town.residents["zhang"]
    body = api_as("gridworker").get(f"/api/v1/residents/{zhang.pk}").json()
    assert body["sex"] == {"code": zhang.sex, "label": zhang.get_sex_display()}
    assert body["ethnicity"] == {"code": "01", "label": "汉族"}
    assert body["political_status"] == {"code": "13", "label": "群众"}
    assert body["birth_date"] == zhang.birth_date.isoformat()
    assert body["education"] is None
    assert body["node"]["code"] == town.micro.code
    assert body["household"]["number"] == "H0001"


def test_resident_search_and_node_filter(town: Town, api_as: Api) -> None:
    client = api_as("street")
    assert [r["name"] for r in _results(client, "/api/v1/residents/?search=王志强")] == ["王志强"]
    wang = town.residents["wang"]
    assert [r["name"] for r in _results(client, f"/api/v1/residents/?search={wang.id_number}")] == ["王志强"]
    rows = _results(client, f"/api/v1/residents/?node={town.other_village.code}")
    assert [r["name"] for r in rows] == ["刘德华"]
    assert api_as("rep").get(f"/api/v1/residents/?node={town.other_village.code}").status_code == 404
