"""``sanzhi export households --node CODE OUT.xlsx [--reveal --reason TEXT]``: masked unless --reveal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError
from sanzhi.grids.selectors import node_get
from sanzhi.people.exporting import export_households


class Command(BaseCommand):
    help = "导出户籍人口到 xlsx（身份证号、电话默认脱敏）/ export households to xlsx"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["households"], help=_("导出的内容"))
        parser.add_argument("out", help=_("输出的 xlsx 文件"))
        parser.add_argument("--node", metavar="CODE", required=True, help=_("导出该节点及其下级的户"))
        parser.add_argument("--reveal", action="store_true", help=_("导出完整身份证号和电话"))
        parser.add_argument("--reason", default="", help=_("查看完整信息的事由"))

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(_("输出文件须以 .xlsx 结尾"))
        if options["reveal"] and not options["reason"].strip():
            raise CommandError(_("查看完整信息须填写事由（--reason）"))
        try:
            node = node_get(code=options["node"])
            count = export_households(
                actor=None, node=node, out=out, reveal=options["reveal"], reason=options["reason"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        except OSError as exc:
            raise CommandError(
                _("无法写入文件 {name}：{reason}").format(name=out, reason=exc.strerror)
            ) from None
        self.stdout.write(_("已导出 {n} 人到 {file}").format(n=count, file=out))
