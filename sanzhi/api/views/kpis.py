"""``GET /api/v1/kpis``: the ticket KPIs of a node's subtree for a period, from the rollup tables."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from sanzhi.api.kpi_serializers import KpiQuerySerializer, KpiReportSerializer, report_payload
from sanzhi.api.rows import _NODE_CODE
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.core.errors import NotFound
from sanzhi.reports.ticket_kpis import kpi_report_for, kpi_summary_sentence


class KpiView(ScopedView):
    serializer_class = KpiReportSerializer

    @extend_schema(
        operation_id="kpis_retrieve",
        summary=_("诉求考核指标（响应率、解决率、满意率等）"),
        description=_(
            "统计节点及其全部下级在受理日期 [from, to] 内的诉求：三率、网格内/社区内解决占比、超时数、"
            "平均办理时长，下级排名、趋势和分类构成。需要在该节点有“查看诉求考核指标”权限，否则 404。"
            "数据来自随工单变化同步更新的汇总表。"
        ),
        parameters=[KpiQuerySerializer],
        responses={200: KpiReportSerializer, **errors(*READ_ERRORS)},
        tags=["kpis"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(KpiQuerySerializer)
        if not _NODE_CODE.fullmatch(query["node"]):
            raise NotFound(_("节点不存在或不在您的管辖范围内"))
        report = kpi_report_for(
            user=request.user,
            node_code=query["node"],
            date_from=query["from"],
            date_to=query["to"],
            department_code=query.get("department", ""),
            category_code=query.get("category", ""),
            granularity=query.get("granularity", ""),
        )
        payload = report_payload(report, kpi_summary_sentence(report.totals))
        return Response(represent(KpiReportSerializer, payload))
