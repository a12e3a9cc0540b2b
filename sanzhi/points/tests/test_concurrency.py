"""Real threads against PostgreSQL row locks: the last item is sold once, a retried request makes one
redemption, and a mixed workload on shared accounts and goods neither deadlocks nor breaks reconcile.

SQLite serialises writers, so these races only exist on PostgreSQL.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from typing import Any

import pytest
from django.db import connection, connections
from django.db.models import Sum

from sanzhi.core.errors import DomainError
from sanzhi.grids.tests.test_concurrency import run_together
from sanzhi.people.services import household_create
from sanzhi.points.ledger import points_decide, points_record
from sanzhi.points.models import Account, Entry, EntryKind, Goods, Redemption, RedemptionState
from sanzhi.points.opening import account_open
from sanzhi.points.reconcile import reconcile, verify
from sanzhi.points.store import goods_restock, redeem, redemption_cancel, redemption_pickup
from sanzhi.points.testing import PointsWorld

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def earn(pw: PointsWorld, account: Account, points: int) -> None:
    while points > 0:
        step = min(points, 30)
        points_record(
            actor=pw.town.secretary,
            account_id=account.pk,
            rule_id=pw.rules["helping"].pk,
            points=step,
            approve=True,
        )
        points -= step


def redeemable(*accounts: Account) -> int:
    return sum(Account.objects.filter(pk__in=[a.pk for a in accounts]).values_list("redeemable", flat=True))


def spent_entries() -> int:
    return -(Entry.objects.filter(kind=EntryKind.REDEMPTION).aggregate(s=Sum("redeemable_delta"))["s"] or 0)


def test_eight_threads_race_for_the_last_unit(pw: PointsWorld) -> None:
    h1, h2 = pw.accounts["h1"], pw.accounts["h2"]
    earn(pw, h1, 300)
    earn(pw, h2, 300)
    rice = pw.goods["大米"]  # 60 points, one in stock
    jobs = [
        (
            lambda i=i: redeem(
                actor=pw.town.secretary,
                account_id=(h1 if i % 2 else h2).pk,
                goods_id=rice.pk,
                request_key=f"last-{i}",
            )
        )
        for i in range(8)
    ]
    results = run_together(*jobs)
    won = [r for r in results if isinstance(r, Redemption)]
    lost = [r for r in results if isinstance(r, DomainError)]
    assert len(won) == 1 and len(lost) == 7, results
    assert {e.code for e in lost} == {"points_out_of_stock"}
    assert Goods.objects.get(pk=rice.pk).stock == 0
    assert Redemption.objects.count() == 1 and spent_entries() == 60
    assert redeemable(h1, h2) == 600 - 60
    assert reconcile() == [] and verify() == []


def test_one_request_key_from_six_threads_is_one_redemption(pw: PointsWorld) -> None:
    h1 = pw.accounts["h1"]
    earn(pw, h1, 100)
    soap = pw.goods["洗衣粉"]
    results = run_together(
        *[
            lambda: redeem(
                actor=pw.town.resident,
                account_id=h1.pk,
                goods_id=soap.pk,
                quantity=2,
                request_key="tap-twice",
            )
            for _ in range(6)
        ]
    )
    assert all(isinstance(r, Redemption) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Redemption.objects.count() == 1 and spent_entries() == 40
    assert redeemable(h1) == 60 and Goods.objects.get(pk=soap.pk).stock == 48
    assert reconcile() == [] and verify() == []


def test_exactly_enough_for_one_item_buys_one_of_two_goods(pw: PointsWorld) -> None:
    h1 = pw.accounts["h1"]
    earn(pw, h1, 60)
    rice = pw.goods["大米"]  # 60
    towel = Goods.objects.create(scheme=pw.scheme, name="毛巾礼盒", price=60)
    goods_restock(actor=None, goods_id=towel.pk, quantity=10)
    results = run_together(
        lambda: redeem(actor=pw.town.gridworker, account_id=h1.pk, goods_id=rice.pk, request_key="a"),
        lambda: redeem(actor=pw.town.gridworker, account_id=h1.pk, goods_id=towel.pk, request_key="b"),
    )
    won = [r for r in results if isinstance(r, Redemption)]
    assert len(won) == 1, results
    (lost,) = [r for r in results if not isinstance(r, Redemption)]
    assert isinstance(lost, DomainError) and lost.code == "points_insufficient"
    assert redeemable(h1) == 0 and spent_entries() == 60
    stocks = sorted(Goods.objects.filter(pk__in=[rice.pk, towel.pk]).values_list("stock", flat=True))
    assert stocks in ([0, 10], [1, 9])
    assert reconcile() == [] and verify() == []


def test_mixed_workload_on_shared_accounts_keeps_the_books(pw: PointsWorld) -> None:
    town = pw.town
    h3 = household_create(actor=None, node=town.micro2, address="创举社区2号楼203", number="H0010")
    accounts = [pw.accounts["h1"], pw.accounts["h2"], account_open(scheme=pw.scheme, holder=h3)]
    goods = [pw.goods["洗衣粉"], pw.goods["食用油"]]
    for account in accounts:
        earn(pw, account, 120)
    deadline = time.monotonic() + 4.0
    tally: Counter[str] = Counter()
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        n = 0
        while time.monotonic() < deadline:
            n += 1
            account = rnd.choice(accounts)
            op = rnd.choice(
                ["award", "award_pending", "approve", "redeem", "redeem", "cancel", "pickup", "restock"]
            )
            try:
                if op == "award":
                    points_record(
                        actor=town.secretary,
                        account_id=account.pk,
                        rule_id=pw.rules["helping"].pk,
                        points=rnd.choice([5, 10, 30]),
                        approve=True,
                    )
                elif op == "award_pending":
                    points_record(
                        actor=town.rep if account.pk == accounts[0].pk else town.secretary,
                        account_id=account.pk,
                        rule_id=pw.rules["helping"].pk,
                        points=rnd.choice([5, 20]),
                    )
                elif op == "approve":
                    pending = list(
                        Entry.objects.filter(kind=EntryKind.AWARD, followups__isnull=True).values_list(
                            "pk", flat=True
                        )[:5]
                    )
                    if pending:
                        points_decide(
                            actor=town.secretary,
                            entry_ids=rnd.sample(pending, min(len(pending), 2)),
                            approve=rnd.random() < 0.8,
                        )
                elif op == "redeem":
                    redeem(
                        actor=town.secretary,
                        account_id=account.pk,
                        goods_id=rnd.choice(goods).pk,
                        quantity=rnd.choice([1, 1, 2]),
                        # Some keys repeat on purpose: retries of an earlier request.
                        request_key=f"w{seed}-{rnd.randrange(max(n // 2, 1)) if rnd.random() < 0.2 else n}",
                    )
                elif op in ("cancel", "pickup"):
                    open_ids = list(
                        Redemption.objects.filter(state=RedemptionState.PLACED).values_list("pk", flat=True)[
                            :10
                        ]
                    )
                    if open_ids:
                        rid = rnd.choice(open_ids)
                        if op == "cancel":
                            redemption_cancel(actor=town.secretary, redemption_id=rid, reason="并发取消")
                        else:
                            redemption_pickup(actor=town.secretary, redemption_id=rid)
                else:
                    goods_restock(
                        actor=town.secretary, goods_id=rnd.choice(goods).pk, quantity=rnd.randint(1, 3)
                    )
                with lock:
                    tally[op] += 1
            except DomainError as exc:  # expected refusals: no points, no stock, already decided …
                with lock:
                    tally[f"refused:{exc.code}"] += 1
            except BaseException as exc:  # a deadlock, a serialization or integrity error: a bug
                with lock:
                    failures.append(exc)
                return

    threads = [threading.Thread(target=lambda s=s: _closing(worker, s)) for s in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == [], failures
    assert tally["redeem"] > 0 and tally["award"] > 0 and tally["cancel"] + tally["pickup"] > 0, tally
    assert reconcile() == [] and verify() == []
    for r in Redemption.objects.all():
        assert r.points == r.unit_price * r.quantity
    assert Goods.objects.filter(stock__lt=0).count() == 0


def _closing(job: Any, *args: Any) -> None:
    try:
        job(*args)
    finally:
        connections.close_all()
