"""Adopting the published schemes, and editing schemes, categories and rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town
from sanzhi.points.ledger import points_decide, points_record
from sanzhi.points.models import Account, Entry, Rule, RuleCategory, Scheme, Star, Subject, Tier
from sanzhi.points.opening import account_open
from sanzhi.points.periods import PeriodKind
from sanzhi.points.reconcile import reconcile, verify
from sanzhi.points.schemes import (
    category_create,
    rule_create,
    rule_set_active,
    rule_update,
    scheme_adopt,
    scheme_update,
)
from sanzhi.points.templates_data import TEMPLATES
from sanzhi.points.testing import PointsWorld

pytestmark = pytest.mark.django_db

TEN_STARS = [
    "爱党爱国星",
    "政策明白星",
    "热心公益星",
    "团结互助星",
    "勤劳创业星",
    "诚信正义星",
    "生态环保星",
    "卫生健康星",
    "孝老爱亲星",
    "科教文体星",
]


# ---------------------------------------------------------------- the shipped data


def test_shixing_is_54_items_worth_100_points_in_ten_stars() -> None:
    spec = TEMPLATES["shixing"]
    assert [c.name for c in spec.categories] == TEN_STARS
    assert [c.star for c in spec.categories] == TEN_STARS
    assert spec.rule_count == 54
    per_star = [sum(max(r.high, 0) for r in c.rules) for c in spec.categories]
    assert per_star == [10] * 10 and sum(per_star) == 100
    assert spec.period_cap == 100 and spec.council == "评分组"
    assert (spec.review_period, spec.redeem_period) == (PeriodKind.MONTH, PeriodKind.QUARTER)


def test_houma_grid_is_22_categories_and_67_indicators() -> None:
    spec = TEMPLATES["houma_grid"]
    assert len(spec.categories) == 22 and spec.rule_count == 67
    names = {c.name for c in spec.categories}
    assert {"信息采集", "巡查走访", "矛盾调解", "安全隐患", "政策宣传"} <= names
    assert spec.subject == Subject.GRID_WORKER
    assert [(t.name, t.rank_max, t.discount_percent) for t in spec.tiers] == [
        ("一档", 10, 20),
        ("二档", 30, 10),
    ]


def test_daode_bank_has_the_four_published_rules() -> None:
    spec = TEMPLATES["daode_bank"]
    assert [c.name for c in spec.categories] == ["社会公德", "职业道德", "家庭美德", "个人品德"]
    rules = {r.code: (c.name, r.points_min, r.high, r.council) for c in spec.categories for r in c.rules}
    assert rules["volunteer"] == ("社会公德", 10, 10, "")
    assert rules["sorting"] == ("社会公德", 20, 20, "")
    assert rules["startup"] == ("职业道德", 100, 100, "道德评议会")
    assert rules["wedding"][1:3] == (-20, -20)
    assert 18 <= spec.rule_count <= 24
    assert (spec.base_score, spec.base_redeemable, spec.review_period) == (100, False, PeriodKind.QUARTER)


@pytest.mark.parametrize("key", sorted(TEMPLATES))
def test_every_template_rule_is_valid(key: str) -> None:
    for category in TEMPLATES[key].categories:
        codes = [r.code for r in category.rules]
        assert len(codes) == len(set(codes))
        for r in category.rules:
            assert r.points_min <= r.high and not (r.points_min < 0 < r.high) and r.high != 0
            assert 0 < len(r.item) <= 200


# ---------------------------------------------------------------- adoption end to end


def _approve_one(scheme: Scheme, account: Account, code: str, actor: Any, reviewer: Any, **kw: Any) -> Entry:
    rule = scheme.rules.get(code=code)
    claim = points_record(actor=actor, account_id=account.pk, rule_id=rule.pk, **kw)
    points_decide(actor=reviewer, entry_ids=[claim.pk], approve=True)
    return claim


def test_adopt_daode_bank_end_to_end(town: Town) -> None:
    scheme = scheme_adopt(actor=town.secretary, template="daode_bank", node=town.village)
    assert (scheme.code, scheme.template, scheme.name) == ("daode_bank", "daode_bank", "创举社区道德银行")
    assert scheme.categories.count() == 4 and scheme.rules.count() == TEMPLATES["daode_bank"].rule_count
    assert scheme.rules.get(code="startup").council == "道德评议会"
    account = account_open(scheme=scheme, holder=town.households["h1"])
    assert (account.total, account.redeemable) == (100, 0)  # base score, not redeemable
    _approve_one(scheme, account, "sorting", town.rep, town.secretary)
    _approve_one(scheme, account, "startup", town.rep, town.council, note="开办米醋作坊，带动 6 户")
    account.refresh_from_db()
    assert (account.total, account.redeemable) == (220, 120)
    assert reconcile([scheme.pk]) == [] and verify([scheme.pk]) == []
    assert AuditEvent.objects.filter(action="points.scheme.adopt", subject_id=str(scheme.pk)).exists()


def test_adopt_shixing_end_to_end(town: Town) -> None:
    scheme = scheme_adopt(actor=town.street, template="shixing", node=town.village, code="jiankang")
    assert scheme.rules.count() == 54 and scheme.categories.count() == 10
    positive = scheme.rules.filter(points_max__gt=0).aggregate(s=Sum("points_max"))["s"]
    assert positive == 100
    stars = list(Star.objects.filter(scheme=scheme).select_related("category"))
    assert [s.name for s in stars] == TEN_STARS
    assert all(s.category.name == s.name and s.no_deduction and s.min_points > 0 for s in stars)
    account = account_open(scheme=scheme, holder=town.households["h1"])
    _approve_one(scheme, account, "neighbour", town.rep, town.secretary)
    account.refresh_from_db()
    assert (account.total, account.redeemable) == (3, 3)
    # Each item once a month: the scoring group cannot score a household twice for one item.
    with pytest.raises(Conflict):
        points_record(actor=town.rep, account_id=account.pk, rule_id=scheme.rules.get(code="neighbour").pk)
    assert reconcile([scheme.pk]) == [] and verify([scheme.pk]) == []


def test_adopt_houma_grid_for_grid_workers(town: Town) -> None:
    scheme = scheme_adopt(actor=town.secretary, template="houma_grid", node=town.village)
    assert scheme.subject == Subject.GRID_WORKER and scheme.redeem_anytime is False
    assert scheme.categories.count() == 22 and scheme.rules.count() == 67
    assert list(Tier.objects.filter(scheme=scheme).values_list("name", "rank_max", "discount_percent")) == [
        ("一档", 10, 20),
        ("二档", 30, 10),
    ]
    worker = account_open(scheme=scheme, holder=town.gridworker)
    assert worker.user_id == town.gridworker.pk and worker.node_id == town.grid.pk
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    _approve_one(
        scheme,
        worker,
        "dispute_solved",
        town.secretary,
        town.secretary,
        points=8,
        note="调解楼上漏水纠纷",
        day=yesterday,
    )
    worker.refresh_from_db()
    assert worker.total == 8
    assert reconcile([scheme.pk]) == [] and verify([scheme.pk]) == []


def test_a_code_is_adopted_once_per_node(town: Town) -> None:
    scheme_adopt(actor=None, template="daode_bank", node=town.village)
    with pytest.raises(Conflict) as exc:
        scheme_adopt(actor=None, template="shixing", node=town.village, code="daode_bank")
    assert exc.value.code == "points_scheme_code_taken" and "daode_bank" in exc.value.message
    assert Scheme.objects.filter(node=town.village).count() == 1
    # The same code at another node is a different scheme.
    scheme_adopt(actor=None, template="daode_bank", node=town.other_village)
    assert Scheme.objects.filter(code="daode_bank").count() == 2


def test_adoption_is_all_or_nothing(town: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("tier table unavailable")

    monkeypatch.setattr(Tier.objects, "create", boom)
    with pytest.raises(RuntimeError):
        scheme_adopt(actor=None, template="houma_grid", node=town.village)
    assert not Scheme.objects.exists() and not Rule.objects.exists() and not RuleCategory.objects.exists()


def test_unknown_template_is_refused(town: Town) -> None:
    with pytest.raises(ValidationFailed) as exc:
        scheme_adopt(actor=None, template="nope", node=town.village)
    assert exc.value.code == "points_template_unknown"


@pytest.mark.parametrize(
    ("persona", "node", "allowed"),
    [
        ("secretary", "village", True),
        ("street", "village", True),
        ("street", "township", True),
        ("sysadmin", "village", True),
        ("rep", "village", False),
        ("gridworker", "village", False),
        ("gridworker", "grid", False),
        ("council", "village", False),
        ("resident", "village", False),
        ("outsider", "village", False),
        ("secretary", "other_village", False),
        ("nobody", "village", False),
    ],
)
def test_who_may_adopt(town: Town, persona: str, node: str, allowed: bool) -> None:
    actor, where = getattr(town, persona), getattr(town, node)
    if allowed:
        assert scheme_adopt(actor=actor, template="daode_bank", node=where).node_id == where.pk
    else:
        with pytest.raises(Forbidden):
            scheme_adopt(actor=actor, template="daode_bank", node=where)
        assert not Scheme.objects.exists()


# ---------------------------------------------------------------- editing


def test_scheme_update_validates_and_audits(pw: PointsWorld) -> None:
    town, scheme = pw.town, pw.scheme
    scheme = scheme_update(actor=town.secretary, scheme=scheme, name="创举社区道德积分", period_cap=200)
    scheme.refresh_from_db()
    assert (scheme.name, scheme.period_cap) == ("创举社区道德积分", 200)
    assert AuditEvent.objects.filter(action="points.scheme.update", subject_id=str(scheme.pk)).exists()
    with pytest.raises(ValidationFailed):
        scheme_update(actor=town.secretary, scheme=scheme, review_period="week")
    with pytest.raises(ValidationFailed):
        scheme_update(actor=town.secretary, scheme=scheme, code="other")
    with pytest.raises(ValidationFailed):
        scheme_update(actor=town.secretary, scheme=scheme, name="  ")
    with pytest.raises(Conflict):  # accounts are open: their base entries are already credited
        scheme_update(actor=town.secretary, scheme=scheme, base_score=50)
    with pytest.raises(Forbidden):
        scheme_update(actor=town.rep, scheme=scheme, name="x")
    scheme.refresh_from_db()
    assert scheme.name == "创举社区道德积分" and scheme.base_score == 0


def test_rule_create_checks_range_sign_and_code(pw: PointsWorld) -> None:
    town, scheme, social = pw.town, pw.scheme, pw.categories["social"]
    rule = rule_create(
        actor=town.secretary, scheme=scheme, category=social, code="blood", item="无偿献血", points_min=15
    )
    assert (rule.points_min, rule.points_max, rule.fixed) == (15, 15, True)
    cases = [
        ({"points_min": 10, "points_max": 5}, "points_range_inverted"),
        ({"points_min": -5, "points_max": 5}, "points_range_mixed_sign"),
        ({"points_min": 0}, "points_value_zero"),
        ({"points_min": 5, "evidence": "视频"}, "points_evidence_unknown"),
        ({"points_min": 5, "cap_per_period": 0}, "points_cap_invalid"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ValidationFailed) as exc:
            rule_create(
                actor=town.secretary, scheme=scheme, category=social, code="x1", item="某事项", **kwargs
            )  # type: ignore[arg-type]
        assert exc.value.code == code
    with pytest.raises(Conflict):
        rule_create(
            actor=town.secretary, scheme=scheme, category=social, code="blood", item="重复", points_min=1
        )
    with pytest.raises(Forbidden):
        rule_create(actor=town.rep, scheme=scheme, category=social, code="y1", item="某事项", points_min=1)
    assert not Rule.objects.filter(code__in=["x1", "y1"]).exists()


def test_a_used_rule_keeps_its_points(pw: PointsWorld) -> None:
    town, rule = pw.town, pw.rules["sorting"]
    rule = rule_update(actor=town.secretary, rule=rule, points_min=25, points_max=25, item="垃圾分类")
    assert (rule.points_min, rule.item) == (25, "垃圾分类")  # unused: free to change
    claim = points_record(actor=town.rep, account_id=pw.accounts["h1"].pk, rule_id=rule.pk)
    points_decide(actor=town.secretary, entry_ids=[claim.pk], approve=True)
    with pytest.raises(Conflict) as exc:
        rule_update(actor=town.secretary, rule=rule, points_min=30, points_max=30)
    assert exc.value.code == "points_rule_in_use" and "停用" in exc.value.message
    with pytest.raises(Conflict):
        rule_update(actor=town.secretary, rule=rule, category=pw.categories["family"])
    # Wording, evidence and caps may still change; stopping it keeps its entries.
    rule_update(actor=town.secretary, rule=rule, item="主动进行垃圾分类投放", cap_per_period=2)
    rule_set_active(actor=town.secretary, rule=rule, active=False)
    rule.refresh_from_db()
    assert (rule.points_min, rule.active, rule.cap_per_period) == (25, False, 2)
    with pytest.raises(ValidationFailed):
        points_record(actor=town.rep, account_id=pw.accounts["h1"].pk, rule_id=rule.pk)
    actions = set(AuditEvent.objects.filter(subject_id=str(rule.pk)).values_list("action", flat=True))
    assert {"points.rule.update", "points.rule.deactivate"} <= actions
    assert reconcile([pw.scheme.pk]) == []


def test_category_create(pw: PointsWorld) -> None:
    town = pw.town
    category = category_create(actor=town.secretary, scheme=pw.scheme, code="green", name="绿色生活")
    assert category.order == 4
    with pytest.raises(Conflict):
        category_create(actor=town.secretary, scheme=pw.scheme, code="green", name="又一个")
    with pytest.raises(ValidationFailed):
        category_create(actor=town.secretary, scheme=pw.scheme, code="有 空格", name="x")
    with pytest.raises(Forbidden):
        category_create(actor=town.outsider, scheme=pw.scheme, code="o", name="x")
