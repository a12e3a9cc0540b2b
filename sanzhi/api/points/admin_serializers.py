"""Request and response shapes of the points administration endpoints: adopting schemes, the rule
catalog, stars and their evaluation, 红黑榜 and appeals, donors, goods, windows and tiers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sanzhi.api.fields import CodeLabelField
from sanzhi.api.points.serializers import (
    AccountSerializer,
    RefSerializer,
    id_field,
    period_field,
)
from sanzhi.api.serializers import CODE_MAX_LENGTH, NodeRefSerializer
from sanzhi.points.models import AppealState, BoardKind, Evidence, Subject
from sanzhi.points.periods import PeriodKind

SLUG = r"^[-a-zA-Z0-9_]+$"
MAX_VALUE = 1_000_000


@extend_schema_field(
    {"type": "string", "pattern": "^(month|quarter|year)$", "description": "month, quarter, year"}
)
class PeriodKindField(serializers.RegexField):
    """月 / 季度 / 年. Not a ChoiceField: the schema's enum hook would name the same choice set three
    times (review, redeem, summary period) and warn."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("^(" + "|".join(PeriodKind.values) + ")$", max_length=8, **kwargs)


# ---- requests -------------------------------------------------------------------------------------


class AdoptSerializer(serializers.Serializer):
    template = serializers.RegexField(
        SLUG, max_length=40, help_text=_("方案模板：daode_bank、shixing、houma_grid")
    )
    node = serializers.CharField(max_length=CODE_MAX_LENGTH, help_text=_("采用方案的社区/村或街道编码"))
    code = serializers.RegexField(SLUG, max_length=40, required=False, help_text=_("方案编码；默认取模板名"))
    name = serializers.CharField(required=False, max_length=60, help_text=_("方案名称；默认为节点名加模板名"))
    open_accounts = serializers.BooleanField(
        required=False, default=True, help_text=_("为辖区内的每个积分对象开户并计入基础分")
    )


class SchemeUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=60)
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    base_score = serializers.IntegerField(required=False, min_value=0, max_value=MAX_VALUE)
    base_redeemable = serializers.BooleanField(required=False)
    review_period = PeriodKindField(required=False)
    redeem_period = PeriodKindField(required=False)
    summary_period = PeriodKindField(required=False)
    period_cap = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_VALUE)
    council = serializers.CharField(required=False, allow_blank=True, max_length=40)
    redeem_anytime = serializers.BooleanField(required=False)
    red_list_size = serializers.IntegerField(required=False, min_value=0, max_value=1000)
    black_list_size = serializers.IntegerField(required=False, min_value=0, max_value=1000)
    appeal_days = serializers.IntegerField(required=False, min_value=0, max_value=365)
    active = serializers.BooleanField(required=False)


class CategoryCreateSerializer(serializers.Serializer):
    code = serializers.RegexField(SLUG, max_length=40)
    name = serializers.CharField(max_length=40)
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class RuleFieldsSerializer(serializers.Serializer):
    category = id_field(_("积分类别 id（本方案）"), required=False)
    item = serializers.CharField(required=False, max_length=200)
    points_min = serializers.IntegerField(required=False, min_value=-MAX_VALUE, max_value=MAX_VALUE)
    points_max = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=-MAX_VALUE,
        max_value=MAX_VALUE,
        help_text=_("不填为固定分值"),
    )
    evidence = serializers.ChoiceField(choices=Evidence.choices, required=False)
    council = serializers.CharField(required=False, allow_blank=True, max_length=40)
    cap_per_period = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_VALUE
    )
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767)
    active = serializers.BooleanField(required=False)


class RuleCreateSerializer(RuleFieldsSerializer):
    category = id_field(_("积分类别 id（本方案）"))
    code = serializers.RegexField(SLUG, max_length=40)
    item = serializers.CharField(max_length=200)
    points_min = serializers.IntegerField(
        min_value=-MAX_VALUE, max_value=MAX_VALUE, help_text=_("分值（区间时为最低分值）")
    )


class StarFieldsSerializer(serializers.Serializer):
    category = id_field(_("积分类别 id（本方案）"), required=False)
    name = serializers.CharField(required=False, max_length=40)
    min_points = serializers.IntegerField(required=False, min_value=1, max_value=MAX_VALUE)
    no_deduction = serializers.BooleanField(required=False)
    order = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class StarCreateSerializer(StarFieldsSerializer):
    category = id_field(_("积分类别 id（本方案）"))
    name = serializers.CharField(max_length=40)


class EvaluateSerializer(serializers.Serializer):
    month = period_field(help_text=_("评审周期，如 2026-11"))
    force = serializers.BooleanField(required=False, default=False, help_text=_("尚有待审核申报时仍然评星"))


class NodeQuerySerializer(serializers.Serializer):
    node = serializers.CharField(
        required=False, max_length=CODE_MAX_LENGTH, help_text=_("节点编码（含下级）")
    )


class PlaqueQuerySerializer(serializers.Serializer):
    min_stars = serializers.IntegerField(
        required=False, min_value=1, max_value=100, help_text=_("至少几颗星；默认为全部星级（十星户）")
    )


class BoardListQuerySerializer(NodeQuerySerializer):
    scheme = id_field(_("积分方案 id"), required=False)
    period = period_field(required=False)


