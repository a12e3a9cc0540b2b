"""``sanzhi train-router``: learn category and department suggestions from this deployment's history.

    sanzhi train-router [--report] [--min-samples N] [--max-samples N]

Trains on registered tickets' categories and on the departments tickets ended at, keeps the new
model in the database (every process picks it up on its next suggestion), and with ``--report``
prints the held-out accuracy per target and how often dispatchers overrode the suggestions shown.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sanzhi.tickets.routing import (
    DEFAULT_MAX_SAMPLES,
    DEFAULT_MIN_SAMPLES,
    OverrideStats,
    TrainResult,
    override_stats,
    train_router,
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


class Command(BaseCommand):
    help = "训练智能分派模型（分类与部门建议）；--report 输出留出集准确率"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--report", action="store_true", help=_("输出留出集准确率与派单员修改建议的比例"))
        parser.add_argument(
            "--min-samples",
            type=int,
            default=DEFAULT_MIN_SAMPLES,
            metavar="N",
            help=_("样本少于 N 条时不训练该目标"),
        )
        parser.add_argument(
            "--max-samples",
            type=int,
            default=DEFAULT_MAX_SAMPLES,
            metavar="N",
            help=_("最多使用最近的 N 条样本"),
        )
        parser.add_argument("--seed", type=int, default=0, help=_("留出集随机种子"))

    def handle(self, *args: Any, **options: Any) -> None:
        result = train_router(
            min_samples=max(options["min_samples"], 2),
            max_samples=options["max_samples"],
            seed=options["seed"],
        )
        if result.row is None:
            self.stdout.write(_("样本不足，未训练新模型；继续使用关键词规则（或上一个模型）。"))
        else:
            self.stdout.write(
                _("已训练模型 #{id}（{s:.1f} 秒）：分类样本 {c} 条，部门样本 {d} 条").format(
                    id=result.row.pk,
                    s=result.seconds,
                    c=result.row.category_samples,
                    d=result.row.department_samples,
                )
            )
        if options["report"]:
            self.stdout.write(render_report(result, override_stats()))


REASONS = {"too_few_samples": gettext_noop("样本不足"), "one_class": gettext_noop("只有一个类别")}


def render_report(result: TrainResult, overrides: OverrideStats) -> str:
    header = [
        _("目标"),
        _("样本"),
        _("类别数"),
        _("留出样本"),
        "top-1",
        "top-3",
        _("关键词 top-1"),
        _("状态"),
    ]
    names = {"category": _("分类"), "department": _("部门")}
    table = [header]
    for name, r in result.targets.items():
        status = _("已训练") if r.trained else _(REASONS.get(r.reason, r.reason))
        table.append(
            [
                names.get(name, name),
                str(r.samples),
                str(r.classes),
                str(r.test_samples or "-"),
                _pct(r.top1),
                _pct(r.top3),
                _pct(r.keywords_top1),
                status,
            ]
        )
    widths = [max(_width(row[c]) for row in table) for c in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[c]) for c, cell in enumerate(row)).rstrip() for row in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if overrides.shown:
        lines.append(
            _("立案时显示建议 {n} 次，派单员改选其他分类 {o} 次（{p}）").format(
                n=overrides.shown, o=overrides.overridden, p=_pct(overrides.rate)
            )
        )
        for source, (shown, over) in sorted(overrides.by_source.items()):
            label = _("模型") if source == "model" else _("关键词") if source == "keywords" else source
            lines.append(
                "  "
                + _("{source}：{n} 次，改选 {o} 次（{p}）").format(
                    source=label, n=shown, o=over, p=_pct(over / shown)
                )
            )
    else:
        lines.append(_("尚无立案时的建议记录"))
    return "\n".join(lines)


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
