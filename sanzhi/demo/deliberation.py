"""Half a year of deliberation (议事协商) in the demo town, made by the real services with ``now=`` in
the past, and the 三务公开 year of ``sanzhi.demo.disclosure`` on the same timeline.

创举社区 (the demo logins' community) runs 提-议-决-办-评 and 四事四共 with its 议事会 (demo-council
chairs it) and its 居民代表会议 (demo-secretary chairs it, demo-resident is a representative);
鹿鸣村 runs 四议两公开 with its 党支部委员会, 两委, 党员大会 and 村民代表会议, and asks 白衣镇 before its
major matter goes to the vote. Matters stand at every kind of stage today — just proposed, a meeting
called, a meeting sitting today, a decision waiting for its notice, a request waiting at the street
(demo-street approves it), a notice open with an objection pending, tasks half done, an evaluation
open — and others have ended: done (one through the township's approval, one sent back by an
upheld objection and passed in round 2), rejected by a vote, withdrawn. 村民说事: answered, made a
matter, new.

Every story is a generator that yields the time of its next act; ``run_timeline`` runs the acts of
all stories in time order, so the public chain (notices here, disclosures there) is appended in the
order things were published. The services stamp ``created_at`` with the wall clock (auto_now_add);
``Stamps`` dates those rows back to the story's time at the end.
"""

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
from sanzhi.deliberation.approvals import approval_decide, approval_request
from sanzhi.deliberation.bodies import body_create, body_member_add
from sanzhi.deliberation.evaluation import evaluation_close, evaluation_submit
from sanzhi.deliberation.flow import matter_propose, matter_withdraw
from sanzhi.deliberation.implementation import implementation_finish, task_add, task_progress
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
    BodyKind,
    BodyMember,
    Matter,
    MatterStep,
    MatterType,
    Meeting,
    Notice,
    Procedure,
    Task,
)
from sanzhi.deliberation.notices import notice_close, notice_open, objection_decide, objection_submit
from sanzhi.deliberation.procedures import procedure_adopt
from sanzhi.deliberation.proposals import proposal_accept, saying_accept, saying_answer, saying_submit
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


def _user(username: str) -> User:
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


