"""议事主体: a community's bodies (党支部委员会, 两委, 党员大会, 村民代表会议, 议事会 …) and their members.

A body is kept by whoever manages deliberation at its node (``rules.can_manage``). A member is a
staff login, a registered resident, or both; removing a member keeps the row (inactive) because
past meetings' rosters point at it. A meeting's roster is frozen when it is called, so changes
here never alter a meeting already called.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.deliberation import rules
from sanzhi.deliberation.models import Body, BodyKind, BodyMember
from sanzhi.grids.models import Node

MAX_NAME = 60


@transaction.atomic
def body_create(*, actor: Any, node: Node, kind: str, name: str) -> Body:
    """Set up a body of ``kind`` at ``node``; one active body of each kind per node."""
    if not rules.can_manage(actor, node):
        raise Forbidden(_("无权维护此地的议事主体"), code="forbidden")
    if kind not in BodyKind.values:
        raise ValidationFailed(_("议事主体类型无效"), code="invalid", data={"field": "kind"})
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(_("请填写名称（不超过60字）"), code="invalid", data={"field": "name"})
    # Locking the node queues two creators of the same kind, so the second gets a clean error
    # rather than the partial unique index firing.
    Node.objects.select_for_update().filter(pk=node.pk).first()
    if Body.objects.filter(node=node, kind=kind, active=True).exists():
        raise Conflict(
            _("此地已有同类议事主体"), code="body_kind_taken", data={"node": node.pk, "kind": kind}
        )
    body = Body.objects.create(node=node, node_path=node.path, kind=kind, name=name)
    audit_record(
        actor=actor,
        action="deliberation.body_create",
        subject=body,
        node_path=node.path,
        data={"kind": kind, "name": name},
    )
    return body


@transaction.atomic
def body_member_add(
    *,
    actor: Any,
    body: Body,
    user: Any = None,
    resident: Any = None,
    name: str = "",
    title: str = "",
    is_chair: bool = False,
) -> BodyMember:
    """Add a member (a login, a registered resident living under the body's node, or both). A
    former member who is added again gets their old row back, so their history stays one row.
    A new chair (召集人) takes over from the old one: a body has one chair."""
    if not rules.can_manage(actor, body):
        raise Forbidden(_("无权维护此议事主体的成员"), code="forbidden")
    body = Body.objects.select_for_update().get(pk=body.pk)
    if not body.active:
        raise Conflict(_("该议事主体已停用"), code="body_inactive", data={"body": body.pk})
    if user is None and resident is None:
        raise ValidationFailed(_("请选择成员（账号或居民）"), code="invalid", data={"field": "member"})
    if resident is not None and not str(resident.node_path).startswith(body.node_path):
        raise ValidationFailed(
            _("该居民不在此议事主体所在地"), code="member_elsewhere", data={"resident": resident.pk}
        )
    title = (title or "").strip()
    if len(title) > 40:
        raise ValidationFailed(_("职务不超过40字"), code="invalid", data={"field": "title"})
    label = (name or "").strip()
    if not label:
        if resident is not None:
            label = resident.name
        else:
            label = getattr(user, "display_name", "") or user.get_username()
    if len(label) > 50:
        raise ValidationFailed(_("姓名不超过50字"), code="invalid", data={"field": "name"})
    # The same person may already sit on the body by their other identity: a login whose
    # registry resident is a member, or a resident whose login is.
    same = Q(pk__in=[])
    if user is not None:
        same |= Q(user=user)
        linked = rules.resident_of(user)
        if linked is not None:
            same |= Q(resident=linked)
    if resident is not None:
        same |= Q(resident=resident)
        if resident.user_id is not None:
            same |= Q(user_id=resident.user_id)
    existing = list(BodyMember.objects.select_for_update().filter(same, body=body))
    if any(m.active for m in existing):
        raise Conflict(_("此人已是该议事主体的成员"), code="member_exists", data={"body": body.pk})
    if len(existing) > 1:
        # The login and the resident were two different former members: which one to revive is
        # a person's call, not ours.
        raise Conflict(_("账号与居民分属两名原成员，请分别处理"), code="member_ambiguous")
    if is_chair:
        BodyMember.objects.filter(body=body, is_chair=True).update(is_chair=False)
    if existing:
        member = existing[0]
        member.user = user if user is not None else member.user
        member.resident = resident if resident is not None else member.resident
        member.name, member.title, member.is_chair, member.active = label, title, is_chair, True
        member.save(update_fields=["user", "resident", "name", "title", "is_chair", "active"])
    else:
        member = BodyMember.objects.create(
            body=body, user=user, resident=resident, name=label, title=title, is_chair=is_chair
        )
    audit_record(
        actor=actor,
        action="deliberation.body_member_add",
        subject=member,
        node_path=body.node_path,
        data={"body": body.pk, "name": label, "chair": is_chair, "revived": bool(existing)},
    )
    return member


@transaction.atomic
def body_member_remove(*, actor: Any, member: BodyMember) -> BodyMember:
    """End a membership (the row stays, inactive: past rosters and ballots point at it)."""
    body = member.body
    if not rules.can_manage(actor, body):
        raise Forbidden(_("无权维护此议事主体的成员"), code="forbidden")
    member = BodyMember.objects.select_for_update().get(pk=member.pk)
    if not member.active:
        raise Conflict(_("该成员已不在任"), code="member_inactive", data={"member": member.pk})
    member.active = False
    member.is_chair = False
    member.save(update_fields=["active", "is_chair"])
    audit_record(
        actor=actor,
        action="deliberation.body_member_remove",
        subject=member,
        node_path=body.node_path,
        data={"body": body.pk, "name": member.name},
    )
    return member


def body_for(node: Node, kind: str) -> Body | None:
    """The active body of ``kind`` at ``node`` or, failing that, at its nearest ancestor (a
    community without its own 议事会 uses the street's, say)."""
    path = node.path
    prefixes = [path[:i] for i in range(Node.steplen, len(path) + 1, Node.steplen)]
    # Ancestor paths are prefixes of one another, so the longest (nearest) sorts last.
    return Body.objects.filter(kind=kind, active=True, node_path__in=prefixes).order_by("-node_path").first()
