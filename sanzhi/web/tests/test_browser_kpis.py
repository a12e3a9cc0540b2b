"""The KPI dashboard in a real browser: a street admin opens it from the navigation and the ECharts
charts draw (canvas inside each chart container)."""

from __future__ import annotations

from typing import Any

import pytest

from sanzhi.core.testing import Town
from sanzhi.reports.tests.fixtures import build_kpi_fixture
from sanzhi.tickets.testing import build_ticket_world
from sanzhi.web.tests.conftest import shot
from sanzhi.web.tests.test_browser import assert_styled, live_town, login

pytestmark = pytest.mark.browser
__all__ = ["live_town"]  # the fixture, imported for this module


def test_dashboard_draws_its_charts(live_town: Town, live_server: Any, page: Any) -> None:
    build_kpi_fixture(build_ticket_world(live_town))
    login(page, live_server, "street")
    page.wait_for_url(f"{live_server.url}/")
    page.click("[data-testid=nav-kpis]")
    page.wait_for_url(f"{live_server.url}/kpis/?*")
    page.goto(f"{live_server.url}/kpis/?node={live_town.township.code}&from=2026-11-01&to=2026-12-31")
    assert_styled(page)
    assert "收集诉求6条" in page.inner_text("[data-testid=kpi-summary]")
    for chart in ("kpi-trend-chart", "kpi-mix-chart", "kpi-ranking-chart"):
        page.locator(f"[data-testid={chart}][data-rendered=true] canvas").first.wait_for()
    assert page.evaluate("typeof window.echarts") == "object"
    assert page.locator("[data-testid=kpi-children] tbody tr").count() == 2
    shot(page, "30-kpis")
