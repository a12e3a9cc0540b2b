"""The household import's column-wise fast path: whole batches of plain rows checked and encoded
at once, for the reading process of a big import (importing_process).

The row-by-row path (``RowValidator.validate`` and ``_Importer.feed``) is the reference: it knows
every message. This path takes a batch only when every cell is the plain case — text that needs no
normalising, codes spelled as the code tables spell them, clean 18-character ID numbers with a known
region, mainland mobiles, known tags, households whose rows agree, one head each, a known node — and
then produces exactly the rows the reference would (the same values, ids in the same order, the
same COPY text). Anything else, and the whole batch goes through the reference instead; so an error
or a warning is always reported by the reference, in its words, and a file with a few odd rows
loses the speed only for the batches that hold them.

Why: on two cores the reading process is the import's critical path, and most of its time went to
Python calls per cell (a dozen per row) and objects per row and household. Column-wise, the checks
are C-level scans (a join and one regular expression per column, a dict lookup per code, the
MOD 11-2 checksums as one matrix product) and the COPY lines are joined from the columns.

The last household of a batch may go on in the next one, so it is held back and checked again with
the next batch (its rows are counted when they are written).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sanzhi.core.tabular import Batch, Cell
from sanzhi.people.codes import IdType, Relation
from sanzhi.people.columns import Col
from sanzhi.people.idnumber import _PERMIT_KINDS, _WEIGHTS, _birth_date, known_regions
from sanzhi.people.importing_blocks import RESIDENT_COLUMNS, CopyBlock
from sanzhi.people.importing_rows import _NOT_NORMAL, RowError, RowValidator
from sanzhi.people.models import TagSubject
from sanzhi.people.normalize import normalize_text

if TYPE_CHECKING:
    from sanzhi.people.importing import _Importer

# Text columns: (column, longest allowed, required).
_TEXTS = (
    (Col.NAME, 50, True),
    (Col.OCCUPATION, 60, False),
    (Col.REGISTERED_ADDRESS, 200, False),
    (Col.NUMBER, 32, False),
    (Col.ADDRESS, 200, False),
)
_MOBILES = re.compile(r"(?:(?:1[3-9][0-9]{9})?\x00)*", re.ASCII).fullmatch
_ID_NUMBERS = re.compile(r"(?:[0-9]{17}[0-9X])*", re.ASCII).fullmatch
_WEIGHT_VECTOR = np.array(_WEIGHTS, dtype=np.int64)
_CHECK_BYTES = np.frombuffer(b"10X98765432", dtype=np.uint8)
_POWERS = 10 ** np.arange(16, -1, -1, dtype=np.int64)  # the first 17 digits as one integer
_RESIDENT_ID = str(IdType.RESIDENT_ID.value)
_HEAD = str(Relation.HEAD.value)


@dataclass
class _Columns:
    """One batch's rows, checked: the values the reference would give, column by column."""

    numbers: list[int]
    name: list[str]
    id_number: list[str]
    id_type: list[str]
    sex: list[str]
    birth: list[str]
    id_key: list[int]
    phone: list[str]
    relation: list[str]
    ethnicity: list[str]
    political: list[str]
    education: list[str]
    marital: list[str]
    occupation: list[str]
    residence: list[str]
    registered: list[str]
    resident_tags: list[tuple[int, ...]]
    household_tags: list[tuple[int, ...] | None]
    household_number: list[str | None]
    address: list[str | None]
    node_code: list[str | None]
    keys: list[str]


