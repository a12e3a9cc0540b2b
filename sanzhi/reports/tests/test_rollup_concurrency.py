"""Concurrent ticket changes on PostgreSQL keep the rollups exact: the upsert (INSERT … ON CONFLICT DO
UPDATE with increments) never loses an update or creates a duplicate row, and the fixed lock order
never deadlocks when changes move tickets between rows in opposite directions."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from sanzhi.core.testing import build_town
from sanzhi.reports.models import TicketDayRollup
from sanzhi.reports.rollups import kpi_differences
from sanzhi.tickets import services as s
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Ticket
from sanzhi.tickets.testing import build_ticket_world

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(i: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # collected for the assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def test_concurrent_creates_and_transitions_keep_rollups_exact() -> None:
    town = build_town()
    world = build_ticket_world(town)
    per_thread = 12

    def work(k: int) -> int:
        # Every thread writes the same (community, day) rows; odd threads move their tickets from
        # litter to road and even threads from road to litter, so the row pairs are taken in opposite
        # directions at the same time.
        first, second = (world.litter, world.road) if k % 2 else (world.road, world.litter)
        for i in range(per_thread):
            t = ticket_create(
                actor=None,
                channel=Channel.HOTLINE,
                text=f"并发{k}-{i}",
                node=town.micro,
                category=first,
                now=NOW,
            )
            t = s.ticket_register(actor=None, ticket=t, category=second, now=NOW)
            t = s.ticket_dispatch(actor=None, ticket=t, target=s.Target(user=town.sysadmin), now=NOW)
            t = s.ticket_accept(actor=None, ticket=t, now=NOW)
            s.ticket_resolve(actor=None, ticket=t, note="好了", now=NOW)
        return per_thread

    results = run_together(*(lambda k=k: work(k) for k in range(6)))
    assert results == [per_thread] * 6
    assert Ticket.objects.count() == 6 * per_thread
    assert kpi_differences() == []
    rows = TicketDayRollup.objects.filter(node=town.village, category_key__gte=0)
    assert rows.count() == 2  # one per category, no duplicates
    assert sum(r.received for r in rows) == sum(r.resolved for r in rows) == 6 * per_thread
    everything = TicketDayRollup.objects.get(node=town.village, category_key=-1)
    assert everything.received == everything.resolved == 6 * per_thread
