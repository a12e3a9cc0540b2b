"""A streaming reader for the first worksheet of an .xlsx / .xlsm file (used by ``core.tabular``).

calamine loads a whole sheet into memory (about 1.6 GB for a million 16-column rows); this reader
streams ``xl/worksheets/sheetN.xml`` of the first sheet (found through ``xl/workbook.xml`` and its
relationships) straight out of the zip, a block at a time, so memory stays flat whatever the number
of rows. Only the shared-string table is held in memory (the sheet refers to it by index, anywhere
in the file), as a list of str.

Cells come back as the sheet stores them, ready for ``tabular``:
- text (shared ``s``, ``inlineStr``, formula result ``str``) -> str, unstripped ("" for empty);
- numbers -> int when integral, else float: an ID number typed as a number must stay recognisable;
- numbers in a date/time number format (from ``xl/styles.xml``) -> date (whole serial), datetime,
  or time (serial < 1), as calamine returns them;
- booleans -> "TRUE" / "FALSE"; errors (``#N/A``) -> their text; ISO ``d`` cells -> date/datetime;
- missing cells -> None. A row is a list indexed by column (A = 0), numbered as Excel shows it.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import functools
import html
import itertools
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from xml.parsers import expat

_BLOCK = 1 << 18  # bytes of XML per parse step: a few hundred rows buffered at most
_REL_NS = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "http://purl.oclc.org/ooxml/officeDocument/relationships",
)
# Built-in number formats that show a date or a time (ECMA-376 18.8.30 plus the CJK ones).
_BUILTIN_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')
_EPOCH_1900 = dt.datetime(1899, 12, 30)  # noqa: DTZ001 - Excel serials are zone-less
_EPOCH_1904 = dt.datetime(1904, 1, 1)  # noqa: DTZ001


# The fast path reads the sheet with regular expressions (re.findall over blocks of decoded text)
# instead of an XML parser: expat calls back into Python five times per cell and measured 4-5x
# slower than calamine; this path is about as fast as calamine. The patterns take Excel's shape
# (any namespace prefix; the cell reference as the first attribute, as every writer puts it, else
# read from the other attributes). A part with CDATA, comments, a DTD or a non-UTF-8 encoding
# (legal, never written by Excel, WPS, LibreOffice or xlsxwriter) is re-read with expat instead.
_ROOT_RE = re.compile(r"<([A-Za-z_][\w.-]*:)?[A-Za-z_]")
_ROW_NUMBER_RE = re.compile(r"""\br\s*=\s*["'](\d+)""")
_ATTR_RE = re.compile(r"""([\w:]+)\s*=\s*["']([^"']*)["']""")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([\w.-]+)["']""")
_ROW_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s>/]")
_NOT_PLAIN = ("<![CDATA[", "<!--", "<!DOCTYPE", "<!ENTITY")


class _NotPlain(Exception):
    """The part uses XML the fast path does not read; the caller falls back to expat."""


@functools.lru_cache(maxsize=8)
def _patterns(prefix: str) -> tuple[re.Pattern[str], ...]:
    """(row-or-cell tokens, <si> contents, <v> text, <t> text, rPh runs) for one namespace prefix."""
    p = re.escape(prefix)
    tokens = re.compile(
        rf"<(?:({p}row)\b([^>]*)>"
        rf"""|{p}c\b(?:\s+r="([A-Z]+)\d+")?([^>]*?)(?:/>|>(?:<{p}v>([^<]*)</{p}v>"""
        rf"|<{p}is><{p}t>([^<]*)</{p}t></{p}is>|(.*?))</{p}c>))",
        re.S,
    )
    si = re.compile(rf"<{p}si\b[^>]*?(?:/>|>(.*?)</{p}si>)", re.S)
    v = re.compile(rf"<{p}v(?:\s[^>]*)?>([^<]*)<")
    t = re.compile(rf"<{p}t(?:\s[^>]*)?>([^<]*)<")
    rph = re.compile(rf"<{p}rPh\b.*?</{p}rPh>", re.S)
    return tokens, si, v, t, rph


def _blocks(stream: IO[bytes], element: str) -> Iterator[tuple[str, str]]:
    """(namespace prefix, text) blocks of the part, each ending after a closing ``element`` tag, so
    no element of that kind spans two blocks."""
    block = stream.read(_BLOCK)
    declared = _DECLARED_ENCODING.match(block)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise _NotPlain
    if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _NotPlain
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    carry = ""
    prefix: str | None = None
    closing = ""
    while True:
        text = decoder.decode(block, final=not block)
        if "<!" in text or "<!" in carry[-10:] + text[:10]:
            window = carry[-10:] + text
            if any(marker in window for marker in _NOT_PLAIN):
                raise _NotPlain
        buf = carry + text if carry else text
        if prefix is None:
            root = _ROOT_RE.search(buf)
            if root is not None:
                prefix = root.group(1) or ""
                closing = f"</{prefix}{element}>"
        if not block:
            if prefix is not None and buf:
                yield prefix, buf
            return
        cut = buf.rfind(closing) if prefix is not None else -1
        if cut < 0:
            carry = buf
        else:
            cut += len(closing)
            yield prefix or "", buf[:cut]
            carry = buf[cut:]
        block = stream.read(_BLOCK)


