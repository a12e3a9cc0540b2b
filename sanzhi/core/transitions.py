"""Small workflows, each moved by one function over its table of legal moves (STYLE: one transition
function per workflow). A domain declares the table and calls ``move``; a move the table does not
allow raises the domain's own ``Conflict``, and the object is left as it was. Callers hold the
row's lock and save the field themselves (with whatever else the move records)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sanzhi.core.errors import Conflict

Moves = Mapping[str, frozenset[str]]


def move(obj: Any, to: str, moves: Moves, refused: Conflict, *, field: str = "state") -> None:
    """Set ``obj.<field>`` to ``to`` when ``moves`` allows it from the current value."""
    if to not in moves.get(getattr(obj, field), frozenset()):
        raise refused
    setattr(obj, field, to)


__all__ = ["Moves", "move"]
