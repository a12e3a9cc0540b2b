"""``sanzhi deliberation``: 议事规程 and matters from the command line.

    sanzhi deliberation templates [--json]
    sanzhi deliberation adopt TEMPLATE --node CODE [--code C] [--name N] [--as USERNAME]
    sanzhi deliberation procedures --node CODE [--json]
    sanzhi deliberation matters --node CODE [--status S] [--json]

The CLI runs as the installation's operator, or as ``--as USERNAME`` (the service then checks that
login's permissions). Bad input prints a translated message and exits non-zero; nothing is written.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError
from sanzhi.core.fields import subtree_q
from sanzhi.deliberation.models import (
    BodyKind,
    MajorityBase,
    Matter,
    MatterStatus,
    Procedure,
    Stage,
    StageKind,
)
from sanzhi.deliberation.procedures import procedure_adopt
from sanzhi.deliberation.templates_data import TEMPLATES
from sanzhi.grids.models import Node


def _node(code: str) -> Node:
    node = Node.objects.filter(code=code).first()
    if node is None:
        raise CommandError(_("没有编码为 {code} 的节点").format(code=code))
    return node


def _actor(username: str | None) -> Any:
    if not username:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("没有名为 {username} 的可用账号").format(username=username))
    return user


def _fraction(strict: bool, num: int, den: int) -> str:
    return f"{'>' if strict else '≥'}{num}/{den}"


def stage_rules(stage: Stage) -> dict[str, Any]:
    """A stage and its rules as plain data (the JSON output, and the text output's source)."""
    return {
        "order": stage.order,
        "code": stage.code,
        "name": stage.name,
        "kind": stage.kind,
        "body_kind": stage.body_kind,
        "major_only": stage.major_only,
        "quorum": _fraction(stage.quorum_strict, stage.quorum_num, stage.quorum_den),
        "majority": _fraction(stage.majority_strict, stage.majority_num, stage.majority_den),
        "majority_base": stage.majority_base,
        "allows_proxy": stage.allows_proxy,
        "secret_ballot": stage.secret_ballot,
        "min_days": stage.min_days,
        "return_to": stage.return_to,
    }


def _stage_line(row: dict[str, Any]) -> str:
    parts = [f"{row['order']}. {row['name']}（{row['code']}）", str(StageKind(row["kind"]).label)]
    if row["body_kind"]:
        parts.append(str(BodyKind(row["body_kind"]).label))
    if row["kind"] == StageKind.MEETING:
        parts.append(
            _("到会{quorum}，赞成{majority}（基数：{base}）").format(
                quorum=row["quorum"], majority=row["majority"], base=MajorityBase(row["majority_base"]).label
            )
        )
        if row["allows_proxy"]:
            parts.append(_("允许委托"))
        if row["secret_ballot"]:
            parts.append(_("无记名投票"))
    if row["min_days"]:
        parts.append(_("至少{days}天").format(days=row["min_days"]))
    if row["major_only"]:
        parts.append(_("仅重大事项"))
    if row["return_to"]:
        parts.append(_("退回至 {code}").format(code=row["return_to"]))
    return "\t" + "；".join(parts)


class Command(BaseCommand):
    help = "议事协商：templates 规程模板、adopt 采用规程、procedures 规程与环节、matters 议题"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        templates = sub.add_parser("templates", help=_("列出可采用的议事规程模板"))
        templates.add_argument("--json", action="store_true", help=_("输出 JSON"))
        adopt = sub.add_parser("adopt", help=_("在社区/村采用议事规程模板"))
        adopt.add_argument("template", help=_("规程模板：{keys}").format(keys="、".join(TEMPLATES)))
        adopt.add_argument("--node", required=True, help=_("采用规程的节点编码"))
        adopt.add_argument("--code", help=_("规程编码（默认为模板名）"))
        adopt.add_argument("--name", help=_("规程名称（默认为模板名称）"))
        adopt.add_argument("--as", dest="as_user", help=_("以该账号的身份操作"))
        procedures = sub.add_parser("procedures", help=_("列出适用于该节点的议事规程及其环节与规则"))
        procedures.add_argument("--node", required=True, help=_("节点编码"))
        procedures.add_argument("--json", action="store_true", help=_("输出 JSON"))
        matters = sub.add_parser("matters", help=_("列出该节点及其下级的议题"))
        matters.add_argument("--node", required=True, help=_("节点编码"))
        matters.add_argument(
            "--status", help=_("状态：{values}").format(values="、".join(MatterStatus.values))
        )
        matters.add_argument("--json", action="store_true", help=_("输出 JSON"))

    def handle(self, *args: Any, **options: Any) -> None:
        handlers = {
            "templates": self._templates,
            "adopt": self._adopt,
            "procedures": self._procedures,
            "matters": self._matters,
        }
        try:
            handlers[options["subcommand"]](options)
        except DomainError as exc:
            raise CommandError(exc.message) from None

    def _json(self, rows: Any) -> None:
        self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))

    def _templates(self, options: dict[str, Any]) -> None:
        rows = [
            {
                "key": t.key,
                "name": t.name,
                "stages": [s.code for s in t.stages],
                "major_amount_fen": t.major_amount_fen,
                "major_types": list(t.major_types),
            }
            for t in TEMPLATES.values()
        ]
        if options["json"]:
            self._json(rows)
            return
        for t in TEMPLATES.values():
            names = " → ".join(s.name for s in t.stages)
            self.stdout.write(f"{t.key}\t{t.name}\t" + _("{count} 个环节").format(count=len(t.stages)))
            self.stdout.write(f"\t{names}")

    def _adopt(self, options: dict[str, Any]) -> None:
        node = _node(options["node"])
        procedure = procedure_adopt(
            actor=_actor(options["as_user"]),
            template=options["template"],
            node=node,
            code=options["code"],
            name=options["name"],
        )
        self.stdout.write(
            _("已在{node}采用议事规程“{name}”（编号 {id}，编码 {code}）：{count} 个环节").format(
                node=node.name,
                name=procedure.name,
                id=procedure.pk,
                code=procedure.code,
                count=procedure.stages.count(),
            )
        )

    def _procedures(self, options: dict[str, Any]) -> None:
        node = _node(options["node"])
        # The procedures that apply to matters at this node: its own and those of the nodes above.
        ancestors = [node.path[:i] for i in range(Node.steplen, len(node.path) + 1, Node.steplen)]
        procedures = (
            Procedure.objects.filter(node_path__in=ancestors)
            .select_related("node")
            .prefetch_related("stages")
            .order_by("node_path", "id")
        )
        rows = [
            {
                "id": p.pk,
                "code": p.code,
                "name": p.name,
                "node": p.node.code,
                "template": p.template,
                "active": p.active,
                "major_amount_fen": p.major_amount_fen,
                "major_types": list(p.major_types or []),
                "stages": [stage_rules(s) for s in sorted(p.stages.all(), key=lambda s: s.order)],
            }
            for p in procedures
        ]
        if options["json"]:
            self._json(rows)
            return
        if not rows:
            self.stdout.write(_("{node}没有适用的议事规程").format(node=node.name))
        for row in rows:
            self.stdout.write(f"{row['id']}\t{row['code']}\t{row['name']}\t{row['node']}")
            for stage in row["stages"]:
                self.stdout.write(_stage_line(stage))

    def _matters(self, options: dict[str, Any]) -> None:
        node = _node(options["node"])
        status = options["status"]
        if status is not None and status not in MatterStatus.values:
            raise CommandError(
                _("议题状态无效：{status}，可选：{values}").format(
                    status=status, values="、".join(MatterStatus.values)
                )
            )
        matters = (
            Matter.objects.filter(subtree_q("node_path", node.path))
            .select_related("node", "procedure", "current_step__stage")
            .order_by("-created_at", "-id")
        )
        if status is not None:
            matters = matters.filter(status=status)
        rows = [
            {
                "id": m.pk,
                "title": m.title,
                "node": m.node.code,
                "procedure": m.procedure.code,
                "status": m.status,
                "stage": m.current_step.stage.code if m.current_step else None,
                "major": m.is_major,
                "amount_fen": m.amount_fen,
            }
            for m in matters
        ]
        if options["json"]:
            self._json(rows)
            return
        for m in matters:
            stage = m.current_step.stage.name if m.current_step else "—"
            major = _("重大") if m.is_major else ""
            self.stdout.write(f"{m.pk}\t{MatterStatus(m.status).label}\t{stage}\t{m.title}\t{major}".rstrip())
