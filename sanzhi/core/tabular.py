"""The one reader for every spreadsheet import (户籍人口, 网格节点 …): .csv, .xlsx, .xls, .ods.

``read_table`` opens the file, finds the header row and checks the headers at once (so a wrong file
fails before any work); iterating the returned ``Table`` then streams the data rows:

    table = read_table(path, required=["姓名", "身份证号"], optional=["联系电话"])
    for row in table:            # Row(number=2, values={"姓名": "张三", ...})
        ...

Row numbers are the ones the user sees in Excel (header = row 1). Only known columns (required +
optional) appear in ``Row.values``; text is stripped and an empty cell is ``None``. Rows whose known
cells are all empty are skipped (Excel keeps formatted blank rows at the end of a sheet).

Spreadsheet numbers keep their type so a caller can tell that a cell was a number (an ID number
stored as a number has already lost its last digits); whole floats come back as ``int``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import itertools
import operator
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from sanzhi.core.errors import ValidationFailed
from sanzhi.core.xlsx import XlsxError, XlsxSheet

Cell = str | int | float | dt.date | dt.datetime | None

CSV_EXTENSIONS = frozenset({".csv", ".txt"})
SHEET_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"})
# Office Open XML sheets are streamed by core.xlsx; the others (.xls, .xlsb, .ods) go to calamine,
# which loads the whole sheet (fine for the sizes those formats are used at).
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
_SNIFF_BYTES = 1 << 16
# Header cells: full-width to half-width, no spaces; a leading/trailing * (the usual "required"
# marker in Chinese templates) is ignored.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HEADER_DROP = {ord(c): None for c in " \t\r\n\u00a0\u3000\u200b\ufeff"}


# Any whitespace in a column's cells (joined): a column without any has nothing to strip. (One
# character class scans fast; a pattern for whitespace at the cells' ends took several times longer.)
_SPACE = re.compile(r"\s").search


class TabularError(ValidationFailed):
    default_code = "table_invalid"


class Row:
    """One data row: ``number`` as shown in the spreadsheet, ``values`` keyed by header name."""

    __slots__ = ("number", "values")

    def __init__(self, number: int, values: dict[str, Cell]) -> None:
        self.number = number
        self.values = values

    def __repr__(self) -> str:
        return f"Row({self.number}, {self.values!r})"


def header_key(text: object) -> str:
    return str(text or "").translate(_FULLWIDTH).translate(_HEADER_DROP).strip("*")


class Batch:
    """Consecutive data rows in column form: ``numbers[i]`` is the row of ``columns[name][i]``."""

    __slots__ = ("columns", "numbers")

    def __init__(self, numbers: list[int], columns: dict[str, list[Cell]]) -> None:
        self.numbers = numbers
        self.columns = columns

    def __len__(self) -> int:
        return len(self.numbers)

    def rows(self) -> Iterator[Row]:
        """The same rows one by one, as iterating the table gives them."""
        names = list(self.columns)
        for number, cells in zip(self.numbers, zip(*self.columns.values(), strict=True), strict=True):
            yield Row(number, dict(zip(names, cells, strict=True)))


class Table:
    """Headers found and a one-shot stream of data rows. Close it (or use ``with``) if not exhausted."""

    def __init__(
        self,
        *,
        path: Path,
        columns: list[str],
        index: list[tuple[str, int]],
        rows: Iterator[tuple[int, Sequence[Any]]],
        closer: Any = None,
        text_cells: bool,
        stream_cells: bool = False,
    ) -> None:
        self.path = path
        self.columns = columns
        self._index = index
        self._rows = rows
        self._closer = closer
        self._text_cells = text_cells
        self._stream_cells = stream_cells
        self._consumed = False
        self._csv_reader: Any = None
        self.estimated_rows = 0  # data rows, estimated from the file's size before reading it

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._closer is not None:
            self._closer.close()
            self._closer = None

    def __iter__(self) -> Iterator[Row]:
        if self._consumed:
            raise RuntimeError("a Table can be iterated only once")
        self._consumed = True
        try:
            if self._text_cells:
                yield from self._iter_text()
            elif self._stream_cells:
                yield from self._iter_stream()
            else:
                yield from self._iter_typed()
        finally:
            self.close()

    def batches(self, size: int = 2_000) -> Iterator[Batch]:
        """The data rows in column form, ``size`` rows at a time (the same rows, numbers and cell
        values as iterating the table). For callers that check whole columns at once."""
        if self._consumed:
            raise RuntimeError("a Table can be iterated only once")
        if not (self._text_cells or self._stream_cells):
            names = [name for name, _i in self._index]
            rows = iter(self)
            while chunk := list(itertools.islice(rows, size)):
                values = [r.values for r in chunk]
                yield Batch([r.number for r in chunk], {name: [v[name] for v in values] for name in names})
            return
        self._consumed = True
        try:
            yield from self._batches_raw(size)
        except UnicodeDecodeError as exc:
            raise self._encoding_error(exc) from None
        except csv.Error as exc:
            raise self._csv_error(exc) from None
        except XlsxError as exc:
            raise _unreadable_sheet(self.path, exc) from None
        finally:
            self.close()

    def _batches_raw(self, size: int) -> Iterator[Batch]:
        # CSV and streamed .xlsx: one C-level transpose of a chunk of records and a few scans per
        # column, instead of a dict per row.
        index = self._index
        names = [name for name, _i in index]
        positions = [i for _name, i in index]
        needed = max(positions) + 1
        filler = "" if self._text_cells else None
        while chunk := list(itertools.islice(self._rows, size)):
            numbers_in, raws = zip(*chunk, strict=True)
            numbers = list(numbers_in)
            if min(map(len, raws)) < needed:  # short records: as if the missing cells were empty
                raws = tuple(r if len(r) >= needed else [*r, *[filler] * (needed - len(r))] for r in raws)
            every = list(zip(*raws, strict=False))  # (cut to the shortest record)
            columns = [_column(every[i]) for i in positions]
            if all(None in col for col in columns):  # maybe a blank record: skipped, as when iterating
                filled = [any(v is not None for v in cells) for cells in zip(*columns, strict=True)]
                if not all(filled):
                    numbers = [n for n, keep in zip(numbers, filled, strict=True) if keep]
                    columns = [[v for v, keep in zip(col, filled, strict=True) if keep] for col in columns]
                    if not numbers:
                        continue
            yield Batch(numbers, dict(zip(names, columns, strict=True)))

    def _encoding_error(self, exc: UnicodeDecodeError) -> TabularError:
        return TabularError(
            _("文件编码无法识别（第 {row} 行附近），请另存为 UTF-8 或 GB18030 编码的 CSV").format(
                row=self._last_number()
            ),
            code="table_bad_encoding",
            data={"reason": str(exc)},
        )

    @staticmethod
    def _csv_error(exc: csv.Error) -> TabularError:
        return TabularError(
            _("CSV 文件格式错误：{reason}").format(reason=str(exc)),
            code="table_unreadable",
            data={"reason": str(exc)},
        )

    def _iter_text(self) -> Iterator[Row]:
        # The hot loop for CSV: every cell is a str, so one strip per known column and nothing else.
        index = self._index
        names = [name for name, _i in index]
        positions = [i for _name, i in index]
        # One C-level pick of the known cells per row (a record as wide as the header, the usual
        # case); shorter records take the general loop.
        pick = operator.itemgetter(*positions) if len(positions) > 1 else None
        needed = max(positions) + 1
        try:
            for number, raw in self._rows:
                if pick is not None and len(raw) >= needed:
                    cells = [v.strip() or None for v in pick(raw)]
                    if any(cells):
                        yield Row(number, dict(zip(names, cells, strict=True)))
                    continue
                width = len(raw)
                values: dict[str, Cell] = {}
                filled = False
                for name, i in index:
                    v = raw[i].strip() if i < width else ""
                    if v:
                        values[name] = v
                        filled = True
                    else:
                        values[name] = None
                if filled:
                    yield Row(number, values)
        except UnicodeDecodeError as exc:
            raise self._encoding_error(exc) from None
        except csv.Error as exc:
            raise self._csv_error(exc) from None

    def _last_number(self) -> int:
        return int(getattr(self._csv_reader, "line_num", 0))

    def _iter_stream(self) -> Iterator[Row]:
        # The streaming .xlsx reader already typed the cells (numbers, dates): only text is stripped.
        index = self._index
        try:
            for number, raw in self._rows:
                width = len(raw)
                values: dict[str, Cell] = {}
                filled = False
                for name, i in index:
                    v = raw[i] if i < width else None
                    if isinstance(v, str):
                        v = v.strip() or None
                    elif v is not None:
                        v = _cell(v)
                    values[name] = v
                    if v is not None:
                        filled = True
                if filled:
                    yield Row(number, values)
        except XlsxError as exc:
            raise _unreadable_sheet(self.path, exc) from None

    def _iter_typed(self) -> Iterator[Row]:
        index = self._index
        for number, raw in self._rows:
            width = len(raw)
            values: dict[str, Cell] = {}
            filled = False
            for name, i in index:
                v = _cell(raw[i]) if i < width else None
                values[name] = v
                if v is not None:
                    filled = True
            if filled:
                yield Row(number, values)


def _column(cells: Sequence[Any]) -> list[Cell]:
    """One column of a chunk as ``_cell`` gives each cell (text stripped, empty text None), with
    C-level scans for the usual all-text column."""
    kinds = set(map(type, cells))
    if kinds == {str}:
        # strip only a column that has a cell to strip: one scan of the joined column
        column: list[Cell] = list(map(str.strip, cells)) if _SPACE("".join(cells)) else list(cells)
        return [v or None for v in column] if "" in column else column
    return [_cell(v) for v in cells]


def _cell(value: Any) -> Cell:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, (int, dt.date)):  # datetime is a date subclass
        return value
    text = str(value).strip()  # time, timedelta: shown as typed
    return text or None


def _fail(message: str, code: str, **data: Any) -> TabularError:
    return TabularError(message, code=code, data=data)


def _bad_encoding() -> str:
    return _("文件编码无法识别，请另存为 UTF-8 或 GB18030 编码的 CSV")


def _detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=len(head) < _SNIFF_BYTES)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # GB18030 is a superset of GBK/GB2312, which is what Excel in a Chinese locale writes.
        codecs.getincrementaldecoder("gb18030")().decode(head, final=len(head) < _SNIFF_BYTES)
        return "gb18030"
    except UnicodeDecodeError:
        raise _fail(_bad_encoding(), "table_bad_encoding") from None


def _open_csv(path: Path) -> tuple[list[str], Iterator[tuple[int, Sequence[Any]]], IO[str], Any]:
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
    except OSError as exc:
        raise _fail(
            _("无法读取文件 {name}：{reason}").format(name=path.name, reason=exc.strerror or exc),
            "table_unreadable",
            file=path.name,
        ) from None
    if not head.strip():
        raise _fail(_("文件是空的"), "table_empty")
    encoding = _detect_encoding(head)
    first_line = head.split(b"\n", 1)[0]
    delimiter = "\t" if b"\t" in first_line and b"," not in first_line else ","
    text = path.open("r", encoding=encoding, newline="", errors="strict")
    reader = csv.reader(text, delimiter=delimiter)
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error):
        text.close()
        raise _fail(_bad_encoding(), "table_bad_encoding") from None
    if header is None:
        text.close()
        raise _fail(_("文件是空的"), "table_empty")
    # csv records are Excel rows (a quoted newline stays inside its cell), so numbering is by record.
    return header, enumerate(reader, start=2), text, reader


def _estimate_csv_rows(path: Path) -> int:
    """Data rows of a CSV file, from its size and the line length of its first 64 KiB."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    lines = head.count(b"\n")
    if len(head) >= size:
        return max(0, lines - 1 + (0 if head.endswith(b"\n") else 1))
    return int(size * lines / len(head)) if lines else 0


