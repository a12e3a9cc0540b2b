"""Writing the ticket KPI rollups: the incremental move of one ticket's contribution, the bulk rebuild,
and the recomputation from raw tickets that proves the two agree.

What a ticket contributes is a pure function of its ``TicketFacts`` (``contribution``); the rebuild on
PostgreSQL states the same rules in SQL (``_SQL_COUNTERS``) and the tests hold the two together.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model

from sanzhi.grids.models import Node
from sanzhi.reports.models import (
    COUNTERS,
    TicketAreaDayRollup,
    TicketAreaMonthRollup,
    TicketDayRollup,
    TicketGridDayRollup,
    TicketMonthRollup,
)
from sanzhi.tickets.facts import TicketFacts, facts_of
from sanzhi.tickets.models import Ticket
from sanzhi.tickets.states import OPEN_STATES, Level, State

Vector = tuple[int, ...]
ZERO: Vector = (0,) * len(COUNTERS)


@dataclass(frozen=True)
class Table:
    model: type[Model]
    node_column: str  # the FK column (node_id / grid_id)
    path_column: str
    period_column: str  # day / month

    @property
    def name(self) -> str:
        return self.model._meta.db_table


DAY = Table(TicketDayRollup, "node_id", "node_path", "day")
MONTH = Table(TicketMonthRollup, "node_id", "node_path", "month")
GRID = Table(TicketGridDayRollup, "grid_id", "grid_path", "day")
AREA_DAY = Table(TicketAreaDayRollup, "node_id", "node_path", "day")
AREA_MONTH = Table(TicketAreaMonthRollup, "node_id", "node_path", "month")
# Fixed order: every transaction locks rollup rows table by table and key by key in the same order,
# so two ticket changes that swap keys (A: x→y, B: y→x) can never deadlock.
TABLES: tuple[Table, ...] = (DAY, MONTH, GRID, AREA_DAY, AREA_MONTH)

# (path, period, category_key, department_key)
Key = tuple[str, dt.date, int, int]


def contribution(f: TicketFacts) -> Vector:
    """What one ticket adds to the counters of its cohort row (see models.COUNTERS)."""
    valid = f.state not in (State.VOID, State.MERGED)
    resolved = f.resolved
    handled = resolved and f.handling_seconds is not None
    values = {
        "received": f.state != State.MERGED,
        "voided": f.state == State.VOID,
        "merged": f.state == State.MERGED,
        "consultations": valid and f.is_consultation,
        "consultations_answered": resolved and f.is_consultation,
        "responded": valid and f.responded,
        "responded_in_time": valid and f.responded_in_time,
        "resolved": resolved,
        "resolved_grid": resolved and f.resolved_level == Level.GRID,
        "resolved_community": resolved and f.resolved_level in (Level.GRID, Level.COMMUNITY),
        "closed": f.closed,
        "rated": f.rating != "",
        "satisfied": f.rating == "satisfied",
        "basic": f.rating == "basic",
        "unsatisfied": f.rating == "unsatisfied",
        "overdue": valid and f.overdue,
        "escalated": valid and f.escalated,
        "open_now": f.state in OPEN_STATES,
        "handled": handled,
        "handling_seconds": (f.handling_seconds or 0) if handled else 0,
    }
    return tuple(int(values[name]) for name in COUNTERS)


def anchor_path(f: TicketFacts) -> str:
    """The community; a ticket that landed on a street (no community) counts on the street itself."""
    return f.community_path or f.node_path


def street_path(f: TicketFacts) -> str:
    """The street: the community's parent (a village's parent is its township); a ticket without a
    community counts on its landing node, as in ``anchor_path``."""
    if f.community_path:
        return f.community_path[: -Node.steplen]
    return f.node_path


def area_paths(f: TicketFacts) -> list[str]:
    """The street and each of its ancestors up to the root: the rows of the area tables."""
    street = street_path(f)
    return [street[:end] for end in range(Node.steplen, len(street) + 1, Node.steplen)]


def grid_path(f: TicketFacts) -> str | None:
    """The level-1 grid under the community, when the ticket landed in one."""
    if f.community_path and len(f.node_path) > len(f.community_path):
        return f.node_path[: len(f.community_path) + Node.steplen]
    return None


# The category key of the "all categories" rows: a query without a category filter reads these, so a
# county's year is a few thousand rows instead of one per community, month and category.
ALL_CATEGORIES = -1


def keys_of(f: TicketFacts) -> Iterator[tuple[Table, Key]]:
    category, department = f.category_id or 0, f.department_id or 0
    anchor = anchor_path(f)
    month = f.day.replace(day=1)
    yield DAY, (anchor, f.day, category, department)
    yield DAY, (anchor, f.day, ALL_CATEGORIES, department)
    yield MONTH, (anchor, month, category, department)
    yield MONTH, (anchor, month, ALL_CATEGORIES, department)
    grid = grid_path(f)
    if grid is not None:
        yield GRID, (grid, f.day, category, department)
    for area in area_paths(f):
        yield AREA_DAY, (area, f.day, category, department)
        yield AREA_DAY, (area, f.day, ALL_CATEGORIES, department)
        yield AREA_MONTH, (area, month, category, department)
        yield AREA_MONTH, (area, month, ALL_CATEGORIES, department)


def _add(into: list[int], vector: Vector, sign: int) -> None:
    for i, value in enumerate(vector):
        into[i] += sign * value


def deltas(before: TicketFacts | None, after: TicketFacts | None) -> list[tuple[Table, Key, Vector]]:
    """The non-zero changes, in lock order."""
    moved: dict[tuple[int, Key], list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
    for facts, sign in ((before, -1), (after, 1)):
        if facts is None:
            continue
        vector = contribution(facts)
        for table, key in keys_of(facts):
            _add(moved[(TABLES.index(table), key)], vector, sign)
    return [(TABLES[t], key, tuple(v)) for (t, key), v in sorted(moved.items()) if any(v)]


def _upsert_sql(table: Table, rows: int) -> str:
    """One statement for all of a change's rows in ``table``, applied in the given (lock) order."""
    counters = ", ".join(COUNTERS)
    row = "(" + ", ".join(["%s"] * (5 + len(COUNTERS))) + ")"
    values = ", ".join([row] * rows)
    # VALUES names its columns column1, column2, … on both databases: ord, path, period, category,
    # department, then the counters.
    v_counters = ", ".join(f"v.column{6 + i}" for i in range(len(COUNTERS)))
    updates = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in COUNTERS)
    node = Node._meta.db_table
    # INSERT … SELECT: each row's node id comes from its path in the same statement; ORDER BY keeps the
    # rows in lock order (PostgreSQL inserts the sorted rows one by one). ON CONFLICT … DO UPDATE is
    # atomic against a concurrent insert of the same key on both databases (PostgreSQL waits for the
    # other transaction and then updates its row), so no get_or_create race exists. The WHERE clause
    # also keeps SQLite from reading ON CONFLICT as a join constraint.
    return (
        f"INSERT INTO {table.name} ({table.node_column}, {table.path_column}, {table.period_column}, "
        f"category_key, department_key, {counters}) "
        f"SELECT n.id, n.path, v.column3, v.column4, v.column5, {v_counters} "
        f"FROM (VALUES {values}) v, {node} n WHERE n.path = v.column2 ORDER BY v.column1 "
        f"ON CONFLICT ({table.node_column}, {table.period_column}, category_key, department_key) "
        f"DO UPDATE SET {updates}"
    )


