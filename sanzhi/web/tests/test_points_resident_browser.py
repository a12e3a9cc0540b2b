"""Resident points pages in a real browser on a phone: 我的积分 → 积分明细 → 积分超市 → confirm →
the redemption waits for pickup; the public 红黑榜 page without login."""

from __future__ import annotations

from typing import Any

import pytest

from sanzhi.core.testing import Town
from sanzhi.points.boards import board_publish
from sanzhi.points.models import Account, BoardAppeal, Redemption, RedemptionState
from sanzhi.points.stars import star_define, stars_evaluate
from sanzhi.points.testing import PointsWorld, build_points_world
from sanzhi.web.tests.conftest import shot
from sanzhi.web.tests.test_browser import live_town, no_horizontal_overflow
from sanzhi.web.tests.test_points_resident import earn, last_month_day
from sanzhi.web.tests.test_tickets_browser import open_as

pytestmark = pytest.mark.browser
__all__ = ["live_town", "open_as"]  # fixtures, imported for this module


@pytest.fixture
def live_points(live_town: Town) -> PointsWorld:
    world = build_points_world(live_town)
    day = last_month_day()
    earn(world, "h1", "volunteer", note="敬老院打扫卫生", day=day)
    earn(world, "h1", "helping", points=25)
    earn(world, "h1", "helping", points=15, approve=False)
    earn(world, "h2", "wedding", note="大操大办", day=day)
    star_define(actor=None, scheme=world.scheme, category="social", name="热心公益星", min_points=10)
    stars_evaluate(actor=None, scheme=world.scheme, month=f"{day:%Y-%m}", force=True)
    board_publish(actor=None, scheme=world.scheme, period=f"{day:%Y-%m}")
    return world


def test_resident_checks_points_and_redeems_on_a_phone(
    live_points: PointsWorld, live_server: Any, open_as: Any
) -> None:
    page = open_as("resident", phone=True)
    page.click(".navbar-toggler")
    page.click("[data-testid=nav-points-mine]")
    page.locator("[data-testid=points-account]").wait_for()
    assert page.inner_text("[data-testid=points-total]") == "35"
    assert "热心公益星" in page.inner_text("[data-testid=star-held]")
    assert no_horizontal_overflow(page)
    shot(page, "p01-my-points-phone")

    page.click("[data-testid=points-history-link]")
    page.locator("[data-testid=history-list]").wait_for()
    statuses = page.locator("[data-testid=history-status]").all_inner_texts()
    assert "待审核" in statuses and "已通过" in statuses
    assert no_horizontal_overflow(page)
    shot(page, "p02-history-phone")

    page.goto(f"{live_server.url}/me/points/store/")
    soap = live_points.goods["洗衣粉"]
    row = page.locator(f"[data-testid=goods-row][data-goods='{soap.pk}']")
    assert no_horizontal_overflow(page)
    shot(page, "p03-store-phone")
    row.locator("[data-testid=goods-redeem]").click()
    page.locator("[data-testid=redeem-form]").wait_for()
    assert page.inner_text("[data-testid=redeem-goods]") == "洗衣粉"
    page.fill("#id_quantity", "1")
    shot(page, "p04-redeem-confirm-phone")
    page.click("[data-testid=redeem-submit]")
    page.locator("[data-testid=redemption-row]").wait_for()
    assert "兑换成功：洗衣粉 × 1，共 20 分" in page.inner_text("main")
    assert page.inner_text("[data-testid=redemption-state]") == "待领取"
    assert page.inner_text("[data-testid=store-redeemable]") == "15"
    shot(page, "p05-redeemed-phone")
    redemption = Redemption.objects.get()
    assert redemption.state == RedemptionState.PLACED and redemption.points == 20
    assert Account.objects.get(pk=live_points.accounts["h1"].pk).redeemable == 15


def test_public_board_renders_the_lists_logged_out(
    live_points: PointsWorld, live_server: Any, phone_page: Any
) -> None:
    phone_page.goto(f"{live_server.url}/public/points/{live_points.town.village.code}/")
    red = phone_page.locator("[data-testid=board-red]")
    black = phone_page.locator("[data-testid=board-black]")
    assert "张*国户" in red.inner_text()
    assert "王*强户" in black.inner_text() and "违规操办红白喜事" in black.inner_text()
    assert phone_page.locator("[data-testid=plaque-row]").count() == 1
    assert phone_page.locator("[data-testid=appeal-login]").count() == 2
    assert "张建国" not in phone_page.inner_text("main")
    assert no_horizontal_overflow(phone_page)
    shot(phone_page, "p06-public-board-phone")


def test_resident_appeals_their_line_on_the_public_page(
    live_points: PointsWorld, live_server: Any, open_as: Any
) -> None:
    page = open_as("resident", phone=True)
    page.goto(f"{live_server.url}/public/points/{live_points.town.village.code}/")
    red = page.locator("[data-testid=board-red]")
    assert red.locator("[data-testid=board-own]").count() == 1
    red.locator("[data-testid=appeal-open]").click()
    red.locator("textarea[name=reason]").fill("11月的志愿服务漏记了一次")
    shot(page, "p07-appeal-phone")
    red.locator("[data-testid=appeal-submit]").click()
    page.locator("[data-testid=my-appeal]").wait_for()
    assert "异议已提交" in page.inner_text("main")
    assert "待处理" in page.inner_text("[data-testid=my-appeal]")
    appeal = BoardAppeal.objects.get()
    assert appeal.account_id == live_points.accounts["h1"].pk
