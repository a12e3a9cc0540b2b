"""Bulk-load mode of the household import (PostgreSQL only): what pg_restore does, and what the
PostgreSQL manual's "Populating a Database" recommends for a big first load.

Rule (``bulk_mode_wanted``): an import runs in bulk mode when the file holds at least
``BULK_MIN_ROWS`` rows (estimated from the file's size before reading it) **and** at least as many
rows as the registry already holds residents. That is a first load, or one that at least doubles
the registry: rebuilding the indexes then costs less than maintaining them row by row.

In bulk mode, inside the import's own transaction:

1. ``LOCK TABLE people_household, people_resident IN ACCESS EXCLUSIVE MODE``: nobody else reads
   or writes these tables until the import commits or rolls back. That is why the mode is only
   for first big loads (an evening's import on a working system would block every registry page).
2. The ID numbers and household numbers already registered are loaded into memory: the registry
   checks (per-row ``id_taken`` / ``household_number_taken`` errors) then run against them, not
   against the indexes that are about to go.
3. Every secondary index, unique constraint and foreign key of the two tables is dropped (the
   primary keys stay: other tables' foreign keys depend on them). Their definitions are read from
   the catalog first (``pg_get_indexdef`` / ``pg_get_constraintdef``), so they come back exactly.
4. The rows go in with COPY as usual, into tables without indexes or foreign-key triggers.
5. With ``SET LOCAL maintenance_work_mem`` raised, the indexes and constraints are recreated (the
   foreign keys are validated in one pass each) and the tables analysed.

DDL is transactional in PostgreSQL: an error anywhere, including a unique index that cannot be
rebuilt, rolls back the rows, the drops and the rebuilds together; the tables and their indexes
are then exactly as before. A failed rebuild is reported as ``import_conflict`` (translated).
SQLite never uses this mode.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Conflict
from sanzhi.people.models import Household, Resident

BULK_MIN_ROWS = 50_000
# None: decided by the rule above; True/False force it (tests, benchmarks).
BULK_MODE: bool | None = None
BULK_MAINTENANCE_WORK_MEM = "256MB"
BULK_TABLES = (Household, Resident)


@dataclass(frozen=True)
class Definition:
    """One index or constraint as the catalog defines it, and how to drop and recreate it."""

    kind: str  # "index" or "constraint"
    table: str
    name: str
    definition: str

    def drop_sql(self) -> str:
        quote = connection.ops.quote_name
        if self.kind == "index":
            return f"DROP INDEX {quote(self.name)}"
        return f"ALTER TABLE {quote(self.table)} DROP CONSTRAINT {quote(self.name)}"

    def create_sql(self) -> str:
        if self.kind == "index":
            return self.definition  # pg_get_indexdef: a complete CREATE [UNIQUE] INDEX statement
        quote = connection.ops.quote_name
        return f"ALTER TABLE {quote(self.table)} ADD CONSTRAINT {quote(self.name)} {self.definition}"


def table_names() -> list[str]:
    return [str(m._meta.db_table) for m in BULK_TABLES]


def definitions(tables: Iterable[str]) -> list[Definition]:
    """Secondary indexes, unique/exclusion constraints and foreign keys of ``tables`` (public
    schema), in the order they are recreated: unique constraints and indexes, then foreign keys."""
    tables = list(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.contype, t.relname, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
              AND c.contype IN ('u', 'x', 'f')
            ORDER BY c.contype = 'f', t.relname, c.conname
            """,
            [tables],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            """
            SELECT t.relname, ix.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_class ix ON ix.oid = i.indexrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
              AND NOT i.indisprimary
              AND NOT EXISTS (
                  SELECT 1 FROM pg_constraint c
                  WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid
                    AND c.contype IN ('p', 'u', 'x'))
            ORDER BY t.relname, ix.relname
            """,
            [tables],
        )
        indexes = cursor.fetchall()
    unique = [Definition("constraint", t, n, d) for kind, t, n, d in constraints if kind != "f"]
    foreign = [Definition("constraint", t, n, d) for kind, t, n, d in constraints if kind == "f"]
    return [*unique, *[Definition("index", t, n, d) for t, n, d in indexes], *foreign]


