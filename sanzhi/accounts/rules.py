"""Permissions as predicates (django-rules): ``user.has_perm("people.reveal_pii", obj)``.

``obj`` is anything with a ``node_path`` (household, resident, assignment) or a ``path`` (a Node).
Without an object the question is "anywhere in my scope?".
"""

from __future__ import annotations

from typing import Any

import rules

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for


def _path_of(obj: Any) -> str | None:
    for attr in ("node_path", "path"):
        value = getattr(obj, attr, None)
        if isinstance(value, str):
            return value
    return None


def capability_predicate(capability: str) -> rules.Predicate:
    @rules.predicate(name=f"holds {capability}")
    def holds(user: Any, obj: Any = None) -> bool:
        scope = scope_for(user, capability)
        if obj is None:
            return not scope.empty
        path = _path_of(obj)
        return path is not None and scope.contains(path)

    return holds


for _capability in Capability:
    rules.add_perm(_capability.value, capability_predicate(_capability.value))
