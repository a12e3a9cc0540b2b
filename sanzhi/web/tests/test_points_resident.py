"""Resident points pages (我的积分, 积分明细, 积分超市) and the public 红黑榜 page, per persona: a
resident sees only their own accounts, another account is a 404, a double submit redeems once, a
refused redemption writes nothing, the public page works logged out and shows no personal data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanzhi.core.testing import Town
from sanzhi.points.boards import board_publish
from sanzhi.points.ledger import points_decide, points_record, points_reverse
from sanzhi.points.models import (
    Account,
    BoardAppeal,
    Entry,
    Goods,
    Redemption,
    RedemptionState,
    RedemptionWindow,
    StarHolding,
)
from sanzhi.points.stars import star_define, stars_evaluate
from sanzhi.points.store import redeem
from sanzhi.points.testing import PointsWorld, build_points_world

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]


def last_month_day() -> dt.date:
    return timezone.localdate().replace(day=1) - dt.timedelta(days=1)


def earn(world: PointsWorld, key: str, rule: str, *, approve: bool = True, **kw: Any) -> Entry:
    return points_record(
        actor=None,
        account_id=world.accounts[key].pk,
        rule_id=world.rules[rule].pk,
        approve=approve,
        **kw,
    )


@pytest.fixture
def world(town: Town) -> PointsWorld:
    """h1 (the resident's household): +10 +20 approved, a pending 15, a rejected 20, a reversed 10."""
    world = build_points_world(town)
    earn(world, "h1", "volunteer", note="敬老院打扫卫生")
    earn(world, "h1", "helping", points=20)
    earn(world, "h1", "helping", points=15, approve=False)
    rejected = earn(world, "h1", "helping", points=20, approve=False)
    points_decide(actor=None, entry_ids=[rejected.pk], approve=False, note="证明材料不足")
    reversed_claim = earn(world, "h1", "volunteer", note="重复登记")
    points_reverse(actor=None, entry_id=reversed_claim.pk, note="重复登记")
    earn(world, "h2", "helping", points=30)
    return world


def text(response: Any) -> str:
    return response.content.decode()


def history_url(account: Account) -> str:
    return reverse("web:points_my_history", args=[account.pk])


def redeem_url(goods: Goods, account: Account) -> str:
    return f"{reverse('web:points_my_redeem', args=[goods.pk])}?account={account.pk}"


def request_key(response: Any) -> str:
    match = re.search(r'name="request_key" value="([0-9a-f]{32})"', text(response))
    assert match, "the confirmation step carries a request key"
    return match.group(1)


# ---------------------------------------------------------------- 我的积分 / 积分明细


def test_resident_sees_own_household_account_with_categories(world: PointsWorld, client_as: ClientAs) -> None:
    h1 = Account.objects.get(pk=world.accounts["h1"].pk)
    assert (h1.total, h1.redeemable) == (30, 30)
    page = client_as("resident").get(reverse("web:points_my_accounts"))
    assert page.status_code == 200
    body = text(page)
    assert f'data-account="{h1.pk}"' in body
    assert f'data-account="{world.accounts["h2"].pk}"' not in body
    assert re.search(r'data-testid="points-total">30<', body)
    assert "社会公德" in body and "家庭美德" in body
    assert "1 条申报（15 分）等待审核" in body
    assert 'data-testid="nav-points-mine"' in body


def test_resident_sees_stars_held(world: PointsWorld, client_as: ClientAs) -> None:
    scheme = world.scheme
    star_define(actor=None, scheme=scheme, category="social", name="热心公益星", min_points=10)
    star_define(actor=None, scheme=scheme, category="personal", name="个人品德星", min_points=10, order=1)
    earn(world, "h1", "volunteer", note="上月", day=last_month_day())
    stars_evaluate(actor=None, scheme=scheme, month=f"{last_month_day():%Y-%m}", force=True)
    assert StarHolding.objects.filter(account=world.accounts["h1"]).count() == 1
    body = text(client_as("resident").get(reverse("web:points_my_accounts")))
    assert body.count('data-testid="star-held"') == 1
    assert "★</span> 热心公益星" in body and "☆</span> 个人品德星" in body


def test_resident_sees_stars_lost_for_recultivation(world: PointsWorld, client_as: ClientAs) -> None:
    scheme = world.scheme
    star_define(actor=None, scheme=scheme, category="social", name="热心公益星", min_points=10)
    earlier = last_month_day().replace(day=1) - dt.timedelta(days=1)
    earn(world, "h1", "volunteer", note="前月", day=earlier)
    stars_evaluate(actor=None, scheme=scheme, month=f"{earlier:%Y-%m}", force=True)
    stars_evaluate(actor=None, scheme=scheme, month=f"{last_month_day():%Y-%m}", force=True)
    body = text(client_as("resident").get(reverse("web:points_my_accounts")))
    assert 'data-testid="star-held"' not in body
    assert re.search(r'data-testid="stars-lost">失星再培育：热心公益星', body)
    assert body.count('data-testid="star-change"') == 2


def test_staff_without_a_household_has_no_accounts_of_their_own(
    world: PointsWorld, client_as: ClientAs
) -> None:
    # The secretary may view h1 in the console, but "my points" lists only the user's own accounts.
    page = client_as("secretary").get(reverse("web:points_my_accounts"))
    assert page.status_code == 200
    assert 'data-testid="points-none"' in text(page)
    assert 'data-testid="nav-points-mine"' not in text(page)
    assert client_as("secretary").get(history_url(world.accounts["h1"])).status_code == 404


def test_anonymous_is_sent_to_login(world: PointsWorld, client: Client) -> None:
    response = client.get(reverse("web:points_my_accounts"))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]


