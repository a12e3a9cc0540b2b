"""RegistryWriter: the fast path that writes households and residents in bulk (导入, 合成数据).

It does not validate: callers (the importer, ``sanzhi synth``) hand it clean values. It does keep
the per-node rollup counters (Node.households_direct / residents_direct) exact: every flush adds
exactly what it wrote, in the same transaction.

The caller holds the transaction (``with transaction.atomic(): ... writer.flush()``):
- PostgreSQL: ids are reserved from the tables' identity sequences (nextval over generate_series,
  one round trip per block) and rows go in with COPY, ids written explicitly.
- SQLite: ids continue from max(id) (and the AUTOINCREMENT high-water mark, so a deleted id is never
  reused); that is sound because the write transaction (BEGIN IMMEDIATE, see settings) holds the
  database's single write lock until commit. Rows go in with executemany.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from sanzhi.grids.models import Node
from sanzhi.people.models import Household, Resident

_HOUSEHOLD_COLUMNS = ("id", "created_at", "updated_at", "number", "node_id", "node_path", "address", "kind")
_RESIDENT_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "household_id",
    "node_path",
    "name",
    "id_type",
    "id_number",
    "sex",
    "birth_date",
    "phone",
    "relation",
    "ethnicity",
    "political_status",
    "party_org_id",
    "education",
    "marital_status",
    "occupation",
    "residence_type",
    "registered_address",
)


# COPY text format: backslash, tab, newline and carriage return are escaped; NULL is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search


def copy_field(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    text = value if isinstance(value, str) else str(value)  # int, date, aware datetime: ISO forms
    return text.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE(text) else text


def copy_household_line(
    *, hid: int, stamp: str, number: str | None, node_id: int, node_path: str, address: str
) -> str:
    """A household row (columns as ``_HOUSEHOLD_COLUMNS``, kind family) in COPY text, with newline."""
    fields = (str(hid), stamp, stamp, copy_field(number), str(node_id), node_path, copy_field(address))
    return "\t".join(fields) + "\tfamily\n"


def copy_resident_line(*, rid: int, hid: int, stamp: str, node_path: str, values: Mapping[str, Any]) -> str:
    """A resident row (columns as ``_RESIDENT_COLUMNS``) in COPY text, with newline; ``values`` are
    add_resident's keyword arguments (defaults as there)."""
    get = values.get
    party_org = get("party_org_id")
    texts = (
        values["name"],
        values["id_type"],
        values["id_number"],
        values["sex"],
        values["birth_date"].isoformat(),
        values["phone"],
        values["relation"],
        get("ethnicity", "01"),
        get("political_status", "13"),
        "\\N" if party_org is None else str(party_org),
        get("education", ""),
        get("marital_status", ""),
        get("occupation", ""),
        get("residence_type", "registered"),
        get("registered_address", ""),
    )
    try:
        line = "\t".join(texts)
    except TypeError:  # a value that is not text yet
        line = None
    # Run once per row of a big import: a few scans of the joined text instead of one per field.
    # Clean means: only the 14 separating tabs, no newline, and no backslash but the NULL's \\N.
    if (
        line is None
        or line.count("\t") != 14
        or line.count("\\") != (party_org is None)
        or "\n" in line
        or "\r" in line
    ):
        fields = [copy_field(t) for t in texts]
        fields[9] = "\\N" if party_org is None else str(party_org)
        line = "\t".join(fields)
    return f"{rid}\t{stamp}\t{stamp}\t{hid}\t{node_path}\t{line}\n"


def _table(model: Any) -> str:
    return str(model._meta.db_table)


def _through(model: Any) -> tuple[str, str, str]:
    """(table, owner column, tag column) of the tags M2M table of ``model``."""
    through = model.tags.through
    owner = model._meta.model_name
    return _table(through), f"{owner}_id", "tag_id"


class _IdPool:
    """Ids for one table, reserved ahead in blocks so COPY can carry them."""

    def __init__(self, model: Any, block: int) -> None:
        self.table = _table(model)
        self.block = block
        self._ids: list[int] = []
        self._pos = 0
        self._sqlite_next: int | None = None

    def take(self) -> int:
        if self._pos >= len(self._ids):
            self._refill()
        value = self._ids[self._pos]
        self._pos += 1
        return value

    def _refill(self) -> None:
        self._pos = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.table, self.block],
                )
                self._ids = [row[0] for row in cursor.fetchall()]
                return
            if self._sqlite_next is None:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{self.table}"')
                high = int(cursor.fetchone()[0])
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.table])
                row = cursor.fetchone()
                self._sqlite_next = max(high, int(row[0]) if row else 0) + 1
        start = self._sqlite_next
        self._ids = list(range(start, start + self.block))
        self._sqlite_next = start + self.block


