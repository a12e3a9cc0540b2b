"""The demo's deliberation and 三务公开: matters at every stage, the chain, a year of finance, the overdue
alert, what the demo logins find — and ``sanzhi demo --reset`` twice. One build for the lot (a whole
demo town takes a while), like test_demo."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from sanzhi.accounts.models import User
from sanzhi.deliberation.evaluation import evaluation_submit
from sanzhi.deliberation.meetings import ballot_cast
from sanzhi.deliberation.models import (
    Approval,
    AttendanceStatus,
    Ballot,
    BodyKind,
    Matter,
    MatterEvent,
    MatterStep,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeStatus,
    ObjectionStatus,
    Saying,
    StageKind,
)
from sanzhi.deliberation.notices import objection_submit
from sanzhi.deliberation.rules import membership
from sanzhi.deliberation.selectors import matter_list_for, notices_open_for_resident, sayings_mine
from sanzhi.deliberation.selectors_meetings import approval_list_for, meetings_of_member
from sanzhi.demo.deliberation import run_timeline
from sanzhi.demo.guard import database_state
from sanzhi.demo.town import DEMO_PASSWORD
from sanzhi.disclosure.calendar import overdue_for
from sanzhi.disclosure.chain import verify_stored
from sanzhi.disclosure.models import Disclosure, DisclosureStatus, Publication, PublicationHead
from sanzhi.grids.models import Node

URBAN, VILLAGE = "511923001001", "511923101201"


def _login(username: str) -> User:
    user = authenticate(None, username=username, password=DEMO_PASSWORD)
    assert user is not None, username
    return user


def _matter(title: str) -> Matter:
    return Matter.objects.select_related("current_step__stage").get(title=title)


@pytest.mark.django_db(transaction=False)
def test_demo_deliberates_and_discloses_then_resets_twice() -> None:
    call_command("demo", tickets=20, verbosity=0)
    now = timezone.now()
    _check_matters(now)
    _check_disclosure(now)
    _check_what_the_logins_find(now)

    chain = Publication.objects.count()
    for _round in (1, 2):
        call_command("demo", reset=True, tickets=20, verbosity=0)
        assert database_state().kind == "demo"
        # The chain starts again at #1: the wipe cleared its head with its items.
        assert verify_stored() == (Publication.objects.count(), None)
        assert PublicationHead.objects.get(pk=1).seq == Publication.objects.count() >= chain - 5
        assert Matter.objects.filter(node__code=URBAN).count() == 12


def _check_matters(now: dt.datetime) -> None:
    matters = Matter.objects.select_related("current_step__stage")
    assert set(matters.values_list("status", flat=True)) == {"active", "done", "rejected", "withdrawn"}
    waiting = {m.current_step.stage.kind for m in matters.filter(status="active") if m.current_step}
    assert waiting == set(StageKind.values)
    assert {n.code for n in Node.objects.filter(matters__isnull=False)} == {URBAN, VILLAGE}

    # A meeting called and not held; one sitting today; decided ones with absences, a proxy, ballots.
    meetings = Meeting.objects.all()
    assert meetings.filter(status=MeetingStatus.SCHEDULED, scheduled_at__gt=now).exists()
    signed = meetings.filter(status=MeetingStatus.SIGNED)
    assert signed.filter(attendance__status=AttendanceStatus.ABSENT).exists()
    assert signed.filter(attendance__status=AttendanceStatus.PROXY, result="passed").exists()
    assert Ballot.objects.filter(by_proxy=True).exists() and signed.filter(result="failed").exists()

    # The major matter asked 白衣镇 and was approved before the vote; another waits at the street.
    major = matters.get(is_major=True, status="done")
    assert Approval.objects.get(step__matter=major).decision == "approved"
    approved = major.steps.get(stage__kind=StageKind.APPROVAL)
    vote = major.steps.get(stage__code="daibiao_jueyi")
    assert approved.status == "passed" and approved.closed_at is not None
    assert approved.closed_at <= vote.opened_at
    pending = _matter("创举社区老旧供水管网改造")
    assert pending.current_step is not None and pending.is_major
    assert pending.current_step.stage.kind == StageKind.APPROVAL

    # Rejected by a failed vote; sent back by an upheld objection and passed in round 2.
    assert _matter("小区内设立临时早市").status == "rejected"
    back = _matter("绿化带改建停车位")
    assert back.status == "done"
    assert MatterStep.objects.filter(matter=back, status="returned").exists()
    assert MatterStep.objects.filter(matter=back, stage__code="yi", round=2, status="passed").exists()
    assert back.steps.filter(notices__objections__status=ObjectionStatus.UPHELD).exists()
    assert _matter("统一更换单元门禁为人脸识别").status == "withdrawn"

    # Tasks at various progress; an evaluation open with ratings.
    tasks = _matter("楼道声控灯更换").tasks.all()
    assert sorted(tasks.values_list("progress", flat=True)) == [0, 60, 100]
    assert _matter("社区健身广场地面翻新").evaluations.count() >= 3
    assert set(Saying.objects.values_list("status", flat=True)) == {"new", "answered", "accepted"}

    # Nothing happens in the future; rows carry their story's dates, not the build's.
    assert not MatterEvent.objects.filter(at__gt=now).exists()
    assert matters.filter(created_at__lt=now - dt.timedelta(days=100)).count() >= 3


def _check_disclosure(now: dt.datetime) -> None:
    count = Publication.objects.count()
    assert count > 50 and verify_stored() == (count, None)
    # The deliberation timeline appends in time order; the points quarter's 红黑榜 (built before it)
    # sit at their own dates.
    ours = Publication.objects.exclude(kind="board").order_by("seq")
    times = list(ours.values_list("published_at", flat=True))
    assert times == sorted(times) and times[-1] <= now
    kinds = {"disclosure", "resolution", "result", "board"}
    assert set(Publication.objects.values_list("kind", flat=True)) == kinds
    originals = Disclosure.objects.filter(
        status=DisclosureStatus.PUBLISHED, plan__title="财务收支明细", corrects__isnull=True
    )
    for code in (URBAN, VILLAGE):
        mine = originals.filter(node__code=code)
        assert mine.count() >= 12
        assert all(d.lines.filter(direction="income").exists() for d in mine)
        assert all(d.lines.filter(direction="expense").exists() for d in mine)
    assert Disclosure.objects.filter(
        status=DisclosureStatus.PUBLISHED, area="party", period__contains="Q"
    ).exists()
    correction = Disclosure.objects.get(corrects__isnull=False)
    assert correction.status == DisclosureStatus.PUBLISHED
    assert correction.publication is not None and correction.corrects is not None
    assert correction.publication.corrects == correction.corrects.publication
    alerts = overdue_for(user=_login("demo-secretary"), today=timezone.localdate())
    assert [(a.plan.title, a.plan.node.code) for a in alerts] == [("财务收支明细", URBAN)]


def _check_what_the_logins_find(now: dt.datetime) -> None:
    resident = _login("demo-resident")
    reps = membership(
        resident, Matter.objects.get(title="垃圾分类投放点位调整").node.bodies.get(kind="representatives")
    )
    assert reps is not None
    notices = list(notices_open_for_resident(user=resident, now=now))
    objected = [n for n in notices if n.objections.filter(status=ObjectionStatus.PENDING).exists()]
    assert objected and objected[0].status == NoticeStatus.OPEN
    objection_submit(actor=resident, notice=objected[0], text="同意迁移，但请加装除臭设备。", now=now)
    # The representatives sit today: the demo resident is signed in and votes.
    today = [m for m in meetings_of_member(user=resident) if m.status == MeetingStatus.SCHEDULED]
    sitting = next(m for m in today if timezone.localtime(m.scheduled_at).date() == timezone.localdate())
    ballot_cast(actor=resident, meeting=sitting, member=reps, choice="for", now=now)
    evaluation_submit(actor=resident, matter=_matter("社区健身广场地面翻新"), rating="satisfied", now=now)
    assert {s.status for s in sayings_mine(user=resident)} == {"accepted", "answered"}

    secretary = _login("demo-secretary")
    assert matter_list_for(user=secretary).count() == Matter.objects.filter(node__code=URBAN).count()
    street = approval_list_for(user=_login("demo-street"), pending=True)
    assert [a.step.matter.title for a in street] == ["创举社区老旧供水管网改造"]
    assert Notice.objects.filter(node__code=VILLAGE, status=NoticeStatus.OPEN).exists()
    assert BodyKind.COUNCIL in set(Node.objects.get(code=URBAN).bodies.values_list("kind", flat=True))


def test_timeline_runs_acts_in_time_order_and_refuses_going_back() -> None:
    t0 = timezone.now()
    log: list[str] = []

    def story(name: str, offsets: list[int]) -> Iterator[dt.datetime]:
        for offset in offsets:
            yield t0 + dt.timedelta(hours=offset)
            log.append(f"{name}{offset}")

    run_timeline([story("a", [1, 4, 5]), story("b", [2, 3, 6])])
    assert log == ["a1", "b2", "b3", "a4", "a5", "b6"]
    with pytest.raises(ValueError, match="back in time"):
        run_timeline([story("c", [3, 1])])
