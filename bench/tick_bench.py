"""The escalation tick at 1,000,000 open tickets: with nothing due it must be one cheap indexed read.

    python bench/tick_bench.py                        # PostgreSQL, database sanzhi_bench_tick
    python bench/tick_bench.py --reuse                # keep the tickets of an earlier run
    python bench/tick_bench.py --engine sqlite --tickets 200000

The town: 1 township, 20 villages of 10 grids, a secretary per village. The tickets are written with
COPY on PostgreSQL (executemany on SQLite), not through the services: this measures the tick, not
intake. Of the open tickets 85% run a clock due within the next 30 days, 5% are suspended (no
deadline) and 10% were flagged overdue at the top of the ladder (deadline passed and handled) — the
last two are what the partial index ``ticket_due_open_idx`` leaves out.

Prints a Markdown table: the tick with nothing due (p50/p95/max over --runs, queries per tick), the
same read with index scans turned off for contrast, and a tick that escalates --due tickets (ms per
ticket, through ``ticket_escalate`` with its notifications), plus the query plan of the tick's read.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import prepare_database  # noqa: E402

sys.path.insert(0, str(ROOT))

SECRET = "bench-only-secret-key-not-for-production"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--db-name", default="sanzhi_bench_tick")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--due", type=int, default=200, help="tickets made due for the escalation row")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def build_town() -> dict[str, Any]:
    from sanzhi.accounts.models import RoleAssignment, User
    from sanzhi.accounts.roles import Role
    from sanzhi.grids.services import node_create
    from sanzhi.tickets.models import Category, Department

    county = node_create(actor=None, parent=None, code="511923000000", name="平昌县")
    township = node_create(actor=None, parent=county, code="511923101000", name="江口镇")
    street_admin = User.objects.create(username="street", display_name="街道管理员")
    RoleAssignment.objects.create(
        user=street_admin, role=Role.STREET_ADMIN, node=township, node_path=township.path
    )
    grids = []
    for v in range(20):
        village = node_create(
            actor=None, parent=township, code=f"511923101{201 + v:03d}", name=f"第{v + 1}社区"
        )
        secretary = User.objects.create(username=f"secretary{v}", display_name=f"书记{v}")
        RoleAssignment.objects.create(
            user=secretary, role=Role.GRID_CHIEF, node=village, node_path=village.path
        )
        for g in range(10):
            grid = node_create(
                actor=None, parent=village, code=f"{village.code}{g + 1:03d}", name=f"第{g + 1}网格"
            )
            grids.append((grid, village))
    department = Department.objects.create(code="urban", name="城管局", node=county, node_path=county.path)
    category = Category.objects.create(code="road", name="道路破损", department=department)
    return {"grids": grids, "township": township, "category": category}


def ticket_rows(
    args: argparse.Namespace, town: dict[str, Any], now: dt.datetime
) -> Iterator[tuple[Any, ...]]:
    """One tuple per ticket, in the column order of ``ticket_columns()``."""
    from sanzhi.tickets.models import Channel
    from sanzhi.tickets.states import Level, State

    rng = random.Random(args.seed)
    running = [State.REPORTED, State.REGISTERED, State.DISPATCHED, State.IN_PROGRESS]
    grids: Sequence[tuple[Any, Any]] = town["grids"]
    township = town["township"]
    category_id = town["category"].pk
    for i in range(args.tickets):
        grid, village = grids[i % len(grids)]
        created = now - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 20))
        roll = rng.random()
        suspended_from = ""
        remaining = None
        handled = overdue = False
        level = Level.GRID
        if roll < 0.85:
            state = rng.choice(running)
            due: dt.datetime | None = now + dt.timedelta(minutes=rng.randint(1, 60 * 24 * 30))
        elif roll < 0.90:
            state, suspended_from, due, remaining = State.SUSPENDED, State.IN_PROGRESS, None, 3600
        else:
            state, due, handled, overdue = State.IN_PROGRESS, created + dt.timedelta(days=2), True, True
            level = Level.STREET
        values = {
            "title": f"第{i}号路面破损",
            "text": "路面出现坑洼，雨天积水，影响通行。",
            "category_id": category_id,
            "channel": Channel.HOTLINE,
            "state": state,
            "level": level,
            "suspended_from": suspended_from,
            "is_consultation": False,
            "node_id": grid.pk,
            "node_path": grid.path,
            "community_id": village.pk,
            "street_id": township.pk,
            "address": "",
            "reporter_name": "",
            "reporter_phone": "",
            "external_id": "",
            "party_run": False,
            "created_at": created,
            "updated_at": created,
            "level_since": created,
            "due_at": due,
            "remaining_seconds": remaining,
            "rating": "",
            "rating_note": "",
            "escalations": 0,
            "reopens": 0,
            "overdue": overdue,
            "deadline_handled": handled,
            "resolved_level": "",
        }
        yield tuple(values.get(column) for column in ticket_columns())


def ticket_columns() -> list[str]:
    from sanzhi.tickets.models import Ticket

    return [f.column for f in Ticket._meta.concrete_fields if not f.primary_key]


def load(args: argparse.Namespace, town: dict[str, Any], now: dt.datetime) -> None:
    from django.db import connection, transaction

    from sanzhi.tickets.models import Ticket

    table = Ticket._meta.db_table
    columns = ticket_columns()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cols = ", ".join(f'"{c}"' for c in columns)
            with cursor.cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
                for row in ticket_rows(args, town, now):
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})'
            batch: list[tuple[Any, ...]] = []
            for row in ticket_rows(args, town, now):
                batch.append(row)
                if len(batch) >= 20_000:
                    cursor.executemany(sql, batch)
                    batch = []
            cursor.executemany(sql, batch)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], list[float], int]:
    """Wall-clock ms, this process's CPU ms (excludes waiting on the server and the scheduler) and
    the queries of the last run."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fn()  # warm: connection, calendar cache, plan cache
    times, cpu = [], []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.thread_time()
            fn()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
        queries = len(ctx.captured_queries)
    return times, cpu, queries


