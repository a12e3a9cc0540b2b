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
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel
from sanzhi.tickets.states import (
    FINAL_STATES,
    TRANSITIONS,
    Action,
    IllegalTransition,
    State,
    allowed_actions,
    next_state,
)
from sanzhi.tickets.testing import SYSTEM_STEPS, build_ticket_world, take_step

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


STEPS = st.lists(st.tuples(st.sampled_from(SYSTEM_STEPS), st.integers(0, 3)), min_size=1, max_size=14)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_of_steps_leaves_a_legal_recorded_history(steps: list[tuple[str, int]]) -> None:
    from django.db import transaction

    with transaction.atomic():
        town = build_town()
        world = build_ticket_world(town)
        other = ticket_create(actor=town.resident, channel=Channel.RESIDENT, text="另一件事", now=NOW)
        t = ticket_create(actor=town.resident, channel=Channel.RESIDENT, text="路灯不亮", now=NOW)
        clock = NOW
        for step, pick in steps:
            t.refresh_from_db()
            state, before = t.state, t.events.count()
            try:
                take_step(world, t, step, now=clock, other=other, pick=pick)
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
