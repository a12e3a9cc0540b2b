"""``sanzhi categories``: list the category tree, or load/update it from a spreadsheet, or export it.

    sanzhi categories [--json]
    sanzhi categories import FILE.xlsx|FILE.csv [--json]
    sanzhi categories export OUT.xlsx|OUT.csv

The CLI runs as the installation's operator. ``import`` writes nothing unless every row is valid
and exits 1 when it rejects the file.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError
from sanzhi.core.rowerrors import render_row_errors
from sanzhi.tickets.categories_io import (
    COLUMNS,
    CategoryImportReport,
    export_categories,
    export_rows,
    import_categories,
)


class Command(BaseCommand):
    help = "列出诉求分类；`categories import FILE` 从 xlsx/csv 导入；`categories export OUT.xlsx` 导出"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["list", "import", "export"], default="list")
        parser.add_argument("file", nargs="?", help=_("导入或导出的文件（.xlsx 或 .csv）"))
        parser.add_argument("--json", action="store_true", help=_("输出 JSON"))

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "import":
                self._import(options)
            elif action == "export":
                self._export(options)
            else:
                self._list(options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _list(self, options: dict[str, Any]) -> None:
        if options["file"]:
            raise CommandError(_("列出分类时不需要文件参数"))
        rows = list(export_rows())
        if options["json"]:
            header = rows[0]
            self.stdout.write(
                json.dumps(
                    [dict(zip(header, r, strict=True)) for r in rows[1:]], ensure_ascii=False, indent=2
                )
            )
            return
        self.stdout.write(render_tree(rows))

    def _import(self, options: dict[str, Any]) -> None:
        if not options["file"]:
            raise CommandError(_("请给出要导入的文件"))
        report = import_categories(actor=None, path=options["file"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(get_language()), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_import(report))
        if not report.ok:
            raise CommandError(_("导入未执行：文件中有错误，未写入任何数据"), returncode=1)

    def _export(self, options: dict[str, Any]) -> None:
        if not options["file"]:
            raise CommandError(_("请给出导出文件名（.xlsx 或 .csv）"))
        count = export_categories(path=options["file"])
        self.stdout.write(_("已导出 {n} 个分类到 {file}").format(n=count, file=options["file"]))


def render_tree(rows: list[list[str]]) -> str:
    """编码 名称 (indented) 类别 部门 and the grid/community/street/department limits."""
    i = {name: n for n, name in enumerate(COLUMNS)}
    lines = [
        "\t".join([_("编码"), _("名称"), _("类别"), _("责任部门编码"), _("时限（响应/办结，工作小时）")])
    ]
    for r in rows[1:]:
        indent = "  " if r[i["上级编码"]] else ""
        hours = []
        for word in ("网格", "社区", "街道", "部门"):
            response, resolve = r[i[f"{word}响应"]], r[i[f"{word}办结"]]
            if response:
                hours.append(f"{_(word)} {response}/{resolve}")
        stopped = "" if r[i["启用"]] == _("是") else f" ({_('停用')})"
        lines.append(
            "\t".join(
                [
                    r[i["编码"]],
                    indent + r[i["名称"]] + stopped,
                    r[i["类别"]],
                    r[i["责任部门编码"]] or "-",
                    "  ".join(hours),
                ]
            )
        )
    lines.append(_("共 {n} 个分类").format(n=len(rows) - 1))
    return "\n".join(lines)


def render_import(report: CategoryImportReport) -> str:
    if report.file_error is not None:
        return report.file_error.message
    if report.errors:
        return render_row_errors(report.rows, report.errors)
    return _("共 {n} 行：新建 {c}，更新 {u}，未变 {s}").format(
        n=report.rows, c=len(report.created), u=len(report.updated), s=report.unchanged
    )
