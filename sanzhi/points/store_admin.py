"""积分超市 administration: donors (乡贤捐赠), goods, redemption windows (集中兑换) and tiers
(Houma's 分档兑换: the top ranks of the last summary period redeem more, or cheaper).

Goods, donors and restocks belong to whoever runs the store (``points.store``); windows and tiers
shape the scheme, so they need ``points.manage``. Stock moves only through ``store.goods_restock``
and redemptions, so ``Goods.stock`` stays the sum of its movements.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.points import rules
from sanzhi.points.models import (
    Account,
    AccountTier,
    Donor,
    Entry,
    EntryKind,
    Goods,
    RedemptionWindow,
    Scheme,
    Tier,
)
from sanzhi.points.periods import PeriodKind, month_keys, parse_period
from sanzhi.points.store import goods_restock

MAX_PRICE = 1_000_000
MAX_STOCK = 1_000_000


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()  # "leave as it is" for goods_update's nullable fields


def _text(value: str | None, *, field: Any, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("请填写{field}").format(field=field), code="points_field_required")
    if len(text) > limit:
        raise ValidationFailed(
            _("{field}不能超过 {limit} 个字").format(field=field, limit=limit), code="points_field_too_long"
        )
    return text


def _related(path_a: str, path_b: str) -> bool:
    """One node is the other or inside it (a street's donor may stock a community's store)."""
    return path_a.startswith(path_b) or path_b.startswith(path_a)


# ---------------------------------------------------------------- donors and goods


@transaction.atomic
def donor_create(*, actor: Any, node: Any, name: str, kind: str = "", note: str = "") -> Donor:
    """捐赠方: a 乡贤, business or unit that stocks the stores at and under ``node``."""
    if actor is not None and not rules.can_run_store(actor, node):
        raise Forbidden(_("您不能管理该地区的积分超市"), code="forbidden")
    return Donor.objects.create(
        node=node,
        node_path=node.path,
        name=_text(name, field=_("捐赠方名称"), limit=60),
        kind=_text(kind, field=_("类型"), limit=20, required=False),
        note=_text(note, field=_("备注"), limit=200, required=False),
    )


def _check_price(price: int) -> int:
    if isinstance(price, bool) or not isinstance(price, int) or not 1 <= price <= MAX_PRICE:
        raise ValidationFailed(
            _("所需积分须为 1 到 {max} 之间的整数").format(max=MAX_PRICE), code="points_price_invalid"
        )
    return price


def _check_limit(limit: int | None) -> int | None:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValidationFailed(_("每户限兑数量须为正整数"), code="points_limit_invalid")
    return limit


def _check_donor(scheme: Scheme, donor: Donor | None) -> Donor | None:
    if donor is not None and not _related(donor.node_path, scheme.node_path):
        raise ValidationFailed(_("该捐赠方不属于本方案的辖区"), code="points_donor_out_of_scheme")
    return donor


def _check_tier(scheme: Scheme, tier: Tier | None) -> Tier | None:
    if tier is not None and tier.scheme_id != scheme.pk:
        raise ValidationFailed(_("该档次不属于本积分方案"), code="points_tier_not_in_scheme")
    return tier


@transaction.atomic
def goods_create(
    *,
    actor: Any,
    scheme: Scheme,
    name: str,
    unit: str = "件",
    price: int,
    donor: Donor | None = None,
    window_only: bool = False,
    min_tier: Tier | None = None,
    per_account_limit: int | None = None,
    initial_stock: int = 0,
    now: dt.datetime | None = None,
) -> Goods:
    """上架: a new good in the scheme's store; ``initial_stock`` comes in as a restock movement."""
    if actor is not None and not rules.can_run_store(actor, scheme):
        raise Forbidden(_("您不能管理该积分超市"), code="forbidden")
    if isinstance(initial_stock, bool) or not isinstance(initial_stock, int):
        raise ValidationFailed(_("初始库存须为整数"), code="points_quantity_invalid")
    if not 0 <= initial_stock <= MAX_STOCK:
        raise ValidationFailed(
            _("初始库存须在 0 到 {max} 之间").format(max=MAX_STOCK), code="points_quantity_invalid"
        )
    goods = Goods.objects.create(
        scheme=scheme,
        name=_text(name, field=_("商品名称"), limit=60),
        unit=_text(unit, field=_("单位"), limit=10),
        price=_check_price(price),
        donor=_check_donor(scheme, donor),
        window_only=bool(window_only),
        min_tier=_check_tier(scheme, min_tier),
        per_account_limit=_check_limit(per_account_limit),
    )
    if initial_stock:
        goods_restock(
            actor=actor,
            goods_id=goods.pk,
            quantity=initial_stock,
            donor=donor,
            note=str(_("首次入库")),
            now=now,
        )
        goods.refresh_from_db()
    return goods


