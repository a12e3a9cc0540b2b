"""财务明细导入/导出: the income and expense lines of a finance draft in one sheet (.xlsx, or .csv in
UTF-8 or GB18030), the way a village accountant keeps them.

Columns: 日期, 收支, 摘要, 对方单位, 凭证号, 金额(元), 备注 (日期, 收支, 摘要 and 金额(元) required).
Amounts are yuan with at most two decimals ("1,234.50" → 123450 fen), always positive: 收支 says
which way the money went (收入 / 支出). Dates: 2026-10-05, 2026/10/5, 2026.10.5, 2026年10月5日 or
an Excel date cell, inside the disclosure's period.

All or nothing, like every Sanzhi import (sanzhi.points.rules_io): every row is checked first and
every bad row reported with its row number, column and a translated message; a clean file is
written in one transaction, after the lines already there (or instead of them, ``replace``).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import DomainError
from sanzhi.core.rowerrors import RowChecker, RowError, code_cell, row_message, text_cell
from sanzhi.core.tabular import Cell, Table, TabularError, read_table, read_table_bytes
from sanzhi.core.xlsx import write_text_xlsx
from sanzhi.disclosure.drafts import (
    COUNTERPARTY_MAX,
    ITEM_MAX,
    NOTE_MAX,
    VOUCHER_MAX,
    LineFields,
    clean_amount_fen,
    clean_direction,
    clean_line_date,
    clean_text,
    lock_draft,
)
from sanzhi.disclosure.models import Disclosure, FinanceDirection, FinanceLine

COL_DATE, COL_DIRECTION, COL_ITEM, COL_COUNTERPARTY = "日期", "收支", "摘要", "对方单位"
COL_VOUCHER, COL_AMOUNT, COL_NOTE = "凭证号", "金额(元)", "备注"
REQUIRED = [COL_DATE, COL_DIRECTION, COL_ITEM, COL_AMOUNT]
OPTIONAL = [COL_COUNTERPARTY, COL_VOUCHER, COL_NOTE]
COLUMNS = [COL_DATE, COL_DIRECTION, COL_ITEM, COL_COUNTERPARTY, COL_VOUCHER, COL_AMOUNT, COL_NOTE]
MAX_ROWS = 5000

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_YUAN = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")
_WIDE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_MINUS = ("-", "−", "(")


@dataclass
class FinanceImportReport:
    """What an import did (``created`` lines) or why it wrote nothing (row errors, file error)."""

    rows: int = 0
    created: int = 0
    replaced: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.file_error is None

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        with translation.override(lang or translation.get_language()):
            return {
                "ok": self.ok,
                "rows": self.rows,
                "created": self.created,
                "replaced": self.replaced,
                "file_error": self.file_error.as_dict() if self.file_error else None,
                "errors": [e.as_dict() for e in self.errors],
            }


# ---------------------------------------------------------------- cells


def parse_date(value: Cell) -> dt.date | None:
    """A date cell or text; None when it is not a real date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    match = _DATE.match(value.translate(_WIDE).strip())
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


class AmountError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message  # a gettext_noop template


_AMOUNT_INVALID = gettext_noop("金额格式不正确，请填写以元为单位的数字，如 1,234.50")
_AMOUNT_NEGATIVE = gettext_noop("金额不能为负数；支出请在“收支”中填写“支出”，金额填正数")
_AMOUNT_PRECISION = gettext_noop("金额最多保留两位小数（到分）")


