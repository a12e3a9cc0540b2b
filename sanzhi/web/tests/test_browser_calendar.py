"""工作日历 in a real browser: a street admin adds a holiday and sees it listed, without a reload."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sanzhi.core.models import CalendarDay
from sanzhi.core.testing import Town
from sanzhi.core.workcalendar import is_working_day
from sanzhi.web.tests.conftest import shot
from sanzhi.web.tests.test_browser import live_town, login

pytestmark = pytest.mark.browser
__all__ = ["live_town"]  # the fixture, imported for this module


def test_add_a_holiday_and_see_it_listed(live_town: Town, live_server: Any, page: Any) -> None:
    login(page, live_server, "street")
    page.wait_for_url(f"{live_server.url}/")
    page.click("a.nav-link:has-text('工作日历')")
    page.goto(f"{live_server.url}/calendar/?year=2027")
    assert page.inner_text("[data-testid=calendar-year]") == "2027"
    page.fill("[data-testid=calendar-date]", "2027-10-01")
    page.select_option("[data-testid=calendar-kind]", "holiday")
    page.fill("[data-testid=calendar-name]", "国庆节")
    page.click("[data-testid=calendar-submit]")
    page.locator("[data-testid=calendar-notice]").wait_for()
    entry = page.locator("[data-testid=calendar-month-10] [data-testid=calendar-entry]")
    assert entry.count() == 1
    assert "国庆节" in entry.inner_text()
    assert "放假" in entry.inner_text()
    assert page.url == f"{live_server.url}/calendar/?year=2027"  # swapped in place by htmx
    shot(page, "19-calendar")
    assert CalendarDay.objects.get(date=dt.date(2027, 10, 1)).name == "国庆节"
    assert not is_working_day(dt.date(2027, 10, 1))