@transaction.atomic
def goods_update(
    *,
    actor: Any,
    goods_id: int,
    name: str | None = None,
    unit: str | None = None,
    price: int | None = None,
    window_only: bool | None = None,
    active: bool | None = None,
    donor: Any = UNSET,
    min_tier: Any = UNSET,
    per_account_limit: Any = UNSET,
) -> Goods:
    """Change a good's name, price or flags; ``active=False`` takes it off the shelf (下架).

    A price change applies to redemptions from now on: a placed one keeps its ``unit_price``.
    ``donor``, ``min_tier`` and ``per_account_limit`` may be set to None (cleared); left out, they stay.
    """
    try:
        goods = Goods.objects.select_for_update(of=("self",)).select_related("scheme").get(pk=goods_id)
    except Goods.DoesNotExist:
        raise NotFound(_("商品不存在"), code="points_goods_not_found") from None
    if actor is not None and not rules.can_run_store(actor, goods.scheme):
        raise NotFound(_("商品不存在"), code="points_goods_not_found")
    changed: list[str] = []

    def put(field: str, value: Any) -> None:
        if getattr(goods, field) != value:
            setattr(goods, field, value)
            changed.append(field)

    if name is not None:
        put("name", _text(name, field=_("商品名称"), limit=60))
    if unit is not None:
        put("unit", _text(unit, field=_("单位"), limit=10))
    if price is not None:
        put("price", _check_price(price))
    if window_only is not None:
        put("window_only", bool(window_only))
    if active is not None:
        put("active", bool(active))
    if donor is not UNSET:
        put("donor", _check_donor(goods.scheme, donor))
    if min_tier is not UNSET:
        put("min_tier", _check_tier(goods.scheme, min_tier))
    if per_account_limit is not UNSET:
        put("per_account_limit", _check_limit(per_account_limit))
    if changed:
        goods.save(update_fields=[*changed, "updated_at"])
    return goods


# ---------------------------------------------------------------- windows


