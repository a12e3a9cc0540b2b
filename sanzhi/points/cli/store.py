"""``sanzhi points store stats``, ``sanzhi points tiers assign``, ``sanzhi points goods list|restock``."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sanzhi.core.fields import subtree_q
from sanzhi.grids.models import Node
from sanzhi.points.cli import Subcommand
from sanzhi.points.models import Donor, Goods, Scheme
from sanzhi.points.store import goods_restock
from sanzhi.points.store_admin import donor_create, tiers_assign
from sanzhi.points.store_stats import store_stats


def _node(code: str | None) -> Node | None:
    if not code:
        return None
    node = Node.objects.filter(code=code).first()
    if node is None:
        raise CommandError(_("没有编码为 {code} 的节点").format(code=code))
    return node


def _scheme(ref: str, node_code: str | None = None) -> Scheme:
    """A scheme by id, or by code (with ``--node`` when several communities use the same code)."""
    if ref.isdigit():
        scheme = Scheme.objects.filter(pk=int(ref)).first()
        if scheme is None:
            raise CommandError(_("没有编号为 {id} 的积分方案").format(id=ref))
        return scheme
    schemes = Scheme.objects.filter(code=ref)
    node = _node(node_code)
    if node is not None:
        schemes = schemes.filter(node=node)
    found = list(schemes.select_related("node")[:10])
    if not found:
        raise CommandError(_("没有编码为 {code} 的积分方案").format(code=ref))
    if len(found) > 1:
        choices = "、".join(f"{s.pk}（{s.node.name}）" for s in found)
        raise CommandError(
            _("编码 {code} 对应多个方案：{choices}；请用编号或 --node").format(code=ref, choices=choices)
        )
    return found[0]


# ---------------------------------------------------------------- store stats


def _store_add(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="store_action", required=True)
    stats = sub.add_parser("stats", help=_("积分超市统计"))
    stats.add_argument("--node", help=_("只统计该节点及其下级的方案（节点编码）"))
    stats.add_argument("--period", help=_("周期，如 2026-11、2026Q4、2026"))
    stats.add_argument("--top", type=int, default=5, help=_("列出兑换最多的前几种商品"))
    stats.add_argument("--json", action="store_true", help=_("输出 JSON"))


def _store(command: Any, options: dict[str, Any]) -> None:
    stats = store_stats(node=_node(options.get("node")), period=options.get("period"), top=options["top"])
    if options["json"]:
        command.stdout.write(json.dumps(stats.as_dict(), ensure_ascii=False, indent=2))
        return
    out = command.stdout
    out.write(stats.phrase)
    out.write(
        _(
            "方案 {schemes} 个；发放积分 {issued}；兑换 {n} 笔、{points} 分、{items} 件；待领取 {waiting} 笔"
        ).format(
            schemes=stats.schemes,
            issued=stats.points_issued,
            n=stats.redemptions,
            points=stats.points_redeemed,
            items=stats.items_out,
            waiting=stats.awaiting_pickup,
        )
    )
    for i, top in enumerate(stats.top_goods, start=1):
        out.write(f"{i}. {top.name}（{top.scheme}）\t{top.items} {top.unit}\t{top.points}")


# ---------------------------------------------------------------- tiers assign


def _tiers_add(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="tiers_action", required=True)
    assign = sub.add_parser("assign", help=_("按已结束总结周期的排名分配兑换档次"))
    assign.add_argument("scheme", help=_("方案编号或编码"))
    assign.add_argument("period", help=_("总结周期，如 2025"))
    assign.add_argument("--node", help=_("方案所在节点编码（编码重复时）"))


def _tiers(command: Any, options: dict[str, Any]) -> None:
    scheme = _scheme(options["scheme"], options.get("node"))
    assigned = tiers_assign(actor=None, scheme=scheme, period=options["period"])
    by_tier: dict[str, int] = {}
    for row in assigned:
        by_tier[row.tier.name] = by_tier.get(row.tier.name, 0) + 1
    for name, n in by_tier.items():
        command.stdout.write(f"{name}\t{n}")
    command.stdout.write(_("已为 {n} 个账户分配档次").format(n=len(assigned)))


# ---------------------------------------------------------------- goods list / restock


def _goods_add(parser: CommandParser) -> None:
    sub = parser.add_subparsers(dest="goods_action", required=True)
    listing = sub.add_parser("list", help=_("列出方案的商品与库存"))
    listing.add_argument("scheme", help=_("方案编号或编码"))
    listing.add_argument("--node", help=_("方案所在节点编码（编码重复时）"))
    listing.add_argument("--json", action="store_true", help=_("输出 JSON"))
    restock = sub.add_parser("restock", help=_("商品入库"))
    restock.add_argument("goods_id", type=int, help=_("商品编号"))
    restock.add_argument("quantity", type=int, help=_("入库数量"))
    restock.add_argument("--donor", help=_("捐赠方名称（本辖区没有则新建）"))
    restock.add_argument("--note", default="", help=_("备注"))


def _goods_rows(scheme: Scheme) -> list[dict[str, Any]]:
    return [
        {
            "id": g.pk,
            "name": g.name,
            "unit": g.unit,
            "price": g.price,
            "stock": g.stock,
            "active": g.active,
            "window_only": g.window_only,
            "min_tier": g.min_tier.name if g.min_tier else None,
            "per_account_limit": g.per_account_limit,
            "donor": g.donor.name if g.donor else None,
        }
        for g in Goods.objects.filter(scheme=scheme).select_related("donor", "min_tier")
    ]


def _donor(goods: Goods, name: str) -> Donor:
    scheme = goods.scheme
    # The nearest donor of that name at or above the scheme's node, else one inside its area.
    known = (
        Donor.objects.filter(name=name)
        .filter(subtree_q("node_path", scheme.node_path) | _at_or_above(scheme.node_path))
        .order_by("-node_path", "pk")
        .first()
    )
    return known or donor_create(actor=None, node=scheme.node, name=name)


def _at_or_above(path: str, steplen: int = 4) -> Q:
    return Q(node_path__in=[path[:i] for i in range(steplen, len(path) + 1, steplen)])


def _goods(command: Any, options: dict[str, Any]) -> None:
    if options["goods_action"] == "list":
        rows = _goods_rows(_scheme(options["scheme"], options.get("node")))
        if options["json"]:
            command.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        for r in rows:
            flags = [] if r["active"] else [_("已下架")]
            if r["window_only"]:
                flags.append(_("仅集中兑换"))
            if r["min_tier"]:
                flags.append(_("限{tier}").format(tier=r["min_tier"]))
            if r["per_account_limit"]:
                flags.append(_("每户限{n}").format(n=r["per_account_limit"]))
            command.stdout.write(
                f"{r['id']}\t{r['name']}\t{r['price']}\t{r['stock']} {r['unit']}\t{' '.join(flags)}"
            )
        return
    goods = Goods.objects.select_related("scheme__node").filter(pk=options["goods_id"]).first()
    if goods is None:
        raise CommandError(_("没有编号为 {id} 的商品").format(id=options["goods_id"]))
    with transaction.atomic():  # a donor named here is kept only if the restock goes through
        donor = _donor(goods, options["donor"].strip()) if options.get("donor") else None
        goods_restock(
            actor=None, goods_id=goods.pk, quantity=options["quantity"], donor=donor, note=options["note"]
        )
    goods.refresh_from_db()
    command.stdout.write(
        _("{name} 入库 {n} {unit}，现有库存 {stock}").format(
            name=goods.name, n=options["quantity"], unit=goods.unit, stock=goods.stock
        )
    )


SUBCOMMANDS: dict[str, Subcommand] = {
    "store": (_("积分超市：stats 统计"), _store_add, _store),
    "tiers": (_("兑换档次：assign 按排名分档"), _tiers_add, _tiers),
    "goods": (_("商品：list 列表、restock 入库"), _goods_add, _goods),
}
