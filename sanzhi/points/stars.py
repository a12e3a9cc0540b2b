"""Stars (十星级文明户 / 星级评定): definitions, the periodic evaluation (评星) and its lists.

创星看标准、评星有依据、失星再培育: a star is held for a review period when the account's approved
net points in the star's category reach ``min_points`` (and, for ``no_deduction`` stars, no approved
deduction hit that category in the period). The evaluation of a period runs once, after the period
has ended and its claims are reviewed; it writes a StarChange for every star gained or lost and keeps
StarHolding (the stars held now) in step. Lost stars put the account on the re-cultivation list
(失星再培育) until it earns them back; accounts holding every star are the plaque list (挂牌 / 十星户).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.points import rules
from sanzhi.points.ledger import pending_claims_q
from sanzhi.points.models import (
    Account,
    Entry,
    EntryKind,
    RuleCategory,
    Scheme,
    Star,
    StarChange,
    StarChangeKind,
    StarEvaluation,
    StarHolding,
)
from sanzhi.points.periods import Period, PeriodKind, month_keys, parse_period, period_of

if TYPE_CHECKING:  # a dev-only dependency (django-stubs)
    from django_stubs_ext import WithAnnotations

# pg_advisory_xact_lock(namespace, scheme id): one star evaluation per scheme at a time.
_ADVISORY_NAMESPACE = 0x5A5A


# ---------------------------------------------------------------- definitions


def _category(scheme: Scheme, category: RuleCategory | int | str) -> RuleCategory:
    found = RuleCategory.objects.filter(scheme=scheme)
    if isinstance(category, RuleCategory):
        found = found.filter(pk=category.pk)
    elif isinstance(category, int):
        found = found.filter(pk=category)
    else:
        found = found.filter(code=category)
    result = found.first()
    if result is None:
        raise ValidationFailed(_("该积分类别不属于本方案"), code="points_category_not_found")
    return result


def _check_star_fields(name: str, min_points: int) -> str:
    name = (name or "").strip()
    if not name or len(name) > 40:
        raise ValidationFailed(_("星级名称须为 1 到 40 个字"), code="points_star_name")
    if min_points < 1:
        # A threshold of 0 would hand the star to every account that did nothing.
        raise ValidationFailed(_("星级的最低分至少为 1 分"), code="points_star_min_points")
    return name


def _check_manage(actor: Any, scheme: Scheme) -> None:
    if actor is not None and not rules.can_manage(actor, scheme):
        raise Forbidden(_("您不能维护该积分方案的星级"), code="forbidden")


@transaction.atomic
def star_define(
    *,
    actor: Any,
    scheme: Scheme,
    category: RuleCategory | int | str,
    name: str,
    min_points: int = 1,
    no_deduction: bool = True,
    order: int = 0,
) -> Star:
    """创星看标准: a star of the scheme, earned by ``min_points`` in ``category`` per review period."""
    _check_manage(actor, scheme)
    name = _check_star_fields(name, min_points)
    cat = _category(scheme, category)
    if Star.objects.filter(scheme=scheme, name=name).exists():
        raise Conflict(_("已有名为“{name}”的星级").format(name=name), code="points_star_exists")
    return Star.objects.create(
        scheme=scheme,
        category=cat,
        name=name,
        min_points=min_points,
        no_deduction=no_deduction,
        order=order,
    )


@transaction.atomic
def star_update(
    *,
    actor: Any,
    star: Star,
    name: str | None = None,
    category: RuleCategory | int | str | None = None,
    min_points: int | None = None,
    no_deduction: bool | None = None,
    order: int | None = None,
) -> Star:
    """Change a star's definition; it applies from the next evaluation (past changes stay)."""
    star = Star.objects.select_for_update().select_related("scheme").get(pk=star.pk)
    _check_manage(actor, star.scheme)
    new_name = _check_star_fields(
        star.name if name is None else name, star.min_points if min_points is None else min_points
    )
    if new_name != star.name and Star.objects.filter(scheme=star.scheme, name=new_name).exists():
        raise Conflict(_("已有名为“{name}”的星级").format(name=new_name), code="points_star_exists")
    star.name = new_name
    if category is not None:
        star.category = _category(star.scheme, category)
    if min_points is not None:
        star.min_points = min_points
    if no_deduction is not None:
        star.no_deduction = no_deduction
    if order is not None:
        star.order = order
    star.save(update_fields=["name", "category", "min_points", "no_deduction", "order"])
    return star


# ---------------------------------------------------------------- the evaluation (评星)


