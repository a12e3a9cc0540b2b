"""``/api/v1/points/``, setting up and running a scheme: adopting a template, the rule catalog, stars
and their evaluation, 红黑榜 with appeals, donors, goods, windows, tiers and the ranking — per role."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from sanzhi.core.testing import Town
from sanzhi.points.boards import board_publish
from sanzhi.points.ledger import points_record
from sanzhi.points.models import Scheme
from sanzhi.points.periods import PeriodKind, period_of
from sanzhi.points.store_admin import donor_create, window_create
from sanzhi.points.testing import PointsWorld, build_points_world

pytestmark = pytest.mark.django_db

Api = Callable[[str], APIClient]
P = "/api/v1/points"


@pytest.fixture
def pw(town: Town) -> PointsWorld:
    return build_points_world(town)


def last_month() -> tuple[str, dt.date]:
    month = period_of(timezone.localdate(), PeriodKind.MONTH).previous()
    return month.key, month.first


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "data"} and body["code"] == code, body
    return body


def test_adopt_a_template(pw: PointsWorld, api_as: Api) -> None:
    village = pw.town.village.code
    templates = api_as("rep").get(f"{P}/templates/").json()
    assert {"daode_bank", "shixing", "houma_grid"} <= {t["key"] for t in templates}
    body = {"template": "shixing", "node": village, "code": "shixing"}
    # The council sees the village's points but does not manage its schemes; the rep does not see the
    # village at all (their scope is a micro-grid).
    assert_error(api_as("council").post(f"{P}/schemes/adopt", body, format="json"), 403, "forbidden")
    assert_error(api_as("rep").post(f"{P}/schemes/adopt", body, format="json"), 404, "not_found")
    assert_error(api_as("outsider").post(f"{P}/schemes/adopt", body, format="json"), 404, "not_found")
    adopted = api_as("secretary").post(f"{P}/schemes/adopt", body, format="json")
    assert adopted.status_code == 201, adopted.content
    scheme = adopted.json()
    assert scheme["code"] == "shixing" and scheme["node"]["code"] == village
    assert len(scheme["stars"]) == 10 and len(scheme["rules"]) >= 10
    again = api_as("secretary").post(f"{P}/schemes/adopt", body, format="json")
    assert_error(again, 409, "points_scheme_code_taken")
    unknown = api_as("secretary").post(f"{P}/schemes/adopt", {**body, "template": "nope"}, format="json")
    assert_error(unknown, 400, "points_template_unknown")
    changed = api_as("secretary").patch(
        f"{P}/schemes/{scheme['id']}",
        {"red_list_size": 5, "review_period": "quarter"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["red_list_size"], changed.json()["review_period"]["code"]) == (5, "quarter")
    assert Scheme.objects.get(pk=scheme["id"]).red_list_size == 5
    # Adopting opened an account, base score credited, for each household of the village.
    accounts = api_as("secretary").get(f"{P}/accounts/?scheme={scheme['id']}").json()["results"]
    assert sorted(a["household"] for a in accounts) == sorted(
        h.pk for h in pw.town.households.values() if h.node.path.startswith(pw.town.village.path)
    )


def test_rule_catalog_create_update_and_frozen_values(pw: PointsWorld, api_as: Api) -> None:
    secretary, scheme = api_as("secretary"), pw.scheme
    body = {"category": pw.categories["social"].pk, "code": "clean", "item": "清扫公共区域", "points_min": 5}
    assert_error(api_as("rep").post(f"{P}/schemes/{scheme.pk}/rules", body, format="json"), 403, "forbidden")
    created = secretary.post(f"{P}/schemes/{scheme.pk}/rules", body, format="json")
    assert created.status_code == 201, created.content
    rule = created.json()
    assert (rule["points_min"], rule["points_max"], rule["fixed"]) == (5, 5, True)
    duplicate = secretary.post(f"{P}/schemes/{scheme.pk}/rules", body, format="json")
    assert duplicate.status_code == 409
    # Another scheme's category is not this scheme's.
    foreign = secretary.post(f"{P}/schemes/{scheme.pk}/rules", {**body, "code": "x", "category": 999999})
    assert_error(foreign, 404, "points_category_not_found")
    renamed = secretary.patch(f"{P}/rules/{rule['id']}", {"item": "清扫楼道", "points_max": 8}, format="json")
    assert (renamed.json()["item"], renamed.json()["points_max"]) == ("清扫楼道", 8)
    # A rule with entries keeps its value: stop it and create a new code instead.
    sorting = pw.rules["sorting"]
    points_record(actor=pw.town.rep, account_id=pw.accounts["h1"].pk, rule_id=sorting.pk)
    frozen = secretary.patch(f"{P}/rules/{sorting.pk}", {"points_min": 30, "points_max": 30}, format="json")
    assert_error(frozen, 409, "points_rule_in_use")
    stopped = secretary.patch(f"{P}/rules/{sorting.pk}", {"active": False}, format="json")
    assert stopped.status_code == 200 and stopped.json()["active"] is False
    category = secretary.post(f"{P}/schemes/{scheme.pk}/categories", {"code": "eco", "name": "生态环保"})
    assert category.status_code == 201 and category.json()["code"] == "eco"
    assert (
        api_as("outsider").patch(f"{P}/rules/{sorting.pk}", {"item": "x"}, format="json").status_code == 404
    )


def test_stars_are_evaluated_once_per_ended_period(pw: PointsWorld, api_as: Api) -> None:
    secretary, scheme = api_as("secretary"), pw.scheme
    key, first_day = last_month()
    star = secretary.post(
        f"{P}/schemes/{scheme.pk}/stars",
        {"category": pw.categories["social"].pk, "name": "公德星", "min_points": 10},
        format="json",
    )
    assert star.status_code == 201, star.content
    renamed = secretary.patch(f"{P}/stars/{star.json()['id']}", {"name": "社会公德星"}, format="json")
    assert renamed.json()["name"] == "社会公德星"
    points_record(
        actor=pw.town.secretary,
        account_id=pw.accounts["h1"].pk,
        rule_id=pw.rules["sorting"].pk,
        day=first_day,
        approve=True,
    )
    assert_error(
        api_as("rep").post(f"{P}/schemes/{scheme.pk}/evaluate", {"month": key}, format="json"),
        403,
        "forbidden",
    )
    this_month = period_of(timezone.localdate(), PeriodKind.MONTH).key
    running = secretary.post(f"{P}/schemes/{scheme.pk}/evaluate", {"month": this_month}, format="json")
    assert_error(running, 409, "points_period_not_ended")
    evaluated = secretary.post(f"{P}/schemes/{scheme.pk}/evaluate", {"month": key}, format="json")
    assert evaluated.status_code == 201, evaluated.content
    assert (evaluated.json()["gained"], evaluated.json()["lost"]) == (1, 0)
    assert (
        secretary.post(f"{P}/schemes/{scheme.pk}/evaluate", {"month": key}, format="json").status_code == 409
    )
    plaque = secretary.get(f"{P}/schemes/{scheme.pk}/plaque").json()["results"]
    assert [(a["id"], a["star_count"]) for a in plaque] == [(pw.accounts["h1"].pk, 1)]
    held = api_as("resident").get(f"{P}/accounts/{pw.accounts['h1'].pk}").json()["stars"]
    assert [s["star"]["name"] for s in held] == ["社会公德星"]
    history = api_as("resident").get(f"{P}/accounts/{pw.accounts['h1'].pk}/star-changes").json()["results"]
    assert [(c["change"], c["month"]) for c in history] == [("gained", key)]
    assert secretary.get(f"{P}/schemes/{scheme.pk}/recultivation").json() == []


def test_boards_publish_appeal_and_correct(pw: PointsWorld, api_as: Api) -> None:
    secretary, scheme = api_as("secretary"), pw.scheme
    key, first_day = last_month()
    points_record(
        actor=pw.town.secretary,
        account_id=pw.accounts["h1"].pk,
        rule_id=pw.rules["sorting"].pk,
        day=first_day,
        approve=True,
    )
    body = {"scheme": scheme.pk, "period": key}
    assert_error(api_as("rep").post(f"{P}/boards/publish", body, format="json"), 403, "forbidden")
    published = secretary.post(f"{P}/boards/publish", body, format="json")
    assert published.status_code == 201, published.content
    red = published.json()["red"]
    assert [(r["account"], r["points"]) for r in red["rows"]] == [(pw.accounts["h1"].pk, 20)]
    assert "张建国" not in red["rows"][0]["name"] and red["rows"][0]["name"].startswith("张")
    assert_error(secretary.post(f"{P}/boards/publish", body, format="json"), 409, "points_board_published")
    resident = api_as("resident")
    assert {b["kind"]["code"] for b in resident.get(f"{P}/boards/?period={key}").json()["results"]} == {
        "red",
        "black",
    }
    filed = resident.post(f"{P}/boards/{red['id']}/appeals", {"reason": "少记了一次志愿服务"}, format="json")
    assert filed.status_code == 201, filed.content
    appeal = filed.json()
    assert appeal["account"] == pw.accounts["h1"].pk and appeal["state"]["code"] == "pending"
    assert [a["id"] for a in secretary.get(f"{P}/boards/{red['id']}/appeals").json()["results"]] == [
        appeal["id"]
    ]
    assert api_as("gridworker").get(f"{P}/boards/{red['id']}/appeals").json()["results"] == []
    assert_error(
        resident.post(
            f"{P}/appeals/{appeal['id']}/decide", {"uphold": True, "note": "自己定"}, format="json"
        ),
        403,
        "forbidden",
    )
    decided = secretary.post(
        f"{P}/appeals/{appeal['id']}/decide", {"uphold": True, "note": "核实后更正"}, format="json"
    )
    assert decided.status_code == 200, decided.content
    result = decided.json()
    assert result["appeal"]["state"]["code"] == "upheld"
    assert (result["correction"]["revision"], result["correction"]["supersedes"]) == (2, red["id"])
    assert api_as("outsider").get(f"{P}/boards/{red['id']}").status_code == 404


def test_store_setup_donors_goods_windows_tiers(pw: PointsWorld, api_as: Api) -> None:
    secretary, scheme = api_as("secretary"), pw.scheme
    donor = secretary.post(
        f"{P}/donors/", {"node": pw.town.township.code, "name": "王乡贤", "kind": "乡贤"}, format="json"
    )
    assert_error(donor, 404, "not_found")  # the secretary's scope is the village, not the township
    donor = secretary.post(f"{P}/donors/", {"node": pw.town.village.code, "name": "王乡贤", "kind": "乡贤"})
    assert donor.status_code == 201, donor.content
    donor_id = donor.json()["id"]
    assert [d["id"] for d in api_as("gridworker").get(f"{P}/donors/").json()["results"]] == [donor_id]
    body = {"scheme": scheme.pk, "name": "毛巾", "price": 15, "donor": donor_id, "initial_stock": 10}
    assert_error(api_as("rep").post(f"{P}/goods/", body, format="json"), 403, "forbidden")
    created = secretary.post(f"{P}/goods/", body, format="json")
    assert created.status_code == 201, created.content
    goods = created.json()
    assert (goods["stock"], goods["donor"]["name"]) == (10, "王乡贤")
    off = secretary.patch(f"{P}/goods/{goods['id']}", {"active": False, "price": 12}, format="json")
    assert (off.json()["active"], off.json()["price"]) == (False, 12)
    cleared = secretary.patch(f"{P}/goods/{goods['id']}", {"donor": None}, format="json")
    assert cleared.json()["donor"] is None
    start = timezone.now() + dt.timedelta(days=1)
    window = {
        "scheme": scheme.pk,
        "name": "月末集中兑换",
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=4),
    }
    assert secretary.post(f"{P}/windows/", window, format="json").status_code == 201
    assert_error(secretary.post(f"{P}/windows/", window, format="json"), 409, "points_window_overlap")
    assert len(api_as("resident").get(f"{P}/windows/").json()["results"]) == 1
    tier = secretary.post(
        f"{P}/schemes/{scheme.pk}/tiers", {"name": "一档", "rank_max": 10, "discount_percent": 20}
    )
    assert tier.status_code == 201, tier.content
    assert secretary.get(f"{P}/schemes/{scheme.pk}").json()["tiers"][0]["name"] == "一档"
    last_year = timezone.localdate().year - 1
    points_record(
        actor=pw.town.secretary,
        account_id=pw.accounts["h1"].pk,
        rule_id=pw.rules["sorting"].pk,
        day=dt.date(last_year, 6, 1),
        approve=True,
    )
    assigned = secretary.post(f"{P}/schemes/{scheme.pk}/tiers/assign", {"period": str(last_year)})
    assert assigned.status_code == 200, assigned.content
    assert assigned.json() == {
        "period": str(last_year),
        "assigned": 1,
        "members": {"一档": [pw.accounts["h1"].pk]},
    }
    again = secretary.post(f"{P}/schemes/{scheme.pk}/tiers/assign", {"period": str(last_year)})
    assert_error(again, 409, "points_tiers_assigned")


def test_ranking_is_scoped(pw: PointsWorld, api_as: Api) -> None:
    points_record(
        actor=pw.town.secretary, account_id=pw.accounts["h2"].pk, rule_id=pw.rules["sorting"].pk, approve=True
    )
    url = f"{P}/ranking?scheme={pw.scheme.pk}"
    ranked = api_as("secretary").get(url).json()
    assert [(r["rank"], r["account"]["id"]) for r in ranked] == [
        (1, pw.accounts["h2"].pk),
        (2, pw.accounts["h1"].pk),
    ]
    # A grid worker ranks their own grid; the whole community is not theirs to see.
    assert_error(api_as("gridworker").get(url), 403, "forbidden")
    assert len(api_as("gridworker").get(f"{url}&node={pw.town.grid.code}").json()) == 2
    assert_error(api_as("resident").get(url), 403, "forbidden")
    assert api_as("outsider").get(url).status_code == 404


def test_setup_list_query_counts_are_constant(pw: PointsWorld, api_as: Api) -> None:
    scheme, town = pw.scheme, pw.town
    month = period_of(timezone.localdate(), PeriodKind.MONTH)
    for _ in range(6):
        month = month.previous()
        board_publish(actor=None, scheme=scheme, period=month.key)
    start = timezone.now()
    for i in range(12):
        donor_create(actor=None, node=town.village, name=f"乡贤{i}")
        begins = start + dt.timedelta(days=i)
        window_create(
            actor=None,
            scheme=scheme,
            name=f"集中兑换{i}",
            starts_at=begins,
            ends_at=begins + dt.timedelta(hours=2),
        )
    client = api_as("secretary")
    for url in (
        f"{P}/boards/?page_size={{n}}",
        f"{P}/donors/?page_size={{n}}",
        f"{P}/windows/?page_size={{n}}",
    ):
        counts = []
        for n in (2, 12):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url.format(n=n))
            assert response.status_code == 200 and len(response.json()["results"]) == n, url
            counts.append(len(ctx.captured_queries))
        assert counts[1] <= counts[0] <= 7, (url, counts)  # a full last page needs no count query
