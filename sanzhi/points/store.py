"""积分超市: redemption, cancellation with refund, pickup, restock.

A redemption checks and lowers both the account's redeemable points and the goods' stock in one
transaction under the domain's lock order (redemption → account → goods → chain head); its
``request_key`` makes a retry — even a concurrent one — return the first redemption, never a second.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.points import rules, sql
from sanzhi.points.ledger import Line, append, lock_accounts, month_of
from sanzhi.points.models import (
    Account,
    AccountTier,
    Donor,
    EntryKind,
    Goods,
    Redemption,
    RedemptionState,
    RedemptionWindow,
    StockKind,
    StockMovement,
    Tier,
)
from sanzhi.points.periods import month_keys, parse_period, period_of

MAX_QUANTITY = 100


def open_window(scheme_id: int, now: dt.datetime) -> RedemptionWindow | None:
    return RedemptionWindow.objects.filter(scheme_id=scheme_id, starts_at__lte=now, ends_at__gt=now).first()


def tier_of(account: Account, now: dt.datetime) -> Tier | None:
    """The tier the account earned in the last finished summary period (Houma: last year's ranking)."""
    scheme = account.scheme
    last = period_of(timezone.localtime(now).date(), scheme.summary_period).previous()
    held = AccountTier.objects.select_related("tier").filter(account=account, period=last.key).first()
    return held.tier if held else None


def price_for(goods: Goods, quantity: int, tier: Tier | None) -> tuple[int, int]:
    """(unit price, total points) after the tier's discount, rounded up to whole points."""
    unit = goods.price
    if tier is not None and tier.discount_percent:
        unit = max(1, math.ceil(goods.price * (100 - tier.discount_percent) / 100))
    return unit, unit * quantity


def tier_allows(goods: Goods, tier: Tier | None) -> bool:
    """Whether an account of ``tier`` may take ``goods`` (a smaller ``rank_max`` is a better tier)."""
    if goods.min_tier_id is None:
        return True
    # A smaller rank_max is a better tier; the goods ask for that tier or better.
    return tier is not None and tier.rank_max <= goods.min_tier.rank_max  # type: ignore[union-attr]


def redeem(
    *,
    actor: Any,
    account_id: int,
    goods_id: int,
    quantity: int = 1,
    request_key: str,
    now: dt.datetime | None = None,
) -> Redemption:
    """兑换: spend points on goods. Idempotent on ``request_key`` (per scheme)."""
    request_key = (request_key or "").strip()
    if not request_key or len(request_key) > 64:
        raise ValidationFailed(_("兑换请求缺少有效的请求编号"), code="points_request_key_invalid")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(
            _("兑换数量须在 1 到 {max} 之间").format(max=MAX_QUANTITY), code="points_quantity_invalid"
        )
    try:
        return _redeem(
            actor=actor,
            account_id=account_id,
            goods_id=goods_id,
            quantity=quantity,
            request_key=request_key,
            now=now,
        )
    except IntegrityError:
        # A concurrent request with the same key won the insert. Ask again: the second pass finds
        # that redemption and returns it — or refuses, when it was for another account or goods.
        if _existing(account_id, request_key) is None:
            raise
        return _redeem(
            actor=actor,
            account_id=account_id,
            goods_id=goods_id,
            quantity=quantity,
            request_key=request_key,
            now=now,
        )


def _existing(account_id: int, request_key: str) -> Redemption | None:
    scheme_id = Account.objects.filter(pk=account_id).values_list("scheme_id", flat=True).first()
    if scheme_id is None:
        return None
    return Redemption.objects.filter(scheme_id=scheme_id, request_key=request_key).first()


def _redemption_context(
    account: Account, request_key: str, now: dt.datetime, tier_period: str
) -> tuple[int | None, RedemptionWindow | None, Tier | None]:
    """(the id of the scheme's redemption with this request key, the open window, the account's
    tier for ``tier_period``) in one statement — what ``open_window`` and ``tier_of`` ask."""
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT r.id FROM points_redemption r WHERE r.scheme_id = s.id AND r.request_key = %s),"
            f" {sql.columns(RedemptionWindow, 'w')}, {sql.columns(Tier, 't')}"
            " FROM points_scheme s"
            " LEFT JOIN points_redemptionwindow w ON w.id = (SELECT x.id FROM points_redemptionwindow x"
            " WHERE x.scheme_id = s.id AND x.starts_at <= %s AND x.ends_at > %s ORDER BY x.starts_at LIMIT 1)"
            " LEFT JOIN points_accounttier h ON h.account_id = %s AND h.period = %s"
            " LEFT JOIN points_tier t ON t.id = h.tier_id"
            " WHERE s.id = %s",
            [request_key, at, at, account.pk, tier_period, account.scheme_id],
        )
        row = cursor.fetchone()
    window_at = 1
    tier_at = window_at + sql.width(RedemptionWindow)
    window = sql.build(RedemptionWindow, row, window_at) if row[window_at] is not None else None
    tier = sql.build(Tier, row, tier_at) if row[tier_at] is not None else None
    return row[0], window, tier