def review_period(scheme: Scheme, key: str) -> Period:
    """The scheme's review period named by ``key`` (``2026-11`` for a monthly review)."""
    try:
        period = parse_period(key)
    except ValueError:
        raise ValidationFailed(
            _("周期格式应为 2026-11、2026Q4 或 2026"), code="points_period_invalid"
        ) from None
    expected = period_of(period.first, scheme.review_period)
    if expected != period:
        raise ValidationFailed(
            _("本方案按{kind}评审，周期应写作 {key}").format(
                kind=PeriodKind(expected.kind).label,
                key=expected.key,
            ),
            code="points_period_kind",
            data={"expected": expected.key},
        )
    return period


def check_period_ended(period: Period, now: dt.datetime) -> None:
    today = timezone.localtime(now).date()
    if today <= period.last:
        raise Conflict(
            _("周期 {key} 尚未结束（{last} 结束）").format(key=period.key, last=period.last.isoformat()),
            code="points_period_not_ended",
            data={"period": period.key, "last": period.last.isoformat()},
        )


def approved_deductions(scheme: Scheme, months: list[str]) -> QuerySet[Entry]:
    """Deduction claims of the months that were approved and not reversed."""
    return Entry.objects.filter(
        scheme=scheme,
        kind=EntryKind.AWARD,
        claimed__lt=0,
        month__in=months,
        followups__kind=EntryKind.APPROVAL,
    ).exclude(followups__kind=EntryKind.REVERSAL)


def _serialize(scheme_id: int) -> None:
    # Two evaluations of one scheme must not interleave their holding updates. A row lock on the
    # scheme would be the ledger's chain head (and deadlock with writers holding account locks);
    # an advisory lock touches no row. SQLite serialises writers anyway.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ADVISORY_NAMESPACE, scheme_id])


def _earners(scheme: Scheme, star: Star, months: list[str]) -> QuerySet[Account, Any]:
    """Ids of the accounts that earn ``star`` in the months: net approved points in its category
    (approvals and reversals) at least ``min_points``, and no approved deduction there if it asks."""
    sums = (
        Entry.objects.filter(
            scheme=scheme,
            kind__in=[EntryKind.APPROVAL, EntryKind.REVERSAL],
            month__in=months,
            category_id=star.category_id,
        )
        .values("account_id")
        .annotate(net=Sum("total_delta"))
        .filter(net__gte=star.min_points)
        .values("account_id")
    )
    earners = Account.objects.filter(scheme=scheme, pk__in=sums)
    if star.no_deduction:
        docked = approved_deductions(scheme, months).filter(category_id=star.category_id)
        earners = earners.exclude(pk__in=docked.values("account_id"))
    return earners.values("id")


def _apply_star(evaluation: StarEvaluation, star: Star, earners: QuerySet[Account, Any]) -> tuple[int, int]:
    """Write the star's changes and move its holdings, set-based: at 100k accounts a row-by-row
    diff in Python spends its time building model instances, the database does it in a few
    statements. Returns (gained, lost)."""
    qn = connection.ops.quote_name
    change, holding = qn(StarChange._meta.db_table), qn(StarHolding._meta.db_table)
    sql, params = earners.query.sql_with_params()
    columns = f"({qn('evaluation_id')}, {qn('account_id')}, {qn('star_id')}, {qn('change')})"
    ours = f"{qn('evaluation_id')} = %s AND {qn('star_id')} = %s AND {qn('change')} = %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {change} {columns} SELECT %s, e.{qn('id')}, %s, %s FROM ({sql}) e "
            f"WHERE NOT EXISTS (SELECT 1 FROM {holding} h WHERE h.{qn('star_id')} = %s "
            f"AND h.{qn('account_id')} = e.{qn('id')})",
            [evaluation.pk, star.pk, StarChangeKind.GAINED.value, *params, star.pk],
        )
        gained = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {change} {columns} SELECT %s, h.{qn('account_id')}, %s, %s FROM {holding} h "
            f"WHERE h.{qn('star_id')} = %s AND h.{qn('account_id')} NOT IN ({sql})",
            [evaluation.pk, star.pk, StarChangeKind.LOST.value, star.pk, *params],
        )
        lost = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {holding} ({qn('account_id')}, {qn('star_id')}, {qn('since_month')}) "
            f"SELECT {qn('account_id')}, {qn('star_id')}, %s FROM {change} WHERE {ours}",
            [evaluation.month, evaluation.pk, star.pk, StarChangeKind.GAINED.value],
        )
        cursor.execute(
            f"DELETE FROM {holding} WHERE {qn('star_id')} = %s AND {qn('account_id')} IN "
            f"(SELECT {qn('account_id')} FROM {change} WHERE {ours})",
            [star.pk, evaluation.pk, star.pk, StarChangeKind.LOST.value],
        )
    return gained, lost


