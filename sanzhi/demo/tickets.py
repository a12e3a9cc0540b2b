"""A realistic quarter of demands (诉求) in the demo town, made by the real services with ``now=`` in
the past, so every event, clock, escalation, notification and KPI rollup is what production would
have written.

Each ticket lives its life at once, from intake on: the people who would act do so after realistic
delays; a step whose time has not come yet (after now) is not taken, so recent tickets are still open.
Before each step the escalation tick runs as the worker would have, so a ticket left lying past its
deadline climbs grid → community → street → department on the working-time clock. Some tickets are
planned slow on purpose, some are duplicates, some are void, some are rated 不满意 and reopen.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from sanzhi.accounts.models import User
from sanzhi.core.errors import DomainError
from sanzhi.demo.guard import DEMO_USER_PREFIX
from sanzhi.demo.texts import (
    DEPARTMENTS,
    PARENTS,
    RATING_NOTES_BAD,
    RATING_NOTES_GOOD,
    REJECT_NOTES,
    RETURN_NOTES,
    SCENARIOS,
    SUSPEND_NOTES,
    VOID_REASONS,
    Scenario,
)
from sanzhi.grids.models import Node
from sanzhi.people.codes import PARTY_MEMBER_STATUSES, Relation
from sanzhi.people.models import Household, Resident
from sanzhi.tickets.escalation import ticket_escalate
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Category, Channel, Department, DepartmentMember, Rating, Ticket
from sanzhi.tickets.services import (
    Target,
    ticket_accept,
    ticket_answer,
    ticket_dispatch,
    ticket_merge,
    ticket_rate,
    ticket_register,
    ticket_reject,
    ticket_resolve,
    ticket_resume,
    ticket_return,
    ticket_suspend,
    ticket_transfer,
    ticket_verify,
    ticket_void,
)
from sanzhi.tickets.states import CLOCK_STATES, Level, State

DAYS = 90
HOUR = dt.timedelta(hours=1)
# Plans: how a ticket's life goes (the weights are per mille of the non-consultation tickets).
PLANS: tuple[tuple[str, int], ...] = (
    ("normal", 685),
    ("party_run", 60),
    ("slow_grid", 35),  # the grid lets it lie: the community gets it
    ("slow_community", 20),  # … and the community too: the street
    ("slow_street", 15),  # … and the street too: the category's department (部门报到)
    ("unsatisfied", 40),  # 不满意 → reopened a level up
    ("suspend", 30),
    ("void", 30),
    ("merge", 40),  # only when a recent ticket of the same kind exists nearby
    ("return", 30),  # 退回 → community → transferred to the department
    ("reject", 25),  # 核查不通过 once
)
# Tickets the demo logins find on first run, whatever the hour: (whose place, scenario, plan, the step
# not yet taken, hours ago). "grid" is demo-gridworker's grid, "resident" demo-resident's household;
# "return" goes 退回 → community → 转办 城管局, where demo-dept takes it up.
SHOWCASE: tuple[tuple[str, str, str, str, float], ...] = (
    ("resident", "litter", "normal", "register", 1),  # 已上报
    ("grid", "streetlight", "normal", "dispatch", 3),  # 已立案
    ("grid", "road", "normal", "accept", 4),  # 已派遣 to demo-gridworker
    ("grid", "noise", "normal", "resolve", 5),  # 处置中 by demo-gridworker
    ("resident", "sewer", "normal", "verify", 6),  # 已反馈, waiting for the community's check
    ("resident", "litter", "normal", "rate", 8),  # 已结案, waiting for demo-resident's rating
    ("grid", "fees", "suspend", "resume", 6),  # 已挂起
    ("grid", "vendors", "return", "resolve", 5),  # 处置中 at 城管局 by demo-dept
)
# A recent ticket may still be waiting at one of these (after the step before it was taken).
OPEN_STOPS: tuple[tuple[str, int], ...] = (
    ("", 45),
    ("register", 8),
    ("dispatch", 10),
    ("accept", 12),
    ("resolve", 12),
    ("verify", 8),
    ("rate", 5),
)


@dataclass
class TicketSummary:
    tickets: int = 0
    departments: int = 0
    states: Counter[str] = field(default_factory=Counter)
    escalations: int = 0
    reopens: int = 0
    party_runs: int = 0
    refused: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class _Place:
    micro: Node
    grid: Node
    community: Node
    street: Node
    households: list[tuple[int, str, str, str]]  # household id, head name, phone, address


@dataclass
class _People:
    gridworker: dict[int, User]  # grid id -> grid worker
    secretary: dict[int, User]  # community id -> 书记/网格长
    street: dict[int, User]  # street id -> street admin
    rep: dict[int, User]  # micro-grid id -> 联户长
    member: dict[int, User]  # department id -> a member
    party: dict[int, list[User]]  # community id -> party members who take runs
    resident: User | None


class _Sim:
    """Runs one ticket's life; ``t`` is the time of the last step."""

    def __init__(self, demo: _TicketDemo, ticket: Ticket, place: _Place, scenario: Scenario, plan: str):
        self.demo, self.ticket, self.place, self.scenario, self.plan = demo, ticket, place, scenario, plan
        self.rng = demo.rng
        self.t = ticket.created_at
        self.stop = ""
        self.pace = 1.0  # < 1: everyone acts faster (the showcase tickets)
        self.party_member: User | None = None

    # -- who acts
    def dispatcher(self) -> User:
        people, t = self.demo.people, self.ticket
        if t.level == Level.GRID:
            return people.gridworker[self.place.grid.pk]
        if t.level == Level.COMMUNITY:
            return people.secretary[self.place.community.pk]
        return people.street[self.place.street.pk]

    def handler(self) -> User:
        t = self.ticket
        if t.assignee_id is not None:
            return self.demo.users_by_id[t.assignee_id]
        if t.level == Level.DEPARTMENT and t.department_id is not None:
            return self.demo.people.member[t.department_id]
        return self.dispatcher()

    def verifier(self) -> User:
        t = self.ticket
        if t.level == Level.GRID:
            if t.category is not None and t.category.grid_may_close:
                return self.demo.people.gridworker[self.place.grid.pk]
            return self.demo.people.secretary[self.place.community.pk]
        if t.level == Level.COMMUNITY:
            return self.demo.people.secretary[self.place.community.pk]
        return self.demo.people.street[self.place.street.pk]

    def rater(self) -> User:
        resident = self.demo.people.resident
        if resident is not None and self.ticket.reporter_id == resident.pk:
            return resident
        return self.demo.people.gridworker[self.place.grid.pk]

    # -- time
    def slow_here(self) -> bool:
        level = self.ticket.level
        return (
            (self.plan in ("slow_grid", "slow_community", "slow_street") and level == Level.GRID)
            or (self.plan in ("slow_community", "slow_street") and level == Level.COMMUNITY)
            or (self.plan == "slow_street" and level == Level.STREET)
        )

    def delay(self, step: str, low: float, high: float) -> dt.timedelta:
        if self.slow_here() and step in ("accept", "resolve", "dispatch"):
            return dt.timedelta(hours=self.rng.uniform(24 * 6, 24 * 9))
        return dt.timedelta(hours=self.rng.uniform(low, high) * self.pace)

    def at(self, step: str, low: float, high: float) -> dt.datetime | None:
        """The time of the next step (hours after the last), after any escalation the tick would have
        done meanwhile; None when that time has not come yet or the ticket is to wait here."""
        if step == self.stop:
            return None
        when = self.t + self.delay(step, low, high)
        while (
            self.ticket.state in CLOCK_STATES
            and not self.ticket.deadline_handled
            and self.ticket.due_at is not None
            and self.ticket.due_at <= when
        ):
            tick = self.ticket.due_at + dt.timedelta(minutes=self.rng.randint(1, 9))
            if tick > self.demo.now:
                return None
            escalated = ticket_escalate(ticket_id=self.ticket.pk, now=tick)
            if escalated is None:
                break
            self.ticket, self.t = escalated, tick
            if escalated.deadline_handled:
                break  # flagged overdue at the top of the ladder: the holder carries on
            # A new level: its people take it from here, after their own delay.
            when = self.t + self.delay(step, low, high)
        if when > self.demo.now:
            return None
        self.t = when
        return when

    # -- the life
    def run(self) -> None:
        scenario, plan = self.scenario, self.plan
        if plan == "void":
            self.void()
            return
        if (now := self.at("register", 0.2, 4)) is None:
            return
        if self.ticket.state != State.REPORTED:  # escalated before anyone registered it
            self.plan = "normal"
            self.work()
            return
        if plan == "merge" and (target := self.demo.merge_target(self.ticket, scenario)) is not None:
            self.ticket = ticket_merge(
                actor=self.demo.people.secretary[self.place.community.pk],
                ticket=self.ticket,
                into=target,
                note="与已受理工单反映同一问题，合并办理",
                now=now,
            )
            return
        self.ticket = ticket_register(
            actor=self.dispatcher(), ticket=self.ticket, category=self.demo.categories[scenario.key], now=now
        )
        if self.ticket.is_consultation:
            if (now := self.at("resolve", 0.3, 6)) is None:
                return
            if self.ticket.state != State.REGISTERED:  # escalated: answered a level up, the long way
                self.plan = "normal"
                self.work()
                return
            self.ticket = ticket_answer(
                actor=self.dispatcher(), ticket=self.ticket, note=self.rng.choice(scenario.results), now=now
            )
            self.finish()
            return
        if not self.dispatch():
            return
        if plan == "return" and not self.returned():
            return
        self.work()

    def work(self) -> None:
        """接单, 挂起/恢复 as planned, 办结, 核查 (once rejected as planned), rating."""
        plan = self.plan
        if (now := self.at("accept", 0.1, 5)) is None:
            return
        if self.ticket.state != State.DISPATCHED:
            return
        self.ticket = ticket_accept(actor=self.handler(), ticket=self.ticket, now=now)
        if plan == "suspend" and not self.suspended():
            return
        if not self.resolve():
            return
        if plan == "reject":
            if (now := self.at("verify", 1, 20)) is None:
                return
            self.ticket = ticket_reject(
                actor=self.verifier(), ticket=self.ticket, note=self.rng.choice(REJECT_NOTES), now=now
            )
            if not self.resolve():
                return
        self.finish()

    def dispatch(self) -> bool:
        if (now := self.at("dispatch", 0.05, 2)) is None:
            return False
        if self.ticket.state != State.REGISTERED:
            return True  # escalated meanwhile: it was sent up, the level above takes it up
        # The grid's own worker (default_grid_worker would pick the grid's first one, not the demo login).
        target = Target(user=self.dispatcher()) if self.ticket.level == Level.GRID else None
        if self.plan == "party_run" and self.ticket.level == Level.GRID:
            members = self.demo.people.party.get(self.place.community.pk) or []
            if members:
                self.party_member = self.rng.choice(members)
                target = Target(user=self.party_member, party_run=True)
        self.ticket = ticket_dispatch(actor=self.dispatcher(), ticket=self.ticket, target=target, now=now)
        return True

    def returned(self) -> bool:
        """退回 by the grid worker; the grid sends it to the community, which transfers it to the
        category's department (部门报到 on dispatch rather than on timeout)."""
        if self.ticket.level != Level.GRID or self.ticket.state != State.DISPATCHED:
            return True
        if (now := self.at("accept", 0.5, 4)) is None:
            return False
        self.ticket = ticket_return(
            actor=self.handler(), ticket=self.ticket, note=self.rng.choice(RETURN_NOTES), now=now
        )
        if (now := self.at("dispatch", 0.2, 3)) is None:
            return False
        if self.ticket.state != State.REGISTERED:  # escalated meanwhile: the community has it
            return True
        self.ticket = ticket_dispatch(
            actor=self.dispatcher(), ticket=self.ticket, target=Target(node=self.place.community), now=now
        )
        department = self.demo.department_of(self.ticket)
        if department is None:
            return True
        if (now := self.at("dispatch", 0.5, 6)) is None or self.ticket.level != Level.COMMUNITY:
            return now is not None
        self.ticket = ticket_transfer(
            actor=self.demo.people.secretary[self.place.community.pk],
            ticket=self.ticket,
            target=Target(department=department),
            note="需职能部门处置，转办" + department.name,
            now=now,
        )
        return True

    def suspended(self) -> bool:
        if (now := self.at("resolve", 2, 20)) is None:
            return False
        suspender = self.dispatcher() if self.ticket.level != Level.DEPARTMENT else self.handler()
        self.ticket = ticket_suspend(
            actor=suspender, ticket=self.ticket, note=self.rng.choice(SUSPEND_NOTES), now=now
        )
        # Some wait still; the others resume after a week or two.
        if self.stop == "resume" or self.rng.random() < 0.4:
            return False
        when = now + dt.timedelta(days=self.rng.uniform(5, 16))
        if when > self.demo.now:
            return False
        self.t = when
        self.ticket = ticket_resume(
            actor=suspender, ticket=self.ticket, note="条件已具备，恢复办理", now=when
        )
        return True

    def resolve(self) -> bool:
        if (now := self.at("resolve", 0.5, 8)) is None:
            return False
        if self.ticket.state == State.DISPATCHED:  # escalated after it was taken up: taken up again
            self.ticket = ticket_accept(actor=self.handler(), ticket=self.ticket, now=now)
            if (now := self.at("resolve", 1, 10)) is None:
                return False
        if self.ticket.state != State.IN_PROGRESS:
            return False
        self.ticket = ticket_resolve(
            actor=self.handler(), ticket=self.ticket, note=self.rng.choice(self.scenario.results), now=now
        )
        return True

    def finish(self) -> None:
        """核查结案, then the rating (不满意 reopens once, a level up)."""
        if (now := self.at("verify", 0.5, 20)) is None:
            return
        self.ticket = ticket_verify(actor=self.verifier(), ticket=self.ticket, now=now)
        if (now := self.at("rate", 2, 48)) is None:
            return
        unsatisfied = self.plan == "unsatisfied"
        r = self.rng.random()
        rating = Rating.UNSATISFIED if unsatisfied else Rating.SATISFIED if r < 0.86 else Rating.BASIC
        note = self.rng.choice(RATING_NOTES_BAD if unsatisfied else RATING_NOTES_GOOD)
        self.ticket = ticket_rate(actor=self.rater(), ticket=self.ticket, rating=rating, note=note, now=now)
        if self.ticket.state != State.DISPATCHED:
            return
        # Reopened a level up: taken up, resolved, checked and rated again (no further reopen).
        self.plan = "normal"
        if (now := self.at("accept", 0.5, 6)) is None:
            return
        self.ticket = ticket_accept(actor=self.handler(), ticket=self.ticket, now=now)
        if not self.resolve():
            return
        self.finish()

    def void(self) -> None:
        if (now := self.at("register", 0.5, 6)) is None or self.ticket.state != State.REPORTED:
            return
        actor = self.demo.people.secretary[self.place.community.pk]
        self.ticket = ticket_void(
            actor=actor, ticket=self.ticket, reason=self.rng.choice(VOID_REASONS), now=now
        )


