"""Concurrent writers on PostgreSQL: rollup counters stay exact and a code race is a Conflict, not a 500.

SQLite serialises writers (IMMEDIATE transactions), so these races only exist on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from sanzhi.core.errors import Conflict
from sanzhi.grids.models import Node
from sanzhi.grids.services import node_create
from sanzhi.people.models import Household
from sanzhi.people.services import household_create

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    """Start the jobs on their own threads (own connections) at the same instant; results or errors."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(i: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # collected for the assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def small_tree() -> Node:
    county = node_create(actor=None, parent=None, code="511923000000", name="平昌县")
    township = node_create(actor=None, parent=county, code="511923100000", name="江口镇")
    village = node_create(actor=None, parent=township, code="511923100201", name="创举社区")
    grid = node_create(actor=None, parent=village, code="511923100201001", name="第一网格")
    return node_create(actor=None, parent=grid, code="511923100201001001", name="1号楼联户单元")


def test_concurrent_household_creation_keeps_counters_exact() -> None:
    micro = small_tree()
    per_thread = 15

    def create(prefix: str) -> int:
        node = Node.objects.get(pk=micro.pk)
        for i in range(per_thread):
            household_create(actor=None, node=node, address=f"{prefix}{i}号")
        return per_thread

    results = run_together(lambda: create("甲"), lambda: create("乙"), lambda: create("丙"))
    assert results == [per_thread] * 3
    micro.refresh_from_db()
    assert micro.households_direct == Household.objects.filter(node=micro).count() == 3 * per_thread


def test_concurrent_node_create_with_the_same_code_is_one_conflict() -> None:
    micro = small_tree()
    grid = Node.objects.get(code="511923100201001")
    results = run_together(
        *[
            lambda: node_create(actor=None, parent=grid, code="511923100201001002", name="2号楼")
            for _ in range(3)
        ]
    )
    created = [r for r in results if isinstance(r, Node)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(created) == 1 and len(conflicts) == 2, results
    assert all(c.code == "node_code_taken" for c in conflicts)
    assert Node.objects.filter(code="511923100201001002").count() == 1
    grid.refresh_from_db()
    assert grid.numchild == 2 and micro.pk


def test_concurrent_children_of_one_parent_get_distinct_paths() -> None:
    small_tree()
    grid = Node.objects.get(code="511923100201001")
    codes = [f"511923100201001{n:03d}" for n in range(2, 8)]
    results = run_together(*[lambda c=c: node_create(actor=None, parent=grid, code=c, name=c) for c in codes])
    assert all(isinstance(r, Node) for r in results), results
    grid.refresh_from_db()
    assert grid.numchild == 7
    children = Node.objects.filter(path__startswith=grid.path, depth=grid.depth + 1)
    assert children.count() == 7 and len({c.path for c in children}) == 7


def test_concurrent_roots_with_the_same_code_is_one_conflict() -> None:
    results = run_together(
        *[lambda: node_create(actor=None, parent=None, code="511924000000", name="邻县") for _ in range(3)]
    )
    assert sum(isinstance(r, Node) for r in results) == 1
    assert sum(isinstance(r, Conflict) for r in results) == 2, results
