"""Request and response shapes of ``GET /api/v1/kpis`` (the ticket KPIs, 诉求考核指标)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sanzhi.api.serializers import CODE_MAX_LENGTH
from sanzhi.reports.ticket_kpis import GRANULARITIES, ChildKpi, KpiReport


class KpiQuerySerializer(serializers.Serializer):
    node = serializers.CharField(max_length=CODE_MAX_LENGTH, help_text=_("节点编码：统计该节点及其全部下级"))
    # ``from`` is a Python keyword: the field is declared below under its wire name.
    to = serializers.DateField(help_text=_("受理日期止（含），YYYY-MM-DD"))
    department = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text=_("部门编码：只统计该部门办理的诉求")
    )
    category = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text=_("分类编码：一级分类含其下级分类")
    )
    granularity = serializers.ChoiceField(
        choices=GRANULARITIES,
        required=False,
        help_text=_("趋势粒度 day/week/month；不填按期间长短自动选择（按日最多 400 天）"),
    )

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text=_("受理日期起（含），YYYY-MM-DD"))
        return fields


class KpiCountsSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text=_("收到的诉求（不含被合并的重复件，含作废）"))
    voided = serializers.IntegerField(help_text=_("作废"))
    merged = serializers.IntegerField(help_text=_("作为重复件被合并（不计入收到）"))
    valid = serializers.IntegerField(help_text=_("有效诉求 = 收到 − 作废，各项比率的分母"))
    consultations = serializers.IntegerField(help_text=_("咨询类"))
    consultations_answered = serializers.IntegerField(help_text=_("已答复的咨询"))
    responded = serializers.IntegerField(help_text=_("已响应（接单或答复）"))
    responded_in_time = serializers.IntegerField(help_text=_("在响应时限内响应"))
    resolved = serializers.IntegerField(help_text=_("已办结（反馈、结案或评价）"))
    resolved_grid = serializers.IntegerField(help_text=_("在网格层级办结（小事不出格）"))
    resolved_community = serializers.IntegerField(help_text=_("在网格或社区层级办结（大事不出网）"))
    closed = serializers.IntegerField(help_text=_("已核查结案"))
    rated = serializers.IntegerField(help_text=_("已评价（最终评价）"))
    satisfied = serializers.IntegerField()
    basic = serializers.IntegerField()
    unsatisfied = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text=_("曾超时"))
    escalated = serializers.IntegerField(help_text=_("曾超时升级"))
    open_now = serializers.IntegerField(help_text=_("仍在办理中"))
    handled = serializers.IntegerField(help_text=_("计入平均办理时长的件数"))
    avg_handling_hours = serializers.FloatField(
        allow_null=True, help_text=_("平均办理时长（小时，受理到反馈）")
    )
    response_rate = serializers.FloatField(allow_null=True, help_text=_("响应率 = 按时响应 / 有效诉求"))
    resolution_rate = serializers.FloatField(allow_null=True, help_text=_("解决率 = 办结 / 有效诉求"))
    satisfaction_rate = serializers.FloatField(
        allow_null=True, help_text=_("满意率 = (满意 + 基本满意) / 已评价")
    )
    grid_share = serializers.FloatField(allow_null=True, help_text=_("网格内解决占办结的比例"))
    community_share = serializers.FloatField(allow_null=True, help_text=_("社区内（含网格）解决占办结的比例"))


class KpiRanksSerializer(serializers.Serializer):
    response_rate = serializers.IntegerField(allow_null=True)
    resolution_rate = serializers.IntegerField(allow_null=True)
    satisfaction_rate = serializers.IntegerField(allow_null=True)
    grid_share = serializers.IntegerField(allow_null=True)
    community_share = serializers.IntegerField(allow_null=True)


class KpiNodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class KpiChildSerializer(serializers.Serializer):
    node = KpiNodeSerializer()
    counts = KpiCountsSerializer()
    ranks = KpiRanksSerializer(help_text=_("在同级中按各比率的名次（并列同名次；无数据为 null）"))


class KpiTrendPointSerializer(serializers.Serializer):
    start = serializers.DateField(help_text=_("该日、该周（周一）或该月（1 日）"))
    counts = KpiCountsSerializer()


class KpiCategorySerializer(serializers.Serializer):
    code = serializers.CharField(allow_null=True, help_text=_("分类编码；未分类为 null"))
    name = serializers.CharField(allow_null=True)
    counts = KpiCountsSerializer()


class KpiReportSerializer(serializers.Serializer):
    node = KpiNodeSerializer()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    department = serializers.CharField(allow_null=True)
    category = serializers.CharField(allow_null=True)
    granularity = serializers.CharField()
    summary = serializers.CharField(help_text=_("期间小结：收集诉求…条，网格内解决…条，回复咨询…个"))
    totals = KpiCountsSerializer()
    children = KpiChildSerializer(many=True)
    trend = KpiTrendPointSerializer(many=True)
    categories = KpiCategorySerializer(many=True)


def _node(node: Any) -> dict[str, str]:
    return {"code": node.code, "name": node.name, "kind": node.kind}


def _child(child: ChildKpi) -> dict[str, Any]:
    return {"node": _node(child.node), "counts": child.counts.as_dict(), "ranks": child.ranks}


def report_payload(report: KpiReport, summary: str) -> dict[str, Any]:
    """Plain data for KpiReportSerializer (the report's dataclasses flattened to dicts)."""
    return {
        "node": _node(report.node),
        "date_from": report.date_from,
        "date_to": report.date_to,
        "department": report.department.code if report.department else None,
        "category": report.category.code if report.category else None,
        "granularity": report.granularity,
        "summary": summary,
        "totals": report.totals.as_dict(),
        "children": [_child(c) for c in report.children],
        "trend": [{"start": p.start, "counts": p.counts.as_dict()} for p in report.trend],
        "categories": [
            {
                "code": m.category.code if m.category else None,
                "name": m.category.name if m.category else None,
                "counts": m.counts.as_dict(),
            }
            for m in report.categories
        ],
    }
