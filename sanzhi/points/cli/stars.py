"""``sanzhi points stars evaluate|plaque`` and ``sanzhi points boards publish|list``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.grids.models import Node
from sanzhi.points.boards import board_list, board_publish
from sanzhi.points.cli import Subcommand
from sanzhi.points.models import Board, BoardKind, Scheme
from sanzhi.points.stars import plaque_list, stars_evaluate


def _node(code: str | None) -> Node | None:
    if not code:
        return None
    node = Node.objects.filter(code=code).first()
    if node is None:
        raise CommandError(_("没有编码为 {code} 的节点").format(code=code))
    return node


def _scheme(ref: str) -> Scheme:
    """A scheme by id, or by code when only one community uses that code."""
    if ref.isdigit():
        found = list(Scheme.objects.filter(pk=int(ref)).select_related("node"))
    else:
        found = list(Scheme.objects.filter(code=ref).select_related("node")[:10])
    if not found:
        raise CommandError(_("没有编号或编码为 {ref} 的积分方案").format(ref=ref))
    if len(found) > 1:
        choices = "、".join(f"{s.pk}（{s.node.name}）" for s in found)
        raise CommandError(
            _("编码 {code} 对应多个方案：{choices}；请用编号").format(code=ref, choices=choices)
        )
    return found[0]


# ---------------------------------------------------------------- stars


def _stars_add(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="stars_action", required=True)
    evaluate = sub.add_parser("evaluate", help=_("评星：按一个已结束的评审周期授星、摘星"))
    evaluate.add_argument("scheme", metavar="SCHEME", help=_("方案编号或编码"))
    evaluate.add_argument("period", metavar="PERIOD", help=_("周期，如 2026-11"))
    evaluate.add_argument("--force", action="store_true", help=_("即使还有待审核的申报也评星"))
    plaque = sub.add_parser("plaque", help=_("挂牌名单：星级户"))
    plaque.add_argument("scheme", metavar="SCHEME", help=_("方案编号或编码"))
    plaque.add_argument("--min-stars", type=int, help=_("至少几颗星（默认：全部星）"))
    plaque.add_argument("--json", action="store_true", help=_("输出 JSON"))


def _stars(command: Any, options: dict[str, Any]) -> None:
    scheme = _scheme(options["scheme"])
    out = command.stdout
    if options["stars_action"] == "evaluate":
        evaluation = stars_evaluate(
            actor=None, scheme=scheme, month=options["period"], force=options["force"], now=timezone.now()
        )
        out.write(
            _("{scheme} {period} 评星完成：创星 {gained} 个，失星 {lost} 个").format(
                scheme=scheme.name, period=evaluation.month, gained=evaluation.gained, lost=evaluation.lost
            )
        )
        return
    accounts = list(plaque_list(scheme, options.get("min_stars")).select_related("node"))
    if options["json"]:
        rows = [
            {"account": a.pk, "name": a.name, "node": a.node.name, "stars": a.star_count, "total": a.total}
            for a in accounts
        ]
        out.write(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for a in accounts:
        out.write(f"{a.pk}\t{a.name}\t{a.node.name}\t★{a.star_count}\t{a.total}")
    out.write(_("共 {n} 户").format(n=len(accounts)))


# ---------------------------------------------------------------- boards


def _boards_add(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="boards_action", required=True)
    publish = sub.add_parser("publish", help=_("发布红黑榜（周期须已结束）"))
    publish.add_argument("scheme", metavar="SCHEME", help=_("方案编号或编码"))
    publish.add_argument("period", metavar="PERIOD", help=_("周期，如 2026-11、2026Q4"))
    publish.add_argument("--node", help=_("节点编码（默认：方案所在节点）"))
    listing = sub.add_parser("list", help=_("已发布的红黑榜"))
    listing.add_argument("--node", help=_("只列该节点及其下级（节点编码）"))
    listing.add_argument("--json", action="store_true", help=_("输出 JSON"))


def _board_dict(board: Board) -> dict[str, Any]:
    return {
        "id": board.pk,
        "scheme": board.scheme_id,
        "node": board.node.code,
        "period": board.period,
        "kind": board.kind,
        "revision": board.revision,
        "supersedes": board.supersedes_id,
        "published_at": board.published_at.isoformat(),
        "appeal_until": board.appeal_until.isoformat(),
        "content_sha256": board.content_sha256,
        "rows": board.rows,
    }


def _write_board(out: Any, board: Board) -> None:
    out.write(
        _("{kind} {period} {node} 第 {revision} 版（异议截至 {until}）").format(
            kind=BoardKind(board.kind).label,
            period=board.period,
            node=board.node.name,
            revision=board.revision,
            until=timezone.localtime(board.appeal_until).strftime("%Y-%m-%d %H:%M"),
        )
    )
    if not board.rows:
        out.write("  " + _("（无）"))
    for row in board.rows:
        out.write(f"  {row['rank']}\t{row['name']}\t{row['points']:+d}\t{row['reason']}")


def _boards(command: Any, options: dict[str, Any]) -> None:
    out = command.stdout
    if options["boards_action"] == "publish":
        scheme = _scheme(options["scheme"])
        red, black = board_publish(
            actor=None, scheme=scheme, node=_node(options.get("node")), period=options["period"]
        )
        _write_board(out, red)
        _write_board(out, black)
        return
    boards = list(board_list(under=_node(options.get("node"))))
    if options["json"]:
        out.write(json.dumps([_board_dict(b) for b in boards], ensure_ascii=False, indent=2))
        return
    for board in boards:
        out.write(
            f"{board.pk}\t{board.scheme.code}\t{board.node.code}\t{board.period}\t"
            f"{BoardKind(board.kind).label}\tr{board.revision}\t{len(board.rows)}"
        )


SUBCOMMANDS: dict[str, Subcommand] = {
    "stars": (_("星级：evaluate 评星、plaque 挂牌名单"), _stars_add, _stars),
    "boards": (_("红黑榜：publish 发布、list 列表"), _boards_add, _boards),
}