def _lock_goods(goods_id: int, scheme_id: int) -> Goods | None:
    """Lock one of the scheme's goods (with its minimum tier); None when there is no such goods."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.columns(Goods, 'g')}, {sql.columns(Tier, 't')} FROM points_goods g"
            " LEFT JOIN points_tier t ON t.id = g.min_tier_id"
            " WHERE g.id = %s AND g.scheme_id = %s" + sql.for_update_of("g"),
            [goods_id, scheme_id],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    goods = sql.build(Goods, row)
    at = sql.width(Goods)
    _GOODS_MIN_TIER.set_cached_value(goods, sql.build(Tier, row, at) if row[at] is not None else None)
    return goods


_GOODS_MIN_TIER = Goods._meta.get_field("min_tier")


@transaction.atomic
def _redeem(
    *, actor: Any, account_id: int, goods_id: int, quantity: int, request_key: str, now: dt.datetime | None
) -> Redemption:
    now = now or timezone.now()
    account = lock_accounts([account_id])[account_id]
    if actor is not None and not rules.can_view(actor, account):
        raise NotFound(_("积分账户不存在"), code="points_account_not_found")
    scheme = account.scheme
    # One read after the account's lock for the request key, the open window and the account's
    # tier (the window and tier are asked before the goods' lock: a hot good's row is held only
    # for its own checks and writes).
    last = period_of(timezone.localtime(now).date(), scheme.summary_period).previous()
    previous_id, window, tier = _redemption_context(account, request_key, now, last.key)
    if previous_id is not None:
        previous = Redemption.objects.get(pk=previous_id)
        if (
            previous.account_id != account.pk
            or previous.goods_id != goods_id
            or previous.quantity != quantity
        ):
            raise Conflict(_("该请求编号已用于另一笔兑换"), code="points_request_key_reused")
        return previous
    if actor is not None and not rules.can_redeem(actor, account):
        raise Forbidden(_("您不能使用该账户兑换"), code="forbidden")
    goods = _lock_goods(goods_id, account.scheme_id)
    if goods is None:
        raise NotFound(_("商品不存在"), code="points_goods_not_found")
    if not goods.active:
        raise Conflict(_("该商品已下架"), code="points_goods_inactive")
    if window is None and (goods.window_only or not scheme.redeem_anytime):
        raise Conflict(_("当前不在集中兑换时间内"), code="points_window_closed")
    if not tier_allows(goods, tier):
        raise Forbidden(
            _("该商品仅限“{tier}”及以上档次兑换").format(tier=goods.min_tier.name),  # type: ignore[union-attr]
            code="points_tier_required",
        )
    if goods.per_account_limit is not None:
        period = period_of(timezone.localtime(now).date(), scheme.redeem_period)
        since = timezone.make_aware(dt.datetime.combine(period.first, dt.time.min))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(SUM(quantity), 0) FROM points_redemption"
                " WHERE account_id = %s AND goods_id = %s AND created_at >= %s AND state <> %s",
                [
                    account.pk,
                    goods.pk,
                    connection.ops.adapt_datetimefield_value(since),
                    RedemptionState.CANCELLED.value,
                ],
            )
            taken = int(cursor.fetchone()[0])
        if taken + quantity > goods.per_account_limit:
            raise Conflict(
                _("该商品本期每户限兑 {limit} {unit}").format(limit=goods.per_account_limit, unit=goods.unit),
                code="points_goods_limit_reached",
                data={"limit": goods.per_account_limit, "taken": taken},
            )
    unit, points = price_for(goods, quantity, tier)
    if points > account.redeemable:
        raise Conflict(
            _("可兑换积分不足：需要 {points} 分，现有 {have} 分").format(
                points=points, have=account.redeemable
            ),
            code="points_insufficient",
            data={"needed": points, "available": account.redeemable},
        )
    if quantity > goods.stock:
        raise Conflict(
            _("库存不足：现有 {stock} {unit}").format(stock=goods.stock, unit=goods.unit),
            code="points_out_of_stock",
            data={"stock": goods.stock},
        )
    recorder = actor if getattr(actor, "is_authenticated", False) else None
    redemption = Redemption(
        scheme_id=scheme.pk,
        account=account,
        goods=goods,
        quantity=quantity,
        unit_price=unit,
        points=points,
        request_key=request_key,
        window=window,
        created_by=recorder,
        created_at=now,
    )
    sql.insert(Redemption, [redemption])
    sql.insert(
        StockMovement,
        [
            StockMovement(
                goods=goods,
                kind=StockKind.REDEMPTION,
                delta=-quantity,
                redemption=redemption,
                by=recorder,
                at=now,
            )
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute("UPDATE points_goods SET stock = stock - %s WHERE id = %s", [quantity, goods.pk])
    append(
        scheme_id=scheme.pk,
        lines=[
            Line(
                account=account,
                kind=EntryKind.REDEMPTION,
                month=month_of(now),
                redemption_id=redemption.pk,
                redeemable_delta=-points,
                note=f"{goods.name} × {quantity}"[:500],
            )
        ],
        actor=actor,
        now=now,
    )
    return redemption


def _lock_redemption(redemption_id: int) -> Redemption:
    try:
        return (
            Redemption.objects.select_for_update(of=("self",)).select_related("goods").get(pk=redemption_id)
        )
    except Redemption.DoesNotExist:
        raise NotFound(_("兑换单不存在"), code="points_redemption_not_found") from None


@transaction.atomic
def redemption_cancel(
    *, actor: Any, redemption_id: int, reason: str, now: dt.datetime | None = None
) -> Redemption:
    """取消: refund the points (a refund entry) and return the stock; only before pickup."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("取消兑换须填写原因"), code="points_reason_required")
    redemption = _lock_redemption(redemption_id)
    account = lock_accounts([redemption.account_id])[redemption.account_id]
    if actor is not None:
        if not rules.can_view(actor, account):
            raise NotFound(_("兑换单不存在"), code="points_redemption_not_found")
        if not rules.can_redeem(actor, account):
            raise Forbidden(_("您不能取消该兑换"), code="forbidden")
    if redemption.state != RedemptionState.PLACED:
        raise Conflict(
            _("该兑换单{state}，不能取消").format(state=RedemptionState(redemption.state).label),
            code="points_redemption_not_open",
        )
    Goods.objects.select_for_update(of=("self",)).filter(pk=redemption.goods_id).first()
    recorder = actor if getattr(actor, "is_authenticated", False) else None
    StockMovement.objects.create(
        goods_id=redemption.goods_id,
        kind=StockKind.CANCEL,
        delta=redemption.quantity,
        redemption=redemption,
        by=recorder,
        at=now,
        note=reason[:200],
    )
    Goods.objects.filter(pk=redemption.goods_id).update(stock=F("stock") + redemption.quantity)
    redemption.state = RedemptionState.CANCELLED
    redemption.cancelled_at = now
    redemption.cancelled_by = recorder
    redemption.cancel_reason = reason[:200]
    redemption.save(update_fields=["state", "cancelled_at", "cancelled_by", "cancel_reason"])
    append(
        scheme_id=redemption.scheme_id,
        lines=[
            Line(
                account=account,
                kind=EntryKind.REFUND,
                month=month_of(now),
                redemption_id=redemption.pk,
                redeemable_delta=redemption.points,
                note=reason[:500],
            )
        ],
        actor=actor,
        now=now,
    )
    return redemption


