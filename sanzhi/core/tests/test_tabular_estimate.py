"""Table.estimated_rows: the row count an import decides its mode by, before reading the file."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from sanzhi.core.tabular import read_table


def test_small_csv_is_counted_exactly(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("姓名,电话\n" + "".join(f"张{i},1380000{i:04d}\n" for i in range(10)), encoding="utf-8")
    with read_table(path, required=["姓名"]) as table:
        assert table.estimated_rows == 10


def test_big_csv_is_estimated_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    body = "".join(f"张{i:06d},138{i:08d}\n" for i in range(50_000))
    path.write_text("姓名,电话\n" + body, encoding="utf-8")
    with read_table(path, required=["姓名"]) as table:
        assert 47_500 <= table.estimated_rows <= 52_500


def test_xlsx_is_estimated_from_the_sheet_part(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["姓名", "电话"])
    for i in range(1, 30_001):
        ws.write_row(i, 0, [f"张{i:06d}", f"138{i:08d}"])
    wb.close()
    with read_table(path, required=["姓名"]) as table:
        assert 28_500 <= table.estimated_rows <= 31_500