def test_history_shows_each_line_with_its_status(world: PointsWorld, client_as: ClientAs) -> None:
    client = client_as("resident")
    h1 = world.accounts["h1"]
    redemption = redeem(actor=None, account_id=h1.pk, goods_id=world.goods["洗衣粉"].pk, request_key="k1")
    from sanzhi.points.store import redemption_cancel

    redemption_cancel(actor=None, redemption_id=redemption.pk, reason="不要了")
    page = client.get(history_url(h1))
    assert page.status_code == 200
    statuses = re.findall(r'data-testid="history-status">([^<]+)<', text(page))
    for label in ("待审核", "已通过", "已驳回", "已冲正", "冲正", "兑换", "退回"):
        assert label in statuses, label
    # Approvals and rejections are the status of their claim, not lines of their own.
    assert 'data-kind="approval"' not in text(page) and 'data-kind="rejection"' not in text(page)
    assert "证明材料不足" in text(page)  # the reviewer's reason for the rejection
    pending = client.get(history_url(h1) + "?show=pending")
    assert re.findall(r'data-testid="history-status">([^<]+)<', text(pending)) == ["待审核"]


def test_history_is_paginated(world: PointsWorld, client_as: ClientAs) -> None:
    for _ in range(25):
        earn(world, "h1", "volunteer", note="志愿服务", approve=False)
    client = client_as("resident")
    first = client.get(history_url(world.accounts["h1"]))
    assert text(first).count('data-testid="history-line"') == 20
    second = client.get(history_url(world.accounts["h1"]) + "?page=2")
    assert 0 < text(second).count('data-testid="history-line"') <= 20


def test_other_households_history_is_404(world: PointsWorld, client_as: ClientAs) -> None:
    assert client_as("resident").get(history_url(world.accounts["h2"])).status_code == 404
    assert client_as("outsider").get(history_url(world.accounts["h1"])).status_code == 404
    assert client_as("resident").get(reverse("web:points_my_history", args=[999999])).status_code == 404


# ---------------------------------------------------------------- 积分超市


def test_store_explains_what_cannot_be_redeemed(world: PointsWorld, client_as: ClientAs) -> None:
    oil = world.goods["食用油"]
    soap = world.goods["洗衣粉"]
    Goods.objects.filter(pk=soap.pk).update(window_only=True)
    RedemptionWindow.objects.create(
        scheme=world.scheme,
        name="季末集中兑换",
        starts_at=timezone.now() + dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=4),
    )
    body = text(client_as("resident").get(reverse("web:points_my_store")))
    rows = dict(re.findall(r'data-goods="(\d+)" data-available="([01])"', body))
    assert rows == {str(soap.pk): "0", str(oil.pk): "0", str(world.goods["大米"].pk): "0"}
    assert "仅在集中兑换时开放（下次：季末集中兑换" in body
    assert "还差 70 分" in body  # 食用油 100, h1 has 30
    assert "还差 30 分" in body  # 大米 60


