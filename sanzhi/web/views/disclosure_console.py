"""The disclosure console (三务公开): a community's calendar for a year with the overdue alerts, the
list of disclosures, and drafting a new one (from a calendar cell or free-standing).

Reads go through ``sanzhi.disclosure.calendar`` / ``selectors``, writes through ``services``; a
DomainError comes back on the form (422) and, the services being atomic, nothing is written. A
community or disclosure out of the user's scope is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError
from sanzhi.disclosure import rules
from sanzhi.disclosure.calendar import CalendarEntry, calendar_for, overdue_for
from sanzhi.disclosure.models import Area, DisclosurePlan, DisclosureStatus, Frequency
from sanzhi.disclosure.selectors import disclosure_list_for, plan_list_for
from sanzhi.disclosure.services import disclosure_draft
from sanzhi.web.forms_disclosure import DraftForm
from sanzhi.web.views.common import console_view, paginate, require
from sanzhi.web.views.disclosure_support import (
    STATUS_CSS,
    add_error,
    communities_for,
    is_disclosure_staff,
    pick_community,
)

YEAR_MIN, YEAR_MAX = 2000, 2100


# ---------------------------------------------------------------- 公开日历


@dataclass
class Cell:
    entry: CalendarEntry | None  # None: the plan did not owe this period (adopted later)

    @property
    def css(self) -> str:
        return STATUS_CSS[self.entry.status] if self.entry else ""


@dataclass
class PlanRow:
    plan: DisclosurePlan
    cells: list[Cell]


def _rows(entries: list[CalendarEntry], frequency: str, columns: int) -> list[PlanRow]:
    rows: dict[int, PlanRow] = {}
    for entry in entries:
        if entry.plan.frequency != frequency:
            continue
        row = rows.setdefault(entry.plan.pk, PlanRow(entry.plan, [Cell(None) for _ in range(columns)]))
        index = entry.period.start.month - 1 if columns == 12 else (entry.period.start.month - 1) // 3
        row.cells[index] = Cell(entry)
    return list(rows.values())


def _year(request: HttpRequest, default: int) -> int:
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() else default
    return year if YEAR_MIN <= year <= YEAR_MAX else default


@console_view
def disclosure_calendar(request: HttpRequest) -> HttpResponse:
    user = request.user
    communities = communities_for(user)
    node = pick_community(request, communities)
    today = timezone.localdate()
    year = _year(request, today.year)
    entries = calendar_for(node=node, year=year, today=today)
    alerts = overdue_for(user=user, today=today)
    context = {
        "node": node,
        "communities": communities,
        "year": year,
        "keep": [("year", year)],
        "years": [year - 1, year + 1],
        "monthly": _rows(entries, Frequency.MONTHLY, 12),
        "quarterly": _rows(entries, Frequency.QUARTERLY, 4),
        "months": range(1, 13),
        "alerts": [{"entry": a, "css": STATUS_CSS[a.status]} for a in alerts],
        "can_edit": rules.can_edit(user, node),
        "can_manage": rules.can_manage(user, node),
        "has_plans": plan_list_for(user=user, node=node).exists(),
        "tab": "calendar",
        "active": "disclosure",
    }
    return render(request, "web/disclosure/console/calendar.html", context)


# ---------------------------------------------------------------- 公开内容列表


@console_view
def disclosure_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(is_disclosure_staff(user))
    communities = communities_for(user)
    raw_node = (request.GET.get("node") or "").strip()
    node = pick_community(request, communities) if raw_node else None
    area = request.GET.get("area", "")
    area = area if area in Area.values else ""
    status = request.GET.get("status", "")
    status = status if status in DisclosureStatus.values else ""
    items = disclosure_list_for(user=user, under=node, area=area or None, status=status or None)
    page = paginate(request, items, per_page=30)
    query = "&".join(f"{k}={v}" for k, v in (("node", raw_node), ("area", area), ("status", status)) if v)
    context = {
        "page": page,
        "communities": communities,
        "node": node,
        "area": area,
        "status": status,
        "areas": Area.choices,
        "statuses": DisclosureStatus.choices,
        "querystring": query,
        "tab": "list",
        "active": "disclosure",
    }
    return render(request, "web/disclosure/console/list.html", context)


# ---------------------------------------------------------------- 起草


@console_view
def disclosure_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    node = pick_community(request, communities_for(user))
    require(rules.can_edit(user, node))
    plans = list(plan_list_for(user=user, node=node).order_by("area", "order", "id"))
    initial: dict[str, Any] = {}
    raw_plan = request.GET.get("plan", "")
    chosen = next((p for p in plans if str(p.pk) == raw_plan), None)
    if chosen is not None:
        initial = {"plan": chosen.pk, "area": chosen.area, "period": request.GET.get("period", "")[:20]}
    posted = request.POST if request.method == "POST" else None
    form = DraftForm(posted, initial=initial, plans=plans)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            plan = next((p for p in plans if p.pk == data["plan"]), None)
            try:
                disclosure = disclosure_draft(
                    actor=user,
                    node=node,
                    area=data["area"] or (plan.area if plan else ""),
                    title=data["title"],
                    plan=plan,
                    period=data["period"],
                    body=data["body"],
                )
            except DomainError as exc:
                add_error(form, exc)
            else:
                messages.success(request, _("已起草“{title}”").format(title=disclosure.title))
                return redirect("web:disclosure_detail", pk=disclosure.pk)
        status = 422
    context = {"form": form, "node": node, "chosen": chosen, "tab": "list", "active": "disclosure"}
    return render(request, "web/disclosure/console/new.html", context, status=status)
