"""``/api/v1/disclosure/``: every endpoint per persona, bad input answered 400/409 with stable codes
and nothing written, money in fen with yuan text, the import all or nothing, and list endpoints at a
fixed query count. Time is frozen on 5 November 2026 (Asia/Shanghai)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from sanzhi.api.tests.conftest import anonymous_client
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town
from sanzhi.disclosure.models import (
    Area,
    Disclosure,
    DisclosurePlan,
    DisclosureStatus,
    FinanceLine,
    Frequency,
    Publication,
)
from sanzhi.disclosure.services import (
    disclosure_draft,
    disclosure_publish,
    finance_line_add,
    plan_create,
)
from sanzhi.disclosure.tests.core_kit import SH, add_lines, finance_draft, finance_plan

pytestmark = pytest.mark.django_db

Api = Callable[[str], APIClient]
D = "/api/v1/disclosure"
NOW = dt.datetime(2026, 11, 5, 9, 30, tzinfo=SH)
HEADER = ["日期", "收支", "摘要", "对方单位", "凭证号", "金额(元)", "备注"]
# Personas with disclosure capabilities at 创举社区; the others see nothing of its drafts.
ALLOWED = ("secretary", "street")
REFUSED = ("gridworker", "council", "rep", "resident", "outsider", "nobody")


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class World:
    town: Town
    plan: DisclosurePlan  # 财务收支明细, monthly, due 10 days after the month
    draft: Disclosure  # 2026-10, two lines
    lines: list[FinanceLine]
    published: Disclosure  # 2026-09, published
    spare: Disclosure  # 2026-08, a draft with text only


@pytest.fixture
def dw(town: Town) -> World:
    plan = finance_plan(town)
    draft = finance_draft(town, plan, "2026-10")
    lines = add_lines(town, draft)
    published = finance_draft(town, plan, "2026-09")
    finance_line_add(
        actor=None,
        disclosure=published,
        direction="income",
        date=dt.date(2026, 9, 3),
        item="上级转移支付",
        amount_fen=1_000_000,
    )
    published = disclosure_publish(actor=town.secretary, disclosure=published)
    spare = finance_draft(town, plan, "2026-08")
    return World(town, plan, draft, lines, published, spare)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """An error body ``{code, message, data}`` with this status and code."""
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "data"} and body["code"] == code, body
    assert body["message"]
    return body


def state() -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    return (
        list(DisclosurePlan.objects.order_by("id").values_list("id", "title", "due_days", "active")),
        list(Disclosure.objects.order_by("id").values_list("id", "title", "body", "status")),
        list(FinanceLine.objects.order_by("id").values_list("id", "item", "amount_fen")),
        Publication.objects.count(),
        AuditEvent.objects.count(),
    )


def csv_upload(rows: list[list[str]], name: str = "lines.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8"), content_type="text/csv")


# ---- every endpoint per persona --------------------------------------------------------------------


def operations(w: World) -> list[tuple[str, str, str, dict[str, Any] | None, int]]:
    """(name, method, url, body, status for the secretary and the township), in an order in which
    each succeeds for them."""
    village = w.town.village.code
    plan, draft, published = w.plan.pk, w.draft.pk, w.published.pk
    line, other_line = w.lines[0].pk, w.lines[1].pk
    return [
        ("plans", "get", f"{D}/plans/", None, 200),
        ("plan", "get", f"{D}/plans/{plan}", None, 200),
        (
            "plan-create",
            "post",
            f"{D}/plans/",
            {"node": village, "area": "party", "title": "两委工作情况", "frequency": "quarterly"},
            201,
        ),
        ("plan-update", "patch", f"{D}/plans/{plan}", {"due_days": 15}, 200),
        ("plan-deactivate", "post", f"{D}/plans/{plan}/deactivate", None, 200),
        ("plan-activate", "post", f"{D}/plans/{plan}/activate", None, 200),
        ("adopt-default", "post", f"{D}/plans/adopt-default", {"node": village}, 200),
        ("calendar", "get", f"{D}/calendar?node={village}&year=2026", None, 200),
        ("overdue", "get", f"{D}/overdue", None, 200),
        ("disclosures", "get", f"{D}/disclosures/", None, 200),
        (
            "draft",
            "post",
            f"{D}/disclosures/",
            {"node": village, "area": "affairs", "title": "低保评定结果", "body": "经评议，3 户纳入低保。"},
            201,
        ),
        ("detail", "get", f"{D}/disclosures/{draft}", None, 200),
        ("update", "patch", f"{D}/disclosures/{draft}", {"body": "十月收支如下。"}, 200),
        (
            "line-add",
            "post",
            f"{D}/disclosures/{draft}/lines",
            {"direction": "expense", "date": "2026-10-28", "item": "办公用品", "amount_fen": 8800},
            201,
        ),
        ("line-update", "patch", f"{D}/lines/{line}", {"amount_fen": 123460}, 200),
        ("line-remove", "delete", f"{D}/lines/{other_line}", None, 204),
        ("export", "get", f"{D}/disclosures/{draft}/lines/export?type=csv", None, 200),
        ("discard", "delete", f"{D}/disclosures/{w.spare.pk}", None, 204),
        ("publish", "post", f"{D}/disclosures/{draft}/publish", None, 200),
        ("correct", "post", f"{D}/disclosures/{published}/correct", {"reason": "凭证号填错"}, 201),
    ]


# Endpoints that name a node: a persona who sees the node but may not work there gets 403.
BY_NODE = {"plan-create", "adopt-default", "calendar", "draft"}
LISTS = {"plans", "overdue", "disclosures"}


def refused_status(persona: str, name: str) -> int:
    if name in LISTS:
        return 200
    # Only the council member sees 创举社区 itself in the tree; the grid worker and the household
    # representative see their grid or micro-grid, the resident and "nobody" no tree at all, the
    # outsider another village.
    if name in BY_NODE and persona == "council":
        return 403
    return 404


def send(client: APIClient, method: str, url: str, body: dict[str, Any] | None) -> Any:
    return (
        getattr(client, method)(url, body, format="json")
        if body is not None
        else getattr(client, method)(url)
    )


@pytest.mark.parametrize("persona", ALLOWED)
def test_staff_with_disclosure_rights_do_everything(dw: World, api_as: Api, persona: str) -> None:
    client = api_as(persona)
    for name, method, url, body, expected in operations(dw):
        response = send(client, method, url, body)
        assert response.status_code == expected, (name, response.content)
    # The import is multipart (a new draft: the October one is published by now).
    draft = disclosure_draft(
        actor=dw.town.secretary,
        node=dw.town.village,
        area=Area.FINANCE,
        title="七月",
        plan=dw.plan,
        period="2026-07",
    )
    upload = csv_upload([HEADER, ["2026-07-02", "收入", "租金", "", "记-7", "100.00", ""]])
    response = client.post(f"{D}/disclosures/{draft.pk}/lines/import", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1


@pytest.mark.parametrize("persona", REFUSED)
def test_others_are_refused_and_nothing_changes(dw: World, api_as: Api, persona: str) -> None:
    client = api_as(persona)
    before = state()
    for name, method, url, body, _expected in operations(dw):
        response = send(client, method, url, body)
        expected = refused_status(persona, name)
        assert response.status_code == expected, (name, response.content)
        if name in LISTS:
            assert response.json()["results"] == [], name
        else:
            assert set(response.json()) == {"code", "message", "data"}
    upload = csv_upload([HEADER, ["2026-10-02", "收入", "租金", "", "记-7", "100.00", ""]])
    response = client.post(
        f"{D}/disclosures/{dw.draft.pk}/lines/import", {"file": upload}, format="multipart"
    )
    assert_error(response, 404, "disclosure_not_found")
    assert state() == before


def test_anonymous_gets_401_everywhere(dw: World) -> None:
    client = anonymous_client()
    before = state()
    for name, method, url, body, _expected in operations(dw):
        response = send(client, method, url, body)
        assert_error(response, 401, "not_authenticated")
        assert response["WWW-Authenticate"], name
    assert state() == before


def test_outsider_works_on_their_own_village_only(dw: World, api_as: Api) -> None:
    town = dw.town
    client = api_as("outsider")
    response = client.post(f"{D}/plans/adopt-default", {"node": town.other_village.code}, format="json")
    assert response.status_code == 200 and response.json()["created"] > 0
    plans = client.get(f"{D}/plans/?page_size=200").json()["results"]
    assert plans and {p["node"]["code"] for p in plans} == {town.other_village.code}
    assert client.get(f"{D}/disclosures/").json()["results"] == []
    # The secretary of 创举社区 does not see 白衣村's calendar either.
    assert api_as("secretary").get(f"{D}/plans/?node={town.other_village.code}").status_code == 404


# ---- plans and the calendar ------------------------------------------------------------------------


def test_plan_list_filters_and_shape(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    client.post(f"{D}/plans/{dw.plan.pk}/deactivate")
    client.post(f"{D}/plans/adopt-default", {"node": dw.town.village.code}, format="json")
    everything = client.get(f"{D}/plans/?page_size=200").json()
    active = client.get(f"{D}/plans/?active=true&page_size=200").json()
    stopped = client.get(f"{D}/plans/?active=false&node={dw.town.village.code}").json()
    assert everything["count"] == active["count"] + 1
    assert [p["id"] for p in stopped["results"]] == [dw.plan.pk]
    plan = stopped["results"][0]
    assert plan["area"] == {"code": "finance", "label": "财务"}
    assert plan["frequency"] == {"code": "monthly", "label": "每月"}
    assert plan["node"] == {"code": dw.town.village.code, "name": "创举社区"}
    assert (plan["due_days"], plan["active"]) == (10, False)


def test_adopt_default_is_idempotent(town: Town, api_as: Api) -> None:
    client = api_as("secretary")
    first = client.post(f"{D}/plans/adopt-default", {"node": town.village.code}, format="json").json()
    again = client.post(f"{D}/plans/adopt-default", {"node": town.village.code}, format="json").json()
    assert first["created"] == len(first["plans"]) > 0
    assert again == {"created": 0, "plans": []}
    areas = {p["area"]["code"] for p in first["plans"]}
    assert areas == {"party", "affairs", "finance"}


def test_plan_errors_are_stable_and_write_nothing(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    village = dw.town.village.code
    before = state()
    taken = {"node": village, "area": "finance", "title": "财务收支明细", "frequency": "monthly"}
    assert_error(client.post(f"{D}/plans/", taken, format="json"), 409, "disclosure_plan_taken")
    body = assert_error(
        client.post(f"{D}/plans/", {**taken, "title": "x", "due_days": 91}, format="json"), 400, "invalid"
    )
    assert "due_days" in body["data"]["fields"]
    body = assert_error(
        client.post(f"{D}/plans/", {**taken, "title": "x", "area": "sports"}, format="json"), 400, "invalid"
    )
    assert "area" in body["data"]["fields"]
    assert_error(
        client.post(f"{D}/plans/", {**taken, "title": "  "}, format="json"), 400, "invalid"
    )  # blank after trimming: DRF refuses it first
    assert_error(client.post(f"{D}/plans/", {**taken, "node": "999"}, format="json"), 404, "not_found")
    assert_error(client.post(f"{D}/plans/", {**taken, "node": "abc"}, format="json"), 404, "not_found")
    # The plan has disclosures: its frequency is fixed.
    assert_error(
        client.patch(f"{D}/plans/{dw.plan.pk}", {"frequency": "quarterly"}, format="json"),
        409,
        "disclosure_plan_in_use",
    )
    assert_error(client.patch(f"{D}/plans/{2**63}", {"due_days": 3}, format="json"), 404, "not_found")
    assert_error(client.post(f"{D}/plans/", "junk", content_type="text/plain"), 415, "unsupported_media_type")
    assert state() == before


def test_calendar_shows_each_period_with_its_status(dw: World, api_as: Api) -> None:
    response = api_as("secretary").get(f"{D}/calendar?node={dw.town.village.code}")
    assert response.status_code == 200, response.content
    calendar = response.json()
    assert (calendar["year"], calendar["today"]) == (2026, "2026-11-05")
    assert calendar["node"]["code"] == dw.town.village.code
    entries = {e["period"]: e for e in calendar["entries"]}
    # The plan was created today: only October (due 10 November) onwards is its duty.
    assert sorted(entries) == ["2026-10", "2026-11", "2026-12"]
    october = entries["2026-10"]
    assert october["status"] == {"code": "due", "label": "待公开"}
    assert (october["due_date"], october["disclosure"]) == ("2026-11-10", dw.draft.pk)
    assert october["plan"] == {
        "id": dw.plan.pk,
        "title": "财务收支明细",
        "frequency": {"code": "monthly", "label": "每月"},
    }
    assert entries["2026-11"]["status"]["code"] == "upcoming" and entries["2026-11"]["disclosure"] is None
    assert api_as("secretary").get(f"{D}/calendar?node={dw.town.village.code}&year=2027").json()["entries"]


def test_calendar_bad_input(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    assert_error(client.get(f"{D}/calendar"), 400, "invalid")
    body = assert_error(client.get(f"{D}/calendar?node={dw.town.village.code}&year=1999"), 400, "invalid")
    assert "year" in body["data"]["fields"]
    assert_error(client.get(f"{D}/calendar?node={dw.town.village.code}&year=x"), 400, "invalid")
    assert_error(client.get(f"{D}/calendar?node=511923100299"), 404, "not_found")


def test_overdue_alerts_after_the_due_date(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    assert client.get(f"{D}/overdue").json()["results"] == []
    with time_machine.travel(dt.datetime(2026, 12, 20, 9, 0, tzinfo=SH), tick=False):
        alerts = client.get(f"{D}/overdue").json()
        street = api_as("street").get(f"{D}/overdue").json()
    assert [(a["period"], a["status"]["code"], a["due_date"]) for a in alerts["results"]] == [
        ("2026-10", "overdue", "2026-11-10"),
        ("2026-11", "overdue", "2026-12-10"),
    ]
    assert alerts["results"][0]["disclosure"] == dw.draft.pk
    assert alerts["results"][0]["node"]["code"] == dw.town.village.code
    assert street["results"] == alerts["results"]


# ---- disclosures, lines, money -----------------------------------------------------------------------


def test_detail_has_lines_in_fen_and_yuan_with_totals(dw: World, api_as: Api) -> None:
    detail = api_as("secretary").get(f"{D}/disclosures/{dw.draft.pk}").json()
    assert detail["status"] == {"code": "draft", "label": "草稿"}
    assert (detail["period"], detail["period_start"], detail["period_end"]) == (
        "2026-10",
        "2026-10-01",
        "2026-10-31",
    )
    assert detail["due_date"] == "2026-11-10"
    assert detail["plan"]["id"] == dw.plan.pk and detail["publication"] is None
    first, second = detail["lines"]
    assert first["direction"] == {"code": "income", "label": "收入"}
    assert (first["amount_fen"], first["amount_yuan"]) == (123450, "1234.50")
    assert (second["amount_fen"], second["amount_yuan"]) == (50000, "500.00")
    assert (first["date"], first["voucher_no"], first["counterparty"]) == (
        "2026-10-08",
        "记-001",
        "创举社区停车场",
    )
    assert detail["totals"] == {
        "income_fen": 123450,
        "expense_fen": 50000,
        "net_fen": 73450,
        "income_yuan": "1234.50",
        "expense_yuan": "500.00",
        "net_yuan": "734.50",
    }
    assert (detail["can_edit"], detail["can_publish"]) == (True, True)


def test_list_filters(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    disclosure_draft(actor=None, node=dw.town.grid, area=Area.AFFAIRS, title="网格公示", body="内容")
    every = client.get(f"{D}/disclosures/").json()
    assert every["count"] == 4
    # Newest period first; the per-matter one without a period last.
    assert [d["period"] for d in every["results"]] == ["2026-10", "2026-09", "2026-08", ""]
    published = client.get(f"{D}/disclosures/?status=published").json()["results"]
    assert [d["id"] for d in published] == [dw.published.pk]
    assert dw.published.publication is not None
    assert published[0]["publication"]["seq"] == dw.published.publication.seq
    assert [d["title"] for d in client.get(f"{D}/disclosures/?area=affairs").json()["results"]] == [
        "网格公示"
    ]
    under_grid = client.get(f"{D}/disclosures/?node={dw.town.grid.code}").json()["results"]
    assert [d["title"] for d in under_grid] == ["网格公示"]
    assert_error(client.get(f"{D}/disclosures/?status=gone"), 400, "invalid")


def test_draft_from_a_plan_and_its_errors(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    village = dw.town.village.code
    created = client.post(
        f"{D}/disclosures/", {"node": village, "plan": dw.plan.pk, "period": "2026-11"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["title"], body["area"]["code"], body["due_date"]) == (
        "财务收支明细",
        "finance",
        "2026-12-10",
    )
    assert body["lines"] == [] and body["totals"]["net_fen"] == 0
    other = plan_create(
        actor=None, node=dw.town.other_village, area=Area.FINANCE, title="财务", frequency=Frequency.MONTHLY
    )
    street = api_as("street")  # before the snapshot: issuing a token is audited
    before = state()
    plan = {"node": village, "plan": dw.plan.pk}
    body = assert_error(
        client.post(f"{D}/disclosures/", {**plan, "period": "2026-10"}, format="json"),
        409,
        "disclosure_period_taken",
    )
    assert body["data"]["disclosure"] == dw.draft.pk
    assert_error(
        client.post(f"{D}/disclosures/", {**plan, "period": "2026Q4"}, format="json"),
        400,
        "disclosure_period_invalid",
    )
    assert_error(client.post(f"{D}/disclosures/", plan, format="json"), 400, "disclosure_period_required")
    assert_error(
        client.post(f"{D}/disclosures/", {**plan, "period": "2026-12", "area": "party"}, format="json"),
        400,
        "disclosure_area_mismatch",
    )
    assert_error(
        client.post(f"{D}/disclosures/", {"node": village, "title": "无类别"}, format="json"),
        400,
        "disclosure_area_invalid",
    )
    assert_error(
        client.post(f"{D}/disclosures/", {"node": village, "area": "party"}, format="json"),
        400,
        "disclosure_title_required",
    )
    # A plan of another village (seen by the street, not by the secretary) is not found.
    assert_error(
        client.post(
            f"{D}/disclosures/", {"node": village, "plan": other.pk, "period": "2026-12"}, format="json"
        ),
        404,
        "disclosure_plan_not_found",
    )
    assert_error(
        street.post(
            f"{D}/disclosures/", {"node": village, "plan": other.pk, "period": "2026-12"}, format="json"
        ),
        400,
        "disclosure_plan_elsewhere",
    )
    assert state() == before


def test_line_errors_are_stable_and_write_nothing(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    url = f"{D}/disclosures/{dw.draft.pk}/lines"
    good = {"direction": "income", "date": "2026-10-05", "item": "租金", "amount_fen": 100}
    before = state()
    for field, value in (
        ("amount_fen", 0),
        ("amount_fen", -5),
        ("amount_fen", "12.5"),
        ("amount_fen", 10**14),
    ):
        body = assert_error(client.post(url, {**good, field: value}, format="json"), 400, "invalid")
        assert field in body["data"]["fields"]
    body = assert_error(client.post(url, {**good, "direction": "gift"}, format="json"), 400, "invalid")
    assert "direction" in body["data"]["fields"]
    assert_error(
        client.post(url, {**good, "date": "2026-11-01"}, format="json"), 400, "finance_date_outside_period"
    )
    assert_error(client.post(url, {**good, "item": " "}, format="json"), 400, "invalid")
    line = f"{D}/lines/{dw.lines[0].pk}"
    assert_error(
        client.patch(line, {"date": "2026-09-30"}, format="json"), 400, "finance_date_outside_period"
    )
    assert_error(client.patch(line, {"amount_fen": 0}, format="json"), 400, "invalid")
    # Lines only belong to finance disclosures.
    affairs = disclosure_draft(actor=None, node=dw.town.village, area=Area.AFFAIRS, title="公示", body="x")
    before = state()
    assert_error(
        client.post(f"{D}/disclosures/{affairs.pk}/lines", good, format="json"), 400, "disclosure_not_finance"
    )
    # Nothing changes on a published disclosure.
    published = f"{D}/disclosures/{dw.published.pk}"
    assert_error(
        client.post(f"{published}/lines", {**good, "date": "2026-09-05"}, format="json"),
        409,
        "disclosure_published",
    )
    published_line = dw.published.lines.get()
    assert_error(
        client.patch(f"{D}/lines/{published_line.pk}", {"item": "改"}, format="json"),
        409,
        "disclosure_published",
    )
    assert_error(client.delete(f"{D}/lines/{published_line.pk}"), 409, "disclosure_published")
    assert_error(client.patch(published, {"title": "改"}, format="json"), 409, "disclosure_published")
    assert_error(client.delete(published), 409, "disclosure_published")
    assert_error(client.post(f"{published}/publish"), 409, "disclosure_published")
    assert_error(client.get(f"{D}/lines/{10**9}"), 405, "method_not_allowed")
    assert_error(
        client.patch(f"{D}/lines/{10**9}", {"item": "x"}, format="json"), 404, "finance_line_not_found"
    )
    assert state() == before


def test_update_and_discard_a_draft(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    response = client.patch(
        f"{D}/disclosures/{dw.draft.pk}", {"title": "十月财务公开", "body": "新正文"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["body"]) == ("十月财务公开", "新正文")
    assert_error(client.patch(f"{D}/disclosures/{dw.draft.pk}", {"title": ""}, format="json"), 400, "invalid")
    assert client.delete(f"{D}/disclosures/{dw.draft.pk}").status_code == 204
    assert not Disclosure.objects.filter(pk=dw.draft.pk).exists()
    assert not FinanceLine.objects.filter(disclosure_id=dw.draft.pk).exists()
    assert_error(client.get(f"{D}/disclosures/{dw.draft.pk}"), 404, "disclosure_not_found")


def test_line_add_update_remove(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    added = client.post(
        f"{D}/disclosures/{dw.draft.pk}/lines",
        {"direction": "expense", "date": "2026-10-31", "item": "电费", "amount_fen": 1, "voucher_no": "记-9"},
        format="json",
    )
    assert added.status_code == 201, added.content
    line = added.json()
    assert (line["amount_fen"], line["amount_yuan"], line["order"]) == (1, "0.01", 3)
    changed = client.patch(
        f"{D}/lines/{line['id']}", {"amount_fen": 250000, "direction": "income"}, format="json"
    )
    assert changed.json()["amount_yuan"] == "2500.00" and changed.json()["direction"]["code"] == "income"
    totals = client.get(f"{D}/disclosures/{dw.draft.pk}").json()["totals"]
    assert totals["income_fen"] == 123450 + 250000
    assert client.delete(f"{D}/lines/{line['id']}").status_code == 204
    assert not FinanceLine.objects.filter(pk=line["id"]).exists()


# ---- import and export -------------------------------------------------------------------------------


def test_import_all_or_nothing_with_per_row_errors(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    url = f"{D}/disclosures/{dw.draft.pk}/lines/import"
    bad = csv_upload(
        [
            HEADER,
            ["2026-10-02", "收入", "租金", "", "记-7", "100.00", ""],
            ["2026-11-02", "收入", "租金", "", "记-8", "-3", ""],
            ["2026-10-03", "赠送", "", "", "", "1.234", ""],
        ]
    )
    before = state()
    body = assert_error(client.post(url, {"file": bad}, format="multipart"), 400, "finance_import_invalid")
    assert body["data"]["total"] == 3
    found = [(r["row"], r["column"], r["code"]) for r in body["data"]["rows"]]
    assert found == [
        (3, "日期", "finance_date_outside_period"),
        (3, "金额(元)", "finance_amount_negative"),
        (4, "收支", "finance_direction_invalid"),
        (4, "摘要", "finance_item_required"),
        (4, "金额(元)", "finance_amount_precision"),
    ]
    assert all(r["message"] for r in body["data"]["rows"])
    missing = csv_upload([["日期", "摘要"], ["2026-10-02", "租金"]])
    assert_error(client.post(url, {"file": missing}, format="multipart"), 400, "table_missing_headers")
    assert_error(client.post(url, {"file": csv_upload([HEADER])}, format="multipart"), 400, "table_no_rows")
    body = assert_error(client.post(url, {}, format="multipart"), 400, "invalid")
    assert "file" in body["data"]["fields"]
    assert_error(client.post(url, {"file": "x"}, format="json"), 415, "unsupported_media_type")
    published = f"{D}/disclosures/{dw.published.pk}/lines/import"
    good = csv_upload([HEADER, ["2026-09-02", "收入", "租金", "", "", "1", ""]])
    assert_error(client.post(published, {"file": good}, format="multipart"), 409, "disclosure_published")
    assert state() == before


def test_import_appends_or_replaces(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    url = f"{D}/disclosures/{dw.draft.pk}/lines/import"
    rows = [HEADER, ["2026/10/9", "支出", "保洁服务费", "平昌保洁公司", "记-010", "1,000.5", "十月"]]
    response = client.post(url, {"file": csv_upload(rows)}, format="multipart")
    assert response.status_code == 200, response.content
    result = response.json()
    assert (result["rows"], result["created"], result["replaced"]) == (1, 1, 0)
    assert [line["amount_fen"] for line in result["disclosure"]["lines"]] == [123450, 50000, 100050]
    replaced = client.post(url, {"file": csv_upload(rows), "replace": "true"}, format="multipart").json()
    assert (replaced["created"], replaced["replaced"]) == (1, 3)
    assert replaced["disclosure"]["totals"]["expense_yuan"] == "1000.50"


def test_export_round_trips(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    as_csv = client.get(f"{D}/disclosures/{dw.draft.pk}/lines/export?type=csv", HTTP_ACCEPT="text/csv")
    assert as_csv.status_code == 200
    assert as_csv["Content-Type"].startswith("text/csv")
    assert "attachment" in as_csv["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert rows[1] == ["2026-10-08", "收入", "停车场收费", "创举社区停车场", "记-001", "1234.50", ""]
    as_xlsx = client.get(f"{D}/disclosures/{dw.draft.pk}/lines/export")
    assert as_xlsx.status_code == 200 and as_xlsx.content[:2] == b"PK"
    # What was exported imports back unchanged into another draft.
    other = disclosure_draft(actor=None, node=dw.town.village, area=Area.FINANCE, title="十月收支（副本）")
    upload = SimpleUploadedFile("back.xlsx", as_xlsx.content)
    response = client.post(f"{D}/disclosures/{other.pk}/lines/import", {"file": upload}, format="multipart")
    assert response.status_code == 200, response.content
    assert (
        response.json()["disclosure"]["totals"]
        == client.get(f"{D}/disclosures/{dw.draft.pk}").json()["totals"]
    )
    assert_error(client.get(f"{D}/disclosures/{dw.draft.pk}/lines/export?type=pdf"), 400, "invalid")


# ---- publish and correct -------------------------------------------------------------------------------


def test_publish_then_correct(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    published = client.post(f"{D}/disclosures/{dw.draft.pk}/publish")
    assert published.status_code == 200, published.content
    body = published.json()
    assert body["status"]["code"] == "published" and body["can_edit"] is False
    publication = Publication.objects.get(seq=body["publication"]["seq"])
    assert publication.hash == body["publication"]["hash"]
    assert publication.content["totals"] == {"income_fen": 123450, "expense_fen": 50000, "net_fen": 73450}
    assert_error(
        client.post(f"{D}/disclosures/{dw.draft.pk}/correct", {"reason": ""}, format="json"), 400, "invalid"
    )
    correction = client.post(
        f"{D}/disclosures/{dw.draft.pk}/correct", {"reason": "停车费金额有误"}, format="json"
    )
    assert correction.status_code == 201, correction.content
    fixed = correction.json()
    assert (fixed["corrects"], fixed["correction_reason"], fixed["status"]["code"]) == (
        dw.draft.pk,
        "停车费金额有误",
        "draft",
    )
    assert len(fixed["lines"]) == 2
    assert client.get(f"{D}/disclosures/{dw.draft.pk}").json()["corrections"] == [fixed["id"]]
    assert_error(
        client.post(f"{D}/disclosures/{dw.draft.pk}/correct", {"reason": "再改"}, format="json"),
        409,
        "disclosure_already_corrected",
    )
    assert_error(
        client.post(f"{D}/disclosures/{fixed['id']}/correct", {"reason": "草稿"}, format="json"),
        409,
        "disclosure_not_published",
    )
    client.patch(f"{D}/lines/{fixed['lines'][0]['id']}", {"amount_fen": 123400}, format="json")
    republished = client.post(f"{D}/disclosures/{fixed['id']}/publish").json()
    item = Publication.objects.get(seq=republished["publication"]["seq"])
    assert item.corrects_id == publication.seq
    assert item.content["correction_reason"] == "停车费金额有误"


def test_publish_an_empty_draft_is_refused(dw: World, api_as: Api) -> None:
    client = api_as("secretary")
    empty = disclosure_draft(actor=None, node=dw.town.village, area=Area.PARTY, title="空的")
    before = state()
    assert_error(client.post(f"{D}/disclosures/{empty.pk}/publish"), 400, "disclosure_empty")
    assert state() == before
    assert Disclosure.objects.get(pk=empty.pk).status == DisclosureStatus.DRAFT


# ---- query counts -------------------------------------------------------------------------------------


@pytest.fixture
def busy(dw: World) -> World:
    """60 plans with a year of periods each, 60 more disclosures (with lines) at 创举社区."""
    town = dw.town
    for i in range(60):
        plan_create(
            actor=None,
            node=town.village,
            area=Area.AFFAIRS,
            title=f"事项{i:02d}",
            frequency=Frequency.MONTHLY,
        )
    for i in range(60):
        draft = disclosure_draft(
            actor=None, node=town.grid, area=Area.FINANCE, title=f"网格财务{i}", body="x"
        )
        finance_line_add(
            actor=None,
            disclosure=draft,
            direction="income",
            date=dt.date(2026, 10, 1),
            item="收入",
            amount_fen=i + 1,
        )
    return dw


def _count(client: APIClient, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(response.json()["results"])


def test_list_query_counts_are_constant(busy: World, api_as: Api) -> None:
    urls = [
        f"{D}/plans/?page_size={{n}}",
        f"{D}/plans/?node={busy.town.village.code}&active=true&page_size={{n}}",
        f"{D}/disclosures/?page_size={{n}}",
        f"{D}/disclosures/?node={busy.town.village.code}&area=finance&status=draft&page_size={{n}}",
        f"{D}/overdue?page_size={{n}}",
    ]
    for persona in ("secretary", "street"):
        client = api_as(persona)
        with time_machine.travel(dt.datetime(2027, 3, 1, 9, 0, tzinfo=SH), tick=False):
            for url in urls:
                small, small_rows = _count(client, url.format(n=2))
                large, large_rows = _count(client, url.format(n=50))
                assert (small_rows, large_rows) == (2, 50), url
                assert large <= small, (url, small, large)  # a full last page needs no count query
                assert large <= 6, (url, large)


def test_detail_and_calendar_query_counts(
    busy: World, api_as: Api, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = api_as("secretary")
    with django_assert_max_num_queries(7):
        assert client.get(f"{D}/disclosures/{busy.draft.pk}").status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(f"{D}/calendar?node={busy.town.village.code}").status_code == 200
