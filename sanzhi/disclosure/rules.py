"""Who may do what with disclosures (三务公开), as predicates over anything with a ``node_path``.

Staff act by capability at the disclosure's (or plan's) node, in that node's whole subtree:
``disclosure.edit`` drafts and fills in disclosures, ``disclosure.publish`` puts them on the
public chain and corrects them, ``disclosure.manage`` keeps the calendar (公开目录). The
community secretary and the township hold all three (accounts.roles); residents, household
representatives, grid workers and council members hold none: they read the public board.
"""

from __future__ import annotations

from typing import Any

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import has_capability_at


def _path(obj: Any) -> str:
    return str(getattr(obj, "node_path", "") or getattr(obj, "path", ""))


def can_edit(user: Any, obj: Any) -> bool:
    """Draft a disclosure, change a draft and its finance lines, import lines."""
    return has_capability_at(user, Capability.EDIT_DISCLOSURES, _path(obj))


def can_publish(user: Any, obj: Any) -> bool:
    """Publish a draft on the chain, and start a correction of a published disclosure."""
    return has_capability_at(user, Capability.PUBLISH_DISCLOSURES, _path(obj))


def can_manage(user: Any, obj: Any) -> bool:
    """Keep the disclosure calendar (公开目录): create, change, stop plans, adopt the default."""
    return has_capability_at(user, Capability.MANAGE_DISCLOSURES, _path(obj))


def can_view(user: Any, obj: Any) -> bool:
    """See drafts (staff who work on disclosures there); published items are public anyway."""
    return can_edit(user, obj) or can_publish(user, obj) or can_manage(user, obj)
