"""The scheme's cap per review period (每周期积分上限), checked with the ledger's plain SQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sanzhi.core.errors import Conflict
from sanzhi.points.ledger import points_decide, points_record
from sanzhi.points.testing import PointsWorld

pytestmark = pytest.mark.django_db


def test_period_cap_sums_positive_claims_not_rejected_in_the_period(pw: PointsWorld) -> None:
    town, h1 = pw.town, pw.accounts["h1"]
    pw.scheme.period_cap = 50
    pw.scheme.save(update_fields=["period_cap"])
    helping = pw.rules["helping"].pk

    def record(points: int | None = None, rule: int = helping, day: dt.date | None = None) -> int:
        return points_record(
            actor=town.rep, account_id=h1.pk, rule_id=rule, points=points, day=day, note="邻里帮扶"
        ).pk

    record(30)
    record(15)
    turned_down = record(5)
    points_decide(actor=town.secretary, entry_ids=[turned_down], approve=False)
    record(rule=pw.rules["wedding"].pk)  # a deduction does not use up the cap
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    record(30, day=last_month)  # another review period
    with pytest.raises(Conflict) as capped:
        record(6)
    assert capped.value.code == "points_period_cap_reached"
    assert capped.value.data["so_far"] == 45 and capped.value.data["cap"] == 50
    record(5)
    with pytest.raises(Conflict):
        record(5)