@transaction.atomic
def redemption_pickup(*, actor: Any, redemption_id: int, now: dt.datetime | None = None) -> Redemption:
    """核销: the counter hands the goods over."""
    now = now or timezone.now()
    redemption = _lock_redemption(redemption_id)
    account = Account.objects.get(pk=redemption.account_id)
    if actor is not None:
        if not rules.can_view(actor, account) and not rules.can_run_store(actor, account):
            raise NotFound(_("兑换单不存在"), code="points_redemption_not_found")
        if not rules.can_run_store(actor, account):
            raise Forbidden(_("只有积分超市管理员可以核销"), code="forbidden")
    if redemption.state != RedemptionState.PLACED:
        raise Conflict(
            _("该兑换单{state}，不能核销").format(state=RedemptionState(redemption.state).label),
            code="points_redemption_not_open",
        )
    redemption.state = RedemptionState.PICKED_UP
    redemption.picked_up_at = now
    redemption.picked_up_by = actor if getattr(actor, "is_authenticated", False) else None
    redemption.save(update_fields=["state", "picked_up_at", "picked_up_by"])
    return redemption


@transaction.atomic
def goods_restock(
    *,
    actor: Any,
    goods_id: int,
    quantity: int,
    donor: Donor | None = None,
    note: str = "",
    kind: str = StockKind.RESTOCK,
    now: dt.datetime | None = None,
) -> StockMovement:
    """入库 (a positive quantity, perhaps from a donor) or 盘点调整 (either sign, never below zero)."""
    now = now or timezone.now()
    if kind not in (StockKind.RESTOCK, StockKind.ADJUST):
        raise ValidationFailed(_("库存变动类型无效"), code="points_stock_kind_invalid")
    if kind == StockKind.RESTOCK and quantity <= 0:
        raise ValidationFailed(_("入库数量须大于 0"), code="points_quantity_invalid")
    if quantity == 0 or abs(quantity) > 1_000_000:
        raise ValidationFailed(_("库存变动数量无效"), code="points_quantity_invalid")
    try:
        goods = Goods.objects.select_for_update(of=("self",)).select_related("scheme").get(pk=goods_id)
    except Goods.DoesNotExist:
        raise NotFound(_("商品不存在"), code="points_goods_not_found") from None
    if actor is not None and not rules.can_run_store(actor, goods.scheme):
        raise NotFound(_("商品不存在"), code="points_goods_not_found")
    if goods.stock + quantity < 0:
        raise Conflict(
            _("调整后库存不能为负（现有 {stock}）").format(stock=goods.stock), code="points_stock_negative"
        )
    movement = StockMovement.objects.create(
        goods=goods,
        kind=kind,
        delta=quantity,
        donor=donor,
        note=(note or "").strip()[:200],
        by=actor if getattr(actor, "is_authenticated", False) else None,
        at=now,
    )
    Goods.objects.filter(pk=goods.pk).update(stock=F("stock") + quantity)
    return movement


