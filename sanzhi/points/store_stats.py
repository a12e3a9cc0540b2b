"""积分超市 statistics for a node's subtree and a period: points issued and redeemed, items out,
the most redeemed goods, and the sentence a report prints ("已兑换23000余分、约1800件商品")."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from sanzhi.core.errors import ValidationFailed
from sanzhi.core.fields import subtree_q
from sanzhi.points.models import EntryKind, Redemption, RedemptionState, Scheme
from sanzhi.points.periods import month_keys, parse_period
from sanzhi.points.store import store_statistics


@dataclass
class TopGoods:
    goods_id: int
    name: str
    unit: str
    scheme: str
    items: int
    points: int


@dataclass
class StoreStats:
    schemes: int
    period: str | None
    points_issued: int  # approvals and base scores credited
    points_redeemed: int  # spent by redemptions that were not cancelled
    items_out: int  # units of goods in those redemptions
    redemptions: int
    awaiting_pickup: int
    top_goods: list[TopGoods] = field(default_factory=list)

    @property
    def phrase(self) -> str:
        return _("已兑换{points}分、{items}件商品").format(
            points=approximately(self.points_redeemed, over=True), items=approximately(self.items_out)
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "phrase": self.phrase}


def _round_down(n: int) -> int:
    """Two significant figures, rounded down: 23456 → 23000, 1812 → 1800."""
    step = 10 ** max(len(str(n)) - 2, 0)
    return n // step * step


def approximately(n: int, *, over: bool = False) -> str:
    """A report's round number: exact below 100; else "23000余" (``over``) or "约1800"."""
    if n < 100:
        return str(n)
    rounded = _round_down(n)
    if rounded == n:
        return str(n)
    return _("{n}余").format(n=rounded) if over else _("约{n}").format(n=rounded)


def store_stats(
    *, node: Any = None, scheme_ids: list[int] | None = None, period: str | None = None, top: int = 5
) -> StoreStats:
    """Statistics over the schemes at and under ``node`` (or ``scheme_ids``; or every scheme).

    With ``period`` (2026-11, 2026Q4, 2026), issued points count by their review month and
    redemptions by the month they were placed; a redemption cancelled later is not counted.
    """
    schemes = Scheme.objects.all()
    if node is not None:
        schemes = schemes.filter(subtree_q("node_path", node.path))
    if scheme_ids is not None:
        schemes = schemes.filter(pk__in=scheme_ids)
    ids = list(schemes.values_list("pk", flat=True))
    months: list[str] | None = None
    if period:
        try:
            months = month_keys(parse_period(period))
        except ValueError:
            raise ValidationFailed(
                _("无效的周期：{period}").format(period=period), code="points_period_invalid"
            ) from None
    issued = store_statistics(scheme_ids=ids, period=period)["points_issued"] if ids else 0
    placed = Redemption.objects.filter(scheme_id__in=ids)
    if months is not None:
        placed = placed.filter(entries__kind=EntryKind.REDEMPTION, entries__month__in=months)
    kept = placed.exclude(state=RedemptionState.CANCELLED)
    agg = kept.aggregate(
        points=Sum("points"),
        items=Sum("quantity"),
        n=Count("id"),
        waiting=Count("id", filter=Q(state=RedemptionState.PLACED)),
    )
    top_rows = (
        kept.values("goods_id", "goods__name", "goods__unit", "scheme__name")
        .annotate(items=Sum("quantity"), points=Sum("points"))
        .order_by("-items", "-points", "goods_id")[: max(top, 0)]
    )
    return StoreStats(
        schemes=len(ids),
        period=parse_period(period).key if period else None,
        points_issued=int(issued),
        points_redeemed=int(agg["points"] or 0),
        items_out=int(agg["items"] or 0),
        redemptions=int(agg["n"] or 0),
        awaiting_pickup=int(agg["waiting"] or 0),
        top_goods=[
            TopGoods(
                goods_id=row["goods_id"],
                name=row["goods__name"],
                unit=row["goods__unit"],
                scheme=row["scheme__name"],
                items=int(row["items"] or 0),
                points=int(row["points"] or 0),
            )
            for row in top_rows
        ],
    )