class PublishSerializer(serializers.Serializer):
    scheme = id_field(_("积分方案 id"))
    node = serializers.CharField(
        required=False, max_length=CODE_MAX_LENGTH, help_text=_("默认为方案所在节点")
    )
    period = period_field()


class AppealCreateSerializer(serializers.Serializer):
    account = id_field(_("异议所涉积分账户 id；居民默认为本户"), required=False)
    reason = serializers.CharField(max_length=500)


class AppealDecideSerializer(serializers.Serializer):
    uphold = serializers.BooleanField(help_text=_("true 异议成立（发布更正版本），false 不成立"))
    note = serializers.CharField(max_length=500, help_text=_("处理意见（必填）"))


class DonorCreateSerializer(serializers.Serializer):
    node = serializers.CharField(max_length=CODE_MAX_LENGTH, help_text=_("捐赠方所属节点编码"))
    name = serializers.CharField(max_length=60)
    kind = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text=_("乡贤、企业、单位、个人")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class GoodsFieldsSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=60)
    unit = serializers.CharField(required=False, max_length=10)
    price = serializers.IntegerField(required=False, min_value=1, max_value=MAX_VALUE)
    donor = id_field(_("捐赠方 id"), required=False, allow_null=True)
    window_only = serializers.BooleanField(required=False)
    min_tier = id_field(_("档次 id（本方案）"), required=False, allow_null=True)
    per_account_limit = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_VALUE
    )
    active = serializers.BooleanField(required=False, help_text=_("false 下架"))


class GoodsCreateSerializer(GoodsFieldsSerializer):
    scheme = id_field(_("积分方案 id"))
    name = serializers.CharField(max_length=60)
    price = serializers.IntegerField(min_value=1, max_value=MAX_VALUE)
    initial_stock = serializers.IntegerField(required=False, default=0, min_value=0, max_value=MAX_VALUE)


class WindowCreateSerializer(serializers.Serializer):
    scheme = id_field(_("积分方案 id"))
    name = serializers.CharField(max_length=60)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class TierCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=30)
    rank_max = serializers.IntegerField(min_value=1, max_value=MAX_VALUE, help_text=_("总结期排名前 N 名"))
    discount_percent = serializers.IntegerField(required=False, default=0, min_value=0, max_value=90)


class TiersAssignSerializer(serializers.Serializer):
    period = period_field(help_text=_("已结束的总结期，如 2026"))


class RankingQuerySerializer(NodeQuerySerializer):
    scheme = id_field(_("积分方案 id"))
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=500)


# ---- responses ------------------------------------------------------------------------------------


class TemplateSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    title = serializers.CharField()
    subject = CodeLabelField(Subject.choices)
    categories = serializers.IntegerField(help_text=_("类别数"))
    rules = serializers.IntegerField(help_text=_("细则数"))


class StarEvaluationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scheme = serializers.IntegerField(source="scheme_id")
    month = serializers.CharField()
    evaluated_at = serializers.DateTimeField()
    gained = serializers.IntegerField()
    lost = serializers.IntegerField()


class LostStarSerializer(serializers.Serializer):
    star = RefSerializer()
    since = serializers.CharField(help_text=_("失星的评审周期"))


class RecultivationSerializer(serializers.Serializer):
    account = AccountSerializer()
    lost = LostStarSerializer(many=True)


class PlaqueSerializer(AccountSerializer):
    star_count = serializers.IntegerField()


class StarChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    star = RefSerializer()
    change = serializers.CharField(help_text=_("gained 创星 / lost 失星"))
    month = serializers.CharField(source="evaluation.month")


class BoardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    account = serializers.IntegerField()
    name = serializers.CharField(help_text=_("公示用名称（姓名打码加所在网格）"))
    points = serializers.IntegerField()
    reason = serializers.CharField()


class BoardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scheme = RefSerializer()
    node = NodeRefSerializer()
    period = serializers.CharField()
    kind = CodeLabelField(BoardKind.choices)
    revision = serializers.IntegerField()
    supersedes = serializers.IntegerField(source="supersedes_id", allow_null=True)
    content_sha256 = serializers.CharField()
    published_at = serializers.DateTimeField()
    appeal_until = serializers.DateTimeField()


class BoardDetailSerializer(BoardSerializer):
    rows = BoardRowSerializer(many=True)


class PublishResultSerializer(serializers.Serializer):
    red = BoardDetailSerializer()
    black = BoardDetailSerializer()


class AppealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    board = serializers.IntegerField(source="board_id")
    account = serializers.IntegerField(source="account_id", allow_null=True)
    reason = serializers.CharField()
    filed_at = serializers.DateTimeField()
    state = CodeLabelField(AppealState.choices)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class AppealDecisionSerializer(serializers.Serializer):
    appeal = AppealSerializer()
    correction = BoardDetailSerializer(allow_null=True, help_text=_("异议成立时发布的更正版本"))


class DonorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    node = NodeRefSerializer()
    name = serializers.CharField()
    kind = serializers.CharField()
    note = serializers.CharField()


class WindowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scheme = serializers.IntegerField(source="scheme_id")
    name = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class TiersAssignResultSerializer(serializers.Serializer):
    period = serializers.CharField()
    assigned = serializers.IntegerField(help_text=_("分得档次的账户数"))
    members = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text=_("档次名称 → 账户 id（按名次）"),
    )


class RankingRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    account = AccountSerializer()