def catalog_snapshot(tables: Iterable[str] | None = None) -> set[tuple[str, ...]]:
    """Every index and constraint of the tables as the catalog states it (for tests: equal before
    and after a bulk-mode import)."""
    tables = list(tables or table_names())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'index', tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = 'public' AND tablename = ANY(%s)",
            [tables],
        )
        rows = {tuple(r) for r in cursor.fetchall()}
        cursor.execute(
            """
            SELECT 'constraint', t.relname, c.conname, c.contype::text, pg_get_constraintdef(c.oid),
                   c.condeferrable::text, c.condeferred::text, c.convalidated::text
            FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
            WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
            """,
            [tables],
        )
        rows |= {tuple(r) for r in cursor.fetchall()}
    return rows


def bulk_mode_wanted(incoming_rows: int) -> bool:
    """The rule of the module docstring; ``incoming_rows`` is the file's estimated row count."""
    if connection.vendor != "postgresql":
        return False
    if BULK_MODE is not None:
        return BULK_MODE
    if incoming_rows < BULK_MIN_ROWS:
        return False
    return incoming_rows >= Resident.objects.count()


def _fire_deferred_checks(cursor: Any) -> None:
    """Run the deferred foreign-key checks queued so far in this transaction (rows written before
    the import, in an enclosing transaction): PostgreSQL refuses ALTER TABLE on a table with
    pending trigger events. The constraints that are deferred by declaration are deferred again
    afterwards, as Django declares them (DEFERRABLE INITIALLY DEFERRED)."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.conname) FROM pg_constraint c "
        "JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.condeferrable AND c.condeferred"
    )
    names = sorted({row[0] for row in cursor.fetchall()})
    if names:
        cursor.execute(f"SET CONSTRAINTS {', '.join(names)} DEFERRED")


class BulkLoad:
    """Steps 1-3 in ``begin`` and step 5 in ``finish`` (module docstring); the caller's
    transaction must be open around both."""

    def __init__(self) -> None:
        if not connection.in_atomic_block:
            raise RuntimeError("bulk mode needs the import's transaction")
        self.tables = table_names()
        self.dropped: list[Definition] = []
        self.taken_ids: set[str] = set()
        self.taken_numbers: set[str] = set()

    def begin(self) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {', '.join(quote(t) for t in self.tables)} IN ACCESS EXCLUSIVE MODE")
        # Under the lock nobody else can add to the registry: these sets stay exact.
        self.taken_ids = set(Resident.objects.values_list("id_number", flat=True).iterator(20_000))
        numbers = Household.objects.filter(number__isnull=False).values_list("number", flat=True)
        self.taken_numbers = {n for n in numbers.iterator(20_000) if n is not None}
        self.dropped = definitions(self.tables)
        with connection.cursor() as cursor:
            _fire_deferred_checks(cursor)
            for d in reversed(self.dropped):  # foreign keys first
                cursor.execute(d.drop_sql())

    def finish(self) -> None:
        quote = connection.ops.quote_name
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL maintenance_work_mem = '{BULK_MAINTENANCE_WORK_MEM}'")
                _fire_deferred_checks(cursor)
                for d in self.dropped:
                    cursor.execute(d.create_sql())
                cursor.execute(f"ANALYZE {', '.join(quote(t) for t in self.tables)}")
        except IntegrityError as exc:
            raise Conflict(
                _("批量导入后重建唯一约束失败（身份证号或户编号重复），导入已全部撤销，请核对后重新导入"),
                code="import_conflict",
                data={"reason": str(exc).splitlines()[0] if str(exc) else ""},
            ) from None
        self.dropped = []


__all__ = [
    "BULK_MIN_ROWS",
    "BULK_MODE",
    "BulkLoad",
    "Definition",
    "bulk_mode_wanted",
    "catalog_snapshot",
    "definitions",
]
