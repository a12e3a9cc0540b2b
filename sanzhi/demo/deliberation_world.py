"""The demo's deliberation world: the timeline that runs every story's acts in time order, the
date stamps, the places, their people and bodies (used by deliberation_stories and deliberation)."""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import models
from django.db.models import Max
from django.utils import timezone

from sanzhi.accounts.models import User
from sanzhi.accounts.roles import Role
from sanzhi.accounts.services import role_assign
from sanzhi.deliberation.bodies import body_create, body_member_add
from sanzhi.deliberation.evaluation import evaluation_submit
from sanzhi.deliberation.flow import matter_propose
from sanzhi.deliberation.implementation import task_add, task_progress
from sanzhi.deliberation.meetings import (
    attendance_record,
    ballot_cast,
    meeting_call,
    meeting_decide,
    meeting_record_count,
    meeting_sign,
)
from sanzhi.deliberation.models import (
    AttendanceStatus,
    Body,
    BodyMember,
    Matter,
    MatterStep,
    MatterType,
    Meeting,
    Notice,
    Procedure,
    Task,
)
from sanzhi.deliberation.notices import notice_close, notice_open
from sanzhi.deliberation.procedures import procedure_adopt
from sanzhi.deliberation.proposals import proposal_accept
from sanzhi.demo.guard import DEMO_USER_PREFIX
from sanzhi.grids.models import Node
from sanzhi.people.codes import Relation
from sanzhi.people.models import Resident

URBAN_CODE = "511923001001"  # 创举社区
VILLAGE_CODE = "511923101201"  # 鹿鸣村
STREET_CODE = "511923001000"
TOWNSHIP_CODE = "511923101000"
# Residents of 创举社区 (and two of 鹿鸣村) who use the resident pages: they sit on the bodies,
# object to notices and rate results. Generated logins with unusable passwords, like the staff.
URBAN_RESIDENT_USERS = 6
VILLAGE_RESIDENT_USERS = 2
PLACES = {URBAN_CODE: "社区党群服务中心二楼会议室", VILLAGE_CODE: "鹿鸣村便民服务中心会议室"}


@dataclass
class DeliberationSummary:
    procedures: int = 0
    bodies: int = 0
    members: int = 0
    matters: Counter[str] = field(default_factory=Counter)  # by status
    meetings: int = 0
    notices: int = 0
    objections: int = 0
    sayings: int = 0
    evaluations: int = 0
    disclosures: int = 0
    corrections: int = 0
    overdue: int = 0
    chain: int = 0
    seconds: float = 0.0


# ---------------------------------------------------------------- the timeline

Story = Iterator[dt.datetime]


def run_timeline(stories: Iterable[Story]) -> None:
    """Run every story's acts in time order. A story yields when its next act happens; the code
    after the ``yield`` is that act. A story going back in time is a bug in the story."""
    heap: list[tuple[dt.datetime, int, Story]] = []
    for index, story in enumerate(stories):
        first = next(story, None)
        if first is not None:
            heapq.heappush(heap, (first, index, story))
    while heap:
        when, index, story = heapq.heappop(heap)
        following = next(story, None)
        if following is None:
            continue
        if following < when:
            raise ValueError(f"demo story {index} goes back in time: {following} < {when}")
        heapq.heappush(heap, (following, index, story))


class Stamps:
    """When each row was really made in the story: ``created_at`` is the wall clock's
    (auto_now_add), so the demo dates its rows back once everything is built."""

    def __init__(self) -> None:
        self.rows: dict[type[models.Model], dict[int, dt.datetime]] = {}

    def note(self, obj: models.Model, when: dt.datetime) -> None:
        self.rows.setdefault(type(obj), {})[obj.pk] = when

    def apply(self) -> None:
        for model, stamps in self.rows.items():
            objs = [model(pk=pk, created_at=when, updated_at=when) for pk, when in stamps.items()]
            model._default_manager.bulk_update(objs, ["created_at", "updated_at"], batch_size=500)
        # A matter was last changed by its latest event.
        latest = Matter.objects.annotate(last=Max("events__at")).values_list("pk", "last")
        Matter.objects.bulk_update(
            [Matter(pk=pk, updated_at=last) for pk, last in latest if last is not None],
            ["updated_at"],
            batch_size=500,
        )


# ---------------------------------------------------------------- a community and its people


