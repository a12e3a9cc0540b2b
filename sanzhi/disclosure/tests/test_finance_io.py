"""Finance lines import/export: yuan to fen, Chinese headers, xlsx and csv, per-row errors, and
nothing written when any row is bad."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town
from sanzhi.disclosure.finance_io import (
    COLUMNS,
    AmountError,
    export_lines,
    finance_lines_import,
    format_yuan,
    parse_yuan,
)
from sanzhi.disclosure.models import Area, Disclosure, FinanceLine
from sanzhi.disclosure.services import disclosure_correct, disclosure_draft, disclosure_publish
from sanzhi.disclosure.tests.core_kit import add_lines, finance_draft

pytestmark = pytest.mark.django_db

HEADER = ["日期", "收支", "摘要", "对方单位", "凭证号", "金额(元)", "备注"]
GOOD = ["2026-10-05", "收入", "停车场收费", "创举社区停车场", "记-101", "1,234.50", ""]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def lines_of(disclosure: Disclosure) -> list[tuple[Any, ...]]:
    return list(
        FinanceLine.objects.filter(disclosure=disclosure)
        .order_by("order", "id")
        .values_list("direction", "date", "item", "counterparty", "voucher_no", "amount_fen", "note")
    )


def test_columns_are_the_chinese_headers() -> None:
    assert COLUMNS == HEADER


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1,234.50", 123450),
        ("1234.5", 123450),
        ("12", 1200),
        ("0.05", 5),
        ("¥ 3,000", 300000),
        ("８８.８元", 8880),
        ("1,234,567.89", 123456789),
        (1234.5, 123450),
        (0.3, 30),
        (200, 20000),
    ],
)
def test_yuan_to_fen(text: Any, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1.234", "finance_amount_precision"),
        ("1.500", "finance_amount_precision"),
        (1.234, "finance_amount_precision"),
        ("-5", "finance_amount_negative"),
        ("(5.00)", "finance_amount_negative"),
        ("12,34", "finance_amount_invalid"),
        ("一百", "finance_amount_invalid"),
        ("1e3", "finance_amount_invalid"),
        (None, "finance_amount_required"),
        (dt.date(2026, 10, 1), "finance_amount_invalid"),
    ],
)
def test_bad_amounts(text: Any, code: str) -> None:
    with pytest.raises(AmountError) as refused:
        parse_yuan(text)
    assert refused.value.code == code


def test_format_yuan() -> None:
    assert [format_yuan(v) for v in (123450, 5, 100, 0)] == ["1234.50", "0.05", "1.00", "0.00"]


def test_csv_import_writes_every_line(town: Town, tmp_path: Path) -> None:
    draft = finance_draft(town)
    path = write_csv(
        tmp_path / "oct.csv",
        [
            HEADER,
            GOOD,
            ["2026/10/9", "支出", "办公用品", "", "", "88", "墨盒"],
            ["2026年10月31日", "支", "电费", "国网平昌供电公司", "记-102", "0.05", ""],
            ["", "", "", "", "", "", ""],  # a blank row Excel keeps at the end
        ],
    )
    report = finance_lines_import(actor=town.secretary, disclosure=draft, file=path)
    assert report.ok, report.as_dict()
    assert (report.rows, report.created) == (3, 3)
    assert lines_of(draft) == [
        ("income", dt.date(2026, 10, 5), "停车场收费", "创举社区停车场", "记-101", 123450, ""),
        ("expense", dt.date(2026, 10, 9), "办公用品", "", "", 8800, "墨盒"),
        ("expense", dt.date(2026, 10, 31), "电费", "国网平昌供电公司", "记-102", 5, ""),
    ]
    assert AuditEvent.objects.filter(action="disclosure.line.import", subject_id=str(draft.pk)).count() == 1


def test_import_appends_or_replaces(town: Town, tmp_path: Path) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    path = write_csv(
        tmp_path / "more.csv", [[*HEADER[:3], "金额（元）"], ["2026-10-06", "收入", "租金", "500"]]
    )
    assert finance_lines_import(actor=town.secretary, disclosure=draft, file=path).ok
    assert [row[5] for row in lines_of(draft)] == [123450, 50000, 50000]
    report = finance_lines_import(actor=town.secretary, disclosure=draft, file=path, replace=True)
    assert (report.ok, report.replaced, report.created) == (True, 3, 1)
    assert lines_of(draft) == [("income", dt.date(2026, 10, 6), "租金", "", "", 50000, "")]


@pytest.mark.parametrize(
    ("row", "column", "code"),
    [
        (["2026-10-05", "收入", "租金", "", "", "1.234", ""], "金额(元)", "finance_amount_precision"),
        (["2026-10-05", "收入", "租金", "", "", "-100", ""], "金额(元)", "finance_amount_negative"),
        (["2026-10-05", "收入", "租金", "", "", "", ""], "金额(元)", "finance_amount_required"),
        (["2026-10-05", "收入", "租金", "", "", "0", ""], "金额(元)", "finance_amount_not_positive"),
        (["2026-10-05", "收入", "租金", "", "", "abc", ""], "金额(元)", "finance_amount_invalid"),
        (["2026-10-32", "收入", "租金", "", "", "1", ""], "日期", "finance_date_invalid"),
        (["10/05/2026", "收入", "租金", "", "", "1", ""], "日期", "finance_date_invalid"),
        (["", "收入", "租金", "", "", "1", ""], "日期", "finance_date_required"),
        (["2026-11-01", "收入", "租金", "", "", "1", ""], "日期", "finance_date_outside_period"),
        (["2026-10-05", "借方", "租金", "", "", "1", ""], "收支", "finance_direction_invalid"),
        (["2026-10-05", "", "租金", "", "", "1", ""], "收支", "finance_direction_invalid"),
        (["2026-10-05", "收入", "", "", "", "1", ""], "摘要", "finance_item_required"),
        (["2026-10-05", "收入", "租金", "x" * 101, "", "1", ""], "对方单位", "disclosure_text_too_long"),
    ],
)
def test_a_bad_row_writes_nothing(town: Town, tmp_path: Path, row: list[str], column: str, code: str) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    before = lines_of(draft)
    path = write_csv(tmp_path / "bad.csv", [HEADER, GOOD, row, GOOD])
    report = finance_lines_import(actor=town.secretary, disclosure=draft, file=path)
    assert not report.ok and report.created == 0
    assert [(e.row, e.column, e.code) for e in report.errors] == [(3, column, code)]
    with translation.override("zh-hans"):
        message = report.as_dict()["errors"][0]["message"]
    assert message and not message.isascii()
    assert lines_of(draft) == before
    assert not AuditEvent.objects.filter(action="disclosure.line.import").exists()


def test_every_bad_row_is_reported_in_order(town: Town, tmp_path: Path) -> None:
    draft = finance_draft(town)
    path = write_csv(
        tmp_path / "bad.csv",
        [
            HEADER,
            ["2026-10-05", "收入", "租金", "", "", "-1", ""],
            GOOD,
            ["2026-13-01", "其他", "", "", "", "1.001", ""],
        ],
    )
    report = finance_lines_import(actor=town.secretary, disclosure=draft, file=path)
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "金额(元)"),
        (4, "日期"),
        (4, "收支"),
        (4, "摘要"),
        (4, "金额(元)"),
    ]
    assert report.as_dict()["errors"][0]["row"] == 2 and lines_of(draft) == []


def test_xlsx_with_typed_cells(town: Town, tmp_path: Path) -> None:
    draft = finance_draft(town)
    path = tmp_path / "oct.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("收支")
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, HEADER)
    sheet.write_datetime(1, 0, dt.date(2026, 10, 5), date_format)
    sheet.write_row(1, 1, ["收入", "停车场收费", "创举社区停车场"])
    sheet.write_number(1, 4, 101)  # a voucher number typed as a number
    sheet.write_number(1, 5, 1234.5)
    sheet.write_datetime(2, 0, dt.date(2026, 10, 6), date_format)
    sheet.write_row(2, 1, ["支出", "保洁服务费", "", "记-7"])
    sheet.write_number(2, 5, 3000)
    sheet.write_string(2, 6, "十月")
    workbook.close()
    report = finance_lines_import(actor=town.secretary, disclosure=draft, file=path)
    assert report.ok, report.as_dict()
    assert lines_of(draft) == [
        ("income", dt.date(2026, 10, 5), "停车场收费", "创举社区停车场", "101", 123450, ""),
        ("expense", dt.date(2026, 10, 6), "保洁服务费", "", "记-7", 300000, "十月"),
    ]


def test_xlsx_number_with_three_decimals_is_refused(town: Town, tmp_path: Path) -> None:
    draft = finance_draft(town)
    path = tmp_path / "bad.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, ["2026-10-05", "收入", "利息"])
    sheet.write_number(1, 5, 12.345)
    workbook.close()
    report = finance_lines_import(actor=town.secretary, disclosure=draft, file=path)
    assert [(e.row, e.code) for e in report.errors] == [(2, "finance_amount_precision")]
    assert lines_of(draft) == []


def test_gb18030_csv_and_an_upload(town: Town, tmp_path: Path) -> None:
    draft = finance_draft(town)
    path = write_csv(tmp_path / "gbk.csv", [HEADER, GOOD], encoding="gb18030")
    assert finance_lines_import(actor=town.secretary, disclosure=draft, file=path).created == 1
    upload = SimpleUploadedFile("上传.csv", path.read_bytes())
    assert finance_lines_import(actor=town.secretary, disclosure=draft, file=upload).created == 1
    assert [row[2] for row in lines_of(draft)] == ["停车场收费", "停车场收费"]


def test_file_errors(town: Town, tmp_path: Path) -> None:
    draft = finance_draft(town)
    missing = write_csv(tmp_path / "missing.csv", [["日期", "收支", "摘要"], ["2026-10-05", "收入", "x"]])
    report = finance_lines_import(actor=town.secretary, disclosure=draft, file=missing)
    assert report.file_error is not None and report.file_error.code == "table_missing_headers"
    empty = write_csv(tmp_path / "empty.csv", [HEADER])
    report = finance_lines_import(actor=town.secretary, disclosure=draft, file=empty)
    assert report.file_error is not None and report.file_error.code == "table_no_rows"
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    report = finance_lines_import(actor=town.secretary, disclosure=draft, file=tmp_path / "x.pdf")
    assert report.file_error is not None and report.file_error.code == "table_bad_extension"
    assert lines_of(draft) == []


def test_the_disclosure_itself_can_refuse(town: Town, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "ok.csv", [HEADER, GOOD])
    draft = finance_draft(town)
    with pytest.raises(Forbidden):
        finance_lines_import(actor=town.gridworker, disclosure=draft, file=path)
    party = disclosure_draft(actor=town.secretary, node=town.village, area=Area.PARTY, title="党费", body="x")
    with pytest.raises(ValidationFailed) as not_finance:
        finance_lines_import(actor=town.secretary, disclosure=party, file=path)
    assert not_finance.value.code == "disclosure_not_finance"
    add_lines(town, draft)
    disclosure_publish(actor=town.secretary, disclosure=draft)
    with pytest.raises(Conflict) as published:
        finance_lines_import(actor=town.secretary, disclosure=draft, file=path)
    assert published.value.code == "disclosure_published"
    # The way to change a published disclosure: correct it, and import into the correction.
    correction = disclosure_correct(actor=town.secretary, disclosure=draft, reason="漏记一笔收入")
    assert finance_lines_import(actor=town.secretary, disclosure=correction, file=path).created == 1
    assert len(lines_of(correction)) == 3 and len(lines_of(draft)) == 2


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_reads_back_unchanged(town: Town, tmp_path: Path, suffix: str) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    path = tmp_path / f"oct{suffix}"
    assert export_lines(disclosure=draft, path=path) == 2
    other = disclosure_draft(
        actor=town.secretary, node=town.village, area=Area.FINANCE, title="复核", period="2026-10", body="x"
    )
    report = finance_lines_import(actor=town.secretary, disclosure=other, file=path)
    assert report.ok, report.as_dict()
    assert lines_of(other) == lines_of(draft)
