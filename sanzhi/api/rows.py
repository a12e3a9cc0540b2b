"""What one caller may see of a page of rows: totals, parent codes, masked or revealed residents.

Each function works on a whole page with a fixed number of queries (none per row), and every reveal
of PII is checked against the caller's scope and logged before any full value is put in a row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _
from rest_framework.request import Request

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import Forbidden, NotFound
from sanzhi.grids.models import Node
from sanzhi.grids.selectors import Totals, node_get_for, subtree_totals_by_child
from sanzhi.people.codes import Relation
from sanzhi.people.models import Household, Resident, Tag
from sanzhi.people.selectors import (
    ResidentView,
    household_tags_for,
    present_resident,
    require_reveal,
    visible_tags_prefetch,
)
from sanzhi.people.services import pii_reveal_log

_NODE_CODE = re.compile(r"[0-9]{1,30}")
# Largest primary key the databases can hold; anything larger cannot exist and must not reach SQL.
MAX_ID = 2**63 - 1


def client_ip(request: Request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def node_for(*, user: Any, code: str, capability: str = Capability.VIEW_TREE) -> Node:
    """The node a request names by code, through the scoped selector; junk codes are simply not found."""
    if not _NODE_CODE.fullmatch(code or ""):
        # Not echoed back: a junk code may hold control characters or be very long.
        raise NotFound(_("节点不存在或不在您的管辖范围内"))
    return node_get_for(user=user, code=code, capability=capability)


def check_id(pk: int, message: str) -> int:
    if pk > MAX_ID:
        raise NotFound(message)
    return pk


# ---- nodes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeRow:
    node: Node
    parent_code: str | None
    totals: Totals


def node_rows(*, user: Any, nodes: list[Node]) -> list[NodeRow]:
    totals = subtree_totals_by_child(nodes)
    scope = scope_for(user, Capability.VIEW_TREE)
    # A parent outside the caller's scope stays undisclosed, like the web breadcrumbs.
    parent_paths = {n.path[: -Node.steplen] for n in nodes if n.depth > 1}
    visible = [p for p in parent_paths if scope.contains(p)]
    codes = dict(Node.objects.filter(path__in=visible).values_list("path", "code")) if visible else {}
    return [NodeRow(n, codes.get(n.path[: -Node.steplen]), totals[n.pk]) for n in nodes]


# ---- residents and the reveal of PII ----------------------------------------------------------------


def resident_views(
    *, request: Request, residents: list[Resident], reveal: bool, reason: str = ""
) -> list[ResidentView]:
    """Residents as the caller may see them. With ``reveal`` the caller must hold people.reveal_pii at
    every one of them (403 reveal_forbidden) and give a reason (400 reveal_reason_required); each
    revealed resident then gets a PiiAccess row before the full values are returned."""
    user = request.user
    if reveal:
        if scope_for(user, Capability.REVEAL_PII).empty:
            raise Forbidden(_("您的角色无权查看完整身份证号和电话"), code="reveal_forbidden")
        require_reveal(user, residents)
        pii_reveal_log(actor=user, residents=residents, reason=reason, channel="api", ip=client_ip(request))
    return [present_resident(r, user=user, revealed=reveal) for r in residents]


def residents_for_page(qs: QuerySet[Resident], user: Any) -> QuerySet[Resident]:
    return qs.select_related("household__node").prefetch_related(visible_tags_prefetch(user))


def resident_prefetch(resident: Resident, user: Any) -> Resident:
    """What a resident's detail shows, loaded onto an object a scoped selector returned."""
    prefetch_related_objects([resident], "household__node", visible_tags_prefetch(user))
    return resident


# ---- households -------------------------------------------------------------------------------------


@dataclass
class HouseholdRow:
    household: Household
    tags: list[Tag]
    member_count: int
    head_name: str | None
    members: list[ResidentView] = field(default_factory=list)


def _household_lookups(user: Any, *, member_tags: bool) -> list[Prefetch]:
    # Members of a household share its node, so they are in scope whenever the household is.
    members = Resident.objects.order_by("relation", "id")
    if member_tags:
        members = members.prefetch_related(visible_tags_prefetch(user))
    return [Prefetch("members", queryset=members), visible_tags_prefetch(user)]


def households_for_page(qs: QuerySet[Household], user: Any) -> QuerySet[Household]:
    return qs.prefetch_related(*_household_lookups(user, member_tags=False))


def household_prefetch(household: Household, user: Any) -> Household:
    """Members with their tags, loaded onto a household a scoped selector returned."""
    prefetch_related_objects([household], *_household_lookups(user, member_tags=True))
    return household


def household_row(
    household: Household, *, user: Any, members: list[ResidentView] | None = None
) -> HouseholdRow:
    residents = list(household.members.all())
    head = next((r.name for r in residents if r.relation == Relation.HEAD), None)
    return HouseholdRow(
        household=household,
        tags=household_tags_for(household, user=user),
        member_count=len(residents),
        head_name=head,
        members=members or [],
    )
