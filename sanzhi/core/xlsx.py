"""A streaming reader for the first worksheet of an .xlsx / .xlsm file (used by ``core.tabular``).

calamine loads a whole sheet into memory (about 1.6 GB for a million 16-column rows); this reader
streams ``xl/worksheets/sheetN.xml`` of the first sheet (found through ``xl/workbook.xml`` and its
relationships) straight out of the zip, a block at a time, so memory stays flat whatever the number
of rows; ``core.xlsx_scan`` reads it with regular expressions, expat where the XML is unusual.
Only the shared-string table is held in memory (the sheet refers to it by index, anywhere in the
file), as a list of str.

Cells come back as the sheet stores them, ready for ``tabular``:
- text (shared ``s``, ``inlineStr``, formula result ``str``) -> str, unstripped ("" for empty);
- numbers -> int when integral, else float: an ID number typed as a number must stay recognisable;
- numbers in a date/time number format (from ``xl/styles.xml``) -> date (whole serial), datetime,
  or time (serial < 1), as calamine returns them;
- booleans -> "TRUE" / "FALSE"; errors (``#N/A``) -> their text; ISO ``d`` cells -> date/datetime;
- missing cells -> None. A row is a list indexed by column (A = 0), numbered as Excel shows it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import itertools
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

from sanzhi.core.xlsx_scan import (
    BLOCK,
    NotPlain,
    RowScanner,
    blocks,
    letters_to_index,
    patterns,
    place,
    text_of,
    typed_value,
)

_REL_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
# Built-in number formats that show a date or a time (ECMA-376 18.8.30 plus the CJK ones).
_BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
_EPOCH_1900 = dt.datetime(1899, 12, 30)  # noqa: DTZ001 - Excel serials are zone-less
_EPOCH_1904 = dt.datetime(1904, 1, 1)  # noqa: DTZ001
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")


class XlsxError(Exception):
    """The file is not a readable .xlsx (bad zip, missing parts, malformed XML)."""


def _local(name: str) -> str:
    return name.rpartition("}")[2] if "}" in name else name.rpartition(":")[2]


def _parse_part(
    stream: IO[bytes],
    start: Callable[..., None],
    end: Callable[[str], None] | None = None,
    text: Callable[[str], None] | None = None,
) -> None:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    parser.ParseFile(stream)


def _first_sheet(zf: zipfile.ZipFile) -> tuple[str, bool]:
    """(zip path of the first worksheet, whether the workbook uses the 1904 date system)."""
    found: dict[str, str] = {}
    date1904 = False

    def on_workbook(name: str, attrs: dict[str, str]) -> None:
        nonlocal date1904
        local = _local(name)
        if local == "sheet" and "rid" not in found:
            for ns in _REL_NS:
                rid = attrs.get(ns + "}id")
                if rid:
                    found["rid"] = rid
        elif local == "workbookPr":
            date1904 = attrs.get("date1904", "0").lower() in ("1", "true")

    with zf.open("xl/workbook.xml") as fh:
        _parse_part(fh, on_workbook)
    if "rid" not in found:
        raise XlsxError("workbook has no sheet")
    targets: dict[str, str] = {}

    def on_rels(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    with zf.open("xl/_rels/workbook.xml.rels") as fh:
        _parse_part(fh, on_rels)
    target = targets.get(found["rid"])
    if not target:
        raise XlsxError("first sheet has no part")
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
    return path, date1904


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    try:
        info = zf.getinfo("xl/sharedStrings.xml")
    except KeyError:
        return []
    strings: list[str] = []
    parts: list[str] = []
    depth_rph = 0  # phonetic runs (rPh) repeat the reading, not the text: skip their <t>
    collecting = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal collecting, depth_rph
        local = _local(name)
        if local == "t":
            collecting = depth_rph == 0
        elif local == "si":
            parts.clear()
        elif local == "rPh":
            depth_rph += 1

    def end(name: str) -> None:
        nonlocal collecting, depth_rph
        local = _local(name)
        if local == "t":
            collecting = False
        elif local == "si":
            strings.append("".join(parts))
        elif local == "rPh":
            depth_rph -= 1

    def text(data: str) -> None:
        if collecting:
            parts.append(data)

    try:
        with zf.open(info) as fh:
            for prefix, block in blocks(fh, "si"):
                plain_t = f"<{prefix}t>"
                for inner in patterns(prefix)[1].findall(block):
                    # <si><t>text</t></si> is nearly every string; anything else goes the long way.
                    if inner.startswith(plain_t) and inner.count("<") == 2:
                        plain = inner[len(plain_t) : inner.index("<", len(plain_t))]
                        strings.append(html.unescape(plain) if "&" in plain else plain)
                    else:
                        strings.append(text_of(inner, prefix))
        return strings
    except NotPlain:
        strings.clear()
    with zf.open(info) as fh:
        _parse_part(fh, start, end, text)
    return strings


def is_date_format(code: str) -> bool:
    """Whether an Excel number-format code shows a date or a time."""
    cleaned = _FORMAT_NOISE.sub("", code.split(";", 1)[0]).lower()
    if "general" in cleaned:
        return False
    return any(c in cleaned for c in "ymdhs") or ("[h]" in code.lower() or "[m]" in code.lower())


def _date_styles(zf: zipfile.ZipFile) -> frozenset[str]:
    """Style indexes (the ``s`` attribute of a cell, as text) whose number format is a date/time."""
    try:
        info = zf.getinfo("xl/styles.xml")
    except KeyError:
        return frozenset()
    custom: dict[int, str] = {}
    xf_formats: list[int] = []
    in_cell_xfs = False

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal in_cell_xfs
        local = _local(name)
        if local == "numFmt":
            with contextlib.suppress(ValueError):
                custom[int(attrs.get("numFmtId", "-1"))] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            in_cell_xfs = True
        elif local == "xf" and in_cell_xfs:
            try:
                xf_formats.append(int(attrs.get("numFmtId", "0")))
            except ValueError:
                xf_formats.append(0)

    def end(name: str) -> None:
        nonlocal in_cell_xfs
        if _local(name) == "cellXfs":
            in_cell_xfs = False

    with zf.open(info) as fh:
        _parse_part(fh, start, end)
    dates = set()
    for index, fmt in enumerate(xf_formats):
        code = custom.get(fmt)
        if (code is not None and is_date_format(code)) or (code is None and fmt in _BUILTIN_DATE_FORMATS):
            dates.add(str(index))
    return frozenset(dates)


class XlsxSheet:
    """The first worksheet of ``path``; iterate ``rows()`` once. Close it (or exhaust it)."""

    def __init__(self, path: Path) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise XlsxError(str(exc)) from None
        try:
            self._sheet_path, date1904 = _first_sheet(self._zip)
            self._zip.getinfo(self._sheet_path)
            self._date_styles = _date_styles(self._zip)
            self._shared = _shared_strings(self._zip)
        except (KeyError, expat.ExpatError, zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            self._zip.close()
            raise XlsxError(str(exc)) from None
        except BaseException:
            self._zip.close()
            raise
        self._epoch = _EPOCH_1904 if date1904 else _EPOCH_1900

    def close(self) -> None:
        self._zip.close()

    def estimate_rows(self) -> int:
        """Rows of the sheet, from the part's uncompressed size and the rows in its first block."""
        try:
            size = self._zip.getinfo(self._sheet_path).file_size
            with self._zip.open(self._sheet_path) as stream:
                head = stream.read(BLOCK)
        except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
            return 0
        found = len(_ROW_START.findall(head))
        if not head or not found:
            return 0
        return found if len(head) >= size else int(size * found / len(head))

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(row number, cells) for every row element in the sheet, in file order."""
        try:
            stream = self._zip.open(self._sheet_path)
        except (KeyError, zipfile.BadZipFile, OSError, ValueError) as exc:
            raise XlsxError(str(exc)) from None
        given = 0
        try:
            with stream:
                for row in RowScanner(self._shared, self._date_styles, self._epoch).scan(stream):
                    given += 1
                    yield row
            return
        except NotPlain:
            pass
        except (zipfile.BadZipFile, OSError, ValueError, IndexError, EOFError) as exc:
            raise XlsxError(str(exc)) from None
        with self._zip.open(self._sheet_path) as stream:
            yield from itertools.islice(self._parse(stream), given, None)

    def _parse(self, stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
        shared = self._shared
        date_styles = self._date_styles
        epoch = self._epoch
        letter_index: dict[str, int] = {}
        done: list[tuple[int, list[Any]]] = []
        # State of the row and cell being read; closures over locals are the fastest handlers.
        cells: list[Any] = []
        row_number = 0
        col = -1
        kind = "n"
        style: str | None = None
        parts: list[str] = []
        collecting = False
        in_rph = 0
        tags: dict[str, str] = {}

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal cells, row_number, col, kind, style, collecting, in_rph
            tag = tags.get(name)
            if tag is None:
                tag = tags[name] = _local(name)
            if tag == "c":
                ref = attrs.get("r")
                if ref is None:
                    col += 1
                else:
                    letters = ref.rstrip("0123456789")
                    index = letter_index.get(letters)
                    if index is None:
                        index = letter_index[letters] = letters_to_index(letters)
                    col = index
                kind = attrs.get("t", "n")
                style = attrs.get("s")
                parts.clear()
            elif tag == "v" or (tag == "t" and not in_rph):
                collecting = True
            elif tag == "row":
                ref = attrs.get("r")
                row_number = int(ref) if ref else row_number + 1
                cells = []
                col = -1
            elif tag == "rPh":
                in_rph += 1

        def end(name: str) -> None:
            nonlocal collecting, in_rph
            tag = tags[name]
            if tag == "c":
                place(cells, col, cell_value())
            elif tag == "v" or tag == "t":
                collecting = False
            elif tag == "row":
                done.append((row_number, cells))
            elif tag == "rPh":
                in_rph -= 1

        def text(data: str) -> None:
            if collecting:
                parts.append(data)

        def cell_value() -> Any:
            raw = parts[0] if len(parts) == 1 else "".join(parts)
            if kind == "inlineStr" or kind == "str":
                return raw  # expat has unescaped it already
            return typed_value(kind, style, raw, shared, date_styles, epoch)

        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        read = stream.read
        try:
            while True:
                block = read(BLOCK)
                parser.Parse(block, not block)
                if done:
                    yield from done
                    done.clear()
                if not block:
                    return
        except (expat.ExpatError, zipfile.BadZipFile, OSError, ValueError, IndexError, EOFError) as exc:
            raise XlsxError(str(exc)) from None


__all__ = ["XlsxError", "XlsxSheet", "is_date_format"]


def write_text_xlsx(
    target: Any, rows: list[list[str]], *, sheet: str, widths: list[int], freeze: tuple[int, int] = (1, 0)
) -> None:
    """One sheet of text cells (codes keep their leading zeros, IDs stay exact) to a path or a binary
    file object: the shape every Sanzhi export and template takes."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, {"in_memory": True})
    try:
        worksheet = workbook.add_worksheet(sheet)
        text = workbook.add_format({"num_format": "@"})
        for c, width in enumerate(widths):
            worksheet.set_column(c, c, width, text)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                worksheet.write_string(r, c, value, text)
        worksheet.freeze_panes(*freeze)
    finally:
        workbook.close()