def main() -> None:
    args = parse_args()
    prepare_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhi.settings")
    os.environ.setdefault("SANZHI_SECRET_KEY", SECRET)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from sanzhi.tickets.escalation import due_clocks, tick
    from sanzhi.tickets.models import Ticket
    from sanzhi.tickets.states import CLOCK_STATES

    call_command("migrate", verbosity=0)
    now = timezone.now()
    if not args.reuse or not Ticket.objects.exists():
        start = time.perf_counter()
        town = build_town()
        load(args, town, now)
        print(f"loaded {args.tickets:,} tickets in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    with connection.cursor() as cursor:
        # Steady state, as autovacuum keeps it: statistics current, the last run's escalations vacuumed.
        verb = "VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE"
        cursor.execute(f'{verb} "{Ticket._meta.db_table}"')
    open_count = Ticket.objects.filter(state__in=[*sorted(CLOCK_STATES), "suspended"]).count()
    running = Ticket.objects.filter(state__in=sorted(CLOCK_STATES), deadline_handled=False).count()
    rows: list[tuple[str, list[float], list[float], int, str]] = []

    quiet = Ticket.objects.filter(state__in=sorted(CLOCK_STATES), deadline_handled=False).order_by("due_at")
    first_due = quiet.values_list("due_at", flat=True).first()
    before = (first_due or now) - dt.timedelta(seconds=1)
    reports: list[Any] = []
    times, cpu, queries = timed(lambda: reports.append(tick(now=before)), args.runs)
    assert all(r.due == 0 for r in reports)
    rows.append(("tick, nothing due", times, cpu, queries, ""))
    times, cpu, queries = timed(lambda: due_clocks(before, limit=500), args.runs)
    rows.append(("due read alone (the one query)", times, cpu, queries, ""))

    if connection.vendor == "postgresql":

        def without_index() -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_indexscan = off")
                cursor.execute("SET LOCAL enable_bitmapscan = off")
                cursor.execute("SET LOCAL enable_indexonlyscan = off")
                due_clocks(before, limit=500)

        times, cpu, queries = timed(without_index, max(3, args.runs // 20))
        rows.append(
            ("same read, index scans off (contrast)", times, cpu, queries, "3 SET LOCAL, then the read")
        )
        with connection.cursor() as cursor:
            sql, params = (
                Ticket.objects.filter(
                    due_at__lte=before, state__in=sorted(CLOCK_STATES), deadline_handled=False
                )
                .order_by("due_at", "pk")
                .values_list("pk", "level", "due_at")[:500]
                .query.sql_with_params()
            )
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = "\n".join(r[0] for r in cursor.fetchall())
    else:
        with connection.cursor() as cursor:
            sql, params = (
                Ticket.objects.filter(
                    due_at__lte=before, state__in=sorted(CLOCK_STATES), deadline_handled=False
                )
                .order_by("due_at", "pk")
                .values_list("pk", "level", "due_at")[:500]
                .query.sql_with_params()
            )
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = "\n".join(str(r[-1]) for r in cursor.fetchall())

    # A tick with work: --due tickets whose deadline passed a minute before `now`.
    due_ids = list(quiet.values_list("pk", flat=True)[: args.due])
    Ticket.objects.filter(pk__in=due_ids).update(due_at=now - dt.timedelta(minutes=1))
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        start, start_cpu = time.perf_counter(), time.thread_time()
        report = tick(now=now)
        elapsed = (time.perf_counter() - start) * 1000
        used = (time.thread_time() - start_cpu) * 1000
    done = max(1, report.escalated_total)
    rows.append(
        (
            f"tick escalating {report.escalated_total} (failed {len(report.failed)})",
            [elapsed],
            [used],
            len(ctx.captured_queries),
            f"{elapsed / done:.1f} ms and {len(ctx.captured_queries) / done:.0f} queries per ticket",
        )
    )

    loadavg = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\nengine={connection.vendor} tickets={Ticket.objects.count():,} open={open_count:,} "
        f"running clocks (in the partial index)={running:,} runs={args.runs} "
        f"cpus={os.cpu_count()} load average={loadavg}\n"
    )
    print("| operation | p50 ms | p95 ms | max ms | client CPU p50 ms | queries | note |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for label, values, cpu_values, queries, note in rows:
        print(
            f"| {label} | {statistics.median(values):.2f} | {percentile(values, 0.95):.2f} "
            f"| {max(values):.2f} | {statistics.median(cpu_values):.2f} | {queries} | {note} |"
        )
    print("\nplan of the tick's read (nothing due):\n")
    print("\n".join("    " + line for line in plan.splitlines()))


if __name__ == "__main__":
    main()
