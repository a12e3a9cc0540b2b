"""The disclosure calendar: periods and due dates, and each period's status before, on and after
its due date (time frozen, dates in Asia/Shanghai); overdue alerts scoped to the user."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from sanzhi.core.errors import ValidationFailed
from sanzhi.core.testing import Town
from sanzhi.disclosure.calendar import (
    PeriodStatus,
    calendar_for,
    overdue_for,
    parse_period,
    period_containing,
    periods_in_year,
)
from sanzhi.disclosure.models import Area, DisclosurePlan, Frequency
from sanzhi.disclosure.services import (
    disclosure_correct,
    disclosure_draft,
    disclosure_publish,
    plan_create,
    plan_deactivate,
)
from sanzhi.disclosure.tests.core_kit import PERSONAS, SH, add_lines, finance_draft, finance_plan

pytestmark = pytest.mark.django_db

ADOPTED = dt.datetime(2026, 9, 15, 10, tzinfo=SH)


def test_monthly_and_quarterly_periods() -> None:
    months = periods_in_year(Frequency.MONTHLY, 2028)
    assert [m.code for m in months][:3] == ["2028-01", "2028-02", "2028-03"]
    assert months[1].end == dt.date(2028, 2, 29)  # a leap year
    assert months[11].end == dt.date(2028, 12, 31)
    quarters = periods_in_year(Frequency.QUARTERLY, 2026)
    assert [(q.code, q.start, q.end) for q in quarters] == [
        ("2026Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2026Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        ("2026Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        ("2026Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ]
    assert periods_in_year(Frequency.PER_MATTER, 2026) == []
    assert period_containing(Frequency.PER_MATTER, dt.date(2026, 1, 1)) is None
    october = parse_period("2026-10", Frequency.MONTHLY)
    assert october.due(10) == dt.date(2026, 11, 10)
    assert parse_period("2026Q4").due(10) == dt.date(2027, 1, 10)
    assert parse_period("2026-12").due(0) == dt.date(2026, 12, 31)
    for bad, frequency in (("2026-10", Frequency.QUARTERLY), ("2026Q5", None), ("26-10", None), ("", None)):
        with pytest.raises(ValidationFailed):
            parse_period(bad, frequency)


def _adopt(town: Town) -> DisclosurePlan:
    with time_machine.travel(ADOPTED, tick=False):
        return finance_plan(town)


def _october(town: Town, today: dt.date) -> str:
    entries = {e.period.code: e for e in calendar_for(node=town.village, year=2026, today=today)}
    return entries["2026-10"].status


@pytest.mark.parametrize(
    ("instant", "status"),
    [
        (dt.datetime(2026, 10, 20, 12, tzinfo=SH), PeriodStatus.UPCOMING),  # during the month
        (dt.datetime(2026, 10, 31, 23, 59, tzinfo=SH), PeriodStatus.UPCOMING),  # its last minute
        (dt.datetime(2026, 11, 1, 0, 0, tzinfo=SH), PeriodStatus.DUE),  # the month is over
        (dt.datetime(2026, 11, 10, 23, 59, tzinfo=SH), PeriodStatus.DUE),  # the due date itself
        (dt.datetime(2026, 11, 11, 0, 0, tzinfo=SH), PeriodStatus.OVERDUE),  # the day after
        # 16:30 UTC on the 10th is already the 11th in Shanghai.
        (dt.datetime(2026, 11, 10, 16, 30, tzinfo=dt.UTC), PeriodStatus.OVERDUE),
    ],
)
def test_unpublished_period_before_on_and_after_its_due_date(
    town: Town, instant: dt.datetime, status: str
) -> None:
    finance_draft(town, _adopt(town))  # a draft does not count as published
    with time_machine.travel(instant, tick=False):
        assert _october(town, timezone.localdate()) == status


@pytest.mark.parametrize(
    ("published", "status"),
    [
        (dt.datetime(2026, 11, 3, 9, tzinfo=SH), PeriodStatus.ON_TIME),
        (dt.datetime(2026, 11, 10, 23, 30, tzinfo=SH), PeriodStatus.ON_TIME),  # 15:30 UTC, still the 10th
        (dt.datetime(2026, 11, 11, 0, 5, tzinfo=SH), PeriodStatus.LATE),
        (dt.datetime(2026, 12, 20, 9, tzinfo=SH), PeriodStatus.LATE),
    ],
)
def test_published_period_is_on_time_or_late(town: Town, published: dt.datetime, status: str) -> None:
    draft = finance_draft(town, _adopt(town))
    add_lines(town, draft)
    with time_machine.travel(published, tick=False):
        disclosure_publish(actor=town.secretary, disclosure=draft)
    with time_machine.travel(dt.datetime(2027, 1, 5, 9, tzinfo=SH), tick=False):
        assert _october(town, timezone.localdate()) == status


def test_a_correction_does_not_change_timeliness(town: Town) -> None:
    draft = finance_draft(town, _adopt(town))
    add_lines(town, draft)
    disclosure_publish(actor=town.secretary, disclosure=draft, now=dt.datetime(2026, 11, 9, 9, tzinfo=SH))
    correction = disclosure_correct(actor=town.secretary, disclosure=draft, reason="凭证号有误")
    disclosure_publish(
        actor=town.secretary, disclosure=correction, now=dt.datetime(2026, 12, 1, 9, tzinfo=SH)
    )
    assert _october(town, dt.date(2026, 12, 2)) == PeriodStatus.ON_TIME


def test_calendar_of_a_year(town: Town) -> None:
    plan = _adopt(town)
    with time_machine.travel(ADOPTED, tick=False):
        quarterly = finance_plan(town, frequency=Frequency.QUARTERLY)
        plan_create(
            actor=town.secretary,
            node=town.village,
            area=Area.AFFAIRS,
            title="工程项目",
            frequency=Frequency.PER_MATTER,
        )
    entries = calendar_for(node=town.village, year=2026, today=dt.date(2026, 11, 5))
    # Adopted on 15 September: August (due 10 September) was never this plan's duty.
    assert [(e.plan, e.period.code, e.status) for e in entries] == [
        (plan, "2026-09", PeriodStatus.OVERDUE),
        (plan, "2026-10", PeriodStatus.DUE),
        (plan, "2026-11", PeriodStatus.UPCOMING),
        (plan, "2026-12", PeriodStatus.UPCOMING),
        (quarterly, "2026Q3", PeriodStatus.OVERDUE),
        (quarterly, "2026Q4", PeriodStatus.UPCOMING),
    ]
    september = entries[0]
    assert september.due_date == dt.date(2026, 10, 10)
    assert september.as_dict()["status_label"] == "已逾期"
    assert calendar_for(node=town.other_village, year=2026, today=dt.date(2026, 11, 5)) == []
    plan_deactivate(actor=town.secretary, plan=plan)
    assert {e.plan for e in calendar_for(node=town.village, year=2026, today=dt.date(2026, 11, 5))} == {
        quarterly
    }


def test_overdue_alerts(town: Town) -> None:
    plan = _adopt(town)
    with time_machine.travel(ADOPTED, tick=False):
        elsewhere = plan_create(
            actor=town.outsider,
            node=town.other_village,
            area=Area.PARTY,
            title="党费",
            frequency=Frequency.QUARTERLY,
        )
    today = dt.date(2027, 1, 15)
    alerts = overdue_for(user=town.secretary, today=today)
    # Sept (due 10 Oct), Oct (10 Nov), Nov (10 Dec); December is due on 10 January: overdue too.
    assert [(e.plan, e.period.code) for e in alerts] == [
        (plan, "2026-09"),
        (plan, "2026-10"),
        (plan, "2026-11"),
        (plan, "2026-12"),
    ]
    draft = finance_draft(town, plan, period="2026-10")
    add_lines(town, draft)
    disclosure_publish(actor=town.secretary, disclosure=draft)
    assert [e.period.code for e in overdue_for(user=town.secretary, today=today)] == [
        "2026-09",
        "2026-11",
        "2026-12",
    ]
    street = overdue_for(user=town.street, today=today)
    assert {(e.plan, e.period.code) for e in street} == {
        (plan, "2026-09"),
        (plan, "2026-11"),
        (plan, "2026-12"),
        (elsewhere, "2026Q3"),
        (elsewhere, "2026Q4"),
    }
    assert [(e.plan, e.period.code) for e in overdue_for(user=town.outsider, today=today)] == [
        (elsewhere, "2026Q3"),
        (elsewhere, "2026Q4"),
    ]
    assert overdue_for(user=town.secretary, today=dt.date(2026, 10, 10)) == []  # September's due date
    assert [e.period.code for e in overdue_for(user=town.secretary, today=dt.date(2026, 10, 11))] == [
        "2026-09"
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_overdue_alerts_per_persona(town: Town, persona: str) -> None:
    _adopt(town)
    alerts = overdue_for(user=town.users[persona], today=dt.date(2026, 10, 11))
    expected = 1 if persona in {"secretary", "street", "sysadmin"} else 0
    assert len(alerts) == expected


def test_a_per_matter_plan_is_never_overdue(town: Town) -> None:
    with time_machine.travel(ADOPTED, tick=False):
        plan = plan_create(
            actor=town.secretary,
            node=town.village,
            area=Area.AFFAIRS,
            title="工程项目",
            frequency=Frequency.PER_MATTER,
        )
    disclosure_draft(actor=town.secretary, node=town.village, area=Area.AFFAIRS, title="路灯", plan=plan)
    assert overdue_for(user=town.secretary, today=dt.date(2027, 6, 1)) == []


def test_alerts_agree_with_the_calendar(town: Town) -> None:
    plan = _adopt(town)
    with time_machine.travel(ADOPTED, tick=False):
        finance_plan(town, frequency=Frequency.QUARTERLY)
    october = finance_draft(town, plan, period="2026-10")
    add_lines(town, october)
    disclosure_publish(actor=town.secretary, disclosure=october, now=dt.datetime(2026, 11, 12, 9, tzinfo=SH))
    for today in (dt.date(2026, 10, 10), dt.date(2026, 11, 11), dt.date(2026, 12, 31)):
        every = [(e.plan, e.period.code) for e in calendar_for(node=town.village, year=2026, today=today)]
        alerts = [(e.plan, e.period.code) for e in overdue_for(user=town.secretary, today=today)]
        calendar = [
            (e.plan, e.period.code)
            for e in calendar_for(node=town.village, year=2026, today=today)
            if e.status == PeriodStatus.OVERDUE
        ]
        assert sorted(alerts, key=str) == sorted(calendar, key=str)
        assert set(alerts) <= set(every) and (plan, "2026-10") not in alerts


def test_a_long_term_reaches_back_more_than_one_period(town: Town) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 3, 9, tzinfo=SH), tick=False):
        plan = finance_plan(town, due_days=45)
    # Adopted on 3 November with 45 days: September was due on 15 November, October on 15 December.
    entries = calendar_for(node=town.village, year=2026, today=dt.date(2026, 11, 20))
    assert [(e.period.code, e.status) for e in entries] == [
        ("2026-09", PeriodStatus.OVERDUE),
        ("2026-10", PeriodStatus.DUE),
        ("2026-11", PeriodStatus.UPCOMING),
        ("2026-12", PeriodStatus.UPCOMING),
    ]
    alerts = overdue_for(user=town.secretary, today=dt.date(2026, 11, 20))
    assert [(e.plan, e.period.code) for e in alerts] == [(plan, "2026-09")]
