"""List endpoints cost a fixed number of queries, whatever the page size (no per-row queries)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from sanzhi.core.testing import Town, make_resident
from sanzhi.grids.services import node_create
from sanzhi.people.codes import Relation
from sanzhi.people.models import PiiAccess, Tag
from sanzhi.people.services import household_create
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel
from sanzhi.tickets.services import Target, ticket_comment, ticket_dispatch, ticket_register
from sanzhi.tickets.testing import TicketWorld

Api = Callable[[str], APIClient]

LIST_URLS = [
    "/api/v1/households/?page_size={n}",
    "/api/v1/residents/?page_size={n}",
    "/api/v1/residents/?page_size={n}&reveal=1&reason=批量核对",
    "/api/v1/nodes/?parent={parent}&page_size={n}",
]


@pytest.fixture
def crowded(town: Town) -> Town:
    """50 more households with two tagged members each in the first micro-grid; 12 more micro-grids."""
    household_tag = Tag.objects.get(code="dibao")
    tags = [Tag.objects.get(code="gaoling"), Tag.objects.get(code="shequ-jiaozheng")]
    for i in range(50):
        household = household_create(
            actor=None, node=town.micro, address=f"创举社区1号楼{i:03d}", tags=[household_tag]
        )
        make_resident(household, f"测试户主{i}", tags=tags)
        make_resident(household, f"测试配偶{i}", Relation.SPOUSE, tags=tags[:1])
    for i in range(3, 15):
        node_create(actor=None, parent=town.grid, code=f"{town.grid.code}{i:03d}", name=f"{i}号楼联户单元")
    return town


def _count(client: APIClient, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(response.json()["results"])


def test_list_query_counts_are_constant_and_small(crowded: Town, api_as: Api) -> None:
    for persona in ("secretary", "gridworker"):
        client = api_as(persona)
        for url in LIST_URLS:
            small, small_rows = _count(client, url.format(n=2, parent=crowded.grid.code))
            large, large_rows = _count(client, url.format(n=50, parent=crowded.grid.code))
            assert (small_rows, large_rows) == (2, 14 if "nodes" in url else 50), url
            assert large <= small, url  # a full last page needs no count query
            # token+user, role assignments, own-household probe, count, page, prefetches/totals, reveal log
            assert large <= 7, url


def test_reveal_of_fifty_logs_fifty(crowded: Town, api_as: Api) -> None:
    api_as("secretary").get("/api/v1/residents/?page_size=50&reveal=1&reason=批量核对")
    assert PiiAccess.objects.count() == 50


def test_details_query_count(
    town: Town, api_as: Api, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = api_as("secretary")
    household = town.households["h1"]
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/households/{household.pk}?reveal=1&reason=核对").status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(f"/api/v1/residents/{town.residents['zhang'].pk}").status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(f"/api/v1/nodes/{town.grid.code}").status_code == 200
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/me").status_code == 200


# ---- tickets -----------------------------------------------------------------------------------------


@pytest.fixture
def busy(world: TicketWorld) -> TicketWorld:
    """60 tickets in the first grid, half of them dispatched to the grid worker, a few to 城管局."""
    town = world.town
    for i in range(60):
        ticket = ticket_create(
            actor=town.resident, channel=Channel.RESIDENT, text=f"诉求{i}", category=world.litter
        )
        if i % 2:
            ticket_register(actor=town.gridworker, ticket=ticket)
            target = Target(department=world.urban) if i % 3 == 0 else None
            ticket_dispatch(actor=town.secretary, ticket=ticket, target=target)
    return world


TICKET_LIST_URLS = [
    "/api/v1/tickets/?page_size={n}",
    "/api/v1/tickets/?page_size={n}&node={node}&state=registered&state=dispatched&state=reported",
    "/api/v1/tickets/?page_size={n}&category=environment&level=grid",
]


@pytest.mark.parametrize("persona", ["secretary", "gridworker", "resident", "street"])
def test_ticket_list_query_count_is_constant(busy: TicketWorld, api_as: Api, persona: str) -> None:
    client = api_as(persona)
    # A resident sees no tree, so has no node to filter by.
    urls = [u for u in TICKET_LIST_URLS if persona != "resident" or "node=" not in u]
    for url in urls:
        small, small_rows = _count(client, url.format(n=2, node=busy.town.grid.code))
        large, large_rows = _count(client, url.format(n=50, node=busy.town.grid.code))
        assert (small_rows, large_rows) == (2, 50), url
        assert large <= small, url  # a full last page needs no count query
        # token+user, role assignments, department memberships, filter lookups, count, page
        assert large <= 7, (url, large)


def test_department_ticket_list_query_count(busy: TicketWorld, api_as: Api) -> None:
    small, _rows = _count(api_as("dept"), "/api/v1/tickets/?page_size=2")
    large, rows = _count(api_as("dept"), "/api/v1/tickets/?page_size=50")
    assert rows == 10 and large <= small <= 6


def test_ticket_detail_query_count_does_not_grow_with_events(
    busy: TicketWorld, api_as: Api, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    town = busy.town
    ticket = ticket_create(actor=town.resident, channel=Channel.RESIDENT, text="垃圾")
    for i in range(20):
        ticket_comment(actor=town.gridworker, ticket=ticket, note=f"备注{i}")
    client = api_as("gridworker")
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/tickets/{ticket.pk}").status_code == 200
    with django_assert_max_num_queries(4):
        assert client.get("/api/v1/categories/").status_code == 200
