"""The sheet scanner's plain-block path: a block whose rows are all inline strings (or all shared
strings) is read with one pattern, and gives exactly what the cell-by-cell path gives (which
test_xlsx holds to calamine); any block holding something else is read cell by cell."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest import mock

import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanzhi.core import xlsx_scan
from sanzhi.core.tests.test_xlsx import calamine, mine, trimmed
from sanzhi.core.xlsx_scan import RowScanner

# Text a registry file holds, and the characters XML must escape or that end a pattern's text.
TEXT = st.text(alphabet="户主张三李 0123456789Xx&<>\"'/", max_size=6)
CELL = st.one_of(st.none(), TEXT, st.integers(min_value=0, max_value=10**6))
ROWS = st.lists(st.lists(CELL, max_size=5), min_size=1, max_size=25)


def write(path: Path, rows: list[list[Any]], *, inline: bool, skip: set[int] | None = None) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": inline})
    ws = wb.add_worksheet()
    for r, cells in enumerate(rows):
        if skip and r in skip:
            continue  # a row missing from the file
        for c, value in enumerate(cells):
            if isinstance(value, str):
                ws.write_string(r, c, value)
            elif value is not None:
                ws.write_number(r, c, value)
    wb.close()
    return path


def cell_by_cell(path: Path) -> list[tuple[int, list[Any]]]:
    with mock.patch.object(RowScanner, "_plain", lambda self, block, prefix: None):
        return mine(path)


def plain_blocks(path: Path) -> tuple[list[tuple[int, list[Any]]], int]:
    """The rows, and how many blocks the plain path read."""
    taken = 0
    real = RowScanner._plain

    def spy(self: RowScanner, block: str, prefix: str) -> Any:
        nonlocal taken
        found = real(self, block, prefix)
        taken += found is not None
        return found

    with mock.patch.object(RowScanner, "_plain", spy):
        return mine(path), taken


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, inline=st.booleans(), gap=st.integers(min_value=0, max_value=30))
def test_plain_blocks_read_as_cell_by_cell(
    tmp_path: Path, rows: list[list[Any]], inline: bool, gap: int
) -> None:
    path = write(tmp_path / "p.xlsx", rows, inline=inline, skip={gap})
    with mock.patch.object(xlsx_scan, "BLOCK", 200):  # many blocks: most of them hold whole rows only
        assert mine(path) == cell_by_cell(path)


def test_text_sheets_take_the_plain_path_and_match_calamine(tmp_path: Path) -> None:
    rows = [
        [f"B{i:07d}", "户主" if i % 3 else None, f"张{i}", None if i % 7 else "", "511923"]
        for i in range(6000)
    ]
    for inline in (True, False):
        path = write(tmp_path / f"t{inline}.xlsx", rows, inline=inline, skip={17, 4000})
        found, taken = plain_blocks(path)
        assert taken >= 1, "no block went the plain way"
        assert found == cell_by_cell(path)
        assert trimmed(found) == calamine(path)
        assert found[0] == (1, ["B0000000", None, "张0", "", "511923"])


def test_one_cell_that_is_not_plain_sends_its_block_cell_by_cell(tmp_path: Path) -> None:
    rows: list[list[Any]] = [[f"R{i}", "text"] for i in range(6000)]
    rows[2500][1] = "A&B"  # an entity in the XML
    rows[2600][1] = 42  # a number among strings
    for inline in (True, False):
        path = write(tmp_path / f"m{inline}.xlsx", rows, inline=inline)
        found, taken = plain_blocks(path)
        assert taken >= 1
        assert found == cell_by_cell(path)
        assert found[2500] == (2501, ["R2500", "A&B"]) and found[2600] == (2601, ["R2600", 42])