@dataclass
class Place:
    node: Node
    secretary: User
    approver: User
    residents: list[User]  # resident logins (the generated ones; demo-resident apart)
    procedures: dict[str, Procedure] = field(default_factory=dict)
    bodies: dict[str, Body] = field(default_factory=dict)


def demo_user(username: str) -> User:
    return User.objects.get(username=username)


def _resident_logins(node: Node, count: int, skip_households: set[int]) -> list[User]:
    """Heads of households in different micro-grids of ``node`` get a login (role 居民)."""
    heads = (
        Resident.objects.filter(node_path__startswith=node.path, relation=Relation.HEAD)
        .exclude(household_id__in=skip_households)
        .exclude(user__isnull=False)
        .order_by("node_path", "id")
    )
    chosen: list[Resident] = []
    seen: set[str] = set()
    for head in heads.iterator(chunk_size=500):
        if head.node_path in seen or len(head.node_path) <= len(node.path):
            continue
        seen.add(head.node_path)
        chosen.append(head)
        if len(chosen) == count:
            break
    unusable = make_password(None)
    users = []
    for i, head in enumerate(chosen, start=1):
        user = User.objects.create(
            username=f"{DEMO_USER_PREFIX}res-{node.code}-{i}", password=unusable, display_name=head.name
        )
        Resident.objects.filter(pk=head.pk).update(user=user)
        role_assign(
            actor=None, user=user, role=Role.RESIDENT, node=Node.objects.get(pk=head.household.node_id)
        )
        users.append(user)
    return users


def registry_residents(
    node: Node, rng: random.Random, count: int, *, party: bool, exclude: set[int]
) -> list[Resident]:
    """Adults of ``node`` (party members for the party's bodies) who sit on its bodies."""
    adults = Resident.objects.filter(
        node_path__startswith=node.path, birth_date__lte=dt.date(1990, 1, 1), user__isnull=True
    ).exclude(pk__in=exclude)
    if party:
        adults = adults.filter(political_status__in=["01", "02"])
    pool = list(adults.order_by("id").values_list("pk", flat=True)[:400])
    picked = rng.sample(pool, min(count, len(pool)))
    return list(Resident.objects.filter(pk__in=picked).order_by("id"))


