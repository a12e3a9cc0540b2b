"""Request and response shapes of the disclosure endpoints (三务公开). No business logic: the services
check the domain, the selectors scope the reads; these only shape what goes in and out.

Money is in fen (分) as integers everywhere a client computes with it; each amount also comes as a
yuan string ("1234.50") for display, never as a float."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sanzhi.api.fields import CodeLabelField
from sanzhi.api.rows import MAX_ID
from sanzhi.api.serializers import CODE_MAX_LENGTH, NodeRefSerializer
from sanzhi.disclosure.calendar import STATUS_LABELS
from sanzhi.disclosure.drafts import (
    AMOUNT_MAX_FEN,
    COUNTERPARTY_MAX,
    ITEM_MAX,
    NOTE_MAX,
    VOUCHER_MAX,
)
from sanzhi.disclosure.finance_io import format_yuan
from sanzhi.disclosure.models import Area, DisclosureStatus, FinanceDirection, Frequency
from sanzhi.disclosure.plans import DESCRIPTION_MAX, DUE_DAYS_MAX, PLAN_TITLE_MAX
from sanzhi.disclosure.services import BODY_MAX, REASON_MAX, TITLE_MAX

YEAR_MIN, YEAR_MAX = 2000, 2999
ORDER_MAX = 32767  # PositiveSmallIntegerField
PERIOD_STATUSES = [(code, label) for code, label in STATUS_LABELS.items()]
EXPORT_TYPES = [("xlsx", "Excel (.xlsx)"), ("csv", "CSV (UTF-8)")]


def id_field(help_text: Any = "", **kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=help_text, **kwargs)


def node_code_field(help_text: Any, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=CODE_MAX_LENGTH, help_text=help_text, **kwargs)


@extend_schema_field(serializers.CharField(help_text=_("金额（元），两位小数的文本，如 1234.50；仅供显示")))
class YuanField(serializers.Field):
    """Read-only: an amount in fen shown as yuan text ("1234.50")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value: int) -> str:
        return format_yuan(int(value))


# ---- requests -------------------------------------------------------------------------------------


class PlanListQuerySerializer(serializers.Serializer):
    node = node_code_field(_("节点编码：只列出该节点的公开目录"), required=False)
    active = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("true 只列启用的，false 只列停用的；不填列出全部"),
    )


class PlanCreateSerializer(serializers.Serializer):
    node = node_code_field(_("公开单位（社区、村）的节点编码"))
    area = serializers.ChoiceField(choices=Area.choices, help_text=_("公开类别"))
    title = serializers.CharField(max_length=PLAN_TITLE_MAX, help_text=_("公开事项"))
    frequency = serializers.ChoiceField(choices=Frequency.choices, help_text=_("公开频次"))
    due_days = serializers.IntegerField(
        required=False, default=10, min_value=0, max_value=DUE_DAYS_MAX, help_text=_("所属期结束后几天内公开")
    )
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=DESCRIPTION_MAX, help_text=_("说明")
    )
    order = serializers.IntegerField(required=False, default=0, min_value=0, max_value=ORDER_MAX)


class PlanUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=PLAN_TITLE_MAX, help_text=_("公开事项"))
    frequency = serializers.ChoiceField(
        choices=Frequency.choices, required=False, help_text=_("公开频次（已有公开内容后不能再改）")
    )
    due_days = serializers.IntegerField(required=False, min_value=0, max_value=DUE_DAYS_MAX)
    description = serializers.CharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX)
    order = serializers.IntegerField(required=False, min_value=0, max_value=ORDER_MAX)


class NodeBodySerializer(serializers.Serializer):
    node = node_code_field(_("节点编码"))


class CalendarQuerySerializer(serializers.Serializer):
    node = node_code_field(_("社区（村）的节点编码"))
    year = serializers.IntegerField(
        required=False, min_value=YEAR_MIN, max_value=YEAR_MAX, help_text=_("年份；默认今年")
    )


class DisclosureListQuerySerializer(serializers.Serializer):
    node = node_code_field(_("节点编码：只列出该节点及其下级的公开内容"), required=False)
    area = serializers.ChoiceField(choices=Area.choices, required=False, help_text=_("公开类别"))
    status = serializers.ChoiceField(choices=DisclosureStatus.choices, required=False, help_text=_("状态"))


class DisclosureCreateSerializer(serializers.Serializer):
    node = node_code_field(_("公开单位（社区、村）的节点编码"))
    plan = id_field(_("公开目录中的事项 id；不填为临时公开"), required=False, allow_null=True)
    area = serializers.ChoiceField(
        choices=Area.choices, required=False, allow_blank=True, help_text=_("公开类别；选了公开事项时可不填")
    )
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=TITLE_MAX, help_text=_("标题；选了公开事项时可不填")
    )
    period = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=8,
        help_text=_("所属期：月份 2026-10 或季度 2026Q4；逐项公开不填"),
    )
    body = serializers.CharField(required=False, allow_blank=True, max_length=BODY_MAX, help_text=_("正文"))


class DisclosureUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=TITLE_MAX, help_text=_("标题"))
    body = serializers.CharField(required=False, allow_blank=True, max_length=BODY_MAX, help_text=_("正文"))


class LineFieldsSerializer(serializers.Serializer):
    """A finance line's fields, all optional (a partial update)."""

    direction = serializers.ChoiceField(choices=FinanceDirection.choices, required=False, help_text=_("收支"))
    date = serializers.DateField(required=False, help_text=_("日期（须在所属期内）"))
    item = serializers.CharField(required=False, max_length=ITEM_MAX, help_text=_("摘要"))
    amount_fen = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=AMOUNT_MAX_FEN - 1,
        help_text=_("金额（分），正整数；收入还是支出由 direction 表示"),
    )
    counterparty = serializers.CharField(
        required=False, allow_blank=True, max_length=COUNTERPARTY_MAX, help_text=_("对方单位/个人")
    )
    voucher_no = serializers.CharField(
        required=False, allow_blank=True, max_length=VOUCHER_MAX, help_text=_("凭证号")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX, help_text=_("备注"))


