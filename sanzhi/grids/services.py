"""Writes to the governance tree. Codes are validated here; moving a subtree re-issues its codes and
rewrites the path copies on every big table in one transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, ValidationFailed
from sanzhi.grids.codes import admin_kind_of, validate_code
from sanzhi.grids.models import GridScheme, Node, NodeCodeChange, NodeKind

DEFAULT_LABELS = {
    NodeKind.PROVINCE: "省",
    NodeKind.CITY: "市",
    NodeKind.COUNTY: "区县",
    NodeKind.TOWNSHIP: "街道",
    NodeKind.VILLAGE: "社区",
}
DEFAULT_GRID_LABELS = {1: "网格", 2: "微网格"}


def scheme_for(node: Node) -> GridScheme:
    """The nearest scheme at or above ``node``; an unsaved default (15–30 households) if none."""
    ancestors = [node.path[:i] for i in range(node.steplen, len(node.path) + 1, node.steplen)]
    scheme = (
        GridScheme.objects.filter(node__path__in=ancestors)
        .select_related("node")
        .order_by("-node__depth")
        .first()
    )
    return scheme or GridScheme(name=_("默认方案"), rep_min_households=15, rep_max_households=30)


def default_label(kind: str, grid_level: int, parent: Node | None) -> str:
    if kind != NodeKind.GRID:
        return DEFAULT_LABELS[NodeKind(kind)]
    labels = scheme_for(parent).grid_level_labels if parent is not None else {}
    return str(labels.get(str(grid_level)) or DEFAULT_GRID_LABELS.get(grid_level, f"{grid_level}级网格"))


def _kind_for_code(code: str, parent: Node | None) -> str:
    if parent is not None and parent.kind in (NodeKind.VILLAGE, NodeKind.GRID):
        return NodeKind.GRID
    if len(code) != 12:
        raise ValidationFailed(_("行政区划编码应为 12 位数字"), code="bad_node_code", data={"code": code})
    return admin_kind_of(code)


@transaction.atomic
def node_create(
    *,
    actor: Any,
    parent: Node | None,
    code: str,
    name: str,
    label: str = "",
    edition: int | None = None,
) -> Node:
    code, name = code.strip(), name.strip()
    if not name:
        raise ValidationFailed(_("名称不能为空"), code="name_required")
    kind = _kind_for_code(code, parent)
    validate_code(
        code,
        kind=kind,
        parent_code=parent.code if parent else None,
        parent_kind=parent.kind if parent else None,
    )
    if Node.objects.filter(code=code).exists():
        raise Conflict(
            _("编码 {code} 已被使用").format(code=code), code="node_code_taken", data={"code": code}
        )
    grid_level = (parent.grid_level + 1) if kind == NodeKind.GRID and parent is not None else 0
    fields = {
        "code": code,
        "name": name,
        "kind": kind,
        "grid_level": grid_level,
        "label": label.strip() or default_label(kind, grid_level, parent),
        "code_edition": edition or timezone.localdate().year,
    }
    if parent is None:
        node = Node.objects.add_root(create_kwargs=fields)
    else:
        parent.refresh_from_db()  # treebeard needs the current numchild/path of the parent
        node = Node.objects.add_child(parent, create_kwargs=fields)
    audit_record(actor=actor, action="node.create", subject=node, node_path=node.path, data={"code": code})
    return node


@transaction.atomic
def node_update(*, actor: Any, node: Node, name: str | None = None, label: str | None = None) -> Node:
    changed: list[str] = []
    if name is not None and name.strip() and name.strip() != node.name:
        node.name = name.strip()
        changed.append("name")
    if label is not None and label.strip() and label.strip() != node.label:
        node.label = label.strip()
        changed.append("label")
    if changed:
        node.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor, action="node.update", subject=node, node_path=node.path, data={"fields": changed}
        )
    return node


def _free_grid_code(parent: Node, wanted_suffix: str) -> str:
    taken = set(Node.objects.filter(code__startswith=parent.code).values_list("code", flat=True))
    candidate = parent.code + wanted_suffix
    if candidate not in taken and wanted_suffix != "000":
        return candidate
    for n in range(1, 1000):
        candidate = f"{parent.code}{n:03d}"
        if candidate not in taken:
            return candidate
    raise Conflict(_("{parent} 下的网格编码已用完").format(parent=parent.code), code="grid_codes_exhausted")


def _rewrite_paths(old_prefix: str, new_prefix: str) -> None:
    """Point every path copy under ``old_prefix`` at ``new_prefix`` (one UPDATE per table)."""
    from sanzhi.accounts.models import RoleAssignment
    from sanzhi.people.models import Household, Resident

    cut = len(old_prefix) + 1
    for model in (Household, Resident, RoleAssignment):
        model.objects.filter(node_path__startswith=old_prefix).update(
            node_path=Concat(Value(new_prefix), Substr("node_path", cut))
        )


@transaction.atomic
def node_move(
    *, actor: Any, node: Node, new_parent: Node, new_code: str = "", edition: int | None = None
) -> Node:
    """重新划格: move ``node`` with its subtree under ``new_parent``.

    A grid keeps its last three digits where they are free under the new parent; an administrative
    node needs ``new_code`` (区划调整 issues new codes). Codes below are re-issued from the new
    prefix and every change is kept in NodeCodeChange.
    """
    node = Node.objects.select_for_update().get(pk=node.pk)
    new_parent = Node.objects.get(pk=new_parent.pk)
    if new_parent.path.startswith(node.path):
        raise ValidationFailed(_("不能把节点移到它自己的下级"), code="move_into_self")
    if node.kind == NodeKind.GRID:
        if new_parent.kind not in (NodeKind.VILLAGE, NodeKind.GRID):
            raise ValidationFailed(_("网格只能移到社区/村或网格之下"), code="bad_move_target")
        code = new_code.strip() or _free_grid_code(new_parent, node.code[-3:])
    else:
        if not new_code.strip():
            raise ValidationFailed(_("移动行政区划节点须给出新编码"), code="new_code_required")
        code = new_code.strip()
    validate_code(code, kind=node.kind, parent_code=new_parent.code, parent_kind=new_parent.kind)
    if code != node.code and Node.objects.filter(code=code).exists():
        raise Conflict(
            _("编码 {code} 已被使用").format(code=code), code="node_code_taken", data={"code": code}
        )

    old_path, old_code = node.path, node.code
    Node.objects.move(node, new_parent, pos="last-child")
    node.refresh_from_db()
    _rewrite_paths(old_path, node.path)

    edition = edition or timezone.localdate().year
    level_shift = (new_parent.grid_level + 1 - node.grid_level) if node.kind == NodeKind.GRID else 0
    if code != old_code:
        subs = list(Node.objects.filter(path__startswith=node.path).only("pk", "code"))
        # Park the old codes first so that codes swapping places inside one subtree never trip
        # the unique index half-way through.
        for sub in subs:
            Node.objects.filter(pk=sub.pk).update(code=f"~{sub.pk}")
        changed_by = actor if getattr(actor, "is_authenticated", False) else None
        changes = []
        for sub in subs:
            sub_code = code + sub.code[len(old_code) :]
            Node.objects.filter(pk=sub.pk).update(code=sub_code, code_edition=edition)
            changes.append(
                NodeCodeChange(
                    node=sub, old_code=sub.code, new_code=sub_code, edition=edition, changed_by=changed_by
                )
            )
        NodeCodeChange.objects.bulk_create(changes)
    if level_shift:
        Node.objects.filter(path__startswith=node.path, kind=NodeKind.GRID).update(
            grid_level=F("grid_level") + level_shift
        )
    node.refresh_from_db()
    audit_record(
        actor=actor,
        action="node.move",
        subject=node,
        node_path=node.path,
        data={
            "old_code": old_code,
            "new_code": node.code,
            "old_path": old_path,
            "new_parent": new_parent.code,
        },
    )
    return node


@transaction.atomic
def scheme_set(
    *,
    actor: Any,
    node: Node,
    name: str,
    rep_min_households: int,
    rep_max_households: int,
    grid_level_labels: dict[str, str] | None = None,
) -> GridScheme:
    if not 1 <= rep_min_households <= rep_max_households:
        raise ValidationFailed(_("联户户数下限须不大于上限"), code="bad_rep_bounds")
    scheme, _created = GridScheme.objects.update_or_create(
        node=node,
        defaults={
            "name": name,
            "rep_min_households": rep_min_households,
            "rep_max_households": rep_max_households,
            "grid_level_labels": grid_level_labels or {},
        },
    )
    audit_record(actor=actor, action="scheme.set", subject=scheme, node_path=node.path)
    return scheme
