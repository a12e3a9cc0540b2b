"""The transition table itself, and a property: any sequence of attempted steps leaves a ticket whose
event rows chain from one legal state to the next, with illegal steps refused and nothing written."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanzhi.core.errors import Conflict, ValidationFailed
from sanzhi.core.testing import build_town
from sanzhi.tickets import services as s
from sanzhi.tickets.escalation import ticket_escalate
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Rating
from sanzhi.tickets.states import (
    FINAL_STATES,
    TRANSITIONS,
    Action,
    IllegalTransition,
    State,
    allowed_actions,
    next_state,
)
from sanzhi.tickets.testing import build_ticket_world

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_every_state_is_reachable_from_reported() -> None:
    seen, frontier = {State.REPORTED.value}, [State.REPORTED.value]
    while frontier:
        state = frontier.pop()
        for action in allowed_actions(state):
            for target in [next_state(state, action, suspended_from=State.IN_PROGRESS)]:
                if target not in seen:
                    seen.add(target)
                    frontier.append(target)
    assert seen == set(State.values)


def test_final_states_only_take_notes_and_the_reopen() -> None:
    for state in FINAL_STATES:
        assert set(allowed_actions(state)) <= {Action.COMMENT, Action.REOPEN}
    assert allowed_actions(State.VOID) == [Action.COMMENT]


def test_resume_goes_back_where_it_was_suspended() -> None:
    assert next_state(State.SUSPENDED, Action.RESUME, suspended_from=State.DISPATCHED) == State.DISPATCHED
    with pytest.raises(IllegalTransition):
        next_state(State.SUSPENDED, Action.RESUME, suspended_from="")


def test_an_action_not_in_the_table_is_illegal() -> None:
    for action in Action.values:
        for state in State.values:
            if (action, state) not in TRANSITIONS:
                with pytest.raises(IllegalTransition):
                    next_state(state, action)


STEPS = st.lists(
    st.sampled_from(
        [
            "register",
            "dispatch",
            "dispatch_up",
            "accept",
            "resolve",
            "answer",
            "verify",
            "reject",
            "rate_ok",
            "rate_bad",
            "return",
            "transfer",
            "suspend",
            "resume",
            "void",
            "merge",
            "escalate",
            "comment",
        ]
    ),
    min_size=1,
    max_size=14,
)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_of_steps_leaves_a_legal_recorded_history(steps: list[str]) -> None:
    from django.db import transaction

    with transaction.atomic():
        town = build_town()
        world = build_ticket_world(town)
        other = ticket_create(actor=town.resident, channel=Channel.RESIDENT, text="另一件事", now=NOW)
        t = ticket_create(actor=town.resident, channel=Channel.RESIDENT, text="路灯不亮", now=NOW)
        clock = NOW
        run = {
            "register": lambda: s.ticket_register(actor=None, ticket=t, category=world.road, now=clock),
            "dispatch": lambda: s.ticket_dispatch(
                actor=None, ticket=t, target=s.Target(user=town.gridworker), now=clock
            ),
            "dispatch_up": lambda: s.ticket_dispatch(
                actor=None, ticket=t, target=s.Target(department=world.urban), now=clock
            ),
            "accept": lambda: s.ticket_accept(actor=None, ticket=t, now=clock),
            "resolve": lambda: s.ticket_resolve(actor=None, ticket=t, note="好了", now=clock),
            "answer": lambda: s.ticket_answer(actor=None, ticket=t, note="答复", now=clock),
            "verify": lambda: s.ticket_verify(actor=None, ticket=t, now=clock),
            "reject": lambda: s.ticket_reject(actor=None, ticket=t, note="没好", now=clock),
            "rate_ok": lambda: s.ticket_rate(actor=None, ticket=t, rating=Rating.SATISFIED, now=clock),
            "rate_bad": lambda: s.ticket_rate(actor=None, ticket=t, rating=Rating.UNSATISFIED, now=clock),
            "return": lambda: s.ticket_return(actor=None, ticket=t, note="退回", now=clock),
            "transfer": lambda: s.ticket_transfer(
                actor=None, ticket=t, target=s.Target(node=town.village), note="转", now=clock
            ),
            "suspend": lambda: s.ticket_suspend(actor=None, ticket=t, note="等", now=clock),
            "resume": lambda: s.ticket_resume(actor=None, ticket=t, now=clock),
            "void": lambda: s.ticket_void(actor=None, ticket=t, reason="无效", now=clock),
            "merge": lambda: s.ticket_merge(actor=None, ticket=t, into=other, now=clock),
            "escalate": lambda: ticket_escalate(ticket_id=t.pk, now=clock + dt.timedelta(days=30)),
            "comment": lambda: s.ticket_comment(actor=None, ticket=t, note="备注", now=clock),
        }
        for step in steps:
            before = t.events.count()
            t.refresh_from_db()
            state = t.state
            try:
                run[step]()
            except (Conflict, ValidationFailed):
                t.refresh_from_db()
                assert t.state == state and t.events.count() == before
            clock += dt.timedelta(hours=1)
        t.refresh_from_db()
        events = list(t.events.order_by("id"))
        assert events[0].action == Action.REPORT and events[0].to_state == State.REPORTED
        for previous, event in itertools.pairwise(events):
            assert event.from_state == previous.to_state
            if event.action == Action.RESUME:
                assert event.to_state in (State.REGISTERED, State.DISPATCHED, State.IN_PROGRESS)
            else:
                assert event.to_state == next_state(event.from_state, event.action)
        assert events[-1].to_state == t.state
        assert (t.state == State.MERGED) == (t.merged_into_id is not None)
        assert (t.state == State.SUSPENDED) == (t.suspended_from != "")
        transaction.set_rollback(True)
