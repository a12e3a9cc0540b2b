"""Stars (十星): definitions, the monthly evaluation's gain → keep → lose → re-gain cycle, its
refusals, the re-cultivation and plaque lists, and who may evaluate."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.people.services import household_create
from sanzhi.points.ledger import points_record, points_reverse
from sanzhi.points.models import Entry, Rule, RuleCategory, Scheme, Star, StarChange, StarHolding
from sanzhi.points.opening import account_open
from sanzhi.points.periods import PeriodKind
from sanzhi.points.stars import (
    plaque_list,
    recultivation_list,
    star_define,
    star_history,
    star_update,
    stars_evaluate,
)
from sanzhi.points.testing import PointsWorld

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=TZ)


def earn(pw: PointsWorld, key: str, rule: str, day: dt.date, points: int | None = None) -> Entry:
    """A claim recorded and approved on the spot by the grid chief, on ``day``."""
    return points_record(
        actor=pw.town.secretary,
        account_id=pw.accounts[key].pk,
        rule_id=pw.rules[rule].pk,
        points=points,
        note="记录",
        day=day,
        approve=True,
        now=at(day.year, day.month, day.day),
    )


def litter_rule(pw: PointsWorld) -> Rule:
    """A deduction in the 社会公德 category (the world's only deduction is in 个人品德)."""
    rule = Rule.objects.create(
        scheme=pw.scheme,
        category=pw.categories["social"],
        code="litter",
        item="乱扔垃圾",
        points_min=-5,
        points_max=-5,
    )
    pw.rules["litter"] = rule
    return rule


@pytest.fixture
def stars(pw: PointsWorld) -> dict[str, Star]:
    litter_rule(pw)
    return {
        "social": star_define(
            actor=pw.town.secretary,
            scheme=pw.scheme,
            category=pw.categories["social"],
            name="热心公益星",
            min_points=20,
            no_deduction=True,
            order=1,
        ),
        "family": star_define(
            actor=pw.town.secretary,
            scheme=pw.scheme,
            category="family",
            name="孝老爱亲星",
            min_points=10,
            no_deduction=True,
            order=2,
        ),
    }


def held(pw: PointsWorld, key: str) -> dict[str, str]:
    return dict(StarHolding.objects.filter(account=pw.accounts[key]).values_list("star__name", "since_month"))


# ---------------------------------------------------------------- definitions


def test_star_definitions_are_validated(pw: PointsWorld, stars: dict[str, Star]) -> None:
    secretary = pw.town.secretary
    with pytest.raises(ValidationFailed) as zero:
        star_define(actor=secretary, scheme=pw.scheme, category="social", name="零分星", min_points=0)
    assert zero.value.code == "points_star_min_points"
    with pytest.raises(Conflict):
        star_define(actor=secretary, scheme=pw.scheme, category="social", name="热心公益星", min_points=5)
    other = Scheme.objects.create(
        node=pw.town.village,
        node_path=pw.town.village.path,
        code="other",
        name="另一方案",
        subject="household",
    )
    foreign = RuleCategory.objects.create(scheme=other, code="x", name="外类")
    with pytest.raises(ValidationFailed) as wrong:
        star_define(actor=secretary, scheme=pw.scheme, category=foreign, name="外星", min_points=5)
    assert wrong.value.code == "points_category_not_found"
    updated = star_update(actor=secretary, star=stars["social"], min_points=30, no_deduction=False)
    assert Star.objects.get(pk=updated.pk).min_points == 30 and not updated.no_deduction


@pytest.mark.parametrize("who", ["rep", "gridworker", "outsider", "resident", "council", "nobody"])
def test_only_managers_define_stars(pw: PointsWorld, who: str) -> None:
    with pytest.raises(Forbidden):
        star_define(
            actor=getattr(pw.town, who), scheme=pw.scheme, category="social", name="新星", min_points=5
        )
    assert not Star.objects.exists()


# ---------------------------------------------------------------- the evaluation


def test_gain_keep_lose_and_regain(pw: PointsWorld, stars: dict[str, Star]) -> None:
    secretary = pw.town.secretary
    # October: h1 earns both stars; h2's 10 social points are below the threshold.
    earn(pw, "h1", "sorting", dt.date(2026, 10, 3))
    earn(pw, "h1", "helping", dt.date(2026, 10, 5), points=10)
    earn(pw, "h2", "volunteer", dt.date(2026, 10, 6))
    october = stars_evaluate(actor=secretary, scheme=pw.scheme, month="2026-10", now=at(2026, 11, 2))
    assert (october.gained, october.lost) == (2, 0)
    assert held(pw, "h1") == {"热心公益星": "2026-10", "孝老爱亲星": "2026-10"} and held(pw, "h2") == {}

    # November: the same again — kept, no change rows, holdings still date from October.
    earn(pw, "h1", "sorting", dt.date(2026, 11, 3))
    earn(pw, "h1", "helping", dt.date(2026, 11, 5), points=12)
    november = stars_evaluate(actor=secretary, scheme=pw.scheme, month="2026-11", now=at(2026, 12, 1))
    assert (november.gained, november.lost) == (0, 0) and not november.changes.exists()
    assert held(pw, "h1") == {"热心公益星": "2026-10", "孝老爱亲星": "2026-10"}

    # December: enough social points but a deduction there; nothing for the family: both lost.
    earn(pw, "h1", "sorting", dt.date(2026, 12, 3))
    earn(pw, "h1", "litter", dt.date(2026, 12, 9))
    december = stars_evaluate(actor=secretary, scheme=pw.scheme, month="2026-12", now=at(2027, 1, 2))
    assert (december.gained, december.lost) == (0, 2)
    assert held(pw, "h1") == {}
    (item,) = recultivation_list(pw.scheme)
    assert item.account == pw.accounts["h1"]
    assert [(ls.star.name, ls.since) for ls in item.lost] == [
        ("热心公益星", "2026-12"),
        ("孝老爱亲星", "2026-12"),
    ]

    # January: the social star is earned back (re-cultivated); the family star is still lost.
    earn(pw, "h1", "sorting", dt.date(2027, 1, 3))
    january = stars_evaluate(actor=secretary, scheme=pw.scheme, month="2027-01", now=at(2027, 2, 1))
    assert (january.gained, january.lost) == (1, 0)
    assert held(pw, "h1") == {"热心公益星": "2027-01"}
    (item,) = recultivation_list(pw.scheme)
    assert [(ls.star.name, ls.since) for ls in item.lost] == [("孝老爱亲星", "2026-12")]

    history = [(c.evaluation.month, c.star.name, c.change) for c in star_history(pw.accounts["h1"])]
    assert history == [
        ("2027-01", "热心公益星", "gained"),
        ("2026-12", "热心公益星", "lost"),
        ("2026-12", "孝老爱亲星", "lost"),
        ("2026-10", "热心公益星", "gained"),
        ("2026-10", "孝老爱亲星", "gained"),
    ]


def test_deductions_only_block_no_deduction_stars_and_reversed_ones_do_not_count(
    pw: PointsWorld, stars: dict[str, Star]
) -> None:
    lenient = star_define(
        actor=pw.town.secretary,
        scheme=pw.scheme,
        category="social",
        name="志愿服务星",
        min_points=10,
        no_deduction=False,
    )
    earn(pw, "h1", "sorting", dt.date(2026, 10, 3))
    earn(pw, "h1", "volunteer", dt.date(2026, 10, 4))
    litter = earn(pw, "h1", "litter", dt.date(2026, 10, 5))
    earn(pw, "h2", "sorting", dt.date(2026, 10, 3))
    earn(pw, "h2", "volunteer", dt.date(2026, 10, 4))
    wrong = earn(pw, "h2", "litter", dt.date(2026, 10, 5))
    points_reverse(actor=pw.town.secretary, entry_id=wrong.pk, note="记错户", now=at(2026, 10, 20))
    assert litter.claimed == -5
    stars_evaluate(actor=pw.town.secretary, scheme=pw.scheme, month="2026-10", now=at(2026, 11, 1))
    # h1: 25 net social points with a deduction; h2: 30, its deduction reversed.
    assert held(pw, "h1") == {lenient.name: "2026-10"}
    assert held(pw, "h2") == {lenient.name: "2026-10", "热心公益星": "2026-10"}


def test_an_unfinished_period_is_refused(pw: PointsWorld, stars: dict[str, Star]) -> None:
    earn(pw, "h1", "sorting", dt.date(2026, 11, 3))
    with pytest.raises(Conflict) as early:
        stars_evaluate(actor=pw.town.secretary, scheme=pw.scheme, month="2026-11", now=at(2026, 11, 30, 23))
    assert early.value.code == "points_period_not_ended"
    assert not StarHolding.objects.exists()
    # Midnight in Shanghai ends November even though it is still 30 November in UTC.
    done = stars_evaluate(actor=pw.town.secretary, scheme=pw.scheme, month="2026-11", now=at(2026, 12, 1, 0))
    assert done.gained == 1


def test_pending_claims_block_the_evaluation_unless_forced(pw: PointsWorld, stars: dict[str, Star]) -> None:
    earn(pw, "h1", "sorting", dt.date(2026, 10, 3))
    for day in (4, 5):
        points_record(
            actor=pw.town.rep,
            account_id=pw.accounts["h1"].pk,
            rule_id=pw.rules["helping"].pk,
            points=10,
            day=dt.date(2026, 10, day),
            now=at(2026, 10, day),
        )
    with pytest.raises(Conflict) as pending:
        stars_evaluate(actor=pw.town.secretary, scheme=pw.scheme, month="2026-10", now=at(2026, 11, 2))
    assert pending.value.code == "points_claims_pending" and pending.value.data["pending"] == 2
    forced = stars_evaluate(
        actor=pw.town.secretary, scheme=pw.scheme, month="2026-10", now=at(2026, 11, 2), force=True
    )
    # The pending family points do not count: only the social star.
    assert forced.gained == 1 and held(pw, "h1") == {"热心公益星": "2026-10"}


def test_a_period_is_evaluated_once_and_in_order(pw: PointsWorld, stars: dict[str, Star]) -> None:
    secretary = pw.town.secretary
    earn(pw, "h1", "sorting", dt.date(2026, 11, 3))
    stars_evaluate(actor=secretary, scheme=pw.scheme, month="2026-11", now=at(2026, 12, 2))
    with pytest.raises(Conflict) as again:
        stars_evaluate(actor=secretary, scheme=pw.scheme, month="2026-11", now=at(2026, 12, 3))
    assert again.value.code == "points_stars_evaluated"
    with pytest.raises(Conflict) as earlier:
        stars_evaluate(actor=secretary, scheme=pw.scheme, month="2026-10", now=at(2026, 12, 3))
    assert earlier.value.code == "points_stars_out_of_order"
    with pytest.raises(ValidationFailed) as kind:
        stars_evaluate(actor=secretary, scheme=pw.scheme, month="2026Q4", now=at(2027, 1, 3))
    assert kind.value.code == "points_period_kind" and kind.value.data == {"expected": "2026-10"}
    assert StarChange.objects.count() == 1


def test_a_quarterly_review_adds_up_its_months(pw: PointsWorld, stars: dict[str, Star]) -> None:
    pw.scheme.review_period = PeriodKind.QUARTER
    pw.scheme.save(update_fields=["review_period"])
    earn(pw, "h1", "volunteer", dt.date(2026, 10, 3))
    earn(pw, "h1", "volunteer", dt.date(2026, 12, 3))
    earn(pw, "h2", "volunteer", dt.date(2026, 9, 30))  # the previous quarter
    earn(pw, "h2", "volunteer", dt.date(2026, 11, 3))
    evaluation = stars_evaluate(actor=pw.town.secretary, scheme=pw.scheme, month="2026Q4", now=at(2027, 1, 1))
    assert evaluation.month == "2026Q4"
    assert held(pw, "h1") == {"热心公益星": "2026Q4"} and held(pw, "h2") == {}


@pytest.mark.parametrize("who", ["rep", "gridworker", "outsider", "resident", "council", "nobody"])
def test_only_reviewers_evaluate(pw: PointsWorld, stars: dict[str, Star], who: str) -> None:
    earn(pw, "h1", "sorting", dt.date(2026, 10, 3))
    with pytest.raises(Forbidden):
        stars_evaluate(actor=getattr(pw.town, who), scheme=pw.scheme, month="2026-10", now=at(2026, 11, 2))
    assert not StarHolding.objects.exists()


@pytest.mark.parametrize("who", ["secretary", "street", "sysadmin"])
def test_reviewers_above_the_scheme_evaluate(pw: PointsWorld, stars: dict[str, Star], who: str) -> None:
    earn(pw, "h1", "sorting", dt.date(2026, 10, 3))
    evaluation = stars_evaluate(
        actor=getattr(pw.town, who), scheme=pw.scheme, month="2026-10", now=at(2026, 11, 2)
    )
    assert evaluation.gained == 1 and evaluation.evaluated_by == getattr(pw.town, who)


def test_the_evaluation_queries_do_not_grow_with_accounts(pw: PointsWorld, stars: dict[str, Star]) -> None:
    def evaluate(month: str, now: dt.datetime) -> int:
        with CaptureQueriesContext(connection) as queries:
            stars_evaluate(actor=None, scheme=pw.scheme, month=month, now=now)
        return len(queries)

    earn(pw, "h1", "sorting", dt.date(2026, 10, 3))
    earn(pw, "h1", "helping", dt.date(2026, 10, 4), points=10)
    evaluate("2026-10", at(2026, 11, 2))
    # November: h2 gains both stars and h1 loses both; December: twelve more gain, h2 loses.
    earn(pw, "h2", "sorting", dt.date(2026, 11, 3))
    earn(pw, "h2", "helping", dt.date(2026, 11, 4), points=10)
    few = evaluate("2026-11", at(2026, 12, 2))
    for n in range(12):
        household = household_create(
            actor=None, node=pw.town.micro, address=f"创举社区9号楼{n}", number=f"HX{n:03d}"
        )
        pw.accounts[f"x{n}"] = account_open(scheme=pw.scheme, holder=household)
        earn(pw, f"x{n}", "sorting", dt.date(2026, 12, 3))
        earn(pw, f"x{n}", "helping", dt.date(2026, 12, 4), points=10)
    many = evaluate("2026-12", at(2027, 1, 2))
    assert StarHolding.objects.count() == 24
    assert StarChange.objects.filter(evaluation__month="2026-12").count() == 26
    assert many == few


# ---------------------------------------------------------------- lists


def test_the_plaque_list_holds_the_star_households(pw: PointsWorld, stars: dict[str, Star]) -> None:
    earn(pw, "h1", "sorting", dt.date(2026, 10, 3))
    earn(pw, "h1", "helping", dt.date(2026, 10, 5), points=10)
    earn(pw, "h2", "sorting", dt.date(2026, 10, 3))
    earn(pw, "h2", "volunteer", dt.date(2026, 10, 4))
    stars_evaluate(actor=None, scheme=pw.scheme, month="2026-10", now=at(2026, 11, 2))
    assert [(a.pk, a.star_count) for a in plaque_list(pw.scheme)] == [(pw.accounts["h1"].pk, 2)]
    # With one star enough, h2 (one star, 30 points) follows h1 (two stars, 30 points).
    ranked = [(a.pk, a.star_count) for a in plaque_list(pw.scheme, min_stars=1)]
    assert ranked == [(pw.accounts["h1"].pk, 2), (pw.accounts["h2"].pk, 1)]
    assert recultivation_list(pw.scheme) == []


def test_a_scheme_without_stars_has_no_plaques(pw: PointsWorld) -> None:
    assert list(plaque_list(pw.scheme)) == []
