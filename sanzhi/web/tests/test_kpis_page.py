"""The KPI dashboard, its xlsx export and printable summary: rendered for those with tickets.kpis at the
node, a 404 for everyone else; the navigation link only for those who may use it."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from sanzhi.core.testing import Town
from sanzhi.reports.tests.fixtures import KpiFixture, build_kpi_fixture
from sanzhi.tickets.testing import build_ticket_world

Q = "from=2026-11-01&to=2026-12-31"


@pytest.fixture
def kpi_fixture(town: Town) -> KpiFixture:
    return build_kpi_fixture(build_ticket_world(town))


def test_dashboard_renders_with_charts_and_children(
    kpi_fixture: KpiFixture, client_as: Callable[[str], Client]
) -> None:
    town = kpi_fixture.world.town
    page = client_as("street").get(f"/kpis/?node={town.township.code}&{Q}")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="kpi-trend-chart"' in html and "echarts-5.6.0/echarts.min.js" in html
    assert 'id="kpi-data"' in html
    assert "收集诉求6条" in html and "网格内解决3条" in html
    assert town.village.name in html and town.other_village.name in html
    assert 'data-testid="nav-kpis"' in html


def test_dashboard_defaults_to_the_first_node_in_scope(
    kpi_fixture: KpiFixture, client_as: Callable[[str], Client]
) -> None:
    response = client_as("secretary").get("/kpis/")
    assert response.status_code == 302
    assert f"node={kpi_fixture.world.town.village.code}" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("secretary", 200),
        ("council", 200),
        ("street", 200),
        ("outsider", 404),
        ("rep", 404),
        ("resident", 404),
    ],
)
def test_dashboard_scoped(
    kpi_fixture: KpiFixture, client_as: Callable[[str], Client], persona: str, status: int
) -> None:
    village = kpi_fixture.world.town.village
    assert client_as(persona).get(f"/kpis/?node={village.code}&{Q}").status_code == status
    assert client_as(persona).get(f"/kpis/export.xlsx?node={village.code}&{Q}").status_code == status
    assert client_as(persona).get(f"/kpis/print/?node={village.code}&{Q}").status_code == status


def test_nav_link_only_with_the_capability(town: Town, client_as: Callable[[str], Client]) -> None:
    assert 'data-testid="nav-kpis"' in client_as("gridworker").get("/").content.decode()
    assert 'data-testid="nav-kpis"' not in client_as("rep").get("/").content.decode()


def test_bad_period_is_shown_not_a_500(kpi_fixture: KpiFixture, client_as: Callable[[str], Client]) -> None:
    village = kpi_fixture.world.town.village
    page = client_as("secretary").get(f"/kpis/?node={village.code}&from=2026-12-01&to=2026-11-01")
    assert page.status_code == 400 and "结束日期不能早于开始日期" in page.content.decode()
    assert client_as("secretary").get(f"/kpis/?node={village.code}&from=junk").status_code == 302


def test_export_and_print(kpi_fixture: KpiFixture, client_as: Callable[[str], Client]) -> None:
    town = kpi_fixture.world.town
    client = client_as("street")
    xlsx = client.get(f"/kpis/export.xlsx?node={town.township.code}&{Q}")
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content))
    assert book.sheet_names == ["期间小结", "下级排名", "趋势", "分类构成"]
    summary = book.get_sheet_by_name("期间小结").to_python()
    assert "收集诉求6条" in str(summary[3][0])
    assert summary[6][0] == 6  # valid tickets
    ranking = book.get_sheet_by_name("下级排名").to_python()
    assert [row[1] for row in ranking[1:]] == [town.village.name, town.other_village.name]
    printed = client.get(f"/kpis/print/?node={town.township.code}&{Q}").content.decode()
    assert "诉求办理情况小结" in printed and "收集诉求6条，办结4条，其中网格内解决3条" in printed
