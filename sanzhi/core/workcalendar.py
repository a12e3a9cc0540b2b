"""工作时间时钟: the working-time clock that ticket time limits run on.

A day is a working day by the default rule (Monday–Friday) unless a ``CalendarDay`` says otherwise
(放假 / 调休上班). A working day has one window, ``SANZHI_WORKDAY_START``–``SANZHI_WORKDAY_END``
(default 09:00–17:00, 8 working hours), in local wall-clock time of ``settings.TIME_ZONE``
(Asia/Shanghai). Every answer is computed in that zone, whatever zone the caller activated.

The clock is one function, F(t) = working microseconds from a fixed origin up to t, with a closed
form: weekdays before t's date (whole weeks at once), plus the net effect of the overrides before it
(a prefix sum, found by bisection), plus the part of t's own window already gone. Then
``working_seconds_between(a, b) = F(b) − F(a)`` and ``add_working_hours(a, h)`` is F⁻¹(F(a) + h),
so the two agree exactly and neither walks day by day. The inverse finds the year by the same closed
form and indexes a per-year list of working days built once (~250 entries).

The overrides (a few dozen rows a year) are loaded all at once and cached per process. The cache is
dropped by the calendar services, by ``calendar_cache_clear()``, and whenever a cheap version query
(row count and latest ``updated_at``) — run at most every ``VERSION_CHECK_SECONDS`` — sees that
another process changed the calendar. The working window and zone are read into the snapshot too;
a change of those settings (tests' ``override_settings``) drops it through ``setting_changed``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db.models import Count, Max
from django.dispatch import receiver

# A calendar edit made in another process (web ↔ worker) is seen at most this late.
VERSION_CHECK_SECONDS = 10.0

_US = 1_000_000
_US_PER_HOUR = Decimal(3600 * _US)
# No year has more weekdays than this; used to jump over whole years without overshooting much.
_MAX_WEEKDAYS_PER_YEAR = 262


def _weekdays_before(ordinal: int) -> int:
    """Monday–Friday days with ordinal < ``ordinal``. Ordinal 1 (0001-01-01) is a Monday."""
    weeks, rest = divmod(ordinal - 1, 7)
    return 5 * weeks + min(rest, 5)


def _is_weekday(ordinal: int) -> bool:
    return (ordinal - 1) % 7 < 5


def _parse_hhmm(value: str, setting: str) -> int:
    """Seconds after midnight of 'HH:MM'."""
    try:
        parsed = dt.time.fromisoformat(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{setting} must be HH:MM, got {value!r}") from None
    return parsed.hour * 3600 + parsed.minute * 60 + parsed.second


@dataclass
class _Year:
    base: int  # working days before 1 January
    days: list[int]  # ordinals of the year's working days, ascending


@dataclass
class _Calendar:
    """One immutable snapshot of the overrides plus the working window; years are filled lazily."""

    overrides: dict[int, bool]  # ordinal → is a working day
    adjust_ordinals: list[int]  # ordinals whose override differs from the default rule, ascending
    adjust_prefix: list[int]  # adjust_prefix[i] = net working days added by adjust_ordinals[:i]
    window_key: tuple[str, str]
    start_us: int  # window start, microseconds after local midnight
    end_us: int
    window_us: int  # end_us − start_us
    version: tuple[int, Any]
    tz: dt.tzinfo
    years: dict[int, _Year] = field(default_factory=dict)

    def is_working(self, ordinal: int) -> bool:
        override = self.overrides.get(ordinal)
        return _is_weekday(ordinal) if override is None else override

    def working_days_before(self, ordinal: int) -> int:
        return _weekdays_before(ordinal) + self.adjust_prefix[bisect_left(self.adjust_ordinals, ordinal)]

    def year(self, year: int) -> _Year:
        table = self.years.get(year)
        if table is None:
            first = dt.date(year, 1, 1).toordinal()
            following = dt.date(year + 1, 1, 1).toordinal()
            days = [o for o in range(first, following) if self.is_working(o)]
            table = self.years[year] = _Year(base=self.working_days_before(first), days=days)
        return table

    def nth_working_day(self, n: int, near_year: int) -> int:
        """Ordinal of the working day with exactly ``n`` working days before it."""
        year = near_year
        while True:
            table = self.year(year)
            if n < table.base:
                year -= max(1, (table.base - n) // _MAX_WEEKDAYS_PER_YEAR)
            elif n >= table.base + len(table.days):
                year += max(1, (n - table.base - len(table.days)) // _MAX_WEEKDAYS_PER_YEAR)
            else:
                return table.days[n - table.base]

    def clock_us(self, instant: dt.datetime) -> int:
        """F(t): working microseconds from the origin (0001-01-01) up to ``instant``."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("the working-time clock needs an aware datetime")
        local = instant.astimezone(self.tz)
        ordinal = local.toordinal()
        elapsed = 0
        if self.is_working(ordinal):
            of_day = (local.hour * 3600 + local.minute * 60 + local.second) * _US + local.microsecond
            elapsed = min(max(of_day - self.start_us, 0), self.window_us)
        return self.working_days_before(ordinal) * self.window_us + elapsed

    def instant_at(self, clock: int, near_year: int) -> dt.datetime:
        """F⁻¹: the earliest instant at which the clock reads ``clock`` (> 0).

        A multiple of the window ends a working day at its closing time rather than opening the
        next one: 09:00 + 8 h is 17:00 the same day, not 09:00 the next working day.
        """
        days, rest = divmod(clock, self.window_us)
        if rest == 0:
            ordinal, of_day = self.nth_working_day(days - 1, near_year), self.end_us
        else:
            ordinal, of_day = self.nth_working_day(days, near_year), self.start_us + rest
        midnight = dt.datetime.combine(dt.date.fromordinal(ordinal), dt.time.min, tzinfo=self.tz)
        return midnight + dt.timedelta(microseconds=of_day)


