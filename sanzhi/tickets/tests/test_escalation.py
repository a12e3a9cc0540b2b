"""超时升级 on the working-time clock: the tick, ``sanzhi tick --now``, weekends and the 2026 National
Day holiday, suspension, and the worker's loop."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import json
import logging
import threading
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sanzhi.cli import main
from sanzhi.core.errors import ValidationFailed
from sanzhi.core.models import CalendarDay
from sanzhi.core.workcalendar import calendar_cache_clear
from sanzhi.tickets.escalation import TickReport, tick, tick_loop
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Category, CategoryLimit, Channel, Ticket, TicketEscalation
from sanzhi.tickets.services import (
    ticket_accept,
    ticket_dispatch,
    ticket_register,
    ticket_resolve,
    ticket_resume,
    ticket_suspend,
)
from sanzhi.tickets.states import Level, State
from sanzhi.tickets.testing import TicketWorld

SH = ZoneInfo("Asia/Shanghai")
seed_migration = importlib.import_module("sanzhi.core.migrations.0003_calendar_2026")


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


def local(value: dt.datetime | None) -> dt.datetime:
    assert value is not None
    return value.astimezone(SH)


@pytest.fixture(autouse=True)
def official_2026(db: None) -> None:
    """The migration seeds the calendar; a database flushed by a transactional test gets it back."""
    for day, kind, name in seed_migration.official_rows():
        CalendarDay.objects.get_or_create(date=day, defaults={"kind": kind, "name": name})
    calendar_cache_clear()


@pytest.fixture
def quick(world: TicketWorld) -> Category:
    """A category with a 2-working-hour grid limit, so a Friday-afternoon report runs into Monday."""
    category = Category.objects.create(code="quick", name="井盖缺失", department=world.urban)
    for level, response, resolve in [
        (Level.GRID, 1, 2),
        (Level.COMMUNITY, 2, 4),
        (Level.STREET, 2, 8),
        (Level.DEPARTMENT, 4, 16),
    ]:
        CategoryLimit.objects.create(
            category=category, level=level, response_hours=Decimal(response), resolve_hours=Decimal(resolve)
        )
    return category


def report(
    world: TicketWorld, category: Category, now: dt.datetime, text: str = "小区门口井盖不见了"
) -> Ticket:
    return ticket_create(
        actor=world.town.resident, channel=Channel.RESIDENT, text=text, category=category, now=now
    )


def run_tick(now: dt.datetime, via: str) -> dict[str, Any]:
    """One tick through the service or through ``sanzhi tick --now … --json``; the report as a dict."""
    if via == "service":
        return tick(now=now).as_dict()
    out = io.StringIO()
    call_command("tick", "--now", now.isoformat(), "--json", stdout=out)
    return dict(json.loads(out.getvalue()))


VIA = pytest.mark.parametrize("via", ["service", "command"])


# ---------------------------------------------------------------- across a weekend


@VIA
def test_friday_16_plus_two_working_hours_escalates_monday_10(
    world: TicketWorld, quick: Category, via: str
) -> None:
    ticket = report(world, quick, at(2026, 11, 27, 16))  # Friday 16:00
    assert local(ticket.due_at) == at(2026, 11, 30, 10)  # 1 h on Friday, 1 h on Monday
    for quiet in [
        at(2026, 11, 27, 17, 30),
        at(2026, 11, 28, 12),
        at(2026, 11, 29, 23, 59),
        at(2026, 11, 30, 9, 59),
    ]:
        result = run_tick(quiet, via)
        assert result["due"] == 0 and result["escalated"] == 0, quiet
    result = run_tick(at(2026, 11, 30, 10), via)
    assert result["escalated"] == 1 and result["escalated_by_level"] == {"community": 1}
    ticket.refresh_from_db()
    assert ticket.level == Level.COMMUNITY and ticket.state == State.DISPATCHED and ticket.overdue
    assert ticket.assignee_node == world.town.village and ticket.assignee_id is None
    # The community's own clock starts at the escalation: 4 working hours → Monday 14:00.
    assert local(ticket.level_since) == at(2026, 11, 30, 10)
    assert local(ticket.due_at) == at(2026, 11, 30, 14)
    # Ticking again at the same instant finds nothing: exactly once per level.
    assert run_tick(at(2026, 11, 30, 10), via)["due"] == 0
    assert list(TicketEscalation.objects.filter(ticket=ticket).values_list("from_level", "to_level")) == [
        ("grid", "community")
    ]


def test_the_whole_ladder_one_level_per_tick(world: TicketWorld, quick: Category) -> None:
    ticket = report(world, quick, at(2026, 11, 27, 16))
    far = at(2027, 3, 1, 10)
    levels = []
    for _ in range(5):
        result = tick(now=far)
        ticket.refresh_from_db()
        levels.append((ticket.level, result.escalated_total, result.overdue_total))
        far = local(ticket.due_at) if not ticket.deadline_handled else far + dt.timedelta(days=30)
    assert levels == [
        ("community", 1, 0),
        ("street", 1, 0),
        ("department", 1, 0),
        ("department", 0, 1),  # the top of the ladder: flagged overdue, stays
        ("department", 0, 0),
    ]
    assert ticket.department == world.urban and ticket.deadline_handled and ticket.escalations == 3
    assert TicketEscalation.objects.filter(ticket=ticket).count() == 3


def test_a_category_without_department_stops_at_the_street(world: TicketWorld) -> None:
    ticket = report(world, world.dispute, at(2026, 11, 30, 10), text="楼上邻居半夜装修")
    tick(now=at(2026, 12, 10, 10))
    result = tick(now=at(2026, 12, 31, 10))
    ticket.refresh_from_db()
    assert ticket.level == Level.STREET
    result = tick(now=at(2027, 1, 31, 10))
    ticket.refresh_from_db()
    assert result.overdue == {"street": 1} and ticket.level == Level.STREET and ticket.deadline_handled


# ---------------------------------------------------------------- across the National Day holiday


@VIA
def test_national_day_2026_holiday_and_make_up_saturday(world: TicketWorld, via: str) -> None:
    # 环境卫生: 8 working hours at the grid, 16 at the community, 24 at the street.
    ticket = report(world, world.litter, at(2026, 9, 30, 10), text="小区垃圾站满了没人清运")
    # 7 hours on Wednesday 30 September, then 1 to 7 October off: due Thursday 8 October 10:00.
    assert local(ticket.due_at) == at(2026, 10, 8, 10)
    for quiet in [at(2026, 10, 1, 10), at(2026, 10, 4, 12), at(2026, 10, 7, 23, 59), at(2026, 10, 8, 9, 59)]:
        assert run_tick(quiet, via)["due"] == 0, quiet
    assert run_tick(at(2026, 10, 8, 10), via)["escalated_by_level"] == {"community": 1}
    ticket.refresh_from_db()
    # 16 h from Thursday 8 October 10:00: 7 + 8 (Friday 9th) + 1 on Saturday 10th, a make-up day.
    assert ticket.level == Level.COMMUNITY and local(ticket.due_at) == at(2026, 10, 10, 10)
    assert run_tick(at(2026, 10, 10, 9, 59), via)["due"] == 0
    assert run_tick(at(2026, 10, 10, 10), via)["escalated_by_level"] == {"street": 1}
    ticket.refresh_from_db()
    # 24 h from Saturday 10:00: 7 + (Sunday 11th off) 8 on Monday 12th + 8 on Tuesday + 1.
    assert ticket.level == Level.STREET and local(ticket.due_at) == at(2026, 10, 14, 10)


def test_a_ticket_resolved_in_time_never_escalates(world: TicketWorld) -> None:
    town = world.town
    t = report(world, world.litter, at(2026, 9, 30, 10), text="垃圾桶坏了")
    t = ticket_register(actor=town.gridworker, ticket=t, now=at(2026, 9, 30, 10))
    t = ticket_dispatch(actor=town.gridworker, ticket=t, now=at(2026, 9, 30, 10))
    t = ticket_accept(actor=town.gridworker, ticket=t, now=at(2026, 9, 30, 11))
    ticket_resolve(actor=town.gridworker, ticket=t, note="已更换", now=at(2026, 10, 8, 9))
    assert tick(now=at(2026, 12, 1, 10)).due == 0


# ---------------------------------------------------------------- suspension stops the clock


@VIA
def test_suspended_ticket_never_escalates_and_resumes_with_the_time_left(
    world: TicketWorld, via: str
) -> None:
    town = world.town
    t = report(world, world.litter, at(2026, 11, 30, 10), text="路灯不亮")  # due Tuesday 1 Dec 10:00
    t = ticket_register(actor=town.gridworker, ticket=t, now=at(2026, 11, 30, 10))
    t = ticket_dispatch(actor=town.gridworker, ticket=t, now=at(2026, 11, 30, 10))
    t = ticket_accept(actor=town.gridworker, ticket=t, now=at(2026, 11, 30, 11))
    # Suspended Monday 14:00 with 3 h left on Monday and 1 h on Tuesday: 4 working hours.
    t = ticket_suspend(actor=town.gridworker, ticket=t, note="等待供电公司排期", now=at(2026, 11, 30, 14))
    assert t.state == State.SUSPENDED and t.remaining_seconds == 4 * 3600 and t.due_at is None
    for later in [at(2026, 12, 1, 10), at(2026, 12, 3, 15), at(2027, 6, 1, 10)]:
        assert run_tick(later, via)["due"] == 0
    t.refresh_from_db()
    assert t.level == Level.GRID and t.state == State.SUSPENDED and not t.overdue
    # Resumed Thursday 3 Dec 15:00: 2 h that day + 2 h on Friday → due Friday 11:00.
    t = ticket_resume(actor=town.gridworker, ticket=t, now=at(2026, 12, 3, 15))
    assert t.state == State.IN_PROGRESS and local(t.due_at) == at(2026, 12, 4, 11)
    assert run_tick(at(2026, 12, 4, 10, 59), via)["due"] == 0
    assert run_tick(at(2026, 12, 4, 11), via)["escalated_by_level"] == {"community": 1}


def test_suspended_after_the_deadline_passed_unnoticed_resumes_overdue(world: TicketWorld) -> None:
    """Suspended when already late (the tick had not run yet): no time left, so due on resume."""
    town = world.town
    t = report(world, world.litter, at(2026, 11, 30, 10), text="井盖松动")
    t = ticket_register(actor=town.gridworker, ticket=t, now=at(2026, 11, 30, 10))
    t = ticket_suspend(actor=town.gridworker, ticket=t, note="等待材料", now=at(2026, 12, 2, 10))
    assert t.remaining_seconds == 0
    t = ticket_resume(actor=town.gridworker, ticket=t, now=at(2026, 12, 7, 10))
    assert tick(now=at(2026, 12, 7, 10)).escalated == {"community": 1}


# ---------------------------------------------------------------- the tick itself


def test_tick_with_nothing_due_is_one_query(world: TicketWorld, quick: Category) -> None:
    for i in range(5):
        report(world, quick, at(2026, 11, 30, 10), text=f"井盖{i}")
    with CaptureQueriesContext(connection) as ctx:
        result = tick(now=at(2026, 11, 30, 11))
    assert result.due == 0 and result.queries == 1 and len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    assert "due_at" in sql and "deadline_handled" in sql


def test_the_due_read_uses_the_partial_index(world: TicketWorld, quick: Category) -> None:
    """The read repeats the index's condition with literal states; SQLite (always) and PostgreSQL
    (server-side binding) could not match a partial index against bound parameters."""
    from sanzhi.tickets.escalation import RUNNING_CLOCK

    index = next(i for i in Ticket._meta.indexes if i.name == "ticket_due_open_idx")
    assert index.condition is not None
    states = dict(index.condition.children)["state__in"]
    assert RUNNING_CLOCK.sql == '"state" IN ({})'.format(", ".join(f"'{s}'" for s in states))
    report(world, quick, at(2026, 11, 30, 10))
    query = (
        Ticket.objects.filter(RUNNING_CLOCK, due_at__lte=at(2026, 11, 30, 11), deadline_handled=False)
        .order_by("due_at", "pk")
        .values_list("pk", "level", "due_at")[:500]
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SET LOCAL enable_seqscan = off"
            )  # a tiny table: make the planner show its options
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "ticket_due_open_idx" in plan, plan


def test_tick_works_through_batches(world: TicketWorld, quick: Category) -> None:
    tickets = [report(world, quick, at(2026, 11, 27, 16), text=f"井盖{i}") for i in range(7)]
    result = tick(now=at(2026, 11, 30, 10), batch=3)
    assert result.due == 7 and result.escalated == {"community": 7} and result.queries == 3
    assert set(Ticket.objects.filter(level=Level.COMMUNITY).values_list("pk", flat=True)) == {
        t.pk for t in tickets
    }


def test_one_failing_ticket_does_not_stop_the_others(
    world: TicketWorld, quick: Category, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from sanzhi.tickets import escalation

    first, second = (report(world, quick, at(2026, 11, 27, 16), text=f"井盖{i}") for i in range(2))
    real = escalation.ticket_escalate

    def flaky(*, ticket_id: int, now: dt.datetime) -> Ticket | None:
        if ticket_id == first.pk:
            raise RuntimeError("boom")
        return real(ticket_id=ticket_id, now=now)

    monkeypatch.setattr(escalation, "ticket_escalate", flaky)
    with caplog.at_level(logging.ERROR, logger="sanzhi.tickets.escalation"):
        result = tick(now=at(2026, 11, 30, 10))
    assert result.failed == [first.pk] and result.escalated == {"community": 1}
    assert "boom" in caplog.text
    second.refresh_from_db()
    assert second.level == Level.COMMUNITY
    with pytest.raises(CommandError):
        call_command("tick", "--now", "2026-11-30T10:00:00+08:00", stdout=io.StringIO())


# ---------------------------------------------------------------- sanzhi tick


def test_tick_command_prints_what_it_did(world: TicketWorld, quick: Category) -> None:
    report(world, quick, at(2026, 11, 27, 16))
    out = io.StringIO()
    call_command("tick", "--now", "2026-11-30T10:00:00+08:00", stdout=out)
    text = out.getvalue()
    assert "升级 1 件" in text and "社区/村：1" in text and "2026-11-30T10:00:00+08:00" in text


def test_tick_command_reads_a_naive_time_as_shanghai(world: TicketWorld, quick: Category) -> None:
    report(world, quick, at(2026, 11, 27, 16))
    out = io.StringIO()
    call_command("tick", "--now", "2026-11-30 09:59", "--json", stdout=out)
    assert json.loads(out.getvalue())["due"] == 0
    call_command("tick", "--now", "2026-11-30T02:00:00Z", "--json", stdout=out)  # 10:00 in Shanghai
    assert Ticket.objects.get().level == Level.COMMUNITY


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2026-11-30T25:00", ""])
def test_bad_now_is_a_translated_error(db: None, bad: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        call_command("tick", "--now", bad)
    assert caught.value.code == "tick_bad_now"


def test_bad_now_on_the_command_line_exits_2(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["sanzhi", "tick", "--now", "not-a-time"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "tick_bad_now" in err and "ISO 8601" in err


# ---------------------------------------------------------------- the worker's loop


def test_tick_loop_runs_until_stopped() -> None:
    stop = threading.Event()
    calls: list[int] = []

    def fake() -> TickReport:
        calls.append(1)
        if len(calls) == 3:
            stop.set()
        return TickReport(now=timezone.now())

    reports: list[TickReport] = []
    assert tick_loop(stop=stop, seconds=0, run=fake, on_report=reports.append) == 3
    assert len(calls) == 3 and len(reports) == 3


def test_tick_loop_survives_errors(caplog: pytest.LogCaptureFixture) -> None:
    stop = threading.Event()
    calls: list[int] = []

    def broken() -> TickReport:
        calls.append(1)
        raise RuntimeError("database went away")

    with caplog.at_level(logging.ERROR, logger="sanzhi.tickets.escalation"):
        assert tick_loop(stop=stop, seconds=0, run=broken, max_ticks=3) == 3
    assert len(calls) == 3 and "database went away" in caplog.text


def test_tick_loop_waits_the_period_and_stops_at_once() -> None:
    stop = threading.Event()
    calls: list[int] = []

    def counted() -> TickReport:
        calls.append(1)
        return TickReport(now=timezone.now())

    thread = threading.Thread(target=tick_loop, kwargs={"stop": stop, "seconds": 3600, "run": counted})
    thread.start()
    thread.join(0.3)
    assert thread.is_alive() and calls == [1]  # ticked at start, now waiting the hour
    stop.set()
    thread.join(2)
    assert not thread.is_alive() and calls == [1]


def test_tick_loop_escalates_with_the_real_tick(world: TicketWorld, quick: Category) -> None:
    ticket = report(world, quick, at(2026, 11, 27, 16))
    done: list[TickReport] = []
    tick_loop(
        stop=threading.Event(), seconds=0, run=lambda: tick(now=at(2026, 11, 30, 10)), on_report=done.append,
        max_ticks=2,
    )  # fmt: skip
    assert [r.escalated_total for r in done] == [1, 0]
    ticket.refresh_from_db()
    assert ticket.level == Level.COMMUNITY


@pytest.mark.django_db(transaction=True)
def test_worker_batch_runs_a_tick_before_draining(world: TicketWorld, quick: Category) -> None:
    # Reported a month ago in real time: overdue now, whatever today is.
    ticket = report(world, quick, timezone.now() - dt.timedelta(days=30))
    out = io.StringIO()
    call_command("worker", batch=True, verbosity=1, stdout=out)
    ticket.refresh_from_db()
    assert ticket.level == Level.COMMUNITY and "escalated 1" in out.getvalue()
    call_command("worker", batch=True, tick_seconds=0, verbosity=0)  # 0 turns the tick off


@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_tick_on_a_thread_beside_the_task_runner(
    world: TicketWorld, quick: Category, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sanzhi.demo.management.commands import worker

    ticket = report(world, quick, timezone.now() - dt.timedelta(days=30))
    seen: dict[str, Any] = {}

    def fake_db_worker(name: str, **kwargs: Any) -> None:
        # Stands in for django-tasks' runner; returns once the tick thread did its work.
        seen["name"] = name
        deadline = timezone.now() + dt.timedelta(seconds=20)
        while timezone.now() < deadline:
            if Ticket.objects.filter(pk=ticket.pk, level=Level.COMMUNITY).exists():
                seen["escalated"] = True
                return
            threading.Event().wait(0.05)

    monkeypatch.setattr(worker, "call_command", fake_db_worker)
    call_command("worker", tick_seconds=3600, verbosity=0)
    assert seen == {"name": "db_worker", "escalated": True}
    assert not [t for t in threading.enumerate() if t.name == "sanzhi-tick"]  # stopped with the runner
