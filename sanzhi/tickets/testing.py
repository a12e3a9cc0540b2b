"""Ticket fixtures on top of the persona town (sanzhi.core.testing): two departments, a few categories
with their own time limits, and the town's department persona as a member of 城管局."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sanzhi.core.testing import Town
from sanzhi.tickets.models import Category, CategoryKind, CategoryLimit, Department, DepartmentMember
from sanzhi.tickets.states import Level


@dataclass
class TicketWorld:
    town: Town
    urban: Department  # 城管局
    water: Department  # 水务局
    litter: Category  # 环境卫生 (the grid may close it)
    road: Category  # 道路破损 (城管局)
    dispute: Category  # 邻里纠纷 (no department above the street)
    policy: Category  # 政策咨询 (a consultation)


def _limits(category: Category, hours: dict[str, tuple[int, int]]) -> None:
    for level, (response, resolve) in hours.items():
        CategoryLimit.objects.create(
            category=category, level=level, response_hours=Decimal(response), resolve_hours=Decimal(resolve)
        )


def build_ticket_world(town: Town) -> TicketWorld:
    urban = Department.objects.create(
        code="urban", name="城管局", node=town.county, node_path=town.county.path
    )
    water = Department.objects.create(
        code="water", name="水务局", node=town.county, node_path=town.county.path
    )
    DepartmentMember.objects.create(department=urban, user=town.dept)
    environment = Category.objects.create(code="environment", name="市容环境", kind=CategoryKind.EVENT)
    litter = Category.objects.create(
        code="litter",
        name="环境卫生",
        parent=environment,
        kind=CategoryKind.EVENT,
        grid_may_close=True,
        department=urban,
        keywords="垃圾 卫生 清扫",
    )
    facilities = Category.objects.create(code="facilities", name="道路交通", kind=CategoryKind.PART)
    road = Category.objects.create(
        code="road",
        name="道路破损",
        parent=facilities,
        kind=CategoryKind.PART,
        department=urban,
        keywords="路面 坑洼 破损",
    )
    dispute = Category.objects.create(code="dispute", name="邻里纠纷", keywords="纠纷 邻居 吵架")
    policy = Category.objects.create(
        code="policy", name="政策咨询", is_consultation=True, keywords="咨询 政策 怎么办"
    )
    hours: dict[str, tuple[int, int]] = {
        Level.GRID: (2, 8),
        Level.COMMUNITY: (4, 16),
        Level.STREET: (4, 24),
        Level.DEPARTMENT: (8, 40),
    }
    _limits(environment, hours)
    _limits(facilities, hours)
    return TicketWorld(town, urban, water, litter, road, dispute, policy)
