"""积分超市: redemption, cancellation with refund, pickup, restock.

A redemption checks and lowers both the account's redeemable points and the goods' stock in one
transaction under the domain's lock order (redemption → account → goods → chain head); its
``request_key`` makes a retry — even a concurrent one — return the first redemption, never a second.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.points import rules, sql
from sanzhi.points.appending import Line, Prelude, append
from sanzhi.points.ledger import lock_accounts, month_of
from sanzhi.points.models import (
    Account,
    AccountTier,
    Donor,
    Entry,
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
from sanzhi.points.transitions import redemption_move

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
    account: Account, request_key: str, now: dt.datetime, tier_period: str, goods_id: int | None = None
) -> tuple[int | None, RedemptionWindow | None, Tier | None, Goods | None]:
    """(the id of the scheme's redemption with this request key, the open window, the account's
    tier for ``tier_period``, the goods) in one statement — what ``open_window`` and ``tier_of``
    ask, and with ``goods_id`` (PostgreSQL) ``_lock_goods`` too: the goods' row is locked in the
    same statement unless the request key was used already (that request only reads)."""
    at = connection.ops.adapt_datetimefield_value(now)
    goods = (
        f", gx.* FROM points_scheme s LEFT JOIN LATERAL (SELECT {sql.columns(Goods, 'g')},"
        f" {sql.columns(Tier, 'gt')} FROM points_goods g LEFT JOIN points_tier gt ON gt.id = g.min_tier_id"
        " WHERE g.id = %s AND g.scheme_id = s.id AND NOT EXISTS (SELECT 1 FROM points_redemption p"
        " WHERE p.scheme_id = s.id AND p.request_key = %s) FOR UPDATE OF g) gx ON true"
        if goods_id is not None
        else " FROM points_scheme s"
    )
    with sql.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT r.id FROM points_redemption r WHERE r.scheme_id = s.id AND r.request_key = %s),"
            f" {sql.columns(RedemptionWindow, 'w')}, {sql.columns(Tier, 't')}{goods}"
            " LEFT JOIN points_redemptionwindow w ON w.id = (SELECT x.id FROM points_redemptionwindow x"
            " WHERE x.scheme_id = s.id AND x.starts_at <= %s AND x.ends_at > %s ORDER BY x.starts_at LIMIT 1)"
            " LEFT JOIN points_accounttier h ON h.account_id = %s AND h.period = %s"
            " LEFT JOIN points_tier t ON t.id = h.tier_id"
            " WHERE s.id = %s",
            [
                request_key,
                *([goods_id, request_key] if goods_id is not None else []),
                at,
                at,
                account.pk,
                tier_period,
                account.scheme_id,
            ],
        )
        row = cursor.fetchone()
    window_at = 1
    tier_at = window_at + sql.width(RedemptionWindow)
    window = sql.build(RedemptionWindow, row, window_at) if row[window_at] is not None else None
    tier = sql.build(Tier, row, tier_at) if row[tier_at] is not None else None
    goods_at = tier_at + sql.width(Tier)
    return row[0], window, tier, _goods(row, goods_at) if goods_id is not None else None


def _lock_goods(goods_id: int, scheme_id: int) -> Goods | None:
    """Lock one of the scheme's goods (with its minimum tier); None when there is no such goods."""
    with sql.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql.columns(Goods, 'g')}, {sql.columns(Tier, 't')} FROM points_goods g"
            " LEFT JOIN points_tier t ON t.id = g.min_tier_id"
            " WHERE g.id = %s AND g.scheme_id = %s" + sql.for_update_of("g"),
            [goods_id, scheme_id],
        )
        row = cursor.fetchone()
    return _goods(row, 0) if row is not None else None


def _goods(row: Sequence[Any], at: int) -> Goods | None:
    if row[at] is None:
        return None
    goods = sql.build(Goods, row, at)
    tier_at = at + sql.width(Goods)
    _GOODS_MIN_TIER.set_cached_value(
        goods, sql.build(Tier, row, tier_at) if row[tier_at] is not None else None
    )
    return goods


_GOODS_MIN_TIER = Goods._meta.get_field("min_tier")
_REDEMPTION_ACCOUNT = Redemption._meta.get_field("account")
_REDEMPTION_GOODS = Redemption._meta.get_field("goods")
_REDEMPTION_WINDOW = Redemption._meta.get_field("window")
_REDEMPTION_CREATED_BY = Redemption._meta.get_field("created_by")
_MOVEMENT_GOODS = StockMovement._meta.get_field("goods")
_MOVEMENT_BY = StockMovement._meta.get_field("by")


