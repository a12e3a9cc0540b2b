"""公开日历: the periods of a disclosure plan, their due dates, and where each community stands.

- A monthly plan has one period per month ("2026-10": 1–31 October), a quarterly plan one per
  quarter ("2026Q4": 1 October – 31 December); a per-matter plan (逐项公开) has no calendar: each
  matter's disclosure is published when the matter is decided.
- A period is due ``plan.due_days`` days after it ends (财务收支 of October with 10 days: 10 November;
  on that day it is still on time).
- A period's status against ``today`` (a date in Asia/Shanghai, the settings' zone):
  ``upcoming`` (the period has not ended), ``due`` (ended, due date not passed: publish now),
  ``overdue`` (past the due date, nothing published), ``on_time`` / ``late`` (the original
  disclosure was published on or before / after the due date; corrections do not change it).
- A period whose due date came before the plan existed is not the plan's duty (a calendar adopted
  in November does not flag January as overdue).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import Scope, minimal_paths, scope_for
from sanzhi.core.errors import ValidationFailed
from sanzhi.disclosure.models import Disclosure, DisclosurePlan, DisclosureStatus, Frequency

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


class PeriodStatus:
    UPCOMING = "upcoming"  # the period has not ended yet
    DUE = "due"  # ended; the due date has not passed: publish now
    OVERDUE = "overdue"  # the due date has passed and nothing is published
    ON_TIME = "on_time"  # published on or before the due date
    LATE = "late"  # published after the due date


STATUS_LABELS = {
    PeriodStatus.UPCOMING: _("未到期"),
    PeriodStatus.DUE: _("待公开"),
    PeriodStatus.OVERDUE: _("已逾期"),
    PeriodStatus.ON_TIME: _("按时公开"),
    PeriodStatus.LATE: _("逾期公开"),
}


@dataclass(frozen=True)
class Period:
    code: str  # "2026-10" or "2026Q4"
    start: dt.date
    end: dt.date  # the last day, inclusive

    def due(self, due_days: int) -> dt.date:
        return self.end + dt.timedelta(days=due_days)


def _month(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return Period(f"{year:04d}-{month:02d}", start, following - dt.timedelta(days=1))


def _quarter(year: int, quarter: int) -> Period:
    first = _month(year, quarter * 3 - 2)
    last = _month(year, quarter * 3)
    return Period(f"{year:04d}Q{quarter}", first.start, last.end)


def period_containing(frequency: str, day: dt.date) -> Period | None:
    if frequency == Frequency.MONTHLY:
        return _month(day.year, day.month)
    if frequency == Frequency.QUARTERLY:
        return _quarter(day.year, (day.month - 1) // 3 + 1)
    return None


def periods_in_year(frequency: str, year: int) -> list[Period]:
    if frequency == Frequency.MONTHLY:
        return [_month(year, m) for m in range(1, 13)]
    if frequency == Frequency.QUARTERLY:
        return [_quarter(year, q) for q in range(1, 5)]
    return []


def next_period(frequency: str, period: Period) -> Period:
    found = period_containing(frequency, period.end + dt.timedelta(days=1))
    assert found is not None
    return found


def parse_period(code: str, frequency: str | None = None) -> Period:
    """ "2026-10" (a month) or "2026Q4" (a quarter); with ``frequency``, only that plan's kind."""
    text = (code or "").strip().upper()
    month = _MONTH.match(text)
    quarter = _QUARTER.match(text)
    if month and frequency in (None, Frequency.MONTHLY) and 1900 < int(month[1]) < 3000:
        return _month(int(month[1]), int(month[2]))
    if quarter and frequency in (None, Frequency.QUARTERLY) and 1900 < int(quarter[1]) < 3000:
        return _quarter(int(quarter[1]), int(quarter[2]))
    if frequency == Frequency.MONTHLY:
        message = _("所属期应为月份，如 2026-10")
    elif frequency == Frequency.QUARTERLY:
        message = _("所属期应为季度，如 2026Q4")
    else:
        message = _("所属期应为月份（如 2026-10）或季度（如 2026Q4）")
    raise ValidationFailed(message, code="disclosure_period_invalid", data={"period": code})


def local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def status_of(*, period: Period, due_date: dt.date, published_on: dt.date | None, today: dt.date) -> str:
    if published_on is not None:
        return PeriodStatus.ON_TIME if published_on <= due_date else PeriodStatus.LATE
    if today <= period.end:
        return PeriodStatus.UPCOMING
    if today <= due_date:
        return PeriodStatus.DUE
    return PeriodStatus.OVERDUE


