"""KPI rollups of tickets (诉求考核指标汇总): counters per (place, intake day or month, category, department).

A ticket is counted in the cohort of its local intake day. ``ticket_kpis.record_ticket_change`` moves a
ticket's contribution from its old facts to its new ones in the same transaction as the change, so the
rollups always equal a recomputation from the raw tickets (``sanzhi kpis --verify`` proves it).

Three grains:
- ``TicketDayRollup``: the community (社区/村; or the street when a ticket landed on the street itself)
  × day — the base; a node above the community sums its communities by path range.
- ``TicketMonthRollup``: the same per calendar month, so a year at county level sums a few thousand rows.
- ``TicketGridDayRollup``: the level-1 grid (网格) × day, for grid KPIs and a community's grid ranking.
- ``TicketAreaDayRollup`` / ``TicketAreaMonthRollup``: the street (街道, the community's parent; or the
  landing node of a ticket without a community) and each of its ancestors (county, city, …) × day /
  month: a street or any node above it reads its own rows instead of summing its communities, and its
  children's ranking reads the rows of its children.

``category_key`` and ``department_key`` are ids with 0 for "none": a nullable column would break the
unique key the upsert relies on (NULLs are distinct in a unique index). Rollup rows are derived data and
carry no foreign keys to categories or departments.
"""

from __future__ import annotations

from django.db import models

from sanzhi.core.fields import PathField

COUNTERS: tuple[str, ...] = (
    "received",  # not merged into another ticket (void ones included)
    "voided",  # 作废
    "merged",  # 合并 into another ticket (never counted as received)
    "consultations",  # valid consultations (咨询类)
    "consultations_answered",  # … answered (回复咨询)
    "responded",  # valid, taken up (接单) or answered
    "responded_in_time",  # … within the response limit of the level
    "resolved",  # 反馈/结案/评价: reported done by the handler
    "resolved_grid",  # resolved while held at the grid (小事不出格)
    "resolved_community",  # resolved at the grid or the community (大事不出网)
    "closed",  # verified and closed (核查结案), rated or not
    "rated",  # rated (评价), the final rating only
    "satisfied",  # 满意
    "basic",  # 基本满意
    "unsatisfied",  # 不满意 (final: after the reopen limit)
    "overdue",  # valid and ever past a deadline
    "escalated",  # valid and escalated at least once (超时升级)
    "open_now",  # still open (reported … suspended)
    "handled",  # resolved tickets with a handling time
    "handling_seconds",  # their wall-clock seconds from intake to 反馈
)


class KpiCounters(models.Model):
    received = models.IntegerField(default=0)
    voided = models.IntegerField(default=0)
    merged = models.IntegerField(default=0)
    consultations = models.IntegerField(default=0)
    consultations_answered = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    responded_in_time = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolved_grid = models.IntegerField(default=0)
    resolved_community = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    basic = models.IntegerField(default=0)
    unsatisfied = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    open_now = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)
    handling_seconds = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class TicketDayRollup(KpiCounters):
    """社区 × 日 × 分类 × 部门: the base grain of the ticket KPIs."""

    node = models.ForeignKey("grids.Node", on_delete=models.CASCADE, related_name="+")
    node_path = PathField()
    day = models.DateField()
    category_key = models.IntegerField(default=0)
    department_key = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["node", "day", "category_key", "department_key"], name="kpi_day_key"
            )
        ]
        indexes = [
            models.Index(fields=["node_path", "day"], name="kpi_day_path_idx"),
            # A county or city covers most paths: there the period is the selective bound.
            models.Index(fields=["day", "category_key", "node_path"], name="kpi_day_period_idx"),
            models.Index(
                fields=["day", "node_path"], name="kpi_day_all_idx", condition=models.Q(category_key=-1)
            ),
            models.Index(fields=["department_key", "day"], name="kpi_day_department_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.node_path} {self.day} c{self.category_key} d{self.department_key}"


class TicketMonthRollup(KpiCounters):
    """社区 × 月 × 分类 × 部门: whole months of a long period come from here."""

    node = models.ForeignKey("grids.Node", on_delete=models.CASCADE, related_name="+")
    node_path = PathField()
    month = models.DateField()  # the first day of the month
    category_key = models.IntegerField(default=0)
    department_key = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["node", "month", "category_key", "department_key"], name="kpi_month_key"
            )
        ]
        indexes = [
            models.Index(fields=["node_path", "month"], name="kpi_month_path_idx"),
            models.Index(fields=["month", "category_key", "node_path"], name="kpi_month_period_idx"),
            models.Index(
                fields=["month", "node_path"], name="kpi_month_all_idx", condition=models.Q(category_key=-1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.node_path} {self.month:%Y-%m} c{self.category_key} d{self.department_key}"


class TicketGridDayRollup(KpiCounters):
    """网格 × 日 × 分类 × 部门: the level-1 grid under the community (community path + one step)."""

    grid = models.ForeignKey("grids.Node", on_delete=models.CASCADE, related_name="+")
    grid_path = PathField()
    day = models.DateField()
    category_key = models.IntegerField(default=0)
    department_key = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "day", "category_key", "department_key"], name="kpi_grid_day_key"
            )
        ]
        indexes = [models.Index(fields=["grid_path", "day"], name="kpi_grid_path_idx")]

    def __str__(self) -> str:
        return f"{self.grid_path} {self.day} c{self.category_key} d{self.department_key}"


class TicketAreaDayRollup(KpiCounters):
    """街道及以上 × 日 × 分类 × 部门: a ticket counts on its street and on every ancestor of the street."""

    node = models.ForeignKey("grids.Node", on_delete=models.CASCADE, related_name="+")
    node_path = PathField()
    day = models.DateField()
    category_key = models.IntegerField(default=0)
    department_key = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["node", "day", "category_key", "department_key"], name="kpi_area_day_key"
            )
        ]
        indexes = [
            models.Index(fields=["node_path", "day", "category_key"], name="kpi_area_day_path_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.node_path} {self.day} c{self.category_key} d{self.department_key}"


class TicketAreaMonthRollup(KpiCounters):
    """街道及以上 × 月 × 分类 × 部门: whole months of a long period at street level and above."""

    node = models.ForeignKey("grids.Node", on_delete=models.CASCADE, related_name="+")
    node_path = PathField()
    month = models.DateField()  # the first day of the month
    category_key = models.IntegerField(default=0)
    department_key = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["node", "month", "category_key", "department_key"], name="kpi_area_month_key"
            )
        ]
        indexes = [
            models.Index(fields=["node_path", "month", "category_key"], name="kpi_area_month_path_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.node_path} {self.month:%Y-%m} c{self.category_key} d{self.department_key}"