def parse_yuan(value: Cell) -> int:
    """Yuan (text or a number cell) to fen; AmountError on anything that is not a clean amount."""
    if value is None:
        raise AmountError("finance_amount_required", gettext_noop("请填写金额"))
    if isinstance(value, (bool, dt.date, dt.datetime)):
        raise AmountError("finance_amount_invalid", _AMOUNT_INVALID)
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        # repr is the shortest text that reads back as the same float: 1234.5, not 1234.4999…
        number = Decimal(repr(value))
        if not number.is_finite():
            raise AmountError("finance_amount_invalid", _AMOUNT_INVALID)
    else:
        text = str(value).translate(_WIDE).replace(" ", "").strip()
        text = text.removeprefix("¥").removeprefix("￥").removesuffix("元").replace("，", ",")
        text = text.translate(_WIDE)
        if text.startswith(_MINUS):
            raise AmountError("finance_amount_negative", _AMOUNT_NEGATIVE)
        text = text.removeprefix("+")
        match = _YUAN.match(text)
        if match is None:
            raise AmountError("finance_amount_invalid", _AMOUNT_INVALID)
        if match[1] is not None and len(match[1]) > 2:
            raise AmountError("finance_amount_precision", _AMOUNT_PRECISION)
        try:
            number = Decimal(text.replace(",", ""))
        except InvalidOperation:
            raise AmountError("finance_amount_invalid", _AMOUNT_INVALID) from None
    if number < 0:
        raise AmountError("finance_amount_negative", _AMOUNT_NEGATIVE)
    fen = number * 100
    if fen != fen.to_integral_value():
        raise AmountError("finance_amount_precision", _AMOUNT_PRECISION)
    return int(fen)


