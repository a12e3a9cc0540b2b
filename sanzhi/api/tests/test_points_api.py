"""``/api/v1/points/``: per role (resident, rep, secretary, council, outsider), the idempotent redemption,
errors as {code, message, data} with the right status, and list endpoints at a fixed query count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from sanzhi.core.testing import Town
from sanzhi.people.services import household_create
from sanzhi.points.ledger import points_decide, points_record
from sanzhi.points.models import Account, Entry, EntryKind, Goods, Redemption, RedemptionState
from sanzhi.points.opening import account_open
from sanzhi.points.reconcile import reconcile, verify
from sanzhi.points.store import goods_restock, redeem
from sanzhi.points.testing import PointsWorld, build_points_world

pytestmark = pytest.mark.django_db

Api = Callable[[str], APIClient]
P = "/api/v1/points"
# The smallest valid PNG: a 1×1 transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture
def pw(town: Town) -> PointsWorld:
    return build_points_world(town)


def award(pw: PointsWorld, key: str, points: int) -> None:
    """Approved points for an account, through the services (helping: 5–30 a claim)."""
    while points > 0:
        step = min(points, 30)
        claim = points_record(
            actor=pw.town.secretary,
            account_id=pw.accounts[key].pk,
            rule_id=pw.rules["helping"].pk,
            points=step,
        )
        points_decide(actor=pw.town.secretary, entry_ids=[claim.pk], approve=True)
        points -= step


def balances(account: Account) -> tuple[int, int]:
    account.refresh_from_db()
    return account.total, account.redeemable


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """An error body ``{code, message, data}`` with this status and code."""
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "data"} and body["code"] == code, body
    assert body["message"]
    return body


# ---- resident ----------------------------------------------------------------------------------------


def test_resident_sees_own_household_only(pw: PointsWorld, api_as: Api) -> None:
    client = api_as("resident")
    h1, h2 = pw.accounts["h1"], pw.accounts["h2"]
    listed = client.get(f"{P}/accounts/").json()
    assert [a["id"] for a in listed["results"]] == [h1.pk]
    assert client.get(f"{P}/accounts/{h1.pk}").json()["can_redeem"] is True
    assert_error(client.get(f"{P}/accounts/{h2.pk}"), 404, "points_account_not_found")
    assert_error(client.get(f"{P}/accounts/{h2.pk}/entries"), 404, "points_account_not_found")
    schemes = client.get(f"{P}/schemes/").json()["results"]
    assert [s["id"] for s in schemes] == [pw.scheme.pk]
    # A resident records nothing: the account is not theirs to record on (not disclosed).
    assert_error(
        client.post(f"{P}/entries/", {"account": h1.pk, "rule": pw.rules["sorting"].pk}, format="json"),
        404,
        "points_account_not_found",
    )
    assert not Entry.objects.filter(kind=EntryKind.AWARD).exists()


def test_resident_redeems_for_own_household_and_cancels(pw: PointsWorld, api_as: Api) -> None:
    award(pw, "h1", 50)
    award(pw, "h2", 50)
    client = api_as("resident")
    soap = pw.goods["洗衣粉"]
    placed = client.post(
        f"{P}/redemptions/",
        {"account": pw.accounts["h1"].pk, "goods": soap.pk, "quantity": 2},
        format="json",
        HTTP_IDEMPOTENCY_KEY="r-1",
    )
    assert placed.status_code == 201, placed.content
    body = placed.json()
    assert (body["points"], body["state"]["code"], body["goods"]["name"]) == (40, "placed", "洗衣粉")
    assert balances(pw.accounts["h1"]) == (50, 10)
    # Not for the neighbours' household.
    assert_error(
        client.post(
            f"{P}/redemptions/",
            {"account": pw.accounts["h2"].pk, "goods": soap.pk},
            format="json",
            HTTP_IDEMPOTENCY_KEY="r-2",
        ),
        404,
        "points_account_not_found",
    )
    # Picking up is the counter's job.
    assert_error(client.post(f"{P}/redemptions/{body['id']}/pickup"), 403, "forbidden")
    assert_error(client.post(f"{P}/redemptions/{body['id']}/cancel", {}, format="json"), 400, "invalid")
    cancelled = client.post(f"{P}/redemptions/{body['id']}/cancel", {"reason": "买多了"}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["state"]["code"] == "cancelled"
    assert balances(pw.accounts["h1"]) == (50, 50)
    soap.refresh_from_db()
    assert soap.stock == 50
    again = client.post(f"{P}/redemptions/{body['id']}/cancel", {"reason": "再取消"}, format="json")
    assert_error(again, 409, "points_redemption_not_open")
    mine = client.get(f"{P}/redemptions/?state=cancelled").json()["results"]
    assert [r["id"] for r in mine] == [body["id"]]
    assert reconcile() == [] and verify() == []


# ---- rep, secretary, council ---------------------------------------------------------------------------


def test_rep_records_with_photo_and_cannot_review(pw: PointsWorld, api_as: Api) -> None:
    client = api_as("rep")
    h1 = pw.accounts["h1"]
    photo = SimpleUploadedFile("clean.png", PNG, content_type="image/png")
    recorded = client.post(
        f"{P}/entries/",
        {"account": h1.pk, "rule": pw.rules["volunteer"].pk, "evidence": photo},
        format="multipart",
    )
    assert recorded.status_code == 201, recorded.content
    claim = recorded.json()
    assert (claim["kind"]["code"], claim["claimed"], claim["status"]) == ("award", 10, "pending")
    assert claim["has_evidence"] is True and claim["rule"]["code"] == "volunteer"
    assert balances(h1) == (0, 0)
    download = client.get(f"{P}/entries/{claim['id']}/evidence")
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG  # type: ignore[attr-defined]
    # Evidence the rule asks for, missing.
    missing = client.post(
        f"{P}/entries/", {"account": h1.pk, "rule": pw.rules["volunteer"].pk}, format="json"
    )
    assert_error(missing, 400, "points_evidence_required")
    # A range rule needs a value inside the range.
    out = client.post(
        f"{P}/entries/", {"account": h1.pk, "rule": pw.rules["helping"].pk, "points": 99}, format="json"
    )
    assert assert_error(out, 400, "points_value_out_of_range")["data"] == {"min": 5, "max": 30}
    # The rep's households only (h2 is in the other micro-grid).
    other = client.post(
        f"{P}/entries/", {"account": pw.accounts["h2"].pk, "rule": pw.rules["sorting"].pk}, format="json"
    )
    assert_error(other, 404, "points_account_not_found")
    decide = client.post(f"{P}/entries/decide", {"entries": [claim["id"]], "approve": True}, format="json")
    assert_error(decide, 403, "forbidden")
    assert balances(h1) == (0, 0)


def test_secretary_reviews_a_batch_and_reverses(pw: PointsWorld, api_as: Api) -> None:
    rep, secretary = api_as("rep"), api_as("secretary")
    h1 = pw.accounts["h1"]
    ids = [
        rep.post(f"{P}/entries/", body, format="json").json()["id"]
        for body in (
            {"account": h1.pk, "rule": pw.rules["sorting"].pk},
            {"account": h1.pk, "rule": pw.rules["helping"].pk, "points": 15},
        )
    ]
    review = secretary.get(f"{P}/review/?scheme={pw.scheme.pk}").json()
    assert [e["id"] for e in review["results"]] == ids
    assert all(e["status"] == "pending" for e in review["results"])
    decided = secretary.post(
        f"{P}/entries/decide", {"entries": ids, "approve": True, "note": "十一月评审"}, format="json"
    )
    assert decided.status_code == 200, decided.content
    lines = decided.json()["entries"]
    assert [(e["kind"]["code"], e["target"], e["total_delta"]) for e in lines] == [
        ("approval", ids[0], 20),
        ("approval", ids[1], 15),
    ]
    assert balances(h1) == (35, 35)
    assert secretary.get(f"{P}/review/?scheme={pw.scheme.pk}").json()["results"] == []
    twice = secretary.post(f"{P}/entries/decide", {"entries": ids, "approve": False}, format="json")
    assert assert_error(twice, 409, "points_already_decided")["data"] == {"entries": ids}
    # 冲正 needs a reason, then undoes the approval; a second time is a conflict.
    assert_error(secretary.post(f"{P}/entries/{ids[1]}/reverse", {}, format="json"), 400, "invalid")
    reversed_ = secretary.post(f"{P}/entries/{ids[1]}/reverse", {"note": "重复记录"}, format="json")
    assert reversed_.status_code == 200 and reversed_.json()["kind"]["code"] == "reversal"
    assert balances(h1) == (20, 20)
    again = secretary.post(f"{P}/entries/{ids[1]}/reverse", {"note": "再冲"}, format="json")
    assert_error(again, 409, "points_already_reversed")
    history = secretary.get(f"{P}/accounts/{h1.pk}/entries").json()["results"]
    statuses = {e["id"]: e["status"] for e in history}
    assert (statuses[ids[0]], statuses[ids[1]]) == ("approved", "reversed")
    detail = secretary.get(f"{P}/accounts/{h1.pk}").json()
    assert detail["category_balances"] == [
        {"category": {"id": pw.categories["social"].pk, "code": "social", "name": "社会公德"}, "points": 20},
        {"category": {"id": pw.categories["family"].pk, "code": "family", "name": "家庭美德"}, "points": 0},
    ]
    assert reconcile() == [] and verify() == []


def test_council_items_need_the_council(pw: PointsWorld, api_as: Api) -> None:
    h1 = pw.accounts["h1"]
    claim = api_as("gridworker").post(
        f"{P}/entries/", {"account": h1.pk, "rule": pw.rules["startup"].pk, "note": "带动种植"}, format="json"
    )
    claim_id = claim.json()["id"]
    refused = api_as("secretary").post(
        f"{P}/entries/decide", {"entries": [claim_id], "approve": True}, format="json"
    )
    assert_error(refused, 403, "points_council_required")
    # Approving on the spot is refused too: the item goes to the council.
    on_spot = api_as("secretary").post(
        f"{P}/entries/",
        {"account": h1.pk, "rule": pw.rules["startup"].pk, "note": "再次", "approve": True},
        format="json",
    )
    assert_error(on_spot, 403, "points_council_required")
    approved = api_as("council").post(
        f"{P}/entries/decide",
        {"entries": [claim_id], "approve": True, "council": "道德评议会"},
        format="json",
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["entries"][0]["council"] == "道德评议会"
    assert balances(h1) == (100, 100)


def test_scheme_detail_has_its_catalog(pw: PointsWorld, api_as: Api) -> None:
    body = api_as("rep").get(f"{P}/schemes/{pw.scheme.pk}").json()
    assert body["code"] == "daode" and body["subject"]["code"] == "household"
    assert [c["code"] for c in body["categories"]] == ["social", "work", "family", "personal"]
    rules = {r["code"]: r for r in body["rules"]}
    assert rules["helping"]["fixed"] is False and rules["startup"]["council"] == "道德评议会"
    assert (body["stars"], body["tiers"]) == ([], [])


# ---- outsider ----------------------------------------------------------------------------------------


def test_outsider_gets_404_everywhere(pw: PointsWorld, api_as: Api) -> None:
    award(pw, "h1", 40)
    placed = redeem(
        actor=pw.town.resident,
        account_id=pw.accounts["h1"].pk,
        goods_id=pw.goods["洗衣粉"].pk,
        request_key="k",
    )
    claim = points_record(actor=pw.town.rep, account_id=pw.accounts["h1"].pk, rule_id=pw.rules["sorting"].pk)
    client = api_as("outsider")
    h1 = pw.accounts["h1"].pk
    assert client.get(f"{P}/schemes/").json()["results"] == []
    assert client.get(f"{P}/accounts/").json()["results"] == []
    assert client.get(f"{P}/goods/").json()["results"] == []
    assert client.get(f"{P}/redemptions/").json()["results"] == []
    for url in (
        f"/schemes/{pw.scheme.pk}",
        f"/accounts/{h1}",
        f"/accounts/{h1}/entries",
        f"/review/?scheme={pw.scheme.pk}",
        f"/goods/?scheme={pw.scheme.pk}",
        f"/entries/{claim.pk}/evidence",
    ):
        assert client.get(P + url).status_code == 404, url
    posts = [
        ("/entries/", {"account": h1, "rule": pw.rules["sorting"].pk}),
        ("/entries/decide", {"entries": [claim.pk], "approve": True}),
        (f"/redemptions/{placed.pk}/cancel", {"reason": "x"}),
        (f"/redemptions/{placed.pk}/pickup", {}),
        (f"/goods/{pw.goods['洗衣粉'].pk}/restock", {"quantity": 5}),
    ]
    for url, body in posts:
        assert client.post(P + url, body, format="json").status_code == 404, url
    redeemed = client.post(
        f"{P}/redemptions/",
        {"account": h1, "goods": pw.goods["洗衣粉"].pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="o",
    )
    assert redeemed.status_code == 404
    assert Redemption.objects.count() == 1 and balances(pw.accounts["h1"]) == (40, 20)


# ---- the supermarket ---------------------------------------------------------------------------------


def test_redemption_is_idempotent_on_the_key(pw: PointsWorld, api_as: Api) -> None:
    award(pw, "h1", 100)
    client = api_as("resident")
    body = {"account": pw.accounts["h1"].pk, "goods": pw.goods["洗衣粉"].pk, "quantity": 1}
    missing = client.post(f"{P}/redemptions/", body, format="json")
    assert_error(missing, 400, "idempotency_key_required")
    first = client.post(f"{P}/redemptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    retry = client.post(f"{P}/redemptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json() == retry.json()
    assert Redemption.objects.count() == 1 and balances(pw.accounts["h1"]) == (100, 80)
    pw.goods["洗衣粉"].refresh_from_db()
    assert pw.goods["洗衣粉"].stock == 49
    reused = client.post(
        f"{P}/redemptions/", {**body, "quantity": 2}, format="json", HTTP_IDEMPOTENCY_KEY="abc-123"
    )
    assert_error(reused, 409, "points_request_key_reused")
    assert_error(
        client.post(f"{P}/redemptions/", body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 65),
        400,
        "points_request_key_invalid",
    )


def test_insufficient_points_and_stock_are_conflicts(pw: PointsWorld, api_as: Api) -> None:
    award(pw, "h1", 90)
    client = api_as("resident")
    h1 = pw.accounts["h1"].pk
    oil = client.post(
        f"{P}/redemptions/",
        {"account": h1, "goods": pw.goods["食用油"].pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="1",
    )
    assert assert_error(oil, 409, "points_insufficient")["data"] == {"needed": 100, "available": 90}
    rice = client.post(
        f"{P}/redemptions/",
        {"account": h1, "goods": pw.goods["大米"].pk, "quantity": 2},
        format="json",
        HTTP_IDEMPOTENCY_KEY="2",
    )
    assert_error(rice, 409, "points_insufficient")
    award(pw, "h1", 40)
    rice = client.post(
        f"{P}/redemptions/",
        {"account": h1, "goods": pw.goods["大米"].pk, "quantity": 2},
        format="json",
        HTTP_IDEMPOTENCY_KEY="3",
    )
    assert assert_error(rice, 409, "points_out_of_stock")["data"] == {"stock": 1}
    unknown = client.post(
        f"{P}/redemptions/", {"account": h1, "goods": 999999}, format="json", HTTP_IDEMPOTENCY_KEY="4"
    )
    assert_error(unknown, 404, "points_goods_not_found")
    assert Redemption.objects.count() == 0 and balances(pw.accounts["h1"]) == (130, 130)


def test_counter_picks_up_and_restocks(pw: PointsWorld, api_as: Api) -> None:
    award(pw, "h1", 60)
    placed = redeem(
        actor=pw.town.resident,
        account_id=pw.accounts["h1"].pk,
        goods_id=pw.goods["大米"].pk,
        request_key="rice",
    )
    worker = api_as("gridworker")
    listed = worker.get(f"{P}/redemptions/?scheme={pw.scheme.pk}&state=placed").json()["results"]
    assert [r["id"] for r in listed] == [placed.pk]
    picked = worker.post(f"{P}/redemptions/{placed.pk}/pickup")
    assert picked.status_code == 200 and picked.json()["state"]["code"] == "picked_up"
    assert_error(worker.post(f"{P}/redemptions/{placed.pk}/pickup"), 409, "points_redemption_not_open")
    assert_error(
        worker.post(f"{P}/redemptions/{placed.pk}/cancel", {"reason": "晚了"}, format="json"),
        409,
        "points_redemption_not_open",
    )
    rice = pw.goods["大米"]
    restocked = api_as("secretary").post(
        f"{P}/goods/{rice.pk}/restock", {"quantity": 10, "note": "乡贤捐赠"}, format="json"
    )
    assert restocked.status_code == 201, restocked.content
    assert restocked.json()["goods"]["stock"] == 10 and restocked.json()["kind"]["code"] == "restock"
    negative = api_as("secretary").post(
        f"{P}/goods/{rice.pk}/restock", {"quantity": -11, "kind": "adjust"}, format="json"
    )
    assert_error(negative, 409, "points_stock_negative")
    # A rep sees the goods but does not run the store.
    assert api_as("rep").get(f"{P}/goods/?scheme={pw.scheme.pk}").json()["count"] == 3
    assert (
        api_as("rep").post(f"{P}/goods/{rice.pk}/restock", {"quantity": 1}, format="json").status_code == 404
    )
    stats = api_as("secretary").get(f"{P}/stats?node={pw.town.village.code}").json()
    assert stats["schemes"] == [pw.scheme.pk] and stats["period"] is None
    assert (stats["points_issued"], stats["points_redeemed"], stats["items_out"]) == (60, 60, 1)
    assert (stats["redemptions"], stats["awaiting_pickup"]) == (1, 0)
    assert [(g["name"], g["items"]) for g in stats["top_goods"]] == [("大米", 1)]
    assert stats["phrase"] == "已兑换60分、1件商品"
    assert api_as("outsider").get(f"{P}/stats").json()["points_issued"] == 0
    assert_error(api_as("secretary").get(f"{P}/stats?period=2026Q5"), 400, "invalid")


# ---- query counts ------------------------------------------------------------------------------------


@pytest.fixture
def busy(pw: PointsWorld) -> PointsWorld:
    """60 households with accounts in the first micro-grid, 100 claims on h1 (half approved), 56 more
    goods and 60 redemptions."""
    town = pw.town
    for i in range(60):
        household = household_create(actor=None, node=town.micro, address=f"创举社区9号楼{i:03d}")
        account_open(scheme=pw.scheme, holder=household)
    h1 = pw.accounts["h1"]
    for i in range(100):
        claim = points_record(actor=town.rep, account_id=h1.pk, rule_id=pw.rules["helping"].pk, points=5)
        if i % 2:
            points_decide(actor=town.secretary, entry_ids=[claim.pk], approve=True)
    for i in range(55):
        goods = Goods.objects.create(scheme=pw.scheme, name=f"商品{i}", price=1)
        goods_restock(actor=None, goods_id=goods.pk, quantity=2)
    tissue = Goods.objects.create(scheme=pw.scheme, name="纸巾", price=1)
    goods_restock(actor=None, goods_id=tissue.pk, quantity=100)
    for i in range(60):
        redeem(actor=town.resident, account_id=h1.pk, goods_id=tissue.pk, request_key=f"busy-{i}")
    assert Redemption.objects.filter(state=RedemptionState.PLACED).count() == 60
    return pw


def _count(client: APIClient, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(response.json()["results"])


def test_points_list_query_counts_are_constant(busy: PointsWorld, api_as: Api) -> None:
    scheme, h1 = busy.scheme.pk, busy.accounts["h1"].pk
    urls = [
        f"{P}/accounts/?page_size={{n}}",
        f"{P}/accounts/?scheme={scheme}&node={busy.town.micro.code}&q=创举&page_size={{n}}",
        f"{P}/accounts/{h1}/entries?page_size={{n}}",
        f"{P}/review/?scheme={scheme}&page_size={{n}}",
        f"{P}/goods/?scheme={scheme}&page_size={{n}}",
        f"{P}/redemptions/?scheme={scheme}&state=placed&page_size={{n}}",
    ]
    for persona in ("secretary", "gridworker"):
        client = api_as(persona)
        for url in urls:
            small, small_rows = _count(client, url.format(n=2))
            large, large_rows = _count(client, url.format(n=50))
            assert (small_rows, large_rows) == (2, 50), url
            assert large <= small, (url, small, large)  # a full last page needs no count query
            assert large <= 9, (url, large)
    resident = api_as("resident")
    small, _rows = _count(resident, f"{P}/accounts/{h1}/entries?page_size=2")
    large, rows = _count(resident, f"{P}/accounts/{h1}/entries?page_size=50")
    assert (rows, small) == (50, large)


def test_scheme_and_account_detail_query_counts(
    pw: PointsWorld, api_as: Api, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = api_as("secretary")
    with django_assert_max_num_queries(8):
        assert client.get(f"{P}/schemes/{pw.scheme.pk}").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(f"{P}/accounts/{pw.accounts['h1'].pk}").status_code == 200