def apply_deltas(changes: Iterable[tuple[Table, Key, Vector]]) -> None:
    """One upsert statement per table, tables in ``TABLES`` order, rows in key order."""
    ops = connection.ops
    by_table: dict[Table, list[list[Any]]] = defaultdict(list)
    for table, (path, period, category, department), vector in changes:
        into = by_table[table]
        into.append([len(into), path, ops.adapt_datefield_value(period), category, department, *vector])
    with connection.cursor() as cursor:
        for table in TABLES:
            rows = by_table.get(table, [])
            if not rows:
                continue
            cursor.execute(_upsert_sql(table, len(rows)), [value for row in rows for value in row])
            if cursor.rowcount != len(rows):
                paths = sorted({str(row[1]) for row in rows})
                raise RuntimeError(f"KPI rollup: no grid node at some of the paths {paths!r}")


def record(before: TicketFacts | None, after: TicketFacts | None) -> None:
    apply_deltas(deltas(before, after))


# ---------------------------------------------------------------- recomputation and rebuild

Rollup = dict[str, dict[Key, Vector]]


def kpi_recompute_from_tickets() -> Rollup:
    """Every rollup recomputed from the raw tickets (tests and ``sanzhi kpis --verify`` only)."""
    sums: dict[str, dict[Key, list[int]]] = {t.name: defaultdict(lambda: [0] * len(COUNTERS)) for t in TABLES}
    tickets = Ticket.objects.select_related("community").order_by("pk")
    for ticket in tickets.iterator(chunk_size=2000):
        facts = facts_of(ticket)
        vector = contribution(facts)
        for table, key in keys_of(facts):
            _add(sums[table.name][key], vector, 1)
    return {name: {k: tuple(v) for k, v in rows.items() if any(v)} for name, rows in sums.items()}


