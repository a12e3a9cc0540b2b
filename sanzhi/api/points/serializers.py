"""Request and response shapes of the points endpoints (积分制). No business logic: the services check
the domain, the selectors scope the reads; these only shape what goes in and out."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sanzhi.api.fields import CodeLabelField
from sanzhi.api.rows import MAX_ID
from sanzhi.api.serializers import CODE_MAX_LENGTH, NodeRefSerializer
from sanzhi.points.models import (
    EntryKind,
    Evidence,
    RedemptionState,
    StockKind,
    Subject,
)
from sanzhi.points.periods import PeriodKind

# Largest point value a request may carry: far above any rule, far below any column's limit.
MAX_POINTS = 1_000_000
CLAIM_STATES = [
    ("pending", _("待审核")),
    ("approved", _("已通过")),
    ("rejected", _("已驳回")),
    ("reversed", _("已冲正")),
]


def id_field(help_text: Any = "", **kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=help_text, **kwargs)


def period_field(help_text: Any = None, **kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(
        r"^\d{4}(-(0[1-9]|1[0-2])|Q[1-4])?$",
        max_length=7,
        help_text=help_text or _("期间：2026-11（月）、2026Q4（季度）或 2026（年）"),
        **kwargs,
    )


# ---- requests -------------------------------------------------------------------------------------


class SchemeListQuerySerializer(serializers.Serializer):
    node = serializers.CharField(
        required=False,
        max_length=CODE_MAX_LENGTH,
        help_text=_("节点编码：该节点及其下级的方案，以及覆盖该节点的上级方案"),
    )


class AccountListQuerySerializer(serializers.Serializer):
    scheme = id_field(_("积分方案 id"), required=False)
    node = serializers.CharField(
        required=False, max_length=CODE_MAX_LENGTH, help_text=_("节点编码：只列出该节点及其下级的账户")
    )
    q = serializers.CharField(required=False, allow_blank=True, max_length=50, help_text=_("名称片段"))


class SchemeQuerySerializer(serializers.Serializer):
    scheme = id_field(_("积分方案 id"), required=False)


class ReviewQuerySerializer(serializers.Serializer):
    scheme = id_field(_("积分方案 id"))
    period = period_field(required=False)


class RedemptionListQuerySerializer(SchemeQuerySerializer):
    state = serializers.ChoiceField(choices=RedemptionState.choices, required=False)
    account = id_field(_("积分账户 id"), required=False)


class StatsQuerySerializer(SchemeQuerySerializer):
    node = serializers.CharField(
        required=False, max_length=CODE_MAX_LENGTH, help_text=_("节点编码：统计该节点相关的方案")
    )
    period = period_field(required=False)


class EntryCreateSerializer(serializers.Serializer):
    account = id_field(_("积分账户 id"))
    rule = id_field(_("积分细则 id"))
    points = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=-MAX_POINTS,
        max_value=MAX_POINTS,
        help_text=_("分值；固定分值的细则可不填，分值为区间的细则必填"),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text=_("说明"))
    day = serializers.DateField(required=False, help_text=_("事迹发生日期（决定计入的评审月份）；默认今天"))
    approve = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("有审核权限的人当场审核通过（须经评议会审批的细则除外）"),
    )
    evidence = serializers.FileField(
        required=False, help_text=_("佐证照片（multipart/form-data；JPEG、PNG、WebP 或 HEIC，不超过 10 MB）")
    )


class DecideSerializer(serializers.Serializer):
    entries = serializers.ListField(
        child=id_field(), min_length=1, max_length=500, help_text=_("待审核的积分申报 id（同一方案）")
    )
    approve = serializers.BooleanField(help_text=_("true 通过，false 驳回"))
    council = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text=_("审批的评议机构（评议会审批的细则）")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text=_("审核意见"))


class ReverseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, help_text=_("冲正原因（必填）"))


class RedeemSerializer(serializers.Serializer):
    account = id_field(_("积分账户 id"))
    goods = id_field(_("商品 id"))
    quantity = serializers.IntegerField(required=False, default=1, min_value=1, max_value=100)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text=_("取消原因（必填）"))


class RestockSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=-1_000_000, max_value=1_000_000, help_text=_("数量；入库为正，盘点调整可为负")
    )
    kind = serializers.ChoiceField(
        choices=[
            (StockKind.RESTOCK.value, StockKind.RESTOCK.label),
            (StockKind.ADJUST.value, StockKind.ADJUST.label),
        ],
        required=False,
        default=StockKind.RESTOCK.value,
    )
    donor = id_field(_("捐赠方 id"), required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


# ---- responses ------------------------------------------------------------------------------------


class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CodeNameSerializer(RefSerializer):
    code = serializers.CharField()


class RuleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    item = serializers.CharField()
    council = serializers.CharField(help_text=_("须经审批的评议机构；空为普通审核"))


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class SchemeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    template = serializers.CharField(help_text=_("来源模板（daode_bank、shixing、houma_grid），可为空"))
    subject = CodeLabelField(Subject.choices)
    node = NodeRefSerializer()
    description = serializers.CharField()
    base_score = serializers.IntegerField()
    base_redeemable = serializers.BooleanField()
    review_period = CodeLabelField(PeriodKind.choices)
    redeem_period = CodeLabelField(PeriodKind.choices)
    summary_period = CodeLabelField(PeriodKind.choices)
    period_cap = serializers.IntegerField(allow_null=True)
    council = serializers.CharField()
    redeem_anytime = serializers.BooleanField()
    red_list_size = serializers.IntegerField()
    black_list_size = serializers.IntegerField()
    appeal_days = serializers.IntegerField()
    active = serializers.BooleanField()


class CategorySerializer(CodeNameSerializer):
    order = serializers.IntegerField()


class RuleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    category = serializers.IntegerField(source="category_id")
    item = serializers.CharField()
    points_min = serializers.IntegerField()
    points_max = serializers.IntegerField()
    fixed = serializers.BooleanField()
    evidence = CodeLabelField(Evidence.choices)
    council = serializers.CharField()
    cap_per_period = serializers.IntegerField(allow_null=True)
    order = serializers.IntegerField()
    active = serializers.BooleanField()


class StarSerializer(RefSerializer):
    category = serializers.IntegerField(source="category_id")
    min_points = serializers.IntegerField()
    no_deduction = serializers.BooleanField()
    order = serializers.IntegerField()


class TierSerializer(RefSerializer):
    rank_max = serializers.IntegerField(help_text=_("总结期排名前 N 名"))
    discount_percent = serializers.IntegerField()
    order = serializers.IntegerField()


class SchemeDetailSerializer(SchemeSerializer):
    categories = CategorySerializer(many=True, source="categories.all")
    rules = RuleSerializer(many=True, source="rules.all")
    stars = StarSerializer(many=True, source="stars.all")
    tiers = TierSerializer(many=True, source="tiers.all")


class AccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scheme = serializers.IntegerField(source="scheme_id")
    subject = CodeLabelField(Subject.choices)
    name = serializers.CharField(help_text=_("户：地址；居民、网格员：姓名"))
    node = NodeRefSerializer()
    household = serializers.IntegerField(source="household_id", allow_null=True)
    total = serializers.IntegerField(help_text=_("累计积分（排名、评星依据）"))
    redeemable = serializers.IntegerField(help_text=_("可兑换积分"))
    opened_at = serializers.DateTimeField()


class CategoryBalanceSerializer(serializers.Serializer):
    category = CodeNameSerializer()
    points = serializers.IntegerField()


class StarHeldSerializer(serializers.Serializer):
    star = RefSerializer()
    since_month = serializers.CharField()


class AccountDetailSerializer(AccountSerializer):
    scheme_name = serializers.CharField(source="scheme.name")
    category_balances = CategoryBalanceSerializer(many=True, source="category_balances.all")
    stars = StarHeldSerializer(many=True, source="stars.all", help_text=_("现有星级"))
    tier = RefSerializer(allow_null=True, help_text=_("上一总结期取得的兑换档次"))
    can_record = serializers.BooleanField(help_text=_("您能否为该账户记分"))
    can_redeem = serializers.BooleanField(help_text=_("您能否用该账户兑换"))


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField(help_text=_("方案内流水号"))
    account = RefSerializer()
    kind = CodeLabelField(EntryKind.choices)
    rule = RuleRefSerializer(allow_null=True)
    category = CodeNameSerializer(allow_null=True)
    target = serializers.IntegerField(source="target_id", allow_null=True, help_text=_("所审核或冲正的申报"))
    redemption = serializers.IntegerField(source="redemption_id", allow_null=True)
    claimed = serializers.IntegerField(help_text=_("申报分值（仅申报）"))
    total_delta = serializers.IntegerField()
    redeemable_delta = serializers.IntegerField()
    month = serializers.CharField(help_text=_("计入的评审月份"))
    note = serializers.CharField()
    council = serializers.CharField()
    has_evidence = serializers.BooleanField()
    recorded_by = UserRefSerializer(allow_null=True)
    recorded_at = serializers.DateTimeField()
    status = serializers.ChoiceField(
        choices=CLAIM_STATES,
        allow_null=True,
        read_only=True,
        help_text=_("申报的审核状态（pending、approved、rejected、reversed）；其他流水为 null"),
    )
    hash = serializers.CharField()


class DecideResultSerializer(serializers.Serializer):
    entries = EntrySerializer(many=True, help_text=_("本次写入的审核流水"))


class GoodsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scheme = serializers.IntegerField(source="scheme_id")
    name = serializers.CharField()
    unit = serializers.CharField()
    price = serializers.IntegerField(help_text=_("所需积分"))
    stock = serializers.IntegerField()
    donor = RefSerializer(allow_null=True)
    window_only = serializers.BooleanField(help_text=_("仅在集中兑换时段可兑"))
    min_tier = RefSerializer(allow_null=True)
    per_account_limit = serializers.IntegerField(allow_null=True)
    active = serializers.BooleanField()
    order = serializers.IntegerField()


class StockMovementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    goods = GoodsSerializer()
    kind = CodeLabelField(StockKind.choices)
    delta = serializers.IntegerField()
    donor = RefSerializer(allow_null=True)
    note = serializers.CharField()
    at = serializers.DateTimeField()


class GoodsRefSerializer(RefSerializer):
    unit = serializers.CharField()


class RedemptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scheme = serializers.IntegerField(source="scheme_id")
    account = RefSerializer()
    goods = GoodsRefSerializer()
    quantity = serializers.IntegerField()
    unit_price = serializers.IntegerField()
    points = serializers.IntegerField()
    state = CodeLabelField(RedemptionState.choices)
    window = RefSerializer(allow_null=True)
    request_key = serializers.CharField(help_text="Idempotency-Key")
    created_at = serializers.DateTimeField()
    picked_up_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancel_reason = serializers.CharField()


class TopGoodsSerializer(serializers.Serializer):
    goods_id = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField()
    scheme = serializers.CharField()
    items = serializers.IntegerField()
    points = serializers.IntegerField()


class StatsSerializer(serializers.Serializer):
    schemes = serializers.ListField(child=serializers.IntegerField(), help_text=_("统计的方案 id"))
    period = serializers.CharField(allow_null=True)
    points_issued = serializers.IntegerField(help_text=_("发放积分（基础分与审核通过的加分）"))
    points_redeemed = serializers.IntegerField(help_text=_("已兑换积分（不含已取消的兑换）"))
    items_out = serializers.IntegerField(help_text=_("兑出商品件数"))
    redemptions = serializers.IntegerField()
    awaiting_pickup = serializers.IntegerField(help_text=_("待领取的兑换单"))
    top_goods = TopGoodsSerializer(many=True, help_text=_("兑换最多的商品"))
    phrase = serializers.CharField(help_text=_("报告用语，如“已兑换23000余分、约1800件商品”"))
