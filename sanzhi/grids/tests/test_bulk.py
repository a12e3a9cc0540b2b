from __future__ import annotations

import pytest

from sanzhi.core.errors import Conflict, ValidationFailed
from sanzhi.core.testing import Town
from sanzhi.grids.bulk import NodePlanner
from sanzhi.grids.models import Node
from sanzhi.grids.services import node_create


def _plan_town_below(planner: NodePlanner, township: Node, first: int) -> list[Node]:
    villages = [
        planner.add(township, code=f"{township.code[:9]}{first + i:03d}", name=f"社区{i}", kind="village")
        for i in range(3)
    ]
    micros = []
    for village in villages:
        for g in range(1, 4):
            grid = planner.add(village, code=f"{village.code}{g:03d}", name=f"网格{g}", kind="grid")
            for m in range(1, 3):
                micros.append(planner.add(grid, code=f"{grid.code}{m:03d}", name=f"微网格{m}", kind="grid"))
    return micros


def test_bulk_tree_matches_treebeard(db: None) -> None:
    planner = NodePlanner()
    county = planner.add(None, code="511923000000", name="平昌县", kind="county")
    street = planner.add(county, code="511923001000", name="街道", kind="township")
    micros = _plan_town_below(planner, street, 1)
    planner.save()
    assert Node.objects.find_problems() == ([], [], [], [], [])
    county = Node.objects.get(code="511923000000")
    street = Node.objects.get(code="511923001000")
    assert Node.objects.get_descendant_count(county) == 1 + 3 + 9 + 18
    assert county.numchild == 1 and street.numchild == 3
    assert {n.code for n in Node.objects.get_descendants(street)} == set(
        Node.objects.filter(path__startswith=street.path).exclude(pk=street.pk).values_list("code", flat=True)
    )
    micro = Node.objects.get(code=micros[-1].code)
    assert micro.grid_level == 2 and micro.label == "微网格" and micro.pk == micros[-1].pk
    assert Node.objects.get_parent(micro).code == micros[-1].code[:-3]

    # Continues after existing children, and treebeard's own add_child continues after ours.
    second = NodePlanner()
    _plan_town_below(second, street, 4)
    second.save()
    after = node_create(actor=None, parent=street, code="511923001010", name="后建社区")
    assert Node.objects.find_problems() == ([], [], [], [], [])
    street.refresh_from_db()
    assert street.numchild == 7
    assert [c.code for c in Node.objects.get_children(street)][-1] == after.code
    assert Node.objects.filter(path__startswith=street.path).count() == 1 + 2 * (3 + 9 + 18) + 1


def test_bulk_under_existing_tree_and_conflicts(town: Town) -> None:
    planner = NodePlanner()
    grid = planner.add(town.village, code=f"{town.village.code}009", name="新网格", kind="grid")
    planner.add(grid, code=f"{grid.code}001", name="新微网格", kind="grid")
    planner.save()
    assert Node.objects.find_problems() == ([], [], [], [], [])
    village = Node.objects.get(pk=town.village.pk)
    assert [c.code for c in Node.objects.get_children(village)][-1] == grid.code
    assert Node.objects.get_parent(Node.objects.get(code=f"{grid.code}001")) == grid

    clash = NodePlanner()
    clash.add(town.village, code=town.grid.code, name="重复", kind="grid")
    with pytest.raises(Conflict):
        clash.save()
    with pytest.raises(ValidationFailed):
        NodePlanner().add(town.village, code="511923100202001", name="错位", kind="grid")
    assert Node.objects.find_problems() == ([], [], [], [], [])