def store_statistics(*, scheme_ids: list[int], period: str | None = None) -> dict[str, int]:
    """Points issued, points redeemed and items out ("已兑换23000余分、约1800件商品"), optionally for a
    period. Redeemed points and items both count the redemptions not cancelled, by when they were
    placed, so the two figures always describe the same redemptions."""
    from sanzhi.points.models import Entry

    entries = Entry.objects.filter(scheme_id__in=scheme_ids)
    redemptions = Redemption.objects.filter(scheme_id__in=scheme_ids).exclude(state=RedemptionState.CANCELLED)
    if period:
        parsed = parse_period(period)
        entries = entries.filter(month__in=month_keys(parsed))
        start = timezone.make_aware(dt.datetime.combine(parsed.first, dt.time.min))
        end = timezone.make_aware(dt.datetime.combine(parsed.last + dt.timedelta(days=1), dt.time.min))
        redemptions = redemptions.filter(created_at__gte=start, created_at__lt=end)
    issued = (
        entries.filter(kind__in=[EntryKind.APPROVAL, EntryKind.BASE], total_delta__gt=0).aggregate(
            s=Sum("total_delta")
        )["s"]
        or 0
    )
    agg = redemptions.aggregate(items=Sum("quantity"), points=Sum("points"))
    return {
        "points_issued": int(issued),
        "points_redeemed": int(agg["points"] or 0),
        "items_out": int(agg["items"] or 0),
        "redemptions": redemptions.count(),
    }
