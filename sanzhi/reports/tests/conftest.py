from __future__ import annotations

import pytest

from sanzhi.core.testing import Town
from sanzhi.reports.tests.fixtures import KpiFixture, build_kpi_fixture
from sanzhi.tickets.testing import TicketWorld, build_ticket_world


@pytest.fixture
def world(town: Town) -> TicketWorld:
    return build_ticket_world(town)


@pytest.fixture
def kpi_fixture(world: TicketWorld) -> KpiFixture:
    return build_kpi_fixture(world)