@transaction.atomic
def _redeem(
    *, actor: Any, account_id: int, goods_id: int, quantity: int, request_key: str, now: dt.datetime | None
) -> Redemption:
    now = now or timezone.now()
    account = lock_accounts([account_id], actor=actor)[account_id]
    if actor is not None and not rules.can_view(actor, account):
        raise NotFound(_("积分账户不存在"), code="points_account_not_found")
    scheme = account.scheme
    # One read after the account's lock for the request key, the open window and the account's
    # tier (the window and tier are asked before the goods' lock: a hot good's row is held only
    # for its own checks and writes). On PostgreSQL that read locks the goods too, in the same
    # statement (after the account, as the lock order says, and not when the key was used
    # already): one round trip less, and the row is still held from then to the commit only; the
    # checks below keep their order.
    last = period_of(timezone.localtime(now).date(), scheme.summary_period).previous()
    merged = connection.vendor == "postgresql"
    previous_id, window, tier, goods = _redemption_context(
        account, request_key, now, last.key, goods_id if merged else None
    )
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
    if not merged:
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
        with sql.cursor() as cursor:
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
    # Relations by id with their objects cached: what assigning the objects does, without the
    # related descriptors' checks (every object here is from the default database).
    redemption = sql.new(
        Redemption,
        scheme_id=scheme.pk,
        account_id=account.pk,
        goods_id=goods.pk,
        quantity=quantity,
        unit_price=unit,
        points=points,
        request_key=request_key,
        window_id=window.pk if window is not None else None,
        created_by_id=recorder.pk if recorder is not None else None,
        created_at=now,
    )
    _REDEMPTION_ACCOUNT.set_cached_value(redemption, account)
    _REDEMPTION_GOODS.set_cached_value(redemption, goods)
    _REDEMPTION_WINDOW.set_cached_value(redemption, window)
    _REDEMPTION_CREATED_BY.set_cached_value(redemption, recorder)
    movement = sql.new(
        StockMovement,
        goods_id=goods.pk,
        kind=StockKind.REDEMPTION,
        delta=-quantity,
        by_id=recorder.pk if recorder is not None else None,
        at=now,
    )
    _MOVEMENT_GOODS.set_cached_value(movement, goods)
    _MOVEMENT_BY.set_cached_value(movement, recorder)
    if connection.vendor == "postgresql":
        prelude = _placing(redemption, movement, quantity)
    else:
        _place(redemption, movement, quantity)
        prelude = None
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
        prelude=prelude,
    )
    return redemption


def _place(redemption: Redemption, movement: StockMovement, quantity: int) -> None:
    """Insert the redemption and its stock movement and lower the goods' stock (locked already)."""
    sql.insert(Redemption, [redemption])
    movement.redemption = redemption
    sql.insert(StockMovement, [movement])
    with sql.cursor() as cursor:
        cursor.execute(_STOCK_TAKE, [quantity, redemption.goods_id])


def _placing(redemption: Redemption, movement: StockMovement, quantity: int) -> Prelude:
    """``_place`` on PostgreSQL, sent with the chain head's lock: the head query joins the
    redemption's insert, so it runs before the head is locked (a concurrent request with the same
    key waits on its unique index, never while holding the head); the movement takes the
    redemption's id in a scalar subquery of its VALUES, where every parameter is still typed from
    its column; the goods' row is locked already."""
    placed, params = sql.insert_values(Redemption, [redemption])
    moved, moved_params = sql.insert_values(
        StockMovement, [movement], expressions={"redemption_id": "(SELECT id FROM r)"}
    )

    def done(returned: Sequence[Any], entries: list[Entry]) -> None:
        redemption_id, movement_id = returned
        sql.saved([redemption], [redemption_id])
        movement.redemption = redemption
        sql.saved([movement], [movement_id])
        for entry in entries:
            entry.redemption_id = redemption_id

    return Prelude(
        ctes=[f"r AS ({placed} RETURNING id)", f"m AS ({moved} RETURNING id)", f"g AS ({_STOCK_TAKE})"],
        params=[*params, *moved_params, quantity, redemption.goods_id],
        joins="r",
        returns="r.id, (SELECT id FROM m)",
        done=done,
        redemption="r.id",
    )


_STOCK_TAKE = "UPDATE points_goods SET stock = stock - %s WHERE id = %s"


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
    redemption_move(redemption, RedemptionState.CANCELLED, refused=_("该兑换单{state}，不能取消"))
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
    redemption_move(redemption, RedemptionState.PICKED_UP, refused=_("该兑换单{state}，不能核销"))
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