def _text_of(inner: str | None, prefix: str) -> str:
    """The text of a <si> or <is>: its <t> runs, without the phonetic (rPh) ones."""
    if not inner:
        return ""
    _tokens, _si, _v, t_re, rph_re = _patterns(prefix)
    if "rPh" in inner:
        inner = rph_re.sub("", inner)
    runs = t_re.findall(inner)
    text = runs[0] if len(runs) == 1 else "".join(runs)
    return html.unescape(text) if "&" in text else text


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
            for prefix, block in _blocks(fh, "si"):
                plain_t = f"<{prefix}t>"
                for inner in _patterns(prefix)[1].findall(block):
                    # <si><t>text</t></si> is nearly every string; anything else goes the long way.
                    if inner.startswith(plain_t) and inner.count("<") == 2:
                        plain = inner[len(plain_t) : inner.index("<", len(plain_t))]
                        strings.append(html.unescape(plain) if "&" in plain else plain)
                    else:
                        strings.append(_text_of(inner, prefix))
        return strings
    except _NotPlain:
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


def _serial_to_date(serial: float, epoch: dt.datetime) -> dt.date | dt.datetime | dt.time:
    if serial < 1:
        return (epoch + dt.timedelta(seconds=round(serial * 86400))).time()
    if epoch is _EPOCH_1900 and serial < 61:
        serial += 1  # Excel's phantom 1900-02-29: serials before it count from 1899-12-31
    if serial.is_integer():
        return (epoch + dt.timedelta(days=serial)).date()
    return epoch + dt.timedelta(seconds=round(serial * 86400))


def _iso_date(raw: str) -> dt.date | dt.datetime:
    moment = dt.datetime.fromisoformat(raw)
    return moment.date() if len(raw) <= 10 else moment


def _cell_attrs(attrs: str) -> tuple[str | None, str, str | None]:
    """(style, type, reference) from a cell's attributes other than a leading r="A1"."""
    found = dict(_ATTR_RE.findall(attrs))
    return found.get("s"), found.get("t", "n"), found.get("r")


def _letters_to_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


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
                head = stream.read(_BLOCK)
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
                for row in self._scan_rows(stream):
                    given += 1
                    yield row
            return
        except _NotPlain:
            pass
        except (zipfile.BadZipFile, OSError, ValueError, IndexError, EOFError) as exc:
            raise XlsxError(str(exc)) from None
        with self._zip.open(self._sheet_path) as stream:
            yield from itertools.islice(self._parse(stream), given, None)

    def _scan_rows(self, stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
        shared = self._shared
        date_styles = self._date_styles
        epoch = self._epoch
        letter_index: dict[str, int] = {}
        attr_cache: dict[str, tuple[str | None, str, str | None]] = {}
        number = 0
        cells: list[Any] | None = None
        col = -1
        for prefix, block in _blocks(stream, "row"):
            tokens, _si, v_re, _t, _rph = _patterns(prefix)
            for row_tag, row_attrs, letters, attrs, v, inline, other in tokens.findall(block):
                if row_tag:
                    if cells is not None:
                        yield number, cells
                    found = _ROW_NUMBER_RE.search(row_attrs)
                    number = int(found.group(1)) if found else number + 1
                    cells = []
                    col = -1
                    continue
                if cells is None:
                    continue  # a cell outside any row: not a worksheet cell
                cached = attr_cache.get(attrs)
                if cached is None:
                    cached = _cell_attrs(attrs)
                    if cached[2] is None:  # no reference in it: the same for every row
                        attr_cache[attrs] = cached
                style, kind, ref = cached
                if ref is not None:
                    letters = ref.rstrip("0123456789")
                if letters:
                    index = letter_index.get(letters)
                    if index is None:
                        index = letter_index[letters] = _letters_to_index(letters)
                    col = index
                else:
                    col += 1
                if kind == "inlineStr":
                    if inline:
                        value: Any = html.unescape(inline) if "&" in inline else inline
                    else:
                        value = _text_of(other, prefix)
                    # an empty inline string stays "": tabular treats it as an empty cell
                else:
                    if other:
                        found_v = v_re.search(other)
                        raw = found_v.group(1) if found_v else ""
                    else:
                        raw = v
                    if not raw:
                        value = None
                    elif kind == "n":
                        if style is not None and style in date_styles:
                            value = _serial_to_date(float(raw), epoch)
                        else:
                            try:
                                value = int(raw)
                            except ValueError:
                                value = float(raw)
                                if value.is_integer():
                                    value = int(value)
                    elif kind == "s":
                        value = shared[int(raw)]
                    elif kind == "b":
                        value = "TRUE" if raw == "1" else "FALSE"
                    elif kind == "d":
                        value = _iso_date(raw)
                    else:  # "str" (a formula's text) and "e" (#N/A, #DIV/0! ...), as shown
                        value = html.unescape(raw) if "&" in raw else raw
                width = len(cells)
                if col == width:
                    cells.append(value)
                elif col > width:
                    cells.extend([None] * (col - width))
                    cells.append(value)
                elif col >= 0:
                    cells[col] = value
        if cells is not None:
            yield number, cells

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
                        index = letter_index[letters] = _letters_to_index(letters)
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
                value = cell_value()
                width = len(cells)
                if col == width:
                    cells.append(value)
                elif col > width:
                    cells.extend([None] * (col - width))
                    cells.append(value)
                elif col >= 0:
                    cells[col] = value
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
            if kind == "s":
                return shared[int(raw)] if raw else None
            if kind == "inlineStr" or kind == "str":
                return raw
            if not raw:
                return None
            if kind == "n":
                if style is not None and style in date_styles:
                    return _serial_to_date(float(raw), epoch)
                try:
                    return int(raw)
                except ValueError:
                    number = float(raw)
                    return int(number) if number.is_integer() else number
            if kind == "b":
                return "TRUE" if raw == "1" else "FALSE"
            if kind == "d":
                return _iso_date(raw)
            return raw  # "e": the error as Excel shows it (#N/A, #DIV/0! ...)

        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.buffer_size = 1 << 16
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = text
        read = stream.read
        try:
            while True:
                block = read(_BLOCK)
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
