"""``sanzhi points reconcile`` and ``sanzhi points verify``: exit 1 on any mismatch."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from sanzhi.points.cli import Subcommand
from sanzhi.points.models import Scheme
from sanzhi.points.reconcile import reconcile, verify


def _scheme_ids(options: dict[str, Any]) -> list[int] | None:
    codes = options.get("scheme") or []
    if not codes:
        return None
    ids = []
    for code in codes:
        found = list(Scheme.objects.filter(code=code).values_list("pk", flat=True))
        if not found:
            raise CommandError(_("没有编码为 {code} 的积分方案").format(code=code))
        ids.extend(found)
    return ids


def _add(parser: CommandParser) -> None:
    parser.add_argument("--scheme", action="append", help=_("只检查该编码的方案（可重复）"))
    parser.add_argument("--json", action="store_true", help=_("输出 JSON"))


def _reconcile(command: Any, options: dict[str, Any]) -> None:
    anomalies = reconcile(_scheme_ids(options))
    if options["json"]:
        command.stdout.write(json.dumps([a.as_dict() for a in anomalies], ensure_ascii=False, indent=2))
    else:
        for a in anomalies:
            command.stdout.write(
                "\t".join(
                    [
                        a.kind,
                        a.subject,
                        _("应为 {expected}").format(expected=a.expected),
                        _("实为 {found}").format(found=a.found),
                    ]
                )
            )
    if anomalies:
        raise CommandError(_("对账发现 {n} 处不符").format(n=len(anomalies)))
    if not options["json"]:
        command.stdout.write(_("对账通过：余额与库存均等于流水之和，没有负数。"))


def _verify(command: Any, options: dict[str, Any]) -> None:
    problems = verify(_scheme_ids(options))
    if options["json"]:
        command.stdout.write(json.dumps([p.as_dict() for p in problems], ensure_ascii=False, indent=2))
    else:
        for p in problems:
            command.stdout.write(f"scheme {p.scheme_id} #{p.seq}: {p.problem} ({p.detail})")
    if problems:
        raise CommandError(_("{n} 个方案的积分流水链校验失败").format(n=len(problems)))
    if not options["json"]:
        command.stdout.write(_("校验通过：每个方案的积分流水哈希链完整。"))


SUBCOMMANDS: dict[str, Subcommand] = {
    "reconcile": (_("对账：余额 = 已生效流水之和，库存 = 库存流水之和"), _add, _reconcile),
    "verify": (_("校验积分流水哈希链"), _add, _verify),
}