def kpi_stored() -> Rollup:
    """The rollup tables as they are (all-zero rows left by moves are dropped)."""
    stored: Rollup = {}
    for table in TABLES:
        rows = table.model._default_manager.values_list(
            table.path_column, table.period_column, "category_key", "department_key", *COUNTERS
        )
        stored[table.name] = {
            (r[0], r[1], r[2], r[3]): tuple(r[4:]) for r in rows.iterator(chunk_size=5000) if any(r[4:])
        }
    return stored


def kpi_differences(limit: int = 20) -> list[str]:
    """Where the stored rollups differ from a recomputation (empty when they agree)."""
    expected, stored = kpi_recompute_from_tickets(), kpi_stored()
    problems: list[str] = []
    for table in TABLES:
        want, have = expected[table.name], stored[table.name]
        for key in sorted(set(want) | set(have)):
            if want.get(key, ZERO) != have.get(key, ZERO):
                diff = {
                    name: (w, h)
                    for name, w, h in zip(COUNTERS, want.get(key, ZERO), have.get(key, ZERO), strict=True)
                    if w != h
                }
                problems.append(f"{table.name} {key}: expected/stored {diff}")
                if len(problems) >= limit:
                    return problems
    return problems


@transaction.atomic
def kpi_rebuild() -> dict[str, int]:
    """Rebuild every rollup from the raw tickets (after a bulk load, or to repair). Set-based SQL on
    PostgreSQL; on SQLite (a township at most) the recomputation written back in bulk.
    Returns the number of rows per table."""
    for table in TABLES:
        table.model._default_manager.all().delete()
    if connection.vendor == "postgresql":
        _rebuild_postgresql()
    else:
        _rebuild_from_recompute()
    return {t.name: t.model._default_manager.count() for t in TABLES}


def _rebuild_from_recompute() -> None:
    rollup = kpi_recompute_from_tickets()
    paths = {key[0] for rows in rollup.values() for key in rows}
    node_ids = dict(Node.objects.filter(path__in=paths).values_list("path", "pk"))
    for table in TABLES:
        objects = [
            table.model(
                **{
                    table.node_column: node_ids[path],
                    table.path_column: path,
                    table.period_column: period,
                    "category_key": category,
                    "department_key": department,
                    **dict(zip(COUNTERS, vector, strict=True)),
                }
            )
            for (path, period, category, department), vector in rollup[table.name].items()
        ]
        table.model._default_manager.bulk_create(objects, batch_size=2000)


_OPEN = ", ".join(f"'{s}'" for s in sorted(OPEN_STATES))
# The rules of ``contribution`` in SQL over the CTE ``t`` of _rebuild_postgresql.
_SQL_COUNTERS: dict[str, str] = {
    "received": "state <> 'merged'",
    "voided": "state = 'void'",
    "merged": "state = 'merged'",
    "consultations": "valid AND is_consultation",
    "consultations_answered": "is_resolved AND is_consultation",
    "responded": "valid AND responded_at IS NOT NULL",
    "responded_in_time": "valid AND responded_in_time IS TRUE",
    "resolved": "is_resolved",
    "resolved_grid": "is_resolved AND resolved_level = 'grid'",
    "resolved_community": "is_resolved AND resolved_level IN ('grid', 'community')",
    "closed": "state IN ('closed', 'rated')",
    "rated": "state = 'rated' AND rating <> ''",
    "satisfied": "state = 'rated' AND rating = 'satisfied'",
    "basic": "state = 'rated' AND rating = 'basic'",
    "unsatisfied": "state = 'rated' AND rating = 'unsatisfied'",
    "overdue": "valid AND overdue",
    "escalated": "valid AND escalations > 0",
    "open_now": f"state IN ({_OPEN})",
    "handled": "is_resolved",
}


def _sum_sql() -> str:
    parts = [f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END) AS {name}" for name, cond in _SQL_COUNTERS.items()]
    parts.append(
        "SUM(CASE WHEN is_resolved THEN GREATEST(FLOOR(EXTRACT(EPOCH FROM resolved_at - created_at)), 0) "
        "ELSE 0 END)::bigint AS handling_seconds"
    )
    return ", ".join(parts)


