"""The points domain's two small workflows, each moved by one function over its table of legal
moves: a redemption (placed → picked up | cancelled) and an appeal against a 红黑榜 (pending →
upheld | dismissed). Callers hold the row's lock; a move the table does not allow is a 409 with
the workflow's code, and the row is left as it was."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Conflict
from sanzhi.points.models import AppealState, BoardAppeal, Redemption, RedemptionState

REDEMPTION_MOVES: dict[str, frozenset[str]] = {
    RedemptionState.PLACED: frozenset({RedemptionState.PICKED_UP, RedemptionState.CANCELLED}),
}
APPEAL_MOVES: dict[str, frozenset[str]] = {
    AppealState.PENDING: frozenset({AppealState.UPHELD, AppealState.DISMISSED}),
}


def _move(obj: Model, to: str, moves: dict[str, frozenset[str]], refused: Conflict) -> None:
    state: Any = obj.state  # type: ignore[attr-defined]
    if to not in moves.get(state, frozenset()):
        raise refused
    obj.state = to  # type: ignore[attr-defined]


def redemption_move(redemption: Redemption, to: str, *, refused: str | Promise) -> None:
    """``refused``: the message when the redemption may not move, with ``{state}`` (its state now)."""
    label = RedemptionState(redemption.state).label
    conflict = Conflict(str(refused).format(state=label), code="points_redemption_not_open")
    _move(redemption, to, REDEMPTION_MOVES, conflict)


def appeal_move(appeal: BoardAppeal, to: str) -> None:
    _move(appeal, to, APPEAL_MOVES, Conflict(_("该异议已处理"), code="points_appeal_decided"))


__all__ = ["APPEAL_MOVES", "REDEMPTION_MOVES", "appeal_move", "redemption_move"]
