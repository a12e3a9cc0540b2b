"""期间小结导出: a KPI report as an .xlsx workbook (summary, children ranking, trend, category mix)."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _

from sanzhi.reports.ticket_kpis import KpiCounts, KpiReport, kpi_summary_sentence


def _columns() -> list[tuple[str, str]]:
    return [
        ("valid", _("有效诉求")),
        ("voided", _("作废")),
        ("consultations_answered", _("回复咨询")),
        ("resolved", _("办结")),
        ("resolved_grid", _("网格内解决")),
        ("resolved_community", _("社区内解决")),
        ("overdue", _("超时")),
        ("open_now", _("在办")),
        ("response_rate", _("响应率")),
        ("resolution_rate", _("解决率")),
        ("satisfaction_rate", _("满意率")),
        ("grid_share", _("小事不出格")),
        ("community_share", _("大事不出网")),
        ("avg_handling_hours", _("平均办理时长（小时）")),
    ]


def _write_counts(ws: Any, row: int, col: int, counts: KpiCounts, pct: Any) -> None:
    data = counts.as_dict()
    for i, (key, _label) in enumerate(_columns()):
        value = data[key]
        if value is None:
            ws.write_blank(row, col + i, None)
        elif key.endswith("_rate") or key.endswith("_share"):
            ws.write_number(row, col + i, value, pct)
        else:
            ws.write_number(row, col + i, value)


def export_kpi_report(report: KpiReport) -> bytes:
    """The workbook as bytes (a report is a few hundred rows at most)."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = wb.add_format({"bold": True})
    pct = wb.add_format({"num_format": "0.0%"})
    headers = [label for _key, label in _columns()]

    ws = wb.add_worksheet(_("期间小结"))
    ws.write(0, 0, _("{node} 诉求办理情况").format(node=report.node.name), bold)
    ws.write(1, 0, _("受理日期 {start} 至 {end}").format(start=report.date_from, end=report.date_to))
    filters = []
    if report.department is not None:
        filters.append(_("部门：{name}").format(name=report.department.name))
    if report.category is not None:
        filters.append(_("分类：{name}").format(name=report.category.name))
    ws.write(2, 0, "；".join(filters))
    ws.write(3, 0, kpi_summary_sentence(report.totals))
    ws.write_row(5, 0, headers, bold)
    _write_counts(ws, 6, 0, report.totals, pct)
    ws.set_column(0, len(headers), 12)

    ws = wb.add_worksheet(_("下级排名"))
    ws.write_row(0, 0, [_("编码"), _("名称"), *headers, _("解决率排名")], bold)
    for r, child in enumerate(report.ranking("resolution_rate"), start=1):
        ws.write_string(r, 0, child.node.code)
        ws.write_string(r, 1, child.node.name)
        _write_counts(ws, r, 2, child.counts, pct)
        rank = child.ranks.get("resolution_rate")
        if rank is not None:
            ws.write_number(r, 2 + len(headers), rank)
    ws.set_column(0, 0, 20)
    ws.set_column(1, len(headers) + 2, 12)

    ws = wb.add_worksheet(_("趋势"))
    ws.write_row(0, 0, [_("起始日期"), *headers], bold)
    for r, point in enumerate(report.trend, start=1):
        ws.write_string(r, 0, point.start.isoformat())
        _write_counts(ws, r, 1, point.counts, pct)
    ws.set_column(0, len(headers), 12)

    ws = wb.add_worksheet(_("分类构成"))
    ws.write_row(0, 0, [_("分类"), *headers], bold)
    for r, mix in enumerate(report.categories, start=1):
        ws.write_string(r, 0, mix.category.name if mix.category else _("未分类"))
        _write_counts(ws, r, 1, mix.counts, pct)
    ws.set_column(0, len(headers), 12)
    wb.close()
    return buffer.getvalue()