class _TicketDemo:
    def __init__(self, rng: random.Random, now: dt.datetime, count: int):
        self.rng = rng
        self.now = now
        self.count = count
        self.categories: dict[str, Category] = {}
        self.departments: dict[str, Department] = {}
        self.users_by_id: dict[int, User] = {}
        self.recent: dict[tuple[int, str], list[tuple[dt.datetime, int]]] = defaultdict(list)

    # -- setup
    def setup(self, county: Node) -> None:
        for key, name in DEPARTMENTS:
            self.departments[key] = Department.objects.create(
                code=f"demo-{key}", name=name, node=county, node_path=county.path
            )
        for scenario in SCENARIOS:
            self.categories[scenario.key] = self._category(scenario)
        self.people = self._people()
        self.places = self._places()

    def _category(self, scenario: Scenario) -> Category:
        """The deployment's category of that name when seeded; else one made here (kept on reset)."""
        found = {
            c.name: c
            for c in Category.objects.filter(name__in=scenario.names, active=True).select_related("parent")
        }
        category = next((found[n] for n in scenario.names if n in found), None)
        if category is None:
            parent, _ = Category.objects.get_or_create(
                name=scenario.parent,
                parent=None,
                defaults={
                    "code": f"demo-{scenario.key}-group",
                    "kind": PARENTS.get(scenario.parent, "demand"),
                },
            )
            category, _ = Category.objects.get_or_create(
                code=f"demo-{scenario.key}",
                defaults={
                    "name": scenario.names[0],
                    "parent": parent,
                    "kind": scenario.kind,
                    "is_consultation": scenario.consultation,
                    "grid_may_close": scenario.grid_may_close,
                },
            )
        if category.department_id is None:
            category.department = self.departments[scenario.department]
            category.save(update_fields=["department"])
        return category

    def _people(self) -> _People:
        users = {u.username: u for u in User.objects.filter(username__startswith=DEMO_USER_PREFIX)}
        self.users_by_id = {u.pk: u for u in users.values()}
        nodes = {n.code: n for n in Node.objects.filter(kind__in=["grid", "village", "township"])}
        from sanzhi.demo.town import DEMO_LOGINS, STREET_CODE

        def login_code(username: str) -> str:
            return DEMO_LOGINS[username][1]

        gridworker = {
            nodes[u[len("demo-gw-") :]].pk: user for u, user in users.items() if u.startswith("demo-gw-")
        }
        gridworker[nodes[login_code("demo-gridworker")].pk] = users["demo-gridworker"]
        secretary = {
            nodes[u[len("demo-sec-") :]].pk: user for u, user in users.items() if u.startswith("demo-sec-")
        }
        secretary[nodes[login_code("demo-secretary")].pk] = users["demo-secretary"]
        street = {
            node.pk: users[f"{DEMO_USER_PREFIX}street-{node.code}-1"]
            for node in nodes.values()
            if node.kind == "township"
        }
        street[nodes[STREET_CODE].pk] = users["demo-street"]
        rep = {
            nodes[u[len("demo-rep-") :]].pk: user for u, user in users.items() if u.startswith("demo-rep-")
        }
        rep[nodes[login_code("demo-rep")].pk] = users["demo-rep"]
        # 职能部门 members: demo-dept in 城管局, the department handlers on the two townships elsewhere.
        handlers = sorted(u for u in users if u.startswith(f"{DEMO_USER_PREFIX}dept-"))
        member: dict[int, User] = {}
        pairs = [(self.departments["urban"], users["demo-dept"])]
        others = [d for k, d in self.departments.items() if k != "urban"]
        pairs += [(others[i % len(others)], users[u]) for i, u in enumerate(handlers)]
        DepartmentMember.objects.bulk_create(DepartmentMember(department=d, user=u) for d, u in pairs)
        for department, user in pairs:
            member.setdefault(department.pk, user)
        resident_user = users.get("demo-resident")
        return _People(
            gridworker=gridworker,
            secretary=secretary,
            street=street,
            rep=rep,
            member=member,
            party=self._party_members(),
            resident=resident_user,
        )

    def _party_members(self) -> dict[int, list[User]]:
        """Two party members per community take runs (党员跑单); they get a login-less account."""
        chosen: dict[int, list[User]] = {}
        communities = Node.objects.filter(kind="village").order_by("code")
        for community in communities:
            candidates = list(
                Resident.objects.filter(
                    node_path__startswith=community.path,
                    political_status__in=PARTY_MEMBER_STATUSES,
                    user__isnull=True,
                    birth_date__gt=self.now.date() - dt.timedelta(days=365 * 60),
                ).order_by("id")[:40]
            )
            picked = self.rng.sample(candidates, min(2, len(candidates)))
            users = []
            for resident in picked:
                user = User(username=f"{DEMO_USER_PREFIX}pm-{resident.pk}", display_name=resident.name)
                user.set_unusable_password()
                user.save()
                Resident.objects.filter(pk=resident.pk).update(user=user)
                user = User.objects.select_related("resident").get(pk=user.pk)
                self.users_by_id[user.pk] = user
                users.append(user)
            chosen[community.pk] = users
        return chosen

    def _places(self) -> list[_Place]:
        nodes = {n.path: n for n in Node.objects.exclude(kind="county")}
        micros = [n for n in nodes.values() if n.kind == "grid" and n.grid_level == 2]
        heads: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)
        rows = (
            Resident.objects.filter(relation=Relation.HEAD, household__node__grid_level=2)
            .values_list("household_id", "name", "phone", "household__address", "household__node_id")
            .order_by("household_id")
        )
        for household_id, name, phone, address, node_id in rows:
            heads[node_id].append((household_id, name, phone, address))
        places = []
        for micro in sorted(micros, key=lambda n: n.path):
            grid = nodes[micro.path[: -Node.steplen]]
            community = nodes[grid.path[: -Node.steplen]]
            street = nodes[community.path[: -Node.steplen]]
            if heads[micro.pk]:
                places.append(_Place(micro, grid, community, street, heads[micro.pk]))
        return places

    # -- helpers for the lives
    def department_of(self, ticket: Ticket) -> Department | None:
        category = ticket.category
        return category.department if category is not None else None

    def merge_target(self, ticket: Ticket, scenario: Scenario) -> Ticket | None:
        assert ticket.community_id is not None
        for created, pk in reversed(self.recent[(ticket.community_id, scenario.key)]):
            if pk != ticket.pk and ticket.created_at - created < dt.timedelta(days=3):
                target = Ticket.objects.filter(pk=pk).exclude(state__in=[State.VOID, State.MERGED]).first()
                if target is not None:
                    return target
        return None

    # -- the quarter
    def intake_times(self) -> list[dt.datetime]:
        """Report times over the last DAYS days: more on weekdays, mostly 07:00–22:00 local."""
        start = self.now - dt.timedelta(days=DAYS)
        times: list[dt.datetime] = []
        while len(times) < self.count:
            moment = start + dt.timedelta(seconds=self.rng.uniform(0, DAYS * 86400))
            local = timezone.localtime(moment)
            day_weight = 0.7 if local.weekday() >= 5 else 1.0
            hour_weight = 1.0 if 7 <= local.hour < 22 else 0.15
            if self.rng.random() < day_weight * hour_weight:
                times.append(moment)
        return sorted(times)

    def build(self) -> TicketSummary:
        summary = TicketSummary(departments=len(self.departments))
        weights = [s.weight for s in SCENARIOS]
        resident = self.people.resident
        own_place = next(
            (p for p in self.places if resident is not None and p.micro.path == resident.resident.node_path),
            None,
        )
        times = self.intake_times()
        # demo-resident's own demands: spread over the quarter, the last ones still open.
        own_at = set(self.rng.sample(range(len(times) // 3, len(times)), 6)) if own_place else set()
        for i, created in enumerate(times):
            scenario = self.rng.choices(SCENARIOS, weights)[0]
            mine = i in own_at and own_place is not None
            place = own_place if mine and own_place is not None else self._place_for(scenario)
            ticket = self._intake(place, scenario, created, mine)
            plan = self.rng.choices([p for p, _w in PLANS], [w for _p, w in PLANS])[0]
            sim = _Sim(self, ticket, place, scenario, plan)
            if created > self.now - dt.timedelta(days=6):
                sim.stop = self.rng.choices([s for s, _w in OPEN_STOPS], [w for _s, w in OPEN_STOPS])[0]
            self._live(sim, summary)
            self.recent[(place.community.pk, scenario.key)].append((created, ticket.pk))
        own_grid = [p for p in self.places if p.grid.pk == self.places[0].grid.pk]
        for whose, key, plan, stop, hours_ago in SHOWCASE:
            scenario = next(s for s in SCENARIOS if s.key == key)
            mine = whose == "resident" and own_place is not None
            place = own_place if mine and own_place is not None else self.rng.choice(own_grid)
            created = self.now - dt.timedelta(hours=hours_ago)
            sim = _Sim(self, self._intake(place, scenario, created, mine), place, scenario, plan)
            sim.stop, sim.pace = stop, 0.05
            self._live(sim, summary)
        self._tick()
        summary.tickets = len(times) + len(SHOWCASE)
        summary.states = Counter(
            dict(Ticket.objects.values("state").annotate(n=Count("id")).values_list("state", "n"))
        )
        return summary

    def _live(self, sim: _Sim, summary: TicketSummary) -> None:
        """One ticket's life. A step the services refuse (a case this simulation did not foresee)
        ends it where it stands: every step before it was committed consistently, rollups included."""
        try:
            sim.run()
        except DomainError as exc:
            summary.refused.append(f"{sim.ticket.pk} {sim.plan}: {exc}")

    def _place_for(self, scenario: Scenario) -> _Place:
        # The demo logins' grid is busy on purpose, so its queue shows something.
        if self.rng.random() < 0.04:
            first = self.places[0]
            return self.rng.choice([p for p in self.places if p.grid.pk == first.grid.pk])
        return self.rng.choice(self.places)

    def _intake(self, place: _Place, scenario: Scenario, created: dt.datetime, mine: bool) -> Ticket:
        rng = self.rng
        household_id, head, phone, address = rng.choice(place.households)
        where = address.split("号")[0].rsplit("楼", 1)[0] if "栋" in address else address.rsplit("号", 1)[0]
        title, text = rng.choice(scenario.reports)
        text = text.format(where=where, name=head[0])
        people = self.people
        kw: dict[str, Any] = {"now": created, "title": title, "text": text, "address": address}
        if mine and people.resident is not None:
            resident = people.resident
            return ticket_create(actor=resident, channel=Channel.RESIDENT, **kw)
        channel = rng.choices(
            [Channel.REPRESENTATIVE, Channel.PATROL, Channel.VISIT, Channel.HOTLINE, Channel.OPEN311],
            [35, 22, 13, 24, 6],
        )[0]
        category = self.categories[scenario.key] if channel in (Channel.PATROL, Channel.VISIT) else None
        household = Household(pk=household_id, node=place.micro, node_path=place.micro.path)
        if channel == Channel.REPRESENTATIVE and place.micro.pk not in people.rep:
            channel = Channel.VISIT
        if channel == Channel.REPRESENTATIVE:
            return ticket_create(
                actor=people.rep[place.micro.pk],
                channel=channel,
                household=household,
                reporter_name=head,
                reporter_phone=phone,
                **kw,
            )
        if channel in (Channel.PATROL, Channel.VISIT):
            return ticket_create(
                actor=people.gridworker[place.grid.pk],
                channel=channel,
                node=place.micro,
                household=household if channel == Channel.VISIT else None,
                reporter_name=head if channel == Channel.VISIT else "",
                reporter_phone=phone if channel == Channel.VISIT else "",
                category=category,
                **kw,
            )
        return ticket_create(
            actor=people.street[place.street.pk] if channel == Channel.HOTLINE else None,
            channel=channel,
            node=place.micro,
            reporter_name=head,
            reporter_phone=phone,
            **kw,
        )

    def _tick(self) -> None:
        """What the worker would have done by now: escalate whatever lay past its deadline."""
        while True:
            due = list(
                Ticket.objects.filter(
                    Q(state__in=sorted(CLOCK_STATES)), deadline_handled=False, due_at__lte=self.now
                ).values_list("pk", "due_at")
            )
            if not due:
                return
            for pk, due_at in due:
                assert due_at is not None
                tick = min(self.now, due_at + dt.timedelta(minutes=self.rng.randint(1, 9)))
                ticket_escalate(ticket_id=pk, now=tick)


def build_tickets(
    *, county: Node, rng: random.Random, count: int, now: dt.datetime | None = None
) -> TicketSummary:
    """Departments, categories (unless seeded), and ``count`` tickets over the last quarter."""
    started = timezone.now()
    demo = _TicketDemo(rng, now or timezone.now(), count)
    demo.setup(county)
    summary = demo.build()
    summary.escalations = sum(Ticket.objects.values_list("escalations", flat=True))
    summary.reopens = Ticket.objects.filter(reopens__gt=0).count()
    summary.party_runs = Ticket.objects.filter(events__data__party_run=True).distinct().count()
    summary.seconds = (timezone.now() - started).total_seconds()
    return summary
