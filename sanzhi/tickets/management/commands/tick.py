"""``sanzhi tick``: run the escalation clock once (网格呼叫、镇街处置、部门报到).

    sanzhi tick                                  as of now
    sanzhi tick --now 2026-10-08T10:00+08:00     as of a given instant (operations, tests)
    sanzhi tick --json                           the report as JSON

``sanzhi worker`` runs the same tick every SANZHI_TICK_SECONDS; running this beside it is safe (each
ticket climbs each level at most once whoever gets there first). A time without a zone is read in
Asia/Shanghai (settings.TIME_ZONE). A bad --now is a translated error with exit code 2.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.core.errors import ValidationFailed
from sanzhi.tickets.escalation import TickReport, tick
from sanzhi.tickets.states import Level


def parse_now(value: str | None) -> dt.datetime:
    """``--now``: ISO 8601; a naive time is local (settings.TIME_ZONE)."""
    if value is None:
        return timezone.now()
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed(
            _("时间 {value} 无效，请用 ISO 8601 格式，如 2026-10-08T10:00:00+08:00").format(value=value),
            code="tick_bad_now",
            data={"now": value},
        ) from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def render_text(report: TickReport) -> str:
    when = timezone.localtime(report.now).isoformat(timespec="seconds")
    lines = [
        _("时限检查 {now}：到期 {due} 件，升级 {escalated} 件，标记超时 {overdue} 件").format(
            now=when, due=report.due, escalated=report.escalated_total, overdue=report.overdue_total
        )
    ]
    for level, count in sorted(report.escalated.items()):
        lines.append("  " + _("升级至{level}：{count}").format(level=Level(level).label, count=count))
    for level, count in sorted(report.overdue.items()):
        lines.append("  " + _("{level}超时：{count}").format(level=Level(level).label, count=count))
    if report.skipped:
        lines.append("  " + _("已由其他进程处理：{count}").format(count=report.skipped))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "运行一次超时升级检查 / run one escalation tick (`tick --now 2026-10-08T10:00+08:00`)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help=_("按此时刻检查（ISO 8601，默认当前时间）"))
        parser.add_argument("--batch", type=int, default=500, help=_("每批读取的到期工单数"))
        parser.add_argument("--json", action="store_true", help=_("输出 JSON"))

    def handle(self, *args: Any, **options: Any) -> None:
        now = parse_now(options["now"])
        if options["batch"] < 1:
            raise ValidationFailed(_("每批数量必须大于 0"), code="tick_bad_batch")
        report = tick(now=now, batch=options["batch"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_text(report))
        if report.failed:
            raise CommandError(
                _("{count} 件工单升级失败（详见日志）：{ids}").format(
                    count=len(report.failed), ids=", ".join(str(i) for i in report.failed[:20])
                )
            )
