"""``sanzhi disclosure <subcommand>``: the 三务公开 calendar and disclosures from the command line.

    sanzhi disclosure plans adopt --node CODE
    sanzhi disclosure plans list --node CODE [--all] [--json]
    sanzhi disclosure calendar --node CODE [--year Y] [--json]
    sanzhi disclosure lines import ID FILE.xlsx|FILE.csv [--replace] [--json]
    sanzhi disclosure lines export ID OUT.xlsx|OUT.csv
    sanzhi disclosure publish ID

ID is a disclosure's number (shown in the console and the API). The CLI runs as the installation's
operator (services with ``actor=None``); a refused operation prints the reason and exits 1, and
``lines import`` writes nothing unless every row is valid.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError
from sanzhi.core.rowerrors import render_row_errors
from sanzhi.disclosure.calendar import calendar_for
from sanzhi.disclosure.finance_io import FinanceImportReport, export_lines
from sanzhi.disclosure.models import Area, Disclosure, DisclosurePlan, Frequency
from sanzhi.disclosure.services import disclosure_publish, finance_lines_import, plans_adopt_default
from sanzhi.grids.models import Node
from sanzhi.grids.selectors import node_get

YEAR_MIN, YEAR_MAX = 2000, 2999
EXPORT_SUFFIXES = (".xlsx", ".csv")


def _node(code: str) -> Node:
    return node_get(code=code)


def _disclosure(ref: str) -> Disclosure:
    found = Disclosure.objects.select_related("node").filter(pk=int(ref)).first() if ref.isdigit() else None
    if found is None:
        raise CommandError(_("没有编号为 {id} 的公开内容").format(id=ref))
    return found


def _plan_row(plan: DisclosurePlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "area": plan.area,
        "title": plan.title,
        "frequency": plan.frequency,
        "due_days": plan.due_days,
        "active": plan.active,
    }


def _plan_line(plan: DisclosurePlan) -> str:
    stopped = "" if plan.active else f" ({_('停用')})"
    return (
        f"{plan.pk}\t{Area(plan.area).label}\t{plan.title}{stopped}\t{Frequency(plan.frequency).label}\t"
        + _("期满后 {n} 天内").format(n=plan.due_days)
    )


# ---------------------------------------------------------------- plans


def _plans_add(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="plans_action", required=True)
    adopt = sub.add_parser("adopt", help=_("为社区（村）采用默认公开目录（党务、村(居)务、财务）"))
    adopt.add_argument("--node", required=True, help=_("社区（村）的节点编码"))
    listing = sub.add_parser("list", help=_("列出社区（村）的公开目录"))
    listing.add_argument("--node", required=True, help=_("社区（村）的节点编码"))
    listing.add_argument("--all", action="store_true", help=_("包括已停用的事项"))
    listing.add_argument("--json", action="store_true", help=_("输出 JSON"))


def _plans(command: BaseCommand, options: dict[str, Any]) -> None:
    node = _node(options["node"])
    if options["plans_action"] == "adopt":
        created = plans_adopt_default(actor=None, node=node)
        for plan in created:
            command.stdout.write(_plan_line(plan))
        command.stdout.write(
            _("已为{node}采用默认公开目录：新增 {n} 项（已有的同名事项保持不变）").format(
                node=node.name, n=len(created)
            )
        )
        return
    plans = DisclosurePlan.objects.filter(node=node).order_by("area", "order", "id")
    if not options["all"]:
        plans = plans.filter(active=True)
    if options["json"]:
        command.stdout.write(json.dumps([_plan_row(p) for p in plans], ensure_ascii=False, indent=2))
        return
    rows = list(plans)
    for plan in rows:
        command.stdout.write(_plan_line(plan))
    command.stdout.write(_("{node}共 {n} 个公开事项").format(node=node.name, n=len(rows)))


# ---------------------------------------------------------------- calendar


def _calendar_add(parser: CommandParser) -> None:
    parser.add_argument("--node", required=True, help=_("社区（村）的节点编码"))
    parser.add_argument("--year", help=_("年份（默认今年）"))
    parser.add_argument("--json", action="store_true", help=_("输出 JSON"))


def _year(text: str | None, default: int) -> int:
    if text is None:
        return default
    if not text.isdigit() or not YEAR_MIN <= int(text) <= YEAR_MAX:
        raise CommandError(_("年份应为 {lo} 到 {hi} 之间的四位数字").format(lo=YEAR_MIN, hi=YEAR_MAX))
    return int(text)


def _calendar(command: BaseCommand, options: dict[str, Any]) -> None:
    node = _node(options["node"])
    today = timezone.localdate()
    year = _year(options["year"], today.year)
    entries = calendar_for(node=node, year=year, today=today)
    if options["json"]:
        command.stdout.write(json.dumps([e.as_dict() for e in entries], ensure_ascii=False, indent=2))
        return
    command.stdout.write(
        _("{node} {year} 年公开日历（截至 {today}）").format(node=node.name, year=year, today=today)
    )
    command.stdout.write(
        "\t".join([_("类别"), _("公开事项"), _("所属期"), _("应公开日期"), _("状态"), _("公开内容")])
    )
    for entry in entries:
        command.stdout.write(
            "\t".join(
                [
                    str(Area(entry.plan.area).label),
                    entry.plan.title,
                    entry.period.code,
                    entry.due_date.isoformat(),
                    entry.status_label,
                    f"#{entry.disclosure.pk}" if entry.disclosure else "-",
                ]
            )
        )
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.status_label] = counts.get(entry.status_label, 0) + 1
    summary = "，".join(f"{label} {n}" for label, n in counts.items())
    command.stdout.write(_("共 {n} 期").format(n=len(entries)) + (f"：{summary}" if summary else ""))


# ---------------------------------------------------------------- lines import / export


def _lines_add(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="lines_action", required=True)
    imp = sub.add_parser("import", help=_("从 xlsx/csv 导入收支明细（全部正确才写入）"))
    imp.add_argument("id", help=_("公开内容编号（财务公开草稿）"))
    imp.add_argument("file", help=_("导入文件（.xlsx 或 .csv）"))
    imp.add_argument("--replace", action="store_true", help=_("替换草稿中已有的明细（默认追加）"))
    imp.add_argument("--json", action="store_true", help=_("输出 JSON"))
    export = sub.add_parser("export", help=_("导出收支明细"))
    export.add_argument("id", help=_("公开内容编号"))
    export.add_argument("file", help=_("导出文件（.xlsx 或 .csv）"))


def render_import(report: FinanceImportReport) -> str:
    if report.file_error is not None:
        return report.file_error.message
    if report.errors:
        return render_row_errors(report.rows, report.errors)
    return _("共 {n} 行：新增 {c} 条明细，替换 {r} 条").format(
        n=report.rows, c=report.created, r=report.replaced
    )


def _lines(command: BaseCommand, options: dict[str, Any]) -> None:
    disclosure = _disclosure(options["id"])
    path = Path(options["file"])
    if options["lines_action"] == "export":
        if path.suffix.lower() not in EXPORT_SUFFIXES:
            raise CommandError(_("导出文件须为 .xlsx 或 .csv：{file}").format(file=path))
        count = export_lines(disclosure=disclosure, path=path)
        command.stdout.write(_("已导出 {n} 条收支明细到 {file}").format(n=count, file=path))
        return
    report = finance_lines_import(actor=None, disclosure=disclosure, file=path, replace=options["replace"])
    if options["json"]:
        command.stdout.write(json.dumps(report.as_dict(get_language()), ensure_ascii=False, indent=2))
    else:
        command.stdout.write(render_import(report))
    if not report.ok:
        raise CommandError(_("导入未执行：文件中有错误，未写入任何数据"), returncode=1)


# ---------------------------------------------------------------- publish


def _publish_add(parser: CommandParser) -> None:
    parser.add_argument("id", help=_("公开内容编号（草稿）"))


def _publish(command: BaseCommand, options: dict[str, Any]) -> None:
    disclosure = disclosure_publish(actor=None, disclosure=_disclosure(options["id"]))
    publication = disclosure.publication
    assert publication is not None
    command.stdout.write(
        _("已发布“{title}”（编号 {id}）：公开发布链第 {seq} 条，哈希 {hash}").format(
            title=disclosure.title, id=disclosure.pk, seq=publication.seq, hash=publication.hash
        )
    )


SUBCOMMANDS = {
    "plans": (_plans_add, _plans),
    "calendar": (_calendar_add, _calendar),
    "lines": (_lines_add, _lines),
    "publish": (_publish_add, _publish),
}


def _help(name: str) -> str:
    return {
        "plans": _("公开目录：adopt 采用默认目录，list 列出"),
        "calendar": _("公开日历：每个事项每一期的应公开日期和状态"),
        "lines": _("收支明细：import 导入，export 导出"),
        "publish": _("发布公开内容（写入公开发布链，此后不可修改）"),
    }[name]


class Command(BaseCommand):
    help = "三务公开：plans 公开目录、calendar 公开日历、lines 收支明细导入导出、publish 发布"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, (add, _handle) in SUBCOMMANDS.items():
            add(sub.add_parser(name, help=_help(name)))

    def handle(self, *args: Any, **options: Any) -> None:
        _add, handle = SUBCOMMANDS[options["subcommand"]]
        try:
            handle(self, options)
        except DomainError as exc:
            raise CommandError(exc.message) from None
