"""Scoped reads of deliberation. Staff see matters, sayings, procedures and bodies in the subtrees
where they hold ``deliberation.view`` (procedures and bodies also above them: the township's
procedure covers the community); a resident sees their own sayings and the notices running over
their home; a published notice is public."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import NotFound, ValidationFailed
from sanzhi.core.fields import subtree_q
from sanzhi.deliberation import rules
from sanzhi.deliberation.models import (
    Body,
    Matter,
    MatterEvent,
    MatterStatus,
    Notice,
    NoticeStatus,
    Procedure,
    Saying,
)
from sanzhi.grids.models import Node


def _ancestors_and_self(path: str) -> list[str]:
    return [path[:i] for i in range(Node.steplen, len(path) + 1, Node.steplen)]


def _covering_q(user: Any) -> Q:
    """Rows at a node in the user's view scope or above one of its nodes."""
    scope = scope_for(user, Capability.VIEW_MATTERS)
    if scope.everything:
        return Q()
    query = Q(pk__in=[])
    for path in scope.paths:
        query |= subtree_q("node_path", path) | Q(node_path__in=_ancestors_and_self(path))
    return query


def matter_list_for(
    *, user: Any, under: Node | None = None, status: str | None = None, search: str = ""
) -> QuerySet[Matter]:
    """Matters under the user's ``deliberation.view`` scope, newest first, with what a list shows."""
    matters = Matter.objects.filter(scope_for(user, Capability.VIEW_MATTERS).q("node_path"))
    if under is not None:
        matters = matters.filter(subtree_q("node_path", under.path))
    if status:
        if status not in MatterStatus.values:
            raise ValidationFailed(_("议题状态无效"), code="invalid", data={"field": "status"})
        matters = matters.filter(status=status)
    search = (search or "").strip()[:50]
    if search:
        matters = matters.filter(title__icontains=search)
    return matters.select_related("node", "procedure", "current_step__stage")


def matter_get_for(*, user: Any, pk: int) -> Matter:
    matter = matter_list_for(user=user).filter(pk=pk).first()
    if matter is None:
        raise NotFound(_("议题不存在"), code="matter_not_found")
    return matter


def matter_timeline(matter: Matter) -> QuerySet[MatterEvent]:
    """Every event of the matter in order, with the acting user and the step's stage."""
    return (
        MatterEvent.objects.filter(matter=matter).select_related("actor", "step__stage").order_by("at", "id")
    )


def saying_list_for(*, user: Any, status: str | None = None) -> QuerySet[Saying]:
    sayings = Saying.objects.filter(scope_for(user, Capability.VIEW_MATTERS).q("node_path"))
    if status:
        if status not in Saying.Status.values:
            raise ValidationFailed(_("说事状态无效"), code="invalid", data={"field": "status"})
        sayings = sayings.filter(status=status)
    return sayings.select_related("node", "resident", "matter")


def sayings_mine(*, user: Any) -> QuerySet[Saying]:
    if not getattr(user, "is_authenticated", False):
        return Saying.objects.none()
    return Saying.objects.filter(user=user).select_related("matter")


def notices_open_for_resident(*, user: Any, now: dt.datetime) -> QuerySet[Notice]:
    """Notices running now over the resident's home (the notice's node is theirs or above it)."""
    resident = rules.resident_of(user)
    if resident is None:
        return Notice.objects.none()
    return (
        Notice.objects.filter(
            status=NoticeStatus.OPEN,
            starts_at__lte=now,
            ends_at__gt=now,
            node_path__in=_ancestors_and_self(str(resident.node_path)),
        )
        .select_related("node", "step__stage", "step__matter")
        .order_by("ends_at", "id")
    )


def notice_get_public(*, pk: int) -> Notice:
    """A published notice, whatever became of it (running, closed or returned): public, no login."""
    notice = (
        Notice.objects.filter(pk=pk, publication__isnull=False)
        .select_related("node", "publication", "step__stage", "step__matter")
        .first()
    )
    if notice is None:
        raise NotFound(_("公示不存在"), code="notice_not_found")
    return notice


def procedure_list_for(*, user: Any) -> QuerySet[Procedure]:
    return Procedure.objects.filter(_covering_q(user)).select_related("node")


def body_list_for(*, user: Any) -> QuerySet[Body]:
    return Body.objects.filter(_covering_q(user)).select_related("node")
