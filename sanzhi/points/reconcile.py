"""Proofs over the stored data: ``reconcile`` (balances and stock equal the sums of their entries
and movements, nothing negative, every redemption spent and refunded exactly as its state says)
and ``verify`` (every scheme's hash chain). Each is a few grouped scans, fine at millions of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum

from sanzhi.points.chain import ChainProblem, verify_chain
from sanzhi.points.models import (
    Account,
    CategoryBalance,
    Entry,
    EntryKind,
    Goods,
    Redemption,
    RedemptionState,
    Scheme,
    StockKind,
    StockMovement,
)


@dataclass(frozen=True)
class Anomaly:
    kind: str  # account_total / account_redeemable / category / negative / stock / redemption
    subject: str  # account:12, goods:3, redemption:9
    expected: Any
    found: Any

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "subject": self.subject, "expected": self.expected, "found": self.found}


def _schemes(scheme_ids: Iterable[int] | None) -> Q:
    return Q() if scheme_ids is None else Q(scheme_id__in=list(scheme_ids))


def reconcile(scheme_ids: Iterable[int] | None = None) -> list[Anomaly]:
    ids = None if scheme_ids is None else list(scheme_ids)
    where = _schemes(ids)
    out: list[Anomaly] = []
    sums = {
        row["account_id"]: (row["t"] or 0, row["r"] or 0)
        for row in Entry.objects.filter(where)
        .values("account_id")
        .annotate(t=Sum("total_delta"), r=Sum("redeemable_delta"))
        .order_by()
    }
    for account_id, total, redeemable in (
        Account.objects.filter(where).values_list("id", "total", "redeemable").iterator(chunk_size=10_000)
    ):
        t, r = sums.get(account_id, (0, 0))
        if total != t:
            out.append(Anomaly("account_total", f"account:{account_id}", t, total))
        if redeemable != r:
            out.append(Anomaly("account_redeemable", f"account:{account_id}", r, redeemable))
        if total < 0 or redeemable < 0:
            out.append(Anomaly("negative", f"account:{account_id}", ">= 0", (total, redeemable)))
    by_category = {
        (row["account_id"], row["category_id"]): row["t"] or 0
        for row in Entry.objects.filter(where, category_id__isnull=False)
        .exclude(total_delta=0)
        .values("account_id", "category_id")
        .annotate(t=Sum("total_delta"))
        .order_by()
    }
    balance_where = Q() if ids is None else Q(account__scheme_id__in=ids)
    cached = {
        (a, c): p
        for a, c, p in CategoryBalance.objects.filter(balance_where).values_list(
            "account_id", "category_id", "points"
        )
    }
    for key in set(by_category) | set(cached):
        if by_category.get(key, 0) != cached.get(key, 0):
            out.append(
                Anomaly(
                    "category",
                    f"account:{key[0]}/category:{key[1]}",
                    by_category.get(key, 0),
                    cached.get(key, 0),
                )
            )
    moved = {
        row["goods_id"]: row["d"] or 0
        for row in StockMovement.objects.filter(Q() if ids is None else Q(goods__scheme_id__in=ids))
        .values("goods_id")
        .annotate(d=Sum("delta"))
        .order_by()
    }
    for goods_id, stock in Goods.objects.filter(where).values_list("id", "stock"):
        if stock != moved.get(goods_id, 0):
            out.append(Anomaly("stock", f"goods:{goods_id}", moved.get(goods_id, 0), stock))
        if stock < 0:
            out.append(Anomaly("negative", f"goods:{goods_id}", ">= 0", stock))
    out.extend(_redemption_anomalies(where))
    return out


def _redemption_anomalies(where: Q) -> list[Anomaly]:
    """Each redemption: one spend entry of its points and one stock-out of its quantity; a cancelled
    one also exactly one refund and one stock return; nothing more."""
    out: list[Anomaly] = []
    rows = (
        Redemption.objects.filter(where)
        .annotate(
            spends=Count("entries", filter=Q(entries__kind=EntryKind.REDEMPTION), distinct=True),
            spent=Sum("entries__redeemable_delta", filter=Q(entries__kind=EntryKind.REDEMPTION)),
            refunds=Count("entries", filter=Q(entries__kind=EntryKind.REFUND), distinct=True),
        )
        .values_list("id", "state", "points", "spends", "spent", "refunds")
    )
    for rid, state, points, spends, spent, refunds in rows.iterator(chunk_size=10_000):
        want_refunds = 1 if state == RedemptionState.CANCELLED else 0
        if spends != 1 or (spent or 0) != -points or refunds != want_refunds:
            out.append(
                Anomaly(
                    "redemption",
                    f"redemption:{rid}",
                    {"spends": 1, "spent": -points, "refunds": want_refunds},
                    {"spends": spends, "spent": spent, "refunds": refunds},
                )
            )
    stock_rows = (
        Redemption.objects.filter(where)
        .annotate(
            outs=Sum("movements__delta", filter=Q(movements__kind=StockKind.REDEMPTION)),
            backs=Sum("movements__delta", filter=Q(movements__kind=StockKind.CANCEL)),
        )
        .values_list("id", "state", "quantity", "outs", "backs")
    )
    for rid, state, quantity, outs, backs in stock_rows.iterator(chunk_size=10_000):
        want_back = quantity if state == RedemptionState.CANCELLED else 0
        if (outs or 0) != -quantity or (backs or 0) != want_back:
            out.append(
                Anomaly(
                    "redemption_stock",
                    f"redemption:{rid}",
                    {"out": -quantity, "back": want_back},
                    {"out": outs, "back": backs},
                )
            )
    return out


def verify(scheme_ids: Iterable[int] | None = None) -> list[ChainProblem]:
    """The first problem of each scheme whose chain does not hold."""
    schemes = Scheme.objects.all() if scheme_ids is None else Scheme.objects.filter(pk__in=list(scheme_ids))
    problems = []
    for scheme in schemes.order_by("pk"):
        problem = verify_chain(scheme)
        if problem is not None:
            problems.append(problem)
    return problems
