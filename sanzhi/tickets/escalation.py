"""超时升级: "网格呼叫、镇街处置、部门报到" — an overdue ticket climbs grid → community → street →
the category's department, exactly once per level, on the working-time clock."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.tickets.models import Ticket, TicketEscalation
from sanzhi.tickets.notifications import NotificationKind, notify_level
from sanzhi.tickets.services import ticket_transition
from sanzhi.tickets.states import CLOCK_STATES, Action, Level, level_above
from sanzhi.tickets.targets import Target, send

A = Action
logger = logging.getLogger(__name__)


def _escalation_target(t: Ticket) -> str | None:
    """The level an overdue ticket climbs to, or None at the top of the ladder (or with no active
    department to report to, or when it already reached that level by timeout once)."""
    up = level_above(t.level)
    department = t.category.department if t.category is not None else None
    if up == Level.DEPARTMENT and (department is None or not department.active):
        return None
    if up is not None and TicketEscalation.objects.filter(ticket_id=t.pk, to_level=up).exists():
        return None
    return up


@transaction.atomic
def ticket_escalate(*, ticket_id: int, now: dt.datetime) -> Ticket | None:
    """超时升级: one overdue ticket goes one level up, exactly once per level; where it cannot climb it
    is flagged overdue and stays. None when there was nothing to do (another worker got there
    first, or the deadline moved meanwhile)."""
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("category__department")
        .filter(pk=ticket_id)
        .first()
    )
    if locked is None or locked.state not in CLOCK_STATES or locked.deadline_handled:
        return None
    if locked.due_at is None or locked.due_at > now:
        return None
    up = _escalation_target(locked)

    def apply(t: Ticket) -> list[str]:
        t.overdue = True
        t.deadline_handled = True
        if up is None:
            return ["overdue", "deadline_handled"]
        department = t.category.department if up == Level.DEPARTMENT and t.category is not None else None
        from_level = t.level
        fields = send(t, Target(department=department), up, now)
        t.escalations += 1
        # The unique (ticket, to_level) row is the guarantee; the row lock above makes a second
        # worker wait and then find deadline_handled or a new deadline.
        TicketEscalation.objects.create(ticket=t, from_level=from_level, to_level=up, at=now)
        return [*fields, "escalations", "overdue", "deadline_handled"]

    if up is None:
        flagged = ticket_transition(
            actor=None,
            ticket_id=ticket_id,
            action=A.COMMENT,
            apply=apply,
            note=str(_("已超过办结时限")),
            data={"overdue": True},
            now=now,
        )
        notify_level(ticket=flagged, kind=NotificationKind.OVERDUE, now=now)
        return flagged
    escalated = ticket_transition(
        actor=None,
        ticket_id=ticket_id,
        action=A.ESCALATE,
        apply=apply,
        data={"overdue": True, "to": up},
        now=now,
    )
    # In this transaction, so the messages exist exactly when the escalation does; e-mail after commit.
    notify_level(ticket=escalated, kind=A.ESCALATE, now=now)
    return escalated


# ---------------------------------------------------------------- the periodic tick


def tick_seconds() -> float:
    """How often ``sanzhi worker`` runs the tick (settings.SANZHI_TICK_SECONDS, default 60; 0 = off)."""
    return float(getattr(settings, "SANZHI_TICK_SECONDS", 60))


@dataclass
class TickReport:
    """What one tick did. ``skipped``: due when read, but another worker (or a hand) got there first."""

    now: dt.datetime
    due: int = 0
    escalated: dict[str, int] = field(default_factory=dict)  # by the level climbed to
    overdue: dict[str, int] = field(default_factory=dict)  # flagged at the top, by level
    skipped: int = 0
    failed: list[int] = field(default_factory=list)  # ticket ids whose escalation raised
    queries: int = 0  # reads of the due index (1 when nothing was due)

    @property
    def escalated_total(self) -> int:
        return sum(self.escalated.values())

    @property
    def overdue_total(self) -> int:
        return sum(self.overdue.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.isoformat(),
            "due": self.due,
            "escalated": self.escalated_total,
            "escalated_by_level": dict(sorted(self.escalated.items())),
            "overdue": self.overdue_total,
            "overdue_by_level": dict(sorted(self.overdue.items())),
            "skipped": self.skipped,
            "failed": list(self.failed),
        }


def _running_clock_sql() -> RawSQL:
    states = sorted(CLOCK_STATES)
    if not all(re.fullmatch(r"[a-z_]+", state) for state in states):  # inlined below: plain words only
        raise ValueError(states)
    return RawSQL(
        '"state" IN ({})'.format(", ".join(f"'{state}'" for state in states)), [], output_field=BooleanField()
    )


# The partial index's state condition with its constants written out: a planner can use a partial
# index only when it can prove the query implies the index's condition, which SQLite (always) and
# PostgreSQL (with server-side binding) cannot do for bound parameters in ``state IN (%s, …)``.
RUNNING_CLOCK = _running_clock_sql()


def due_clocks(
    now: dt.datetime, *, limit: int, after: tuple[dt.datetime, int] | None = None
) -> list[tuple[int, str, dt.datetime]]:
    """(id, level, due_at) of running clocks due by ``now``, oldest deadline first: one read of the
    partial index ``ticket_due_open_idx`` (its condition is repeated here word for word so the
    planner can use it). ``after`` continues past the last row of the previous batch."""
    due = Ticket.objects.filter(RUNNING_CLOCK, due_at__lte=now, deadline_handled=False)
    if after is not None:
        last_due, last_id = after
        due = due.filter(Q(due_at__gt=last_due) | Q(due_at=last_due, pk__gt=last_id))
    rows = due.order_by("due_at", "pk").values_list("pk", "level", "due_at")[:limit]
    return [(pk, level, due_at) for pk, level, due_at in rows if due_at is not None]


def tick(*, now: dt.datetime | None = None, batch: int = 500) -> TickReport:
    """One pass of the escalation clock: every ticket whose deadline passed by ``now`` climbs one level
    (or is flagged overdue at the top). Each ticket is its own transaction (``ticket_escalate``), so
    one failure or a slow ticket holds up nothing else, and two workers can tick at once: the row lock,
    ``deadline_handled`` and the unique TicketEscalation row decide who does each ticket, and the
    loser counts it as skipped. With nothing due this is a single indexed read.

    An escalated ticket starts its new level's clock at ``now``, so it leaves the due set and one tick
    moves a ticket at most one level; batches continue by (due_at, id), so the pass always ends.
    """
    now = now or timezone.now()
    report = TickReport(now=now)
    after: tuple[dt.datetime, int] | None = None
    while True:
        rows = due_clocks(now, limit=batch, after=after)
        report.queries += 1
        report.due += len(rows)
        for ticket_id, level, due_at in rows:
            after = (due_at, ticket_id)
            try:
                result = ticket_escalate(ticket_id=ticket_id, now=now)
            except Exception:  # one bad ticket must not stop the clock for the others
                logger.exception("escalation of ticket %s failed", ticket_id)
                report.failed.append(ticket_id)
                continue
            if result is None:
                report.skipped += 1
            elif result.level != level:
                report.escalated[result.level] = report.escalated.get(result.level, 0) + 1
            else:
                report.overdue[level] = report.overdue.get(level, 0) + 1
        if len(rows) < batch:
            break
    if report.due:
        logger.info(
            "tick %s: escalated %s, overdue %s, skipped %s, failed %s",
            now.isoformat(),
            report.escalated_total,
            report.overdue_total,
            report.skipped,
            len(report.failed),
        )
    return report


def tick_loop(
    *,
    stop: threading.Event,
    seconds: float | None = None,
    run: Callable[[], TickReport] = tick,
    on_report: Callable[[TickReport], None] | None = None,
    max_ticks: int | None = None,
) -> int:
    """The worker's clock: tick now, then every ``seconds`` until ``stop`` is set (or ``max_ticks``).

    Never dies of an error (a database restart, a bad row): it logs and tries again next period.
    Returns the number of ticks run."""
    period = tick_seconds() if seconds is None else seconds
    ticks = 0
    while not stop.is_set() and (max_ticks is None or ticks < max_ticks):
        started = time.monotonic()
        # Drop a connection the server closed or CONN_MAX_AGE retired (never one under a caller's
        # open transaction, as in a test).
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            report = run()
            if on_report is not None:
                on_report(report)
        except Exception:
            logger.exception("escalation tick failed; retrying in %s s", period)
        ticks += 1
        if max_ticks is not None and ticks >= max_ticks:
            break
        stop.wait(max(0.0, period - (time.monotonic() - started)))
    return ticks