def _residents(
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


class _World:
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
            secretary=_user(secretary),
            approver=_user(approver),
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


# ---------------------------------------------------------------- 创举社区


def _urban(w: _World, place: Place, resident: User) -> list[Story]:
    """创举社区: 提-议-决-办-评 (TI) and 四事四共 (SS) with its 议事会 and 居民代表会议."""
    TI, SS = "ti_yi_jue_ban_ping", "sishi_sigong"
    council = _user("demo-council")
    r = place.residents

    def evaluation_ratings() -> list[tuple[str, str]]:
        return [
            (SATISFIED, "施工期间每天清场，现在晚上跳广场舞的人多了。"),
            (SATISFIED, "材料和费用都公示了，放心。"),
            (BASIC, "整体不错，希望再加几盏灯。"),
            (SATISFIED, ""),
            (UNSATISFIED, "工期拖了一周，施工噪音影响休息。"),
        ]

    def just_proposed() -> Story:
        # 村民说事 → 议题 (the 提 stage waits for the 议事会 to accept it)
        said = w.ago(3, 19, 20)
        yield said
        saying = saying_submit(
            actor=resident,
            title="小区电动自行车充电桩不够用",
            text="1栋到6栋只有一处充电桩，晚上排队充电，有人从楼上拉飞线充电，很危险。建议在小区东门增设集中充电桩。",
            now=said,
        )
        w.stamps.note(saying, said)
        w.summary.sayings += 1
        accepted = w.ago(1, 10)
        yield accepted
        matter = saying_accept(
            actor=place.secretary,
            saying=saying,
            procedure=place.procedures[TI],
            title="小区增设电动自行车集中充电桩",
            matter_type=MatterType.WELFARE,
            amount_fen=2_800_000,
            now=accepted,
        )
        w.stamps.note(matter, accepted)
        w.sample(matter)

    def meeting_called() -> Story:
        proposed = w.ago(6, 15)
        yield proposed
        matter = w.propose(
            place,
            SS,
            "老旧楼栋加装电梯意见征集",
            "7—12栋为2000年前建成的多层住宅，老年住户占四成。拟征集各单元意见，按“一梯一议”推进加装电梯。",
            proposed,
            actor=council,
            body_kind=BodyKind.COUNCIL,
        )
        called = w.ago(2, 10)
        yield called
        w.call(
            place,
            matter,
            called,
            w.ahead(3, 19),
            agenda="一、各单元意愿摸底情况；二、费用分摊原则；三、下一步工作安排",
        )
        w.sample(matter)

    def meeting_today() -> Story:
        # The 居民代表会议 sits today: members signed in, demo-resident has yet to vote.
        proposed = w.ago(30, 10)
        yield proposed
        matter = w.propose(
            place,
            SS,
            "社区闲置用房改建“邻里食堂”",
            "将社区原物业用房（约120平方米）改建为老年助餐点兼邻里食堂，预算3.8万元，由社区公益金和辖区单位捐赠解决。",
            proposed,
            matter_type=MatterType.WELFARE,
            amount_fen=3_800_000,
            body_kind=BodyKind.COUNCIL,
        )
        yield from w.meeting(place, matter, 20)
        called = w.ago(4, 10)
        yield called
        sitting = timezone.make_aware(
            dt.datetime.combine(timezone.localtime(w.now - dt.timedelta(minutes=2)).date(), dt.time(9, 0))
        )
        meeting = w.call(place, matter, called, sitting, agenda="表决《社区闲置用房改建“邻里食堂”实施方案》")
        signed_in = w.now - dt.timedelta(minutes=1)
        yield signed_in
        roster = list(BodyMember.objects.filter(pk__in=meeting.attendance.values("member_id")).order_by("id"))
        for member in roster:
            status = AttendanceStatus.ABSENT if member is roster[-1] else AttendanceStatus.PRESENT
            attendance_record(
                actor=place.secretary, meeting=meeting, member=member, status=status, now=signed_in
            )
        w.sample(matter)

    def waiting_for_notice() -> Story:
        proposed = w.ago(27, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "小区停车位施划及停车秩序管理方案",
            "小区内现有停车位86个，车辆约140辆，消防通道常被占用。拟重新施划车位、设置临时停车区，明确收费与管理办法。",
            proposed,
            actor=council,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(25, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 18)
        yield from w.meeting(place, matter, 2, absent=1, proxy=1, against=1)
        w.sample(matter)

    def approval_pending() -> Story:
        proposed = w.ago(23, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "创举社区老旧供水管网改造",
            "1—6栋供水管网为铸铁管，锈蚀爆管频发。拟整体更换为PE管，预算8.6万元，由社区集体资金和区级补助共同承担。",
            proposed,
            matter_type=MatterType.PROJECT,
            amount_fen=8_600_000,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(21, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 14, absent=2)
        asked = w.ago(3, 16)
        yield asked
        approval_request(
            actor=place.secretary,
            step=w.step(matter),
            request="我社区拟实施老旧供水管网改造，预算8.6万元，属重大事项。经社区议事会协商一致，"
            "现将实施方案和资金来源报请街道审批，同意后提交议事会决策。",
            now=asked,
        )
        w.sample(matter)

    def notice_with_objection() -> Story:
        proposed = w.ago(30, 9)
        yield proposed
        matter = w.propose(
            place,
            SS,
            "垃圾分类投放点位调整",
            "现有投放点紧邻3栋单元门，夏季异味大。拟将投放点迁至小区西侧围墙边，并增设洗手池和监控。",
            proposed,
            body_kind=BodyKind.COUNCIL,
        )
        yield from w.meeting(place, matter, 24)
        # The 居民代表会议 votes by ballot; one representative votes by written proxy.
        yield from w.meeting(place, matter, 10, absent=0, proxy=1, choices=[FOR] * 7 + [AGAINST, ABSTAIN])
        opened = w.ago(2, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "关于垃圾分类投放点位调整的决定公示",
            "经社区议事会民事共议、居民代表会议表决通过，拟将3栋旁垃圾分类投放点迁至小区西侧围墙边，"
            "增设洗手池和监控。公示期内如有异议，请向社区居委会书面或在线提出。",
        )
        objected = w.ago(1, 20)
        yield objected
        objection_submit(
            actor=r[1],
            notice=notice,
            text="西侧围墙边离幼儿园后门不到20米，担心异味影响孩子，建议再往北移。",
            now=objected,
        )
        w.summary.objections += 1
        w.sample(matter)

    def implementing() -> Story:
        proposed = w.ago(47, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "楼道声控灯更换",
            "1—12栋楼道灯损坏率高，夜间上下楼不便。拟统一更换为LED声光控灯，预算1.2万元。",
            proposed,
            matter_type=MatterType.WELFARE,
            amount_fen=1_200_000,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(45, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 38)
        yield from w.meeting(place, matter, 30, abstain=1)
        opened = w.ago(29, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "楼道声控灯更换决议公示",
            "议事会决定统一更换1—12栋楼道灯为LED声光控灯，预算1.2万元。",
        )
        yield from w.close(place, notice)
        added = w.ago(20, 10)
        yield added
        gridworker = _user("demo-gridworker")
        buy, east, _west = w.tasks(
            place,
            matter,
            added,
            [
                ("采购LED声光控灯具（360套）", None, "社区居委会 王会计", 7),
                ("1—6栋楼道灯安装", gridworker, "", 20),
                ("7—12栋楼道灯安装", None, "物业公司 刘师傅", 30),
            ],
        )
        bought = w.ago(15, 16)
        yield bought
        w.progress(place, buy, bought, 100, "灯具已到货验收，发票已入账")
        half = w.ago(5, 17)
        yield half
        w.progress(place, east, half, 60, "1—4栋已安装完毕")
        w.sample(matter)

    def evaluating() -> Story:
        proposed = w.ago(82, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "社区健身广场地面翻新",
            "健身广场地砖破损、积水，老人跌倒两起。拟改铺透水塑胶地面，预算4.5万元。",
            proposed,
            matter_type=MatterType.PROJECT,
            amount_fen=4_500_000,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(80, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 72)
        yield from w.meeting(place, matter, 65, proxy=1)
        opened = w.ago(64, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "健身广场地面翻新决议公示",
            "议事会决定健身广场改铺透水塑胶地面，预算4.5万元，工期30天。",
        )
        yield from w.close(place, notice)
        added = w.ago(55, 10)
        yield added
        (works,) = w.tasks(
            place, matter, added, [("健身广场透水塑胶地面施工", None, "社区居委会 陈主任", 30)]
        )
        mid = w.ago(35, 17)
        yield mid
        w.progress(place, works, mid, 50, "旧地砖已清除，基层找平完成")
        done = w.ago(20, 17)
        yield done
        w.progress(place, works, done, 100, "面层铺设完成，已组织验收")
        finished = w.ago(12, 10)
        yield finished
        implementation_finish(
            actor=place.secretary,
            step=w.step(matter),
            summary="健身广场翻新完工，验收合格，实际支出4.38万元。",
            now=finished,
        )
        yield from w.rate(matter, r[:4], 11, evaluation_ratings()[:4])
        w.sample(matter)

    def done() -> Story:
        proposed = w.ago(118, 9)
        yield proposed
        matter = w.propose(
            place,
            SS,
            "消防通道堆物清理专项整治",
            "楼道和消防通道堆放杂物、停放电动车现象突出。拟开展为期一个月的专项整治，并建立长效巡查机制。",
            proposed,
            actor=council,
            body_kind=BodyKind.COUNCIL,
        )
        yield from w.meeting(place, matter, 110)
        yield from w.meeting(place, matter, 100, absent=2)
        opened = w.ago(98, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "消防通道堆物清理专项整治决定公示",
            "居民代表会议决定开展消防通道堆物清理专项整治，为期一个月。",
        )
        yield from w.close(place, notice)
        added = w.ago(91, 10)
        yield added
        sweep, patrol = w.tasks(
            place,
            matter,
            added,
            [
                ("逐栋清理楼道和消防通道堆物", _user("demo-gridworker"), "", 20),
                ("建立网格员每周巡查制度", None, "社区居委会 李委员", 30),
            ],
        )
        swept = w.ago(78, 17)
        yield swept
        w.progress(place, sweep, swept, 100, "清理堆物53处，劝离电动车21辆")
        w.progress(place, patrol, swept, 100, "巡查制度已上墙，网格员每周五巡查")
        finished = w.ago(76, 10)
        yield finished
        implementation_finish(
            actor=place.secretary,
            step=w.step(matter),
            summary="专项整治完成，清理堆物53处，建立长效巡查。",
            now=finished,
        )
        opened = w.ago(75, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "消防通道堆物清理整治结果公开",
            "专项整治已完成：清理堆物53处，劝离电动车21辆，建立每周巡查制度。",
        )
        yield from w.close(place, notice)
        yield from w.rate(matter, r, 67, evaluation_ratings())
        closing = w.ago(50, 9)
        yield closing
        evaluation_close(actor=place.secretary, step=w.step(matter), now=closing)
        w.sample(matter)

    def rejected() -> Story:
        proposed = w.ago(62, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "小区内设立临时早市",
            "部分居民提出在小区中心广场设立早6点至8点的临时早市，方便老人买菜。",
            proposed,
            actor=council,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(60, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 52, against=2)
        # The 议事会 decides by ballot: most are against (noise, litter, traffic), so it fails.
        yield from w.meeting(
            place,
            matter,
            44,
            absent=0,
            proxy=1,
            choices=[FOR, AGAINST, AGAINST, FOR, AGAINST, ABSTAIN, AGAINST, FOR],
        )
        w.sample(matter)

    def withdrawn() -> Story:
        proposed = w.ago(40, 9)
        yield proposed
        matter = w.propose(
            place,
            SS,
            "统一更换单元门禁为人脸识别",
            "拟将各单元门禁统一更换为人脸识别门禁，预算6.2万元。",
            proposed,
            actor=council,
            amount_fen=6_200_000,
            body_kind=BodyKind.COUNCIL,
        )
        dropped = w.ago(36, 16)
        yield dropped
        matter_withdraw(
            actor=council,
            matter=matter,
            reason="居民对人脸信息采集顾虑较多，先开展入户调研，再行提议。",
            now=dropped,
        )
        w.sample(matter)

    def second_round() -> Story:
        # The 决议公示 draws an objection that is upheld: back to 议事会协商, passed in round 2.
        proposed = w.ago(152, 9)
        yield proposed
        matter = w.propose(
            place,
            TI,
            "绿化带改建停车位",
            "拟将小区东侧、南侧绿化带改建为停车位约30个，缓解停车难。",
            proposed,
            body_kind=BodyKind.COUNCIL,
        )
        accepted = w.ago(150, 10)
        yield accepted
        w.accept(place, matter, accepted)
        yield from w.meeting(place, matter, 142)
        yield from w.meeting(place, matter, 135)
        opened = w.ago(134, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "绿化带改建停车位决议公示",
            "议事会决定将东侧、南侧绿化带改建为停车位约30个。",
        )
        objected = w.ago(132, 20)
        yield objected
        objection = objection_submit(
            actor=r[2],
            notice=notice,
            text="南侧绿化带是小区唯一的儿童活动区，改成停车位孩子没地方玩，也影响3栋低层采光。",
            now=objected,
        )
        w.summary.objections += 1
        upheld = w.ago(131, 15)
        yield upheld
        objection_decide(
            actor=place.secretary,
            objection=objection,
            uphold=True,
            reply="异议成立。方案退回议事会重新协商，保留南侧儿童活动区。",
            now=upheld,
        )
        yield from w.meeting(place, matter, 120)
        yield from w.meeting(place, matter, 112, proxy=1)
        opened = w.ago(111, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "绿化带改建停车位决议公示（第二轮）",
            "经重新协商，保留南侧儿童活动区，仅将东侧绿化带改建为停车位18个，并补种行道树。",
        )
        yield from w.close(place, notice)
        added = w.ago(102, 10)
        yield added
        (works,) = w.tasks(place, matter, added, [("东侧绿化带改建停车位18个", None, "物业公司 刘师傅", 25)])
        done_at = w.ago(82, 17)
        yield done_at
        w.progress(place, works, done_at, 100, "18个车位施划完成，补种香樟12株")
        finished = w.ago(80, 10)
        yield finished
        implementation_finish(
            actor=place.secretary,
            step=w.step(matter),
            summary="东侧新增停车位18个，儿童活动区保留。",
            now=finished,
        )
        yield from w.rate(matter, r[1:], 79, evaluation_ratings()[1:])
        closing = w.ago(62, 9)
        yield closing
        evaluation_close(actor=place.secretary, step=w.step(matter), now=closing)
        w.sample(matter)

    def sayings() -> Story:
        said = w.ago(9, 20, 5)
        yield said
        leak = saying_submit(
            actor=resident,
            title="3栋楼顶水箱漏水",
            text="3栋楼顶水箱漏水好几天了，顶楼住户墙面渗水，请社区帮忙联系处理。",
            now=said,
        )
        w.stamps.note(leak, said)
        answered = w.ago(8, 11)
        yield answered
        saying_answer(
            actor=place.secretary,
            saying=leak,
            reply="已联系物业公司，维修人员8日上午已更换水箱进水阀，渗水已停止。顶楼墙面修复费用由物业承担。",
        )
        said = w.ago(2, 19, 40)
        yield said
        lunch = saying_submit(
            actor=r[3],
            title="希望增设老年人助餐点",
            text="小区独居老人多，做饭不方便，希望社区能办个助餐点，价格实惠些。",
            now=said,
        )
        w.stamps.note(lunch, said)
        w.summary.sayings += 2

    return [
        just_proposed(),
        meeting_called(),
        meeting_today(),
        waiting_for_notice(),
        approval_pending(),
        notice_with_objection(),
        implementing(),
        evaluating(),
        done(),
        rejected(),
        withdrawn(),
        second_round(),
        sayings(),
    ]


# ---------------------------------------------------------------- 鹿鸣村


def _village(w: _World, place: Place) -> list[Story]:
    """鹿鸣村: 四议两公开 (SL) with its four bodies; the major matter asks 白衣镇 first."""
    SL = "siyi_liangkai"

    def party_meetings(matter: Matter, days: tuple[int, int, int]) -> Iterator[dt.datetime]:
        # 党组织提议, 两委会议商议, 党员大会审议
        yield from w.meeting(place, matter, days[0], absent=0)
        yield from w.meeting(place, matter, days[1], absent=1)
        yield from w.meeting(place, matter, days[2], absent=3, abstain=1)

    def major_done() -> Story:
        proposed = w.ago(176, 9)
        yield proposed
        matter = w.propose(
            place,
            SL,
            "鹿鸣村集体土地流转发展猕猴桃产业",
            "拟将二组、三组集体土地120亩流转给平昌县绿源猕猴桃专业合作社，期限10年，"
            "每亩每年租金600元，首年租金7.2万元；另收取土地整理保证金28.8万元，合同总额36万元。",
            proposed,
            matter_type=MatterType.LAND,
            amount_fen=36_000_000,
            body_kind=BodyKind.PARTY_ORG,
        )
        yield from party_meetings(matter, (170, 165, 158))
        asked = w.ago(156, 10)
        yield asked
        approval = approval_request(
            actor=place.secretary,
            step=w.step(matter),
            request="鹿鸣村拟流转集体土地120亩发展猕猴桃产业，属重大事项。已经村党支部提议、两委会议商议、"
            "党员大会审议通过，现将流转方案、合同草案和风险评估报请镇党委审批。",
            now=asked,
        )
        answered = w.ago(150, 15)
        yield answered
        approval_decide(
            actor=place.approver,
            approval=approval,
            approve=True,
            reply="经镇党委会议研究，同意该流转方案。请严格按程序提交村民代表会议表决，合同须经镇农经站审核备案。",
            now=answered,
        )
        # 村民代表会议: two absent, one by written proxy.
        yield from w.meeting(place, matter, 145, absent=2, proxy=1, against=1)
        opened = w.ago(144, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "鹿鸣村集体土地流转决议公开",
            "经村民代表会议表决通过：二组、三组集体土地120亩流转给平昌县绿源猕猴桃专业合作社，"
            "期限10年，每亩每年600元。公示期7天，如有异议请向村务监督委员会反映。",
        )
        objected = w.ago(142, 20)
        yield objected
        objection = objection_submit(
            actor=place.residents[0],
            notice=notice,
            text="流转期10年太长，租金是否随行就市调整？",
            now=objected,
        )
        w.summary.objections += 1
        dismissed = w.ago(141, 16)
        yield dismissed
        objection_decide(
            actor=place.secretary,
            objection=objection,
            uphold=False,
            reply="合同约定每3年按同类地块行情调整一次租金，已在方案第六条写明，并经代表会议表决。异议不成立。",
            now=dismissed,
        )
        yield from w.close(place, notice)
        added = w.ago(135, 10)
        yield added
        contract, level, pay = w.tasks(
            place,
            matter,
            added,
            [
                ("签订土地流转合同并报镇农经站备案", None, "村委会 赵主任", 10),
                ("流转地块土地平整和界桩埋设", None, "二组组长 何德明", 30),
                ("首年租金发放到户", None, "村报账员 周秀英", 40),
            ],
        )
        when = w.ago(128, 16)
        yield when
        w.progress(place, contract, when, 100, "合同已签订，农经站备案号 平农经〔2026〕17号")
        when = w.ago(110, 16)
        yield when
        w.progress(place, level, when, 100, "土地平整完成，埋设界桩46根")
        when = w.ago(104, 16)
        yield when
        w.progress(place, pay, when, 100, "首年租金7.2万元已通过一卡通发放到户")
        finished = w.ago(102, 10)
        yield finished
        implementation_finish(
            actor=place.secretary,
            step=w.step(matter),
            summary="合同签订、土地平整和首年租金发放均已完成。",
            now=finished,
        )
        opened = w.ago(101, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "鹿鸣村集体土地流转实施结果公开",
            "土地流转合同已签订并备案，120亩地块已平整移交，首年租金7.2万元已发放到户。",
        )
        yield from w.close(place, notice)
        w.sample(matter)

    def result_notice_open() -> Story:
        proposed = w.ago(64, 9)
        yield proposed
        matter = w.propose(
            place,
            SL,
            "村道硬化（二组至五组）",
            "二组至五组村道2.8公里为泥结石路面，雨天泥泞。拟硬化为4.5米宽水泥路，村级自筹4.2万元，其余争取项目资金。",
            proposed,
            matter_type=MatterType.PROJECT,
            amount_fen=4_200_000,
            body_kind=BodyKind.PARTY_ORG,
        )
        yield from party_meetings(matter, (60, 55, 50))
        yield from w.meeting(place, matter, 45, absent=2)
        opened = w.ago(44, 9)
        yield opened
        notice = w.notice(
            place,
            matter,
            opened,
            "村道硬化决议公开",
            "村民代表会议决定硬化二组至五组村道2.8公里，村级自筹4.2万元。",
        )
        yield from w.close(place, notice)
        added = w.ago(35, 10)
        yield added
        (road,) = w.tasks(place, matter, added, [("二组至五组村道硬化施工", None, "村委会 赵主任", 30)])
        when = w.ago(9, 17)
        yield when
        w.progress(place, road, when, 100, "2.8公里路面浇筑完成，养护期满")
        finished = w.ago(4, 10)
        yield finished
        implementation_finish(
            actor=place.secretary,
            step=w.step(matter),
            summary="村道硬化2.8公里完工，经镇交通办验收合格。",
            now=finished,
        )
        opened = w.ago(3, 9)
        yield opened
        w.notice(
            place,
            matter,
            opened,
            "村道硬化实施结果公开",
            "二组至五组村道硬化2.8公里已完工验收，总投资21.6万元，其中村级自筹4.2万元，明细见财务公开。",
        )
        w.sample(matter)

    def dividend_called() -> Story:
        proposed = w.ago(5, 9)
        yield proposed
        matter = w.propose(
            place,
            SL,
            "2026年度村集体经济收益分配方案",
            "2026年村集体经营性收入预计18.6万元，拟提取公积公益金30%，其余按股分红。",
            proposed,
            matter_type=MatterType.DIVIDEND,
            body_kind=BodyKind.PARTY_ORG,
        )
        called = w.ago(1, 10)
        yield called
        w.call(place, matter, called, w.ahead(5, 19), agenda="研究提出2026年度收益分配方案")
        w.sample(matter)

    def sayings() -> Story:
        said = w.ago(6, 20, 15)
        yield said
        saying = saying_submit(
            actor=place.residents[1],
            title="二组灌溉渠堵塞",
            text="二组灌溉渠有一段被淤泥和杂草堵住了，明年春灌前需要清理。",
            now=said,
        )
        w.stamps.note(saying, said)
        w.summary.sayings += 1

    return [major_done(), result_notice_open(), dividend_called(), sayings()]


# ---------------------------------------------------------------- building it


def _setup(w: _World) -> tuple[Place, Place, User]:
    adopted = w.ago(185, 10)
    resident = _user("demo-resident")
    urban = w.place(
        URBAN_CODE, secretary="demo-secretary", approver="demo-street", residents=URBAN_RESIDENT_USERS
    )
    village = w.place(
        VILLAGE_CODE,
        secretary=f"{DEMO_USER_PREFIX}sec-{VILLAGE_CODE}",
        approver=f"{DEMO_USER_PREFIX}street-{TOWNSHIP_CODE}-1",
        residents=VILLAGE_RESIDENT_USERS,
    )
    w.adopt(urban, ("ti_yi_jue_ban_ping", "sishi_sigong"), adopted)
    w.adopt(village, ("siyi_liangkai",), adopted)

    # 创举社区: every member of its two bodies has a login, so they can vote by ballot.
    staff = {name: _user(name) for name in ("demo-council", "demo-secretary", "demo-gridworker", "demo-rep")}
    r = urban.residents
    w.body(
        urban,
        BodyKind.COUNCIL,
        "创举社区议事会",
        [
            (staff["demo-council"], "议事会会长", True),
            (staff["demo-secretary"], "社区党委书记", False),
            (staff["demo-gridworker"], "专职网格员", False),
            (staff["demo-rep"], "联户长", False),
            *[(u, "居民议事员", False) for u in r[:4]],
        ],
        adopted,
    )
    w.body(
        urban,
        BodyKind.REPRESENTATIVES,
        "创举社区居民代表会议",
        [
            (staff["demo-secretary"], "社区党委书记", True),
            (staff["demo-rep"], "居民代表", False),
            (resident, "居民代表", False),
            *[(u, "居民代表", False) for u in r],
        ],
        adopted,
    )

    # 鹿鸣村: its secretary chairs; members from the registry (party members for the party's bodies).
    council = [_user(f"{DEMO_USER_PREFIX}council-{VILLAGE_CODE}-{i}") for i in (1, 2)]
    taken = set(Resident.objects.filter(user__isnull=False).values_list("pk", flat=True))
    party = _residents(village.node, w.rng, 11, party=True, exclude=taken)
    others = _residents(village.node, w.rng, 10, party=False, exclude=taken | {p.pk for p in party})
    sec = village.secretary
    w.body(
        village,
        BodyKind.PARTY_ORG,
        "中共鹿鸣村支部委员会",
        [(sec, "党支部书记", True), *[(p, "支部委员", False) for p in party[:4]]],
        adopted,
    )
    w.body(
        village,
        BodyKind.TWO_COMMITTEES,
        "鹿鸣村两委联席会议",
        [(sec, "党支部书记、村委会主任", True), *[(u, "村委委员", False) for u in council]]
        + [(p, "两委委员", False) for p in party[:4]],
        adopted,
    )
    w.body(
        village,
        BodyKind.PARTY_MEMBERS,
        "鹿鸣村党员大会",
        [(sec, "党支部书记", True), *[(p, "党员", False) for p in party]],
        adopted,
    )
    w.body(
        village,
        BodyKind.REPRESENTATIVES,
        "鹿鸣村村民代表会议",
        [(sec, "村委会主任", True), *[(p, "村民代表", False) for p in others]],
        adopted,
    )
    return urban, village, resident


def build_deliberation(*, rng: random.Random, now: dt.datetime | None = None) -> DeliberationSummary:
    """Deliberation at 创举社区 and 鹿鸣村 and the 三务公开 year of both, on one timeline."""
    from sanzhi.demo.disclosure import disclosure_stories, disclosure_summary
    from sanzhi.disclosure.chain import verify_stored

    started = timezone.now()
    summary = DeliberationSummary()
    stamps = Stamps()
    w = _World(rng, now or timezone.now(), stamps, summary)
    urban, village, resident = _setup(w)
    stories = _urban(w, urban, resident) + _village(w, village)
    stories += disclosure_stories(
        rng=rng,
        now=w.now,
        stamps=stamps,
        places=[(urban.node, urban.secretary), (village.node, village.secretary)],
    )
    run_timeline(stories)
    stamps.apply()
    disclosure_summary(summary, now=w.now, user=urban.secretary)
    summary.chain, _problem = verify_stored()
    summary.seconds = (timezone.now() - started).total_seconds()
    return summary
