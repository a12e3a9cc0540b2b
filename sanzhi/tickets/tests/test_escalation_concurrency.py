"""Two workers ticking at once on PostgreSQL: every ticket climbs each level exactly once, and its
dispatchers hear of it once.

SQLite serialises writers, so the race only exists on PostgreSQL (see grids/tests/test_concurrency.py).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from sanzhi.core.models import CalendarDay
from sanzhi.core.workcalendar import calendar_cache_clear
from sanzhi.grids.tests.test_concurrency import run_together
from sanzhi.tickets.escalation import TickReport, tick, ticket_escalate
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Notification, Ticket, TicketEscalation, TicketEvent
from sanzhi.tickets.states import Level
from sanzhi.tickets.testing import TicketWorld

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

SH = ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 11, 30, 10, tzinfo=SH)
LATE = dt.datetime(2026, 12, 3, 10, tzinfo=SH)  # past every grid deadline below, before the community's
ROOT = Path(__file__).resolve().parents[3]
seed_migration = importlib.import_module("sanzhi.core.migrations.0003_calendar_2026")


@pytest.fixture(autouse=True)
def official_2026(db: None) -> None:
    for day, kind, name in seed_migration.official_rows():
        CalendarDay.objects.get_or_create(date=day, defaults={"kind": kind, "name": name})
    calendar_cache_clear()


def many(world: TicketWorld, n: int) -> list[Ticket]:
    return [
        ticket_create(
            actor=None,
            channel=Channel.HOTLINE,
            text=f"第{i}处路面破损",
            household=world.town.households["h1"],
            category=world.road,
            now=MONDAY_10 + dt.timedelta(minutes=i),
        )
        for i in range(n)
    ]


def assert_each_climbed_once(tickets: list[Ticket]) -> None:
    ids = [t.pk for t in tickets]
    assert set(Ticket.objects.filter(pk__in=ids).values_list("level", "escalations")) == {
        (Level.COMMUNITY, 1)
    }
    assert TicketEscalation.objects.filter(ticket_id__in=ids).count() == len(ids)
    assert TicketEvent.objects.filter(ticket_id__in=ids, action="escalate").count() == len(ids)
    # The community secretary hears of each ticket once, whichever worker escalated it.
    notes = Notification.objects.filter(ticket_id__in=ids, kind="escalate")
    assert notes.count() == len(ids)
    assert set(notes.values_list("user__username", flat=True)) == {"secretary"}


def test_two_ticking_threads_escalate_each_ticket_once(world: TicketWorld) -> None:
    tickets = many(world, 40)
    results = run_together(lambda: tick(now=LATE, batch=7), lambda: tick(now=LATE, batch=7))
    assert all(isinstance(r, TickReport) for r in results), results
    reports: list[TickReport] = results
    assert sum(r.escalated_total for r in reports) == 40
    assert all(not r.failed for r in reports)
    assert sum(r.due for r in reports) == 40 + sum(r.skipped for r in reports)
    assert_each_climbed_once(tickets)


def test_many_escalations_of_one_ticket_make_one(world: TicketWorld) -> None:
    (ticket,) = many(world, 1)
    results = run_together(*[lambda: ticket_escalate(ticket_id=ticket.pk, now=LATE) for _ in range(4)])
    assert sum(isinstance(r, Ticket) for r in results) == 1
    assert sum(r is None for r in results) == 3, results
    assert_each_climbed_once([ticket])


def test_two_tick_processes_escalate_each_ticket_once(world: TicketWorld) -> None:
    tickets = many(world, 30)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "SANZHI_SECRET_KEY": "test-only-key-for-the-tick-subprocesses",
        "DJANGO_SETTINGS_MODULE": "sanzhi.settings",
    }
    command = [
        sys.executable,
        "-m",
        "sanzhi.cli",
        "tick",
        "--now",
        LATE.isoformat(),
        "--batch",
        "5",
        "--json",
    ]
    procs = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    reports = [json.loads(out) for out, _err in outputs]
    assert sum(r["escalated"] for r in reports) == 30 and all(r["failed"] == [] for r in reports)
    assert_each_climbed_once(tickets)
