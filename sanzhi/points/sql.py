"""Plain SQL for the ledger's and the store's hot paths.

An award or a redemption is a dozen short statements; compiling them with the ORM cost several
times the database's own work. These helpers run fixed, portable SQL (SQLite and PostgreSQL)
through ``connection.cursor()`` and build model instances straight from the rows, with the same
value converters the ORM applies (SQLite returns datetimes as text and booleans as integers).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]

_converters: dict[tuple[type[Model], str], list[tuple[int, list[Converter], Any]]] = {}


def for_update() -> str:
    """`` FOR UPDATE`` where the database has row locks (SQLite serialises writers instead)."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def for_update_of(*aliases: str) -> str:
    if not connection.features.has_select_for_update:
        return ""
    return " FOR UPDATE OF " + ", ".join(aliases)


def columns(model: type[Model], alias: str) -> str:
    """Every concrete column of ``model`` (in field order), qualified by ``alias``."""
    key = (model, alias, connection.vendor)
    found = _columns.get(key)
    if found is None:
        qn = connection.ops.quote_name
        found = _columns[key] = ", ".join(f"{alias}.{qn(f.column)}" for f in model._meta.concrete_fields)
    return found


_columns: dict[tuple[type[Model], str, str], str] = {}


def width(model: type[Model]) -> int:
    return len(model._meta.concrete_fields)


def _row_converters(model: type[Model]) -> list[tuple[int, list[Converter], Any]]:
    key = (model, connection.vendor)
    found = _converters.get(key)
    if found is None:
        found = []
        field: Any
        for i, field in enumerate(model._meta.concrete_fields):
            col = field.get_col(model._meta.db_table)
            fns = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
            if fns:
                found.append((i, fns, col))
        _converters[key] = found
    return found


def build(model: type[M], row: Sequence[Any], start: int = 0) -> M:
    """A model instance from ``row[start:start + width(model)]`` (the columns of ``columns()``)."""
    values = list(row[start : start + len(model._meta.concrete_fields)])
    for i, fns, col in _row_converters(model):
        value = values[i]
        for fn in fns:
            value = fn(value, col, connection)
        values[i] = value
    return model.from_db(connection.alias, None, values)  # type: ignore[arg-type]


# Field types whose Python value goes to the driver as it is (what ``get_db_prep_save`` would
# return for the values the services set); the rest (datetimes, files, …) go through it.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}

_inserts: dict[tuple[type[Model], str], tuple[str, str, list[tuple[str, Any]]]] = {}


def _insert_plan(model: type[Model]) -> tuple[str, str, list[tuple[str, Any]]]:
    key = (model, connection.vendor)
    found = _inserts.get(key)
    if found is None:
        meta = model._meta
        fields: list[Any] = [f for f in meta.concrete_fields if not f.primary_key]
        qn = connection.ops.quote_name
        head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "
        tail = f" RETURNING {qn(meta.pk.column)}"
        prep = [(f.attname, None if f.get_internal_type() in _PLAIN else f.get_db_prep_save) for f in fields]
        found = _inserts[key] = (head, tail, prep)
    return found


def insert(model: type[Model], instances: Sequence[Model]) -> None:
    """Insert unsaved instances in one statement and give them their ids (``bulk_create`` without
    its query compilation). ``pre_save`` hooks are not run: callers set every value themselves."""
    if not instances:
        return
    head, tail, prep = _insert_plan(model)
    conn = connections[DEFAULT_DB_ALIAS]
    row = "(" + ", ".join(["%s"] * len(prep)) + ")"
    params = []
    for obj in instances:
        for attname, to_db in prep:
            value = getattr(obj, attname)
            params.append(value if to_db is None else to_db(value, conn))
    with conn.cursor() as cursor:
        cursor.execute(head + ", ".join([row] * len(instances)) + tail, params)
        ids = [r[0] for r in cursor.fetchall()]
    for obj, pk in zip(instances, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = conn.alias