class LineCreateSerializer(LineFieldsSerializer):
    direction = serializers.ChoiceField(choices=FinanceDirection.choices, help_text=_("收支"))
    date = serializers.DateField(help_text=_("日期（须在所属期内）"))
    item = serializers.CharField(max_length=ITEM_MAX, help_text=_("摘要"))
    amount_fen = serializers.IntegerField(
        min_value=1,
        max_value=AMOUNT_MAX_FEN - 1,
        help_text=_("金额（分），正整数；收入还是支出由 direction 表示"),
    )


class LinesImportSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_(
            "收支明细表（multipart/form-data；.xlsx，或 UTF-8 / GB18030 编码的 .csv）。"
            "列：日期、收支、摘要、对方单位、凭证号、金额(元)、备注"
        )
    )
    replace = serializers.BooleanField(
        required=False, default=False, help_text=_("true 时替换草稿中已有的明细；默认追加在后面")
    )


class LinesExportQuerySerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        choices=EXPORT_TYPES, required=False, default="xlsx", help_text=_("文件类型：xlsx（默认）或 csv")
    )


class CorrectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX, help_text=_("更正原因（必填，随更正一起公开）"))


# ---- responses ------------------------------------------------------------------------------------


class PlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    node = NodeRefSerializer()
    area = CodeLabelField(Area.choices)
    title = serializers.CharField()
    frequency = CodeLabelField(Frequency.choices)
    due_days = serializers.IntegerField(help_text=_("所属期结束后几天内公开"))
    description = serializers.CharField()
    order = serializers.IntegerField()
    active = serializers.BooleanField()


class AdoptResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text=_("新增的公开事项数（已有的同名事项保持不变）"))
    plans = PlanSerializer(many=True, help_text=_("新增的公开事项"))


class PlanRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    frequency = CodeLabelField(Frequency.choices)


class CalendarEntrySerializer(serializers.Serializer):
    plan = PlanRefSerializer()
    node = NodeRefSerializer(source="plan.node")
    area = CodeLabelField(Area.choices, source="plan.area")
    period = serializers.CharField(source="period.code", help_text=_("所属期：2026-10 或 2026Q4"))
    start = serializers.DateField(source="period.start")
    end = serializers.DateField(source="period.end")
    due_date = serializers.DateField(help_text=_("应公开日期（当天仍算按时）"))
    status = CodeLabelField(
        PERIOD_STATUSES,
        help_text=_("upcoming 未到期、due 待公开、overdue 已逾期、on_time 按时公开、late 逾期公开"),
    )
    disclosure = serializers.IntegerField(
        source="disclosure.pk",
        allow_null=True,
        default=None,
        help_text=_("该期的公开内容 id（草稿或已发布）"),
    )


class CalendarSerializer(serializers.Serializer):
    node = NodeRefSerializer()
    year = serializers.IntegerField()
    today = serializers.DateField(help_text=_("计算状态所依据的日期（北京时间）"))
    entries = CalendarEntrySerializer(many=True)


class PublicationRefSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text=_("公开发布链上的序号"))
    hash = serializers.CharField()
    published_at = serializers.DateTimeField()


class TotalsSerializer(serializers.Serializer):
    income_fen = serializers.IntegerField()
    expense_fen = serializers.IntegerField()
    net_fen = serializers.IntegerField(help_text=_("结余 = 收入 − 支出（可为负）"))
    income_yuan = YuanField(source="income_fen")
    expense_yuan = YuanField(source="expense_fen")
    net_yuan = YuanField(source="net_fen")


class LineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    direction = CodeLabelField(FinanceDirection.choices)
    date = serializers.DateField()
    item = serializers.CharField()
    counterparty = serializers.CharField()
    voucher_no = serializers.CharField()
    amount_fen = serializers.IntegerField(help_text=_("金额（分），正数"))
    amount_yuan = YuanField(source="amount_fen")
    note = serializers.CharField()
    order = serializers.IntegerField()


class DisclosureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    node = NodeRefSerializer()
    plan = PlanRefSerializer(allow_null=True)
    area = CodeLabelField(Area.choices)
    title = serializers.CharField()
    period = serializers.CharField(help_text=_("所属期；逐项公开为空"))
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True, help_text=_("应公开日期"))
    status = CodeLabelField(DisclosureStatus.choices)
    corrects = serializers.IntegerField(
        source="corrects_id", allow_null=True, help_text=_("所更正的公开内容 id")
    )
    correction_reason = serializers.CharField()
    publication = PublicationRefSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class DisclosureDetailSerializer(DisclosureSerializer):
    body = serializers.CharField()
    lines = LineSerializer(many=True, help_text=_("收支明细（财务公开）"))
    totals = TotalsSerializer(help_text=_("收入、支出合计与结余"))
    corrections = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("更正它的公开内容 id（通常至多一个）")
    )
    can_edit = serializers.BooleanField(help_text=_("您能否修改（草稿且有编制权限）"))
    can_publish = serializers.BooleanField(help_text=_("您能否发布（草稿）或发起更正（已发布）"))


class ImportResultSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text=_("文件中的数据行数"))
    created = serializers.IntegerField(help_text=_("新增明细数"))
    replaced = serializers.IntegerField(help_text=_("被替换掉的原有明细数"))
    disclosure = DisclosureDetailSerializer()
