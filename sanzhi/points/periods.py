"""Review, redemption and summary periods as plain keys: ``2026-11`` (month), ``2026Q4`` (quarter),
``2026`` (year). Pure functions, no ORM: every period question in the points domain comes here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年")


_KEY = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>\d{2})|Q(?P<quarter>[1-4]))?$")


@dataclass(frozen=True, order=True)
class Period:
    """A calendar period; ``first`` and ``last`` are its first and last dates (inclusive)."""

    first: dt.date
    last: dt.date
    kind: str

    @property
    def key(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return f"{self.first:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.first.year}Q{(self.first.month - 1) // 3 + 1}"
        return f"{self.first.year}"

    def __str__(self) -> str:
        return self.key

    def contains(self, day: dt.date) -> bool:
        return self.first <= day <= self.last

    def next(self) -> Period:
        return period_of(self.last + dt.timedelta(days=1), self.kind)

    def previous(self) -> Period:
        return period_of(self.first - dt.timedelta(days=1), self.kind)

    def months(self) -> list[Period]:
        """The months inside this period (a month is its own single month)."""
        out, month = [], period_of(self.first, PeriodKind.MONTH)
        while month.first <= self.last:
            out.append(month)
            month = month.next()
        return out


def _month_end(year: int, month: int) -> dt.date:
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def period_of(day: dt.date, kind: str) -> Period:
    if kind == PeriodKind.MONTH:
        return Period(dt.date(day.year, day.month, 1), _month_end(day.year, day.month), kind)
    if kind == PeriodKind.QUARTER:
        first_month = (day.month - 1) // 3 * 3 + 1
        return Period(dt.date(day.year, first_month, 1), _month_end(day.year, first_month + 2), kind)
    if kind == PeriodKind.YEAR:
        return Period(dt.date(day.year, 1, 1), dt.date(day.year, 12, 31), kind)
    raise ValueError(f"unknown period kind {kind!r}")


def parse_period(key: str) -> Period:
    """``2026-11`` / ``2026Q4`` / ``2026`` → Period; ValueError on anything else."""
    match = _KEY.match(key.strip())
    if not match:
        raise ValueError(f"not a period key: {key!r}")
    year = int(match["year"])
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise ValueError(f"not a period key: {key!r}")
        return period_of(dt.date(year, month, 1), PeriodKind.MONTH)
    if match["quarter"]:
        return period_of(dt.date(year, 3 * int(match["quarter"]) - 2, 1), PeriodKind.QUARTER)
    return period_of(dt.date(year, 1, 1), PeriodKind.YEAR)


def month_keys(period: Period) -> list[str]:
    """Month keys of a period: entries carry their review month, summaries add months up."""
    return [month.key for month in period.months()]
