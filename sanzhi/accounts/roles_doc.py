"""Render the role × capability matrix (docs/roles.md) from ``GRANTS``.

    python -m sanzhi.accounts.roles_doc > docs/roles.md

A test compares docs/roles.md with this rendering, so the document cannot drift from the code.
"""

from __future__ import annotations

from django.utils import translation

from sanzhi.accounts.roles import GRANTS, Capability, Role

# English names for the second half of the document (the code's msgids are Chinese).
ROLE_EN: dict[str, str] = {
    Role.RESIDENT: "Resident",
    Role.HOUSEHOLD_REP: "Household representative",
    Role.GRID_WORKER: "Grid worker",
    Role.GRID_CHIEF: "Grid chief / community secretary",
    Role.STREET_ADMIN: "Street / township admin",
    Role.DEPARTMENT_HANDLER: "Department handler",
    Role.COUNCIL_MEMBER: "Council member",
    Role.SYSTEM_ADMIN: "System admin",
}
CAPABILITY_EN: dict[str, str] = {
    Capability.VIEW_TREE: "View the governance tree",
    Capability.MANAGE_TREE: "Maintain the tree (nodes, re-gridding, party organisations)",
    Capability.VIEW_COVERAGE: "View the coverage report",
    Capability.VIEW_REGISTRY: "View households and residents (masked)",
    Capability.REVEAL_PII: "Reveal full ID numbers and phones (logged)",
    Capability.VIEW_SENSITIVE: "See sensitive group tags",
    Capability.EDIT_REGISTRY: "Edit households and residents",
    Capability.IMPORT_REGISTRY: "Import households and residents",
    Capability.EXPORT_REGISTRY: "Export households and residents",
    Capability.ASSIGN_ROLES: "Assign roles",
    Capability.MANAGE_CALENDAR: "Maintain the working calendar (holidays, make-up days)",
    Capability.VIEW_TICKETS: "View demand tickets in the area",
    Capability.REPORT_TICKETS: "Report a demand for others (patrol, visit, hotline, for a household)",
    Capability.HANDLE_TICKETS: "Handle tickets held at this level (accept, resolve, return)",
    Capability.DISPATCH_TICKETS: "Register and dispatch tickets (transfer, suspend, resume)",
    Capability.VERIFY_TICKETS: "Verify and close resolved tickets",
    Capability.VOID_TICKETS: "Void and merge tickets",
    Capability.VISIT_TICKETS: "Record return visits and ratings",
    Capability.VIEW_KPIS: "View the demand KPIs (three rates, rankings)",
    Capability.MANAGE_CATEGORIES: "Maintain demand categories, time limits and departments",
    Capability.VIEW_POINTS: "View points accounts and their ledgers",
    Capability.RECORD_POINTS: "Record points claims (with evidence)",
    Capability.REVIEW_POINTS: "Review claims, evaluate stars, publish red/black lists",
    Capability.COUNCIL_POINTS: "Approve the items reserved to a council (道德评议会)",
    Capability.MANAGE_POINTS: "Maintain points schemes, rule catalogs, stars and tiers",
    Capability.RUN_STORE: "Run the points supermarket (goods, stock, pickups)",
    Capability.VIEW_MATTERS: "View matters under deliberation",
    Capability.PROPOSE_MATTERS: "Propose matters, take in residents' sayings",
    Capability.RUN_DELIBERATION: "Run meetings, public notices and implementation",
    Capability.APPROVE_MATTERS: "Approve major matters (superior approval)",
    Capability.MANAGE_DELIBERATION: "Maintain procedures and bodies",
    Capability.EDIT_DISCLOSURES: "Draft disclosures",
    Capability.PUBLISH_DISCLOSURES: "Publish disclosures and corrections",
    Capability.MANAGE_DISCLOSURES: "Maintain the disclosure calendar",
}

YES, NO = "✓", "—"


def _table(role_names: dict[str, str], capability_names: dict[str, str], cap_header: str) -> list[str]:
    roles = list(Role)
    lines = [
        f"| {cap_header} | " + " | ".join(role_names[r] for r in roles) + " |",
        "|---|" + "|".join(":-:" for _ in roles) + "|",
    ]
    for cap in Capability:
        cells = [YES if cap.value in GRANTS[r] else NO for r in roles]
        lines.append(f"| {capability_names[cap]} `{cap.value}` | " + " | ".join(cells) + " |")
    return lines


def render_markdown() -> str:
    with translation.override("zh-hans"):
        zh_roles: dict[str, str] = {r.value: str(r.label) for r in Role}
        zh_caps: dict[str, str] = {c.value: str(c.label) for c in Capability}
    lines = [
        "# 角色与权限 / Roles and capabilities",
        "",
        "<!-- 由 `python -m sanzhi.accounts.roles_doc > docs/roles.md` 生成，请勿手改。",
        "     Generated from sanzhi/accounts/roles.py GRANTS; a test keeps it in step. -->",
        "",
        "## 中文",
        "",
        "角色总是任命在某个治理节点上（角色任命：用户、角色、节点），并在该节点的整个下级范围内授予权限。"
        "一个用户的数据范围是其全部角色任命所在子树的并集；范围之外的对象一律按“不存在”处理（404）。"
        "系统超级用户不受范围限制。居民角色不授予户籍权限，居民只能看到本户。"
        "完整身份证号和电话默认脱敏，每次查看都记录查看人、被查看人、时间和事由。",
        "",
        *_table(zh_roles, zh_caps, "权限"),
        "",
        "## English",
        "",
        "A role is always held at a node of the governance tree (role assignment: user, role, node) and "
        "grants its capabilities in that node's whole subtree. A user's data scope is the union of the "
        "subtrees of their assignments; anything outside it is answered as not found (404). A superuser "
        "is unrestricted. The resident role grants no registry capability: a resident sees their own "
        "household only. ID numbers and phones are masked unless revealed, and every reveal is logged "
        "(who, whom, when, why).",
        "",
        *_table(ROLE_EN, CAPABILITY_EN, "Capability"),
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    import django

    django.setup()
    print(render_markdown(), end="")
