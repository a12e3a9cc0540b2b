"""Who may do what with points, as predicates over an account (or anything with a ``node_path``).

Staff act by capability at the account's node; a resident sees (and spends from) the accounts of
their own household and of themselves, nothing else.
"""

from __future__ import annotations

from typing import Any

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import has_capability_at


def _path(obj: Any) -> str:
    return str(getattr(obj, "node_path", "") or getattr(obj, "path", ""))


def is_own_account(user: Any, account: Any) -> bool:
    """The account of the user's household, of the user as a resident, or of the user (grid worker)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if account.user_id is not None:
        return bool(account.user_id == user.pk)
    resident = getattr(user, "resident", None) if hasattr(user, "resident") else None
    if resident is None:
        return False
    if account.resident_id is not None:
        return bool(account.resident_id == resident.pk)
    return bool(account.household_id == resident.household_id)


def can_view(user: Any, account: Any) -> bool:
    return has_capability_at(user, Capability.VIEW_POINTS, _path(account)) or is_own_account(user, account)


def can_record(user: Any, obj: Any) -> bool:
    return has_capability_at(user, Capability.RECORD_POINTS, _path(obj))


def can_review(user: Any, obj: Any) -> bool:
    return has_capability_at(user, Capability.REVIEW_POINTS, _path(obj))


def can_council(user: Any, obj: Any) -> bool:
    return has_capability_at(user, Capability.COUNCIL_POINTS, _path(obj))


def can_manage(user: Any, obj: Any) -> bool:
    """Schemes, rule catalogs, stars, tiers, windows (``obj``: a scheme or a node)."""
    return has_capability_at(user, Capability.MANAGE_POINTS, _path(obj))


def can_run_store(user: Any, obj: Any) -> bool:
    """Goods, restocks, pickups and redemptions at the counter on someone's behalf."""
    return has_capability_at(user, Capability.RUN_STORE, _path(obj))


def can_redeem(user: Any, account: Any) -> bool:
    """A resident spends their own household's points; the counter spends on a holder's behalf."""
    return is_own_account(user, account) or can_run_store(user, account)