@transaction.atomic
def stars_evaluate(
    *,
    actor: Any,
    scheme: Scheme,
    month: str,
    now: dt.datetime | None = None,
    force: bool = False,
) -> StarEvaluation:
    """评星 (一月一评比): award and remove the scheme's stars for one ended review period.

    Refused while the period runs, while claims of the period await the review (unless ``force``),
    for a period already evaluated, and for a period before the last evaluated one (holdings are
    the state after the latest evaluation).
    """
    now = now or timezone.now()
    if actor is not None and not rules.can_review(actor, scheme):
        raise Forbidden(_("您不能为该积分方案评星"), code="forbidden")
    period = review_period(scheme, month)
    check_period_ended(period, now)
    months = month_keys(period)
    _serialize(scheme.pk)
    if StarEvaluation.objects.filter(scheme=scheme, month=period.key).exists():
        raise Conflict(
            _("周期 {key} 已评过星").format(key=period.key),
            code="points_stars_evaluated",
            data={"period": period.key},
        )
    done = StarEvaluation.objects.filter(scheme=scheme).values_list("month", flat=True)
    latest = max((parse_period(key) for key in done), default=None)
    if latest is not None and latest.first > period.first:
        raise Conflict(
            _("已评过更晚的周期 {key}，不能再评更早的周期").format(key=latest.key),
            code="points_stars_out_of_order",
            data={"latest": latest.key},
        )
    pending = Entry.objects.filter(scheme=scheme, month__in=months).filter(pending_claims_q()).count()
    if pending and not force:
        raise Conflict(
            _("周期 {key} 还有 {n} 条积分申报待审核").format(key=period.key, n=pending),
            code="points_claims_pending",
            data={"pending": pending, "period": period.key},
        )
    try:
        with transaction.atomic():
            evaluation = StarEvaluation.objects.create(
                scheme=scheme,
                month=period.key,
                evaluated_by=actor if getattr(actor, "is_authenticated", False) else None,
                evaluated_at=now,
            )
    except IntegrityError:
        raise Conflict(
            _("周期 {key} 已评过星").format(key=period.key), code="points_stars_evaluated"
        ) from None

    gained_total = lost_total = 0
    for star in Star.objects.filter(scheme=scheme).order_by("order", "pk"):
        gained, lost = _apply_star(evaluation, star, _earners(scheme, star, months))
        gained_total += gained
        lost_total += lost
    evaluation.gained, evaluation.lost = gained_total, lost_total
    evaluation.save(update_fields=["gained", "lost"])
    return evaluation


# ---------------------------------------------------------------- lists


@dataclass
class LostStar:
    star: Star
    since: str  # the period key of the evaluation that took it


@dataclass
class Recultivation:
    """失星再培育: an account and the stars it lost and has not earned back yet."""

    account: Account
    lost: list[LostStar] = field(default_factory=list)


def recultivation_list(scheme: Scheme, *, under: Any = None) -> list[Recultivation]:
    """Accounts whose latest change for some star is a loss, with those stars and since when."""
    held = StarHolding.objects.filter(account_id=OuterRef("account_id"), star_id=OuterRef("star_id"))
    lost = (
        StarChange.objects.filter(evaluation__scheme=scheme, change=StarChangeKind.LOST)
        .filter(~Exists(held))
        .values("account_id", "star_id")
        .annotate(since=Max("evaluation__month"))
    )
    if under is not None:
        from sanzhi.core.fields import subtree_q

        lost = lost.filter(subtree_q("account__node_path", under.path))
    rows = list(lost)
    stars = {s.pk: s for s in Star.objects.filter(scheme=scheme)}
    accounts = Account.objects.in_bulk({r["account_id"] for r in rows})
    out: dict[int, Recultivation] = {}
    for row in rows:
        item = out.setdefault(row["account_id"], Recultivation(account=accounts[row["account_id"]]))
        item.lost.append(LostStar(star=stars[row["star_id"]], since=row["since"]))
    for item in out.values():
        item.lost.sort(key=lambda ls: (ls.star.order, ls.star.pk))
    return sorted(out.values(), key=lambda r: (r.account.node_path, r.account.pk))


class StarCount(TypedDict):
    star_count: int


def plaque_list(
    scheme: Scheme, min_stars: int | None = None
) -> QuerySet[WithAnnotations[Account, StarCount]]:
    """挂牌: accounts holding at least ``min_stars`` stars (by default all of them: 十星户), most stars
    first, then by total. Each account carries ``star_count``."""
    if min_stars is None:
        min_stars = Star.objects.filter(scheme=scheme).count()
    if min_stars < 1:
        return Account.objects.none()  # type: ignore[return-value]
    return (
        Account.objects.filter(scheme=scheme)
        .annotate(star_count=Count("stars"))
        .filter(star_count__gte=min_stars)
        .order_by("-star_count", "-total", "id")
    )


def star_history(account: Account) -> QuerySet[StarChange]:
    """An account's stars gained and lost, newest evaluation first."""
    return (
        StarChange.objects.filter(account=account)
        .select_related("star", "evaluation")
        .order_by("-evaluation__evaluated_at", "-evaluation_id", "star__order", "star_id")
    )
