"""Data scope: the union of the subtrees where a user holds a role granting a capability.

Every user-dependent read goes through ``scope_for(user, capability)``; a Scope turns into a
``Q`` on a path column, so a scoped list is a few indexed prefix ranges.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q

from sanzhi.accounts.roles import GRANTS, Role
from sanzhi.core.fields import subtree_q


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    paths: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.everything and not self.paths

    def q(self, field: str = "node_path") -> Q:
        """Filter on a PathField copy (``…node_path``: an index range) or on Node.path (a prefix)."""
        if self.everything:
            return Q()
        if not self.paths:
            return Q(pk__in=[])
        query = Q()
        for path in self.paths:
            query |= (
                subtree_q(field, path) if field.endswith("node_path") else Q(**{f"{field}__startswith": path})
            )
        return query

    def contains(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.paths)


def minimal_paths(paths: list[str] | set[str]) -> tuple[str, ...]:
    """Drop paths already covered by an ancestor path in the set."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return tuple(kept)


def assignments_of(user: Any) -> list[tuple[str, str, int]]:
    """(role, node_path, node_id) of the user's assignments, cached on the user object per request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_sanzhi_assignments", None)
    if cached is None:
        # Every request of a signed-in user asks this once: plain SQL spares the ORM's compile step.
        from sanzhi.accounts.models import RoleAssignment

        table = connection.ops.quote_name(RoleAssignment._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT role, node_path, node_id FROM {table} WHERE user_id = %s", [user.pk])
            cached = [tuple(row) for row in cursor.fetchall()]
        user._sanzhi_assignments = cached
    return cached


def forget_assignments(user: Any) -> None:
    if hasattr(user, "_sanzhi_assignments"):
        del user._sanzhi_assignments


def scope_for(user: Any, capability: str) -> Scope:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    paths = [path for role, path, _node in assignments_of(user) if capability in GRANTS.get(role, ())]
    return Scope(paths=minimal_paths(paths))


def has_capability_at(user: Any, capability: str, path: str) -> bool:
    return scope_for(user, capability).contains(path)


def roles_at(user: Any, path: str) -> set[str]:
    """Roles the user holds at this node or above it."""
    return {role for role, p, _node in assignments_of(user) if path.startswith(p)}


def is_resident_only(user: Any) -> bool:
    roles = {role for role, _p, _n in assignments_of(user)}
    return not user.is_superuser and roles <= {Role.RESIDENT}
