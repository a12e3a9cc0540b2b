"""Meetings of the representatives' stage of 四议两公开: who may call, record, vote, decide and sign,
before, on and after the meeting's day (time frozen), the result moving the matter, cancelling,
the scoped reads, and (PostgreSQL) ballots racing a decision."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from functools import partial
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from sanzhi.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town
from sanzhi.deliberation import flow
from sanzhi.deliberation.meetings import (
    attendance_record,
    ballot_cast,
    meeting_call,
    meeting_cancel,
    meeting_decide,
    meeting_record_count,
    meeting_sign,
)
from sanzhi.deliberation.models import (
    Attendance,
    Ballot,
    Matter,
    MatterEvent,
    MatterStatus,
    Meeting,
    MeetingResult,
    MeetingStatus,
    StepStatus,
)
from sanzhi.deliberation.selectors_meetings import meeting_get_for, meeting_list_for, meetings_of_member
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.meeting_kit import (
    BEFORE,
    CALL,
    DURING,
    LATER,
    MEETS,
    MORNING,
    PERSONAS,
    RUNNERS,
    Sitting,
    at,
    current,
    propose,
    sit,
    snapshot,
    walk_to,
)

MEMBERS_OF_REPS = {"secretary", "rep", "resident"}  # personas on the representatives' roster


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


@pytest.fixture
def sitting(world: DeliberationWorld) -> Sitting:
    return sit(world)


def decided(s: Sitting) -> None:
    """Five of six present, three for: the meeting passes (done at DURING)."""
    s.seat(present=["secretary", "rep", "resident", "x1", "x2"])
    s.vote({"secretary": "for", "rep": "for", "resident": "for", "x1": "against"})
    meeting_decide(actor=s.secretary, meeting=s.meeting, now=DURING)


# ---------------------------------------------------------------- calling


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_call_a_meeting(world: DeliberationWorld, persona: str) -> None:
    matter = propose(world)
    step = walk_to(world, matter, "daibiao_jueyi")
    actor = world.town.users[persona]
    with time_machine.travel(CALL, tick=False):
        if persona in RUNNERS:
            meeting = meeting_call(actor=actor, step=step, scheduled_at=MEETS, place="村委会议室")
            assert meeting.status == MeetingStatus.SCHEDULED
            assert meeting.body == world.bodies["representatives"]
            assert meeting.expected == 6 and meeting.attendance.count() == 6
            assert set(meeting.attendance.values_list("status", flat=True)) == {"unknown"}
            assert meeting.title == "村(居)民代表会议决议：修建村口文化广场"
            event = MatterEvent.objects.get(matter=matter, action="meeting_called")
            assert event.actor == actor and event.step == step and event.at == CALL
            assert event.data["expected"] == 6
            assert AuditEvent.objects.filter(action="deliberation.meeting_call", actor=actor).count() == 1
        else:
            before = snapshot()
            with pytest.raises(Forbidden) as err:
                meeting_call(actor=actor, step=step, scheduled_at=MEETS)
            assert err.value.code == "forbidden"
            assert snapshot() == before


def test_a_meeting_is_called_only_at_a_meeting_stage_once_and_not_for_a_past_day(
    world: DeliberationWorld,
) -> None:
    secretary = world.town.users["secretary"]
    matter = propose(world, "ti_yi_jue_ban_ping")
    proposal = current(matter)
    assert proposal.stage.kind == "proposal"
    with pytest.raises(ValidationFailed) as err:
        meeting_call(actor=secretary, step=proposal, scheduled_at=MEETS, now=CALL)
    assert err.value.code == "wrong_stage"

    step = walk_to(world, matter, "yi")
    with pytest.raises(ValidationFailed) as err:
        meeting_call(actor=secretary, step=step, scheduled_at=at(2026, 3, 8, 14), now=CALL)
    assert err.value.code == "meeting_in_past"
    with pytest.raises(ValidationFailed) as err:
        meeting_call(actor=secretary, step=step, scheduled_at=dt.datetime(2026, 3, 10, 14), now=CALL)  # noqa: DTZ001
    assert err.value.code == "invalid"
    # Later the same day is fine (a meeting held this afternoon).
    meeting = meeting_call(actor=secretary, step=step, scheduled_at=at(2026, 3, 9, 16), now=CALL)
    assert meeting.body == world.bodies["council"]
    with pytest.raises(Conflict) as conflict:
        meeting_call(actor=secretary, step=step, scheduled_at=MEETS, now=CALL)
    assert conflict.value.code == "meeting_exists"


def test_a_meeting_needs_the_stages_body_with_members(world: DeliberationWorld) -> None:
    from sanzhi.deliberation.bodies import body_member_remove

    secretary = world.town.users["secretary"]
    step = walk_to(world, propose(world), "daibiao_jueyi")
    reps = world.bodies["representatives"]
    for member in reps.members.all():
        body_member_remove(actor=secretary, member=member)
    with pytest.raises(ValidationFailed) as err:
        meeting_call(actor=secretary, step=step, scheduled_at=MEETS, now=CALL)
    assert err.value.code == "body_empty"
    type(reps).objects.filter(pk=reps.pk).update(active=False)
    with pytest.raises(ValidationFailed) as err:
        meeting_call(actor=secretary, step=step, scheduled_at=MEETS, now=CALL)
    assert err.value.code == "no_body" and err.value.data == {"body_kind": "representatives"}
    assert not Meeting.objects.exists()


def test_a_closed_step_takes_no_meeting(world: DeliberationWorld) -> None:
    secretary = world.town.users["secretary"]
    matter = propose(world)
    step = walk_to(world, matter, "daibiao_jueyi")
    flow.matter_withdraw(actor=secretary, matter=Matter.objects.get(pk=matter.pk), reason="撤回", now=CALL)
    with pytest.raises(Conflict) as err:
        meeting_call(actor=secretary, step=step, scheduled_at=MEETS, now=CALL)
    assert err.value.code == "step_closed"


# ---------------------------------------------------------------- attendance: persona × phase

PHASES = ("before", "midnight", "morning", "decided")


def _phase_time(s: Sitting, phase: str) -> dt.datetime:
    if phase == "decided":
        with time_machine.travel(DURING, tick=False):
            decided(s)
        return LATER
    # 00:30 on the meeting's day in Shanghai is still the day before in UTC.
    return {"before": BEFORE, "midnight": at(2026, 3, 10, 0, 30), "morning": MORNING}[phase]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_record_attendance_and_when(sitting: Sitting, persona: str, phase: str) -> None:
    s = sitting
    when = _phase_time(s, phase)
    actor = s.world.town.users[persona]
    member = s.members["x3"]
    with time_machine.travel(when, tick=False):
        before = snapshot()
        if persona not in RUNNERS:  # the reps' chair is the secretary: nobody else conducts it
            with pytest.raises(Forbidden):
                attendance_record(actor=actor, meeting=s.meeting, member=member, status="present")
        elif phase == "before":
            with pytest.raises(ValidationFailed) as err:
                attendance_record(actor=actor, meeting=s.meeting, member=member, status="present")
            assert err.value.code == "meeting_not_open"
            assert err.value.data == {"opens_on": "2026-03-10"}
        elif phase == "decided":
            with pytest.raises(Conflict) as conflict:
                attendance_record(actor=actor, meeting=s.meeting, member=member, status="present")
            assert conflict.value.code == "meeting_closed"
        else:
            row = attendance_record(actor=actor, meeting=s.meeting, member=member, status="present")
            assert row.status == "present"
            event = MatterEvent.objects.filter(action="attendance_recorded").last()
            assert event is not None and event.actor == actor and event.at == when
            assert event.data == {
                "meeting": s.meeting.pk,
                "member": member.pk,
                "status": "present",
                "proxy_holder": None,
            }
            return
        assert snapshot() == before


# ---------------------------------------------------------------- ballots: persona × phase


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_vote_and_when(sitting: Sitting, persona: str, phase: str) -> None:
    s = sitting
    when = _phase_time(s, phase)
    if phase in ("midnight", "morning"):
        s.seat(present=["secretary", "rep", "resident", "x1", "x2"], now=when)
    actor = s.world.town.users[persona]
    # A member votes as themselves; anyone else tries to cast an extra resident's vote.
    member = s.members[persona] if persona in MEMBERS_OF_REPS else s.members["x1"]
    with time_machine.travel(when, tick=False):
        before = snapshot()
        if persona not in MEMBERS_OF_REPS:
            with pytest.raises(Forbidden):
                ballot_cast(actor=actor, meeting=s.meeting, member=member, choice="for")
        elif phase == "before":
            with pytest.raises(ValidationFailed) as err:
                ballot_cast(actor=actor, meeting=s.meeting, member=member, choice="for")
            assert err.value.code == "meeting_not_open"
        elif phase == "decided":
            with pytest.raises(Conflict) as conflict:
                ballot_cast(actor=actor, meeting=s.meeting, member=member, choice="for")
            assert conflict.value.code == "meeting_closed"
        else:
            ballot = ballot_cast(actor=actor, meeting=s.meeting, member=member, choice="against")
            assert ballot.member == member and ballot.choice == "against" and not ballot.by_proxy
            assert ballot.cast_at == when
            assert Attendance.objects.get(meeting=s.meeting, member=member).voted
            event = MatterEvent.objects.get(action="ballot_cast")
            assert event.actor == actor and event.data["choice"] == "against"
            return
        assert snapshot() == before


def test_a_member_votes_only_for_themselves(sitting: Sitting) -> None:
    s = sitting
    s.seat(present=["secretary", "rep", "resident", "x1"], now=MORNING)
    before = snapshot()
    for voter, member in (("rep", "resident"), ("resident", "x1"), ("x1", "secretary")):
        with pytest.raises(Forbidden):
            ballot_cast(
                actor=s.user(voter), meeting=s.meeting, member=s.members[member], choice="for", now=DURING
            )
    with pytest.raises(Forbidden):
        ballot_cast(
            actor=AnonymousUser(), meeting=s.meeting, member=s.members["x1"], choice="for", now=DURING
        )
    assert snapshot() == before


def test_a_member_not_signed_in_cannot_vote_and_a_bad_choice_is_refused(sitting: Sitting) -> None:
    s = sitting
    with pytest.raises(ValidationFailed) as err:
        ballot_cast(actor=s.user("x2"), meeting=s.meeting, member=s.members["x2"], choice="for", now=MORNING)
    assert err.value.code == "not_present"
    s.seat(present=["x2"], now=MORNING)
    with pytest.raises(ValidationFailed) as err:
        ballot_cast(actor=s.user("x2"), meeting=s.meeting, member=s.members["x2"], choice="yes", now=MORNING)
    assert err.value.code == "invalid"


# ---------------------------------------------------------------- deciding: persona × phase


@pytest.mark.parametrize("phase", ("morning", "during", "decided"))
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_decide_and_when(sitting: Sitting, persona: str, phase: str) -> None:
    s = sitting
    if phase == "decided":
        with time_machine.travel(DURING, tick=False):
            decided(s)
        when = LATER
    else:
        s.seat(present=["secretary", "rep", "resident", "x1", "x2"], now=MORNING)
        s.vote({"secretary": "for", "rep": "for", "resident": "for"}, now=MORNING)
        when = MORNING if phase == "morning" else MEETS  # exactly at the scheduled time counts
    actor = s.world.town.users[persona]
    with time_machine.travel(when, tick=False):
        before = snapshot()
        if persona not in RUNNERS:
            with pytest.raises(Forbidden):
                meeting_decide(actor=actor, meeting=s.meeting)
        elif phase == "morning":
            with pytest.raises(ValidationFailed) as err:
                meeting_decide(actor=actor, meeting=s.meeting)
            assert err.value.code == "meeting_not_started"
        elif phase == "decided":
            with pytest.raises(Conflict) as conflict:
                meeting_decide(actor=actor, meeting=s.meeting)
            assert conflict.value.code == "meeting_closed"
        else:
            meeting = meeting_decide(actor=actor, meeting=s.meeting)
            assert meeting.status == MeetingStatus.DECIDED and meeting.result == MeetingResult.PASSED
            assert (meeting.present, meeting.votes_for, meeting.votes_against, meeting.votes_abstain) == (
                5,
                3,
                0,
                0,
            )
            assert meeting.decided_at == MEETS
            step = type(s.step).objects.get(pk=s.step.pk)
            assert step.status == StepStatus.PASSED and step.closed_by == actor
            assert "应到6人，实到5人；赞成3票，反对0票，弃权0票" in step.outcome
            assert current(s.matter).stage.code == "jueyi_gongkai"
            return
        assert snapshot() == before


# ---------------------------------------------------------------- minutes: persona × phase


@pytest.mark.parametrize("phase", ("scheduled", "decided", "signed"))
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_sign_the_minutes_and_when(sitting: Sitting, persona: str, phase: str) -> None:
    s = sitting
    if phase != "scheduled":
        with time_machine.travel(DURING, tick=False):
            decided(s)
    if phase == "signed":
        meeting_sign(actor=s.secretary, meeting=s.meeting, minutes="会议记录：通过。", now=LATER)
    actor = s.world.town.users[persona]
    with time_machine.travel(LATER, tick=False):
        before = snapshot()
        if persona not in RUNNERS:
            with pytest.raises(Forbidden):
                meeting_sign(actor=actor, meeting=s.meeting, minutes="记录")
        elif phase == "scheduled":
            with pytest.raises(Conflict) as conflict:
                meeting_sign(actor=actor, meeting=s.meeting, minutes="记录")
            assert conflict.value.code == "meeting_not_decided"
        elif phase == "signed":
            with pytest.raises(Conflict) as conflict:
                meeting_sign(actor=actor, meeting=s.meeting, minutes="记录")
            assert conflict.value.code == "meeting_signed"
        else:
            with pytest.raises(ValidationFailed):
                meeting_sign(actor=actor, meeting=s.meeting, minutes="  ")
            meeting = meeting_sign(actor=actor, meeting=s.meeting, minutes="会议记录：赞成3票，通过。")
            assert meeting.status == MeetingStatus.SIGNED and meeting.signed_by == actor
            assert meeting.signed_at == LATER and meeting.minutes.startswith("会议记录")
            assert MatterEvent.objects.filter(action="minutes_signed", actor=actor).count() == 1
            return
        assert snapshot() == before


def test_the_council_chair_conducts_the_council_meeting_but_does_not_call_or_decide(
    world: DeliberationWorld,
) -> None:
    """议事会 of 提-议-决-办-评: the council member chairs it without holding deliberation.run."""
    s = sit(world, "yi", template="ti_yi_jue_ban_ping")
    council = world.town.users["council"]
    assert s.meeting.body == world.bodies["council"]
    with pytest.raises(Forbidden):
        meeting_call(actor=council, step=s.step, scheduled_at=MEETS, now=CALL)
    attendance_record(
        actor=council, meeting=s.meeting, member=s.members["council"], status="present", now=DURING
    )
    for key in ("rep", "x1", "x2"):
        attendance_record(
            actor=council, meeting=s.meeting, member=s.members[key], status="present", now=DURING
        )
    meeting_record_count(
        actor=council, meeting=s.meeting, votes_for=3, votes_against=1, votes_abstain=0, now=DURING
    )
    with pytest.raises(Forbidden):
        meeting_decide(actor=council, meeting=s.meeting, now=DURING)
    with pytest.raises(Forbidden):
        meeting_cancel(actor=council, meeting=s.meeting, reason="改期", now=DURING)
    # 4 of 6 present is more than half; 3 for of all 6 members is not more than half (base: members).
    meeting = meeting_decide(actor=s.secretary, meeting=s.meeting, now=DURING)
    assert meeting.result == MeetingResult.FAILED
    meeting = meeting_sign(actor=council, meeting=s.meeting, minutes="议事会记录", now=LATER)
    assert meeting.signed_by == council
    # The rep sits on the council but does not chair it.
    with pytest.raises(Forbidden):
        meeting_sign(actor=world.town.users["rep"], meeting=s.meeting, minutes="记录", now=LATER)


# ---------------------------------------------------------------- the result moves the matter


def test_a_passed_meeting_moves_the_matter_on_with_its_events(sitting: Sitting) -> None:
    s = sitting
    decided(s)
    actions = list(MatterEvent.objects.filter(matter=s.matter).values_list("action", flat=True))
    tail = actions[actions.index("meeting_called") :]
    assert tail[:6] == ["meeting_called"] + ["attendance_recorded"] * 5
    assert tail[6:] == ["ballot_cast"] * 4 + ["meeting_decided", "stage_passed", "stage_opened"]
    passed = MatterEvent.objects.get(matter=s.matter, action="stage_passed", step=s.step)
    assert passed.data["meeting"] == s.meeting.pk and passed.data["result"] == "passed"
    audits = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "deliberation.meeting_call",
        "deliberation.attendance_record",
        "deliberation.ballot_cast",
        "deliberation.meeting_decide",
        "deliberation.stage_passed",
    } <= audits
    assert Matter.objects.get(pk=s.matter.pk).status == MatterStatus.ACTIVE


def test_a_failed_meeting_rejects_the_matter_and_says_why(sitting: Sitting) -> None:
    s = sitting
    s.seat(present=["secretary", "rep", "resident", "x1", "x2"])
    s.vote({"secretary": "for", "rep": "against", "resident": "against", "x1": "abstain", "x2": "for"})
    meeting = meeting_decide(actor=s.secretary, meeting=s.meeting, now=DURING)
    assert meeting.status == MeetingStatus.DECIDED and meeting.result == MeetingResult.FAILED
    step = type(s.step).objects.get(pk=s.step.pk)
    assert step.status == StepStatus.FAILED and "未获规定多数同意" in step.outcome
    failed = MatterEvent.objects.get(matter=s.matter, action="stage_failed")
    assert failed.data["reason"] == "no_majority" and failed.data["votes_for"] == 2
    matter = Matter.objects.get(pk=s.matter.pk)
    assert matter.status == MatterStatus.REJECTED and matter.current_step is None
    # Failed or passed, the minutes are signed.
    assert meeting_sign(actor=s.secretary, meeting=meeting, minutes="未通过", now=LATER).status == "signed"


def test_a_failed_meeting_with_return_to_sends_the_matter_back(sitting: Sitting) -> None:
    s = sitting
    s.step.stage.return_to = "dangyuan_shenyi"
    s.step.stage.save(update_fields=["return_to"])
    s.seat(present=["secretary", "rep", "resident", "x1", "x2"])
    meeting_record_count(
        actor=s.secretary, meeting=s.meeting, votes_for=1, votes_against=4, votes_abstain=0, now=DURING
    )
    meeting_decide(actor=s.secretary, meeting=s.meeting, now=DURING)
    back = current(s.matter)
    assert back.stage.code == "dangyuan_shenyi" and back.round == 2


# ---------------------------------------------------------------- cancelling


def test_cancelling_a_meeting(sitting: Sitting) -> None:
    s = sitting
    for persona in PERSONAS:
        if persona not in RUNNERS:
            with pytest.raises(Forbidden):
                meeting_cancel(
                    actor=s.world.town.users[persona], meeting=s.meeting, reason="改期", now=BEFORE
                )
    with pytest.raises(ValidationFailed):
        meeting_cancel(actor=s.secretary, meeting=s.meeting, reason=" ", now=BEFORE)
    meeting = meeting_cancel(actor=s.secretary, meeting=s.meeting, reason="场地冲突，改期", now=BEFORE)
    assert meeting.status == MeetingStatus.CANCELLED
    assert MatterEvent.objects.get(action="meeting_cancelled").note == "场地冲突，改期"
    with pytest.raises(Conflict) as conflict:
        attendance_record(
            actor=s.secretary, meeting=meeting, member=s.members["x1"], status="present", now=DURING
        )
    assert conflict.value.code == "meeting_closed"
    with pytest.raises(Conflict):
        meeting_cancel(actor=s.secretary, meeting=meeting, reason="再取消", now=BEFORE)
    # A new meeting may be called for the step.
    again = meeting_call(actor=s.secretary, step=s.step, scheduled_at=LATER, now=BEFORE)
    assert again.status == MeetingStatus.SCHEDULED


def test_withdrawing_the_matter_cancels_its_meeting(sitting: Sitting) -> None:
    s = sitting
    flow.matter_withdraw(
        actor=s.secretary, matter=Matter.objects.get(pk=s.matter.pk), reason="撤回", now=BEFORE
    )
    s.meeting.refresh_from_db()
    assert s.meeting.status == "cancelled"
    with pytest.raises(Conflict) as conflict:
        attendance_record(
            actor=s.secretary, meeting=s.meeting, member=s.members["x1"], status="present", now=DURING
        )
    assert conflict.value.code in {"step_closed", "meeting_closed"}


# ---------------------------------------------------------------- the roster is frozen when called


def test_the_roster_is_frozen_when_the_meeting_is_called(sitting: Sitting) -> None:
    from sanzhi.deliberation.bodies import body_member_add, body_member_remove

    s = sitting
    body = s.meeting.body
    wang = s.world.town.residents["wang"]
    newcomer = body_member_add(actor=s.secretary, body=body, resident=wang)
    body_member_remove(actor=s.secretary, member=s.members["x3"])
    with pytest.raises(ValidationFailed) as err:
        attendance_record(actor=s.secretary, meeting=s.meeting, member=newcomer, status="present", now=DURING)
    assert err.value.code == "not_on_roster"
    # The member who left since still sits and votes at this meeting.
    s.seat(present=["x3"])
    s.vote({"x3": "for"})
    assert Meeting.objects.get(pk=s.meeting.pk).expected == 6


# ---------------------------------------------------------------- scoped reads


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_the_meeting(sitting: Sitting, persona: str) -> None:
    s = sitting
    user = s.world.town.users[persona]
    # Staff with deliberation.view over 创举社区 (the grid worker's covers one grid only, below
    # the community's node), and the members of the representatives.
    sees = persona in {"secretary", "street", "council"} | MEMBERS_OF_REPS
    assert (s.meeting in meeting_list_for(user=user)) is sees
    if sees:
        assert meeting_get_for(user=user, pk=s.meeting.pk) == s.meeting
    else:
        with pytest.raises(NotFound):
            meeting_get_for(user=user, pk=s.meeting.pk)
    assert (s.meeting in meetings_of_member(user=user)) is (persona in MEMBERS_OF_REPS)


def test_meeting_list_filters(sitting: Sitting) -> None:
    s = sitting
    town = s.world.town
    street = town.users["street"]
    assert list(meeting_list_for(user=street, under=town.village)) == [s.meeting]
    assert list(meeting_list_for(user=street, under=town.other_village)) == []
    assert list(meeting_list_for(user=street, upcoming=True)) == [s.meeting]
    assert list(meeting_list_for(user=street, upcoming=False)) == []
    decided(s)
    assert list(meeting_list_for(user=street, upcoming=True)) == []
    assert list(meeting_list_for(user=street, upcoming=False)) == [s.meeting]
    assert list(meeting_list_for(user=AnonymousUser())) == []


def test_a_former_member_still_sees_the_meetings_they_sat_in(sitting: Sitting) -> None:
    from sanzhi.deliberation.bodies import body_member_remove

    s = sitting
    rep = s.world.town.users["rep"]
    body_member_remove(actor=s.secretary, member=s.members["rep"])
    body_member_remove(actor=s.secretary, member=s.world.bodies["council"].members.get(user=rep))
    assert list(meeting_list_for(user=rep)) == [s.meeting]
    assert list(meetings_of_member(user=rep)) == [s.meeting]


def test_meeting_list_query_count(sitting: Sitting, django_assert_max_num_queries: Any) -> None:
    s = sitting
    for _ in range(3):
        sit(s.world)
    user = s.world.town.users["resident"]
    with django_assert_max_num_queries(3):
        rows = [(m.body.name, m.step.stage.code, m.step.matter.title) for m in meeting_list_for(user=user)]
    assert len(rows) == 4


# ---------------------------------------------------------------- races (PostgreSQL)


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_ballots_racing_a_decision_never_disagree_with_the_count(town: Town) -> None:
    from sanzhi.grids.tests.test_concurrency import run_together

    world = build_deliberation_world(town)
    outcomes: Counter[str] = Counter()
    for round_ in range(4):
        s = sit(world)
        s.seat(present=["secretary", "rep", "resident", "x1", "x2"])
        s.vote({"x1": "for", "x2": "for", "secretary": "for"})
        results = run_together(
            partial(
                ballot_cast,
                actor=s.user("rep"),
                meeting=s.meeting,
                member=s.members["rep"],
                choice="against",
                now=DURING,
            ),
            partial(
                ballot_cast,
                actor=s.user("resident"),
                meeting=s.meeting,
                member=s.members["resident"],
                choice="abstain",
                now=DURING,
            ),
            partial(meeting_decide, actor=s.secretary, meeting=s.meeting, now=DURING),
        )
        assert isinstance(results[2], Meeting), results
        for late in results[:2]:
            if isinstance(late, DomainError):
                assert late.code in {"meeting_closed", "step_closed"}, late
                outcomes["late"] += 1
            else:
                assert isinstance(late, Ballot), late
                outcomes["counted"] += 1
        meeting = Meeting.objects.get(pk=s.meeting.pk)
        tally = Counter(Ballot.objects.filter(meeting=meeting).values_list("choice", flat=True))
        assert (meeting.votes_for, meeting.votes_against, meeting.votes_abstain) == (
            tally["for"],
            tally["against"],
            tally["abstain"],
        ), round_
        voted = Attendance.objects.filter(meeting=meeting, voted=True).count()
        assert voted == sum(tally.values())
        assert meeting.result == MeetingResult.PASSED  # 3 for of 5 present whatever the order
    assert sum(outcomes.values()) == 8


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_same_member_voting_twice_at_once_lands_once(town: Town) -> None:
    from sanzhi.grids.tests.test_concurrency import run_together

    world = build_deliberation_world(town)
    s = sit(world)
    s.seat(present=["secretary", "rep", "resident", "x1", "x2"])
    results = run_together(
        *[
            partial(
                ballot_cast,
                actor=s.user("resident"),
                meeting=s.meeting,
                member=s.members["resident"],
                choice=choice,
                now=DURING,
            )
            for choice in ("for", "against", "for", "abstain")
        ]
    )
    landed = [r for r in results if isinstance(r, Ballot)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(landed) == 1 and len(refused) == 3, results
    assert {e.code for e in refused} == {"already_voted"}
    assert Ballot.objects.filter(meeting=s.meeting).count() == 1
    assert Ballot.objects.get(meeting=s.meeting).choice == landed[0].choice
