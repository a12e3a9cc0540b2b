"""``sanzhi import households FILE [--into CODE] [--partial] [--json] [--lang zh-hans|en]``.

Exit code 0 when every row was imported, 1 when any row was rejected (in the default all-or-nothing
mode nothing was written then) or the command could not run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError
from sanzhi.grids.selectors import node_get
from sanzhi.people.importing import ImportReport, import_households


class Command(BaseCommand):
    help = "导入户籍人口（xlsx 或 csv，每行一人）/ import households and residents"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["households"], help=_("导入的内容"))
        parser.add_argument("file", help=_("xlsx 或 csv 文件"))
        parser.add_argument("--into", metavar="CODE", help=_("导入到该节点（社区/村或网格）之下"))
        parser.add_argument("--partial", action="store_true", help=_("只导入无误的户，跳过有错误的户"))
        parser.add_argument("--json", action="store_true", help=_("输出 JSON 报告"))
        parser.add_argument("--lang", choices=["zh-hans", "en"], default="zh-hans", help=_("报告语言"))

    def handle(self, *args: Any, **options: Any) -> None:
        lang = options["lang"]
        with translation.override(lang):
            try:
                into = node_get(code=options["into"]) if options["into"] else None
                report = import_households(
                    actor=None, path=Path(options["file"]), into=into, partial=options["partial"]
                )
            except DomainError as exc:
                raise CommandError(exc.message) from None
            if options["json"]:
                self.stdout.write(json.dumps(report.as_dict(lang=lang), ensure_ascii=False, indent=2))
            else:
                self.stdout.write(render_text(report, lang))
            if not report.ok:  # in the report's language too
                raise CommandError(_("有 {n} 行被拒绝").format(n=report.rows_rejected), returncode=1)


def render_text(report: ImportReport, lang: str) -> str:
    data = report.as_dict(lang=lang)
    with translation.override(lang):
        outcome = _("已导入") if report.committed else _("文件有错误，未写入任何数据")
        lines = [
            _("导入文件：{file}（{outcome}）").format(file=report.file, outcome=outcome),
            # Labels outside the f-strings: xgettext does not extract calls inside f-string fields.
            *(
                f"  {label:<10}{value:>10}"
                for label, value in (
                    (_("读取行数"), report.rows_read),
                    (_("导入户数"), report.households_imported),
                    (_("导入人数"), report.residents_imported),
                    (_("拒绝行数"), report.rows_rejected),
                )
            ),
        ]
        for title, key in ((_("错误"), "errors"), (_("提醒"), "warnings")):
            items = data[key]
            if not items:
                continue
            lines += ["", title + ":", "  " + _("行号") + "\t" + _("列") + "\t" + _("说明")]
            lines += [f"  {e['row']}\t{e['column'] or '-'}\t{e['message']}" for e in items]
            omitted = data[f"{key}_omitted"]
            if omitted:
                lines.append("  " + _("另有 {n} 条未列出").format(n=omitted))
    return "\n".join(lines)
