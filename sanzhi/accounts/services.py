"""Account writes: throttled authentication and role assignments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.accounts.models import LoginFailure, RoleAssignment, User
from sanzhi.accounts.roles import Capability, Role
from sanzhi.accounts.scoping import forget_assignments, scope_for
from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Forbidden, Throttled, ValidationFailed
from sanzhi.grids.models import Node


def login_throttled(*, username: str, ip: str | None) -> bool:
    """True when the username or the address has failed too often inside the window."""
    since = timezone.now() - dt.timedelta(seconds=settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    who = Q(username=username.lower())
    if ip:
        who |= Q(ip=ip)
    return LoginFailure.objects.filter(who, at__gte=since).count() >= settings.LOGIN_THROTTLE_LIMIT


def login_authenticate(*, request: Any, username: str, password: str) -> User:
    """The user for these credentials, or a DomainError (invalid or throttled) — same for web and API.

    The check runs before the password hash so a locked-out guesser costs us no argon2 time.
    """
    username = (username or "").strip()
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    if not username or not password:
        raise ValidationFailed(_("请输入用户名和密码"), code="credentials_required")
    if login_throttled(username=username, ip=ip):
        minutes = settings.LOGIN_THROTTLE_WINDOW_SECONDS // 60
        raise Throttled(
            _("登录失败次数过多，请 {m} 分钟后再试").format(m=minutes),
            code="login_throttled",
            data={"retry_after_seconds": settings.LOGIN_THROTTLE_WINDOW_SECONDS},
        )
    user = authenticate(request, username=username, password=password)
    if user is None:
        LoginFailure.objects.create(username=username.lower(), ip=ip)
        raise ValidationFailed(_("用户名或密码不正确"), code="invalid_credentials")
    LoginFailure.objects.filter(username=username.lower()).delete()
    return user


@transaction.atomic
def role_assign(*, actor: Any, user: User, role: str, node: Node) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationFailed(_("未知角色 {r}").format(r=role), code="bad_role")
    if actor is not None and not scope_for(actor, Capability.ASSIGN_ROLES).contains(node.path):
        raise Forbidden(_("您无权在该节点分配角色"), code="forbidden")
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=role, node=node, defaults={"node_path": node.path, "created_by": actor}
    )
    forget_assignments(user)
    audit_record(
        actor=actor,
        action="role.assign",
        subject=assignment,
        node_path=node.path,
        data={"user": user.username, "role": role},
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment) -> None:
    if actor is not None and not scope_for(actor, Capability.ASSIGN_ROLES).contains(assignment.node_path):
        raise Forbidden(_("您无权在该节点撤销角色"), code="forbidden")
    audit_record(
        actor=actor,
        action="role.revoke",
        subject=assignment,
        node_path=assignment.node_path,
        data={"user": assignment.user.username, "role": assignment.role},
    )
    assignment.delete()
    forget_assignments(assignment.user)
