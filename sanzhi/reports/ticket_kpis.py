"""Ticket KPIs (诉求考核指标): kept in the rollups (``sanzhi.reports.models``) in the same transaction
as every ticket change, and read from them for any node's subtree, department, category and period — never by
scanning raw tickets on request.

Definitions (a ticket is counted in the period of its local intake day; merged duplicates are not
counted at all, void tickets only as "received" and "voided"; *valid* = received − voided):

- 响应率 response rate = responded within the response limit of the level holding it / valid
- 解决率 resolution rate = resolved (反馈, 结案 or 评价; answered for consultations) / valid
- 满意率 satisfaction rate = (满意 + 基本满意) / rated, the final rating of each ticket
  (an unsatisfied rating that reopens the ticket is replaced by the next one)
- 小事不出格 grid share = resolved while held at the grid / resolved
- 大事不出网 community share = resolved at the grid or the community / resolved
- 超时 overdue = valid tickets ever past a deadline; 平均办理时长 = mean wall-clock hours from intake to 反馈
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.roles import Capability
from sanzhi.core.errors import NotFound, ValidationFailed
from sanzhi.grids.models import Node, NodeKind
from sanzhi.grids.selectors import node_get_for
from sanzhi.reports import rollups
from sanzhi.reports.models import (
    COUNTERS,
    TicketAreaDayRollup,
    TicketAreaMonthRollup,
    TicketDayRollup,
    TicketGridDayRollup,
    TicketMonthRollup,
)
from sanzhi.reports.rollups import ALL_CATEGORIES
from sanzhi.tickets.facts import TicketFacts
from sanzhi.tickets.models import Category, Department

MAX_DAYS = 3700  # about ten years
MAX_DAILY_POINTS = 400
RATES = ("response_rate", "resolution_rate", "satisfaction_rate", "grid_share", "community_share")
GRANULARITIES = ("day", "week", "month")


def record_ticket_change(before: TicketFacts | None, after: TicketFacts) -> None:
    """Move the ticket's contribution in the rollups from ``before`` to ``after`` (same transaction)."""
    rollups.record(before, after)


# ---------------------------------------------------------------- values


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator > 0 else None


@dataclass(frozen=True)
class KpiCounts:
    received: int = 0
    voided: int = 0
    merged: int = 0
    consultations: int = 0
    consultations_answered: int = 0
    responded: int = 0
    responded_in_time: int = 0
    resolved: int = 0
    resolved_grid: int = 0
    resolved_community: int = 0
    closed: int = 0
    rated: int = 0
    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    overdue: int = 0
    escalated: int = 0
    open_now: int = 0
    handled: int = 0
    handling_seconds: int = 0

    @classmethod
    def from_sums(cls, row: dict[str, Any]) -> KpiCounts:
        return cls(**{c: int(row.get(f"s_{c}") or 0) for c in COUNTERS})

    def __add__(self, other: KpiCounts) -> KpiCounts:
        return KpiCounts(**{c: getattr(self, c) + getattr(other, c) for c in COUNTERS})

    @property
    def valid(self) -> int:
        return self.received - self.voided

    @property
    def response_rate(self) -> float | None:
        return _ratio(self.responded_in_time, self.valid)

    @property
    def resolution_rate(self) -> float | None:
        return _ratio(self.resolved, self.valid)

    @property
    def satisfaction_rate(self) -> float | None:
        return _ratio(self.satisfied + self.basic, self.rated)

    @property
    def grid_share(self) -> float | None:
        return _ratio(self.resolved_grid, self.resolved)

    @property
    def community_share(self) -> float | None:
        return _ratio(self.resolved_community, self.resolved)

    @property
    def avg_handling_hours(self) -> float | None:
        return round(self.handling_seconds / self.handled / 3600, 2) if self.handled else None

    def rate(self, name: str) -> float | None:
        value: float | None = getattr(self, name)
        return value

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {c: getattr(self, c) for c in COUNTERS if c != "handling_seconds"}
        data["valid"] = self.valid
        data["avg_handling_hours"] = self.avg_handling_hours
        for name in RATES:
            data[name] = self.rate(name)
        return data


ZERO = KpiCounts()


@dataclass
class ChildKpi:
    node: Node
    counts: KpiCounts
    ranks: dict[str, int | None] = field(default_factory=dict)


@dataclass
class CategoryKpi:
    category: Category | None  # None: not yet categorised
    counts: KpiCounts


@dataclass
class TrendPoint:
    start: dt.date
    counts: KpiCounts


