"""网格覆盖检查 on a crafted tree: each finding, per-jurisdiction bounds, JSON shape, CLI."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanzhi.accounts.roles import Role
from sanzhi.core.testing import Town, make_user
from sanzhi.grids.coverage import coverage_report
from sanzhi.grids.models import Node
from sanzhi.grids.services import node_create, scheme_set
from sanzhi.people.services import household_create


def add_households(node: Node, n: int, prefix: str) -> None:
    for i in range(n):
        household_create(actor=None, node=node, address=f"{prefix}{i + 1}号")


@pytest.fixture
def crafted(town: Town) -> Town:
    # (a) unassigned: one household waiting at the community, one at a grid that has micro-grids
    household_create(actor=None, node=town.village, address="创举社区待划格1号")
    household_create(actor=None, node=town.grid, address="第一网格直挂1号")
    # (c) a micro-grid of 35 households with one rep (above 30) ...
    big = node_create(actor=None, parent=town.grid, code="511923100201001003", name="3号楼联户单元")
    add_households(big, 35, "3号楼")
    make_user("rep_big", (Role.HOUSEHOLD_REP, big))
    # ... and one of 34 shared by two reps (17 each, inside 15–30)
    shared = node_create(actor=None, parent=town.grid, code="511923100201001004", name="4号楼联户单元")
    add_households(shared, 34, "4号楼")
    make_user("rep_a", (Role.HOUSEHOLD_REP, shared))
    make_user("rep_b", (Role.HOUSEHOLD_REP, shared))
    return town


def test_each_finding_is_detected(crafted: Town) -> None:
    report = coverage_report(root=crafted.county)
    t = report.totals
    assert t.households == 3 + 2 + 35 + 34
    assert t.unassigned_households == 2
    assert {(h.node_code, h.address) for h in report.unassigned_households} == {
        ("511923100201", "创举社区待划格1号"),
        ("511923100201001", "第一网格直挂1号"),
    }
    # micro-grids: micro, micro2, 3号楼(grid2), other_micro, big, shared
    assert t.micro_grids == 6
    assert {m.code for m in report.micro_grids_without_rep} == {
        "511923100201001002",
        "511923100201002001",
        "511923100202001001",
    }
    assert t.micro_grids_without_rep == 3 and t.micro_grids_with_rep == 3
    # reps: rep (1 household, below 15), rep_big (35, above 30); rep_a and rep_b serve 17 each
    loads = {(r.username, r.problem, r.households, r.node_code) for r in report.reps_out_of_bounds}
    assert loads == {
        ("rep", "below", 1, "511923100201001001"),
        ("rep_big", "above", 35, "511923100201001003"),
    }
    assert all((r.rep_min, r.rep_max) == (15, 30) for r in report.reps_out_of_bounds)
    assert t.reps == 4 and t.reps_out_of_bounds == 2
    assert t.rep_coverage_pct == 50.0
    assert t.household_coverage_pct == round(100 * 72 / 74, 1)
    assert not report.ok

    rows = {c.code: c for c in report.communities}
    assert rows["511923100201"].unassigned_households == 2
    assert rows["511923100201"].micro_grids == 5 and rows["511923100201"].micro_grids_without_rep == 2
    assert rows["511923100201"].reps == 4 and rows["511923100201"].reps_out_of_bounds == 2
    assert rows["511923100202"].micro_grids_without_rep == 1 and rows["511923100202"].households == 1


def test_scheme_on_a_village_changes_the_bounds(crafted: Town) -> None:
    """欧家茶镇 runs 1 rep : 1–40 households; the village's own scheme overrides the default."""
    scheme_set(
        actor=None, node=crafted.village, name="欧家茶方案", rep_min_households=1, rep_max_households=40
    )
    report = coverage_report(root=crafted.county)
    assert report.reps_out_of_bounds == []
    scheme_set(
        actor=None, node=crafted.village, name="严格方案", rep_min_households=18, rep_max_households=20
    )
    report = coverage_report(root=crafted.county)
    assert {r.username for r in report.reps_out_of_bounds} == {"rep", "rep_big", "rep_a", "rep_b"}
    assert {(r.rep_min, r.rep_max) for r in report.reps_out_of_bounds} == {(18, 20)}
    assert next(c for c in report.communities if c.code == "511923100201").rep_min == 18


