"""Resident 议事协商 pages in a real browser on a phone: 张建国 objects to a running notice, rates a
finished matter, raises a 村民说事, and — as a representative — casts a secret vote at his meeting."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sanzhi.core.testing import Town
from sanzhi.deliberation.meetings import attendance_record
from sanzhi.deliberation.models import Ballot, Evaluation, Objection, ObjectionStatus, Rating, Saying
from sanzhi.deliberation.notices import notice_open
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests import meeting_kit
from sanzhi.deliberation.tests.notice_kit import propose, walk_to
from sanzhi.web.tests.conftest import shot
from sanzhi.web.tests.test_browser import live_town, no_horizontal_overflow
from sanzhi.web.tests.test_tickets_browser import open_as

pytestmark = pytest.mark.browser
__all__ = ["live_town", "open_as"]  # fixtures, imported for this module


@pytest.fixture
def live_world(live_town: Town) -> dict[str, Any]:
    """Now (the real clock): a notice running for 7 days, a matter in its 15-day evaluation, and
    the representatives' secret-ballot meeting today with 张建国 signed in."""
    world: DeliberationWorld = build_deliberation_world(live_town)
    secretary = live_town.users["secretary"]
    now = timezone.now()
    earlier = now - dt.timedelta(days=2)
    square = propose(world, title="修建村口文化广场", now=earlier)
    step = walk_to(square, "jueyi_gongkai", actor=secretary, now=earlier)
    notice = notice_open(
        actor=secretary,
        step=step,
        title="文化广场建设决议公示",
        body="拟投资3000元修建村口文化广场。",
        now=now,
    )
    lamps = propose(world, "ti_yi_jue_ban_ping", title="小区路灯维修", now=earlier)
    walk_to(lamps, "ping", actor=secretary, now=now - dt.timedelta(hours=1))
    sitting = meeting_kit.sit(world, secret=True, scheduled_at=now, now=now)
    attendance_record(
        actor=secretary, meeting=sitting.meeting, member=sitting.members["resident"], status="present"
    )
    return {"world": world, "notice": notice, "lamps": lamps, "sitting": sitting}


def test_resident_objects_rates_says_and_votes_on_a_phone(
    live_world: dict[str, Any], live_server: Any, open_as: Any
) -> None:
    page = open_as("resident", phone=True)
    page.goto(f"{live_server.url}/me/deliberation/")
    page.locator("[data-testid=delib-hub]").wait_for()
    assert page.inner_text("[data-testid=hub-notices-count]") == "1"
    assert page.inner_text("[data-testid=hub-evaluations-count]") == "1"
    assert no_horizontal_overflow(page)
    shot(page, "d01-delib-hub-phone")

    # 公示 → 提出异议
    page.click("[data-testid=hub-notices]")
    page.click("[data-testid=notice-row]")
    page.locator("[data-testid=objection-form]").wait_for()
    assert "拟投资3000元修建村口文化广场。" in page.inner_text("[data-testid=notice-body]")
    assert "还剩" in page.inner_text("[data-testid=notice-left]")
    page.fill("#objection-text", "广场选址离住户太近，晚上噪音大")
    assert no_horizontal_overflow(page)
    shot(page, "d02-notice-objection-phone")
    page.click("[data-testid=objection-submit]")
    page.locator("[data-testid=objection-row]").wait_for()
    assert "异议已提交" in page.inner_text("main")
    assert page.inner_text("[data-testid=objection-status]") == "待处理"
    objection = Objection.objects.get()
    assert objection.status == ObjectionStatus.PENDING and objection.notice_id == live_world["notice"].pk

    # 评价 (htmx swaps the card for the tally)
    page.click("[data-testid=delib-subnav] >> text=评价")
    card = page.locator(f"[data-testid=evaluation-card][data-matter='{live_world['lamps'].pk}']")
    card.locator("[data-testid=rate-basic]").click()
    card.locator("textarea[name=comment]").fill("路灯修好了，希望多装几盏")
    shot(page, "d03-evaluate-phone")
    card.locator("[data-testid=evaluation-submit]").click()
    page.locator("[data-testid=evaluation-tally]").wait_for()
    assert "您的评价：基本满意" in page.inner_text("[data-testid=my-rating]")
    assert "100.0%（共1人评价）" in page.inner_text("[data-testid=tally-rate]")
    assert no_horizontal_overflow(page)
    shot(page, "d04-evaluated-phone")
    evaluation = Evaluation.objects.get()
    assert evaluation.rating == Rating.BASIC and evaluation.comment == "路灯修好了，希望多装几盏"

    # 村民说事: an empty form first (the service's message), then the real one
    page.click("[data-testid=delib-subnav] >> text=村民说事")
    page.click("[data-testid=saying-submit]")
    page.locator("[data-testid=form-error]").wait_for()
    assert "请填写事由" in page.inner_text("[data-testid=form-error]")
    assert Saying.objects.count() == 0
    page.fill("#saying-title", "3号楼门口积水")
    page.fill("#saying-text", "下雨后3号楼门口积水很深，老人出行不便。")
    shot(page, "d05-saying-phone")
    page.click("[data-testid=saying-submit]")
    page.locator("[data-testid=saying-row]").wait_for()
    assert page.inner_text("[data-testid=saying-status]") == "待处理"
    assert Saying.objects.get().title == "3号楼门口积水"

    # 我的会议 → secret vote
    page.click("[data-testid=delib-subnav] >> text=我的会议")
    page.click(f"[data-testid=meeting-row][data-meeting='{live_world['sitting'].meeting.pk}']")
    page.locator("[data-testid=secret-note]").wait_for()
    assert "不与您的姓名一起记录" in page.inner_text("[data-testid=secret-note]")
    assert page.inner_text("[data-testid=my-attendance]") == "已签到"
    assert no_horizontal_overflow(page)
    shot(page, "d06-meeting-vote-phone")
    page.click("[data-testid=vote-for]")
    page.click("[data-testid=vote-submit]")
    page.locator("[data-testid=vote-done]").wait_for()
    assert "系统只记录您已投票，不记录您的选择" in page.inner_text("main")
    assert page.locator("[data-testid=vote-choice]").count() == 0
    shot(page, "d07-voted-phone")
    ballot = Ballot.objects.get()
    assert ballot.member_id is None and ballot.choice == "for"