class World:
    def __init__(self, rng: random.Random, now: dt.datetime, stamps: Stamps, summary: DeliberationSummary):
        self.rng, self.now, self.stamps, self.summary = rng, now, stamps, summary
        self.today = timezone.localtime(now).date()

    # ------------------------------------------------------------ time

    def ago(self, days: int, hour: int, minute: int | None = None) -> dt.datetime:
        """``days`` before today at ``hour`` (local time), never after now."""
        day = self.today - dt.timedelta(days=days)
        minute = self.rng.randrange(60) if minute is None else minute
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
        return min(at, self.now - dt.timedelta(minutes=max(days, 1)))

    def ahead(self, days: int, hour: int) -> dt.datetime:
        return timezone.make_aware(
            dt.datetime.combine(self.today + dt.timedelta(days=days), dt.time(hour, 0))
        )

    # ------------------------------------------------------------ setting up

    def place(self, code: str, *, secretary: str, approver: str, residents: int) -> Place:
        node = Node.objects.get(code=code)
        skip = set(Resident.objects.filter(user__isnull=False).values_list("household_id", flat=True))
        return Place(
            node=node,
            secretary=demo_user(secretary),
            approver=demo_user(approver),
            residents=_resident_logins(node, residents, skip),
        )

    def adopt(self, place: Place, templates: Iterable[str], when: dt.datetime) -> None:
        for key in templates:
            procedure = procedure_adopt(actor=place.secretary, template=key, node=place.node)
            place.procedures[key] = procedure
            self.stamps.note(procedure, when)
            self.summary.procedures += 1

    def body(
        self,
        place: Place,
        kind: str,
        name: str,
        members: list[tuple[Any, str, bool]],
        when: dt.datetime,
    ) -> Body:
        """A body and its members: (a User or a Resident, title, is_chair)."""
        body = body_create(actor=place.secretary, node=place.node, kind=kind, name=name)
        self.stamps.note(body, when)
        for who, title, chair in members:
            if isinstance(who, Resident):
                body_member_add(actor=place.secretary, body=body, resident=who, title=title, is_chair=chair)
            else:
                linked = Resident.objects.filter(user=who).first()
                body_member_add(
                    actor=place.secretary, body=body, user=who, resident=linked, title=title, is_chair=chair
                )
            self.summary.members += 1
        place.bodies[kind] = body
        self.summary.bodies += 1
        return body

    # ------------------------------------------------------------ pieces of a matter's way

    def propose(
        self,
        place: Place,
        template: str,
        title: str,
        description: str,
        when: dt.datetime,
        *,
        actor: User | None = None,
        matter_type: str = MatterType.ORDINARY,
        amount_fen: int | None = None,
        body_kind: str = "",
    ) -> Matter:
        matter = matter_propose(
            actor=actor or place.secretary,
            node=place.node,
            procedure=place.procedures[template],
            title=title,
            description=description,
            matter_type=matter_type,
            amount_fen=amount_fen,
            proposer_body=place.bodies.get(body_kind) if body_kind else None,
            now=when,
        )
        self.stamps.note(matter, when)
        return matter

    @staticmethod
    def step(matter: Matter) -> MatterStep:
        fresh = Matter.objects.select_related("current_step__stage").get(pk=matter.pk)
        assert fresh.current_step is not None, f"{matter.title} has no open step"
        return fresh.current_step

    def call(
        self, place: Place, matter: Matter, when: dt.datetime, at: dt.datetime, agenda: str = ""
    ) -> Meeting:
        step = self.step(matter)
        meeting = meeting_call(
            actor=place.secretary,
            step=step,
            scheduled_at=at,
            agenda=agenda or f"审议《{matter.title}》",
            place=PLACES[place.node.code],
            now=when,
        )
        self.stamps.note(meeting, when)
        self.summary.meetings += 1
        return meeting

    def attend(
        self, place: Place, meeting: Meeting, when: dt.datetime, *, absent: int = 1, proxy: int = 0
    ) -> list[BodyMember]:
        """Sign-in: everyone present but ``absent`` members, and ``proxy`` more who gave a written
        proxy to a member present. The chair is always there. Returns the members present in person."""
        roster = list(
            BodyMember.objects.filter(pk__in=meeting.attendance.values("member_id")).order_by(
                "-is_chair", "id"
            )
        )
        away = self.rng.sample(roster[1:], min(absent + proxy, len(roster) - 1))
        present = [m for m in roster if m not in away]
        for member in present:
            attendance_record(
                actor=place.secretary,
                meeting=meeting,
                member=member,
                status=AttendanceStatus.PRESENT,
                now=when,
            )
        holders = iter(present[1:])
        for i, member in enumerate(away):
            if i < proxy:
                attendance_record(
                    actor=place.secretary,
                    meeting=meeting,
                    member=member,
                    status=AttendanceStatus.PROXY,
                    proxy_holder=next(holders),
                    now=when,
                )
            else:
                attendance_record(
                    actor=place.secretary,
                    meeting=meeting,
                    member=member,
                    status=AttendanceStatus.ABSENT,
                    now=when,
                )
        return present

    def hands(
        self, place: Place, meeting: Meeting, when: dt.datetime, against: int = 0, abstain: int = 0
    ) -> None:
        """A show of hands: everyone present (or represented) votes; ``against`` and ``abstain`` not for."""
        meeting.refresh_from_db()
        stage = meeting.step.stage
        present = meeting.attendance.filter(
            status__in=[AttendanceStatus.PRESENT, AttendanceStatus.PROXY]
            if stage.allows_proxy
            else [AttendanceStatus.PRESENT]
        ).count()
        meeting_record_count(
            actor=place.secretary,
            meeting=meeting,
            votes_for=present - against - abstain,
            votes_against=against,
            votes_abstain=abstain,
            now=when,
        )

    def ballots(self, meeting: Meeting, when: dt.datetime, choices: list[str]) -> None:
        """Each member present votes in person (by their login), a proxy holder for the member who
        gave them the proxy; ``choices`` in roster order."""
        rows = list(
            meeting.attendance.filter(status__in=[AttendanceStatus.PRESENT, AttendanceStatus.PROXY])
            .select_related("member__user", "proxy_holder__user")
            .order_by("id")
        )
        for i, (row, choice) in enumerate(zip(rows, choices, strict=False)):
            voter = row.proxy_holder if row.status == AttendanceStatus.PROXY else row.member
            assert voter is not None and voter.user is not None, "ballots need members with logins"
            ballot_cast(
                actor=voter.user,
                meeting=meeting,
                member=row.member,
                choice=choice,
                now=when + dt.timedelta(minutes=i),
            )

    def decide(self, place: Place, meeting: Meeting, when: dt.datetime, minutes: str = "") -> None:
        meeting_decide(actor=place.secretary, meeting=meeting, now=when)
        meeting.refresh_from_db()
        meeting_sign(
            actor=place.secretary,
            meeting=meeting,
            minutes=minutes
            or f"会议由召集人主持，应到{meeting.expected}人，实到{meeting.present}人。"
            f"与会人员逐项讨论了议题的必要性、资金来源和实施方案，进行了表决。",
            now=when + dt.timedelta(minutes=30),
        )

    def meeting(
        self,
        place: Place,
        matter: Matter,
        day: int,
        *,
        absent: int = 1,
        proxy: int = 0,
        against: int = 0,
        abstain: int = 0,
        choices: list[str] | None = None,
    ) -> Iterator[dt.datetime]:
        """A whole meeting ``day`` days ago: called three days before, held at 19:30 (the evening,
        when residents are home), counted, decided and signed."""
        call_at = self.ago(day + 3, 10)
        yield call_at
        held = self.ago(day, 19, 30)
        meeting = self.call(place, matter, call_at, held)
        yield held
        self.attend(place, meeting, held, absent=absent, proxy=proxy)
        if choices is not None:
            self.ballots(meeting, held + dt.timedelta(minutes=40), choices)
        else:
            self.hands(place, meeting, held + dt.timedelta(minutes=40), against, abstain)
        self.decide(place, meeting, held + dt.timedelta(minutes=60))

    def accept(self, place: Place, matter: Matter, when: dt.datetime) -> None:
        proposal_accept(
            actor=place.secretary, step=self.step(matter), note="经议事会受理，列入议题", now=when
        )

    def notice(self, place: Place, matter: Matter, when: dt.datetime, title: str, body: str) -> Notice:
        notice = notice_open(actor=place.secretary, step=self.step(matter), title=title, body=body, now=when)
        self.stamps.note(notice, when)
        self.summary.notices += 1
        return notice

    def close(self, place: Place, notice: Notice) -> Iterator[dt.datetime]:
        """The notice closes on the morning after its last day."""
        when = notice.ends_at + dt.timedelta(hours=9, minutes=self.rng.randrange(60))
        yield when
        notice_close(actor=place.secretary, notice=notice, now=when)

    def tasks(
        self, place: Place, matter: Matter, when: dt.datetime, items: list[tuple[str, User | None, str, int]]
    ) -> list[Task]:
        """(title, owner login, owner name, days to the due date)."""
        step = self.step(matter)
        made = []
        for title, owner, name, due in items:
            task = task_add(
                actor=place.secretary,
                step=step,
                title=title,
                owner=owner,
                owner_name=name,
                due_date=timezone.localtime(when).date() + dt.timedelta(days=due),
                now=when,
            )
            self.stamps.note(task, when)
            made.append(task)
        return made

    def progress(self, place: Place, task: Task, when: dt.datetime, pct: int, note: str) -> None:
        actor = task.owner if task.owner is not None else place.secretary
        task_progress(actor=actor, task=task, progress=pct, note=note, now=when)

    def rate(
        self, matter: Matter, users: list[User], start: int, ratings: list[tuple[str, str]]
    ) -> Iterator[dt.datetime]:
        """Residents rate one by one, a day or two apart, from ``start`` days ago on."""
        day = start
        for user, (rating, comment) in zip(users, ratings, strict=False):
            when = self.ago(day, self.rng.choice((8, 12, 19, 20)))
            yield when
            evaluation_submit(actor=user, matter=matter, rating=rating, comment=comment, now=when)
            self.summary.evaluations += 1
            day -= self.rng.choice((1, 2))

    def sample(self, matter: Matter) -> None:
        """Count what the story made of the matter."""
        matter.refresh_from_db(fields=["status"])
        self.summary.matters[matter.status] += 1


SATISFIED, BASIC, UNSATISFIED = "satisfied", "basic", "unsatisfied"
FOR, AGAINST, ABSTAIN = "for", "against", "abstain"
