"""Reading a worksheet part's XML with regular expressions (``XlsxSheet.rows()``'s fast path).

An XML parser calls back into Python five times per cell (expat measured 4-5x slower than
calamine); these functions read the part's decoded text a block at a time with ``re`` instead.
They take Excel's shape: any namespace prefix, the cell reference as the first attribute, as every
writer puts it (else it is read from the other attributes). A part with CDATA, comments, a DTD or a
non-UTF-8 encoding (legal, never written by Excel, WPS, LibreOffice or xlsxwriter) raises
``NotPlain``, and the caller re-reads it with expat.

Two ways through a row, with the same values:
- **plain rows** (nearly every row a writer makes): the row element's start tag carries ``r``
  first, and every cell in it is ``<c r="B7" s="…" t="…">`` holding one ``<v>`` or one inline
  ``<is><t>`` without entities. One pattern finds all its cells; a count of the row's cell tags
  proves it found every one. Matching the whole block with the general pattern below was most of
  the reading time (about 11 of 16 CPU seconds for a million 13-cell rows); this takes half of it.
- **anything else** (rich text, formulas, entities, cells without references, other attributes,
  rows without a number, empty rows): the general token pattern, cell by cell.
"""

from __future__ import annotations

import codecs
import datetime as dt
import functools
import html
import re
from collections.abc import Iterator
from typing import IO, Any

BLOCK = 1 << 18  # bytes of XML per parse step: a few hundred rows buffered at most
_ROOT_RE = re.compile(r"<([A-Za-z_][\w.-]*:)?[A-Za-z_]")
_ROW_NUMBER_RE = re.compile(r"""\br\s*=\s*["'](\d+)""")
_ATTR_RE = re.compile(r"""([\w:]+)\s*=\s*["']([^"']*)["']""")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([\w.-]+)["']""")
_NOT_PLAIN = ("<![CDATA[", "<!--", "<!DOCTYPE", "<!ENTITY")


class NotPlain(Exception):
    """The part uses XML the fast path does not read; the caller falls back to expat."""


@functools.lru_cache(maxsize=8)
def patterns(prefix: str) -> tuple[re.Pattern[str], ...]:
    """(row-or-cell tokens, <si> contents, <v> text, <t> text, rPh runs, a plain row's start tag,
    a plain cell) for one namespace prefix."""
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
    # A block of plain rows: each row's start tag with its number first, each cell an inline string
    # (or each a shared one), with its reference first and perhaps a style.
    cell = rf'<{p}c r="([A-Z]{{1,3}})\d+"(?: s="\d+")?'
    row = rf'<{p}row r="(\d+)"[^>]*>'
    inline_block = re.compile(rf"{row}|{cell} t=\"inlineStr\"><{p}is><{p}t>([^<&]*)</{p}t></{p}is></{p}c>")
    shared_block = re.compile(rf"{row}|{cell} t=\"s\"><{p}v>(\d+)</{p}v></{p}c>")
    return tokens, si, v, t, rph, inline_block, shared_block


def blocks(stream: IO[bytes], element: str) -> Iterator[tuple[str, str]]:
    """(namespace prefix, text) blocks of the part, each ending after a closing ``element`` tag, so
    no element of that kind spans two blocks."""
    block = stream.read(BLOCK)
    declared = _DECLARED_ENCODING.match(block)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise NotPlain
    if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise NotPlain
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    carry = ""
    prefix: str | None = None
    closing = ""
    while True:
        text = decoder.decode(block, final=not block)
        if "<!" in text or "<!" in carry[-10:] + text[:10]:
            window = carry[-10:] + text
            if any(marker in window for marker in _NOT_PLAIN):
                raise NotPlain
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
        block = stream.read(BLOCK)


def text_of(inner: str | None, prefix: str) -> str:
    """The text of a <si> or <is>: its <t> runs, without the phonetic (rPh) ones."""
    if not inner:
        return ""
    t_re, rph_re = patterns(prefix)[3:5]
    if "rPh" in inner:
        inner = rph_re.sub("", inner)
    runs = t_re.findall(inner)
    text = runs[0] if len(runs) == 1 else "".join(runs)
    return html.unescape(text) if "&" in text else text


def serial_to_date(serial: float, epoch: dt.datetime) -> dt.date | dt.datetime | dt.time:
    if serial < 1:
        return (epoch + dt.timedelta(seconds=round(serial * 86400))).time()
    if epoch.year == 1899 and serial < 61:
        serial += 1  # Excel's phantom 1900-02-29: serials before it count from 1899-12-31
    if serial.is_integer():
        return (epoch + dt.timedelta(days=serial)).date()
    return epoch + dt.timedelta(seconds=round(serial * 86400))


def iso_date(raw: str) -> dt.date | dt.datetime:
    moment = dt.datetime.fromisoformat(raw)
    return moment.date() if len(raw) <= 10 else moment


def letters_to_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def place(cells: list[Any], col: int, value: Any) -> None:
    """Put a cell's value at its column of the row (A = 0), missing cells before it as None; a
    cell without a column (col < 0) is dropped."""
    width = len(cells)
    if col == width:
        cells.append(value)
    elif col > width:
        cells.extend([None] * (col - width))
        cells.append(value)
    elif col >= 0:
        cells[col] = value


def _cell_attrs(attrs: str) -> tuple[str | None, str, str | None]:
    """(style, type, reference) from a cell's attributes other than a leading r="A1"."""
    found = dict(_ATTR_RE.findall(attrs))
    return found.get("s"), found.get("t", "n"), found.get("r")