def format_yuan(fen: int) -> str:
    """123450 → "1234.50" (what the export writes and the import reads back)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


# ---------------------------------------------------------------- import


def _fail(check: RowChecker, row: int, column: str, exc: DomainError) -> None:
    message = exc._message
    check.fail(row, column, exc.code, lambda: str(message))


def _open(file: Any) -> Table:
    if isinstance(file, (str, Path)):
        return read_table(Path(file), required=REQUIRED, optional=OPTIONAL)
    name = str(getattr(file, "name", "") or "")
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read()
    return read_table_bytes(data, filename=name, required=REQUIRED, optional=OPTIONAL)


def _read(
    table: Table, disclosure: Disclosure, check: RowChecker, report: FinanceImportReport
) -> list[LineFields]:
    lines: list[LineFields] = []
    for row in table:
        report.rows += 1
        if report.rows > MAX_ROWS:
            table.close()
            raise TabularError(
                _("一次最多导入 {n} 行").format(n=MAX_ROWS),
                code="table_too_many_rows",
                data={"max": MAX_ROWS},
            )
        v, n = row.values, row.number
        errors_before = len(check.errors)
        values: dict[str, Any] = {}
        day = parse_date(v.get(COL_DATE))
        if v.get(COL_DATE) is None:
            check.fail(n, COL_DATE, "finance_date_required", row_message(gettext_noop("请填写日期")))
        elif day is None:
            check.fail(
                n,
                COL_DATE,
                "finance_date_invalid",
                row_message(
                    gettext_noop("日期“{value}”无效，请填写如 2026-10-05 的日期"),
                    value=text_cell(v.get(COL_DATE)),
                ),
            )
        else:
            try:
                values["date"] = clean_line_date(day, disclosure)
            except DomainError as exc:
                _fail(check, n, COL_DATE, exc)
        try:
            values["direction"] = clean_direction(text_cell(v.get(COL_DIRECTION)))
        except DomainError as exc:
            _fail(check, n, COL_DIRECTION, exc)
        for column, name, limit in (
            (COL_ITEM, "item", ITEM_MAX),
            (COL_COUNTERPARTY, "counterparty", COUNTERPARTY_MAX),
            (COL_NOTE, "note", NOTE_MAX),
        ):
            try:
                values[name] = clean_text(
                    text_cell(v.get(column)), limit=limit, field=name, required=name == "item"
                )
            except DomainError as exc:
                _fail(check, n, column, exc)
        voucher, exact = code_cell(v.get(COL_VOUCHER))
        if not exact:
            check.fail(
                n,
                COL_VOUCHER,
                "code_lost_precision",
                row_message(gettext_noop("凭证号按数字保存，已丢失末位数字，请把该列设为文本格式")),
            )
        else:
            try:
                values["voucher_no"] = clean_text(voucher, limit=VOUCHER_MAX, field="voucher_no")
            except DomainError as exc:
                _fail(check, n, COL_VOUCHER, exc)
        try:
            values["amount_fen"] = clean_amount_fen(parse_yuan(v.get(COL_AMOUNT)))
        except AmountError as exc:
            check.fail(n, COL_AMOUNT, exc.code, row_message(exc.message))
        except DomainError as exc:
            _fail(check, n, COL_AMOUNT, exc)
        if len(check.errors) == errors_before:
            lines.append(LineFields(**values))
    return lines


def finance_lines_import(
    *, actor: Any, disclosure: Disclosure, file: Any, replace: bool = False
) -> FinanceImportReport:
    """Add the lines of ``file`` (a path, or an uploaded file with a name) to a finance draft; on
    any bad row nothing is written. Refusals of the disclosure itself (no permission, already
    published, not finance) raise; problems of the file are in the report."""
    with transaction.atomic():
        lock_draft(actor=actor, disclosure=disclosure, finance=True)
    report = FinanceImportReport()
    check = RowChecker(report.errors)
    try:
        table = _open(file)
        lines = _read(table, disclosure, check, report)
    except TabularError as exc:
        report.file_error = exc
        return report
    if report.errors:
        check.sort(COLUMNS)
        return report
    if not lines:
        report.file_error = TabularError(_("文件中没有收支明细"), code="table_no_rows")
        return report
    _apply(actor=actor, disclosure=disclosure, lines=lines, replace=replace, report=report)
    return report


@transaction.atomic
def _apply(
    *, actor: Any, disclosure: Disclosure, lines: list[LineFields], replace: bool, report: FinanceImportReport
) -> None:
    locked = lock_draft(actor=actor, disclosure=disclosure, finance=True)
    existing = FinanceLine.objects.filter(disclosure=locked)
    if replace:
        report.replaced, _deleted = existing.delete()
        start = 0
    else:
        start = existing.aggregate(m=Max("order"))["m"] or 0
    FinanceLine.objects.bulk_create(
        FinanceLine(
            disclosure=locked,
            order=start + i,
            direction=line.direction,
            date=line.date,
            item=line.item,
            counterparty=line.counterparty,
            voucher_no=line.voucher_no,
            amount_fen=line.amount_fen,
            note=line.note,
        )
        for i, line in enumerate(lines, start=1)
    )
    report.created = len(lines)
    audit_record(
        actor=actor,
        action="disclosure.line.import",
        subject=locked,
        node_path=locked.node_path,
        data={"rows": report.rows, "created": report.created, "replaced": report.replaced},
    )


# ---------------------------------------------------------------- export


def export_rows(disclosure: Disclosure) -> list[list[str]]:
    """The header and one row per line, all text (what the import reads back unchanged)."""
    labels = {FinanceDirection.INCOME: "收入", FinanceDirection.EXPENSE: "支出"}
    rows = [list(COLUMNS)]
    for line in FinanceLine.objects.filter(disclosure=disclosure).order_by("order", "id"):
        rows.append(
            [
                line.date.isoformat(),
                labels[FinanceDirection(line.direction)],
                line.item,
                line.counterparty,
                line.voucher_no,
                format_yuan(line.amount_fen),
                line.note,
            ]
        )
    return rows


def export_lines(*, disclosure: Disclosure, path: Path | str) -> int:
    """Write the lines to .xlsx (text cells) or .csv (UTF-8 with BOM, for Excel); returns how many."""
    path = Path(path)
    rows = export_rows(disclosure)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
    else:
        write_text_xlsx(path, rows, sheet=_("收支明细"), widths=[12, 6, 40, 24, 12, 14, 24], freeze=(1, 0))
    return len(rows) - 1


__all__ = [
    "COLUMNS",
    "FinanceImportReport",
    "export_lines",
    "export_rows",
    "finance_lines_import",
    "format_yuan",
    "parse_yuan",
]
