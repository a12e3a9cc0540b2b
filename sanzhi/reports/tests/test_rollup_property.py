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
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel
from sanzhi.tickets.testing import SYSTEM_STEPS, TicketWorld, take_step

START = dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # a Friday
step = st.tuples(st.integers(0, 2), st.sampled_from(SYSTEM_STEPS), st.integers(0, 40), st.integers(0, 3))


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
            with contextlib.suppress(DomainError):  # a refused step changes nothing, rollups included
                take_step(
                    world, tickets[i], action, now=now, other=tickets[(i + 1) % len(tickets)], pick=pick
                )
        assert kpi_stored() == kpi_recompute_from_tickets()
        transaction.set_rollback(True)
