"""考核指标: the ticket KPI dashboard of a node in scope, its xlsx export and its printable summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from sanzhi.accounts.roles import Capability
from sanzhi.core.errors import ValidationFailed
from sanzhi.grids.selectors import node_breadcrumbs_for, node_roots_for
from sanzhi.reports.exporting import export_kpi_report
from sanzhi.reports.ticket_kpis import RATES, KpiReport, kpi_report_for, kpi_summary_sentence
from sanzhi.tickets.models import Category, Department
from sanzhi.web.views.common import console_view, require


def _date(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        raise ValidationFailed("", code="invalid_date") from None


def _params(request: HttpRequest) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "node": request.GET.get("node", "").strip()[:30],
        "from": _date(request.GET.get("from", ""), today - dt.timedelta(days=29)),
        "to": _date(request.GET.get("to", ""), today),
        "department": request.GET.get("department", "").strip()[:40],
        "category": request.GET.get("category", "").strip()[:40],
    }


def _report(request: HttpRequest, p: dict[str, Any]) -> KpiReport:
    return kpi_report_for(
        user=request.user,
        node_code=p["node"],
        date_from=p["from"],
        date_to=p["to"],
        department_code=p["department"],
        category_code=p["category"],
    )


def _query(p: dict[str, Any], **override: str) -> str:
    values = {
        "node": p["node"],
        "from": p["from"].isoformat(),
        "to": p["to"].isoformat(),
        "department": p["department"],
        "category": p["category"],
        **override,
    }
    return urlencode({k: v for k, v in values.items() if v})


def _chart_data(report: KpiReport) -> dict[str, Any]:
    return {
        "trend": {
            "labels": [p.start.isoformat() for p in report.trend],
            "received": [p.counts.valid for p in report.trend],
            "resolved": [p.counts.resolved for p in report.trend],
            "resolution_rate": [p.counts.resolution_rate for p in report.trend],
        },
        "ranking": [
            {"name": c.node.name, "value": c.counts.resolution_rate}
            for c in report.ranking("resolution_rate")
            if c.counts.resolution_rate is not None
        ],
        "categories": [
            {"name": m.category.name if m.category else "—", "value": m.counts.received}
            for m in report.categories
        ],
    }


@console_view
def kpis_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user.has_perm(Capability.VIEW_KPIS))
    try:
        p = _params(request)
    except ValidationFailed:
        return redirect(reverse("web:kpis"))
    if not p["node"]:
        first = node_roots_for(user=user, capability=Capability.VIEW_KPIS).first()
        require(first is not None)
        assert first is not None
        return redirect(f"{reverse('web:kpis')}?{_query(p, node=first.code)}")
    error = ""
    try:
        report: KpiReport | None = _report(request, p)
    except ValidationFailed as exc:
        report, error = None, exc.message
    node = report.node if report is not None else None
    context = {
        "params": p,
        "report": report,
        "error": error,
        "node": node,
        "breadcrumbs": node_breadcrumbs_for(user=user, node=node) if node is not None else [],
        "summary": kpi_summary_sentence(report.totals) if report is not None else "",
        "chart_data": _chart_data(report) if report is not None else {},
        "rates": RATES,
        "departments": Department.objects.order_by("code"),
        "categories": Category.objects.filter(parent__isnull=True).order_by("sort", "code"),
        "export_query": _query(p),
        "active": "kpis",
    }
    return render(request, "web/kpis.html", context, status=400 if error else 200)


@console_view
def kpis_export(request: HttpRequest) -> HttpResponse:
    require(request.user.has_perm(Capability.VIEW_KPIS))
    try:
        p = _params(request)
        report = _report(request, p)
    except ValidationFailed as exc:
        return HttpResponse(exc.message or "invalid", status=400, content_type="text/plain; charset=utf-8")
    name = f"kpis-{report.node.code}-{p['from']:%Y%m%d}-{p['to']:%Y%m%d}.xlsx"
    response = HttpResponse(
        export_kpi_report(report),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@console_view
def kpis_print(request: HttpRequest) -> HttpResponse:
    require(request.user.has_perm(Capability.VIEW_KPIS))
    try:
        p = _params(request)
        report = _report(request, p)
    except ValidationFailed as exc:
        return HttpResponse(exc.message or "invalid", status=400, content_type="text/plain; charset=utf-8")
    context = {
        "report": report,
        "summary": kpi_summary_sentence(report.totals),
        "ranking": report.ranking("resolution_rate"),
        "printed_at": timezone.localtime(),
    }
    return render(request, "web/kpis_print.html", context)
