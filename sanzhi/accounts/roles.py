"""Roles, capabilities and the role × capability matrix (documented in README, tested per cell).

A role is held *at a node*; it grants its capabilities in that node's whole subtree.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RESIDENT = "resident", _("居民")
    HOUSEHOLD_REP = "household_rep", _("联户长")
    GRID_WORKER = "grid_worker", _("网格员")
    GRID_CHIEF = "grid_chief", _("网格长/社区书记")
    STREET_ADMIN = "street_admin", _("街道/乡镇管理员")
    DEPARTMENT_HANDLER = "department_handler", _("部门办理人")
    COUNCIL_MEMBER = "council_member", _("议事会/评议会成员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")


class Capability(models.TextChoices):
    VIEW_TREE = "grids.view", _("查看治理网格")
    MANAGE_TREE = "grids.manage", _("维护网格结构")
    VIEW_COVERAGE = "grids.coverage", _("查看网格覆盖检查")
    VIEW_REGISTRY = "people.view", _("查看户籍人口")
    REVEAL_PII = "people.reveal_pii", _("查看完整身份证号与电话")
    VIEW_SENSITIVE = "people.view_sensitive", _("查看敏感人群标签")
    EDIT_REGISTRY = "people.edit", _("维护户籍人口")
    IMPORT_REGISTRY = "people.import", _("导入户籍人口")
    EXPORT_REGISTRY = "people.export", _("导出户籍人口")
    ASSIGN_ROLES = "accounts.assign_roles", _("分配角色")


C = Capability
_STAFF_READ = {C.VIEW_TREE, C.VIEW_REGISTRY}
GRANTS: dict[str, frozenset[str]] = {
    # A resident sees their own household only (people selectors), not the registry of their grid.
    Role.RESIDENT: frozenset(),
    # 联户长 know their households by face; the registry is shown to them masked.
    Role.HOUSEHOLD_REP: frozenset(_STAFF_READ),
    Role.GRID_WORKER: frozenset(_STAFF_READ | {C.REVEAL_PII, C.EDIT_REGISTRY}),
    Role.GRID_CHIEF: frozenset(
        _STAFF_READ
        | {
            C.REVEAL_PII,
            C.VIEW_SENSITIVE,
            C.EDIT_REGISTRY,
            C.IMPORT_REGISTRY,
            C.EXPORT_REGISTRY,
            C.VIEW_COVERAGE,
        }
    ),
    Role.STREET_ADMIN: frozenset(
        _STAFF_READ
        | {
            C.REVEAL_PII,
            C.VIEW_SENSITIVE,
            C.EDIT_REGISTRY,
            C.IMPORT_REGISTRY,
            C.EXPORT_REGISTRY,
            C.VIEW_COVERAGE,
            C.MANAGE_TREE,
            C.ASSIGN_ROLES,
        }
    ),
    Role.DEPARTMENT_HANDLER: frozenset({C.VIEW_TREE}),
    Role.COUNCIL_MEMBER: frozenset({C.VIEW_TREE}),
    Role.SYSTEM_ADMIN: frozenset(Capability.values),
}


def roles_granting(capability: str) -> frozenset[str]:
    return frozenset(role for role, caps in GRANTS.items() if capability in caps)