@dataclass(frozen=True)
class CalendarEntry:
    """One plan × period of a community's disclosure calendar."""

    plan: DisclosurePlan
    period: Period
    due_date: dt.date
    status: str
    disclosure: Disclosure | None  # the original disclosure of the period (draft or published)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan.pk,
            "node": self.plan.node_id,
            "area": self.plan.area,
            "title": self.plan.title,
            "period": self.period.code,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
            "due_date": self.due_date.isoformat(),
            "status": self.status,
            "status_label": self.status_label,
            "disclosure": self.disclosure.pk if self.disclosure else None,
        }


def _owes(plan: DisclosurePlan, period: Period) -> bool:
    return period.due(plan.due_days) >= local_date(plan.created_at)


def _originals(plans: Iterable[DisclosurePlan]) -> dict[tuple[int, str], Disclosure]:
    ids = [plan.pk for plan in plans]
    found = Disclosure.objects.filter(plan_id__in=ids, corrects__isnull=True).only(
        "id", "plan_id", "period", "status", "published_at", "title"
    )
    return {(d.plan_id, d.period): d for d in found if d.plan_id is not None}


def _entry(
    plan: DisclosurePlan, period: Period, originals: dict[tuple[int, str], Disclosure], today: dt.date
) -> CalendarEntry:
    disclosure = originals.get((plan.pk, period.code))
    published_on = None
    if disclosure is not None and disclosure.status == DisclosureStatus.PUBLISHED:
        assert disclosure.published_at is not None
        published_on = local_date(disclosure.published_at)
    due_date = period.due(plan.due_days)
    return CalendarEntry(
        plan=plan,
        period=period,
        due_date=due_date,
        status=status_of(period=period, due_date=due_date, published_on=published_on, today=today),
        disclosure=disclosure,
    )


def _calendar_plans() -> QuerySet[DisclosurePlan]:
    """Active plans with a calendar (per-matter plans have none)."""
    return (
        DisclosurePlan.objects.filter(active=True)
        .exclude(frequency=Frequency.PER_MATTER)
        .select_related("node")
        .order_by("node_path", "area", "order", "id")
    )


def calendar_for(*, node: Any, year: int, today: dt.date) -> list[CalendarEntry]:
    """The year's calendar of ``node``'s active monthly and quarterly plans, plan by plan."""
    plans = list(_calendar_plans().filter(node=node))
    originals = _originals(plans)
    return [
        _entry(plan, period, originals, today)
        for plan in plans
        for period in periods_in_year(plan.frequency, year)
        if _owes(plan, period)
    ]


def _periods_until(plan: DisclosurePlan, today: dt.date) -> Iterator[Period]:
    """The plan's periods from the first it owes to the one containing ``today``."""
    period = period_containing(plan.frequency, local_date(plan.created_at))
    assert period is not None
    # Periods before creation may still be owed (created on 3 Nov: October is due on 10 Nov).
    while True:
        previous = period_containing(plan.frequency, period.start - dt.timedelta(days=1))
        if previous is None or not _owes(plan, previous):
            break
        period = previous
    while period.start <= today:
        yield period
        period = next_period(plan.frequency, period)


def disclosure_scope(user: Any) -> Scope:
    """Where the user works on disclosures: the subtrees of disclosure.edit or disclosure.publish."""
    edit = scope_for(user, Capability.EDIT_DISCLOSURES)
    publish = scope_for(user, Capability.PUBLISH_DISCLOSURES)
    if edit.everything or publish.everything:
        return Scope(everything=True)
    return Scope(paths=minimal_paths([*edit.paths, *publish.paths]))


def overdue_for(*, user: Any, today: dt.date) -> list[CalendarEntry]:
    """超期提醒: every overdue plan period in the user's disclosure scope, oldest due date first."""
    scope = disclosure_scope(user)
    if scope.empty:
        return []
    plans = list(_calendar_plans().filter(scope.q("node_path")))
    originals = _originals(plans)
    alerts = [
        entry
        for plan in plans
        for period in _periods_until(plan, today)
        if (entry := _entry(plan, period, originals, today)).status == PeriodStatus.OVERDUE
    ]
    alerts.sort(key=lambda e: (e.due_date, e.plan.node_path, e.plan.area, e.plan.order, e.plan.pk))
    return alerts
