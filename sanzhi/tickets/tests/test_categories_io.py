"""诉求分类导入/导出 and `sanzhi categories`: round trip, per-row errors, all-or-nothing."""

from __future__ import annotations

import csv
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from sanzhi.core.testing import Town
from sanzhi.tickets.categories import ensure_default_categories
from sanzhi.tickets.categories_io import COLUMNS, export_categories, export_rows, import_categories
from sanzhi.tickets.clock import limits_for
from sanzhi.tickets.models import Category, CategoryKind, CategoryLimit
from sanzhi.tickets.states import Level
from sanzhi.tickets.testing import TicketWorld

HEADER = ",".join(COLUMNS[:8]) + ",网格响应,网格办结,社区响应,社区办结\n"


@pytest.fixture(autouse=True)
def _default_categories(db: None) -> None:
    # A transactional (browser) test earlier in this process flushes the seeded tree.
    ensure_default_categories()


def _csv(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "categories.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def _snapshot() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for c in Category.objects.select_related("parent", "department").order_by("code"):
        limits = sorted((limit.level, limit.response_hours, limit.resolve_hours) for limit in c.limits.all())
        rows.append(
            (
                c.code,
                c.name,
                c.name_en,
                c.parent.code if c.parent else "",
                c.kind,
                c.department.code if c.department else "",
                c.grid_may_close,
                c.is_consultation,
                c.keywords,
                c.active,
                tuple(limits),
            )
        )
    return rows


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_import_is_a_round_trip(world: TicketWorld, tmp_path: Path, suffix: str) -> None:
    Category.objects.filter(code="E0102").update(department=world.urban, active=False)
    before = _snapshot()
    out = tmp_path / f"categories{suffix}"
    count = export_categories(path=out)
    assert count == Category.objects.count()
    report = import_categories(actor=None, path=out)
    assert report.ok, report.as_dict()
    assert report.created == [] and report.updated == [] and report.unchanged == count
    assert _snapshot() == before


def test_import_creates_and_updates_with_limits(world: TicketWorld, tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        "Q01,社区治理,,诉求,,否,否,,2,16,4,24\n"
        "Q0101,楼道堆物,Q01,,urban,是,否,楼道 堆物 杂物,,,,\n"
        "E0102,暴露垃圾（改）,E01,事件,,是,否,垃圾 清运,1,4,,\n",
    )
    report = import_categories(actor=world.town.street, path=path)
    assert report.ok, report.as_dict()
    assert report.created == ["Q01", "Q0101"] and report.updated == ["E0102"]
    sub = Category.objects.get(code="Q0101")
    assert (
        sub.parent is not None
        and sub.parent.code == "Q01"
        and sub.kind == CategoryKind.DEMAND
        and sub.department == world.urban
    )
    assert sub.grid_may_close and sub.keywords == "楼道 堆物 杂物"
    assert limits_for(sub, Level.COMMUNITY) == (Decimal(4), Decimal(24))  # from its top class
    litter = Category.objects.get(code="E0102")
    assert litter.name == "暴露垃圾（改）"
    assert {limit.level for limit in litter.limits.all()} == {Level.GRID}
    # 社区 columns present and empty: no own community limit (inherits 市容环境's).
    assert limits_for(litter, Level.COMMUNITY) == limits_for(
        Category.objects.get(code="E01"), Level.COMMUNITY
    )


def test_every_bad_row_is_reported_and_nothing_is_written(world: TicketWorld, tmp_path: Path) -> None:
    before = _snapshot()
    path = _csv(
        tmp_path,
        "N01,好的大类,,诉求,,否,否,,,,,\n"  # row 2: fine on its own
        "N 02,坏编码,,诉求,,否,否,,,,,\n"  # 3: code
        "N03,,,诉求,,否,否,,,,,\n"  # 4: name
        "N04,类别错,,天气,,否,否,,,,,\n"  # 5: kind
        "N05,上级不存在,NOPE,,,否,否,,,,,\n"  # 6: parent
        "N06,三级,E0102,,,否,否,,,,,\n"  # 7: parent is a subclass
        "N07,部门不存在,,诉求,ghost,否,否,,,,,\n"  # 8: department
        "N08,布尔错,,诉求,,也许,否,,,,,\n"  # 9: flag
        "N09,时限半填,,诉求,,否,否,,2,,,\n"  # 10: half a pair
        "N10,时限倒挂,,诉求,,否,否,,8,4,,\n"  # 11: resolve < response
        "N11,时限非数,,诉求,,否,否,,abc,4,,\n"  # 12: not a number
        "N01,重复,,诉求,,否,否,,,,,\n"  # 13: duplicate
        "E01,有下级的大类,D01,,,否,否,,,,,\n",  # 14: a top class with children cannot get a parent
    )
    report = import_categories(actor=None, path=path)
    assert not report.ok
    got = {(e.row, e.column, e.code) for e in report.errors}
    assert got == {
        (3, "编码", "bad_code"),
        (4, "名称", "name_required"),
        (5, "类别", "bad_kind"),
        (6, "上级编码", "parent_missing"),
        (7, "上级编码", "parent_not_top"),
        (8, "责任部门编码", "department_unknown"),
        (9, "网格可结案", "bad_flag"),
        (10, "网格办结", "limit_half"),
        (11, "网格办结", "resolve_before_response"),
        (12, "网格响应", "bad_hours"),
        (13, "编码", "duplicate_code"),
        (14, "上级编码", "has_children"),
    }
    assert [e.row for e in report.errors] == sorted(e.row for e in report.errors)
    assert all(e.render() for e in report.errors)
    assert _snapshot() == before


def test_import_needs_the_capability_and_the_columns(town: Town, tmp_path: Path) -> None:
    path = _csv(tmp_path, "M01,x,,诉求,,否,否,,,,,\n")
    report = import_categories(actor=town.secretary, path=path)
    assert report.file_error is not None and report.file_error.code == "forbidden"
    bad = _csv(tmp_path, "M01\n", header="编码\n")
    report = import_categories(actor=None, path=bad)
    assert report.file_error is not None and report.file_error.code == "table_missing_headers"
    assert not Category.objects.filter(code="M01").exists()


def test_an_import_moves_children_before_their_old_top_class_becomes_a_subclass(
    db: None, tmp_path: Path
) -> None:
    # D10 (其他诉求) has two subclasses: the file moves both under D09, so D10 may become one too.
    path = _csv(
        tmp_path,
        "D1001,意见建议,D09,,,否,否,,,,,\nD1002,表扬感谢,D09,,,是,否,,,,,\nD10,其他诉求,D09,,,否,否,,,,,\n",
    )
    report = import_categories(actor=None, path=path)
    assert report.ok, report.as_dict()
    for code in ("D10", "D1001"):
        parent = Category.objects.get(code=code).parent
        assert parent is not None and parent.code == "D09"


def test_cli_list_export_import(db: None, tmp_path: Path) -> None:
    out = StringIO()
    call_command("categories", stdout=out)
    text = out.getvalue()
    assert "E0401" in text and "突发事件" in text and "网格 0.5/2" in text
    target = tmp_path / "all.csv"
    call_command("categories", "export", str(target), stdout=StringIO())
    with target.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == COLUMNS and len(rows) == Category.objects.count() + 1
    assert rows == list(export_rows())
    good = _csv(tmp_path, "K01,新大类,,部件,,否,否,,2,8,,\n")
    out = StringIO()
    call_command("categories", "import", str(good), stdout=out)
    assert "新建 1" in out.getvalue()
    assert CategoryLimit.objects.filter(category__code="K01", level=Level.GRID).exists()
    bad = _csv(tmp_path, "K02,,,部件,,否,否,,,,,\n")
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("categories", "import", str(bad), stdout=out)
    assert exc.value.returncode == 1
    assert "第 2 行【名称】" in out.getvalue()
    assert not Category.objects.filter(code="K02").exists()