def _aware(value: Any, field: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationFailed(_("{field}须为带时区的时间").format(field=field), code="points_time_invalid")
    return value


@transaction.atomic
def window_create(
    *, actor: Any, scheme: Scheme, name: str, starts_at: dt.datetime, ends_at: dt.datetime
) -> RedemptionWindow:
    """集中兑换: a window when window-only goods open (and every good, when the scheme does not allow
    随时兑换). Windows of a scheme never overlap."""
    if actor is not None and not rules.can_manage(actor, scheme):
        raise Forbidden(_("您不能管理该积分方案"), code="forbidden")
    name = _text(name, field=_("名称"), limit=60)
    starts_at, ends_at = _aware(starts_at, _("开始时间")), _aware(ends_at, _("结束时间"))
    if starts_at >= ends_at:
        raise ValidationFailed(_("结束时间须晚于开始时间"), code="points_window_order")
    # The scheme row serialises window creation, so two overlapping windows cannot both pass the
    # check below. No account or goods lock is held here, so this cannot invert the lock order.
    Scheme.objects.select_for_update().filter(pk=scheme.pk).first()
    clash = (
        RedemptionWindow.objects.filter(scheme=scheme, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .order_by("starts_at")
        .first()
    )
    if clash is not None:
        raise Conflict(
            _("与已有的集中兑换时间“{name}”重叠").format(name=clash.name),
            code="points_window_overlap",
            data={"window": clash.pk},
        )
    return RedemptionWindow.objects.create(scheme=scheme, name=name, starts_at=starts_at, ends_at=ends_at)


# ---------------------------------------------------------------- tiers


@transaction.atomic
def tier_define(*, actor: Any, scheme: Scheme, name: str, rank_max: int, discount_percent: int = 0) -> Tier:
    """兑换档次: ranks 1..``rank_max`` of the summary ranking, with a discount (at most 90%)."""
    if actor is not None and not rules.can_manage(actor, scheme):
        raise Forbidden(_("您不能管理该积分方案"), code="forbidden")
    name = _text(name, field=_("档次名称"), limit=30)
    if isinstance(rank_max, bool) or not isinstance(rank_max, int) or rank_max < 1:
        raise ValidationFailed(_("排名范围须为正整数"), code="points_tier_rank_invalid")
    if isinstance(discount_percent, bool) or not isinstance(discount_percent, int):
        raise ValidationFailed(_("折扣须为 0 到 90 之间的整数"), code="points_tier_discount_invalid")
    if not 0 <= discount_percent <= 90:
        raise ValidationFailed(_("折扣须为 0 到 90 之间的整数"), code="points_tier_discount_invalid")
    existing = Tier.objects.select_for_update().filter(scheme=scheme)
    if existing.filter(name=name).exists():
        raise Conflict(_("档次“{name}”已存在").format(name=name), code="points_tier_exists")
    if existing.filter(rank_max=rank_max).exists():
        raise Conflict(_("已有覆盖前 {n} 名的档次").format(n=rank_max), code="points_tier_rank_taken")
    order = existing.count()
    try:
        with transaction.atomic():
            return Tier.objects.create(
                scheme=scheme, name=name, rank_max=rank_max, discount_percent=discount_percent, order=order
            )
    except IntegrityError:
        raise Conflict(_("档次“{name}”已存在").format(name=name), code="points_tier_exists") from None


def summary_ranking(scheme: Scheme, period_key: str) -> list[tuple[int, int]]:
    """(account id, net points) of the accounts that gained points in the period, best first.

    Net points: what approvals and reversals of the period's months did to ``total`` (the base
    score is no deed of the period). Ties go to the higher current total, then the older account.
    """
    months = month_keys(parse_period(period_key))
    net = {
        row["account_id"]: row["s"] or 0
        for row in Entry.objects.filter(
            scheme=scheme, kind__in=[EntryKind.APPROVAL, EntryKind.REVERSAL], month__in=months
        )
        .values("account_id")
        .annotate(s=Sum("total_delta"))
        .order_by()
    }
    gained = {a: p for a, p in net.items() if p > 0}
    totals = dict(Account.objects.filter(pk__in=gained).values_list("id", "total"))
    return sorted(gained.items(), key=lambda item: (-item[1], -totals[item[0]], item[0]))


@transaction.atomic
def tiers_assign(
    *, actor: Any, scheme: Scheme, period: str, now: dt.datetime | None = None
) -> list[AccountTier]:
    """分档: give the top ranks of an ended summary period their tiers (best tier first), once.

    Only accounts that gained points in the period rank. Redemptions in the next period use them
    (``store.tier_of``).
    """
    if actor is not None and not rules.can_manage(actor, scheme):
        raise Forbidden(_("您不能管理该积分方案"), code="forbidden")
    now = now or timezone.now()
    try:
        summary = parse_period(period)
    except ValueError:
        raise ValidationFailed(
            _("无效的周期：{period}").format(period=period), code="points_period_invalid"
        ) from None
    if summary.kind != scheme.summary_period:
        raise ValidationFailed(
            _("该方案按{kind}总结，请给出{kind}周期").format(kind=PeriodKind(scheme.summary_period).label),
            code="points_period_kind",
        )
    if summary.last >= timezone.localtime(now).date():
        raise ValidationFailed(
            _("{period} 尚未结束，不能分档").format(period=summary.key), code="points_period_open"
        )
    # Locking the scheme's tiers serialises two assignments of the same scheme.
    tiers = list(Tier.objects.select_for_update().filter(scheme=scheme).order_by("rank_max", "id"))
    if not tiers:
        raise ValidationFailed(_("本方案尚未设置兑换档次"), code="points_no_tiers")
    if AccountTier.objects.filter(tier__scheme=scheme, period=summary.key).exists():
        raise Conflict(
            _("{period} 的档次已经分配过").format(period=summary.key), code="points_tiers_assigned"
        )
    rows = []
    for rank, (account_id, _points) in enumerate(summary_ranking(scheme, summary.key), start=1):
        tier = next((t for t in tiers if rank <= t.rank_max), None)
        if tier is None:
            break
        rows.append(AccountTier(account_id=account_id, tier=tier, period=summary.key, rank=rank))
    try:
        with transaction.atomic():
            return AccountTier.objects.bulk_create(rows)
    except IntegrityError:
        raise Conflict(
            _("{period} 的档次已经分配过").format(period=summary.key), code="points_tiers_assigned"
        ) from None


def tier_members(scheme: Scheme, period: str) -> dict[str, list[int]]:
    """Tier name → account ids holding it in the period (for pages and the CLI)."""
    out: dict[str, list[int]] = defaultdict(list)
    for name, account_id in (
        AccountTier.objects.filter(Q(tier__scheme=scheme), period=period)
        .order_by("rank")
        .values_list("tier__name", "account_id")
    ):
        out[name].append(account_id)
    return dict(out)
