"""core.transitions.move: only the table's moves, the domain's own refusal, nothing changed on one."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sanzhi.core.errors import Conflict
from sanzhi.core.transitions import move
from sanzhi.deliberation.transitions import (
    MEETING_MOVES,
    NOTICE_MOVES,
    OBJECTION_MOVES,
    SAYING_MOVES,
    TASK_MOVES,
)
from sanzhi.points.transitions import APPEAL_MOVES, REDEMPTION_MOVES

MOVES = {"open": frozenset({"done", "dropped"})}


def test_a_legal_move_sets_the_field() -> None:
    task = SimpleNamespace(status="open")
    move(task, "done", MOVES, Conflict("no", code="refused"), field="status")
    assert task.status == "done"


@pytest.mark.parametrize(
    ("start", "to"), [("done", "open"), ("done", "dropped"), ("open", "open"), ("gone", "done")]
)
def test_any_other_move_is_the_domains_conflict_and_changes_nothing(start: str, to: str) -> None:
    thing = SimpleNamespace(state=start)
    with pytest.raises(Conflict) as refused:
        move(thing, to, MOVES, Conflict("no", code="refused"))
    assert refused.value.code == "refused" and thing.state == start


@pytest.mark.parametrize(
    "table",
    [MEETING_MOVES, SAYING_MOVES, NOTICE_MOVES, OBJECTION_MOVES, TASK_MOVES, APPEAL_MOVES, REDEMPTION_MOVES],
)
def test_every_workflow_ends(table: dict[str, frozenset[str]]) -> None:
    """No state is reached twice: every way through a small workflow ends."""

    def ends(state: str, seen: frozenset[str]) -> bool:
        return state not in seen and all(ends(nxt, seen | {state}) for nxt in table.get(state, ()))

    assert all(table[state] and ends(state, frozenset()) for state in table)