@dataclass
class KpiReport:
    node: Node
    date_from: dt.date
    date_to: dt.date
    department: Department | None
    category: Category | None
    granularity: str
    totals: KpiCounts
    children: list[ChildKpi]
    trend: list[TrendPoint]
    categories: list[CategoryKpi]

    def ranking(self, rate: str) -> list[ChildKpi]:
        """Children by one rate, best first; those without a value (nothing to count) last."""
        ranked = [c for c in self.children if c.ranks.get(rate) is not None]
        unranked = [c for c in self.children if c.ranks.get(rate) is None]
        return sorted(ranked, key=lambda c: (c.ranks[rate] or 0, c.node.code)) + unranked


# ---------------------------------------------------------------- reading the rollups

# Sums are read with plain SQL: compiling an ORM query with twenty aggregates costs more than running
# it against a few thousand rollup rows.
_SUMS = ", ".join(f"SUM({c})" for c in COUNTERS)
_PATH_CEILING = "~"  # as sanzhi.core.fields.subtree_q: greater than every path character

Sums = list[int]


def _new_sums() -> Sums:
    return [0] * len(COUNTERS)


def _counts(sums: Sums) -> KpiCounts:
    return KpiCounts(*sums)


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


@dataclass(frozen=True)
class _Table:
    name: str
    path: str
    period: str


_DAY = _Table(TicketDayRollup._meta.db_table, "node_path", "day")
_MONTH = _Table(TicketMonthRollup._meta.db_table, "node_path", "month")
_GRID = _Table(TicketGridDayRollup._meta.db_table, "grid_path", "day")
_AREA_DAY = _Table(TicketAreaDayRollup._meta.db_table, "node_path", "day")
_AREA_MONTH = _Table(TicketAreaMonthRollup._meta.db_table, "node_path", "month")

# Which rows serve a node's subtree: the level-1 grid table for a grid, the community tables for a
# community (summed over the subtree), the area tables for a street and above: there a node's own rows
# hold its whole subtree (every ticket counts on its street and each ancestor, see rollups.area_paths).
GRID_LEVEL, COMMUNITY_LEVEL, STREET_LEVEL = "grid", "community", "street"
_ABOVE_STREET = (NodeKind.PROVINCE, NodeKind.CITY, NodeKind.COUNTY)


@dataclass(frozen=True)
class _Source:
    """Where a node's rows live and how the period is split between month and day rows."""

    node: Node
    level: str  # GRID_LEVEL, COMMUNITY_LEVEL or STREET_LEVEL: which tables hold the rows
    category_keys: tuple[int, ...] | None
    department_key: int | None
    date_from: dt.date
    date_to: dt.date
    # Area tables only: read the rows of these nodes (the children of ``node``) instead of its own.
    paths: tuple[str, ...] = ()

    @property
    def grid(self) -> bool:
        return self.level == GRID_LEVEL

    @property
    def day_table(self) -> _Table:
        return {GRID_LEVEL: _GRID, COMMUNITY_LEVEL: _DAY, STREET_LEVEL: _AREA_DAY}[self.level]

    @property
    def month_table(self) -> _Table:
        return _AREA_MONTH if self.level == STREET_LEVEL else _MONTH

    def at_level(self, level: str) -> _Source:
        return dataclasses.replace(self, level=level)

    @property
    def months(self) -> tuple[dt.date, dt.date] | None:
        """The whole calendar months inside the period (first days of the first and last)."""
        if self.grid:
            return None
        first = self.date_from if self.date_from.day == 1 else _next_month(self.date_from)
        end = _next_month(self.date_to)  # first day of the month after the last day
        last = _add_months(end, -1) if self.date_to == end - dt.timedelta(days=1) else _add_months(end, -2)
        return (first, last) if first <= last else None

    def query(
        self, table: _Table, lo: dt.date, hi: dt.date, group: str | None, *, by_category: bool = False
    ) -> dict[Any, Sums]:
        """Sums of ``table`` rows in the subtree and [lo, hi], grouped by the SQL expression ``group``."""
        ops = connection.ops
        period = [ops.adapt_datefield_value(lo), ops.adapt_datefield_value(hi)]
        params: list[Any]
        if table in (_AREA_DAY, _AREA_MONTH):
            paths = self.paths or (self.node.path,)
            where = [f"{table.path} IN ({', '.join(['%s'] * len(paths))})"]
            params = list(paths)
        else:
            where = [f"{table.path} >= %s", f"{table.path} < %s"]
            params = [self.node.path, self.node.path + _PATH_CEILING]
        where += [f"{table.period} >= %s", f"{table.period} <= %s"]
        params += period
        if self.category_keys is not None:
            where.append(f"category_key IN ({', '.join(['%s'] * len(self.category_keys))})")
            params += self.category_keys
        elif by_category or table is _GRID:
            # The grid table has no "all categories" rows; a breakdown by category skips them.
            where.append("category_key >= 0")
        else:
            where.append(f"category_key = {ALL_CATEGORIES}")
        if self.department_key is not None:
            where.append("department_key = %s")
            params.append(self.department_key)
        key = group or "0"
        sql = f"SELECT {key}, {_SUMS} FROM {table.name} WHERE {' AND '.join(where)}"
        if group:
            sql += " GROUP BY 1"
        out: dict[Any, Sums] = {}
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                if group is None and row[1] is None:
                    continue  # no rows: SUM() of nothing
                out[row[0]] = [int(v or 0) for v in row[1:]]
        return out

    def segments(self) -> list[tuple[_Table, dt.date, dt.date]]:
        """Day rows for the ragged edges, month rows for the whole months between."""
        day = self.day_table
        if self.grid:
            return [(day, self.date_from, self.date_to)]
        months = self.months
        if months is None:
            return [(day, self.date_from, self.date_to)]
        first, last = months
        parts = [(self.month_table, first, last)]
        if self.date_from < first:
            parts.append((day, self.date_from, first - dt.timedelta(days=1)))
        after_last = _next_month(last)
        if after_last <= self.date_to:
            parts.append((day, after_last, self.date_to))
        return parts

    def grouped(self, group: str | None, *, by_category: bool = False) -> dict[Any, Sums]:
        merged: dict[Any, Sums] = defaultdict(_new_sums)
        for table, lo, hi in self.segments():
            expr = group if group != "period" else table.period
            for key, sums in self.query(table, lo, hi, expr, by_category=by_category).items():
                _accumulate(merged[key], sums)
        return merged


