"""积分超市: redemption rules, cancellation, pickup, idempotency, store administration and statistics."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.people.models import Household
from sanzhi.people.services import household_create
from sanzhi.points.ledger import points_record, points_reverse
from sanzhi.points.models import (
    Account,
    AccountTier,
    Donor,
    Entry,
    EntryKind,
    Goods,
    Redemption,
    RedemptionState,
    StockKind,
    StockMovement,
    Tier,
)
from sanzhi.points.reconcile import reconcile, verify
from sanzhi.points.store import price_for, redeem, redemption_cancel, redemption_pickup
from sanzhi.points.store_admin import (
    donor_create,
    goods_create,
    goods_update,
    summary_ranking,
    tier_define,
    tiers_assign,
    window_create,
)
from sanzhi.points.store_stats import approximately, store_stats
from sanzhi.points.testing import PointsWorld

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, tzinfo=SH)  # 2026Q4
NEXT_QUARTER = dt.datetime(2027, 1, 5, 10, tzinfo=SH)


def earn(pw: PointsWorld, key: str, points: int, *, day: dt.date | None = None) -> None:
    """Approve ``points`` (a multiple of 5, ≤ 30 a claim) for the account under the 'helping' rule."""
    while points > 0:
        step = min(points, 30)
        points_record(
            actor=pw.town.secretary,
            account_id=pw.accounts[key].pk,
            rule_id=pw.rules["helping"].pk,
            points=step,
            approve=True,
            day=day or NOW.date(),
            now=NOW,
        )
        points -= step


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.redeemable


def stock(goods: Goods) -> int:
    goods.refresh_from_db()
    return goods.stock


def buy(
    pw: PointsWorld, goods: str, *, key: str = "k1", qty: int = 1, who: str = "gridworker", **kw: Any
) -> Redemption:
    return redeem(
        actor=pw.town.users[who],
        account_id=pw.accounts[kw.pop("account", "h1")].pk,
        goods_id=pw.goods[goods].pk,
        quantity=qty,
        request_key=key,
        now=kw.pop("now", NOW),
    )


# ---------------------------------------------------------------- redemption


def test_redemption_spends_points_and_stock_once(pw: PointsWorld) -> None:
    earn(pw, "h1", 60)
    r = buy(pw, "洗衣粉", qty=2)
    assert (r.state, r.unit_price, r.points, r.quantity) == (RedemptionState.PLACED, 20, 40, 2)
    assert balance(pw.accounts["h1"]) == 20 and stock(pw.goods["洗衣粉"]) == 48
    spend = Entry.objects.get(redemption=r, kind=EntryKind.REDEMPTION)
    assert (spend.redeemable_delta, spend.total_delta) == (-40, 0)  # the ranking total is untouched
    assert reconcile() == [] and verify() == []


def test_insufficient_points_are_refused_and_nothing_moves(pw: PointsWorld) -> None:
    earn(pw, "h1", 90)
    with pytest.raises(Conflict) as refused:
        buy(pw, "食用油")
    assert refused.value.code == "points_insufficient"
    assert refused.value.data == {"needed": 100, "available": 90}
    assert balance(pw.accounts["h1"]) == 90 and stock(pw.goods["食用油"]) == 5
    assert not Redemption.objects.exists()


def test_out_of_stock_is_refused(pw: PointsWorld) -> None:
    earn(pw, "h1", 150)
    with pytest.raises(Conflict) as refused:
        buy(pw, "大米", qty=2)
    assert refused.value.code == "points_out_of_stock"
    buy(pw, "大米", key="k2")
    with pytest.raises(Conflict) as again:
        buy(pw, "大米", key="k3")
    assert again.value.code == "points_out_of_stock" and stock(pw.goods["大米"]) == 0
    assert balance(pw.accounts["h1"]) == 90


def test_window_only_goods_open_only_inside_a_window(pw: PointsWorld) -> None:
    earn(pw, "h1", 90)
    goods_update(actor=pw.town.secretary, goods_id=pw.goods["洗衣粉"].pk, window_only=True)
    with pytest.raises(Conflict) as closed:
        buy(pw, "洗衣粉")
    assert closed.value.code == "points_window_closed"
    window = window_create(
        actor=pw.town.secretary,
        scheme=pw.scheme,
        name="十一月集中兑换日",
        starts_at=NOW - dt.timedelta(hours=1),
        ends_at=NOW + dt.timedelta(hours=8),
    )
    r = buy(pw, "洗衣粉")
    assert r.window_id == window.pk
    with pytest.raises(Conflict):  # after the window closes
        buy(pw, "洗衣粉", key="k2", now=NOW + dt.timedelta(hours=9))
    # Goods that are not window-only are sold any time when the scheme allows 随时兑换.
    assert buy(pw, "大米", key="k3", now=NOW + dt.timedelta(hours=9)).window_id is None


def test_no_redeem_anytime_means_windows_only(pw: PointsWorld) -> None:
    earn(pw, "h1", 60)
    pw.scheme.redeem_anytime = False
    pw.scheme.save(update_fields=["redeem_anytime"])
    with pytest.raises(Conflict) as closed:
        buy(pw, "大米")
    assert closed.value.code == "points_window_closed"
    window_create(
        actor=pw.town.street,
        scheme=pw.scheme,
        name="季末兑换周",
        starts_at=NOW - dt.timedelta(days=1),
        ends_at=NOW + dt.timedelta(days=6),
    )
    assert buy(pw, "大米").state == RedemptionState.PLACED


def test_per_account_limit_counts_per_redeem_period(pw: PointsWorld) -> None:
    earn(pw, "h1", 120)
    goods_update(actor=pw.town.secretary, goods_id=pw.goods["洗衣粉"].pk, per_account_limit=2)
    buy(pw, "洗衣粉", key="a")
    with pytest.raises(Conflict) as limited:
        buy(pw, "洗衣粉", key="b", qty=2)
    assert limited.value.code == "points_goods_limit_reached" and limited.value.data["taken"] == 1
    second = buy(pw, "洗衣粉", key="c")
    with pytest.raises(Conflict):
        buy(pw, "洗衣粉", key="d")
    # A cancelled redemption no longer counts; neither does last quarter's.
    redemption_cancel(actor=pw.town.gridworker, redemption_id=second.pk, reason="不要了")
    buy(pw, "洗衣粉", key="e")
    assert buy(pw, "洗衣粉", key="f", qty=2, now=NEXT_QUARTER).quantity == 2
    # Another household has its own allowance.
    earn(pw, "h2", 40)
    assert buy(pw, "洗衣粉", key="g", qty=2, account="h2").points == 40


def test_a_request_key_makes_a_retry_return_the_first_redemption(pw: PointsWorld) -> None:
    earn(pw, "h1", 60)
    first = buy(pw, "洗衣粉", key="req-1")
    again = buy(pw, "洗衣粉", key="req-1")
    assert again.pk == first.pk and balance(pw.accounts["h1"]) == 40 and stock(pw.goods["洗衣粉"]) == 49
    with pytest.raises(Conflict) as reused:
        buy(pw, "大米", key="req-1")
    assert reused.value.code == "points_request_key_reused"
    with pytest.raises(Conflict):
        buy(pw, "洗衣粉", key="req-1", qty=2)
    with pytest.raises(ValidationFailed):
        buy(pw, "洗衣粉", key="  ")
    assert Redemption.objects.count() == 1


def test_tier_requirement_and_discount(pw: PointsWorld) -> None:
    gold = tier_define(
        actor=pw.town.secretary, scheme=pw.scheme, name="一档", rank_max=1, discount_percent=15
    )
    tier_define(actor=pw.town.secretary, scheme=pw.scheme, name="二档", rank_max=3, discount_percent=10)
    earn(pw, "h1", 60, day=dt.date(2025, 6, 1))
    earn(pw, "h2", 30, day=dt.date(2025, 6, 1))
    rows = tiers_assign(actor=pw.town.secretary, scheme=pw.scheme, period="2025", now=NOW)
    assert {(r.account_id, r.tier.name, r.rank) for r in rows} == {
        (pw.accounts["h1"].pk, "一档", 1),
        (pw.accounts["h2"].pk, "二档", 2),
    }
    goods_update(actor=pw.town.secretary, goods_id=pw.goods["食用油"].pk, min_tier=gold)
    earn(pw, "h2", 90)
    with pytest.raises(Forbidden) as refused:
        buy(pw, "食用油", account="h2")
    assert refused.value.code == "points_tier_required"
    # 一档: 100 × 85% = 85; 二档: 20 × 90% = 18 per unit.
    earn(pw, "h1", 30)
    oil = buy(pw, "食用油", key="oil")
    assert (oil.unit_price, oil.points) == (85, 85)
    soap = buy(pw, "洗衣粉", key="soap", qty=3, account="h2")
    assert (soap.unit_price, soap.points) == (18, 54)
    # Rounding is up to whole points and never below 1.
    assert price_for(Goods(price=25), 2, Tier(discount_percent=10)) == (23, 46)
    assert price_for(Goods(price=1), 1, Tier(discount_percent=90)) == (1, 1)
    # Tiers hold in the year after the ranked one only.
    earn(pw, "h1", 100)
    with pytest.raises(Forbidden):
        buy(pw, "食用油", key="oil-2028", now=dt.datetime(2028, 1, 5, tzinfo=SH))


def test_cancel_refunds_points_and_returns_stock(pw: PointsWorld) -> None:
    earn(pw, "h1", 60)
    r = buy(pw, "大米")
    assert balance(pw.accounts["h1"]) == 0 and stock(pw.goods["大米"]) == 0
    with pytest.raises(ValidationFailed):
        redemption_cancel(actor=pw.town.resident, redemption_id=r.pk, reason=" ")
    cancelled = redemption_cancel(actor=pw.town.resident, redemption_id=r.pk, reason="买错了", now=NOW)
    assert cancelled.state == RedemptionState.CANCELLED and cancelled.cancelled_by == pw.town.resident
    assert balance(pw.accounts["h1"]) == 60 and stock(pw.goods["大米"]) == 1
    refund = Entry.objects.get(redemption=r, kind=EntryKind.REFUND)
    assert refund.redeemable_delta == 60
    with pytest.raises(Conflict):
        redemption_cancel(actor=pw.town.gridworker, redemption_id=r.pk, reason="再取消一次")
    assert balance(pw.accounts["h1"]) == 60 and reconcile() == [] and verify() == []


def test_cancel_after_pickup_is_refused(pw: PointsWorld) -> None:
    earn(pw, "h1", 60)
    r = buy(pw, "大米")
    picked = redemption_pickup(actor=pw.town.gridworker, redemption_id=r.pk, now=NOW)
    assert picked.state == RedemptionState.PICKED_UP and picked.picked_up_by == pw.town.gridworker
    with pytest.raises(Conflict) as refused:
        redemption_cancel(actor=pw.town.secretary, redemption_id=r.pk, reason="想退")
    assert refused.value.code == "points_redemption_not_open"
    with pytest.raises(Conflict):
        redemption_pickup(actor=pw.town.gridworker, redemption_id=r.pk)
    assert balance(pw.accounts["h1"]) == 0 and stock(pw.goods["大米"]) == 0


def test_only_store_staff_confirm_pickup(pw: PointsWorld) -> None:
    earn(pw, "h1", 60)
    r = buy(pw, "洗衣粉", who="resident")
    for who in ("resident", "rep"):
        with pytest.raises(Forbidden):
            redemption_pickup(actor=pw.town.users[who], redemption_id=r.pk)
    for who in ("outsider", "nobody"):
        with pytest.raises(NotFound):
            redemption_pickup(actor=pw.town.users[who], redemption_id=r.pk)
    assert Redemption.objects.get(pk=r.pk).state == RedemptionState.PLACED
    assert redemption_pickup(actor=pw.town.secretary, redemption_id=r.pk).state == RedemptionState.PICKED_UP


def test_a_resident_redeems_for_their_own_household_only(pw: PointsWorld) -> None:
    earn(pw, "h1", 60)
    earn(pw, "h2", 60)
    mine = buy(pw, "洗衣粉", who="resident")
    assert mine.created_by == pw.town.resident and mine.account_id == pw.accounts["h1"].pk
    with pytest.raises(NotFound):
        buy(pw, "洗衣粉", key="k2", who="resident", account="h2")
    with pytest.raises(Forbidden):  # the rep sees h1's account but does not run the store
        buy(pw, "洗衣粉", key="k3", who="rep", account="h1")
    with pytest.raises(NotFound):
        buy(pw, "洗衣粉", key="k4", who="outsider", account="h2")
    assert balance(pw.accounts["h2"]) == 60
    with pytest.raises(Forbidden):  # nor may they cancel another household's redemption
        redemption_cancel(
            actor=pw.town.rep,
            redemption_id=buy(pw, "洗衣粉", key="k5", account="h1").pk,
            reason="代取消",
        )


def test_inactive_goods_and_reversed_points(pw: PointsWorld) -> None:
    earn(pw, "h1", 30)
    goods_update(actor=pw.town.secretary, goods_id=pw.goods["洗衣粉"].pk, active=False)
    with pytest.raises(Conflict) as off:
        buy(pw, "洗衣粉")
    assert off.value.code == "points_goods_inactive"
    # Points spent stay spent: a reversal after a redemption takes only what is left.
    goods_update(actor=pw.town.secretary, goods_id=pw.goods["洗衣粉"].pk, active=True)
    buy(pw, "洗衣粉")
    claim = Entry.objects.get(account=pw.accounts["h1"], kind=EntryKind.AWARD)
    points_reverse(actor=pw.town.secretary, entry_id=claim.pk, note="核实有误")
    assert balance(pw.accounts["h1"]) == 0 and reconcile() == []


# ---------------------------------------------------------------- administration


def test_goods_create_stocks_through_a_restock_movement(pw: PointsWorld) -> None:
    donor = donor_create(actor=pw.town.secretary, node=pw.town.village, name="王乡贤", kind="乡贤", note="")
    goods = goods_create(
        actor=pw.town.secretary,
        scheme=pw.scheme,
        name="保温杯",
        unit="个",
        price=80,
        donor=donor,
        initial_stock=12,
    )
    assert goods.stock == 12 and goods.donor == donor
    movement = StockMovement.objects.get(goods=goods)
    assert (movement.kind, movement.delta, movement.donor) == (StockKind.RESTOCK, 12, donor)
    assert reconcile() == []
    empty = goods_create(actor=None, scheme=pw.scheme, name="毛巾", unit="条", price=10)
    assert empty.stock == 0 and not StockMovement.objects.filter(goods=empty).exists()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"name": " "}, "points_field_required"),
        ({"name": "很长" * 40}, "points_field_too_long"),
        ({"price": 0}, "points_price_invalid"),
        ({"price": -5}, "points_price_invalid"),
        ({"per_account_limit": 0}, "points_limit_invalid"),
        ({"initial_stock": -1}, "points_quantity_invalid"),
    ],
)
def test_goods_create_validates(pw: PointsWorld, kwargs: dict, code: str) -> None:
    args = {"name": "肥皂", "unit": "块", "price": 10, **kwargs}
    with pytest.raises(ValidationFailed) as refused:
        goods_create(actor=pw.town.secretary, scheme=pw.scheme, **args)
    assert refused.value.code == code
    assert not Goods.objects.filter(name="肥皂").exists()


def test_goods_create_refuses_a_tier_or_donor_from_elsewhere(pw: PointsWorld) -> None:
    far = donor_create(actor=pw.town.outsider, node=pw.town.other_village, name="外村企业", kind="企业")
    with pytest.raises(ValidationFailed):
        goods_create(actor=pw.town.secretary, scheme=pw.scheme, name="米", unit="袋", price=5, donor=far)
    street_donor = donor_create(actor=pw.town.street, node=pw.town.township, name="镇商会")
    assert (
        goods_create(
            actor=pw.town.secretary, scheme=pw.scheme, name="米", unit="袋", price=5, donor=street_donor
        ).donor
        == street_donor
    )


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("secretary", True),
        ("gridworker", False),  # runs the counter for their grid's accounts, not the scheme's shelves
        ("street", True),
        ("rep", False),
        ("resident", False),
        ("council", False),
        ("outsider", False),
        ("nobody", False),
    ],
)
def test_who_runs_the_store(pw: PointsWorld, persona: str, allowed: bool) -> None:
    user = pw.town.users[persona]
    if allowed:
        goods_create(actor=user, scheme=pw.scheme, name="牙膏", unit="支", price=15, initial_stock=3)
        donor_create(actor=user, node=pw.town.village, name="某乡贤")
        assert Goods.objects.get(name="牙膏").stock == 3 and Donor.objects.filter(name="某乡贤").exists()
        return
    with pytest.raises(Forbidden):
        goods_create(actor=user, scheme=pw.scheme, name="牙膏", unit="支", price=15)
    with pytest.raises(Forbidden):
        donor_create(actor=user, node=pw.town.village, name="某乡贤")
    with pytest.raises(NotFound):
        goods_update(actor=user, goods_id=pw.goods["洗衣粉"].pk, price=1)
    assert not Goods.objects.filter(name="牙膏").exists()
    assert Goods.objects.get(pk=pw.goods["洗衣粉"].pk).price == 20


@pytest.mark.parametrize(
    ("persona", "allowed"), [("secretary", True), ("street", True), ("gridworker", False)]
)
def test_who_manages_windows_and_tiers(pw: PointsWorld, persona: str, allowed: bool) -> None:
    user = pw.town.users[persona]
    window: dict[str, Any] = {
        "scheme": pw.scheme,
        "name": "兑换日",
        "starts_at": NOW,
        "ends_at": NOW + dt.timedelta(hours=4),
    }
    if allowed:
        window_create(actor=user, **window)
        tier_define(actor=user, scheme=pw.scheme, name="一档", rank_max=10)
        assert Tier.objects.filter(scheme=pw.scheme).count() == 1
        return
    with pytest.raises(Forbidden):
        window_create(actor=user, **window)
    with pytest.raises(Forbidden):
        tier_define(actor=user, scheme=pw.scheme, name="一档", rank_max=10)


def test_goods_update_changes_price_for_new_redemptions_only(pw: PointsWorld) -> None:
    earn(pw, "h1", 60)
    before = buy(pw, "洗衣粉")
    goods = goods_update(actor=pw.town.secretary, goods_id=pw.goods["洗衣粉"].pk, price=25, name="洗衣液")
    assert (goods.price, goods.name) == (25, "洗衣液")
    after = buy(pw, "洗衣粉", key="k2")
    assert (Redemption.objects.get(pk=before.pk).unit_price, after.unit_price) == (20, 25)
    goods = goods_update(actor=pw.town.secretary, goods_id=goods.pk, per_account_limit=3, window_only=True)
    goods = goods_update(actor=pw.town.secretary, goods_id=goods.pk, per_account_limit=None)
    assert goods.per_account_limit is None and goods.window_only  # left-out fields stay


def test_windows_do_not_overlap(pw: PointsWorld) -> None:
    sec = pw.town.secretary
    window_create(
        actor=sec, scheme=pw.scheme, name="上午", starts_at=NOW, ends_at=NOW + dt.timedelta(hours=3)
    )
    with pytest.raises(Conflict) as clash:
        window_create(
            actor=sec,
            scheme=pw.scheme,
            name="中午",
            starts_at=NOW + dt.timedelta(hours=2),
            ends_at=NOW + dt.timedelta(hours=5),
        )
    assert clash.value.code == "points_window_overlap"
    # Back to back is fine.
    window_create(
        actor=sec,
        scheme=pw.scheme,
        name="下午",
        starts_at=NOW + dt.timedelta(hours=3),
        ends_at=NOW + dt.timedelta(hours=6),
    )
    with pytest.raises(ValidationFailed):
        window_create(
            actor=sec, scheme=pw.scheme, name="倒序", starts_at=NOW, ends_at=NOW - dt.timedelta(hours=1)
        )
    with pytest.raises(ValidationFailed):
        window_create(
            actor=sec,
            scheme=pw.scheme,
            name="无时区",
            starts_at=dt.datetime(2027, 1, 1, 9),  # noqa: DTZ001 - the point of the test
            ends_at=dt.datetime(2027, 1, 1, 11),  # noqa: DTZ001
        )


def test_tier_define_validates(pw: PointsWorld) -> None:
    sec = pw.town.secretary
    tier_define(actor=sec, scheme=pw.scheme, name="一档", rank_max=10, discount_percent=10)
    cases: tuple[tuple[dict[str, Any], type[Exception]], ...] = (
        ({"name": "一档", "rank_max": 20}, Conflict),
        ({"name": "二档", "rank_max": 10}, Conflict),
        ({"name": "二档", "rank_max": 0}, ValidationFailed),
        ({"name": "二档", "rank_max": 20, "discount_percent": 95}, ValidationFailed),
        ({"name": "", "rank_max": 20}, ValidationFailed),
    )
    for kwargs, error in cases:
        with pytest.raises(error):
            tier_define(actor=sec, scheme=pw.scheme, **kwargs)
    assert Tier.objects.filter(scheme=pw.scheme).count() == 1


def test_tiers_assign_ranks_net_points_of_the_ended_period_once(pw: PointsWorld) -> None:
    sec, town = pw.town.secretary, pw.town
    tier_define(actor=sec, scheme=pw.scheme, name="二档", rank_max=2, discount_percent=5)
    tier_define(actor=sec, scheme=pw.scheme, name="一档", rank_max=1, discount_percent=20)
    from sanzhi.points.opening import account_open

    pw.accounts["h3"] = account_open(scheme=pw.scheme, holder=_extra_household(pw))
    earn(pw, "h1", 50, day=dt.date(2025, 3, 1))
    earn(pw, "h2", 50, day=dt.date(2025, 4, 1))
    earn(pw, "h3", 60, day=dt.date(2025, 5, 1))
    earn(pw, "h2", 30, day=dt.date(2026, 1, 5))  # outside 2025: counts for the tie-break total only
    # A reversal in 2025 takes h3 down to 30 net.
    claim = Entry.objects.filter(account=pw.accounts["h3"], kind=EntryKind.AWARD).first()
    assert claim is not None
    points_reverse(actor=sec, entry_id=claim.pk, note="重复记分")
    ranking = summary_ranking(pw.scheme, "2025")
    h1, h2, h3 = (pw.accounts[k].pk for k in ("h1", "h2", "h3"))
    assert ranking == [(h2, 50), (h1, 50), (h3, 30)]  # h2 wins the tie on its larger total
    with pytest.raises(ValidationFailed):
        tiers_assign(actor=sec, scheme=pw.scheme, period="2026", now=NOW)  # not ended
    with pytest.raises(ValidationFailed):
        tiers_assign(actor=sec, scheme=pw.scheme, period="2025Q4", now=NOW)  # not a summary period
    with pytest.raises(Forbidden):
        tiers_assign(actor=town.gridworker, scheme=pw.scheme, period="2025", now=NOW)
    tiers_assign(actor=sec, scheme=pw.scheme, period="2025", now=NOW)
    got = {(t.account_id, t.tier.name, t.rank) for t in AccountTier.objects.select_related("tier")}
    assert got == {(h2, "一档", 1), (h1, "二档", 2)}
    with pytest.raises(Conflict):
        tiers_assign(actor=sec, scheme=pw.scheme, period="2025", now=NOW)
    assert AccountTier.objects.count() == 2


def _extra_household(pw: PointsWorld) -> Household:

    return household_create(actor=None, node=pw.town.micro, address="创举社区1号楼102", number="H0009")


# ---------------------------------------------------------------- statistics and the CLI


def test_store_stats_for_a_subtree_and_a_period(pw: PointsWorld) -> None:
    earn(pw, "h1", 200)
    earn(pw, "h2", 100)
    buy(pw, "洗衣粉", qty=3)  # 60
    buy(pw, "食用油", key="oil", account="h2")  # 100
    cancelled = buy(pw, "大米", key="rice")
    redemption_cancel(actor=pw.town.gridworker, redemption_id=cancelled.pk, reason="缺货调换")
    buy(pw, "洗衣粉", key="jan", qty=2, now=NEXT_QUARTER)  # 40, in 2027-01
    stats = store_stats(node=pw.town.township)
    assert (stats.schemes, stats.points_issued, stats.points_redeemed, stats.items_out) == (1, 300, 200, 6)
    assert (stats.redemptions, stats.awaiting_pickup) == (3, 3)
    assert [(t.name, t.items, t.points) for t in stats.top_goods] == [("洗衣粉", 5, 100), ("食用油", 1, 100)]
    q4 = store_stats(node=pw.town.village, period="2026Q4")
    assert (q4.points_redeemed, q4.items_out, q4.period) == (160, 4, "2026Q4")
    assert store_stats(node=pw.town.other_village).redemptions == 0
    assert stats.phrase == "已兑换200分、6件商品"
    with pytest.raises(ValidationFailed):
        store_stats(period="last year")


def test_approximate_numbers_read_like_a_report() -> None:
    assert approximately(23456, over=True) == "23000余"
    assert approximately(1812) == "约1800"
    assert approximately(1800) == "1800"
    assert approximately(85) == "85"


def test_cli_goods_list_restock_tiers_and_stats(pw: PointsWorld) -> None:
    out = StringIO()
    call_command("points", "goods", "list", "daode", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert [(r["name"], r["stock"]) for r in rows] == [("洗衣粉", 50), ("食用油", 5), ("大米", 1)]
    rice = pw.goods["大米"].pk
    call_command("points", "goods", "restock", str(rice), "9", "--donor", "李乡贤", stdout=StringIO())
    call_command("points", "goods", "restock", str(rice), "5", "--donor", "李乡贤", stdout=StringIO())
    assert stock(pw.goods["大米"]) == 15 and Donor.objects.filter(name="李乡贤").count() == 1
    with pytest.raises(CommandError):
        call_command("points", "goods", "restock", str(rice), "0", "--donor", "新乡贤", stdout=StringIO())
    assert not Donor.objects.filter(name="新乡贤").exists()
    tier_define(actor=None, scheme=pw.scheme, name="一档", rank_max=5)
    earn(pw, "h1", 20, day=dt.date(2025, 8, 1))
    out = StringIO()
    call_command("points", "tiers", "assign", "daode", "2025", stdout=out)
    assert AccountTier.objects.get().account_id == pw.accounts["h1"].pk and "1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("points", "tiers", "assign", "daode", "2025", stdout=StringIO())
    earn(pw, "h1", 40)
    buy(pw, "洗衣粉", qty=2)
    out = StringIO()
    call_command("points", "store", "stats", "--node", pw.town.village.code, "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["items_out"], data["points_redeemed"], data["top_goods"][0]["name"]) == (2, 40, "洗衣粉")
    out = StringIO()
    call_command("points", "store", "stats", stdout=out)
    assert "已兑换40分、2件商品" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("points", "store", "stats", "--node", "000", stdout=StringIO())
