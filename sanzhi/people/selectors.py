"""Scoped reads of the registry and how a record is shown to a given user (masking, sensitive tags).

There is no unscoped path from a request to a resident: every list and detail read starts here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import Scope, scope_for
from sanzhi.core.errors import Forbidden, NotFound
from sanzhi.core.fields import subtree_q
from sanzhi.core.masking import mask_id_number, mask_phone
from sanzhi.grids.models import Node
from sanzhi.people.models import Household, Resident, Tag


def _own_household_q(user: Any, field: str) -> Q:
    resident = getattr(user, "resident", None) if getattr(user, "is_authenticated", False) else None
    return Q(**{field: resident.household_id}) if resident is not None else Q(pk__in=[])


def _visible(user: Any) -> tuple[Scope, Q]:
    scope = scope_for(user, Capability.VIEW_REGISTRY)
    return scope, scope.q("node_path")


def household_list_for(*, user: Any, under: Node | None = None, search: str = "") -> QuerySet[Household]:
    scope, q = _visible(user)
    qs = (
        Household.objects.filter(q | _own_household_q(user, "pk"))
        if not scope.everything
        else Household.objects.all()
    )
    if under is not None:
        qs = qs.filter(subtree_q("node_path", under.path))
    if search:
        qs = qs.filter(
            Q(number__startswith=search) | Q(address__contains=search) | Q(members__name=search)
        ).distinct()
    return qs.select_related("node").order_by("node_path", "id")


def household_get_for(*, user: Any, pk: int) -> Household:
    household = household_list_for(user=user).filter(pk=pk).first()
    if household is None:
        raise NotFound(_("该户不存在或不在您的管辖范围内"))
    return household


def resident_list_for(*, user: Any, under: Node | None = None, search: str = "") -> QuerySet[Resident]:
    scope, q = _visible(user)
    qs = (
        Resident.objects.all()
        if scope.everything
        else Resident.objects.filter(q | _own_household_q(user, "household_id"))
    )
    if under is not None:
        qs = qs.filter(subtree_q("node_path", under.path))
    if search:
        qs = qs.filter(Q(name=search) | Q(id_number=search.upper()) | Q(phone__endswith=search))
    return qs.select_related("household").order_by("node_path", "id")


def resident_get_for(*, user: Any, pk: int) -> Resident:
    resident = resident_list_for(user=user).filter(pk=pk).first()
    if resident is None:
        raise NotFound(_("该居民不存在或不在您的管辖范围内"))
    return resident


def visible_tags_prefetch(user: Any, path: str = "") -> Prefetch:
    """Prefetch of tags; sensitive ones only where the user may see them (checked per row later)."""
    return Prefetch("tags", queryset=Tag.objects.order_by("sensitive", "code"))


def can_reveal(user: Any, obj: Household | Resident) -> bool:
    return scope_for(user, Capability.REVEAL_PII).contains(obj.node_path)


def require_reveal(user: Any, residents: list[Resident]) -> None:
    scope = scope_for(user, Capability.REVEAL_PII)
    if not all(scope.contains(r.node_path) for r in residents):
        raise Forbidden(_("您的角色在该网格无权查看完整身份证号和电话"), code="reveal_forbidden")


@dataclass
class ResidentView:
    """A resident as one user may see them: masked unless revealed, sensitive tags filtered."""

    resident: Resident
    id_number: str
    phone: str
    revealed: bool
    tags: list[Tag] = field(default_factory=list)


def present_resident(resident: Resident, *, user: Any, revealed: bool) -> ResidentView:
    sensitive_ok = scope_for(user, Capability.VIEW_SENSITIVE).contains(resident.node_path)
    tags = [t for t in resident.tags.all() if sensitive_ok or not t.sensitive]
    if revealed:
        return ResidentView(resident, resident.id_number, resident.phone, True, tags)
    return ResidentView(resident, mask_id_number(resident.id_number), mask_phone(resident.phone), False, tags)


def household_tags_for(household: Household, *, user: Any) -> list[Tag]:
    sensitive_ok = scope_for(user, Capability.VIEW_SENSITIVE).contains(household.node_path)
    return [t for t in household.tags.all() if sensitive_ok or not t.sensitive]
