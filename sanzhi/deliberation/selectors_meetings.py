"""Scoped reads of meetings and approvals.

A meeting is seen by staff with ``deliberation.view`` over its node, and by the members of its
body (the active ones, and anyone on its roster: a member who has since left still sees the
meetings they sat in). A township sees the approvals it must decide: those of the nodes strictly
below where it holds ``deliberation.approve`` (``rules.can_approve``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import NotFound
from sanzhi.core.fields import subtree_q
from sanzhi.deliberation import rules
from sanzhi.deliberation.models import (
    Approval,
    ApprovalDecision,
    Attendance,
    BodyMember,
    Meeting,
    MeetingStatus,
    StepStatus,
)
from sanzhi.grids.models import Node

_NOTHING = Q(pk__in=[])


def _own_members(user: Any) -> QuerySet[BodyMember]:
    """Every membership row of the user (by login or by their registry resident), active or not."""
    resident = rules.resident_of(user)
    query = Q(user=user)
    if resident is not None:
        query |= Q(resident=resident)
    return BodyMember.objects.filter(query)


def _member_q(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOTHING
    members = _own_members(user)
    active_bodies = members.filter(active=True).values("body_id")
    on_roster = Attendance.objects.filter(member__in=members).values("meeting_id")
    return Q(body_id__in=active_bodies) | Q(pk__in=on_roster)


def _visible_q(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOTHING
    scope = scope_for(user, Capability.VIEW_MATTERS)
    if scope.everything:
        return Q()
    return _member_q(user) | (scope.q("node_path") if not scope.empty else _NOTHING)


def meeting_list_for(
    *, user: Any, under: Node | None = None, upcoming: bool | None = None
) -> QuerySet[Meeting]:
    """Meetings the user may see; ``upcoming`` True: still scheduled (attendance and votes to come),
    False: decided, signed or cancelled, None: all."""
    meetings = Meeting.objects.filter(_visible_q(user)).select_related("body", "step__stage", "step__matter")
    if under is not None:
        meetings = meetings.filter(subtree_q("node_path", under.path))
    if upcoming is True:
        meetings = meetings.filter(status=MeetingStatus.SCHEDULED)
    elif upcoming is False:
        meetings = meetings.exclude(status=MeetingStatus.SCHEDULED)
    return meetings


def meeting_get_for(*, user: Any, pk: int) -> Meeting:
    """One meeting, or NotFound when it does not exist or lies outside what the user may see."""
    meeting = meeting_list_for(user=user).filter(pk=pk).first()
    if meeting is None:
        raise NotFound(_("会议不存在"), code="meeting_not_found")
    return meeting


def meetings_of_member(*, user: Any) -> QuerySet[Meeting]:
    """The meetings on whose roster the user is (their own meetings, whatever their role)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Meeting.objects.none()
    on_roster = Attendance.objects.filter(member__in=_own_members(user)).values("meeting_id")
    return Meeting.objects.filter(pk__in=on_roster).select_related("body", "step__stage", "step__matter")


def approval_list_for(*, user: Any, pending: bool = True) -> QuerySet[Approval]:
    """What the user's township must approve (``pending``) or has decided (``pending=False``)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Approval.objects.none()
    scope = scope_for(user, Capability.APPROVE_MATTERS)
    if scope.empty:
        return Approval.objects.none()
    approvals = Approval.objects.select_related("step__stage", "step__matter", "requested_by")
    if not scope.everything:
        # Strictly below a node where the user approves: the community asks the township above it.
        query = _NOTHING
        for path in scope.paths:
            query |= subtree_q("node_path", path) & ~Q(node_path=path)
        approvals = approvals.filter(query)
    if pending:
        # A matter withdrawn while its request waited leaves nothing to decide.
        return approvals.filter(decision=ApprovalDecision.PENDING, step__status=StepStatus.OPEN)
    return approvals.exclude(decision=ApprovalDecision.PENDING)
