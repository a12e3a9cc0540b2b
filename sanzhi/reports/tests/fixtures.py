"""A hand-checkable set of tickets, made through the ticket services with ``now=``.

All on Monday 2026-11-30 in 创举社区 (grid 001), unless noted:

T1 环境卫生  accepted after 30 min (in time), resolved at the grid after 2 h, closed, rated 满意
T2 邻里纠纷  accepted after 3 working hours (late), resolved at the grid, closed, rated 不满意 → reopened at
             the community, resolved there at +1 day, closed, rated 不满意 again (final)
T3 政策咨询  answered at the grid after 1 h (a consultation)
T4 道路破损  voided
T5 环境卫生  merged into T1 (not counted)
T6 道路破损  never taken up: escalated up to 城管局 (overdue, escalated, open, department urban)
T7 环境卫生  白衣村, Tuesday 2026-12-01, reported and left open
T8 环境卫生  创举社区 grid 002 (patrol), accepted in time, resolved at +4 h, closed, rated 基本满意
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sanzhi.grids.models import Node
from sanzhi.tickets.escalation import ticket_escalate
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Category, Channel, Rating, Ticket
from sanzhi.tickets.services import (
    Target,
    ticket_accept,
    ticket_answer,
    ticket_dispatch,
    ticket_merge,
    ticket_rate,
    ticket_register,
    ticket_resolve,
    ticket_verify,
    ticket_void,
)
from sanzhi.tickets.testing import TicketWorld

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY_10 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=SHANGHAI)
H = dt.timedelta(hours=1)


@dataclass
class KpiFixture:
    world: TicketWorld
    tickets: dict[str, Ticket]


def _loop(
    world: TicketWorld, t: Ticket, start: dt.datetime, accept: dt.timedelta, done: dt.timedelta
) -> Ticket:
    admin = world.town.sysadmin
    t = ticket_dispatch(actor=admin, ticket=t, target=Target(user=admin), now=start)
    t = ticket_accept(actor=admin, ticket=t, now=start + accept)
    t = ticket_resolve(actor=admin, ticket=t, note="已处理", now=start + done)
    return ticket_verify(actor=admin, ticket=t, now=start + done)


def build_kpi_fixture(world: TicketWorld) -> KpiFixture:
    town, admin = world.town, world.town.sysadmin

    def report(category: Category, node: Node | None = None, now: dt.datetime = MONDAY_10) -> Ticket:
        ticket = ticket_create(
            actor=None,
            channel=Channel.HOTLINE,
            text="热线来电反映的问题",
            node=node or town.micro,
            now=now,
        )
        return ticket_register(actor=admin, ticket=ticket, category=category, now=now)

    t1 = _loop(world, report(world.litter), MONDAY_10, H / 2, 2 * H)
    t1 = ticket_rate(actor=admin, ticket=t1, rating=Rating.SATISFIED, now=MONDAY_10 + 3 * H)

    t2 = _loop(world, report(world.dispute), MONDAY_10, 3 * H, 4 * H)
    t2 = ticket_rate(actor=admin, ticket=t2, rating=Rating.UNSATISFIED, now=MONDAY_10 + 5 * H)
    t2 = ticket_accept(actor=admin, ticket=t2, now=MONDAY_10 + 24 * H)
    t2 = ticket_resolve(actor=admin, ticket=t2, note="社区再次调解", now=MONDAY_10 + 24 * H)
    t2 = ticket_verify(actor=admin, ticket=t2, now=MONDAY_10 + 25 * H)
    t2 = ticket_rate(actor=admin, ticket=t2, rating=Rating.UNSATISFIED, now=MONDAY_10 + 26 * H)

    t3 = ticket_answer(actor=admin, ticket=report(world.policy), note="已电话答复", now=MONDAY_10 + H)

    t4 = ticket_void(actor=admin, ticket=report(world.road), reason="重复来电", now=MONDAY_10 + H)

    t5 = ticket_merge(actor=admin, ticket=report(world.litter), into=t1, now=MONDAY_10 + H)

    # Climbs grid → community → street → 城管局 (as in tickets/tests/test_loop.py).
    t6 = report(world.road)
    for days in (3, 10, 24):
        escalated = ticket_escalate(ticket_id=t6.pk, now=MONDAY_10 + days * 24 * H)
        assert escalated is not None
        t6 = escalated

    t7 = report(world.litter, node=town.other_micro, now=MONDAY_10 + 24 * H)

    grid2 = Node.objects.get(code="511923100201002")
    t8 = _loop(world, report(world.litter, node=grid2), MONDAY_10, H, 4 * H)
    t8 = ticket_rate(actor=admin, ticket=t8, rating=Rating.BASIC, now=MONDAY_10 + 5 * H)

    tickets = {"t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5, "t6": t6, "t7": t7, "t8": t8}
    return KpiFixture(world, tickets)
