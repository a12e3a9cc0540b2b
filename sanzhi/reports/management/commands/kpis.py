"""``sanzhi kpis``: the ticket KPI rollups (诉求考核指标汇总表).

sanzhi kpis --verify     compare the rollups with a recomputation from the raw tickets (exit 1 on drift)
sanzhi kpis --rebuild    rebuild every rollup from the raw tickets (after a bulk load, or to repair)
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sanzhi.reports.rollups import kpi_differences, kpi_rebuild


class Command(BaseCommand):
    help = "诉求考核指标汇总表：--verify 核对，--rebuild 重建 / KPI rollups: --verify or --rebuild"

    def add_arguments(self, parser: CommandParser) -> None:
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--verify", action="store_true", help="核对汇总表与工单是否一致 / verify")
        action.add_argument("--rebuild", action="store_true", help="由工单重建汇总表 / rebuild")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["rebuild"]:
            counts = kpi_rebuild()
            rows = ", ".join(f"{table} {n}" for table, n in counts.items())
            self.stdout.write(f"已重建 / rebuilt: {rows} ({time.monotonic() - started:.1f} s)")
            return
        problems = kpi_differences()
        if problems:
            for line in problems:
                self.stdout.write(line)
            self.stderr.write(
                "汇总表与工单不一致 / the rollups differ from the tickets: run `sanzhi kpis --rebuild`"
            )
            sys.exit(1)
        self.stdout.write(f"一致 / OK ({time.monotonic() - started:.1f} s)")