def test_store_prices_by_tier_and_refuses_a_better_tiers_goods(
    world: PointsWorld, client_as: ClientAs
) -> None:
    from sanzhi.points.store_admin import tier_define, tiers_assign

    scheme = world.scheme
    last_year = timezone.localdate().year - 1
    earn(world, "h2", "helping", points=30, day=dt.date(last_year, 6, 1))
    earn(world, "h1", "helping", points=10, day=dt.date(last_year, 6, 1))
    best = tier_define(actor=None, scheme=scheme, name="一档", rank_max=1, discount_percent=50)
    tier_define(actor=None, scheme=scheme, name="二档", rank_max=2, discount_percent=25)
    tiers_assign(actor=None, scheme=scheme, period=str(last_year))
    rice, soap = world.goods["大米"], world.goods["洗衣粉"]
    Goods.objects.filter(pk=rice.pk).update(min_tier=best)
    client = client_as("resident")
    body = text(client.get(reverse("web:points_my_store")))
    assert "仅限“一档”及以上档次兑换" in body
    soap_row = body[body.index(f'data-goods="{soap.pk}"') :]
    assert re.search(r'data-testid="goods-price">15 分<', soap_row)  # 20 less 二档's 25%
    h1 = world.accounts["h1"]
    key = request_key(client.get(redeem_url(soap, h1)))
    client.post(
        reverse("web:points_my_redeem", args=[soap.pk]), {"account": h1.pk, "quantity": 2, "request_key": key}
    )
    assert Redemption.objects.get().points == 30
    refused = client.post(
        reverse("web:points_my_redeem", args=[rice.pk]),
        {"account": h1.pk, "quantity": 1, "request_key": "b" * 32},
    )
    assert refused.status_code == 422 and "仅限“一档”及以上档次兑换" in text(refused)
    assert Redemption.objects.count() == 1


def test_redeem_confirm_then_double_submit_redeems_once(world: PointsWorld, client_as: ClientAs) -> None:
    client = client_as("resident")
    h1, soap = world.accounts["h1"], world.goods["洗衣粉"]
    confirm = client.get(redeem_url(soap, h1))
    assert confirm.status_code == 200
    key = request_key(confirm)
    data = {"account": h1.pk, "quantity": 1, "request_key": key}
    first = client.post(reverse("web:points_my_redeem", args=[soap.pk]), data)
    second = client.post(reverse("web:points_my_redeem", args=[soap.pk]), data)
    assert first.status_code == second.status_code == 302
    assert Redemption.objects.filter(account=h1).count() == 1
    assert Account.objects.get(pk=h1.pk).redeemable == 10
    assert Goods.objects.get(pk=soap.pk).stock == 49
    store = client.get(first["Location"])
    assert "兑换成功：洗衣粉 × 1，共 20 分" in text(store)
    assert re.search(r'data-testid="redemption-state">待领取<', text(store))


def test_insufficient_points_shows_the_error_and_writes_nothing(
    world: PointsWorld, client_as: ClientAs
) -> None:
    client = client_as("resident")
    h1, oil = world.accounts["h1"], world.goods["食用油"]
    key = request_key(client.get(redeem_url(oil, h1)))
    entries = Entry.objects.count()
    response = client.post(
        reverse("web:points_my_redeem", args=[oil.pk]), {"account": h1.pk, "quantity": 1, "request_key": key}
    )
    assert response.status_code == 422
    assert "可兑换积分不足：需要 100 分，现有 30 分" in text(response)
    assert Redemption.objects.count() == 0 and Entry.objects.count() == entries
    assert Goods.objects.get(pk=oil.pk).stock == 5
    assert Account.objects.get(pk=h1.pk).redeemable == 30


def test_a_stale_request_key_is_replaced_not_redeemed(world: PointsWorld, client_as: ClientAs) -> None:
    h1, soap = world.accounts["h1"], world.goods["洗衣粉"]
    response = client_as("resident").post(
        reverse("web:points_my_redeem", args=[soap.pk]), {"account": h1.pk, "quantity": 1, "request_key": "x"}
    )
    assert response.status_code == 422
    assert "兑换请求已失效" in text(response)
    assert request_key(response) != "x"
    assert Redemption.objects.count() == 0


def test_resident_cannot_redeem_from_another_households_account(
    world: PointsWorld, client_as: ClientAs
) -> None:
    client = client_as("resident")
    h2, soap = world.accounts["h2"], world.goods["洗衣粉"]
    assert client.get(redeem_url(soap, h2)).status_code == 404
    response = client.post(
        reverse("web:points_my_redeem", args=[soap.pk]),
        {"account": h2.pk, "quantity": 1, "request_key": "a" * 32},
    )
    assert response.status_code == 404
    assert Redemption.objects.count() == 0