def _accumulate(into: Sums, sums: Sums) -> None:
    for i, v in enumerate(sums):
        into[i] += v


def _next_month(day: dt.date) -> dt.date:
    return _add_months(day.replace(day=1), 1)


def _add_months(first: dt.date, n: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _bucket(day: dt.date, granularity: str) -> dt.date:
    if granularity == "month":
        return day.replace(day=1)
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    return day


def _buckets(date_from: dt.date, date_to: dt.date, granularity: str) -> list[dt.date]:
    out: list[dt.date] = []
    current = _bucket(date_from, granularity)
    while current <= date_to:
        out.append(current)
        if granularity == "month":
            current = _next_month(current)
        else:
            current += dt.timedelta(days=7 if granularity == "week" else 1)
    return out


def auto_granularity(date_from: dt.date, date_to: dt.date) -> str:
    days = (date_to - date_from).days + 1
    return "day" if days <= 62 else "week" if days <= 190 else "month"


def _trend(source: _Source, granularity: str) -> list[TrendPoint]:
    sums: dict[dt.date, Sums] = defaultdict(_new_sums)
    if granularity == "month":
        pieces = source.grouped("period")
    else:
        pieces = source.query(source.day_table, source.date_from, source.date_to, "day")
    for day, row in pieces.items():
        _accumulate(sums[_bucket(_as_date(day), granularity)], row)
    return [
        TrendPoint(b, _counts(sums[b]) if b in sums else ZERO)
        for b in _buckets(source.date_from, source.date_to, granularity)
    ]


def _children(source: _Source) -> list[ChildKpi]:
    node = source.node
    if source.grid:
        return []
    kids = list(Node.objects.filter(path__startswith=node.path, depth=node.depth + 1).order_by("code"))
    if not kids:
        return []
    if node.kind == NodeKind.VILLAGE:
        by_path = source.query(_GRID, source.date_from, source.date_to, "grid_path")
    else:
        # A street's children are communities: the community rows. Above a street, the children's own
        # area rows.
        if node.kind in _ABOVE_STREET:
            rows = dataclasses.replace(source, paths=tuple(kid.path for kid in kids))
        else:
            rows = source.at_level(COMMUNITY_LEVEL)
        by_path = rows.grouped(f"substr(node_path, 1, {len(node.path) + Node.steplen})")
    children = [ChildKpi(kid, _counts(by_path[kid.path]) if kid.path in by_path else ZERO) for kid in kids]
    for rate in RATES:
        values = [c.counts.rate(rate) for c in children]
        for c, v in zip(children, values, strict=True):
            # Competition ranking: equal values share a rank, the next rank skips.
            c.ranks[rate] = None if v is None else 1 + sum(1 for o in values if o is not None and o > v)
    return children


def _category_mix(source: _Source) -> list[CategoryKpi]:
    by_key = source.grouped("category_key", by_category=True)
    names = Category.objects.in_bulk([k for k in by_key if k])
    mix = [CategoryKpi(names.get(k), _counts(sums)) for k, sums in by_key.items() if sums[0]]
    return sorted(mix, key=lambda m: (-m.counts.received, m.category.code if m.category else ""))


def _check_period(date_from: dt.date, date_to: dt.date) -> None:
    if date_to < date_from:
        raise ValidationFailed(_("结束日期不能早于开始日期"), code="invalid_period", data={"field": "to"})
    if (date_to - date_from).days >= MAX_DAYS:
        raise ValidationFailed(_("统计期间不能超过十年"), code="period_too_long", data={"field": "from"})


def _is_level1_grid(node: Node) -> bool:
    return node.kind == NodeKind.GRID and node.grid_level == 1


def kpi_report(
    *,
    node: Node,
    date_from: dt.date,
    date_to: dt.date,
    department: Department | None = None,
    category: Category | None = None,
    granularity: str = "",
) -> KpiReport:
    """The KPIs of ``node``'s subtree for tickets received in [date_from, date_to] (unscoped: callers
    check access first, see ``kpi_report_for``)."""
    _check_period(date_from, date_to)
    if node.kind == NodeKind.GRID and not _is_level1_grid(node):
        raise ValidationFailed(
            _("考核指标统计到一级网格，请选择网格或其上级"), code="kpi_node_too_deep", data={"field": "node"}
        )
    granularity = granularity or auto_granularity(date_from, date_to)
    if granularity not in GRANULARITIES:
        raise ValidationFailed(_("未知的统计粒度"), code="invalid", data={"field": "granularity"})
    if granularity == "day" and (date_to - date_from).days >= MAX_DAILY_POINTS:
        raise ValidationFailed(
            _("按日统计的期间不能超过 400 天"), code="period_too_long", data={"field": "granularity"}
        )
    category_keys = None
    if category is not None:
        category_keys = (category.pk, *Category.objects.filter(parent=category).values_list("pk", flat=True))
    if _is_level1_grid(node):
        level = GRID_LEVEL
    elif node.kind == NodeKind.VILLAGE:
        level = COMMUNITY_LEVEL
    else:
        level = STREET_LEVEL
    source = _Source(
        node,
        level,
        category_keys,
        department.pk if department is not None else None,
        date_from,
        date_to,
    )
    trend = _trend(source, granularity)
    # The trend's buckets cover the period exactly once: their sum is the period's totals.
    totals = sum((p.counts for p in trend), ZERO)
    return KpiReport(
        node=node,
        date_from=date_from,
        date_to=date_to,
        department=department,
        category=category,
        granularity=granularity,
        totals=totals,
        children=_children(source),
        trend=trend,
        categories=_category_mix(source),
    )


def kpi_report_for(
    *,
    user: Any,
    node_code: str,
    date_from: dt.date,
    date_to: dt.date,
    department_code: str = "",
    category_code: str = "",
    granularity: str = "",
) -> KpiReport:
    """The report a user asked for: only with tickets.kpis at the node (else 404, like every scoped
    read); unknown department or category codes are a 400 on that field."""
    node = node_get_for(user=user, code=node_code, capability=Capability.VIEW_KPIS)
    department = None
    if department_code:
        department = Department.objects.filter(code=department_code).first()
        if department is None:
            raise ValidationFailed(_("部门不存在"), code="unknown_department", data={"field": "department"})
    category = None
    if category_code:
        category = Category.objects.filter(code=category_code).first()
        if category is None:
            raise ValidationFailed(_("分类不存在"), code="unknown_category", data={"field": "category"})
    return kpi_report(
        node=node,
        date_from=date_from,
        date_to=date_to,
        department=department,
        category=category,
        granularity=granularity,
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def kpi_summary_sentence(totals: KpiCounts) -> str:
    """The period summary in the style of the published reports:
    "收集诉求137条，网格内解决97条，回复咨询219个"."""
    return gettext(
        "收集诉求{received}条，办结{resolved}条，其中网格内解决{grid}条、社区内解决{community}条，"
        "回复咨询{answered}个；响应率{response}，解决率{resolution}，满意率{satisfaction}，超时{overdue}条。"
    ).format(
        received=totals.valid,
        resolved=totals.resolved,
        grid=totals.resolved_grid,
        community=totals.resolved_community,
        answered=totals.consultations_answered,
        response=_pct(totals.response_rate),
        resolution=_pct(totals.resolution_rate),
        satisfaction=_pct(totals.satisfaction_rate),
        overdue=totals.overdue,
    )


__all__ = [
    "KpiCounts",
    "KpiReport",
    "NotFound",
    "kpi_report",
    "kpi_report_for",
    "kpi_summary_sentence",
    "record_ticket_change",
]