class RegistryWriter:
    """Buffers households and residents and writes them in batches (COPY / executemany)."""

    def __init__(self, *, batch_size: int = 20_000, now: dt.datetime | None = None) -> None:
        if not connection.in_atomic_block:
            # Ids taken ahead of the insert are only safe under the caller's write transaction.
            raise RuntimeError("RegistryWriter must be used inside transaction.atomic()")
        self.batch_size = batch_size
        self.now = now or timezone.now()
        self._postgres = connection.vendor == "postgresql"
        # SQLite stores datetimes as naive UTC text; hand it what Django itself would write.
        self._stamp: Any = self.now if self._postgres else connection.ops.adapt_datetimefield_value(self.now)
        self.households_written = 0
        self.residents_written = 0
        self._household_ids = _IdPool(Household, batch_size)
        self._resident_ids = _IdPool(Resident, batch_size)
        self._households: list[tuple[Any, ...]] = []
        self._residents: list[tuple[Any, ...]] = []
        self._household_tags: list[tuple[int, int]] = []
        self._resident_tags: list[tuple[int, int]] = []
        self._household_nodes: Counter[int] = Counter()
        self._resident_nodes: Counter[int] = Counter()
        # household id -> node id, for households still in the buffer (the counters need the node).
        self._node_of: dict[int, int] = {}
        self._last_household: tuple[int, int] | None = None
        # Set when the caller holds ACCESS EXCLUSIVE locks on the household and resident tables
        # (importing_bulk): reserve_ids may then take a block of ids in one step.
        self.tables_locked = False

    def add_household(
        self,
        *,
        node_id: int,
        node_path: str,
        address: str,
        number: str | None = None,
        kind: str = "family",
        tag_ids: Sequence[int] = (),
    ) -> int:
        hid = self._household_ids.take()
        now = self._stamp
        self._households.append((hid, now, now, number or None, node_id, node_path, address, kind))
        for tag_id in tag_ids:
            self._household_tags.append((hid, tag_id))
        self._household_nodes[node_id] += 1
        self._node_of[hid] = node_id
        self._last_household = (hid, node_id)
        if len(self._households) >= self.batch_size:
            self.flush()
        return hid

    def add_resident(
        self,
        *,
        household_id: int,
        node_path: str,
        name: str,
        id_type: str,
        id_number: str,
        sex: str,
        birth_date: dt.date,
        phone: str,
        relation: str,
        ethnicity: str = "01",
        political_status: str = "13",
        party_org_id: int | None = None,
        education: str = "",
        marital_status: str = "",
        occupation: str = "",
        residence_type: str = "registered",
        registered_address: str = "",
        tag_ids: Sequence[int] = (),
        node_id: int | None = None,
    ) -> None:
        """``node_id`` of the household: needed only when the household was written by an earlier
        writer or flush and is not known to this writer (it is then looked up)."""
        rid = self._resident_ids.take()
        now = self._stamp
        self._residents.append(
            (
                rid,
                now,
                now,
                household_id,
                node_path,
                name,
                id_type,
                id_number,
                sex,
                birth_date if self._postgres else birth_date.isoformat(),
                phone,
                relation,
                ethnicity,
                political_status,
                party_org_id,
                education,
                marital_status,
                occupation,
                residence_type,
                registered_address,
            )
        )
        for tag_id in tag_ids:
            self._resident_tags.append((rid, tag_id))
        node = node_id if node_id is not None else self._node_of.get(household_id)
        if node is None:
            node = self._lookup_node(household_id)
        self._resident_nodes[node] += 1
        if len(self._residents) >= self.batch_size:
            self.flush()

    def _lookup_node(self, household_id: int) -> int:
        node_id = Household.objects.filter(pk=household_id).values_list("node_id", flat=True).first()
        if node_id is None:
            raise ValueError(f"household {household_id} does not exist")
        self._node_of[household_id] = node_id
        return int(node_id)

    def flush(self) -> None:
        """Write everything buffered (households before their members) and add to the counters."""
        if self._households:
            self._write(_table(Household), _HOUSEHOLD_COLUMNS, self._households)
            self.households_written += len(self._households)
            self._households = []
        if self._household_tags:
            table, owner, tag = _through(Household)
            self._write(table, (owner, tag), self._household_tags)
            self._household_tags = []
        if self._residents:
            self._write(_table(Resident), _RESIDENT_COLUMNS, self._residents)
            self.residents_written += len(self._residents)
            self._residents = []
        if self._resident_tags:
            table, owner, tag = _through(Resident)
            self._write(table, (owner, tag), self._resident_tags)
            self._resident_tags = []
        self._add_counters()
        # Members follow their household (importer, synth), so only the latest household can still
        # gain members after a flush: keep its node, drop the rest to keep memory flat.
        self._node_of.clear()
        if self._last_household is not None:
            self._node_of[self._last_household[0]] = self._last_household[1]

    @property
    def copy_stamp(self) -> str:
        """created_at/updated_at of every row of this writer, in COPY text (PostgreSQL)."""
        return copy_field(self.now)

    def reserve_ids(self, model: Any, n: int) -> list[int]:
        """``n`` fresh ids of ``model`` (Household or Resident) for rows written with write_copy_text."""
        pool = self._household_ids if model is Household else self._resident_ids
        if connection.vendor != "postgresql":
            raise RuntimeError("prepared COPY text is a PostgreSQL path")
        with connection.cursor() as cursor:
            if self.tables_locked:
                # Nobody else can insert (so nobody else draws from the sequence): move it past
                # the whole block in one call instead of n nextval calls (seconds at a million).
                cursor.execute(
                    "SELECT setval(s, nextval(s) + %s - 1) FROM pg_get_serial_sequence(%s, 'id') AS s",
                    [n, pool.table],
                )
                last = int(cursor.fetchone()[0])
                return list(range(last - n + 1, last + 1))
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [pool.table, n],
            )
            return [row[0] for row in cursor.fetchall()]

    def write_copy_text(
        self,
        *,
        households: str,
        household_tags: str,
        residents: str,
        resident_tags: str,
        household_nodes: Mapping[int, int],
        resident_nodes: Mapping[int, int],
        n_households: int,
        n_residents: int,
    ) -> None:
        """Rows prepared as COPY text (copy_household_line / copy_resident_line, ids from
        reserve_ids; tag lines "owner_id\ttag_id\n"); ``*_nodes`` count them per node for the
        rollup counters. Households first, so residents find theirs."""
        table, owner, tag = _through(Household)
        through_r = _through(Resident)
        with connection.cursor() as cursor:
            raw = cursor.cursor
            for target, columns, text in (
                (_table(Household), _HOUSEHOLD_COLUMNS, households),
                (table, (owner, tag), household_tags),
                (_table(Resident), _RESIDENT_COLUMNS, residents),
                (through_r[0], through_r[1:], resident_tags),
            ):
                if text:
                    quoted = ", ".join(f'"{c}"' for c in columns)
                    with raw.copy(f'COPY "{target}" ({quoted}) FROM STDIN') as copy:
                        copy.write(text)
        self._household_nodes.update(household_nodes)
        self._resident_nodes.update(resident_nodes)
        self.households_written += n_households
        self.residents_written += n_residents
        self._add_counters()

    def _write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        quoted = ", ".join(f'"{c}"' for c in columns)
        with connection.cursor() as cursor:
            if self._postgres:
                raw = cursor.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})', rows)

    def _add_counters(self) -> None:
        nodes = set(self._household_nodes) | set(self._resident_nodes)
        if not nodes:
            return
        deltas = [(n, self._household_nodes.get(n, 0), self._resident_nodes.get(n, 0)) for n in nodes]
        self._household_nodes.clear()
        self._resident_nodes.clear()
        table = _table(Node)
        with connection.cursor() as cursor:
            if self._postgres:
                values = ", ".join(["(%s::bigint, %s::int, %s::int)"] * len(deltas))
                params = [v for delta in deltas for v in delta]
                cursor.execute(
                    f'UPDATE "{table}" AS n SET households_direct = n.households_direct + v.h, '
                    f"residents_direct = n.residents_direct + v.r "
                    f"FROM (VALUES {values}) AS v(id, h, r) WHERE n.id = v.id",
                    params,
                )
            else:
                cursor.executemany(
                    f'UPDATE "{table}" SET households_direct = households_direct + %s, '
                    f"residents_direct = residents_direct + %s WHERE id = %s",
                    [(h, r, n) for n, h, r in deltas],
                )