def test_cancel_before_pickup_refunds_and_others_are_404(world: PointsWorld, client_as: ClientAs) -> None:
    h1, h2, soap = world.accounts["h1"], world.accounts["h2"], world.goods["洗衣粉"]
    mine = redeem(actor=None, account_id=h1.pk, goods_id=soap.pk, request_key="mine")
    theirs = redeem(actor=None, account_id=h2.pk, goods_id=soap.pk, request_key="theirs")
    client = client_as("resident")
    assert client.post(reverse("web:points_my_cancel", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("web:points_my_cancel", args=[mine.pk]), {"reason": ""})
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.state == RedemptionState.CANCELLED and mine.cancel_reason == "居民自行取消"
    assert theirs.state == RedemptionState.PLACED
    assert Account.objects.get(pk=h1.pk).redeemable == 30
    again = client.post(reverse("web:points_my_cancel", args=[mine.pk]), follow=True)
    assert "已取消，不能取消" in text(again)


# ---------------------------------------------------------------- the public page


@pytest.fixture
def boards(world: PointsWorld) -> PointsWorld:
    """Last month: h1 +10 (red list), h2 −20 (black list); published; a one-star plaque for h1."""
    day = last_month_day()
    earn(world, "h1", "volunteer", note="上月", day=day)
    earn(world, "h2", "wedding", note="大操大办", day=day)
    star_define(actor=None, scheme=world.scheme, category="social", name="热心公益星", min_points=10)
    stars_evaluate(actor=None, scheme=world.scheme, month=f"{day:%Y-%m}", force=True)
    board_publish(actor=None, scheme=world.scheme, period=f"{day:%Y-%m}")
    return world


def test_public_page_logged_out_shows_masked_lists_and_no_pii(boards: PointsWorld, client: Client) -> None:
    town = boards.town
    page = client.get(reverse("web:points_public_board", args=[town.village.code]))
    assert page.status_code == 200
    body = text(page)
    assert 'data-testid="board-red"' in body and 'data-testid="board-black"' in body
    assert "张*国户" in body and "王*强户" in body  # the households' heads, masked
    assert "违规操办红白喜事" in body
    assert 'data-testid="plaque-row"' in body
    assert 'data-testid="appeal-login"' in body and "登录后提出异议" in body
    for resident in town.residents.values():
        assert resident.name not in body
        assert resident.id_number not in body
        assert resident.phone[-8:] not in body
    for household in town.households.values():
        assert household.address not in body
    assert 'data-testid="appeal-form"' not in body
    assert 'name="account"' not in body and '"account"' not in body


def test_public_page_period_picker_and_unknown_node(boards: PointsWorld, client: Client) -> None:
    code = boards.town.village.code
    key = f"{last_month_day():%Y-%m}"
    page = client.get(reverse("web:points_public_board", args=[code]) + f"?period={key}")
    assert f'<option value="{key}" selected>' in text(page)
    # An unknown period shows the latest boards rather than failing.
    assert client.get(reverse("web:points_public_board", args=[code]) + "?period=1999-01").status_code == 200
    assert client.get(reverse("web:points_public_board", args=["nope"])).status_code == 404


def test_resident_appeals_about_their_household(boards: PointsWorld, client_as: ClientAs) -> None:
    code = boards.town.village.code
    client = client_as("resident")
    page = client.get(reverse("web:points_public_board", args=[code]))
    assert 'data-testid="board-own"' in text(page) and 'data-testid="appeal-form"' in text(page)
    board = boards.scheme.boards.get(kind="red")
    url = reverse("web:points_public_appeal", args=[code, board.pk])
    response = client.post(url, {"reason": "志愿服务时长漏记"}, follow=True)
    appeal = BoardAppeal.objects.get()
    assert appeal.account_id == boards.accounts["h1"].pk and appeal.board_id == board.pk
    assert "异议已提交" in text(response) and 'data-testid="my-appeal"' in text(response)
    # Someone without an account in the scheme cannot appeal.
    refused = client_as("nobody").post(url, {"reason": "不服"}, follow=True)
    assert "您只能对本户的积分提出异议" in text(refused)
    assert BoardAppeal.objects.count() == 1


def test_appeal_after_the_window_is_refused(boards: PointsWorld, client_as: ClientAs) -> None:
    board = boards.scheme.boards.get(kind="black")
    code = boards.town.village.code
    client = client_as("resident")
    with time_machine.travel(board.appeal_until + dt.timedelta(hours=1), tick=False):
        page = client.get(reverse("web:points_public_board", args=[code]))
        assert "异议期已于" in text(page) and 'data-testid="appeal-form"' not in text(page)
        response = client.post(
            reverse("web:points_public_appeal", args=[code, board.pk]), {"reason": "迟到的异议"}, follow=True
        )
    assert "异议期已过" in text(response)
    assert BoardAppeal.objects.count() == 0


def test_appeal_needs_login(boards: PointsWorld, client: Client) -> None:
    board = boards.scheme.boards.get(kind="red")
    url = reverse("web:points_public_appeal", args=[boards.town.village.code, board.pk])
    response = client.post(url, {"reason": "x"})
    assert response.status_code == 302 and reverse("web:login") in response["Location"]
    assert BoardAppeal.objects.count() == 0


def test_history_query_count_does_not_grow_with_lines(
    world: PointsWorld, client_as: ClientAs, django_assert_max_num_queries: Any
) -> None:
    client = client_as("resident")
    url = history_url(world.accounts["h1"])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(15):
        earn(world, "h1", "helping", points=5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert text(page).count('data-testid="history-line"') == 20
