"""Ticket fixtures on top of the persona town (sanzhi.core.testing): two departments, a few categories
with their own time limits, and the town's department persona as a member of 城管局."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sanzhi.core.testing import Town
from sanzhi.tickets.models import (
    Category,
    CategoryKind,
    CategoryLimit,
    Department,
    DepartmentMember,
    Rating,
    Ticket,
)
from sanzhi.tickets.states import Level


@dataclass
class TicketWorld:
    town: Town
    urban: Department  # 城管局
    water: Department  # 水务局
    litter: Category  # 环境卫生 (the grid may close it)
    road: Category  # 道路破损 (城管局)
    dispute: Category  # 邻里纠纷 (no department above the street)
    policy: Category  # 政策咨询 (a consultation)


def _limits(category: Category, hours: dict[str, tuple[int, int]]) -> None:
    for level, (response, resolve) in hours.items():
        CategoryLimit.objects.create(
            category=category, level=level, response_hours=Decimal(response), resolve_hours=Decimal(resolve)
        )


def build_ticket_world(town: Town) -> TicketWorld:
    urban = Department.objects.create(
        code="urban", name="城管局", node=town.county, node_path=town.county.path
    )
    water = Department.objects.create(
        code="water", name="水务局", node=town.county, node_path=town.county.path
    )
    DepartmentMember.objects.create(department=urban, user=town.dept)
    environment = Category.objects.create(code="environment", name="市容环境", kind=CategoryKind.EVENT)
    litter = Category.objects.create(
        code="litter",
        name="环境卫生",
        parent=environment,
        kind=CategoryKind.EVENT,
        grid_may_close=True,
        department=urban,
        keywords="垃圾 卫生 清扫",
    )
    facilities = Category.objects.create(code="facilities", name="道路交通", kind=CategoryKind.PART)
    road = Category.objects.create(
        code="road",
        name="道路破损",
        parent=facilities,
        kind=CategoryKind.PART,
        department=urban,
        keywords="路面 坑洼 破损",
    )
    dispute = Category.objects.create(code="dispute", name="邻里纠纷", keywords="纠纷 邻居 吵架")
    policy = Category.objects.create(
        code="policy", name="政策咨询", is_consultation=True, keywords="咨询 政策 怎么办"
    )
    hours: dict[str, tuple[int, int]] = {
        Level.GRID: (2, 8),
        Level.COMMUNITY: (4, 16),
        Level.STREET: (4, 24),
        Level.DEPARTMENT: (8, 40),
    }
    _limits(environment, hours)
    _limits(facilities, hours)
    return TicketWorld(town, urban, water, litter, road, dispute, policy)


# Every step the loop knows, taken by the system (actor=None), for property tests that drive tickets
# through random sequences. ``pick`` chooses among the world's categories; ``other`` is a merge target.
SYSTEM_STEPS: tuple[str, ...] = (
    "register",
    "dispatch",
    "dispatch_community",
    "dispatch_department",
    "accept",
    "resolve",
    "answer",
    "verify",
    "reject",
    "satisfied",
    "basic",
    "unsatisfied",
    "return",
    "transfer",
    "suspend",
    "resume",
    "void",
    "merge",
    "escalate",
    "comment",
)


def take_step(
    world: TicketWorld, ticket: Ticket, step: str, *, now: dt.datetime, other: Ticket, pick: int = 0
) -> None:
    """Take one named step on ``ticket`` as the system; a refused step raises its DomainError."""
    from sanzhi.tickets import services as s
    from sanzhi.tickets.escalation import ticket_escalate

    town = world.town
    t = Ticket.objects.get(pk=ticket.pk)
    categories = [world.litter, world.road, world.dispute, world.policy]
    steps: dict[str, Callable[[], object]] = {
        "register": lambda: s.ticket_register(actor=None, ticket=t, category=categories[pick % 4], now=now),
        "dispatch": lambda: s.ticket_dispatch(
            actor=None, ticket=t, target=s.Target(user=town.gridworker), now=now
        ),
        "dispatch_community": lambda: s.ticket_dispatch(
            actor=None, ticket=t, target=s.Target(node=t.community), now=now
        ),
        "dispatch_department": lambda: s.ticket_dispatch(
            actor=None, ticket=t, target=s.Target(department=world.urban), now=now
        ),
        "accept": lambda: s.ticket_accept(actor=None, ticket=t, now=now),
        "resolve": lambda: s.ticket_resolve(actor=None, ticket=t, note="好了", now=now),
        "answer": lambda: s.ticket_answer(actor=None, ticket=t, note="答复", now=now),
        "verify": lambda: s.ticket_verify(actor=None, ticket=t, now=now),
        "reject": lambda: s.ticket_reject(actor=None, ticket=t, note="没好", now=now),
        "satisfied": lambda: s.ticket_rate(actor=None, ticket=t, rating=Rating.SATISFIED, now=now),
        "basic": lambda: s.ticket_rate(actor=None, ticket=t, rating=Rating.BASIC, now=now),
        "unsatisfied": lambda: s.ticket_rate(actor=None, ticket=t, rating=Rating.UNSATISFIED, now=now),
        "return": lambda: s.ticket_return(actor=None, ticket=t, note="不归我", now=now),
        "transfer": lambda: s.ticket_transfer(
            actor=None, ticket=t, target=s.Target(department=world.water), note="转水务", now=now
        ),
        "suspend": lambda: s.ticket_suspend(actor=None, ticket=t, note="等材料", now=now),
        "resume": lambda: s.ticket_resume(actor=None, ticket=t, now=now),
        "void": lambda: s.ticket_void(actor=None, ticket=t, reason="无效", now=now),
        "merge": lambda: s.ticket_merge(actor=None, ticket=t, into=other, now=now),
        "escalate": lambda: ticket_escalate(ticket_id=t.pk, now=now + dt.timedelta(days=30)),
        "comment": lambda: s.ticket_comment(actor=None, ticket=t, note="备注", now=now),
    }
    steps[step]()
