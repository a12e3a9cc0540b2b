"""Helpers for the meeting and approval suites (task delib-meet): put a matter forward, walk it to a
meeting or approval stage, call the meeting, seat and vote members, snapshot what a refused call
must leave unchanged.

``walk_to`` passes the earlier steps with ``flow.step_finish`` directly (a stand-in for their own
meetings, which the suites test where they matter).

Times: the meeting is called the day before (CALL) for 14:00 local on its day (MEETS); BEFORE is
the evening before, MORNING its day before 14:00, DURING after 14:00.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from sanzhi.accounts.models import User
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import make_user
from sanzhi.deliberation import flow
from sanzhi.deliberation.meetings import attendance_record, ballot_cast, meeting_call
from sanzhi.deliberation.models import (
    Approval,
    Attendance,
    Ballot,
    BodyKind,
    BodyMember,
    Matter,
    MatterEvent,
    MatterStep,
    MatterType,
    Meeting,
    StepStatus,
)
from sanzhi.deliberation.testing import DeliberationWorld

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
PERSONAS = ("resident", "rep", "gridworker", "secretary", "street", "council", "outsider", "nobody")
RUNNERS = frozenset({"secretary", "street"})  # deliberation.run at 创举社区


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


CALL = at(2026, 3, 9, 10)
BEFORE = at(2026, 3, 9, 20)
MEETS = at(2026, 3, 10, 14)
MORNING = at(2026, 3, 10, 9)
DURING = at(2026, 3, 10, 15)
LATER = at(2026, 3, 11, 10)

# Which stage of which procedure meets as which body (build_deliberation_world's members).
STAGE_BODY = {
    "dang_tiyi": BodyKind.PARTY_ORG,  # 5: secretary (chair), council, 代表1-3; base: members
    "liangwei_shangyi": BodyKind.TWO_COMMITTEES,  # 5: secretary (chair), council, gridworker, 代表1-2
    "dangyuan_shenyi": BodyKind.PARTY_MEMBERS,  # 6: secretary (chair), council, 代表1-4
    "daibiao_jueyi": BodyKind.REPRESENTATIVES,  # 6: secretary (chair), rep, 张建国, 代表1-3; proxies
    "yi": BodyKind.COUNCIL,  # 6: council (chair), rep, 代表1-4
}


def propose(
    world: DeliberationWorld,
    template: str = "siyi_liangkai",
    *,
    major: bool = False,
    now: dt.datetime = CALL,
    title: str = "修建村口文化广场",
) -> Matter:
    town = world.town
    return flow.matter_propose(
        actor=town.users["secretary"],
        node=town.village,
        procedure=world.procedures[template],
        title=title,
        matter_type=MatterType.PROJECT,
        amount_fen=8_000_000 if major else 300_000,  # 8万元 is major (≥ 5万元)
        now=now,
    )


def current(matter: Matter) -> MatterStep:
    matter = Matter.objects.get(pk=matter.pk)
    assert matter.current_step_id is not None
    return MatterStep.objects.select_related("stage", "matter").get(pk=matter.current_step_id)


def walk_to(world: DeliberationWorld, matter: Matter, code: str, *, now: dt.datetime = CALL) -> MatterStep:
    for _ in range(20):
        step = current(matter)
        if step.stage.code == code:
            return step
        flow.step_finish(
            actor=world.town.users["secretary"], step=step, outcome=StepStatus.PASSED, note="通过", now=now
        )
    raise AssertionError(f"stage {code} never opened")


def give_logins(world: DeliberationWorld) -> dict[str, User]:
    """Logins for the extra residents (代表1-4), so they can vote themselves: ``x1`` … ``x4``."""
    users: dict[str, User] = {}
    for member in BodyMember.objects.filter(user__isnull=True, resident__isnull=False).select_related(
        "resident"
    ):
        resident = member.resident
        assert resident is not None
        key = "x" + resident.name.removeprefix("代表")
        if key in users:
            continue
        if resident.user_id is None:
            resident.user = make_user(key)
            resident.save(update_fields=["user"])
        users[key] = resident.user  # type: ignore[assignment]
    return users


@dataclass
class Sitting:
    """A called meeting with its roster by key: personas (secretary, rep, resident, council,
    gridworker) and the extra residents x1 … x4."""

    world: DeliberationWorld
    matter: Matter
    step: MatterStep
    meeting: Meeting
    members: dict[str, BodyMember] = field(default_factory=dict)
    logins: dict[str, User] = field(default_factory=dict)

    @property
    def secretary(self) -> User:
        return self.world.town.users["secretary"]

    def user(self, key: str) -> User:
        return self.logins.get(key) or self.world.town.users[key]

    def refresh(self) -> Meeting:
        self.meeting = Meeting.objects.get(pk=self.meeting.pk)
        return self.meeting

    def seat(
        self,
        present: list[str] | tuple[str, ...] = (),
        absent: list[str] | tuple[str, ...] = (),
        proxies: dict[str, str] | None = None,
        *,
        now: dt.datetime = DURING,
    ) -> None:
        chair = self.chair_user()
        for key in present:
            attendance_record(
                actor=chair, meeting=self.meeting, member=self.members[key], status="present", now=now
            )
        for key in absent:
            attendance_record(
                actor=chair, meeting=self.meeting, member=self.members[key], status="absent", now=now
            )
        for key, holder in (proxies or {}).items():
            attendance_record(
                actor=chair,
                meeting=self.meeting,
                member=self.members[key],
                status="proxy",
                proxy_holder=self.members[holder],
                now=now,
            )

    def vote(
        self, choices: dict[str, str], *, by: dict[str, str] | None = None, now: dt.datetime = DURING
    ) -> None:
        """``choices``: member key → choice; ``by``: member key → the key of who casts it (proxy)."""
        for key, choice in choices.items():
            voter = (by or {}).get(key, key)
            ballot_cast(
                actor=self.user(voter), meeting=self.meeting, member=self.members[key], choice=choice, now=now
            )

    def chair_user(self) -> User:
        # The secretary runs deliberation at 创举社区: they record attendance at every body's meeting.
        return self.secretary


def member_key(member: BodyMember, world: DeliberationWorld) -> str:
    for persona, user in world.town.users.items():
        if member.user_id == user.pk:
            return persona
    assert member.resident is not None
    return "x" + member.resident.name.removeprefix("代表")


def sit(
    world: DeliberationWorld,
    code: str = "daibiao_jueyi",
    *,
    template: str = "siyi_liangkai",
    major: bool = False,
    scheduled_at: dt.datetime = MEETS,
    now: dt.datetime = CALL,
    secret: bool | None = None,
    quorum_strict: bool | None = None,
    allows_proxy: bool | None = None,
) -> Sitting:
    """A matter walked to the meeting stage ``code`` and its meeting called (stage data changed
    first where asked: a community's own variant of the template)."""
    matter = propose(world, template, major=major, now=now)
    step = walk_to(world, matter, code, now=now)
    stage = step.stage
    changes = {"secret_ballot": secret, "quorum_strict": quorum_strict, "allows_proxy": allows_proxy}
    for name, value in changes.items():
        if value is not None:
            setattr(stage, name, value)
    stage.save()
    meeting = meeting_call(
        actor=world.town.users["secretary"], step=step, scheduled_at=scheduled_at, agenda="议程", now=now
    )
    members = {
        member_key(a.member, world): a.member
        for a in Attendance.objects.filter(meeting=meeting).select_related("member__resident")
    }
    return Sitting(world, matter, current(matter), meeting, members, give_logins(world))


def snapshot() -> tuple[Any, ...]:
    """Everything a refused call must leave as it was."""
    return (
        list(Meeting.objects.order_by("id").values_list()),
        list(Attendance.objects.order_by("id").values_list()),
        list(Ballot.objects.order_by("id").values_list()),
        list(Approval.objects.order_by("id").values_list()),
        list(MatterStep.objects.order_by("id").values_list()),
        list(Matter.objects.order_by("id").values_list("id", "status", "current_step_id", "closed_at")),
        MatterEvent.objects.count(),
        AuditEvent.objects.count(),
    )
