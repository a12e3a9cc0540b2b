"""The clock of a level: response and resolution limits in working hours, per category and level."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sanzhi.core.workcalendar import add_working_hours
from sanzhi.tickets.models import Category, Ticket
from sanzhi.tickets.states import Level

# Working hours (response, resolution) per level when neither the category nor its parent sets them:
# answer the same working day, resolve in 2 working days at the grid, 3 at the community, 5 above.
DEFAULT_LIMITS: dict[str, tuple[Decimal, Decimal]] = {
    Level.GRID: (Decimal(2), Decimal(16)),
    Level.COMMUNITY: (Decimal(4), Decimal(24)),
    Level.STREET: (Decimal(8), Decimal(40)),
    Level.DEPARTMENT: (Decimal(8), Decimal(40)),
}


def limits_for(category: Category | None, level: str) -> tuple[Decimal, Decimal]:
    """(response, resolve) working hours at ``level``: the category's own row, else its parent's."""
    while category is not None:
        for limit in category.limits.all():
            if limit.level == level:
                return limit.response_hours, limit.resolve_hours
        category = category.parent
    return DEFAULT_LIMITS[level]


def start_level_clock(ticket: Ticket, now: dt.datetime) -> None:
    _response, resolve = limits_for(ticket.category, ticket.level)
    ticket.level_since = now
    ticket.due_at = add_working_hours(now, resolve)
    ticket.deadline_handled = False
    ticket.remaining_seconds = None


CLOCK_FIELDS = ["level_since", "due_at", "deadline_handled", "remaining_seconds"]
