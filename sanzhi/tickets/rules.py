"""Who may do what to a ticket, as predicates over (user, ticket).

The ladder decides whose ticket it is: at grid level the grid's staff (the landing node's subtree),
at community level the community's, at street level the street's; at department level the
department's members handle it and the street's dispatchers answer for it. Capabilities come from
role assignments (accounts.roles.GRANTS); the assignee may always work the ticket they hold
(a party member on a run holds no staff role).
"""

from __future__ import annotations

from typing import Any

import rules

from sanzhi.accounts.roles import Capability as C
from sanzhi.accounts.scoping import scope_for
from sanzhi.tickets.models import Ticket
from sanzhi.tickets.states import Action, Level

A = Action


def owner_path(ticket: Ticket) -> str:
    """Path of the node whose dispatchers answer for the ticket at its current level."""
    if ticket.level == Level.GRID:
        return ticket.node_path
    if ticket.level == Level.COMMUNITY and ticket.community is not None:
        return ticket.community.path
    if ticket.street is not None:
        return ticket.street.path
    return ticket.community.path if ticket.community is not None else ticket.node_path


def verifier_path(ticket: Ticket) -> str:
    """核查: the level above the handler checks the work (the community for the grid, the street for
    a department), except what the category lets the grid close itself."""
    if ticket.level == Level.GRID and ticket.community is not None:
        return ticket.community.path
    return owner_path(ticket)


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def department_ids_of(user: Any) -> set[int]:
    if not _authenticated(user):
        return set()
    cached = getattr(user, "_sanzhi_departments", None)
    if cached is None:
        from sanzhi.tickets.models import DepartmentMember

        cached = set(
            DepartmentMember.objects.filter(user=user, department__active=True).values_list(
                "department_id", flat=True
            )
        )
        user._sanzhi_departments = cached
    return cached


def _holds(user: Any, capability: str, path: str) -> bool:
    return scope_for(user, capability).contains(path)


def _in_department(user: Any, ticket: Ticket) -> bool:
    return ticket.department_id is not None and ticket.department_id in department_ids_of(user)


def _is_assignee(user: Any, ticket: Ticket) -> bool:
    return ticket.assignee_id is not None and ticket.assignee_id == getattr(user, "pk", None)


def is_reporter(user: Any, ticket: Ticket) -> bool:
    return _authenticated(user) and ticket.reporter_id is not None and ticket.reporter_id == user.pk


def can_view(user: Any, ticket: Ticket) -> bool:
    if not _authenticated(user):
        return False
    return (
        is_reporter(user, ticket)
        or _is_assignee(user, ticket)
        or _in_department(user, ticket)
        or _holds(user, C.VIEW_TICKETS, ticket.node_path)
    )


def can_see_reporter(user: Any, ticket: Ticket) -> bool:
    """The reporter's identity is for the handlers in scope (and the reporter), never the public."""
    if not _authenticated(user):
        return False
    return (
        is_reporter(user, ticket)
        or _is_assignee(user, ticket)
        or _in_department(user, ticket)
        or _holds(user, C.HANDLE_TICKETS, ticket.node_path)
        or _holds(user, C.DISPATCH_TICKETS, ticket.node_path)
    )


def _dispatcher(user: Any, ticket: Ticket) -> bool:
    return _holds(user, C.DISPATCH_TICKETS, owner_path(ticket))


def _handler(user: Any, ticket: Ticket) -> bool:
    if _is_assignee(user, ticket):
        return True
    if ticket.level == Level.DEPARTMENT:
        return _in_department(user, ticket)
    return _holds(user, C.HANDLE_TICKETS, owner_path(ticket))


def _verifier(user: Any, ticket: Ticket) -> bool:
    if _holds(user, C.VERIFY_TICKETS, verifier_path(ticket)):
        return True
    grid_closes = ticket.category is not None and ticket.category.grid_may_close
    return ticket.level == Level.GRID and grid_closes and _dispatcher(user, ticket)


def can_act(user: Any, ticket: Ticket, action: str) -> bool:
    """May ``user`` take ``action`` on ``ticket`` now? (The state table is checked separately.)"""
    if not _authenticated(user):
        return False
    if action == A.COMMENT:
        return can_view(user, ticket)
    if action in (A.REGISTER, A.DISPATCH):
        return _dispatcher(user, ticket)
    if action in (A.TRANSFER, A.SUSPEND, A.RESUME):
        return _dispatcher(user, ticket) or (
            ticket.level == Level.DEPARTMENT and _in_department(user, ticket)
        )
    if action in (A.ACCEPT, A.RESOLVE, A.RETURN):
        return _handler(user, ticket)
    if action == A.ANSWER:
        return _handler(user, ticket) or _dispatcher(user, ticket)
    if action in (A.VERIFY, A.REJECT):
        return _verifier(user, ticket)
    if action in (A.VOID, A.MERGE):
        return _holds(user, C.VOID_TICKETS, owner_path(ticket))
    if action == A.RATE:
        return is_reporter(user, ticket) or _holds(user, C.VISIT_TICKETS, ticket.node_path)
    # ESCALATE and REOPEN are the system's (the tick, a rating), never a person's.
    return False


def can_report_at(user: Any, path: str) -> bool:
    """Staff intake (patrol, visit, hotline) and a representative reporting for a household."""
    return _authenticated(user) and _holds(user, C.REPORT_TICKETS, path)


def _action_predicate(action: str) -> rules.Predicate:
    @rules.predicate(name=f"may {action}")
    def may(user: Any, ticket: Any = None) -> bool:
        return isinstance(ticket, Ticket) and can_act(user, ticket, action)

    return may


@rules.predicate(name="may view ticket")
def _may_view(user: Any, ticket: Any = None) -> bool:
    return isinstance(ticket, Ticket) and can_view(user, ticket)


for _action in Action:
    rules.add_perm(f"tickets.act_{_action.value}", _action_predicate(_action.value))
rules.add_perm("tickets.view_ticket", _may_view)
