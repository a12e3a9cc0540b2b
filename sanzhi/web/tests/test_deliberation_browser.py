"""议事协商 in a real browser: a major matter (集体厂房出租, 12万元) through 四议两公开 on the real pages —
the secretary proposes it on a phone, holds the party organisation's, the two committees' and the
party members' meetings (attendance row by row, a show of hands, the count; a count without
quorum is refused first), asks the township (请示报告); the street persona approves from its queue;
the representatives meet (one written proxy), the resolution is noticed for 7 days with an
objection dismissed, the work is done as a task, and the result is noticed for 5 days.

The notice windows are days long: the test moves the clock with ``time_machine`` (tick=True), which
patches the clock of the whole process, so the live server thread sees the same time as the
test. The browser's cookies keep real time, which is fine: the server decides session expiry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from sanzhi.core.testing import Town
from sanzhi.deliberation.models import Matter, MatterStatus, MatterStep, Notice, NoticeStatus
from sanzhi.deliberation.notices import objection_submit
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import propose
from sanzhi.disclosure.models import Publication
from sanzhi.web.tests.conftest import shot
from sanzhi.web.tests.test_browser import live_town, no_horizontal_overflow
from sanzhi.web.tests.test_tickets_browser import open_as

pytestmark = pytest.mark.browser
__all__ = ["live_town", "open_as"]  # fixtures, imported for this module


@pytest.fixture
def live_world(live_town: Town) -> DeliberationWorld:
    return build_deliberation_world(live_town)


def submit(page: Any, selector: str) -> None:
    """Click a submit button and wait for the page it leads to (post, redirect, get)."""
    with page.expect_navigation():
        page.click(selector)


def success(page: Any, text: str) -> None:
    page.locator(".alert-success", has_text=text).wait_for()


def hold_meeting(
    page: Any, statuses: list[str], votes: tuple[int, int, int], holder: int | None = None
) -> None:
    """From the matter page: call the open stage's meeting now, record each roster row's
    attendance (``proxy`` rows give their proxy to row ``holder``), a show of hands, the count."""
    page.fill("#id_place", "社区会议室")
    submit(page, "[data-testid=meeting_call-submit]")
    success(page, "已召集会议")
    submit(page, "[data-testid=go-meeting]")
    rows = page.locator("[data-testid=roster-row]")
    assert rows.count() == len(statuses)
    names = [rows.nth(i).get_attribute("data-name") for i in range(len(statuses))]
    for index, status in enumerate(statuses):
        row = page.locator("[data-testid=roster-row]").nth(index)
        row.locator("[data-testid=attend-status]").select_option(status)
        if status == "proxy":
            assert holder is not None
            row.locator("[data-testid=attend-holder]").select_option(label=names[holder])
        submit(page, f"[data-testid=roster-row] >> nth={index} >> [data-testid=attend-submit]")
        success(page, "已登记")
    page.fill("#id_votes_for", str(votes[0]))
    page.fill("#id_votes_against", str(votes[1]))
    page.fill("#id_votes_abstain", str(votes[2]))
    submit(page, "[data-testid=count-submit]")
    success(page, "已登记计票结果")
    assert "已达到法定到会人数" in page.inner_text("[data-testid=count-verdict]")
    submit(page, "[data-testid=decide-submit]")
    success(page, "表决通过")
    page.fill("#id_minutes", "与会人员充分讨论，表决通过。")
    submit(page, "[data-testid=sign-submit]")
    success(page, "会议记录已签字")
    submit(page, "[data-testid=meeting-matter]")


def stage_state(page: Any, code: str) -> str:
    return str(page.get_attribute(f"[data-testid=strip-stage][data-stage={code}]", "data-state"))


def test_major_matter_through_siyi_liangkai(
    live_world: DeliberationWorld, live_server: Any, open_as: Any
) -> None:
    town = live_world.town
    secretary = open_as("secretary", phone=True)

    # 提: propose on the phone.
    secretary.goto(f"{live_server.url}/deliberation/")
    submit(secretary, "[data-testid=go-propose]")
    secretary.select_option("#id_procedure", str(live_world.procedures["siyi_liangkai"].pk))
    secretary.fill("#id_title", "集体厂房出租")
    secretary.fill("#id_description", "出租村集体闲置厂房，租期五年。")
    secretary.select_option("#id_matter_type", "assets")
    secretary.fill("#id_amount", "120000")
    assert no_horizontal_overflow(secretary)
    shot(secretary, "dc01-propose-phone")
    submit(secretary, "[data-testid=matter-submit]")
    success(secretary, "已提出议题“集体厂房出租”")
    matter = Matter.objects.get(title="集体厂房出租")
    assert matter.is_major and matter.amount_fen == 12_000_000
    assert secretary.is_visible("[data-testid=matter-major]")
    assert stage_state(secretary, "dang_tiyi") == "open"
    assert no_horizontal_overflow(secretary)

    # 党组织提议: a count before anyone signed in is refused with the reason, nothing changes.
    secretary.fill("#id_place", "社区会议室")
    submit(secretary, "[data-testid=meeting_call-submit]")
    submit(secretary, "[data-testid=go-meeting]")
    submit(secretary, "[data-testid=decide-submit]")
    secretary.locator(
        "[data-testid=form-error]", has_text="到会人数不足：应到5人，实到0人，至少需3人"
    ).wait_for()
    shot(secretary, "dc02-no-quorum-phone")
    assert no_horizontal_overflow(secretary)
    secretary.click("details:has([data-testid=cancel-form]) > summary")
    secretary.fill("#id_reason", "改期召开")
    submit(secretary, "[data-testid=cancel-submit]")
    success(secretary, "会议已取消")
    submit(secretary, "[data-testid=meeting-matter]")
    hold_meeting(secretary, ["present"] * 4 + ["absent"], (4, 0, 0))
    assert stage_state(secretary, "dang_tiyi") == "passed"
    # 两委会议商议, 党员大会审议
    hold_meeting(secretary, ["present"] * 5, (5, 0, 0))
    hold_meeting(secretary, ["present"] * 5 + ["absent"], (4, 1, 0))
    assert stage_state(secretary, "dangyuan_shenyi") == "passed"

    # 请示报告: the secretary asks, the township approves from its queue.
    assert stage_state(secretary, "zhenjie_shenpi") == "open"
    secretary.fill("#id_request", "拟出租集体厂房，年租金12万元，请批示。")
    submit(secretary, "[data-testid=approval_request-submit]")
    success(secretary, "已提交请示")
    assert secretary.is_visible("[data-testid=approval-waiting]")
    street = open_as("street")
    street.goto(f"{live_server.url}/deliberation/approvals/")
    submit(street, "[data-testid=approval-row]")
    street.click("label[for=id_decision_0]")
    street.fill("#id_reply", "同意，按程序提交村民代表会议表决。")
    shot(street, "dc03-approve")
    submit(street, "[data-testid=approval_decide-submit]")
    success(street, "已批复：同意")
    assert stage_state(street, "zhenjie_shenpi") == "passed"

    # 村(居)民代表会议决议: 6 representatives, one gives a written proxy to the first.
    secretary.reload()
    assert stage_state(secretary, "daibiao_jueyi") == "open"
    assert "到会：超过三分之二" in secretary.inner_text("[data-testid=step-rules]")
    hold_meeting(secretary, ["present"] * 4 + ["proxy", "absent"], (4, 1, 0), holder=0)
    assert stage_state(secretary, "daibiao_jueyi") == "passed"

    # 决议公开: 7 days, on the public chain; nothing closes it early.
    assert secretary.input_value("#id_days") == "7"
    secretary.fill("#id_title", "集体厂房出租决议公示")
    secretary.fill("#id_body", "经村民代表会议表决通过，出租集体厂房，年租金12万元。")
    submit(secretary, "[data-testid=notice_open-submit]")
    success(secretary, "已发布公示")
    notice = Notice.objects.get()
    assert Publication.objects.get(notice=notice).kind == "resolution"
    assert secretary.is_disabled("[data-testid=notice_close-submit]")
    assert "期满前不能结束公示" in secretary.inner_text("[data-testid=close-why]")
    objection_submit(actor=town.resident, notice=notice, text="租金是否偏低？")
    secretary.reload()
    row = secretary.locator("[data-testid=objection]")
    row.locator("label", has_text="异议不成立").click()
    row.locator("textarea").fill("租金经第三方评估，符合市场价。")
    shot(secretary, "dc04-notice-phone")
    submit(secretary, "[data-testid=objection-submit]")
    success(secretary, "已答复异议")

    # A week on (the live server shares the moved clock): the notice ends.
    with time_machine.travel(notice.ends_at + dt.timedelta(hours=1), tick=True):
        secretary.reload()
        assert not secretary.is_disabled("[data-testid=notice_close-submit]")
        submit(secretary, "[data-testid=notice_close-submit]")
        success(secretary, "公示期满，已结束公示")
        assert stage_state(secretary, "jueyi_gongkai") == "passed"

        # 组织实施
        secretary.fill("#id_title", "签订租赁合同")
        secretary.fill("#id_owner_name", "村委会主任")
        secretary.fill("#id_due_date", timezone.localdate().isoformat())
        submit(secretary, "[data-testid=task_add-submit]")
        success(secretary, "已安排任务")
        secretary.fill("[data-testid=task_progress-form] input[name=progress]", "100")
        secretary.fill("[data-testid=task_progress-form] input[name=note]", "合同已签订")
        submit(secretary, "[data-testid=task_progress-submit]")
        success(secretary, "已填报进度")
        secretary.fill("#id_summary", "厂房已出租，首年租金12万元已入账。")
        submit(secretary, "[data-testid=implementation_finish-submit]")
        success(secretary, "实施完成")

        # 实施结果公开: 5 days, published as a result.
        assert secretary.input_value("#id_days") == "5"
        secretary.fill("#id_title", "集体厂房出租实施结果公示")
        secretary.fill("#id_body", "厂房已出租，租金已入账。")
        submit(secretary, "[data-testid=notice_open-submit]")
        success(secretary, "已发布公示")
        result = Notice.objects.exclude(pk=notice.pk).get()
        assert Publication.objects.get(notice=result).kind == "result"

        with time_machine.travel(result.ends_at + dt.timedelta(hours=1), tick=True):
            # A fresh login: the first session was opened almost two weeks ago on this clock.
            secretary = open_as("secretary", phone=True)
            secretary.goto(f"{live_server.url}/deliberation/matters/{matter.pk}/")
            submit(secretary, "[data-testid=notice_close-submit]")
            success(secretary, "公示期满，已结束公示")
            shot(secretary, "dc05-done-phone")
            assert no_horizontal_overflow(secretary)

    matter.refresh_from_db()
    assert matter.status == MatterStatus.DONE
    assert secretary.get_attribute("[data-testid=matter-status]", "data-status") == "done"
    assert list(
        MatterStep.objects.filter(matter=matter).order_by("id").values_list("stage__code", "status")
    ) == [
        ("dang_tiyi", "passed"),
        ("liangwei_shangyi", "passed"),
        ("dangyuan_shenyi", "passed"),
        ("zhenjie_shenpi", "passed"),
        ("daibiao_jueyi", "passed"),
        ("jueyi_gongkai", "passed"),
        ("zuzhi_shishi", "passed"),
        ("jieguo_gongkai", "passed"),
    ]
    assert {n.status for n in Notice.objects.all()} == {NoticeStatus.CLOSED}


def test_matters_list_filters_in_place(live_world: DeliberationWorld, live_server: Any, open_as: Any) -> None:
    """The filters swap the results through htmx (the URL follows, for Back and sharing)."""
    for title in ("修建村口文化广场", "更换楼道路灯", "集体厂房出租"):
        propose(live_world, title=title)
    page = open_as("council", phone=True)
    page.goto(f"{live_server.url}/deliberation/")
    assert page.locator("[data-testid=matter-row]").count() == 3
    page.fill("[data-testid=matter-filters] input[name=q]", "路灯")
    page.locator("[data-testid=matter-row]", has_text="修建村口文化广场").wait_for(state="detached")
    assert page.locator("[data-testid=matter-row]").count() == 1
    assert "q=%E8%B7%AF%E7%81%AF" in page.url
    assert page.evaluate("typeof window.htmx") == "object"
    assert no_horizontal_overflow(page)
    shot(page, "dc06-matters-phone")
