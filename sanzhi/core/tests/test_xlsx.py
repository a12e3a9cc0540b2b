"""The streaming .xlsx reader: the same rows and values as calamine, and the XML shapes other
writers produce (prefixes, missing references, rich text, escapes), on both of its parse paths."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from sanzhi.core.tabular import TabularError, read_table
from sanzhi.core.xlsx import XlsxError, XlsxSheet, is_date_format

# Spreadsheet cells carry no time zone: the reader returns naive datetimes, like calamine.
NAIVE_STAMP = dt.datetime(2020, 1, 2, 3, 4, 5)  # noqa: DTZ001


def mine(path: Path) -> list[tuple[int, list[Any]]]:
    sheet = XlsxSheet(path)
    try:
        return list(sheet.rows())
    finally:
        sheet.close()


def calamine(path: Path) -> list[tuple[int, list[Any]]]:
    """calamine's rows, numbered like Excel, with the conventions the reader documents applied:
    "" is a missing cell, trailing missing cells dropped, whole floats as int, bools as text."""
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    first_row, first_col = sheet.start or (0, 0)
    rows = []
    for offset, raw in enumerate(sheet.iter_rows()):
        cells: list[Any] = [None] * first_col
        for value in raw:
            v: Any = value
            if v == "" and isinstance(v, str):
                v = None
            elif isinstance(v, bool):
                v = "TRUE" if v else "FALSE"
            elif isinstance(v, float) and v.is_integer():
                v = int(v)
            cells.append(v)
        while cells and cells[-1] is None:
            cells.pop()
        if cells:  # calamine returns the whole range: a row missing from the file comes back empty
            rows.append((first_row + offset + 1, cells))
    return rows


def trimmed(rows: list[tuple[int, list[Any]]]) -> list[tuple[int, list[Any]]]:
    out = []
    for number, cells in rows:
        cells = [None if c == "" else c for c in cells]
        while cells and cells[-1] is None:
            cells.pop()
        if cells:
            out.append((number, cells))
    return out


def write_book(path: Path, *, constant_memory: bool) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    ws = wb.add_worksheet("户籍人口")
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    stamp = wb.add_format({"num_format": "yyyy/m/d h:mm"})
    clock = wb.add_format({"num_format": "hh:mm:ss"})
    percent = wb.add_format({"num_format": "0.00%"})
    ws.write_row(0, 0, ["姓名", "身份证号", "出生", "比例", "备注"])
    ws.write_string(1, 0, "张三")
    ws.write_number(1, 1, 511902198506150011)  # an ID typed as a number: already damaged
    ws.write_datetime(1, 2, dt.date(1985, 6, 15), date)
    ws.write_number(1, 3, 0.25, percent)
    ws.write_string(1, 4, '  A&B <c> "q"  ')
    # Row 3 is missing entirely (sparse), row 4 skips columns B and D.
    ws.write_string(3, 0, "李四")
    ws.write_datetime(3, 2, NAIVE_STAMP, stamp)
    ws.write_number(3, 4, 42)
    ws.write_boolean(4, 0, True)
    ws.write_formula(4, 1, '="51"&"0"', None, "510")
    ws.write_formula(4, 2, "=1+1", None, 2)
    ws.write_datetime(4, 3, dt.time(3, 4, 5), clock)
    ws.write_number(4, 4, 3.5)
    ws.write_string(6, 3, "王五")  # only a late column
    wb.close()
    return path


@pytest.mark.parametrize("constant_memory", [False, True], ids=["shared-strings", "inline-strings"])
def test_same_rows_and_values_as_calamine(tmp_path: Path, constant_memory: bool) -> None:
    path = write_book(tmp_path / "book.xlsx", constant_memory=constant_memory)
    names = zipfile.ZipFile(path).namelist()
    assert ("xl/sharedStrings.xml" in names) is not constant_memory
    ours = trimmed(mine(path))
    assert ours == calamine(path)
    by_row = dict(ours)
    damaged = int(float(511902198506150011))  # Excel's doubles keep 15-17 digits
    assert [n for n, _cells in ours] == [1, 2, 4, 5, 7]
    assert by_row[2] == ["张三", damaged, dt.date(1985, 6, 15), 0.25, '  A&B <c> "q"  ']
    assert by_row[4] == ["李四", None, NAIVE_STAMP, None, 42]
    assert by_row[5] == ["TRUE", "510", 2, dt.time(3, 4, 5), 3.5]
    assert by_row[7] == [None, None, None, "王五"]


def test_read_table_keeps_numbers_numbers_and_excel_row_numbers(tmp_path: Path) -> None:
    path = write_book(tmp_path / "book.xlsx", constant_memory=False)
    with read_table(path, required=["姓名", "身份证号"], optional=["出生", "备注"]) as table:
        rows = list(table)
    assert [r.number for r in rows] == [2, 4, 5]  # row 7 has no known column filled: skipped
    first = rows[0].values
    assert first["身份证号"] == int(float(511902198506150011)) and isinstance(first["身份证号"], int)
    assert first["出生"] == dt.date(1985, 6, 15)
    assert first["备注"] == 'A&B <c> "q"'  # stripped
    assert rows[1].values == {
        "姓名": "李四",
        "身份证号": None,
        "出生": NAIVE_STAMP,
        "备注": 42,
    }
    assert rows[2].values["姓名"] == "TRUE" and rows[2].values["身份证号"] == "510"


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><x:workbook xmlns:x="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<x:workbookPr date1904="1"/><x:sheets><x:sheet name="second file order" sheetId="2" r:id="rId7"/>'
    '<x:sheet name="other" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId7" Type="worksheet" Target="/xl/worksheets/data.xml"/></Relationships>'
)
SHARED = (
    '<?xml version="1.0" encoding="UTF-8"?><x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" count="3" uniqueCount="3"><x:si><x:t>户主</x:t></x:si>'
    '<x:si><x:r><x:rPr><x:b/></x:rPr><x:t>张</x:t></x:r><x:r><x:t xml:space="preserve">三 </x:t></x:r>'
    '<x:rPh sb="0" eb="1"><x:t>ちょう</x:t></x:rPh></x:si><x:si><x:t>a&amp;b&#x4E00;</x:t></x:si></x:sst>'
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8"?><x:styleSheet xmlns:x="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main"><x:numFmts count="1"><x:numFmt numFmtId="170" '
    'formatCode="[$-804]yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
    '</x:numFmts><x:cellStyleXfs count="1"><x:xf numFmtId="14"/></x:cellStyleXfs><x:cellXfs count="3">'
    '<x:xf numFmtId="0"/><x:xf numFmtId="170"/><x:xf numFmtId="49"/></x:cellXfs></x:styleSheet>'
)
SHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<x:cols><x:col min="1" max="3" width="9"/></x:cols><x:sheetData>\n'
    '  <x:row r="2" spans="1:3">\n'
    "    <x:c t='s' r='A2'><x:v>0</x:v></x:c>\n"
    '    <x:c r="B2" t="s" s="0"><x:v>1</x:v></x:c>\n'
    '    <x:c r="C2" t="inlineStr"><x:is><x:t xml:space="preserve"> 1&lt;2 </x:t></x:is></x:c>\n'
    "  </x:row>\n"
    '  <x:row r="3"/>\n'
    "  <x:row>"  # no r: the next row
    "<x:c><x:v>7</x:v></x:c>"  # no r either: the next column
    '<x:c t="s"><x:v>2</x:v></x:c>'
    '<x:c r="E4" s="1"><x:v>1</x:v></x:c>'  # a custom date format, 1904 system
    '<x:c r="F4" s="2"><x:v>12.5</x:v></x:c>'
    '<x:c r="G4" t="e"><x:v>#N/A</x:v></x:c>'
    '<x:c r="H4" t="d"><x:v>2021-03-04</x:v></x:c>'
    '<x:c r="I4"/>'
    '<x:c r="J4" t="str"><x:f>A1&amp;"x"</x:f><x:v>q&amp;x</x:v></x:c>'
    "</x:row>\n"
    '  <x:row r="10"><x:c r="AA10" t="inlineStr"><x:is><x:r><x:t>富</x:t></x:r><x:r><x:t>文本</x:t></x:r>'
    "</x:is></x:c></x:row>\n"
    '</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="A1:B1"/></x:mergeCells></x:worksheet>'
)
EXPECTED = [
    (2, ["户主", "张三 ", " 1<2 "]),
    (3, []),
    (4, [7, "a&b一", None, None, dt.date(1904, 1, 2), 12.5, "#N/A", dt.date(2021, 3, 4), None, "q&x"]),
    (10, [None] * 26 + ["富文本"]),
]


def write_package(path: Path, sheet: str = SHEET, shared: str = SHARED) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("xl/workbook.xml", WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", RELS)
        zf.writestr("xl/sharedStrings.xml", shared)
        zf.writestr("xl/styles.xml", STYLES)
        zf.writestr("xl/worksheets/sheet1.xml", SHEET.replace("户主", "not the first sheet"))
        zf.writestr("xl/worksheets/data.xml", sheet)
    return path


def test_other_writers_shapes_prefixes_rich_text_escapes_and_the_first_sheet(tmp_path: Path) -> None:
    assert mine(write_package(tmp_path / "p.xlsx")) == EXPECTED


def test_xml_the_fast_path_does_not_read_goes_through_expat_with_the_same_result(tmp_path: Path) -> None:
    # A comment in the middle of the sheet (and CDATA in the shared strings) switch parsers.
    sheet = SHEET.replace('<x:row r="10">', '<!-- a comment --><x:row r="10">')
    shared = SHARED.replace("<x:t>户主</x:t>", "<x:t><![CDATA[户主]]></x:t>")
    assert mine(write_package(tmp_path / "c.xlsx", sheet=sheet, shared=shared)) == EXPECTED


def test_blocks_boundaries_do_not_split_rows(tmp_path: Path) -> None:
    # Enough rows for many read blocks; multi-byte text so block edges fall inside characters.
    path = tmp_path / "big.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    for i in range(30_000):
        ws.write_string(i, 0, f"居民{i}号")
        ws.write_number(i, 2, i)
    wb.close()
    rows = mine(path)
    assert len(rows) == 30_000
    assert rows[-1] == (30_000, ["居民29999号", None, 29999])
    assert all(cells[0] == f"居民{n - 1}号" and cells[2] == n - 1 for n, cells in rows)


def test_not_a_workbook(tmp_path: Path) -> None:
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(XlsxError):
        XlsxSheet(tmp_path / "bad.xlsx")
    with zipfile.ZipFile(tmp_path / "empty.xlsx", "w") as zf:
        zf.writestr("hello.txt", "no workbook here")
    with pytest.raises(TabularError) as caught:
        read_table(tmp_path / "empty.xlsx", required=["姓名"])
    assert caught.value.code == "table_unreadable"
    broken = SHEET.replace('</x:row>\n  <x:row r="10">', '</x:row>\n  <x:row r="10"><x:c r="A10"><x:v>1</x')
    path = write_package(tmp_path / "broken.xlsx", sheet=broken.replace("<x:cols>", "<!-- -->" + "<x:cols>"))
    with pytest.raises(XlsxError):
        mine(path)


@pytest.mark.parametrize(
    ("code", "is_date"),
    [
        ("yyyy-mm-dd", True),
        ('[$-804]yyyy"年"m"月"d"日"', True),
        ("hh:mm:ss", True),
        ("[h]:mm", True),
        ("0.00%", False),
        ("General", False),
        ('0.0"m"', False),
        ("#,##0;[Red]-#,##0", False),
        ("@", False),
    ],
)
def test_date_formats(code: str, is_date: bool) -> None:
    assert is_date_format(code) is is_date


def test_rows_parsed_in_a_helper_process_are_the_same(tmp_path: Path) -> None:
    from sanzhi.core.xlsx_process import ProcessRows

    path = write_book(tmp_path / "book.xlsx", constant_memory=False)
    rows = ProcessRows(path, chunk=2)
    try:
        assert list(rows) == mine(path)
    finally:
        rows.close()
    required, optional = ["姓名", "身份证号"], ["出生", "备注"]
    with read_table(path, required=required, optional=optional, sheet_process=True) as table:
        in_helper = [(r.number, r.values) for r in table]
    with read_table(path, required=required, optional=optional) as table:
        assert in_helper == [(r.number, r.values) for r in table]


def test_helper_process_errors_and_early_close(tmp_path: Path) -> None:
    from sanzhi.core.xlsx_process import ProcessRows

    broken = SHEET.replace(
        "</x:sheetData>", "<x:row r='11'><x:c r='A11' t='s'><x:v>99</x:v></x:c></x:row></x:sheetData>"
    )
    path = write_package(tmp_path / "bad.xlsx", sheet=broken)  # a shared string that does not exist
    rows = ProcessRows(path)
    with pytest.raises(XlsxError):
        list(rows)
    rows.close()
    big = tmp_path / "big.xlsx"
    wb = xlsxwriter.Workbook(str(big), {"constant_memory": True})
    ws = wb.add_worksheet()
    for i in range(20_000):
        ws.write_string(i, 0, f"居民{i}")
    wb.close()
    rows = ProcessRows(big, chunk=100)
    assert next(iter(rows)) == (1, ["居民0"])
    rows.close()  # abandoned half-way: the helper is stopped
    assert not rows._process.is_alive()
