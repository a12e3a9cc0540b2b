"""``sanzhi template households OUT.xlsx``: the import template (headers, notes, allowed values)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sanzhi.people.templates_xlsx import write_template


class Command(BaseCommand):
    help = "生成户籍人口导入模板 / write the household import template"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["households"], help=_("模板的内容"))
        parser.add_argument("out", help=_("输出的 xlsx 文件"))

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["out"])
        if out.suffix.lower() != ".xlsx":
            raise CommandError(_("输出文件须以 .xlsx 结尾"))
        try:
            write_template(out)
        except OSError as exc:
            raise CommandError(
                _("无法写入文件 {name}：{reason}").format(name=out, reason=exc.strerror)
            ) from None
        self.stdout.write(_("模板已写入 {file}").format(file=out))
