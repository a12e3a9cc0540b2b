"""The working-time clock (sanzhi.core.workcalendar): microseconds per call, with the 2026 calendar.

    python bench/workcalendar_bench.py                 # SQLite in bench/out (the calendar is cached:
                                                       # the engine does not matter after the first call)
    python bench/workcalendar_bench.py --calls 200000

Prints a Markdown table of the median over --repeats of the mean time per call.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Callable
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
    parser.add_argument("--engine", choices=["postgres", "sqlite"], default="sqlite")
    parser.add_argument("--db-name", default="sanzhi_bench_calendar")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    return parser.parse_args()


def per_call_us(fn: Callable[[], Any], calls: int, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(samples)


def main() -> None:
    args = parse_args()
    prepare_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhi.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)  # seeds the 2026 notice
    from zoneinfo import ZoneInfo

    from sanzhi.core.workcalendar import (
        add_working_hours,
        add_working_seconds,
        is_working_day,
        working_seconds_between,
    )

    sh = ZoneInfo("Asia/Shanghai")
    start = dt.datetime(2026, 9, 14, 10, 0, tzinfo=sh)
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("is_working_day", lambda: is_working_day(dt.date(2026, 10, 3))),
        ("add_working_hours 4 h", lambda: add_working_hours(start, 4)),
        ("add_working_hours 30 working days (over 国庆)", lambda: add_working_hours(start, 240)),
        ("add_working_seconds 30 working days", lambda: add_working_seconds(start, 240 * 3600)),
        ("add_working_hours 10 working years", lambda: add_working_hours(start, 10 * 250 * 8)),
        (
            "working_seconds_between 40 days apart",
            lambda: working_seconds_between(start, start + dt.timedelta(days=40)),
        ),
    ]
    add_working_hours(start, 1)  # first call loads the calendar
    print(f"calls per sample: {args.calls}, samples: {args.repeats}\n")
    print("| operation | µs per call |")
    print("|---|--:|")
    for name, fn in cases:
        print(f"| {name} | {per_call_us(fn, args.calls, args.repeats):.2f} |")


if __name__ == "__main__":
    main()
