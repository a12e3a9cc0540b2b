"""网格覆盖检查 and ``sanzhi nodes`` listing at district scale: 40,000 micro-grids, 1,000,000 households.

    python bench/coverage_bench.py                          # PostgreSQL (database sanzhi_bench_coverage)
    python bench/coverage_bench.py --engine sqlite --households 200000 --micro-grids 8000
    python bench/coverage_bench.py --reuse                  # keep the data of an earlier run

The tree: 1 county, 10 townships, 40 villages each, grids of 10 micro-grids each. 90% of micro-grids
have a representative; households are spread 0–50 per micro-grid, a few hundred wait at villages.
Households are written with bulk_create and the rollup counters set to match (no services: this
measures the report, not the writers). Prints a Markdown table of median/max wall time and query
counts over --runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import prepare_database  # noqa: E402

sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--micro-grids", type=int, default=40_000)
    parser.add_argument("--db-name", default="sanzhi_bench_coverage")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def build(args: argparse.Namespace) -> None:
    from django.db import transaction

    from sanzhi.accounts.models import RoleAssignment, User
    from sanzhi.accounts.roles import Role
    from sanzhi.grids.bulk import NodePlanner
    from sanzhi.grids.models import Node
    from sanzhi.people.models import Household

    rng = random.Random(args.seed)
    townships, villages_per = 10, 40
    micro_per_grid = 10
    grids_per_village = max(1, args.micro_grids // (townships * villages_per * micro_per_grid))
    planner = NodePlanner(edition=2024)
    county = planner.add(None, code="511923000000", name="平昌县", kind="county")
    micros: list[Node] = []
    villages: list[Node] = []
    for t in range(1, townships + 1):
        town = planner.add(county, code=f"511923{100 + t:03d}000", name=f"镇{t}", kind="township")
        for v in range(1, villages_per + 1):
            village = planner.add(
                town, code=f"511923{100 + t:03d}{200 + v:03d}", name=f"村{t}-{v}", kind="village"
            )
            villages.append(village)
            for g in range(1, grids_per_village + 1):
                grid = planner.add(village, code=f"{village.code}{g:03d}", name=f"网格{g}", kind="grid")
                for m in range(1, micro_per_grid + 1):
                    micros.append(planner.add(grid, code=f"{grid.code}{m:03d}", name=f"单元{m}", kind="grid"))
    with transaction.atomic():
        planner.save()
    print(f"nodes: {Node.objects.count():,}  micro-grids: {len(micros):,}", file=sys.stderr)

    per_micro = args.households / len(micros)
    counts = {m.pk: rng.randint(0, int(2 * per_micro)) for m in micros}
    waiting = {v.pk: rng.randint(0, 2) for v in villages}
    node_of = {n.pk: n for n in [*micros, *villages]}
    batch: list[Household] = []
    written = 0
    with transaction.atomic():
        for node_id, n in [*counts.items(), *waiting.items()]:
            node = node_of[node_id]
            for i in range(n):
                batch.append(Household(node_id=node_id, node_path=node.path, address=f"{node.name}{i}号"))
            if len(batch) >= 20_000:
                Household.objects.bulk_create(batch)
                written += len(batch)
                batch = []
        Household.objects.bulk_create(batch)
        written += len(batch)
        for node_id, n in [*counts.items(), *waiting.items()]:
            if n:
                Node.objects.filter(pk=node_id).update(households_direct=n)
        users = User.objects.bulk_create(
            [User(username=f"rep{m.pk}", display_name=f"联户长{m.pk}") for m in micros if rng.random() < 0.9],
            batch_size=5_000,
        )
        if not all(u.pk for u in users):
            users = list(User.objects.filter(username__startswith="rep"))
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(
                    user=u,
                    role=Role.HOUSEHOLD_REP,
                    node_id=int(u.username[3:]),
                    node_path=node_of[int(u.username[3:])].path,
                )
                for u in users
            ],
            batch_size=5_000,
        )
    print(f"households: {written:,}  reps: {len(users):,}", file=sys.stderr)


def measure(label: str, fn: Any, runs: int) -> tuple[str, float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        queries = len(ctx.captured_queries)
    return label, statistics.median(times), max(times), queries


def main() -> None:
    args = parse_args()
    prepare_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sanzhi.grids.coverage import coverage_report
    from sanzhi.grids.models import Node
    from sanzhi.grids.selectors import node_rows

    if not args.reuse or not Node.objects.exists():
        start = time.perf_counter()
        build(args)
        print(f"built in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    county = Node.objects.get(code="511923000000")
    township = Node.objects.get(code="511923101000")
    village = Node.objects.get(code="511923101201")
    report = coverage_report(root=county)
    t = report.totals
    rows = [
        measure("coverage county", lambda: coverage_report(root=county), args.runs),
        measure("coverage township", lambda: coverage_report(root=township), args.runs),
        measure("coverage village", lambda: coverage_report(root=village), args.runs),
        measure("coverage county as_dict", lambda: coverage_report(root=county).as_dict(), args.runs),
        measure("nodes list county", lambda: node_rows(under=county), args.runs),
        measure("nodes list level 3", lambda: node_rows(under=county, level=3), args.runs),
    ]
    print(
        f"\nengine={args.engine} micro-grids={t.micro_grids:,} households={t.households:,} "
        f"unassigned={t.unassigned_households:,} without-rep={t.micro_grids_without_rep:,} "
        f"reps-out-of-bounds={t.reps_out_of_bounds:,}\n"
    )
    print("| operation | median ms | max ms | queries |")
    print("|---|---:|---:|---:|")
    for label, median, worst, queries in rows:
        print(f"| {label} | {median:.0f} | {worst:.0f} | {queries} |")


if __name__ == "__main__":
    main()