def _rebuild_postgresql() -> None:
    ticket, node = Ticket._meta.db_table, Node._meta.db_table
    counters = ", ".join(COUNTERS)
    g_counters = ", ".join(f"g.{c}" for c in COUNTERS)
    step = Node.steplen
    source = f"""
        WITH t AS (
          SELECT tk.*, c.path AS community_path,
                 (tk.created_at AT TIME ZONE %(tz)s)::date AS day,
                 tk.state NOT IN ('void', 'merged') AS valid,
                 (tk.state IN ('resolved', 'closed', 'rated') AND tk.resolved_at IS NOT NULL) AS is_resolved
          FROM {ticket} tk LEFT JOIN {node} c ON c.id = tk.community_id
        )"""
    keys = "day, COALESCE(category_id, 0) AS category_key, COALESCE(department_id, 0) AS department_key"
    grid = (
        f"CASE WHEN community_path IS NOT NULL AND length(node_path) > length(community_path) "
        f"THEN substr(node_path, 1, length(community_path) + {step}) END"
    )
    params = {"tz": settings.TIME_ZONE}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""{source}
            INSERT INTO {DAY.name} (node_id, node_path, day, category_key, department_key, {counters})
            SELECT n.id, n.path, g.day, g.category_key, g.department_key, {g_counters}
            FROM (SELECT COALESCE(community_path, node_path) AS anchor, {keys}, {_sum_sql()}
                  FROM t GROUP BY 1, 2, 3, 4) g
            JOIN {node} n ON n.path = g.anchor""",
            params,
        )
        cursor.execute(
            f"""{source}
            INSERT INTO {GRID.name} (grid_id, grid_path, day, category_key, department_key, {counters})
            SELECT n.id, n.path, g.day, g.category_key, g.department_key, {g_counters}
            FROM (SELECT {grid} AS anchor, {keys}, {_sum_sql()}
                  FROM t WHERE {grid} IS NOT NULL GROUP BY 1, 2, 3, 4) g
            JOIN {node} n ON n.path = g.anchor""",
            params,
        )
        # As street_path(): the community's parent, else the landing node.
        street = (
            f"CASE WHEN community_path IS NOT NULL "
            f"THEN substr(community_path, 1, length(community_path) - {step}) ELSE node_path END"
        )
        cursor.execute(
            f"""{source}
            INSERT INTO {AREA_DAY.name} (node_id, node_path, day, category_key, department_key, {counters})
            SELECT n.id, n.path, g.day, g.category_key, g.department_key, {g_counters}
            FROM (SELECT {street} AS anchor, {keys}, {_sum_sql()}
                  FROM t GROUP BY 1, 2, 3, 4) g
            JOIN {node} n ON n.path = g.anchor""",
            params,
        )
        # Then every ancestor of the streets (as area_paths()): the street rows summed per prefix.
        g_sums = ", ".join(f"SUM(a.{c}) AS {c}" for c in COUNTERS)
        day_columns = f"node_id, node_path, day, category_key, department_key, {counters}"
        # A ticket that landed on a county already has a row there: add to it.
        area_updates = ", ".join(f"{c} = {AREA_DAY.name}.{c} + excluded.{c}" for c in COUNTERS)
        cursor.execute(
            f"""INSERT INTO {AREA_DAY.name} ({day_columns})
            SELECT n.id, n.path, g.day, g.category_key, g.department_key, {g_counters}
            FROM (SELECT substr(a.node_path, 1, p.len) AS anchor, a.day, a.category_key, a.department_key,
                         {g_sums}
                  FROM {AREA_DAY.name} a
                  JOIN generate_series({step}, (SELECT max(length(node_path)) FROM {AREA_DAY.name}), {step})
                    AS p(len) ON p.len < length(a.node_path)
                  GROUP BY 1, 2, 3, 4) g
            JOIN {node} n ON n.path = g.anchor
            ON CONFLICT (node_id, day, category_key, department_key) DO UPDATE SET {area_updates}"""
        )
        sums = ", ".join(f"SUM({c})" for c in COUNTERS)
        for table in (DAY, AREA_DAY):
            cursor.execute(
                f"""INSERT INTO {table.name} ({day_columns})
                SELECT node_id, node_path, day, {ALL_CATEGORIES}, department_key, {sums}
                FROM {table.name} WHERE category_key >= 0 GROUP BY node_id, node_path, day, department_key"""
            )
        for day_table, month_table in ((DAY, MONTH), (AREA_DAY, AREA_MONTH)):
            cursor.execute(
                f"""INSERT INTO {month_table.name}
                  (node_id, node_path, month, category_key, department_key, {counters})
                SELECT node_id, node_path, date_trunc('month', day)::date AS month, category_key,
                       department_key, {sums}
                FROM {day_table.name} GROUP BY node_id, node_path, 3, category_key, department_key"""
            )
        cursor.execute("; ".join(f"ANALYZE {t.name}" for t in TABLES))
