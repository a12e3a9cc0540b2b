"""After any sequence of ticket actions (legal or refused), the rollups equal a recomputation from the
raw tickets — the incremental before/after move never drifts."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanzhi.core.errors import DomainError
from sanzhi.reports.rollups import kpi_recompute_from_tickets, kpi_stored
from sanzhi.tickets import services as s
from sanzhi.tickets.escalation import ticket_escalate
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Rating, Ticket
from sanzhi.tickets.testing import TicketWorld

START = dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Friday
ACTIONS = (
    "register",
    "dispatch",
    "dispatch_community",
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
step = st.tuples(st.integers(0, 2), st.sampled_from(ACTIONS), st.integers(0, 40), st.integers(0, 3))


def _act(world: TicketWorld, tickets: list[Ticket], i: int, action: str, now: dt.datetime, pick: int) -> None:
    town = world.town
    t = Ticket.objects.get(pk=tickets[i].pk)
    categories = [world.litter, world.road, world.dispute, world.policy]
    calls: dict[str, Any] = {
        "register": lambda: s.ticket_register(actor=None, ticket=t, category=categories[pick], now=now),
        "dispatch": lambda: s.ticket_dispatch(
            actor=None, ticket=t, target=s.Target(user=town.sysadmin), now=now
        ),
        "dispatch_community": lambda: s.ticket_dispatch(
            actor=None, ticket=t, target=s.Target(node=t.community), now=now
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
            actor=None, ticket=t, target=s.Target(department=world.urban), note="转城管", now=now
        ),
        "suspend": lambda: s.ticket_suspend(actor=None, ticket=t, note="等材料", now=now),
        "resume": lambda: s.ticket_resume(actor=None, ticket=t, now=now),
        "void": lambda: s.ticket_void(actor=None, ticket=t, reason="无效", now=now),
        "merge": lambda: s.ticket_merge(actor=None, ticket=t, into=tickets[(i + 1) % len(tickets)], now=now),
        "escalate": lambda: ticket_escalate(ticket_id=t.pk, now=now),
        "comment": lambda: s.ticket_comment(actor=None, ticket=t, note="备注", now=now),
    }
    with contextlib.suppress(DomainError):  # a refused action changes nothing, rollups included
        calls[action]()


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, max_size=30))
def test_rollups_equal_recomputation_after_any_sequence(world: TicketWorld, steps: list[Any]) -> None:
    town = world.town
    with transaction.atomic():
        tickets = [
            ticket_create(actor=None, channel=Channel.HOTLINE, text="甲", node=town.micro, now=START),
            ticket_create(
                actor=None,
                channel=Channel.HOTLINE,
                text="乙",
                node=town.other_micro,
                category=world.policy,
                now=START + dt.timedelta(hours=9),  # the next local day
            ),
            ticket_create(actor=None, channel=Channel.HOTLINE, text="丙", node=town.village, now=START),
        ]
        now = START
        for i, action, hours, pick in steps:
            now += dt.timedelta(hours=hours)
            _act(world, tickets, i, action, now, pick)
        assert kpi_stored() == kpi_recompute_from_tickets()
        transaction.set_rollback(True)
