"""``sanzhi synth --households N --into CODE``: synthetic households at any scale, for benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from sanzhi.core.dbstate import require_migrated
from sanzhi.demo.scale import synthesize
from sanzhi.grids.selectors import node_get


class Command(BaseCommand):
    help = "按规模生成合成户籍数据 / generate synthetic households at any scale"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, required=True, help="户数 / number of households")
        parser.add_argument("--into", required=True, metavar="CODE", help="节点编码 / node code")
        parser.add_argument("--seed", type=int, default=1, help="随机种子 / random seed")
        parser.add_argument(
            "--chunk", type=int, default=20_000, help="每次提交的户数 / households per commit"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        target = node_get(code=options["into"])
        quiet = options["verbosity"] == 0

        def progress(done: int, total: int, seconds: float) -> None:
            if not quiet:
                rate = done / seconds if seconds else 0.0
                self.stdout.write(f"  {done:>9}/{total} 户 households  {seconds:7.1f} s  {rate:8.0f}/s")

        result = synthesize(
            target=target,
            households=options["households"],
            seed=options["seed"],
            chunk=max(100, options["chunk"]),
            progress=progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                _("已生成 {h} 户、{r} 人，新建节点 {n} 个，用时 {s:.1f} 秒（{rate:.0f} 户/秒）").format(
                    h=result.households,
                    r=result.residents,
                    n=result.nodes_created,
                    s=result.seconds,
                    rate=result.rate,
                )
            )
        )