def _unreadable_sheet(path: Path, exc: Exception) -> TabularError:
    return _fail(
        _("无法读取文件 {name}，请确认它是有效的 Excel 文件").format(name=path.name),
        "table_unreadable",
        file=path.name,
        reason=str(exc),
    )


def _open_xlsx(
    path: Path, sheet_process: bool = False
) -> tuple[list[Any], Iterator[tuple[int, Sequence[Any]]], Any]:
    """Stream the first sheet (flat memory at any size); the header is the first non-empty row.
    ``sheet_process``: the XML is parsed in a helper process (core.xlsx_process)."""
    try:
        sheet = XlsxSheet(path)
    except XlsxError as exc:
        raise _unreadable_sheet(path, exc) from None
    rows: Any
    if sheet_process:
        from sanzhi.core.xlsx_process import ProcessRows

        rows = ProcessRows(path)
    else:
        rows = sheet.rows()
    try:
        for _number, raw in rows:
            if any(_cell(v) is not None for v in raw):
                return list(raw), rows, _SheetCloser(sheet, rows)
    except XlsxError as exc:
        _SheetCloser(sheet, rows).close()
        raise _unreadable_sheet(path, exc) from None
    _SheetCloser(sheet, rows).close()
    raise _fail(_("文件是空的"), "table_empty")


