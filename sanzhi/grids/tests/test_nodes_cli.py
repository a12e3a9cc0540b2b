"""``sanzhi nodes``: listing, import (all-or-nothing, per-row errors) and export round trips."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command

from sanzhi.core.testing import Town
from sanzhi.grids.importing import export_nodes, import_nodes
from sanzhi.grids.models import Node, NodeCodeChange
from sanzhi.people.models import Household

HEADER = "层级,编码,名称,上级编码\n"


def write_csv(tmp_path: Path, body: str, name: str = "nodes.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def write_xlsx(tmp_path: Path, rows: list[list[object]], name: str = "nodes.xlsx") -> Path:
    path = tmp_path / name
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    header: list[object] = ["层级", "编码", "名称", "上级编码"]
    for r, values in enumerate([header, *rows]):
        for c, v in enumerate(values):
            if v is not None:
                ws.write(r, c, v)
    wb.close()
    return path


def run(*args: str) -> str:
    out = StringIO()
    call_command("nodes", *args, stdout=out)
    return out.getvalue()


# -- listing ------------------------------------------------------------------------------------------


def test_list_shows_code_name_level_parent_and_subtree_households(town: Town) -> None:
    text = run()
    assert "511923100201\t    创举社区\t社区(3)\t511923100000\t2" in text
    assert "共 11 个节点" in text
    rows = json.loads(run("--under", "511923100201", "--json"))
    assert rows[0] == {
        "code": "511923100201",
        "name": "创举社区",
        "label": "社区",
        "kind": "village",
        "depth": 3,
        "grid_level": 0,
        "parent_code": "511923100000",
        "households": 2,
        "residents": 3,
    }
    assert len(rows) == 6
    level5 = json.loads(run("--level", "5", "--json"))
    assert {r["code"] for r in level5} == {
        "511923100201001001",
        "511923100201001002",
        "511923100201002001",
        "511923100202001001",
    }
    assert {r["label"] for r in level5} == {"微网格"}
    county = json.loads(run("--level", "1", "--json"))
    assert county == [dict(county[0], households=3, parent_code="")]


def test_list_unknown_under_is_an_error(town: Town) -> None:
    with pytest.raises(CommandError, match="不存在"):
        run("--under", "123456789012")


# -- import -------------------------------------------------------------------------------------------


TREE_CSV = (
    # children before parents on purpose: creation is ordered topologically
    "微网格,511923100201001001,1号楼联户单元,511923100201001\n"
    "网格,511923100201001,第一网格,511923100201\n"
    "社区,511923100201,创举社区,511923100000\n"
    "镇,511923100000,江口镇,511923000000\n"
    "县,511923000000,平昌县,\n"
    "村,511923100202,白衣村,511923100000\n"
    ",511923100202001,白衣一组,511923100202\n"
)


def test_create_tree_from_csv(db: None, tmp_path: Path) -> None:
    report = import_nodes(actor=None, path=write_csv(tmp_path, TREE_CSV), edition=2024)
    assert report.ok, report.as_dict()
    assert len(report.created) == 7 and report.rows == 7
    micro = Node.objects.get(code="511923100201001001")
    assert micro.kind == "grid" and micro.grid_level == 2 and micro.label == "微网格"
    assert micro.code_edition == 2024
    assert Node.objects.get(code="511923100000").label == "镇"
    assert Node.objects.get(code="511923100202001").label == "网格"  # empty 层级: the default word
    assert Node.objects.get(code="511923000000").is_root()
    assert Node.objects.get_parent(Node.objects.get(code="511923100201")).code == "511923100000"


def test_create_tree_from_xlsx_with_text_and_numeric_cells(db: None, tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["县", 511923000000, "平昌县", None],  # a 12-digit number survives a float cell
        ["镇", "511923100000", "江口镇", 511923000000],
        ["社区", "511923100201", "创举社区", "511923100000"],
        ["网格", "511923100201001", "第一网格", "511923100201"],
        ["联户单元", "511923100201001001", "1号楼", "511923100201001"],
    ]
    report = import_nodes(actor=None, path=write_xlsx(tmp_path, rows))
    assert report.ok, report.as_dict()
    assert Node.objects.count() == 5
    assert Node.objects.get(code="511923100201001001").label == "联户单元"


def test_update_names_and_labels(town: Town, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, "村,511923100201,创举新村,511923100000\n网格,511923100201001,第一网格,511923100201\n"
    )
    report = import_nodes(actor=None, path=path)
    assert report.ok
    assert report.updated == ["511923100201"] and report.unchanged == 1
    village = Node.objects.get(code="511923100201")
    assert (village.name, village.label) == ("创举新村", "村")


def test_reparent_via_import_moves_the_grid(town: Town, tmp_path: Path) -> None:
    # 第二网格 moves from 创举社区 to 白衣村 (re-gridding); a new micro-grid is added under it.
    path = write_csv(
        tmp_path,
        "网格,511923100201002,第二网格,511923100202\n微网格,511923100201002002,5号楼,511923100201002\n",
    )
    report = import_nodes(actor=None, path=path, edition=2025)
    assert report.ok, report.as_dict()
    assert report.created == ["511923100201002002"]
    assert [(c.old_code, c.new_code) for c in report.moved] == [("511923100201002", "511923100202002")]
    grid = Node.objects.get(code="511923100202002")
    assert sorted(Node.objects.get_children(grid).values_list("code", flat=True)) == [
        "511923100202002001",
        "511923100202002002",
    ]
    assert NodeCodeChange.objects.filter(
        old_code="511923100201002002", new_code="511923100202002002"
    ).exists()
    out = run("--under", "511923100202", "--json")
    assert "511923100202002002" in out


def test_bad_rows_are_all_reported_and_nothing_is_written(town: Town, tmp_path: Path) -> None:
    before = sorted(Node.objects.values_list("code", "name", "path"))
    body = (
        "网格,511923100201003,新网格,511923100201\n"  # row 2: fine on its own
        ",,无编码,511923100201\n"  # row 3: code missing
        "网格,51192310020100X,字母,511923100201\n"  # row 4: not digits
        "网格,5119231002010041,四位,511923100201\n"  # row 5: 4-digit suffix
        "网格,511923100209001,孤儿,511923100209\n"  # row 6: unknown parent
        "网格,511923100201003,重复,511923100201\n"  # row 7: duplicate of row 2
        "网格,511923100201005,,511923100201\n"  # row 8: name missing
        "网格,511923100201006,甲,511923100201007\n"  # row 9: cycle with row 10
        "网格,511923100201007,乙,511923100201006\n"  # row 10
        "网格,511923100201001,第一网格,511923100201001001\n"  # row 11: into its own micro-grid
        "村,511923100202,白衣村,511923000000\n"  # row 12: admin node re-parented
        "网格,511923100000001,错层,511923100000\n"  # row 13: grid under a township
        "网格,511923100201002,第二网格,511923100000\n"  # row 14: grid moved under a township
        "网格,511923100201008,过长名称" + "名" * 100 + ",511923100201\n"  # row 15: name too long
    )
    report = import_nodes(actor=None, path=write_csv(tmp_path, body))
    assert not report.ok
    got = {(e.row, e.column, e.code) for e in report.errors}
    assert got == {
        (3, "编码", "code_required"),
        (4, "编码", "bad_node_code"),
        (5, "编码", "bad_node_code"),
        (6, "上级编码", "parent_missing"),
        (7, "编码", "duplicate_code"),
        (8, "名称", "name_required"),
        (9, "上级编码", "parent_cycle"),
        (10, "上级编码", "parent_cycle"),
        (11, "上级编码", "parent_cycle"),
        (12, "上级编码", "admin_move_needs_code"),
        (13, "编码", "bad_node_code"),
        (14, "上级编码", "bad_move_target"),
        (15, "名称", "name_too_long"),
    }
    messages = {e.row: e.render() for e in report.errors}
    assert messages[7] == "编码与第 2 行重复"
    assert "511923100209" in messages[6]
    assert sorted(Node.objects.values_list("code", "name", "path")) == before
    data = report.as_dict("zh-hans")
    assert data["ok"] is False and data["created"] == 0
    assert data["errors"][0] == {
        "row": 3,
        "column": "编码",
        "code": "code_required",
        "message": "编码不能为空",
    }


def test_codes_that_lost_precision_in_excel_are_rejected(db: None, tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["县", "511923000000", "平昌县", None],
        ["镇", "511923100000", "江口镇", "511923000000"],
        ["社区", "511923100201", "创举社区", "511923100000"],
        ["网格", "511923100201001", "第一网格", "511923100201"],
        ["微网格", 511923100201001001, "1号楼", "511923100201001"],  # 18 digits through a float cell
    ]
    report = import_nodes(actor=None, path=write_xlsx(tmp_path, rows))
    assert [(e.row, e.column, e.code) for e in report.errors] == [(6, "编码", "code_lost_precision")]
    assert not Node.objects.exists()


def test_missing_column_is_a_file_error(db: None, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("编码,名称\n511923000000,平昌县\n", encoding="utf-8")
    report = import_nodes(actor=None, path=path)
    assert report.file_error is not None and "上级编码" in report.file_error.message
    with pytest.raises(CommandError):
        run("import", str(path))


def test_cli_import_reports_rows_and_exits_nonzero(town: Town, tmp_path: Path) -> None:
    bad = write_csv(tmp_path, "网格,511923100201003,新网格,511923100299\n")
    err = StringIO()
    with pytest.raises(CommandError, match="未写入"):
        call_command("nodes", "import", str(bad), stdout=err)
    assert "第 2 行【上级编码】" in err.getvalue()
    good = write_csv(tmp_path, "网格,511923100201003,新网格,511923100201\n", name="good.csv")
    out = json.loads(run("import", str(good), "--json", "--edition", "2023"))
    assert out["ok"] and out["created_codes"] == ["511923100201003"]
    assert Node.objects.get(code="511923100201003").code_edition == 2023


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_round_trip_export_import_is_a_no_op(town: Town, tmp_path: Path, suffix: str) -> None:
    before = sorted(Node.objects.values_list("code", "name", "label", "path", "code_edition"))
    path = tmp_path / f"tree{suffix}"
    assert "已导出 11 个节点" in run("export", str(path))
    report = import_nodes(actor=None, path=path)
    assert report.ok, report.as_dict()
    assert (report.created, report.updated, report.moved, report.unchanged) == ([], [], [], 11)
    assert sorted(Node.objects.values_list("code", "name", "label", "path", "code_edition")) == before


def test_subtree_export_imports_into_an_empty_place(town: Town, tmp_path: Path) -> None:
    path = tmp_path / "sub.xlsx"
    assert export_nodes(path=path, under=town.other_village) == 3
    report = import_nodes(actor=None, path=path)
    assert report.ok and report.unchanged == 3
    assert Household.objects.count() == 3


def test_import_by_a_user_is_limited_to_their_manage_scope(town: Town, tmp_path: Path) -> None:
    body = (
        "网格,511923100201003,新网格,511923100201\n"  # row 2: inside 江口镇, fine for the street admin
        "县,511923000000,平昌县（改名）,\n"  # row 3: the county is above the street admin
        "县,511924000000,邻县,\n"  # row 4: a new root
    )
    path = write_csv(tmp_path, body)
    report = import_nodes(actor=town.street, path=path)
    assert {(e.row, e.column, e.code) for e in report.errors} == {
        (3, "编码", "forbidden"),
        (4, "上级编码", "forbidden"),
    }
    assert not Node.objects.filter(code="511923100201003").exists()
    ok = import_nodes(actor=town.street, path=write_csv(tmp_path, body.splitlines()[0] + "\n", name="ok.csv"))
    assert ok.ok and ok.created == ["511923100201003"]
    # a community secretary does not maintain the tree at all; an out-of-scope parent looks missing
    report = import_nodes(
        actor=town.secretary, path=write_csv(tmp_path, "网格,511923100201009,九,511923100201\n", name="s.csv")
    )
    assert [(e.column, e.code) for e in report.errors] == [("上级编码", "parent_missing")]


def test_listing_totals_equal_subtree_totals(town: Town) -> None:
    from sanzhi.grids.selectors import node_rows, subtree_totals
    from sanzhi.people.services import household_create

    household_create(actor=None, node=town.village, address="创举社区待划格")
    household_create(actor=None, node=town.grid, address="第一网格直挂")
    for under in (None, town.village, town.grid, town.other_micro):
        for row in node_rows(under=under):
            node = Node.objects.get(code=row.code)
            assert (row.households, row.residents) == (
                subtree_totals(node).households,
                subtree_totals(node).residents,
            ), row
