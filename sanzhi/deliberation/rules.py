"""Who may do what in deliberation, as predicates (adhocracy4 style).

Staff act by capability at the matter's node (``deliberation.*`` in accounts.roles). Votes and
attendance belong to a body's members, whatever their role. Residents in scope (registered under
the notice's or matter's node) object to notices, rate results and raise sayings.
"""

from __future__ import annotations

from typing import Any

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import has_capability_at
from sanzhi.grids.models import Node


def _path(obj: Any) -> str:
    return str(getattr(obj, "node_path", "") or getattr(obj, "path", ""))


def can_view(user: Any, obj: Any) -> bool:
    return has_capability_at(user, Capability.VIEW_MATTERS, _path(obj))


def can_propose(user: Any, obj: Any) -> bool:
    return has_capability_at(user, Capability.PROPOSE_MATTERS, _path(obj))


def can_run(user: Any, obj: Any) -> bool:
    """Call meetings, record attendance and the count, open and close notices, decide objections,
    keep tasks: the community secretary (and the offices above)."""
    return has_capability_at(user, Capability.RUN_DELIBERATION, _path(obj))


def can_approve(user: Any, obj: Any) -> bool:
    """请示报告: the township (street) office approves a community's major matter. Held at the
    community itself the capability does not count: nobody approves their own request."""
    path = _path(obj)
    parent = path[: -Node.steplen]
    return bool(parent) and has_capability_at(user, Capability.APPROVE_MATTERS, parent)


def can_manage(user: Any, obj: Any) -> bool:
    return has_capability_at(user, Capability.MANAGE_DELIBERATION, _path(obj))


def resident_of(user: Any) -> Any:
    """The registry resident linked to this login, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.resident
    except Exception:
        return None


def lives_under(user: Any, obj: Any) -> bool:
    """A registered resident whose household lies under the object's node."""
    resident = resident_of(user)
    return resident is not None and str(resident.node_path).startswith(_path(obj))


def membership(user: Any, body: Any) -> Any:
    """The user's active membership of the body, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    resident = resident_of(user)
    members = body.members.filter(active=True)
    found = members.filter(user=user).first()
    if found is None and resident is not None:
        found = members.filter(resident=resident).first()
    return found
