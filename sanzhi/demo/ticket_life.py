"""One demo ticket's life (the simulator behind sanzhi.demo.tickets): its plan, the people who act on it
and the steps they take after realistic delays, with the escalation tick run before each step."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sanzhi.accounts.models import User
from sanzhi.demo.texts import (
    RATING_NOTES_BAD,
    RATING_NOTES_GOOD,
    REJECT_NOTES,
    RETURN_NOTES,
    SUSPEND_NOTES,
    VOID_REASONS,
    Scenario,
)
from sanzhi.grids.models import Node
from sanzhi.tickets.escalation import ticket_escalate
from sanzhi.tickets.models import Rating, Ticket
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

if TYPE_CHECKING:
    from sanzhi.demo.tickets import _TicketDemo

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
    # A neighbour reports the pile of rubbish reported an hour before: merged into it (合并), so the
    # demo always shows a merge, whatever the day's random duplicates do.
    ("grid", "litter", "merge", "", 0.5),
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
class Place:
    micro: Node
    grid: Node
    community: Node
    street: Node
    households: list[tuple[int, str, str, str]]  # household id, head name, phone, address


@dataclass
class People:
    gridworker: dict[int, User]  # grid id -> grid worker
    secretary: dict[int, User]  # community id -> 书记/网格长
    street: dict[int, User]  # street id -> street admin
    rep: dict[int, User]  # micro-grid id -> 联户长
    member: dict[int, User]  # department id -> a member
    party: dict[int, list[User]]  # community id -> party members who take runs
    resident: User | None


class TicketLife:
    """Runs one ticket's life; ``t`` is the time of the last step."""

    def __init__(self, demo: _TicketDemo, ticket: Ticket, place: Place, scenario: Scenario, plan: str):
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
