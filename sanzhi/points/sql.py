"""Plain SQL for the ledger's and the store's hot paths.

An award or a redemption is a few short statements; compiling them with the ORM cost several
times the database's own work. These helpers run fixed, portable SQL (SQLite and PostgreSQL)
through ``cursor()`` and build model instances straight from the rows, with the same value
converters the ORM applies (SQLite returns datetimes as text and booleans as integers).

On PostgreSQL ``cursor()`` runs them as named prepared statements, parsed and planned once per
connection (what ``pgbench -M prepared`` does): planning the account/scheme/rule join cost the
server more than executing it.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]

_converters: dict[tuple[type[Model], str], list[tuple[int, list[Converter], Any]]] = {}


# psycopg prepares a statement once it has run this many times; Django turns that off (None). The
# points cursor asks for each of its statements explicitly, so a threshold nothing reaches keeps
# every other query of the connection unprepared, as Django has it.
_ONLY_WHEN_ASKED = 2**62

_postgres: tuple[Any, ...] | None = None


def _postgres_parts() -> tuple[Any, ...]:
    """(the prepared cursor class, timestamptz's oid, the text format, register_tzloader), imported
    the first time: psycopg is there only where PostgreSQL is used."""
    global _postgres
    if _postgres is None:
        from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
            TIMESTAMPTZ_OID,
            ServerBindingCursor,
        )
        from django.db.backends.postgresql.psycopg_any import register_tzloader
        from psycopg.pq import Format

        base: Any = ServerBindingCursor

        class PreparedCursor(base):
            """Server-side binding, and every statement prepared (psycopg keeps an LRU of them)."""

            def execute(
                self, query: Any, params: Any = None, *, prepare: Any = None, binary: Any = None
            ) -> Any:
                return super().execute(query, params, prepare=True, binary=binary)

        _postgres = (PreparedCursor, TIMESTAMPTZ_OID, Format.TEXT, register_tzloader)
    return _postgres


def cursor(*, prepared: bool = True) -> Any:
    """A cursor for the fixed statements of the hot paths (Django's wrapper: errors, query logging
    and execute wrappers as usual). On PostgreSQL each statement is prepared, unless the database
    sits behind a transaction-pooling bouncer (Django's ``DISABLE_SERVER_SIDE_CURSORS`` says so),
    where a prepared statement might not find its session again."""
    conn = connections[DEFAULT_DB_ALIAS]
    if not prepared or conn.vendor != "postgresql" or conn.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        return conn.cursor()
    # What Django's cursor() and create_cursor() do, with the prepared cursor class.
    conn.close_if_health_check_failed()
    conn.ensure_connection()
    raw = conn.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    cls, tz_oid, text, register_tzloader = _postgres or _postgres_parts()
    with conn.wrap_database_errors:
        found = cls(raw)
        if conn.timezone != raw.adapters.get_loader(tz_oid, text).timezone:
            register_tzloader(conn.timezone, found)
        return conn._prepare_cursor(found)  # type: ignore[attr-defined]


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


def _row_converters(model: type[Model], conn: Any) -> list[tuple[int, list[Converter], Any]]:
    key = (model, conn.vendor)
    found = _converters.get(key)
    if found is None:
        found = []
        field: Any
        for i, field in enumerate(model._meta.concrete_fields):
            col = field.get_col(model._meta.db_table)
            fns = conn.ops.get_db_converters(col) + field.get_db_converters(conn)
            if fns:
                found.append((i, fns, col))
        _converters[key] = found
    return found


def build(model: type[M], row: Sequence[Any], start: int = 0) -> M:
    """A model instance from ``row[start:start + width(model)]`` (the columns of ``columns()``)."""
    conn = connections[DEFAULT_DB_ALIAS]
    values = list(row[start : start + len(model._meta.concrete_fields)])
    for i, fns, col in _row_converters(model, conn):
        value = values[i]
        for fn in fns:
            value = fn(value, col, conn)
        values[i] = value
    plan = _plain(model)
    if plan is None:
        return model.from_db(DEFAULT_DB_ALIAS, None, values)  # type: ignore[arg-type]
    obj = model.__new__(model)
    state = obj._state = ModelState()
    obj.__dict__.update(zip(plan, values, strict=True))
    state.adding = False
    state.db = DEFAULT_DB_ALIAS
    return obj


def new(model: type[M], **values: Any) -> M:
    """``model(**values)`` (values by attname: ``account_id``, not ``account``) for the hot paths."""
    plan = _plain(model)
    if plan is None or not values.keys() <= plan.keys():
        return model(**values)
    obj = model.__new__(model)
    obj._state = ModelState()
    found = obj.__dict__
    for attname, field in plan.items():
        found[attname] = values[attname] if attname in values else field.get_default()
    return obj


# The attributes that store a column's value as it is given (what Model.__init__ and from_db do
# through them, for a new instance).
_STORING = (DeferredAttribute, ForeignKeyDeferredAttribute, FileDescriptor)
_plains: dict[type[Model], dict[str, Any] | None] = {}


def _plain(model: type[Model]) -> dict[str, Any] | None:
    """The model's concrete fields by attname when an instance may be made without running
    Model.__init__ — which then only stores each value: the model keeps Django's ``__init__`` and
    ``from_db``, every column's class attribute stores what it is given, and no pre_init/post_init
    receiver is connected. None otherwise (build and new take Django's way)."""
    if pre_init.receivers or post_init.receivers:
        return None
    try:
        return _plains[model]
    except KeyError:
        pass
    fields = model._meta.concrete_fields
    plain = (
        model.__init__ is Model.__init__
        and model.from_db.__func__ is Model.from_db.__func__  # type: ignore[attr-defined]
        and all(type(inspect.getattr_static(model, f.attname, None)) in _STORING for f in fields)
    )
    found = _plains[model] = {f.attname: f for f in fields} if plain else None
    return found


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

_inserts: dict[tuple[type[Model], str], tuple[str, str, str, list[tuple[str, Any]]]] = {}


def _insert_plan(model: type[Model]) -> tuple[str, str, str, list[tuple[str, Any]]]:
    """(quoted table, quoted columns but the id, quoted id column, (attname, db prep) per column)."""
    key = (model, connection.vendor)
    found = _inserts.get(key)
    if found is None:
        meta = model._meta
        fields: list[Any] = [f for f in meta.concrete_fields if not f.primary_key]
        qn = connection.ops.quote_name
        prep = [(f.attname, None if f.get_internal_type() in _PLAIN else f.get_db_prep_save) for f in fields]
        pk_column = qn(meta.pk.column)
        found = _inserts[key] = (qn(meta.db_table), ", ".join(qn(f.column) for f in fields), pk_column, prep)
    return found


def insert_values(
    model: type[Model],
    instances: Sequence[Model],
    *,
    with_pk: bool = False,
    expressions: dict[str, str] | None = None,
) -> tuple[str, list[Any]]:
    """``INSERT INTO table (columns) VALUES (…), …`` for the instances, and its parameters; with
    ``with_pk`` the instances carry their ids already (drawn from the table's sequence).
    ``expressions`` gives some columns (by attname) an SQL expression instead of a parameter."""
    table, columns, pk_column, prep = _insert_plan(model)
    conn = connections[DEFAULT_DB_ALIAS]
    expressions = expressions or {}
    params: list[Any] = []
    for obj in instances:
        if with_pk:
            params.append(obj.pk)
        for attname, to_db in prep:
            if attname in expressions:
                continue
            value = getattr(obj, attname)
            params.append(value if to_db is None else to_db(value, conn))
    if with_pk:
        columns = f"{pk_column}, {columns}"
    slots = ["%s"] * with_pk + [expressions.get(attname, "%s") for attname, _ in prep]
    row = "(" + ", ".join(slots) + ")"
    return f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([row] * len(instances)), params


# ---------------------------------------------------------------- rows as one JSON parameter


def recordset(model: type[Model], leave_out: Collection[str] = ()) -> tuple[str, list[str]]:
    """For PostgreSQL's ``json_to_recordset``: the column definitions (``"col" type, …``) of the
    model's columns but the id and ``leave_out`` (attnames), and their quoted names, in one order.
    Many rows then go to the server as one parameter (``records``), typed by the definitions."""
    key = (model, frozenset(leave_out), connection.vendor)
    found = _recordsets.get(key)
    if found is None:
        qn = connection.ops.quote_name
        fields = _record_fields(model, leave_out)
        found = _recordsets[key] = (
            ", ".join(f"{qn(f.column)} {f.db_type(connection)}" for f in fields),
            [qn(f.column) for f in fields],
        )
    return found


def records(
    model: type[Model],
    instances: Sequence[Model],
    leave_out: Collection[str] = (),
    *,
    extra: Sequence[dict[str, Any]] = (),
) -> str:
    """The instances' values (as ``recordset`` lists them, by column name, plus each row's
    ``extra``) as a JSON array of objects: datetimes as ISO 8601 text with their offset."""
    conn = connections[DEFAULT_DB_ALIAS]
    prep = [
        (f.column, f.attname, None if f.get_internal_type() in _PLAIN else f.get_db_prep_save)
        for f in _record_fields(model, leave_out)
    ]
    rows = []
    for i, obj in enumerate(instances):
        row = dict(extra[i]) if extra else {}
        for column, attname, to_db in prep:
            value = getattr(obj, attname)
            row[column] = value if to_db is None else to_db(value, conn)
        rows.append(row)
    return _RECORDS.encode(rows)


def _record_fields(model: type[Model], leave_out: Collection[str]) -> list[Any]:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in leave_out]


def _isoformat(value: Any) -> str:
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot go in a JSON record")


_recordsets: dict[tuple[type[Model], frozenset[str], str], tuple[str, list[str]]] = {}
_RECORDS = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_isoformat)


def saved(instances: Sequence[Model], ids: Sequence[int]) -> None:
    """Mark inserted instances as saved, with their ids."""
    for obj, pk in zip(instances, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS


def insert(model: type[Model], instances: Sequence[Model]) -> None:
    """Insert unsaved instances in one statement and give them their ids (``bulk_create`` without
    its query compilation). ``pre_save`` hooks are not run: callers set every value themselves."""
    if not instances:
        return
    statement, params = insert_values(model, instances)
    # A batch's statement is seldom repeated: preparing it would cost a round trip for nothing.
    with cursor(prepared=len(instances) <= 2) as c:
        c.execute(f"{statement} RETURNING {_insert_plan(model)[2]}", params)
        ids = [r[0] for r in c.fetchall()]
    saved(instances, ids)
