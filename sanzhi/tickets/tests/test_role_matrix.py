"""One test per action per persona: who may take each step of the loop (tickets.rules).

Out of scope is a 404 (the ticket's existence is not disclosed); in scope without the right is a 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from sanzhi.core.errors import Forbidden, NotFound
from sanzhi.tickets import services as s
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Rating, Ticket
from sanzhi.tickets.states import Action, State
from sanzhi.tickets.testing import TicketWorld

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PERSONAS = (
    "resident",
    "rep",
    "gridworker",
    "secretary",
    "street",
    "dept",
    "council",
    "sysadmin",
    "outsider",
    "nobody",
)
HIDDEN = {"dept", "outsider", "nobody"}  # cannot see a grid-level ticket of 创举社区
DISPATCHERS = {"gridworker", "secretary", "street", "sysadmin"}
LEADS = {"secretary", "street", "sysadmin"}


def ticket_in(world: TicketWorld, state: str) -> Ticket:
    """A 邻里纠纷 ticket of the resident's household, driven by the system to ``state``."""
    town = world.town
    t = ticket_create(actor=town.resident, channel=Channel.RESIDENT, text="楼上装修噪音，协商无果", now=NOW)
    if state == State.REPORTED:
        return t
    t = s.ticket_register(actor=None, ticket=t, category=world.dispute, now=NOW)
    if state == State.REGISTERED:
        return t
    t = s.ticket_dispatch(actor=None, ticket=t, target=s.Target(user=town.gridworker), now=NOW)
    if state == State.DISPATCHED:
        return t
    t = s.ticket_accept(actor=None, ticket=t, now=NOW)
    if state == State.IN_PROGRESS:
        return t
    if state == State.SUSPENDED:
        return s.ticket_suspend(actor=None, ticket=t, note="等待物业答复", now=NOW)
    t = s.ticket_resolve(actor=None, ticket=t, note="已协调", now=NOW)
    if state == State.RESOLVED:
        return t
    t = s.ticket_verify(actor=None, ticket=t, now=NOW)
    assert state == State.CLOSED
    return t


Step = Callable[[Any, Ticket, TicketWorld], Any]
CASES: dict[str, tuple[str, Step, set[str]]] = {
    Action.REGISTER: (
        State.REPORTED,
        lambda u, t, w: s.ticket_register(actor=u, ticket=t, now=NOW),
        DISPATCHERS,
    ),
    Action.DISPATCH: (
        State.REGISTERED,
        lambda u, t, w: s.ticket_dispatch(
            actor=u, ticket=t, target=s.Target(user=w.town.gridworker), now=NOW
        ),
        DISPATCHERS,
    ),
    Action.ACCEPT: (
        State.DISPATCHED,
        lambda u, t, w: s.ticket_accept(actor=u, ticket=t, now=NOW),
        DISPATCHERS,
    ),
    Action.RESOLVE: (
        State.IN_PROGRESS,
        lambda u, t, w: s.ticket_resolve(actor=u, ticket=t, note="已办结", now=NOW),
        DISPATCHERS,
    ),
    Action.RETURN: (
        State.IN_PROGRESS,
        lambda u, t, w: s.ticket_return(actor=u, ticket=t, note="不属本网格", now=NOW),
        DISPATCHERS,
    ),
    Action.TRANSFER: (
        State.DISPATCHED,
        lambda u, t, w: s.ticket_transfer(
            actor=u, ticket=t, target=s.Target(node=w.town.village), note="转社区", now=NOW
        ),
        DISPATCHERS,
    ),
    Action.SUSPEND: (
        State.IN_PROGRESS,
        lambda u, t, w: s.ticket_suspend(actor=u, ticket=t, note="等待答复", now=NOW),
        DISPATCHERS,
    ),
    Action.RESUME: (
        State.SUSPENDED,
        lambda u, t, w: s.ticket_resume(actor=u, ticket=t, now=NOW),
        DISPATCHERS,
    ),
    # 邻里纠纷 is not closed in the grid: the community (or above) verifies.
    Action.VERIFY: (State.RESOLVED, lambda u, t, w: s.ticket_verify(actor=u, ticket=t, now=NOW), LEADS),
    Action.REJECT: (
        State.RESOLVED,
        lambda u, t, w: s.ticket_reject(actor=u, ticket=t, note="未解决", now=NOW),
        LEADS,
    ),
    Action.VOID: (
        State.REGISTERED,
        lambda u, t, w: s.ticket_void(actor=u, ticket=t, reason="重复来电", now=NOW),
        LEADS,
    ),
    Action.RATE: (
        State.CLOSED,
        lambda u, t, w: s.ticket_rate(actor=u, ticket=t, rating=Rating.SATISFIED, now=NOW),
        {"resident"} | DISPATCHERS,
    ),
    Action.COMMENT: (
        State.IN_PROGRESS,
        lambda u, t, w: s.ticket_comment(actor=u, ticket=t, note="已电话联系", now=NOW),
        set(PERSONAS) - HIDDEN,
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(CASES))
def test_who_may_take_each_step(world: TicketWorld, action: str, persona: str) -> None:
    state, step, allowed = CASES[action]
    ticket = ticket_in(world, state)
    user = world.town.users[persona]
    events = ticket.events.count()
    if persona in allowed:
        step(user, ticket, world)
        assert ticket.events.count() == events + 1
        return
    with pytest.raises(NotFound if persona in HIDDEN else Forbidden):
        step(user, ticket, world)
    ticket.refresh_from_db()
    assert ticket.state == state and ticket.events.count() == events


def test_the_department_member_works_only_its_own_department_tickets(world: TicketWorld) -> None:
    town = world.town
    t = ticket_in(world, State.REGISTERED)
    t = s.ticket_dispatch(actor=town.street, ticket=t, target=s.Target(department=world.water), now=NOW)
    with pytest.raises(NotFound):
        s.ticket_accept(actor=town.dept, ticket=t, now=NOW)  # dept is in 城管局, not 水务局
    t = s.ticket_transfer(
        actor=town.street, ticket=t, target=s.Target(department=world.urban), note="属城管", now=NOW
    )
    t = s.ticket_accept(actor=town.dept, ticket=t, now=NOW)
    assert t.state == State.IN_PROGRESS and t.assignee == town.dept


def test_a_party_member_on_a_run_may_work_the_ticket_they_hold(world: TicketWorld) -> None:
    town = world.town
    member = town.residents["wang"]
    member.political_status = "01"
    member.user = town.nobody
    member.save(update_fields=["political_status", "user"])
    t = ticket_in(world, State.REGISTERED)
    with pytest.raises(Exception, match="党员"):
        s.ticket_dispatch(
            actor=town.secretary, ticket=t, target=s.Target(user=town.rep, party_run=True), now=NOW
        )
    t = s.ticket_dispatch(
        actor=town.secretary, ticket=t, target=s.Target(user=town.nobody, party_run=True), now=NOW
    )
    assert t.party_run and t.assignee == town.nobody
    t = s.ticket_accept(actor=town.nobody, ticket=t, now=NOW)
    t = s.ticket_resolve(actor=town.nobody, ticket=t, note="已帮忙协调", now=NOW)
    assert t.state == State.RESOLVED