class FastPath:
    """Feeds an ``_Importer`` batch by batch, column-wise where it can (see the module)."""

    def __init__(
        self,
        importer: _Importer,
        *,
        known: dict[str, tuple[int, str]],
        default_code: str | None,
        stamp: str,
        take_household_ids: Callable[[int], list[int]],
        take_resident_ids: Callable[[int], list[int]],
        registry_checks: bool = True,
        today: dt.date | None = None,
    ) -> None:
        self.importer = importer
        self.validator: RowValidator = importer.validator
        self.known = known
        self.default_code = default_code
        self.stamp = stamp
        self.take_household_ids = take_household_ids
        self.take_resident_ids = take_resident_ids
        self.today = today or self.validator.today
        # False when the registry is empty for this import (nothing a block could collide with):
        # the blocks then carry no ID numbers and row numbers for the database side's checks.
        self.registry_checks = registry_checks
        self.regions = known_regions()
        v = self.validator
        # code tables with the default a missing cell takes (the reference's `or "01"` …)
        defaults: dict[str, tuple[dict[str, str], str | None]] = {
            Col.RELATION: (v.relations, None),  # required: no default
            Col.ETHNICITY: (v.ethnicities, "01"),
            Col.POLITICAL: (v.political, "13"),
            Col.EDUCATION: (v.education, ""),
            Col.MARITAL: (v.marital, ""),
            Col.RESIDENCE: (v.residence, "registered"),
        }
        self.codes: dict[str, dict[Cell, str]] = {}
        for name, (table, default) in defaults.items():
            codes: dict[Cell, str] = dict(table.items())
            if default is not None:
                codes[None] = default
            self.codes[name] = codes
        self.tags: dict[str, dict[Cell, tuple[int, ...] | None]] = {
            TagSubject.RESIDENT: {None: ()},
            TagSubject.HOUSEHOLD: {None: None},
        }
        self.carry: Batch | None = None
        self.batches_fast = self.batches_slow = 0

    # -- the pass --------------------------------------------------------------------------------
    def feed(self, batch: Batch) -> None:
        if self.carry is not None:
            batch = _joined(self.carry, batch)
            self.carry = None
        checked = self._check(batch)
        if checked is None:
            self._slow(batch, 0)
            return
        importer = self.importer
        keys = checked.keys
        start = 0
        if importer.current is not None:
            # A household the reference opened goes on here: its rows go the same way.
            open_key = importer.current.key
            while start < len(keys) and keys[start] == open_key:
                start += 1
            if start:
                self._slow(batch, 0, start)
            if start == len(keys):
                return
            if keys[start] in importer.closed:
                self._slow(batch, start)  # refused, and the open household stays open
                return
            importer.close(importer.current)
            importer.current = None
        # Households: runs of one key. The last may go on in the next batch: held back.
        bounds = [start] + [i for i in range(start + 1, len(keys)) if keys[i] != keys[i - 1]]
        last = bounds[-1]
        self.carry = _sliced(batch, last)
        if len(bounds) > 1 and not self._write(checked, bounds, last):
            self.carry = None
            self._slow(batch, start)

    def end_of_file(self) -> None:
        carry, self.carry = self.carry, None
        if carry is None:
            return
        checked = self._check(carry)
        if (
            checked is None
            or self.importer.current is not None
            or not self._write(checked, [0], len(checked.keys))
        ):
            self._slow(carry, 0)

    def _slow(self, batch: Batch, start: int, stop: int | None = None) -> None:
        self.batches_slow += 1
        feed = self.importer.feed
        rows = batch.rows()
        for i, row in enumerate(rows):
            if stop is not None and i >= stop:
                break
            if i >= start:
                feed(row.number, row.values)

    # -- the column checks -----------------------------------------------------------------------
    def _check(self, batch: Batch) -> _Columns | None:
        cols = batch.columns
        n = len(batch)
        nothing: list[Cell] = [None] * n

        def column(name: str) -> list[Cell]:
            return cols.get(name, nothing)

        texts: dict[str, list[Any]] = {}
        for name, limit, required in _TEXTS:
            values = _plain_texts(column(name), limit, required)
            if values is None:
                return None
            texts[name] = values
        codes: dict[str, list[str]] = {}
        for name, table in self.codes.items():
            got = list(map(table.get, column(name)))
            if None in got:
                return None
            codes[name] = got  # type: ignore[assignment]
        ids = self._id_numbers(column(Col.ID_NUMBER), n)
        if ids is None:
            return None
        id_number, id_type, sex, birth, id_key = ids
        phone = _phones(column(Col.PHONE))
        if phone is None:
            return None
        resident_tags = self._tags(column(Col.RESIDENT_TAGS), TagSubject.RESIDENT)
        household_tags = self._tags(column(Col.HOUSEHOLD_TAGS), TagSubject.HOUSEHOLD)
        if resident_tags is None or household_tags is None:
            return None
        node_code = _codes(column(Col.NODE))
        head_id = _codes(column(Col.HEAD_ID))
        if node_code is None or head_id is None:
            return None
        number = texts[Col.NUMBER]
        relation = codes[Col.RELATION]
        keys = [
            "#" + num if num else "@" + (head or (own if rel == _HEAD else ""))
            for num, head, own, rel in zip(number, head_id, id_number, relation, strict=True)
        ]
        if "@" in keys:
            return None  # a row the reference reports (no 户编号 and no head to group by)
        return _Columns(
            numbers=batch.numbers,
            name=texts[Col.NAME],
            id_number=id_number,
            id_type=id_type,
            sex=sex,
            birth=birth,
            id_key=id_key,
            phone=phone,
            relation=relation,
            ethnicity=codes[Col.ETHNICITY],
            political=codes[Col.POLITICAL],
            education=codes[Col.EDUCATION],
            marital=codes[Col.MARITAL],
            occupation=[t or "" for t in texts[Col.OCCUPATION]],
            residence=codes[Col.RESIDENCE],
            registered=[t or "" for t in texts[Col.REGISTERED_ADDRESS]],
            resident_tags=resident_tags,  # type: ignore[arg-type]
            household_tags=household_tags,
            household_number=number,
            address=texts[Col.ADDRESS],
            node_code=node_code,
            keys=keys,
        )

    def _id_numbers(
        self, cells: list[Cell], n: int
    ) -> tuple[list[str], list[str], list[str], list[str], list[int]] | None:
        try:
            joined = "".join(cells)  # type: ignore[arg-type]
        except TypeError:
            return None  # empty, or stored as a number: the reference says which
        if len(joined) != 18 * n or not joined.isascii() or _ID_NUMBERS(joined) is None:
            return None
        ids: list[str] = cells  # type: ignore[assignment]
        matrix = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(n, 18)
        digits = matrix[:, :17].astype(np.int64) - 48
        if not np.array_equal(_CHECK_BYTES[(digits @ _WEIGHT_VECTOR) % 11], matrix[:, 17]):
            return None
        found = list(map(_birth_date, {s[6:14] for s in ids}))  # each distinct date once
        if None in found:
            return None
        births: list[dt.date] = found  # type: ignore[assignment]
        if max(births) > self.today or min(births).year < 1880:
            return None
        regions = {s[:6] for s in ids}
        if not regions <= self.regions or any(r[0] == "9" or r in _PERMIT_KINDS for r in regions):
            return None  # a warning to report, or a permit: the reference's
        sexes = np.where(matrix[:, 16] % 2 == 1, "M", "F").tolist()
        birth_texts = [f"{s[6:10]}-{s[10:12]}-{s[12:14]}" for s in ids]
        keys = (digits @ _POWERS).tolist()
        return ids, [_RESIDENT_ID] * n, sexes, birth_texts, keys

    def _tags(self, cells: list[Cell], subject: str) -> list[tuple[int, ...] | None] | None:
        known = self.tags[subject]
        for text in set(cells) - known.keys():
            errors: list[RowError] = []
            found = self.validator._tags(0, text, subject, errors)
            if errors:
                return None
            known[text] = found
        return list(map(known.__getitem__, cells))

    # -- households ------------------------------------------------------------------------------
    def _write(self, c: _Columns, bounds: list[int], stop: int) -> bool:
        """Check the households starting at ``bounds`` (the last one ends at ``stop``) as the
        reference would when closing them; if all pass, write them as one block."""
        importer = self.importer
        closed = importer.closed
        keys, relation = c.keys, c.relation
        ends = [*bounds[1:], stop] if bounds[-1] != stop else bounds[1:]
        starts = bounds[: len(ends)]
        group_keys = [keys[s] for s in starts]
        # Each household closes when the next one's first row comes, if that one is new: the
        # households held back counts too (a row of a closed household is refused and leaves
        # the open one open, as the reference does).
        following = [*group_keys, keys[stop]] if stop < len(keys) else group_keys
        if len(set(following)) != len(following) or not closed.keys().isdisjoint(following):
            return False  # a household whose rows are not adjacent
        id_keys = c.id_key[starts[0] : ends[-1]] if starts else []
        if len(set(id_keys)) != len(id_keys) or not importer.first_row_of_id.keys().isdisjoint(id_keys):
            return False  # a duplicate ID number
        first, last = starts[0], ends[-1]
        span = keys[first:last]
        # One head each: the heads' keys, in order, are the households' keys.
        if [k for k, r in zip(span, relation[first:last], strict=True) if r == _HEAD] != group_keys:
            return False
        address = _per_household(span, c.address[first:last])
        node = _per_household(span, c.node_code[first:last])
        tag = _per_household(span, c.household_tags[first:last])
        if address is None or node is None or tag is None:
            return False  # rows of one household that disagree
        addresses: list[Any] = [address.get(k) for k in group_keys]
        if None in addresses:
            return False  # no 住址 on any row
        known, default = self.known, self.default_code
        found = [known.get(node.get(k, default)) for k in group_keys]  # type: ignore[arg-type]
        if None in found:
            return False  # the database side decides (not found, outside, …): the reference
        node_ids = [f[0] for f in found]  # type: ignore[index]
        paths = [f[1] for f in found]  # type: ignore[index]
        tags = [tag.get(k) or () for k in group_keys]
        # All good: the reference's bookkeeping, then the COPY text.
        numbers = c.numbers
        for s, key in zip(starts, group_keys, strict=True):
            closed[key] = numbers[s]
        rows = numbers[first:last]
        importer.first_row_of_id.update(zip(id_keys, rows, strict=True))
        importer.report.rows_read += len(rows)
        sizes = [e - s for s, e in zip(starts, ends, strict=True)]
        block = self._block(c, first, last, starts, sizes, node_ids, paths, addresses, tags)
        importer.pending.append(block)  # type: ignore[arg-type]
        importer.pending_rows += len(rows)
        if importer.pending_rows >= importer.chunk:
            importer.hand_over()
        return True

    def _block(
        self,
        c: _Columns,
        first: int,
        last: int,
        starts: list[int],
        sizes: list[int],
        node_ids: list[int],
        paths: list[str],
        addresses: list[str],
        tags: list[tuple[int, ...]],
    ) -> CopyBlock:
        s = slice(first, last)
        return CopyBlock(
            stamp=self.stamp,
            household_ids=self.take_household_ids(len(starts)),
            numbers=[c.household_number[i] for i in starts],
            node_ids=node_ids,
            paths=paths,
            addresses=addresses,
            household_tags=tags,
            first_rows=[c.numbers[i] for i in starts],
            sizes=sizes,
            resident_ids=self.take_resident_ids(last - first),
            columns=["\t".join(getattr(c, name)[s]) for name in RESIDENT_COLUMNS],
            resident_tags=c.resident_tags[s],
            rows=c.numbers[s] if self.registry_checks else [],
        )


