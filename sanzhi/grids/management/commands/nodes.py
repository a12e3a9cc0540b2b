"""``sanzhi nodes``: list the governance tree, or load/update it from a spreadsheet, or export it.

    sanzhi nodes [--under CODE] [--level N] [--json]
    sanzhi nodes import FILE [--edition YEAR] [--json]
    sanzhi nodes export OUT.xlsx|OUT.csv [--under CODE]

The CLI runs as the installation's operator (no user scope). ``import`` writes nothing unless every
row is valid and exits 1 when it rejects the file.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError
from sanzhi.grids.importing import NodeImportReport, export_nodes, import_nodes
from sanzhi.grids.selectors import NodeRow, node_get, node_rows


class Command(BaseCommand):
    help = "列出治理网格节点；`nodes import FILE` 从 xlsx/csv 导入；`nodes export OUT.xlsx` 导出"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["list", "import", "export"], default="list")
        parser.add_argument("file", nargs="?", help=_("导入或导出的文件（.xlsx 或 .csv）"))
        parser.add_argument("--under", metavar="CODE", help=_("只列出/导出该节点及其下级"))
        parser.add_argument("--level", type=int, metavar="N", help=_("只列出第 N 层（根为第 1 层）"))
        parser.add_argument("--edition", type=int, metavar="YEAR", help=_("新编码的版本年份（默认今年）"))
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
            raise CommandError(_("列出节点时不需要文件参数"))
        under = node_get(code=options["under"]) if options["under"] else None
        rows = node_rows(under=under, level=options["level"])
        if options["json"]:
            self.stdout.write(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
            return
        self.stdout.write(render_rows(rows))

    def _import(self, options: dict[str, Any]) -> None:
        if not options["file"]:
            raise CommandError(_("请给出要导入的文件"))
        report = import_nodes(actor=None, path=options["file"], edition=options["edition"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(get_language()), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_import(report))
        if not report.ok:
            raise CommandError(_("导入未执行：文件中有错误，未写入任何数据"), returncode=1)

    def _export(self, options: dict[str, Any]) -> None:
        if not options["file"]:
            raise CommandError(_("请给出导出文件名（.xlsx 或 .csv）"))
        under = node_get(code=options["under"]) if options["under"] else None
        count = export_nodes(path=options["file"], under=under)
        self.stdout.write(_("已导出 {n} 个节点到 {file}").format(n=count, file=options["file"]))


def render_rows(rows: list[NodeRow]) -> str:
    header = [_("编码"), _("名称"), _("层级"), _("上级编码"), _("户数")]
    lines = ["\t".join(header)]
    for r in rows:
        level = f"{r.label}({r.depth})"
        indent = "  " * (r.depth - 1)
        lines.append("\t".join([r.code, indent + r.name, level, r.parent_code or "-", str(r.households)]))
    lines.append(_("共 {n} 个节点").format(n=len(rows)))
    return "\n".join(lines)


def render_import(report: NodeImportReport) -> str:
    if report.file_error is not None:
        return report.file_error.message
    if report.errors:
        lines = [_("共 {n} 行，发现 {e} 处错误：").format(n=report.rows, e=len(report.errors))]
        for e in report.errors:
            lines.append(
                "  "
                + _("第 {row} 行【{column}】{message}").format(row=e.row, column=e.column, message=e.render())
            )
        return "\n".join(lines)
    lines = [
        _("共 {n} 行：新建 {c}，更新 {u}，移动 {m}，未变 {s}").format(
            n=report.rows,
            c=len(report.created),
            u=len(report.updated),
            m=len(report.moved),
            s=report.unchanged,
        )
    ]
    for change in report.moved:
        lines.append("  " + _("编码变更 {old} → {new}").format(old=change.old_code, new=change.new_code))
    return "\n".join(lines)
