"""``sanzhi coverage [--under CODE] [--json] [--limit N]``: 网格覆盖检查 as text or JSON.

Exits 0 whether or not gaps are found (it is a report); 1 only when the command itself fails.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError
from sanzhi.grids.coverage import DEFAULT_LIMIT, CoverageReport, coverage_report
from sanzhi.grids.selectors import node_get


class Command(BaseCommand):
    help = "网格覆盖检查：未入微网格的户、无联户长的微网格、联系户数超出范围的联户长"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--under", metavar="CODE", help=_("只检查该节点及其下级"))
        parser.add_argument("--json", action="store_true", help=_("输出 JSON"))
        parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help=_("每类问题最多列出的条数"))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            root = node_get(code=options["under"]) if options["under"] else None
            report = coverage_report(root=root, limit=max(options["limit"], 0))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_text(report))


def render_text(report: CoverageReport) -> str:
    t = report.totals
    title = f"{report.root_name}（{report.root_code}）" if report.root_code else _("全部节点")
    lines = [
        _("网格覆盖检查：{title}").format(title=title),
        _("户数 {h}，已入微网格 {hin}（{hp}%），未入微网格 {hout}").format(
            h=t.households,
            hin=t.households_in_micro_grids,
            hp=t.household_coverage_pct,
            hout=t.unassigned_households,
        ),
        _("微网格 {m} 个，有联户长 {mw}（{mp}%），无联户长 {mo}").format(
            m=t.micro_grids, mw=t.micro_grids_with_rep, mp=t.rep_coverage_pct, mo=t.micro_grids_without_rep
        ),
        _("联户长 {r} 人，联系户数超出范围 {ro} 人").format(r=t.reps, ro=t.reps_out_of_bounds),
        "",
    ]
    if report.unassigned_households:
        lines.append(_("未入微网格的户（前 {n} 条）：").format(n=len(report.unassigned_households)))
        for h in report.unassigned_households:
            lines.append(f"  {h.node_code}  {h.node_name}  {h.number or '-'}  {h.address}")
        lines.append("")
    if report.micro_grids_without_rep:
        lines.append(_("无联户长的微网格（前 {n} 条）：").format(n=len(report.micro_grids_without_rep)))
        for m in report.micro_grids_without_rep:
            lines.append("  " + _("{code}  {name}  {h} 户").format(code=m.code, name=m.name, h=m.households))
        lines.append("")
    if report.reps_out_of_bounds:
        lines.append(_("联系户数超出范围的联户长（前 {n} 条）：").format(n=len(report.reps_out_of_bounds)))
        for r in report.reps_out_of_bounds:
            problem = _("偏少") if r.problem == "below" else _("偏多")
            lines.append(
                "  "
                + _("{name}（{user}）  {code}  {h:g} 户，方案 {lo}–{hi} 户，{problem}").format(
                    name=r.name,
                    user=r.username,
                    code=r.node_code,
                    h=r.households,
                    lo=r.rep_min,
                    hi=r.rep_max,
                    problem=problem,
                )
            )
        lines.append("")
    if report.communities:
        lines.append(_("按社区/村汇总："))
        header = [
            _("编码"),
            _("名称"),
            _("户数"),
            _("未入格"),
            _("微网格"),
            _("无联户长"),
            _("联户长"),
            _("超范围"),
        ]
        lines.append("  " + "\t".join(header))
        for c in report.communities:
            cells = [
                c.code,
                c.name,
                c.households,
                c.unassigned_households,
                c.micro_grids,
                c.micro_grids_without_rep,
                c.reps,
                c.reps_out_of_bounds,
            ]
            lines.append("  " + "\t".join(str(v) for v in cells))
    if report.ok:
        lines.append(_("未发现问题。"))
    return "\n".join(lines)