def _per_household(keys: list[str], values: list[Any]) -> dict[str, Any] | None:
    """Each household's value of a household column (rows may leave it empty after the first),
    by key; None when two rows of one household give different values."""
    given = set(zip(keys, values, strict=True))
    given = {pair for pair in given if pair[1] is not None}
    found = dict(given)
    return found if len(found) == len(given) else None


def _plain_texts(cells: list[Cell], limit: int, required: bool) -> list[str | None] | None:
    """The cells as the reference's text check leaves them, or None when it would say something
    (or a cell is not text)."""
    if required and None in cells:
        return None
    present = cells if required else list(filter(None, cells))
    if len(present) != len(cells) - cells.count(None):
        return None  # a falsy cell that is not empty (a number 0 from a sheet): the reference
    try:
        joined = "\x00".join(present)  # type: ignore[arg-type]
    except TypeError:
        return None
    if "\\" in joined:
        return None  # escaped in COPY text: the reference encodes it
    values: list[str | None] = cells  # type: ignore[assignment]  # text or None: the join says so
    if _NOT_NORMAL(joined) is not None:
        values = [v if v is None or _NOT_NORMAL(v) is None else normalize_text(v) for v in values]
        if "" in values:
            return None
        present = [v for v in values if v is not None]
    if present and max(map(len, present)) > limit:  # type: ignore[arg-type]
        return None
    return values


