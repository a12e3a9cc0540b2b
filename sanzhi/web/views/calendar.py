"""工作日历: the holidays and make-up working days that ticket time limits run on.

One calendar for the installation; only holders of ``core.calendar`` see the page (others get the
same 404 as for any page they may not use).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.core.errors import ValidationFailed
from sanzhi.core.selectors import calendar_year
from sanzhi.core.services import calendar_day_remove, calendar_day_set, can_manage_calendar
from sanzhi.core.workcalendar import working_day_hours
from sanzhi.web.forms import CalendarDayForm
from sanzhi.web.views.common import console_view, is_htmx, render_page_or_fragment, require

PAGE = "web/calendar.html"
FRAGMENT = "web/partials/calendar_body.html"


def _year_of(request: HttpRequest) -> int:
    raw = request.GET.get("year") or request.POST.get("year") or ""
    try:
        year = int(raw)
    except ValueError:
        return timezone.localdate().year
    return year if 1900 <= year <= 2999 else timezone.localdate().year


def _context(year: int, form: CalendarDayForm, notice: str = "") -> dict[str, Any]:
    return {
        "active": "calendar",
        "year": year,
        "summary": calendar_year(year=year),
        "form": form,
        "notice": notice,
        "day_hours": working_day_hours(),
        "today": timezone.localdate(),
    }


def _url(year: int) -> str:
    return f"{reverse('web:calendar')}?year={year}"


@console_view
def calendar_page(request: HttpRequest) -> HttpResponse:
    require(can_manage_calendar(request.user))
    year = _year_of(request)
    if request.method != "POST":
        return render_page_or_fragment(request, PAGE, FRAGMENT, _context(year, CalendarDayForm()))
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            day = calendar_day_set(
                actor=request.user, date=data["date"], kind=data["kind"], name=data["name"], note=data["note"]
            )
        except ValidationFailed as exc:
            form.add_error(None, exc.message)
        else:
            notice = _("已保存：{date} {kind}").format(date=day.date.isoformat(), kind=day.get_kind_display())
            if not is_htmx(request):
                messages.success(request, notice)
                return redirect(_url(day.date.year))
            return render_page_or_fragment(
                request, PAGE, FRAGMENT, _context(day.date.year, CalendarDayForm(), notice)
            )
    # 422 so htmx swaps the form back in with its errors (see htmx-config in base.html).
    return render_page_or_fragment(request, PAGE, FRAGMENT, _context(year, form), status=422)


@require_POST
@console_view
def calendar_remove(request: HttpRequest) -> HttpResponse:
    require(can_manage_calendar(request.user))
    try:
        day = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        raise BadRequest from None
    calendar_day_remove(actor=request.user, date=day)  # NotFound → 404 via console_view
    notice = _("已删除 {date} 的调整").format(date=day.isoformat())
    if not is_htmx(request):
        messages.success(request, notice)
        return redirect(_url(day.year))
    return render_page_or_fragment(request, PAGE, FRAGMENT, _context(day.year, CalendarDayForm(), notice))
