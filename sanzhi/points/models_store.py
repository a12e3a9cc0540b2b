"""积分超市 models: donors, tiers, goods, stock movements, redemption windows and redemptions.

Part of ``sanzhi.points.models`` (which re-exports every name here); kept apart only for size.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanzhi.core.fields import PathField
from sanzhi.core.models import TimeStamped


class Donor(TimeStamped):
    """捐赠方: 乡贤, local businesses and units that stock the supermarket."""

    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="+")
    node_path = PathField()
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=20, blank=True)  # 乡贤 / 企业 / 单位 / 个人
    note = models.CharField(_("备注"), max_length=200, blank=True)

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """兑换档次: privileges for the top ranks of the last summary period (Houma's tiered redemption)."""

    scheme = models.ForeignKey("points.Scheme", on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(_("名称"), max_length=30)
    rank_max = models.PositiveIntegerField(_("排名前"))  # ranks 1..rank_max of the summary ranking
    discount_percent = models.PositiveSmallIntegerField(_("折扣（%）"), default=0)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["scheme_id", "rank_max"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "name"], name="points_tier_name_unique"),
            models.CheckConstraint(condition=Q(discount_percent__lte=90), name="points_tier_discount_max"),
        ]

    def __str__(self) -> str:
        return self.name


class AccountTier(models.Model):
    """The tier an account earned in a summary period (assigned from that period's ranking)."""

    account = models.ForeignKey("points.Account", on_delete=models.CASCADE, related_name="tiers")
    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="members")
    period = models.CharField(max_length=7)
    rank = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "period"], name="points_account_tier_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.period}: {self.tier_id}"


class Goods(TimeStamped):
    """商品: priced in the scheme's points; ``stock`` is the cached sum of its stock movements."""

    scheme = models.ForeignKey("points.Scheme", on_delete=models.PROTECT, related_name="goods")
    name = models.CharField(_("名称"), max_length=60)
    unit = models.CharField(_("单位"), max_length=10, default="件")
    price = models.PositiveIntegerField(_("所需积分"))
    stock = models.IntegerField(_("库存"), default=0)
    donor = models.ForeignKey(Donor, null=True, blank=True, on_delete=models.PROTECT, related_name="goods")
    # Only in a 集中兑换 window (otherwise also 随时兑换 when the scheme allows it).
    window_only = models.BooleanField(_("仅集中兑换"), default=False)
    min_tier = models.ForeignKey(
        Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("档次要求")
    )
    per_account_limit = models.PositiveIntegerField(_("每户每期限兑"), null=True, blank=True)
    active = models.BooleanField(_("上架"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("商品")
        verbose_name_plural = _("商品")
        ordering = ["scheme_id", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="points_goods_stock_nonneg"),
            models.CheckConstraint(condition=Q(price__gt=0), name="points_goods_price_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class StockKind(models.TextChoices):
    RESTOCK = "restock", _("入库")
    REDEMPTION = "redemption", _("兑换出库")
    CANCEL = "cancel", _("取消退回")
    ADJUST = "adjust", _("盘点调整")


class StockMovement(models.Model):
    """库存流水: append-only; ``Goods.stock`` equals the sum of ``delta``."""

    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=12, choices=StockKind.choices)
    delta = models.IntegerField()
    donor = models.ForeignKey(Donor, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    redemption = models.ForeignKey(
        "points.Redemption", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    note = models.CharField(max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["redemption", "kind"],
                condition=Q(redemption__isnull=False),
                name="points_stock_one_per_redemption",
            )
        ]

    def __str__(self) -> str:
        return f"{self.goods_id} {self.kind} {self.delta:+d}"


class RedemptionWindow(models.Model):
    """集中兑换: a window (a market day, the quarter's last week) when window-only goods are open."""

    scheme = models.ForeignKey("points.Scheme", on_delete=models.CASCADE, related_name="windows")
    name = models.CharField(_("名称"), max_length=60)
    starts_at = models.DateTimeField(_("开始"))
    ends_at = models.DateTimeField(_("结束"))

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="points_window_order")
        ]

    def __str__(self) -> str:
        return self.name


class RedemptionState(models.TextChoices):
    PLACED = "placed", _("待领取")  # points and stock taken; the goods wait at the counter
    PICKED_UP = "picked_up", _("已领取")
    CANCELLED = "cancelled", _("已取消")  # points refunded, stock returned


class Redemption(models.Model):
    """兑换单. ``request_key`` makes a retried request return the first one, never a second."""

    scheme = models.ForeignKey("points.Scheme", on_delete=models.PROTECT, related_name="redemptions")
    account = models.ForeignKey("points.Account", on_delete=models.PROTECT, related_name="redemptions")
    goods = models.ForeignKey(Goods, on_delete=models.PROTECT, related_name="redemptions")
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.PositiveIntegerField()
    points = models.PositiveIntegerField()
    request_key = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=RedemptionState.choices, default=RedemptionState.PLACED)
    window = models.ForeignKey(
        RedemptionWindow, null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    picked_up_at = models.DateTimeField(null=True, blank=True)
    picked_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("兑换单")
        verbose_name_plural = _("兑换单")
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "request_key"], name="points_redemption_request_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="points_redemption_quantity"),
        ]
        indexes = [models.Index(fields=["scheme", "state", "created_at"], name="points_redemption_state")]

    def __str__(self) -> str:
        return f"{self.goods_id} × {self.quantity} ({self.state})"
