"""The closed loop end to end through the services, with the personas who do each step."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.tickets.escalation import ticket_escalate
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Rating, Ticket, TicketEscalation
from sanzhi.tickets.selectors import ticket_get_for, ticket_list_for
from sanzhi.tickets.services import (
    Target,
    ticket_accept,
    ticket_dispatch,
    ticket_rate,
    ticket_register,
    ticket_resolve,
    ticket_verify,
)
from sanzhi.tickets.states import Level, State
from sanzhi.tickets.testing import TicketWorld

# Tuesday 2026-12-01 10:00 in Shanghai: a working day, inside working hours.
MONDAY_10 = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _report(world: TicketWorld, **kw: Any) -> Ticket:
    town = world.town
    return ticket_create(
        actor=town.resident,
        channel=Channel.RESIDENT,
        text="楼下垃圾三天没人清运，气味很大",
        now=MONDAY_10,
        **kw,
    )


def test_report_dispatch_resolve_verify_rate(world: TicketWorld) -> None:
    town = world.town
    ticket = _report(world)
    assert ticket.state == State.REPORTED and ticket.level == Level.GRID
    assert ticket.node == town.micro and ticket.community == town.village and ticket.street == town.township
    assert ticket.reporter == town.resident and ticket.household == town.households["h1"]
    t = ticket_register(actor=town.gridworker, ticket=ticket, category=world.litter, now=MONDAY_10)
    assert t.state == State.REGISTERED and t.category == world.litter
    # The category's grid limit (8 working hours) from the intake: Monday 10:00 → Tuesday 10:00.
    assert t.due_at == MONDAY_10 + dt.timedelta(days=1)
    t = ticket_dispatch(actor=town.gridworker, ticket=t, now=MONDAY_10)
    assert t.state == State.DISPATCHED and t.assignee == town.gridworker
    t = ticket_accept(actor=town.gridworker, ticket=t, now=MONDAY_10 + dt.timedelta(minutes=30))
    assert t.responded_in_time is True
    t = ticket_resolve(
        actor=town.gridworker, ticket=t, note="已联系环卫清运", now=MONDAY_10 + dt.timedelta(hours=2)
    )
    assert t.state == State.RESOLVED and t.resolved_level == Level.GRID
    # 环境卫生 may be closed in the grid, so the grid worker verifies it too.
    t = ticket_verify(actor=town.gridworker, ticket=t, now=MONDAY_10 + dt.timedelta(hours=3))
    assert t.state == State.CLOSED
    t = ticket_rate(
        actor=town.resident, ticket=t, rating=Rating.SATISFIED, now=MONDAY_10 + dt.timedelta(hours=4)
    )
    assert t.state == State.RATED
    assert [e.action for e in t.events.order_by("id")] == [
        "report",
        "register",
        "dispatch",
        "accept",
        "resolve",
        "verify",
        "rate",
    ]


def test_out_of_scope_is_404_and_wrong_role_is_403(world: TicketWorld) -> None:
    town = world.town
    ticket = _report(world)
    with pytest.raises(NotFound):
        ticket_get_for(user=town.outsider, pk=ticket.pk)
    with pytest.raises(NotFound):
        ticket_register(actor=town.outsider, ticket=ticket)
    with pytest.raises(Forbidden):
        ticket_register(actor=town.rep, ticket=ticket)  # a representative follows, does not dispatch
    assert ticket_get_for(user=town.rep, pk=ticket.pk) == ticket
    assert list(ticket_list_for(user=town.resident)) == [ticket]
    assert list(ticket_list_for(user=town.outsider)) == []


def test_illegal_transition_is_a_conflict(world: TicketWorld) -> None:
    ticket = _report(world)
    with pytest.raises(Conflict):
        ticket_resolve(actor=world.town.gridworker, ticket=ticket, note="x")


def test_unsatisfied_reopens_once_a_level_up(world: TicketWorld) -> None:
    town = world.town
    t = ticket_register(actor=town.gridworker, ticket=_report(world), category=world.dispute, now=MONDAY_10)
    t = ticket_dispatch(actor=town.gridworker, ticket=t, now=MONDAY_10)
    t = ticket_accept(actor=town.gridworker, ticket=t, now=MONDAY_10)
    t = ticket_resolve(actor=town.gridworker, ticket=t, note="已调解", now=MONDAY_10)
    with pytest.raises(Forbidden):
        ticket_verify(actor=town.gridworker, ticket=t, now=MONDAY_10)  # 邻里纠纷 needs the community
    t = ticket_verify(actor=town.secretary, ticket=t, now=MONDAY_10)
    t = ticket_rate(actor=town.resident, ticket=t, rating=Rating.UNSATISFIED, now=MONDAY_10)
    assert t.state == State.DISPATCHED and t.level == Level.COMMUNITY and t.reopens == 1
    t = ticket_accept(actor=town.secretary, ticket=t, now=MONDAY_10)
    t = ticket_resolve(actor=town.secretary, ticket=t, note="再次调解", now=MONDAY_10)
    t = ticket_verify(actor=town.secretary, ticket=t, now=MONDAY_10)
    t = ticket_rate(actor=town.resident, ticket=t, rating=Rating.UNSATISFIED, now=MONDAY_10)
    assert t.state == State.RATED  # once only (SANZHI_TICKET_REOPEN_LIMIT = 1)


def _escalated(ticket: Ticket, now: dt.datetime) -> Ticket:
    result = ticket_escalate(ticket_id=ticket.pk, now=now)
    assert result is not None
    return result


def test_escalation_climbs_once_per_level_to_the_department(world: TicketWorld) -> None:
    town = world.town
    t = ticket_register(actor=town.gridworker, ticket=_report(world), category=world.road, now=MONDAY_10)
    late = MONDAY_10 + dt.timedelta(days=3)
    t = _escalated(t, late)
    assert t.level == Level.COMMUNITY and t.overdue
    assert ticket_escalate(ticket_id=t.pk, now=late) is None  # the new level's clock is not due yet
    later = late + dt.timedelta(days=7)
    t = _escalated(t, later)
    assert t.level == Level.STREET
    t = _escalated(t, later + dt.timedelta(days=14))
    assert t.level == Level.DEPARTMENT and t.department == world.urban
    t = _escalated(t, later + dt.timedelta(days=60))
    assert t.level == Level.DEPARTMENT and t.deadline_handled
    assert ticket_escalate(ticket_id=t.pk, now=later + dt.timedelta(days=90)) is None
    assert TicketEscalation.objects.filter(ticket=t).count() == 3
    # The department's member works it; the street checks the work.
    t = ticket_accept(actor=town.dept, ticket=t, now=later + dt.timedelta(days=61))
    t = ticket_resolve(actor=town.dept, ticket=t, note="已修复路面", now=later + dt.timedelta(days=62))
    t = ticket_verify(actor=town.street, ticket=t, now=later + dt.timedelta(days=62))
    assert t.state == State.CLOSED


def test_dispatch_to_a_department_outside_its_area_is_refused(world: TicketWorld) -> None:
    town = world.town
    t = ticket_register(actor=town.secretary, ticket=_report(world), now=MONDAY_10)
    with pytest.raises(ValidationFailed):
        ticket_dispatch(actor=town.secretary, ticket=t, target=Target(node=town.other_village), now=MONDAY_10)


def test_unsatisfied_at_the_department_reopens_with_the_same_department(world: TicketWorld) -> None:
    town = world.town
    t = ticket_register(actor=town.street, ticket=_report(world), category=world.dispute, now=MONDAY_10)
    t = ticket_dispatch(actor=town.street, ticket=t, target=Target(department=world.urban), now=MONDAY_10)
    t = ticket_accept(actor=town.dept, ticket=t, now=MONDAY_10)
    t = ticket_resolve(actor=town.dept, ticket=t, note="已处理", now=MONDAY_10)
    t = ticket_verify(actor=town.street, ticket=t, now=MONDAY_10)
    t = ticket_rate(actor=town.resident, ticket=t, rating=Rating.UNSATISFIED, now=MONDAY_10)
    assert t.state == State.DISPATCHED and t.level == Level.DEPARTMENT and t.department == world.urban