def _phones(cells: list[Cell]) -> list[str] | None:
    try:
        joined = "\x00".join([v or "" for v in cells]) + "\x00"  # type: ignore[misc]
    except TypeError:
        return None
    if _MOBILES(joined) is None:
        return None  # a landline, a typo, a number cell: the reference
    return ["+86" + v if v else "" for v in cells]  # type: ignore[operator]


def _codes(cells: list[Cell]) -> list[str | None] | None:
    """网格编码 / 户主身份证号 as normalize_id_number leaves them (the plain case: ASCII letters and
    digits), or None."""
    present = list(filter(None, cells))
    if len(present) != len(cells) - cells.count(None):
        return None  # a falsy cell that is not empty (a number 0 from a sheet): the reference
    if not present:
        return cells  # type: ignore[return-value]
    try:
        joined = "".join(present)  # type: ignore[arg-type]
    except TypeError:
        return None
    if not (joined.isascii() and joined.isalnum()):
        return None
    if joined.isdigit():
        return cells  # type: ignore[return-value]
    return [v if v is None else v.upper() for v in cells]  # type: ignore[union-attr]


def _joined(a: Batch, b: Batch) -> Batch:
    names = list(dict.fromkeys([*a.columns, *b.columns]))
    na, nb = len(a), len(b)
    columns = {
        name: list(a.columns.get(name) or [None] * na) + list(b.columns.get(name) or [None] * nb)
        for name in names
    }
    return Batch(a.numbers + b.numbers, columns)


def _sliced(batch: Batch, start: int) -> Batch:
    return Batch(batch.numbers[start:], {name: col[start:] for name, col in batch.columns.items()})


__all__ = ["CopyBlock", "FastPath"]
