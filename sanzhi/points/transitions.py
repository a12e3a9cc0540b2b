"""The points domain's two small workflows (``core.transitions``): a redemption (placed → picked up
| cancelled) and an appeal against a 红黑榜 (pending → upheld | dismissed)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Conflict
from sanzhi.core.transitions import Moves, move
from sanzhi.points.models import AppealState, BoardAppeal, Redemption, RedemptionState

REDEMPTION_MOVES: Moves = {
    RedemptionState.PLACED: frozenset({RedemptionState.PICKED_UP, RedemptionState.CANCELLED}),
}
APPEAL_MOVES: Moves = {
    AppealState.PENDING: frozenset({AppealState.UPHELD, AppealState.DISMISSED}),
}


def redemption_move(redemption: Redemption, to: str, *, refused: str | Promise) -> None:
    """``refused``: the message when the redemption may not move, with ``{state}`` (its state now)."""
    label = RedemptionState(redemption.state).label
    conflict = Conflict(str(refused).format(state=label), code="points_redemption_not_open")
    move(redemption, to, REDEMPTION_MOVES, conflict)


def appeal_move(appeal: BoardAppeal, to: str) -> None:
    move(appeal, to, APPEAL_MOVES, Conflict(_("该异议已处理"), code="points_appeal_decided"))


__all__ = ["APPEAL_MOVES", "REDEMPTION_MOVES", "appeal_move", "redemption_move"]
