"""Whole procedures end to end, through the services only (meetings, approvals, notices,
implementation, evaluation), the clock frozen at each step:

1. a MAJOR matter through 四议两公开 (with 请示报告 to the township before the representatives vote);
2. an ordinary matter from 村民说事 through 提-议-决-办-评, the approval stage recorded as skipped;
3. an objection upheld during 决议公开 sending the matter back to the representatives for a
   second round.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sanzhi.core.errors import DomainError, ValidationFailed
from sanzhi.core.testing import Town
from sanzhi.deliberation import flow
from sanzhi.deliberation.approvals import approval_decide, approval_request
from sanzhi.deliberation.evaluation import evaluation_close, evaluation_submit
from sanzhi.deliberation.implementation import implementation_finish, task_add, task_progress
from sanzhi.deliberation.meetings import attendance_record, meeting_call, meeting_decide, meeting_record_count
from sanzhi.deliberation.models import (
    Attendance,
    AttendanceStatus,
    Matter,
    MatterStatus,
    MatterStep,
    MatterType,
    Meeting,
    MeetingResult,
    Notice,
    NoticeStatus,
    Rating,
)
from sanzhi.deliberation.notices import notice_close, notice_open, objection_decide, objection_submit
from sanzhi.deliberation.proposals import proposal_accept, saying_accept, saying_submit
from sanzhi.deliberation.selectors import matter_timeline, notices_open_for_resident
from sanzhi.deliberation.tasks import close_due_notices
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import at, current
from sanzhi.disclosure import chain
from sanzhi.disclosure.models import Publication


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


def hold_meeting(
    world: DeliberationWorld, matter: Matter, day: dt.datetime, *, absent: int = 0, against: int = 0
):
    """The open meeting step's body meets at 14:00 on ``day`` (called the day before): everyone on
    the roster present but ``absent`` of them, a show of hands with ``against`` votes against."""
    secretary = world.town.users["secretary"]
    step = current(matter)
    meets = day.replace(hour=14, minute=0)
    meeting = meeting_call(
        actor=secretary, step=step, scheduled_at=meets, place="社区会议室", now=meets - dt.timedelta(days=1)
    )
    rows = list(Attendance.objects.filter(meeting=meeting).select_related("member").order_by("id"))
    with time_machine.travel(meets + dt.timedelta(minutes=5), tick=False):
        for index, row in enumerate(rows):
            status = AttendanceStatus.ABSENT if index >= len(rows) - absent else AttendanceStatus.PRESENT
            attendance_record(actor=secretary, meeting=meeting, member=row.member, status=status)
        present = len(rows) - absent
        meeting_record_count(
            actor=secretary,
            meeting=meeting,
            votes_for=present - against,
            votes_against=against,
            votes_abstain=0,
        )
    with time_machine.travel(meets + dt.timedelta(hours=1), tick=False):
        meeting_decide(actor=secretary, meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.result == MeetingResult.PASSED
    return meeting


def stages_of(matter: Matter) -> list[tuple[str, int, str]]:
    return list(
        MatterStep.objects.filter(matter=matter).order_by("id").values_list("stage__code", "round", "status")
    )


def test_major_matter_through_siyi_liangkai(world: DeliberationWorld) -> None:
    town = world.town
    secretary, street, resident = town.users["secretary"], town.users["street"], town.users["resident"]
    matter = flow.matter_propose(
        actor=secretary,
        node=town.village,
        procedure=world.procedures["siyi_liangkai"],
        title="集体经营性资产出租",
        matter_type=MatterType.ASSETS,
        amount_fen=12_000_000,
        now=at(2026, 9, 1, 9),
    )
    assert matter.is_major
    # 党组织提议 → 两委会议商议 → 党员大会审议 (each a meeting of its body)
    hold_meeting(world, matter, at(2026, 9, 2))
    hold_meeting(world, matter, at(2026, 9, 3))
    hold_meeting(world, matter, at(2026, 9, 4), absent=1)
    # 请示报告: the township approves before the representatives vote.
    step = current(matter)
    assert step.stage.code == "zhenjie_shenpi"
    approval = approval_request(
        actor=secretary, step=step, request="拟出租集体厂房，请批示", now=at(2026, 9, 5, 9)
    )
    approval_decide(actor=street, approval=approval, approve=True, reply="同意", now=at(2026, 9, 7, 10))
    # 村(居)民代表会议决议: 5 of 6 present (> 2/3), 4 for (> half of those present).
    decision = hold_meeting(world, matter, at(2026, 9, 8), absent=1, against=1)
    assert (decision.expected, decision.present, decision.votes_for) == (6, 5, 4)

    # 决议公开: 7 full days, published on the chain with the representatives' count.
    step = current(matter)
    assert step.stage.code == "jueyi_gongkai"
    with time_machine.travel(at(2026, 9, 8, 17), tick=False):
        resolution = notice_open(actor=secretary, step=step, title="集体厂房出租决议公示", body="……")
    assert resolution.ends_at == at(2026, 9, 16)
    published = Publication.objects.get(notice=resolution)
    assert published.kind == "resolution"
    assert published.content["decision"] == {
        "meeting": decision.pk,
        "body": "创举社区居民代表会议",
        "stage": "村(居)民代表会议决议",
        "decided_at": at(2026, 9, 8, 15).isoformat(),
        "secret": False,
        "expected": 6,
        "present": 5,
        "for": 4,
        "against": 1,
        "abstain": 0,
    }
    with time_machine.travel(at(2026, 9, 10, 20), tick=False):
        assert list(notices_open_for_resident(user=resident, now=at(2026, 9, 10, 20))) == [resolution]
        objection = objection_submit(actor=resident, notice=resolution, text="租金是否偏低？")
    objection_decide(
        actor=secretary,
        objection=objection,
        uphold=False,
        reply="租金经评估，符合市场价",
        now=at(2026, 9, 11, 9),
    )
    # Nothing proceeds before the period ends: no closing, no implementation.
    with time_machine.travel(at(2026, 9, 15, 23, 59), tick=False):
        with pytest.raises(ValidationFailed) as early:
            notice_close(actor=secretary, notice=resolution)
        assert early.value.code == "notice_running"
        with pytest.raises(ValidationFailed) as not_yet:
            task_add(actor=secretary, step=current(matter), title="签订租赁合同", owner_name="村委会")
        assert not_yet.value.code == "stage_not_implementation"
        assert close_due_notices.call()["closed"] == []
    with time_machine.travel(at(2026, 9, 16), tick=False):
        assert close_due_notices.call()["closed"] == [resolution.pk]  # the worker, at midnight

    # 组织实施
    step = current(matter)
    assert step.stage.code == "zuzhi_shishi"
    task = task_add(
        actor=secretary,
        step=step,
        title="签订租赁合同",
        owner=town.users["gridworker"],
        due_date=dt.date(2026, 9, 30),
        now=at(2026, 9, 16, 9),
    )
    task_progress(
        actor=town.users["gridworker"], task=task, progress=50, note="已公开招租", now=at(2026, 9, 20, 9)
    )
    task_progress(
        actor=town.users["gridworker"], task=task, progress=100, note="合同已签", now=at(2026, 9, 30, 9)
    )
    implementation_finish(
        actor=secretary, step=step, summary="厂房已出租，年租金12万元", now=at(2026, 10, 1, 9)
    )

    # 实施结果公开: 5 full days, kind "result".
    with time_machine.travel(at(2026, 10, 1, 10), tick=False):
        result = notice_open(actor=secretary, step=current(matter), title="集体厂房出租结果公示", body="……")
    assert result.ends_at == at(2026, 10, 7)
    with time_machine.travel(at(2026, 10, 7, 9), tick=False):
        notice_close(actor=secretary, notice=result)

    matter.refresh_from_db()
    assert (matter.status, matter.closed_at) == (MatterStatus.DONE, at(2026, 10, 7, 9))
    assert stages_of(matter) == [
        ("dang_tiyi", 1, "passed"),
        ("liangwei_shangyi", 1, "passed"),
        ("dangyuan_shenyi", 1, "passed"),
        ("zhenjie_shenpi", 1, "passed"),
        ("daibiao_jueyi", 1, "passed"),
        ("jueyi_gongkai", 1, "passed"),
        ("zuzhi_shishi", 1, "passed"),
        ("jieguo_gongkai", 1, "passed"),
    ]
    assert list(Publication.objects.order_by("seq").values_list("kind", "ref")) == [
        ("resolution", f"deliberation.notice:{resolution.pk}"),
        ("result", f"deliberation.notice:{result.pk}"),
    ]
    assert chain.verify_stored() == (2, None)
    actions = [event.action for event in matter_timeline(matter)]
    assert actions[0] == "proposed" and actions[-1] == "done"
    for expected in ("approval_decided", "meeting_decided", "objection_submitted", "objection_decided"):
        assert expected in actions
    assert actions.count("meeting_decided") == 4


def test_ordinary_matter_from_a_saying_through_ti_yi_jue_ban_ping(world: DeliberationWorld) -> None:
    town = world.town
    secretary, resident = town.users["secretary"], town.users["resident"]
    with time_machine.travel(at(2026, 9, 1, 9), tick=False):
        saying = saying_submit(actor=resident, title="小区缺少健身器材", text="老人希望有健身的地方")
        matter = saying_accept(
            actor=secretary, saying=saying, procedure=world.procedures["ti_yi_jue_ban_ping"]
        )
    assert not matter.is_major
    proposal_accept(actor=secretary, step=current(matter), note="受理", now=at(2026, 9, 2, 9))  # 提
    hold_meeting(world, matter, at(2026, 9, 3))  # 议: the 议事会 deliberates
    # 请示报告 does not apply to an ordinary matter: recorded as skipped, 决 opens at once.
    assert current(matter).stage.code == "jue"
    hold_meeting(world, matter, at(2026, 9, 4), absent=1)  # 决
    notice = notice_open(
        actor=secretary, step=current(matter), title="健身器材采购决议公示", body="……", now=at(2026, 9, 4, 16)
    )
    assert notice.ends_at == at(2026, 9, 12)
    assert close_due_notices.call(now=at(2026, 9, 12).isoformat())["closed"] == [notice.pk]
    step = current(matter)  # 办
    task = task_add(
        actor=secretary, step=step, title="采购安装", owner_name="社区居委会", now=at(2026, 9, 12, 9)
    )
    task_progress(actor=secretary, task=task, progress=100, now=at(2026, 9, 25, 9))
    implementation_finish(actor=secretary, step=step, summary="健身器材8件已安装", now=at(2026, 9, 25, 10))
    step = current(matter)  # 评: 15 days from 09-25 10:00
    assert step.stage.code == "ping"
    with time_machine.travel(at(2026, 10, 1, 9), tick=False):
        evaluation_submit(actor=resident, matter=matter, rating=Rating.SATISFIED, comment="很方便")
    with time_machine.travel(at(2026, 10, 10, 9, 59), tick=False), pytest.raises(ValidationFailed):
        evaluation_close(actor=secretary, step=step)
    with time_machine.travel(at(2026, 10, 10, 10), tick=False):
        evaluation_close(actor=secretary, step=step)

    matter.refresh_from_db()
    saying.refresh_from_db()
    assert matter.status == MatterStatus.DONE
    assert saying.matter_id == matter.pk
    assert stages_of(matter) == [
        ("ti", 1, "passed"),
        ("yi", 1, "passed"),
        ("zhenjie_shenpi", 1, "skipped"),
        ("jue", 1, "passed"),
        ("jue_gongshi", 1, "passed"),
        ("ban", 1, "passed"),
        ("ping", 1, "passed"),
    ]
    assert [p.kind for p in Publication.objects.order_by("seq")] == ["resolution"]


def test_upheld_objection_sends_the_matter_back_for_a_second_vote(world: DeliberationWorld) -> None:
    town = world.town
    secretary, resident = town.users["secretary"], town.users["resident"]
    matter = flow.matter_propose(
        actor=secretary,
        node=town.village,
        procedure=world.procedures["siyi_liangkai"],
        title="村道硬化",
        matter_type=MatterType.PROJECT,
        amount_fen=2_000_000,  # 2万元: not major
        now=at(2026, 9, 1, 9),
    )
    for day in (2, 3, 4, 5):
        hold_meeting(world, matter, at(2026, 9, day))
    first = notice_open(
        actor=secretary, step=current(matter), title="村道硬化决议公示", body="第一轮", now=at(2026, 9, 5, 16)
    )
    with time_machine.travel(at(2026, 9, 7, 10), tick=False):
        objection = objection_submit(actor=resident, notice=first, text="线路未经过2号楼，应调整")
    with time_machine.travel(at(2026, 9, 8, 10), tick=False):
        objection_decide(
            actor=secretary, objection=objection, uphold=True, reply="异议成立，调整线路后重新表决"
        )
    first.refresh_from_db()
    assert first.status == NoticeStatus.RETURNED
    step = current(matter)
    assert (step.stage.code, step.round) == ("daibiao_jueyi", 2)
    # The returned notice can no longer close, even after its period.
    with pytest.raises(DomainError):
        notice_close(actor=secretary, notice=first, now=at(2026, 9, 20))
    # Round two: the representatives vote again, a new notice runs its full period.
    second_vote = hold_meeting(world, matter, at(2026, 9, 10))
    assert second_vote.step.round == 2
    second = notice_open(
        actor=secretary,
        step=current(matter),
        title="村道硬化决议公示（调整后）",
        body="第二轮",
        now=at(2026, 9, 10, 16),
    )
    assert Publication.objects.get(notice=second).content["stage"]["round"] == 2
    assert second.ends_at == at(2026, 9, 18)
    assert close_due_notices.call(now=at(2026, 9, 17, 23).isoformat())["closed"] == []
    assert close_due_notices.call(now=at(2026, 9, 18).isoformat())["closed"] == [second.pk]
    assert current(matter).stage.code == "zuzhi_shishi"
    assert stages_of(matter) == [
        ("dang_tiyi", 1, "passed"),
        ("liangwei_shangyi", 1, "passed"),
        ("dangyuan_shenyi", 1, "passed"),
        ("zhenjie_shenpi", 1, "skipped"),
        ("daibiao_jueyi", 1, "passed"),
        ("jueyi_gongkai", 1, "returned"),
        ("daibiao_jueyi", 2, "passed"),
        ("jueyi_gongkai", 2, "passed"),
        ("zuzhi_shishi", 1, "open"),
    ]
    assert Meeting.objects.filter(step__matter=matter, step__stage__code="daibiao_jueyi").count() == 2
    assert list(
        Notice.objects.filter(step__matter=matter).order_by("id").values_list("status", flat=True)
    ) == [
        "returned",
        "closed",
    ]
    assert chain.verify_stored() == (2, None)  # both notices stay published