def test_deeper_scheme_wins_over_higher_one(crafted: Town) -> None:
    scheme_set(actor=None, node=crafted.county, name="县方案", rep_min_households=1, rep_max_households=40)
    scheme_set(actor=None, node=crafted.grid, name="网格方案", rep_min_households=20, rep_max_households=25)
    report = coverage_report(root=crafted.county)
    assert {r.username for r in report.reps_out_of_bounds} == {"rep", "rep_big", "rep_a", "rep_b"}


def test_subtree_root_limits_the_report(crafted: Town) -> None:
    report = coverage_report(root=crafted.other_village)
    assert report.totals.micro_grids == 1 and report.totals.households == 1
    assert [c.code for c in report.communities] == ["511923100202"]
    # a grid root is reported with its community's row
    report = coverage_report(root=crafted.grid)
    assert report.totals.unassigned_households == 1
    assert [c.code for c in report.communities] == ["511923100201"]


def test_query_count_does_not_grow_with_the_tree(crafted: Town) -> None:
    with CaptureQueriesContext(connection) as small:
        coverage_report(root=crafted.county)
    for i in range(5, 25):
        micro = node_create(actor=None, parent=crafted.grid, code=f"511923100201001{i:03d}", name=f"{i}号楼")
        household_create(actor=None, node=micro, address=f"{i}号楼1号")
        make_user(f"r{i}", (Role.HOUSEHOLD_REP, micro))
    with CaptureQueriesContext(connection) as large:
        coverage_report(root=crafted.county)
    assert len(large.captured_queries) == len(small.captured_queries) <= 5


def test_json_shape(crafted: Town) -> None:
    data = coverage_report(root=crafted.county, limit=1).as_dict()
    json.dumps(data)  # JSON-ready
    assert set(data) == {
        "root",
        "ok",
        "limit",
        "totals",
        "unassigned_households",
        "micro_grids_without_rep",
        "reps_out_of_bounds",
        "communities",
    }
    assert data["root"] == {"code": "511923000000", "name": "平昌县"}
    assert data["unassigned_households"]["count"] == 2 and len(data["unassigned_households"]["items"]) == 1
    assert set(data["unassigned_households"]["items"][0]) == {
        "id",
        "number",
        "address",
        "node_code",
        "node_name",
    }
    assert data["micro_grids_without_rep"]["count"] == 3
    rep = data["reps_out_of_bounds"]["items"][0]
    assert set(rep) >= {"username", "name", "node_code", "households", "rep_min", "rep_max", "problem"}
    assert {"household_coverage_pct", "rep_coverage_pct", "micro_grids"} <= set(data["totals"])
    assert {"code", "name", "households", "rep_coverage_pct"} <= set(data["communities"][0])


def test_cli_text_and_json(crafted: Town) -> None:
    out = StringIO()
    call_command("coverage", stdout=out)
    text = out.getvalue()
    assert "未入微网格 2" in text
    assert "创举社区待划格1号" in text
    assert "511923100202001001" in text  # micro-grid without a rep
    assert "rep_big" in text and "偏多" in text and "偏少" in text
    out = StringIO()
    call_command("coverage", "--under", "511923100202", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["root"]["code"] == "511923100202"
    assert data["totals"]["micro_grids_without_rep"] == 1
    with pytest.raises(CommandError, match="不存在"):
        call_command("coverage", "--under", "999999999999")


def test_clean_tree_reports_ok(town: Town) -> None:
    scheme_set(actor=None, node=town.county, name="宽松", rep_min_households=1, rep_max_households=30)
    for micro in Node.objects.filter(kind="grid", numchild=0).exclude(pk=town.micro.pk):
        make_user(f"rep{micro.pk}", (Role.HOUSEHOLD_REP, micro))
        if micro.households_direct == 0:
            household_create(actor=None, node=micro, address=f"{micro.name}1号")
    report = coverage_report(root=town.county)
    assert report.ok, report.as_dict()
    out = StringIO()
    call_command("coverage", stdout=out)
    assert "未发现问题" in out.getvalue()
