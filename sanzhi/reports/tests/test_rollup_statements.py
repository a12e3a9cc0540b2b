"""The write cost of the rollups: one upsert statement per rollup table and ticket change, however many
rows (keys × ancestors) the change moves."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanzhi.reports.rollups import TABLES
from sanzhi.tickets import services as s
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel
from sanzhi.tickets.testing import TicketWorld

START = dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
ROLLUP_TABLES = tuple(t.name for t in TABLES)


def _rollup_writes(context: CaptureQueriesContext) -> int:
    return sum(
        1
        for q in context.captured_queries
        if q["sql"].lstrip().upper().startswith("INSERT") and any(t in q["sql"] for t in ROLLUP_TABLES)
    )


def test_one_rollup_statement_per_table_and_change(world: TicketWorld) -> None:
    town = world.town
    with CaptureQueriesContext(connection) as created:
        ticket = ticket_create(actor=None, channel=Channel.HOTLINE, text="甲", node=town.micro, now=START)
    with CaptureQueriesContext(connection) as registered:  # moves every per-category row
        s.ticket_register(actor=None, ticket=ticket, category=world.litter, now=START)
    ticket = s.ticket_dispatch(actor=None, ticket=ticket, target=s.Target(user=town.sysadmin), now=START)
    with CaptureQueriesContext(connection) as accepted:
        s.ticket_accept(actor=None, ticket=ticket, now=START)
    assert _rollup_writes(created) == len(TABLES)
    assert _rollup_writes(registered) == len(TABLES)
    assert _rollup_writes(accepted) == len(TABLES)
