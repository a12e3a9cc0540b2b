"""The ledger core: claims, the review, reversals, clamping, caps, the chain and reconcile."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.points.ledger import (
    claim_status,
    points_decide,
    points_record,
    points_reverse,
)
from sanzhi.points.models import Account, CategoryBalance, Entry, EntryKind
from sanzhi.points.opening import accounts_open_all
from sanzhi.points.reconcile import reconcile, verify
from sanzhi.points.testing import PointsWorld, tamper_entry

pytestmark = pytest.mark.django_db


def balances(account: Account) -> tuple[int, int]:
    account.refresh_from_db()
    return account.total, account.redeemable


def test_claim_moves_nothing_until_the_review_approves_it(pw: PointsWorld) -> None:
    town, h1 = pw.town, pw.accounts["h1"]
    claim = points_record(actor=town.rep, account_id=h1.pk, rule_id=pw.rules["sorting"].pk)
    assert (claim.kind, claim.claimed, claim_status(claim)) == (EntryKind.AWARD, 20, "pending")
    assert balances(h1) == (0, 0)
    (approval,) = points_decide(actor=town.secretary, entry_ids=[claim.pk], approve=True)
    assert approval.target_id == claim.pk and claim_status(claim) == "approved"
    assert balances(h1) == (20, 20)
    assert CategoryBalance.objects.get(account=h1, category=pw.categories["social"]).points == 20
    assert reconcile() == [] and verify() == []


def test_a_rep_records_but_cannot_review(pw: PointsWorld) -> None:
    claim = points_record(actor=pw.town.rep, account_id=pw.accounts["h1"].pk, rule_id=pw.rules["sorting"].pk)
    with pytest.raises(Forbidden):
        points_decide(actor=pw.town.rep, entry_ids=[claim.pk], approve=True)


def test_outsiders_and_residents_cannot_record(pw: PointsWorld) -> None:
    for who in (pw.town.outsider, pw.town.resident, pw.town.nobody):
        with pytest.raises(NotFound):
            points_record(actor=who, account_id=pw.accounts["h1"].pk, rule_id=pw.rules["sorting"].pk)
    assert not Entry.objects.filter(kind=EntryKind.AWARD).exists()


def test_council_items_need_the_council(pw: PointsWorld) -> None:
    town = pw.town
    claim = points_record(
        actor=town.gridworker,
        account_id=pw.accounts["h1"].pk,
        rule_id=pw.rules["startup"].pk,
        note="带动种植",
    )
    with pytest.raises(Forbidden) as refused:
        points_decide(actor=town.secretary, entry_ids=[claim.pk], approve=True)
    assert refused.value.code == "points_council_required"
    (approval,) = points_decide(actor=town.council, entry_ids=[claim.pk], approve=True, council="道德评议会")
    assert approval.council == "道德评议会" and balances(pw.accounts["h1"]) == (100, 100)


def test_a_claim_is_decided_once(pw: PointsWorld) -> None:
    claim = points_record(actor=pw.town.rep, account_id=pw.accounts["h1"].pk, rule_id=pw.rules["sorting"].pk)
    points_decide(actor=pw.town.secretary, entry_ids=[claim.pk], approve=False, note="无佐证")
    with pytest.raises(Conflict):
        points_decide(actor=pw.town.secretary, entry_ids=[claim.pk], approve=True)
    assert claim_status(claim) == "rejected" and balances(pw.accounts["h1"]) == (0, 0)


def test_deductions_never_take_a_balance_below_zero(pw: PointsWorld) -> None:
    town, h1 = pw.town, pw.accounts["h1"]
    good = points_record(
        actor=town.secretary, account_id=h1.pk, rule_id=pw.rules["volunteer"].pk, note="清扫", approve=True
    )
    assert good.claimed == 10 and balances(h1) == (10, 10)
    bad = points_record(
        actor=town.secretary, account_id=h1.pk, rule_id=pw.rules["wedding"].pk, note="大操大办"
    )
    (approval,) = points_decide(actor=town.secretary, entry_ids=[bad.pk], approve=True)
    assert (approval.total_delta, approval.redeemable_delta) == (-10, -10)
    assert balances(h1) == (0, 0) and reconcile() == []


def test_reversal_undoes_an_approved_claim_once(pw: PointsWorld) -> None:
    town, h1 = pw.town, pw.accounts["h1"]
    claim = points_record(
        actor=town.secretary, account_id=h1.pk, rule_id=pw.rules["sorting"].pk, approve=True
    )
    with pytest.raises(ValidationFailed):
        points_reverse(actor=town.secretary, entry_id=claim.pk, note="")
    points_reverse(actor=town.secretary, entry_id=claim.pk, note="重复记分")
    assert balances(h1) == (0, 0) and claim_status(claim) == "reversed"
    with pytest.raises(Conflict):
        points_reverse(actor=town.secretary, entry_id=claim.pk, note="again")
    assert reconcile() == [] and verify() == []


def test_range_rules_need_a_value_in_range(pw: PointsWorld) -> None:
    h1, rule = pw.accounts["h1"], pw.rules["helping"]
    with pytest.raises(ValidationFailed) as missing:
        points_record(actor=pw.town.rep, account_id=h1.pk, rule_id=rule.pk)
    assert missing.value.code == "points_value_required"
    with pytest.raises(ValidationFailed):
        points_record(actor=pw.town.rep, account_id=h1.pk, rule_id=rule.pk, points=31)
    assert points_record(actor=pw.town.rep, account_id=h1.pk, rule_id=rule.pk, points=30).claimed == 30


def test_cap_per_period_counts_claims_not_rejected(pw: PointsWorld) -> None:
    h1, rule, town = pw.accounts["h1"], pw.rules["sorting"], pw.town
    first = points_record(actor=town.rep, account_id=h1.pk, rule_id=rule.pk)
    with pytest.raises(Conflict) as capped:
        points_record(actor=town.rep, account_id=h1.pk, rule_id=rule.pk)
    assert capped.value.code == "points_rule_cap_reached"
    points_decide(actor=town.secretary, entry_ids=[first.pk], approve=False)
    points_record(actor=town.rep, account_id=h1.pk, rule_id=rule.pk)
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    points_record(actor=town.rep, account_id=h1.pk, rule_id=rule.pk, day=last_month)


def test_evidence_rules_are_enforced(pw: PointsWorld) -> None:
    with pytest.raises(ValidationFailed) as refused:
        points_record(actor=pw.town.rep, account_id=pw.accounts["h1"].pk, rule_id=pw.rules["wedding"].pk)
    assert refused.value.code == "points_evidence_required"


def test_the_database_refuses_to_update_an_entry(pw: PointsWorld) -> None:
    claim = points_record(actor=pw.town.rep, account_id=pw.accounts["h1"].pk, rule_id=pw.rules["sorting"].pk)
    with pytest.raises(DatabaseError), transaction.atomic():
        Entry.objects.filter(pk=claim.pk).update(claimed=2000)


def test_verify_names_the_first_altered_entry(pw: PointsWorld) -> None:
    town, h1 = pw.town, pw.accounts["h1"]
    for _ in range(3):
        points_record(actor=town.rep, account_id=h1.pk, rule_id=pw.rules["volunteer"].pk, note="志愿")
    target = Entry.objects.get(scheme=pw.scheme, seq=2)
    tamper_entry(target.pk, "claimed", 99)
    (problem,) = verify()
    assert (problem.seq, problem.problem) == (2, "hash_mismatch")


def test_opening_every_account_in_the_area_credits_the_base_score(pw: PointsWorld) -> None:
    scheme = pw.scheme
    scheme.base_score = 100
    scheme.save(update_fields=["base_score"])
    with pytest.raises(Forbidden):
        accounts_open_all(actor=pw.town.rep, scheme=scheme)
    # h1 and h2 already have accounts (opened without a base); h3 lies outside 创举社区.
    assert accounts_open_all(actor=pw.town.secretary, scheme=scheme) == 0
    from sanzhi.core.testing import make_resident
    from sanzhi.people.services import household_create

    for i in range(3):
        make_resident(household_create(actor=None, node=pw.town.micro, address=f"3号楼{i}"), f"新户{i}")
    assert accounts_open_all(actor=pw.town.secretary, scheme=scheme) == 3
    assert accounts_open_all(actor=pw.town.secretary, scheme=scheme) == 0
    opened = Account.objects.filter(scheme=scheme, name__startswith="3号楼")
    assert sorted(a.total for a in opened) == [100, 100, 100] and {a.redeemable for a in opened} == {0}
    assert reconcile() == [] and verify() == []


def test_the_council_may_turn_its_items_down_and_so_may_a_reviewer(pw: PointsWorld) -> None:
    town, h1 = pw.town, pw.accounts["h1"]
    claims = [
        points_record(
            actor=town.gridworker, account_id=h1.pk, rule_id=pw.rules["startup"].pk, note="带动种植"
        )
        for _ in range(2)
    ]
    with pytest.raises(Forbidden):
        points_decide(actor=town.gridworker, entry_ids=[claims[0].pk], approve=False)
    points_decide(actor=town.council, entry_ids=[claims[0].pk], approve=False, note="示范带动不足")
    points_decide(actor=town.secretary, entry_ids=[claims[1].pk], approve=False, note="缺少佐证")
    assert [claim_status(c) for c in claims] == ["rejected", "rejected"] and balances(h1) == (0, 0)