_lock = threading.Lock()
_state: dict[str, Any] = {"calendar": None, "checked_at": 0.0}


def _version() -> tuple[int, Any]:
    from sanzhi.core.models import CalendarDay

    row = CalendarDay.objects.aggregate(count=Count("id"), latest=Max("updated_at"))
    return row["count"], row["latest"]


def _window_key() -> tuple[str, str]:
    return settings.SANZHI_WORKDAY_START, settings.SANZHI_WORKDAY_END


def _load() -> _Calendar:
    from sanzhi.core.models import CalendarDay, CalendarDayKind

    version = _version()
    overrides = {
        day.toordinal(): kind == CalendarDayKind.WORKDAY
        for day, kind in CalendarDay.objects.values_list("date", "kind")
    }
    adjust_ordinals, adjust_prefix, total = [], [0], 0
    for ordinal in sorted(overrides):
        delta = int(overrides[ordinal]) - int(_is_weekday(ordinal))
        if delta:
            total += delta
            adjust_ordinals.append(ordinal)
            adjust_prefix.append(total)
    key = _window_key()
    start = _parse_hhmm(key[0], "SANZHI_WORKDAY_START")
    end = _parse_hhmm(key[1], "SANZHI_WORKDAY_END")
    if not start < end:
        raise ImproperlyConfigured("SANZHI_WORKDAY_START must be earlier than SANZHI_WORKDAY_END")
    return _Calendar(
        overrides=overrides,
        adjust_ordinals=adjust_ordinals,
        adjust_prefix=adjust_prefix,
        window_key=key,
        start_us=start * _US,
        end_us=end * _US,
        window_us=(end - start) * _US,
        version=version,
        tz=ZoneInfo(settings.TIME_ZONE),
    )


def _calendar() -> _Calendar:
    calendar: _Calendar | None = _state["calendar"]
    now = time.monotonic()
    if calendar is not None and now - _state["checked_at"] < VERSION_CHECK_SECONDS:
        return calendar
    with _lock:
        calendar = _state["calendar"]
        if calendar is None or calendar.window_key != _window_key() or calendar.version != _version():
            calendar = _load()
        _state["calendar"] = calendar
        _state["checked_at"] = now
        return calendar


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    # Settings are read once per snapshot (reading them per call costs more than the arithmetic).
    if setting in {"SANZHI_WORKDAY_START", "SANZHI_WORKDAY_END", "TIME_ZONE"}:
        calendar_cache_clear()


def calendar_cache_clear() -> None:
    """Forget the cached calendar: the next call reloads it. The calendar services call this."""
    with _lock:
        _state["calendar"] = None
        _state["checked_at"] = 0.0


def local_zone() -> dt.tzinfo:
    """The zone the working clock runs in (settings.TIME_ZONE)."""
    return ZoneInfo(settings.TIME_ZONE)


def is_working_day(day: dt.date) -> bool:
    return _calendar().is_working(day.toordinal())


def _to_microseconds(hours: float | Decimal) -> int:
    value = (Decimal(str(hours)) if isinstance(hours, float) else Decimal(hours)) * _US_PER_HOUR
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def add_working_seconds(start: dt.datetime, seconds: int) -> dt.datetime:
    """``add_working_hours`` in whole seconds (what a resumed ticket has left on its clock)."""
    return _add_us(start, seconds * _US)


def add_working_hours(start: dt.datetime, hours: float | Decimal) -> dt.datetime:
    """The instant at which ``hours`` working hours have elapsed after ``start``.

    ``start`` outside working time (night, weekend, holiday) starts counting at the next window;
    an amount that ends exactly at a window's close answers that close (17:00), not the next
    opening. ``hours == 0`` answers ``start`` itself. Aware in, aware out (in settings.TIME_ZONE),
    precise to the microsecond.
    """
    return _add_us(start, _to_microseconds(hours))


def _add_us(start: dt.datetime, amount_us: int) -> dt.datetime:
    if amount_us < 0:
        raise ValueError("working time to add must not be negative")
    calendar = _calendar()
    clock = calendar.clock_us(start)  # also rejects a naive start
    if amount_us == 0:
        return start.astimezone(calendar.tz)
    # The answer is never before start: its local year is where the search for the day begins.
    return calendar.instant_at(clock + amount_us, start.astimezone(calendar.tz).year)


def working_seconds_between(start: dt.datetime, end: dt.datetime) -> int:
    """Whole working seconds in [start, end); 0 when ``end <= start``."""
    if end <= start:
        return 0
    calendar = _calendar()
    return (calendar.clock_us(end) - calendar.clock_us(start)) // _US


def working_days_in_month(year: int, month: int) -> int:
    calendar = _calendar()
    first = dt.date(year, month, 1).toordinal()
    following = dt.date(year + month // 12, month % 12 + 1, 1).toordinal()
    return calendar.working_days_before(following) - calendar.working_days_before(first)


def working_day_hours() -> Decimal:
    """Length of the daily working window in hours (8 by default)."""
    return Decimal(_calendar().window_us) / _US_PER_HOUR