class RowScanner:
    """The rows of one worksheet part: ``scan(stream)`` yields (row number, cells)."""

    def __init__(self, shared: list[str], date_styles: frozenset[str], epoch: dt.datetime) -> None:
        self.shared = shared
        self.date_styles = date_styles
        self.epoch = epoch
        self.letter_index: dict[str, int] = {}
        self.attr_cache: dict[str, tuple[str | None, str, str | None]] = {}
        self.number = 0  # the last row's number (a row without one is the next)

    def scan(self, stream: IO[bytes]) -> Iterator[tuple[int, list[Any]]]:
        for prefix, block in blocks(stream, "row"):
            rows = self._plain(block, prefix)
            if rows is None:
                yield from self._general(block, prefix)
            else:
                yield from rows
                if rows:
                    self.number = rows[-1][0]

    def _plain(self, block: str, prefix: str) -> list[tuple[int, list[Any]]] | None:
        """The rows of a block of plain rows (all its cells inline strings, or all shared ones), or
        None when anything in it is not plain.

        The proof that the pattern missed nothing: every tag has one "<". A plain inline cell
        holds six, a shared one four, a row's start tag one and its end tag one; anything else in
        the block (another kind of cell, an attribute the pattern does not take, an entity in a
        text, rich text, a row without its number) adds tags the tokens do not account for.
        """
        first = block.find(f"<{prefix}c ")
        if first < 0:
            return None
        probe = block[first : first + 80]
        if ' t="inlineStr">' in probe:
            pattern, tags_per_cell, shared = patterns(prefix)[5], 6, False
        elif ' t="s">' in probe:
            pattern, tags_per_cell, shared = patterns(prefix)[6], 4, True
        else:
            return None
        found = pattern.findall(block)
        rows = self._plain_rows(found, shared)
        cells = len(found) - len(rows)
        if block.count("<") != tags_per_cell * cells + len(rows) + block.count(f"</{prefix}row>"):
            return None
        return rows

    def _plain_rows(self, found: list[tuple[str, str, str]], shared: bool) -> list[tuple[int, list[Any]]]:
        """Rows from (row number, column letters, text or shared-string index) tokens."""
        letter_index = self.letter_index
        strings = self.shared
        rows: list[tuple[int, list[Any]]] = []
        cells: list[Any] | None = None
        for number, letters, text in found:
            if number:
                cells = []
                rows.append((int(number), cells))
                continue
            if cells is None:
                continue  # a cell outside any row: not a worksheet cell
            col = letter_index.get(letters)
            if col is None:
                col = letter_index[letters] = letters_to_index(letters)
            value = strings[int(text)] if shared else text
            width = len(cells)  # place(), inline: this loop runs for every cell of a big sheet
            if col == width:
                cells.append(value)
            elif col > width:
                cells.extend([None] * (col - width))
                cells.append(value)
            else:
                cells[col] = value
        return rows

    def _general(self, block: str, prefix: str) -> Iterator[tuple[int, list[Any]]]:
        """The rows of a block that is not all plain, token by token."""
        tokens, _si, v_re = patterns(prefix)[:3]
        letter_index = self.letter_index
        attr_cache = self.attr_cache
        cells: list[Any] | None = None
        col = -1
        for row_tag, row_attrs, letters, attrs, v, inline, other in tokens.findall(block):
            if row_tag:
                if cells is not None:
                    yield self.number, cells
                found = _ROW_NUMBER_RE.search(row_attrs)
                self.number = int(found.group(1)) if found else self.number + 1
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
                    index = letter_index[letters] = letters_to_index(letters)
                col = index
            else:
                col += 1
            if kind == "inlineStr":
                if inline:
                    value: Any = html.unescape(inline) if "&" in inline else inline
                else:
                    value = text_of(other, prefix)
                # an empty inline string stays "": tabular treats it as an empty cell
            else:
                if other:
                    found_v = v_re.search(other)
                    raw = found_v.group(1) if found_v else ""
                else:
                    raw = v
                value = self._value(kind, style, raw)
            place(cells, col, value)
        if cells is not None:
            yield self.number, cells

    def _value(self, kind: str, style: str | None, raw: str) -> Any:
        """A cell's value from its type, style and ``<v>`` text (inline strings aside)."""
        value = typed_value(kind, style, raw, self.shared, self.date_styles, self.epoch)
        if kind in TYPED or not value or "&" not in value:
            return value
        return html.unescape(value)  # "str" (a formula's text) and "e" (#N/A …), as shown


TYPED = frozenset({"s", "n", "b", "d"})


def typed_value(
    kind: str, style: str | None, raw: str, shared: list[str], date_styles: frozenset[str], epoch: dt.datetime
) -> Any:
    """The value of a shared-string, number, boolean or ISO-date cell from its ``<v>`` text (None
    when empty); the text itself for any other type. Both readers of the sheet use it."""
    if not raw:
        return None
    if kind == "s":
        return shared[int(raw)]
    if kind == "n":
        if style is not None and style in date_styles:
            return serial_to_date(float(raw), epoch)
        try:
            return int(raw)
        except ValueError:
            value = float(raw)
            return int(value) if value.is_integer() else value
    if kind == "b":
        return "TRUE" if raw == "1" else "FALSE"
    if kind == "d":
        return iso_date(raw)
    return raw


__all__ = [
    "BLOCK",
    "TYPED",
    "NotPlain",
    "RowScanner",
    "blocks",
    "iso_date",
    "letters_to_index",
    "patterns",
    "place",
    "serial_to_date",
    "text_of",
    "typed_value",
]
