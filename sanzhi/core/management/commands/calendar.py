"""``sanzhi calendar``: the working calendar (工作日历) that ticket time limits run on.

    sanzhi calendar [--year 2026] [--json]          overrides and working days per month
    sanzhi calendar set DATE holiday|workday [--name 春节] [--note TEXT]
    sanzhi calendar remove DATE

Writes run as the installation's operator (actor None) and are audited. Bad input raises a
DomainError, which ``sanzhi`` prints as a translated message with exit code 2.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.core.errors import ValidationFailed
from sanzhi.core.models import CalendarDayKind
from sanzhi.core.selectors import CalendarYear, calendar_year
from sanzhi.core.services import calendar_day_remove, calendar_day_set

# The Chinese words are accepted too: an operator types what the notice says.
KIND_WORDS = {
    "holiday": CalendarDayKind.HOLIDAY,
    "放假": CalendarDayKind.HOLIDAY,
    "workday": CalendarDayKind.WORKDAY,
    "调休上班": CalendarDayKind.WORKDAY,
    "上班": CalendarDayKind.WORKDAY,
}


def parse_date(value: str | None) -> dt.date:
    if not value:
        raise ValidationFailed(_("请给出日期，格式为 YYYY-MM-DD"), code="calendar_date_missing")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            _("日期 {value} 无效，格式应为 YYYY-MM-DD").format(value=value),
            code="calendar_bad_date",
            data={"date": value},
        ) from None


class Command(BaseCommand):
    help = "工作日历：列出放假与调休上班日；`calendar set DATE holiday|workday`；`calendar remove DATE`"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", nargs="?", choices=["list", "set", "remove"], default="list")
        parser.add_argument("date", nargs="?", help=_("日期，格式 YYYY-MM-DD"))
        parser.add_argument("kind", nargs="?", help=_("holiday（放假）或 workday（调休上班）"))
        parser.add_argument("--year", type=int, help=_("列出哪一年（默认今年）"))
        parser.add_argument("--name", default="", help=_("节日名称，如 春节"))
        parser.add_argument("--note", default="", help=_("备注"))
        parser.add_argument("--json", action="store_true", help=_("输出 JSON"))

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "set":
            day = parse_date(options["date"])
            word = (options["kind"] or "").strip()
            if word not in KIND_WORDS:
                raise ValidationFailed(
                    _("日期类型只能是 holiday（放假）或 workday（调休上班）"),
                    code="calendar_bad_kind",
                    data={"kind": word},
                )
            entry = calendar_day_set(
                actor=None, date=day, kind=KIND_WORDS[word], name=options["name"], note=options["note"]
            )
            self.stdout.write(
                _("已设置 {date}：{kind} {name}")
                .format(date=entry.date.isoformat(), kind=entry.get_kind_display(), name=entry.name)
                .rstrip()
            )
            return
        if action == "remove":
            day = parse_date(options["date"])
            calendar_day_remove(actor=None, date=day)
            self.stdout.write(_("已删除 {date} 的日历调整，按周一至周五上班计").format(date=day.isoformat()))
            return
        if options["date"] or options["kind"]:
            raise ValidationFailed(_("列出日历时不需要日期参数；设置请用 `calendar set`"), code="invalid")
        year = options["year"] or timezone.localdate().year
        if not 1 <= year <= 9998:
            raise ValidationFailed(_("年份 {year} 无效").format(year=year), code="calendar_bad_year")
        summary = calendar_year(year=year)
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_text(summary))


def render_text(summary: CalendarYear) -> str:
    lines = [
        _("{year} 年工作日历：工作日 {n} 天，调整 {k} 天").format(
            year=summary.year, n=summary.working_days, k=summary.entries
        ),
        "",
        "\t".join([_("月份"), _("工作日"), _("调整")]),
    ]
    for month in summary.months:
        entries = "、".join(
            f"{d.date:%m-%d} {d.get_kind_display()}{f'（{d.name}）' if d.name else ''}" for d in month.days
        )
        lines.append(f"{month.month:>2}\t{month.working_days}\t{entries}")
    return "\n".join(lines)
