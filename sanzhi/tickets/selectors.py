"""Scoped reads of tickets: a user sees the tickets in the subtrees where they may view tickets, the
ones they reported, the ones they hold and the ones sent to their department — nothing else."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import NotFound
from sanzhi.core.fields import subtree_q
from sanzhi.grids.models import Node
from sanzhi.tickets import rules
from sanzhi.tickets.models import Category, Department, Notification, Ticket, TicketEvent


def visible_q(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    scope = scope_for(user, Capability.VIEW_TICKETS)
    if scope.everything:
        # An empty Q() would vanish from the OR below and leave only the user's own tickets.
        return Q()
    query = Q(reporter=user) | Q(assignee=user)
    if not scope.empty:
        query |= scope.q("node_path")
    departments = rules.department_ids_of(user)
    if departments:
        query |= Q(department_id__in=departments)
    return query


def ticket_list_for(
    *,
    user: Any,
    under: Node | None = None,
    states: list[str] | None = None,
    level: str = "",
    category: Category | None = None,
    department: Department | None = None,
    assigned_to_me: bool = False,
    reported_by_me: bool = False,
) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(visible_q(user))
    if under is not None:
        tickets = tickets.filter(subtree_q("node_path", under.path))
    if states:
        tickets = tickets.filter(state__in=states)
    if level:
        tickets = tickets.filter(level=level)
    if category is not None:
        tickets = tickets.filter(Q(category=category) | Q(category__parent=category))
    if department is not None:
        tickets = tickets.filter(department=department)
    if assigned_to_me:
        tickets = tickets.filter(assignee=user)
    if reported_by_me:
        tickets = tickets.filter(reporter=user)
    return tickets.select_related("category", "node", "assignee", "department").order_by("-id")


def ticket_get_for(*, user: Any, pk: int) -> Ticket:
    """Fetch-and-authorize in one call: an invisible ticket is a 404, never a 403."""
    ticket = (
        Ticket.objects.select_related(
            "category__parent",
            "category__department",
            "node",
            "community",
            "street",
            "assignee",
            "assignee_node",
            "department",
            "reporter",
            "household",
            "merged_into",
        )
        .filter(pk=pk)
        .first()
    )
    if ticket is None or not rules.can_view(user, ticket):
        raise NotFound(_not_found_message(), code="ticket_not_found")
    return ticket


def _not_found_message() -> str:
    from django.utils.translation import gettext

    return gettext("工单不存在")


def ticket_events(ticket: Ticket) -> QuerySet[TicketEvent]:
    return ticket.events.select_related("actor").prefetch_related("attachments").order_by("id")


def category_list(*, active_only: bool = True) -> QuerySet[Category]:
    categories = Category.objects.select_related("parent", "department").prefetch_related("limits")
    return categories.filter(active=True) if active_only else categories


def inbox_for(*, user: Any, unread_only: bool = False) -> QuerySet[Notification]:
    notes = Notification.objects.filter(user=user)
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    return notes.select_related("ticket").order_by("-id")
