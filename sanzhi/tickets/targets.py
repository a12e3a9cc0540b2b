"""Where a ticket is sent: the grid's own grid worker by default, a person, a community or street
office, a department, or a party member on a run (群众下单、支部接单、党员跑单) — and what sending it
changes on the ticket (level, holder, the level's clock)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.models import RoleAssignment
from sanzhi.accounts.roles import Role
from sanzhi.core.errors import ValidationFailed
from sanzhi.grids.models import Node, NodeKind
from sanzhi.people.codes import PARTY_MEMBER_STATUSES
from sanzhi.tickets import rules
from sanzhi.tickets.clock import CLOCK_FIELDS, start_level_clock
from sanzhi.tickets.models import Department, Ticket
from sanzhi.tickets.states import Level


def default_grid_worker(ticket: Ticket) -> Any | None:
    """The grid worker of the landing grid: the deepest GRID_WORKER assignment on the node's path."""
    stop = len(ticket.community.path) if ticket.community is not None else 0
    prefixes = [ticket.node_path[:i] for i in range(stop + 4, len(ticket.node_path) + 1, 4)]
    assignment = (
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, node_path__in=prefixes, user__is_active=True)
        .select_related("user")
        .order_by("-node_path", "id")
        .first()
    )
    return assignment.user if assignment else None


@dataclass(frozen=True)
class Target:
    """Where a ticket is sent: a person, a node (community/street office) or a department."""

    user: Any = None
    node: Node | None = None
    department: Department | None = None
    party_run: bool = False


def level_of_target(ticket: Ticket, target: Target) -> str:
    if target.department is not None:
        return Level.DEPARTMENT
    if target.node is not None:
        return {
            NodeKind.GRID: Level.GRID,
            NodeKind.VILLAGE: Level.COMMUNITY,
            NodeKind.TOWNSHIP: Level.STREET,
        }.get(target.node.kind, "")
    return ticket.level


def check_target(actor: Any, ticket: Ticket, target: Target) -> str:
    if target.department is not None:
        if not target.department.active:
            raise ValidationFailed(
                _("该部门已停用"), code="department_inactive", data={"field": "department"}
            )
        if not ticket.node_path.startswith(target.department.node_path):
            raise ValidationFailed(
                _("该部门不负责这一辖区"), code="department_out_of_area", data={"field": "department"}
            )
    if target.node is not None:
        if not ticket.node_path.startswith(target.node.path):
            raise ValidationFailed(
                _("只能派给工单所在网格、社区或街道"), code="target_out_of_area", data={"field": "node"}
            )
        if level_of_target(ticket, target) == "":
            raise ValidationFailed(_("不能派给这一层级"), code="target_level", data={"field": "node"})
    if target.user is not None:
        if not target.user.is_active:
            raise ValidationFailed(_("该账号已停用"), code="user_inactive", data={"field": "user"})
        if target.party_run:
            resident = getattr(target.user, "resident", None)
            if resident is None or resident.political_status not in PARTY_MEMBER_STATUSES:
                raise ValidationFailed(
                    _("党员跑单只能派给党员"), code="not_party_member", data={"field": "user"}
                )
        elif target.department is not None:
            if target.department.pk not in rules.department_ids_of(target.user):
                raise ValidationFailed(
                    _("该人员不属于所选部门"), code="user_not_in_department", data={"field": "user"}
                )
        else:
            paths = [
                p
                for role, p, _n in RoleAssignment.objects.filter(user=target.user).values_list(
                    "role", "node_path", "node_id"
                )
                if role != Role.RESIDENT
            ]
            if not any(ticket.node_path.startswith(p) or p.startswith(ticket.node_path) for p in paths):
                raise ValidationFailed(
                    _("该人员不在工单所在网格任职"), code="user_out_of_area", data={"field": "user"}
                )
    return level_of_target(ticket, target)


def send(ticket: Ticket, target: Target, level: str, now: dt.datetime) -> list[str]:
    fields = ["assignee", "assignee_node", "department", "party_run", "level"]
    level_changed = level != ticket.level
    ticket.assignee = target.user
    ticket.party_run = bool(target.party_run and target.user is not None)
    ticket.level = level
    ticket.department = target.department if level == Level.DEPARTMENT else None
    if level == Level.GRID:
        ticket.assignee_node = target.node if target.node is not None else None
    elif level == Level.COMMUNITY:
        ticket.assignee_node = target.node or ticket.community
    elif level == Level.STREET:
        ticket.assignee_node = target.node or ticket.street
    else:
        ticket.assignee_node = None
    if level_changed:
        start_level_clock(ticket, now)
        fields += CLOCK_FIELDS
    return fields


def target_data(target: Target) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if target.user is not None:
        data["user"] = target.user.username
    if target.node is not None:
        data["node"] = target.node.code
    if target.department is not None:
        data["department"] = target.department.code
    if target.party_run:
        data["party_run"] = True
    return data