class _SheetCloser:
    def __init__(self, sheet: XlsxSheet, rows: Iterator[Any]) -> None:
        self._sheet = sheet
        self._rows = rows

    def close(self) -> None:
        close_rows = getattr(self._rows, "close", None)
        if close_rows is not None:
            close_rows()
        self._sheet.close()


def _open_sheet(path: Path) -> tuple[list[Any], Iterator[tuple[int, Sequence[Any]]], Any, int]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception as exc:  # calamine raises several unrelated types for a corrupt/foreign file
        raise _fail(
            _("无法读取文件 {name}，请确认它是有效的 Excel 文件").format(name=path.name),
            "table_unreadable",
            file=path.name,
            reason=str(exc),
        ) from None
    # calamine starts the range at the first used cell; its row offset keeps our numbers equal to
    # the row numbers Excel shows.
    start_row = (sheet.start or (0, 0))[0]
    numbered = enumerate(rows, start=start_row + 1)
    for _number, raw in numbered:
        if any(_cell(v) is not None for v in raw):
            return list(raw), numbered, workbook, max(0, int(getattr(sheet, "height", 0) or 0) - 1)
    workbook.close()
    raise _fail(_("文件是空的"), "table_empty")


def read_table(
    path: Path, *, required: Sequence[str], optional: Sequence[str] = (), sheet_process: bool = False
) -> Table:
    """Open ``path`` and check its header row; raises TabularError (a ValidationFailed).
    ``sheet_process``: an .xlsx sheet's XML is parsed in a helper process (big imports)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise _fail(_("文件 {name} 不存在").format(name=path.name), "table_missing_file", file=path.name)
    if suffix in CSV_EXTENSIONS:
        header, rows, closer, csv_reader = _open_csv(path)
        text_cells = True
        estimate = _estimate_csv_rows(path)
    elif suffix in XLSX_EXTENSIONS:
        header, rows, closer = _open_xlsx(path, sheet_process)
        text_cells, csv_reader = False, None
        estimate = closer._sheet.estimate_rows()
    elif suffix in SHEET_EXTENSIONS:
        header, rows, closer, estimate = _open_sheet(path)
        text_cells, csv_reader = False, None
    else:
        raise _fail(
            _("不支持的文件类型 {ext}，请使用 .xlsx 或 .csv").format(ext=suffix or "?"),
            "table_bad_extension",
            extension=suffix,
        )
    try:
        table = _make_table(path, header, rows, closer, text_cells, required, optional)
        table._csv_reader = csv_reader
        table.estimated_rows = estimate
        return table
    except TabularError:
        if closer is not None:
            closer.close()
        raise


def _make_table(
    path: Path,
    header: Sequence[Any],
    rows: Iterator[tuple[int, Sequence[Any]]],
    closer: Any,
    text_cells: bool,
    required: Sequence[str],
    optional: Sequence[str],
) -> Table:
    known = {header_key(name): name for name in [*required, *optional]}
    columns: list[str] = []
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    for i, cell in enumerate(header):
        key = header_key(cell)
        if not key:
            continue
        name = known.get(key, key)
        if name in positions:
            duplicates.append(name)
            continue
        positions[name] = i
        columns.append(name)
    if not columns:
        raise _fail(_("第 1 行没有表头"), "table_no_header")
    if duplicates:
        raise _fail(
            _("表头重复：{names}").format(names="、".join(duplicates)),
            "table_duplicate_headers",
            duplicates=duplicates,
        )
    missing = [name for name in required if name not in positions]
    if missing:
        raise _fail(
            _("缺少必需的列：{names}").format(names="、".join(missing)),
            "table_missing_headers",
            missing=missing,
            found=columns,
        )
    index = [(name, positions[name]) for name in [*required, *optional] if name in positions]
    return Table(
        path=path,
        columns=columns,
        index=index,
        rows=rows,
        closer=closer,
        text_cells=text_cells,
        stream_cells=isinstance(closer, _SheetCloser),
    )


def read_table_bytes(
    data: bytes, *, filename: str, required: Sequence[str], optional: Sequence[str] = ()
) -> Table:
    """For uploads: spill to a temporary file (the sheet readers and the CSV sniffer want a path)."""
    import tempfile

    suffix = Path(filename).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as tmp:
        tmp.write(data)
    try:
        table = read_table(Path(tmp.name), required=required, optional=optional)
    except TabularError:
        Path(tmp.name).unlink(missing_ok=True)
        raise
    table._closer = _Unlinker(table._closer, Path(tmp.name))
    return table


class _Unlinker:
    def __init__(self, inner: Any, path: Path) -> None:
        self._inner = inner
        self._path = path

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()
        self._path.unlink(missing_ok=True)


__all__ = ["Cell", "Row", "Table", "TabularError", "header_key", "read_table", "read_table_bytes"]
