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
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from sanzhi.accounts.models import User
from sanzhi.core.errors import DomainError
from sanzhi.demo.guard import DEMO_USER_PREFIX
from sanzhi.demo.texts import (
    DEPARTMENTS,
    PARENTS,
    SCENARIOS,
    Scenario,
)
from sanzhi.demo.ticket_life import (
    DAYS,
    OPEN_STOPS,
    PLANS,
    SHOWCASE,
    People,
    Place,
    TicketLife,
    TicketSummary,
)
from sanzhi.grids.models import Node
from sanzhi.people.codes import PARTY_MEMBER_STATUSES, Relation
from sanzhi.people.models import Household, Resident
from sanzhi.tickets.escalation import ticket_escalate
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Category, Channel, Department, DepartmentMember, Ticket
from sanzhi.tickets.states import CLOCK_STATES, State


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

    def _people(self) -> People:
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
        return People(
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

    def _places(self) -> list[Place]:
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
                places.append(Place(micro, grid, community, street, heads[micro.pk]))
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
            sim = TicketLife(self, ticket, place, scenario, plan)
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
            ticket = self._intake(place, scenario, created, mine)
            sim = TicketLife(self, ticket, place, scenario, plan)
            sim.stop, sim.pace = stop, 0.05
            self._live(sim, summary)
            self.recent[(place.community.pk, scenario.key)].append((created, ticket.pk))
        self._tick()
        summary.tickets = len(times) + len(SHOWCASE)
        summary.states = Counter(
            dict(Ticket.objects.values("state").annotate(n=Count("id")).values_list("state", "n"))
        )
        return summary

    def _live(self, sim: TicketLife, summary: TicketSummary) -> None:
        """One ticket's life. A step the services refuse (a case this simulation did not foresee)
        ends it where it stands: every step before it was committed consistently, rollups included."""
        try:
            sim.run()
        except DomainError as exc:
            summary.refused.append(f"{sim.ticket.pk} {sim.plan}: {exc}")

    def _place_for(self, scenario: Scenario) -> Place:
        # The demo logins' grid is busy on purpose, so its queue shows something.
        if self.rng.random() < 0.04:
            first = self.places[0]
            return self.rng.choice([p for p in self.places if p.grid.pk == first.grid.pk])
        return self.rng.choice(self.places)

    def _intake(self, place: Place, scenario: Scenario, created: dt.datetime, mine: bool) -> Ticket:
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
