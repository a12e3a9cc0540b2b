"""What a ticket contributes to the KPI rollups, as a plain value taken before and after a change.

``services.ticket_transition`` hands (before, after) to ``sanzhi.reports.ticket_kpis`` in the same
transaction, which subtracts the old contribution and adds the new one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from sanzhi.tickets.models import Ticket
from sanzhi.tickets.states import State

RESOLVED_STATES = frozenset({State.RESOLVED, State.CLOSED, State.RATED})


@dataclass(frozen=True)
class TicketFacts:
    ticket_id: int
    day: dt.date  # local date of intake: the cohort a ticket is counted in
    node_path: str
    community_id: int | None
    community_path: str
    department_id: int | None
    category_id: int | None
    state: str
    level: str
    is_consultation: bool
    responded: bool
    responded_in_time: bool
    resolved: bool
    resolved_level: str
    closed: bool
    rating: str
    overdue: bool
    escalated: bool
    # Wall-clock seconds from intake to the handler's report (反馈), when resolved.
    handling_seconds: int | None


def facts_of(ticket: Ticket) -> TicketFacts:
    resolved = ticket.state in RESOLVED_STATES and ticket.resolved_at is not None
    handling = (
        int((ticket.resolved_at - ticket.created_at).total_seconds())
        if resolved and ticket.resolved_at
        else None
    )
    community_path = ticket.community.path if ticket.community is not None else ""
    return TicketFacts(
        ticket_id=ticket.pk,
        day=timezone.localdate(ticket.created_at),
        node_path=ticket.node_path,
        community_id=ticket.community_id,
        community_path=community_path,
        department_id=ticket.department_id,
        category_id=ticket.category_id,
        state=ticket.state,
        level=ticket.level,
        is_consultation=ticket.is_consultation,
        responded=ticket.responded_at is not None,
        responded_in_time=bool(ticket.responded_in_time),
        resolved=resolved,
        resolved_level=ticket.resolved_level if resolved else "",
        closed=ticket.state in (State.CLOSED, State.RATED),
        rating=ticket.rating if ticket.state == State.RATED else "",
        overdue=ticket.overdue,
        escalated=ticket.escalations > 0,
        handling_seconds=max(handling, 0) if handling is not None else None,
    )
