"""Property tests of the ledger and the store: random sequences of claims, decisions, reversals,
redemptions, cancellations, pickups and restocks, checked against a plain model after every step.

Each Hypothesis example runs inside a savepoint that is rolled back, so the points world is built
once per test. Refusals the model predicts (caps, council items, no points, no stock, a decided
claim, a used key) must be refused with the predicted code; everything else must succeed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import Count
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)

from sanzhi.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from sanzhi.points.ledger import points_decide, points_record, points_reverse
from sanzhi.points.models import Account, Entry, EntryKind, Goods, Redemption, StockKind
from sanzhi.points.reconcile import reconcile, verify
from sanzhi.points.store import goods_restock, redeem, redemption_cancel, redemption_pickup
from sanzhi.points.store_admin import goods_update
from sanzhi.points.testing import PointsWorld

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
ACCOUNTS = ("h1", "h2")
GOODS = ("洗衣粉", "食用油", "大米")
OIL_LIMIT = 2


@dataclass
class Claim:
    account: str
    rule: str
    claimed: int
    state: str = "pending"  # approved / rejected / reversed
    moved: tuple[int, int] = (0, 0)  # what the approval did to (total, redeemable)


@dataclass
class Order:
    account: str
    goods: str
    quantity: int
    points: int
    key: str
    state: str = "placed"  # picked_up / cancelled


def expect(code: str | None, call: Any) -> Any:
    """Run ``call``; it must succeed when ``code`` is None, else fail with that code."""
    if code is None:
        return call()
    with pytest.raises(DomainError) as refused:
        call()
    assert refused.value.code == code, refused.value
    return None


def make_machine(pw: PointsWorld) -> type[RuleBasedStateMachine]:
    town = pw.town
    ids = {k: pw.accounts[k].pk for k in ACCOUNTS}
    goods_ids = {g: pw.goods[g].pk for g in GOODS}
    prices = {g: pw.goods[g].price for g in GOODS}

    class Books(RuleBasedStateMachine):
        claims = Bundle("claims")
        orders = Bundle("orders")

        def __init__(self) -> None:
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.total = dict.fromkeys(ACCOUNTS, 0)
            self.red = dict.fromkeys(ACCOUNTS, 0)
            self.stock = {g: Goods.objects.get(pk=goods_ids[g]).stock for g in GOODS}
            self.claim_of: dict[int, Claim] = {}
            self.order_of: dict[int, Order] = {}
            self.key_of: dict[str, int] = {}

        def teardown(self) -> None:
            try:
                self.check_the_books()
            finally:
                transaction.set_rollback(True)
                self.atomic.__exit__(None, None, None)

        # ------------------------------------------------ the ledger

        @rule(
            target=claims,
            account=st.sampled_from(ACCOUNTS),
            rule_code=st.sampled_from(["helping", "helping", "volunteer", "sorting", "startup", "wedding"]),
            points=st.integers(5, 30),
            approve=st.booleans(),
        )
        def record(self, account: str, rule_code: str, points: int, approve: bool) -> Any:
            value = points if rule_code == "helping" else None
            claimed = {"volunteer": 10, "sorting": 20, "startup": 100, "wedding": -20}.get(rule_code, points)
            code = None
            if rule_code == "sorting" and any(
                c.account == account and c.rule == "sorting" and c.state != "rejected"
                for c in self.claim_of.values()
            ):
                code = "points_rule_cap_reached"
            elif rule_code == "startup" and approve:
                code = "points_council_required"
            claim = expect(
                code,
                lambda: points_record(
                    actor=town.secretary,
                    account_id=ids[account],
                    rule_id=pw.rules[rule_code].pk,
                    points=value,
                    note="属实",
                    approve=approve,
                    now=NOW,
                ),
            )
            if claim is None:
                return multiple()
            self.claim_of[claim.pk] = Claim(account, rule_code, claimed)
            if approve:
                self._approved(self.claim_of[claim.pk])
            return claim.pk

        def _approved(self, claim: Claim) -> None:
            a = claim.account
            if claim.claimed >= 0:
                moved = (claim.claimed, claim.claimed)
            else:
                moved = (-min(-claim.claimed, self.total[a]), -min(-claim.claimed, self.red[a]))
            self.total[a] += moved[0]
            self.red[a] += moved[1]
            claim.state, claim.moved = "approved", moved

        @rule(claim_id=claims, approve=st.booleans())
        def decide(self, claim_id: int, approve: bool) -> None:
            claim = self.claim_of[claim_id]
            council = approve and claim.rule == "startup"
            actor = town.council if council else town.secretary
            code = None if claim.state == "pending" else "points_already_decided"
            expect(
                code,
                lambda: points_decide(
                    actor=actor,
                    entry_ids=[claim_id],
                    approve=approve,
                    council="道德评议会" if council else "",
                    now=NOW,
                ),
            )
            if code is None:
                if approve:
                    self._approved(claim)
                else:
                    claim.state = "rejected"

        @rule(claim_id=claims)
        def reverse(self, claim_id: int) -> None:
            claim = self.claim_of[claim_id]
            code = {
                "approved": None,
                "reversed": "points_already_reversed",
            }.get(claim.state, "points_not_approved")
            expect(
                code, lambda: points_reverse(actor=town.secretary, entry_id=claim_id, note="更正", now=NOW)
            )
            if code is None:
                a, (t, r) = claim.account, claim.moved
                self.total[a] -= min(t, self.total[a]) if t > 0 else t
                self.red[a] -= min(r, self.red[a]) if r > 0 else r
                claim.state = "reversed"

        # ------------------------------------------------ the store

        @rule(
            target=orders,
            account=st.sampled_from(ACCOUNTS),
            goods=st.sampled_from(GOODS),
            quantity=st.integers(1, 3),
            key=st.sampled_from([f"req-{i}" for i in range(6)]),
        )
        def buy(self, account: str, goods: str, quantity: int, key: str) -> Any:
            earlier = self.key_of.get(key)
            points = prices[goods] * quantity
            code = None
            if earlier is not None:
                first = self.order_of[earlier]
                if (first.account, first.goods, first.quantity) != (account, goods, quantity):
                    code = "points_request_key_reused"
            elif (
                goods == "食用油"
                and quantity
                + sum(
                    o.quantity
                    for o in self.order_of.values()
                    if (o.account, o.goods) == (account, goods) and o.state != "cancelled"
                )
                > OIL_LIMIT
            ):
                code = "points_goods_limit_reached"
            elif points > self.red[account]:
                code = "points_insufficient"
            elif quantity > self.stock[goods]:
                code = "points_out_of_stock"
            made = expect(
                code,
                lambda: redeem(
                    actor=town.secretary,
                    account_id=ids[account],
                    goods_id=goods_ids[goods],
                    quantity=quantity,
                    request_key=key,
                    now=NOW,
                ),
            )
            if made is None:
                return multiple()
            assert made.points == made.unit_price * made.quantity
            if earlier is not None:  # a retry: the first redemption, nothing moves
                assert made.pk == earlier
                return multiple()
            assert made.points == points
            self.red[account] -= points
            self.stock[goods] -= quantity
            self.order_of[made.pk] = Order(account, goods, quantity, points, key)
            self.key_of[key] = made.pk
            return made.pk

        @rule(order_id=orders)
        def cancel(self, order_id: int) -> None:
            order = self.order_of[order_id]
            code = None if order.state == "placed" else "points_redemption_not_open"
            expect(
                code, lambda: redemption_cancel(actor=town.secretary, redemption_id=order_id, reason="不要了")
            )
            if code is None:
                order.state = "cancelled"
                self.red[order.account] += order.points
                self.stock[order.goods] += order.quantity

        @rule(order_id=orders)
        def pickup(self, order_id: int) -> None:
            order = self.order_of[order_id]
            code = None if order.state == "placed" else "points_redemption_not_open"
            expect(code, lambda: redemption_pickup(actor=town.secretary, redemption_id=order_id, now=NOW))
            if code is None:
                order.state = "picked_up"

        @rule(goods=st.sampled_from(GOODS), quantity=st.integers(-6, 6), adjust=st.booleans())
        def restock(self, goods: str, quantity: int, adjust: bool) -> None:
            kind = StockKind.ADJUST if adjust else StockKind.RESTOCK
            code = None
            if quantity == 0 or (kind == StockKind.RESTOCK and quantity < 0):
                code = "points_quantity_invalid"
            elif self.stock[goods] + quantity < 0:
                code = "points_stock_negative"
            expect(
                code,
                lambda: goods_restock(
                    actor=town.secretary, goods_id=goods_ids[goods], quantity=quantity, kind=kind, now=NOW
                ),
            )
            if code is None:
                self.stock[goods] += quantity

        # ------------------------------------------------ after every step

        @invariant()
        def balances_match_the_model(self) -> None:
            stored = dict(Account.objects.filter(pk__in=ids.values()).values_list("pk", "redeemable"))
            assert {k: stored[ids[k]] for k in ACCOUNTS} == self.red
            totals = dict(Account.objects.filter(pk__in=ids.values()).values_list("pk", "total"))
            assert {k: totals[ids[k]] for k in ACCOUNTS} == self.total
            stocks = dict(Goods.objects.filter(pk__in=goods_ids.values()).values_list("pk", "stock"))
            assert {g: stocks[goods_ids[g]] for g in GOODS} == self.stock
            assert min(self.red.values()) >= 0 and min(self.total.values()) >= 0
            assert min(self.stock.values()) >= 0

        def check_the_books(self) -> None:
            """The full proofs, once per example (they scan every entry, so not after every step)."""
            assert reconcile([pw.scheme.pk]) == []
            assert verify([pw.scheme.pk]) == []
            twice = (
                Entry.objects.filter(kind__in=[EntryKind.APPROVAL, EntryKind.REJECTION])
                .values("target_id")
                .annotate(n=Count("id"))
                .filter(n__gt=1)
            )
            assert not twice.exists()
            for r in Redemption.objects.filter(scheme=pw.scheme):
                assert r.points == r.unit_price * r.quantity
                assert r.state == self.order_of[r.pk].state

    return Books


def test_random_operations_keep_the_books(pw: PointsWorld) -> None:
    goods_update(actor=None, goods_id=pw.goods["食用油"].pk, per_account_limit=OIL_LIMIT)
    run_state_machine_as_test(
        make_machine(pw),
        settings=settings(
            max_examples=25,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        ),
    )


def test_expected_refusals_are_domain_errors() -> None:
    # The helper itself: a wrong code or a success where a refusal was predicted fails the test.
    with pytest.raises(AssertionError):
        expect("points_insufficient", lambda: (_ for _ in ()).throw(Conflict("x", code="other")))
    with pytest.raises(pytest.fail.Exception):
        expect("points_insufficient", lambda: None)
    assert expect(None, lambda: 7) == 7
    assert isinstance(ValidationFailed("x"), DomainError) and isinstance(Forbidden("x"), DomainError)
