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
    MANAGE_CALENDAR = "core.calendar", _("维护工作日历")
    VIEW_TICKETS = "tickets.view", _("查看诉求工单")
    REPORT_TICKETS = "tickets.report", _("代为上报诉求")
    HANDLE_TICKETS = "tickets.handle", _("办理诉求")
    DISPATCH_TICKETS = "tickets.dispatch", _("立案派遣诉求")
    VERIFY_TICKETS = "tickets.verify", _("核查结案")
    VOID_TICKETS = "tickets.void", _("作废与合并诉求")
    VISIT_TICKETS = "tickets.visit", _("回访评价")
    VIEW_KPIS = "tickets.kpis", _("查看诉求考核指标")
    MANAGE_CATEGORIES = "tickets.categories", _("维护诉求分类与部门")
    VIEW_POINTS = "points.view", _("查看积分账户与流水")
    RECORD_POINTS = "points.record", _("记录积分")
    REVIEW_POINTS = "points.review", _("审核积分、评星与发布红黑榜")
    COUNCIL_POINTS = "points.council", _("评议会审批积分")
    MANAGE_POINTS = "points.manage", _("维护积分方案与细则")
    RUN_STORE = "points.store", _("管理积分超市")
    VIEW_MATTERS = "deliberation.view", _("查看议事事项")
    PROPOSE_MATTERS = "deliberation.propose", _("提出议题、受理村民说事")
    RUN_DELIBERATION = "deliberation.run", _("组织会议、公示与实施")
    APPROVE_MATTERS = "deliberation.approve", _("审批重大事项（请示报告）")
    MANAGE_DELIBERATION = "deliberation.manage", _("维护议事规程与议事主体")
    EDIT_DISCLOSURES = "disclosure.edit", _("编制公开内容")
    PUBLISH_DISCLOSURES = "disclosure.publish", _("发布公开内容与更正")
    MANAGE_DISCLOSURES = "disclosure.manage", _("维护公开目录")


C = Capability
_STAFF_READ = {C.VIEW_TREE, C.VIEW_REGISTRY}
_TICKET_WORK = {C.VIEW_TICKETS, C.REPORT_TICKETS, C.HANDLE_TICKETS, C.VISIT_TICKETS}
_TICKET_LEAD = _TICKET_WORK | {C.DISPATCH_TICKETS, C.VERIFY_TICKETS, C.VOID_TICKETS, C.VIEW_KPIS}
_POINTS_WORK = {C.VIEW_POINTS, C.RECORD_POINTS}
# The community runs its scheme: adopts it, reviews monthly, keeps the supermarket. Council
# approvals (道德评议会) stay with the council's members and the offices above.
_POINTS_LEAD = _POINTS_WORK | {C.REVIEW_POINTS, C.MANAGE_POINTS, C.RUN_STORE}
# The community secretary runs 四议两公开 and keeps the 三务公开 board; the township approves major
# matters (请示报告). Voting is by membership of a body (deliberation.rules), not by a capability.
_DELIBERATION_LEAD = {
    C.VIEW_MATTERS,
    C.PROPOSE_MATTERS,
    C.RUN_DELIBERATION,
    C.MANAGE_DELIBERATION,
    C.EDIT_DISCLOSURES,
    C.PUBLISH_DISCLOSURES,
    C.MANAGE_DISCLOSURES,
}
GRANTS: dict[str, frozenset[str]] = {
    # A resident sees their own household only (people selectors), not the registry of their grid.
    Role.RESIDENT: frozenset(),
    # 联户长 know their households by face; the registry is shown to them masked.
    # They relay their households' demands ("下菜点单") and follow them.
    # They also record the points evidence of their households (the deed, a photo).
    Role.HOUSEHOLD_REP: frozenset(_STAFF_READ | {C.VIEW_TICKETS, C.REPORT_TICKETS} | _POINTS_WORK),
    # A grid worker registers, dispatches and handles what stays in the grid (小事不出格).
    Role.GRID_WORKER: frozenset(
        _STAFF_READ
        | {C.REVEAL_PII, C.EDIT_REGISTRY}
        | _TICKET_WORK
        | {C.DISPATCH_TICKETS, C.VIEW_KPIS}
        | _POINTS_WORK
        | {C.RUN_STORE}
        | {C.VIEW_MATTERS, C.PROPOSE_MATTERS}
    ),
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
        | _TICKET_LEAD
        | _POINTS_LEAD
        | _DELIBERATION_LEAD
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
            C.MANAGE_CATEGORIES,
            C.MANAGE_CALENDAR,
        }
        | _TICKET_LEAD
        | _POINTS_LEAD
        | {C.COUNCIL_POINTS}
        | _DELIBERATION_LEAD
        | {C.APPROVE_MATTERS}
    ),
    # A department handler sees and acts on the tickets sent to their department (membership, see
    # tickets.rules), not on everything in an area.
    Role.DEPARTMENT_HANDLER: frozenset({C.VIEW_TREE}),
    # Councils and supervision committees watch the loop and the three rates; they do not handle.
    # 道德评议会 members approve the items reserved to the council.
    # 议事会 and 村务监督委员会 members follow every matter and may put one forward.
    Role.COUNCIL_MEMBER: frozenset(
        {C.VIEW_TREE, C.VIEW_TICKETS, C.VIEW_KPIS, C.VIEW_POINTS, C.COUNCIL_POINTS}
        | {C.VIEW_MATTERS, C.PROPOSE_MATTERS}
    ),
    Role.SYSTEM_ADMIN: frozenset(Capability.values),
}


def roles_granting(capability: str) -> frozenset[str]:
    return frozenset(role for role, caps in GRANTS.items() if capability in caps)
