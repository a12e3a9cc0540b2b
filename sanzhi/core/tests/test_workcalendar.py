"""The working-time clock against the official 2026 schedule, a day-by-day reference, and its cache."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sanzhi.core import workcalendar
from sanzhi.core.models import CalendarDay, CalendarDayKind
from sanzhi.core.workcalendar import (
    add_working_hours,
    add_working_seconds,
    calendar_cache_clear,
    is_working_day,
    working_days_in_month,
    working_seconds_between,
)

SH = ZoneInfo("Asia/Shanghai")
seed_migration = importlib.import_module("sanzhi.core.migrations.0003_calendar_2026")

pytestmark = pytest.mark.django_db


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=SH)


@pytest.fixture(autouse=True)
def official_2026(db: None) -> None:
    """The migration seeds it; a flushed database (after live-server tests) gets it back here."""
    for day, kind, name in seed_migration.official_rows():
        CalendarDay.objects.get_or_create(date=day, defaults={"kind": kind, "name": name})
    calendar_cache_clear()


# --- the seeded notice --------------------------------------------------------------------------


def test_seed_is_the_2026_notice() -> None:
    rows = list(seed_migration.official_rows())
    workdays = [d for d, kind, _n in rows if kind == "workday"]
    assert [d.isoformat() for d in sorted(workdays)] == [
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    ]  # fmt: skip
    assert all(d.weekday() >= 5 for d in workdays)  # every make-up day is a Saturday or Sunday
    holidays = [d for d, kind, _n in rows if kind == "holiday"]
    assert len(holidays) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    assert CalendarDay.objects.filter(date__year=2026).count() == len(rows)
    # 261 weekdays − 19 weekday holidays + 6 make-up days
    assert sum(working_days_in_month(2026, m) for m in range(1, 13)) == 248
    assert working_days_in_month(2026, 10) == 18
    assert working_days_in_month(2026, 2) == 16


def test_is_working_day() -> None:
    assert not is_working_day(dt.date(2026, 1, 1))  # 元旦, a Thursday
    assert is_working_day(dt.date(2026, 1, 4))  # Sunday, 调休上班
    assert is_working_day(dt.date(2026, 2, 14))  # Saturday, 调休上班
    assert not is_working_day(dt.date(2026, 2, 16))  # 春节 Monday
    assert not is_working_day(dt.date(2026, 3, 7))  # an ordinary Saturday
    assert is_working_day(dt.date(2026, 3, 9))  # an ordinary Monday
    assert is_working_day(dt.date(2027, 1, 1))  # 2027 is not entered: the default rule (a Friday)


# --- adding working hours -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (at(2026, 3, 10, 9), 8, at(2026, 3, 10, 17)),  # a whole day ends at closing time, same day
        (at(2026, 3, 10, 9), 9, at(2026, 3, 11, 10)),
        (at(2026, 3, 6, 16), 2, at(2026, 3, 9, 10)),  # Friday → Monday across the weekend
        (at(2026, 3, 10, 22), 1, at(2026, 3, 11, 10)),  # at night: counting starts at 09:00
        (at(2026, 3, 10, 7, 30), 1, at(2026, 3, 10, 10)),  # before 09:00
        (at(2026, 3, 10, 17), 1, at(2026, 3, 11, 10)),  # at closing time
        (at(2026, 3, 7, 11), 1, at(2026, 3, 9, 10)),  # on a Saturday
        (at(2026, 10, 3, 10), 1, at(2026, 10, 8, 10)),  # on a holiday (国庆)
        (at(2026, 9, 30, 16), 4, at(2026, 10, 8, 12)),  # 1 h before 国庆, 3 h after it
        (at(2026, 9, 30, 16), 19, at(2026, 10, 10, 11)),  # Saturday 10 Oct is worked
        (at(2026, 2, 13, 10), 8, at(2026, 2, 14, 10)),  # Friday → make-up Saturday before 春节
        (at(2026, 2, 13, 10), 16, at(2026, 2, 24, 10)),  # … then over the whole 春节 holiday
        (at(2026, 2, 27, 16), 2, at(2026, 2, 28, 10)),  # make-up Saturday after 春节
        (at(2026, 12, 31, 16), 2, at(2027, 1, 1, 10)),  # across the year (2027 not entered)
        (at(2026, 3, 10, 9), Decimal("0.5"), at(2026, 3, 10, 9, 30)),
        (at(2026, 3, 10, 9), 1.25, at(2026, 3, 10, 10, 15)),
    ],
)
def test_add_working_hours(start: dt.datetime, hours: float, expected: dt.datetime) -> None:
    assert add_working_hours(start, hours) == expected


def test_thirty_working_days_over_national_day() -> None:
    # From Monday 14 Sep: 13 days in September (with Sunday 20 Sep, without 中秋 25 Sep), none in
    # 1–7 Oct, then 8–10 Oct (Saturday included) make 16, three weeks to 23 Oct make 26, 26–29 Oct 30.
    assert add_working_hours(at(2026, 9, 14, 9), 30 * 8) == at(2026, 10, 29, 17)


def test_zero_hours_is_start_itself_even_outside_working_time() -> None:
    night = at(2026, 10, 3, 23, 15)
    assert add_working_hours(night, 0) == night


def test_answer_is_in_shanghai_time_for_any_input_zone() -> None:
    start_utc = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai
    result = add_working_hours(start_utc, 2)
    assert result == at(2026, 3, 10, 11)
    assert result.utcoffset() == dt.timedelta(hours=8)


def test_naive_or_negative_input_is_refused() -> None:
    with pytest.raises(ValueError):
        add_working_hours(dt.datetime(2026, 3, 10, 9), 1)  # noqa: DTZ001
    with pytest.raises(ValueError):
        add_working_hours(at(2026, 3, 10, 9), -1)


def test_far_ahead_jumps_years() -> None:
    start = at(2026, 3, 10, 9)
    far = add_working_seconds(start, 8 * 3600 * 5000)
    assert far.year >= 2045
    assert working_seconds_between(start, far) == 8 * 3600 * 5000


# --- working seconds between --------------------------------------------------------------------


def test_working_seconds_between() -> None:
    assert working_seconds_between(at(2026, 3, 6, 16), at(2026, 3, 9, 10)) == 2 * 3600
    assert working_seconds_between(at(2026, 9, 30, 16), at(2026, 10, 8, 10)) == 2 * 3600
    assert working_seconds_between(at(2026, 10, 2, 9), at(2026, 10, 6, 17)) == 0  # inside 国庆
    assert working_seconds_between(at(2026, 3, 10, 12), at(2026, 3, 10, 12)) == 0
    assert working_seconds_between(at(2026, 3, 10, 12), at(2026, 3, 10, 11)) == 0  # end before start
    assert working_seconds_between(at(2026, 3, 10, 20), at(2026, 3, 11, 8)) == 0  # the night


def _reference_seconds(start: dt.datetime, end: dt.datetime) -> int:
    """Day by day, straight from the rule: slow and obvious."""
    total = 0
    day = start.astimezone(SH).date()
    while day <= end.astimezone(SH).date():
        if is_working_day(day):
            opens, closes = at(day.year, day.month, day.day, 9), at(day.year, day.month, day.day, 17)
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += int((hi - lo).total_seconds())
        day += dt.timedelta(days=1)
    return total


instants = st.datetimes(
    min_value=dt.datetime(2025, 12, 1),  # noqa: DTZ001 (hypothesis wants naive bounds)
    max_value=dt.datetime(2027, 2, 1),  # noqa: DTZ001
    timezones=st.just(SH),
).map(lambda d: d.replace(microsecond=0))
working_instants = st.tuples(
    st.dates(min_value=dt.date(2025, 12, 1), max_value=dt.date(2027, 1, 31)),
    st.integers(min_value=0, max_value=8 * 3600 - 1),
).map(lambda t: dt.datetime.combine(t[0], dt.time(9), tzinfo=SH) + dt.timedelta(seconds=t[1]))
amounts = st.integers(min_value=1, max_value=40 * 8 * 3600)
PROPERTY = hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(start=instants, end=instants)
def test_between_matches_day_by_day_reference(start: dt.datetime, end: dt.datetime) -> None:
    assert working_seconds_between(start, end) == (_reference_seconds(start, end) if end > start else 0)


@PROPERTY
@given(start=working_instants, seconds=amounts)
def test_between_inverts_add(start: dt.datetime, seconds: int) -> None:
    hours = Decimal(seconds) / 3600
    assert working_seconds_between(start, add_working_hours(start, hours)) == seconds
    assert working_seconds_between(start, add_working_seconds(start, seconds)) == seconds


@PROPERTY
@given(start=instants, a=amounts, b=amounts)
def test_add_is_monotonic_and_additive(start: dt.datetime, a: int, b: int) -> None:
    first = add_working_seconds(start, a)
    assert first > start
    assert add_working_seconds(start, min(a, b)) <= add_working_seconds(start, max(a, b))
    assert add_working_seconds(first, b) == add_working_seconds(start, a + b)
    # the answer is always inside a window of a working day
    local = first.astimezone(SH)
    assert is_working_day(local.date())
    assert dt.time(9) < local.time() <= dt.time(17)


# --- the working window from settings -----------------------------------------------------------


def test_working_window_comes_from_settings(settings: Any) -> None:
    settings.SANZHI_WORKDAY_START = "08:30"
    settings.SANZHI_WORKDAY_END = "17:30"
    assert add_working_hours(at(2026, 3, 10, 8, 30), 9) == at(2026, 3, 10, 17, 30)
    assert add_working_hours(at(2026, 3, 10, 8, 30), 10) == at(2026, 3, 11, 9, 30)
    assert workcalendar.working_day_hours() == 9


# --- the cache ----------------------------------------------------------------------------------


def test_cache_answers_without_queries_and_sees_other_processes_after_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monday = dt.date(2026, 3, 9)
    assert is_working_day(monday)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(50):
            add_working_hours(at(2026, 3, 9, 10), 100)
    assert len(queries) == 0
    # Another process adds a holiday (no service call here, so no invalidation in this process) …
    CalendarDay.objects.create(date=monday, kind=CalendarDayKind.HOLIDAY, name="地方假日")
    assert is_working_day(monday)  # … still the cached answer inside the check interval
    monkeypatch.setattr(workcalendar, "VERSION_CHECK_SECONDS", 0.0)
    assert not is_working_day(monday)  # the version check saw the new row
    CalendarDay.objects.filter(date=monday).delete()
    assert is_working_day(monday)  # a deletion changes the count, so it is seen too


def test_cache_clear_reloads() -> None:
    saturday = dt.date(2026, 3, 7)
    assert not is_working_day(saturday)
    CalendarDay.objects.create(date=saturday, kind=CalendarDayKind.WORKDAY)
    calendar_cache_clear()
    assert is_working_day(saturday)
