from __future__ import annotations

import pytest

from sanzhi.core.testing import Town
from sanzhi.tickets.testing import TicketWorld, build_ticket_world


@pytest.fixture
def world(town: Town) -> TicketWorld:
    return build_ticket_world(town)
