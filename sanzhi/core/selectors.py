"""Reads of the shared calendar (工作日历). The calendar is not personal data: no scope applies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sanzhi.core.models import CalendarDay
from sanzhi.core.workcalendar import working_days_in_month


@dataclass
class CalendarMonth:
    month: int
    working_days: int
    days: list[CalendarDay] = field(default_factory=list)


@dataclass
class CalendarYear:
    year: int
    months: list[CalendarMonth]

    @property
    def entries(self) -> int:
        return sum(len(m.days) for m in self.months)

    @property
    def working_days(self) -> int:
        return sum(m.working_days for m in self.months)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "working_days": self.working_days,
            "months": [
                {
                    "month": m.month,
                    "working_days": m.working_days,
                    "days": [
                        {"date": d.date.isoformat(), "kind": d.kind, "name": d.name, "note": d.note}
                        for d in m.days
                    ],
                }
                for m in self.months
            ],
        }


def calendar_year(*, year: int) -> CalendarYear:
    """A year's overrides month by month, with the number of working days of each month."""
    months = [CalendarMonth(month=m, working_days=working_days_in_month(year, m)) for m in range(1, 13)]
    for day in CalendarDay.objects.filter(date__year=year).order_by("date"):
        months[day.date.month - 1].days.append(day)
    return CalendarYear(year=year, months=months)
