"""Writes to the governance tree. Codes are validated here; moving a subtree re-issues its codes and
rewrites the path copies on every big table in one transaction."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.core.fields import PathField
from sanzhi.grids.codes import SIGNIFICANT_DIGITS, admin_kind_of, validate_code
from sanzhi.grids.models import GridScheme, Node, NodeCodeChange, NodeKind, PartyOrganization, PartyOrgKind
from sanzhi.grids.schemes import ancestor_paths, default_scheme

DEFAULT_LABELS = {
    NodeKind.PROVINCE: "省",
    NodeKind.CITY: "市",
    NodeKind.COUNTY: "区县",
    NodeKind.TOWNSHIP: "街道",
    NodeKind.VILLAGE: "社区",
}
DEFAULT_GRID_LABELS = {1: "网格", 2: "微网格"}


def scheme_for(node: Node) -> GridScheme:
    """The nearest scheme at or above ``node``; an unsaved default (15–30 households) if none.

    One query per call; for many nodes use ``grids.schemes.SchemeIndex``."""
    scheme = (
        GridScheme.objects.filter(node__path__in=ancestor_paths(node.path))
        .select_related("node")
        .order_by("-node__depth")
        .first()
    )
    return scheme or default_scheme()


def default_label(kind: str, grid_level: int, parent: Node | None) -> str:
    if kind != NodeKind.GRID:
        return DEFAULT_LABELS[NodeKind(kind)]
    labels = scheme_for(parent).grid_level_labels if parent is not None else {}
    return str(labels.get(str(grid_level)) or DEFAULT_GRID_LABELS.get(grid_level, f"{grid_level}级网格"))


def _require_manage(actor: Any, path: str | None) -> None:
    """``actor=None`` is the installation's operator (CLI, demo builder). A new root (``path`` None)
    needs an unlimited scope: nobody holds a role above the top of the tree."""
    if actor is None:
        return
    scope = scope_for(actor, Capability.MANAGE_TREE)
    if not (scope.everything if path is None else scope.contains(path)):
        raise Forbidden(_("您无权在该节点维护网格结构"), code="forbidden")


def _code_taken(code: str) -> Conflict:
    return Conflict(_("编码 {code} 已被使用").format(code=code), code="node_code_taken", data={"code": code})


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
    _require_manage(actor, parent.path if parent is not None else None)
    code, name = code.strip(), name.strip()
    if not name:
        raise ValidationFailed(_("名称不能为空"), code="name_required")
    if parent is not None:
        # Lock the parent: treebeard derives the new path from the parent's numchild and last child,
        # so two concurrent inserts under one parent would otherwise compute the same path. Holding
        # the lock also makes the code check below see a concurrent insert that committed first.
        parent = Node.objects.select_for_update().get(pk=parent.pk)
    kind = _kind_for_code(code, parent)
    validate_code(
        code,
        kind=kind,
        parent_code=parent.code if parent else None,
        parent_kind=parent.kind if parent else None,
    )
    if Node.objects.filter(code=code).exists():
        raise _code_taken(code)
    grid_level = (parent.grid_level + 1) if kind == NodeKind.GRID and parent is not None else 0
    fields = {
        "code": code,
        "name": name,
        "kind": kind,
        "grid_level": grid_level,
        "label": label.strip() or default_label(kind, grid_level, parent),
        "code_edition": edition or timezone.localdate().year,
    }
    try:
        with transaction.atomic():
            if parent is None:
                node = Node.objects.add_root(create_kwargs=fields)
            else:
                node = Node.objects.add_child(parent, create_kwargs=fields)
    except IntegrityError:
        # A concurrent writer took the code (or, for roots, the path) between our check and insert.
        raise _code_taken(code) from None
    audit_record(actor=actor, action="node.create", subject=node, node_path=node.path, data={"code": code})
    return node


@transaction.atomic
def node_update(*, actor: Any, node: Node, name: str | None = None, label: str | None = None) -> Node:
    _require_manage(actor, node.path)
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


def _path_copy_columns() -> list[tuple[type[Any], str]]:
    """Every (model, field) holding a copy of a node path: any PathField in any installed app, so a
    new app's table (tickets, PII log …) follows a re-gridding without being listed here."""
    return [
        (model, f.name)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, PathField)
    ]


def _rewrite_paths(old_prefix: str, new_prefix: str) -> None:
    """Point every path copy under ``old_prefix`` at ``new_prefix`` (one UPDATE per column)."""
    cut = len(old_prefix) + 1
    for model, field in _path_copy_columns():
        model._default_manager.filter(**{f"{field}__startswith": old_prefix}).update(
            **{field: Concat(Value(new_prefix), Substr(field, cut))}
        )


def _significant_prefix(node: Node) -> int:
    return len(node.code) if node.kind == NodeKind.GRID else SIGNIFICANT_DIGITS[node.kind]


def _reissue_codes(*, actor: Any, node: Node, old_code: str, new_code: str, edition: int) -> None:
    """Give the moved subtree codes under ``new_code``: the node's significant prefix is replaced in
    every descendant code (a village under a moved township keeps its last 3 digits, a grid its
    suffixes). Set-based, so a township of thousands of grids costs a handful of statements."""
    sig = _significant_prefix(node)  # of the old code: a grid moving a level down grows longer
    new_prefix = new_code if node.kind == NodeKind.GRID else new_code[:sig]
    subs = list(Node.objects.filter(path__startswith=node.path).values_list("pk", "code"))
    in_subtree = Node.objects.filter(path__startswith=node.path)
    # Park the old codes first so that codes swapping places inside one subtree never trip the
    # unique index half-way through; "~" never passes validate_code. It replaces the first digit
    # rather than being prepended, so a code already at its maximum length still fits while parked
    # (the subtree shares its first digit, so parked codes stay distinct).
    in_subtree.update(code=Concat(Value("~"), Substr("code", 2)))
    in_subtree.update(code=Concat(Value(new_prefix), Substr("code", sig + 1)), code_edition=edition)
    changed_by = actor if getattr(actor, "is_authenticated", False) else None
    NodeCodeChange.objects.bulk_create(
        NodeCodeChange(
            node_id=pk,
            old_code=code,
            new_code=new_prefix + code[sig:],
            edition=edition,
            changed_by=changed_by,
        )
        for pk, code in subs
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
    new_parent = Node.objects.select_for_update().get(pk=new_parent.pk)
    _require_manage(actor, node.path)
    _require_manage(actor, new_parent.path)
    if new_parent.path.startswith(node.path):
        raise ValidationFailed(_("不能把节点移到它自己的下级"), code="move_into_self")
    if node.path[: -node.steplen] == new_parent.path and new_code.strip() in ("", node.code):
        return node  # already there; re-issuing a code for nothing would only confuse paper records
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
        raise _code_taken(code)
    # Codes below are re-issued from the new prefix: the deepest one must still fit (12 digits of
    # division code + 3 per grid level, at most 30).
    deepest = max(
        len(c) for c in Node.objects.filter(path__startswith=node.path).values_list("code", flat=True)
    )
    longest = len(code) + deepest - len(node.code)
    code_max = Node._meta.get_field("code").max_length or 30
    if longest > code_max:
        raise ValidationFailed(
            _("移动后下级网格编码将长达 {n} 位，超过 {max} 位（网格层级太深）").format(
                n=longest, max=code_max
            ),
            code="move_too_deep",
            data={"length": longest, "max": code_max},
        )

    old_path, old_code = node.path, node.code
    Node.objects.move(node, new_parent, pos="last-child")
    node.refresh_from_db()
    _rewrite_paths(old_path, node.path)

    edition = edition or timezone.localdate().year
    level_shift = (new_parent.grid_level + 1 - node.grid_level) if node.kind == NodeKind.GRID else 0
    if code != old_code:
        _reissue_codes(actor=actor, node=node, old_code=old_code, new_code=code, edition=edition)
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
    _require_manage(actor, node.path)
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


# 党委 > 党总支 > 党支部 > 党小组 > 党员中心户: a child sits strictly lower (a branch may report to a
# committee directly, skipping the general branch, as small villages do).
PARTY_ORG_RANK = {
    PartyOrgKind.COMMITTEE: 0,
    PartyOrgKind.GENERAL_BRANCH: 1,
    PartyOrgKind.BRANCH: 2,
    PartyOrgKind.GROUP: 3,
    PartyOrgKind.CENTRAL_HOUSEHOLD: 4,
}


@transaction.atomic
def party_org_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    node: Node,
    parent: PartyOrganization | None = None,
    secretary_name: str = "",
) -> PartyOrganization:
    """党组织设置: attach a party organisation to a tree node, under its superior organisation."""
    _require_manage(actor, node.path)
    name = name.strip()
    if not name:
        raise ValidationFailed(_("名称不能为空"), code="name_required")
    if kind not in PartyOrgKind.values:
        raise ValidationFailed(_("未知的党组织类别 {kind}").format(kind=kind), code="bad_party_org_kind")
    node = Node.objects.get(pk=node.pk)
    if parent is not None:
        parent = PartyOrganization.objects.select_related("node").get(pk=parent.pk)
        if PARTY_ORG_RANK[PartyOrgKind(kind)] <= PARTY_ORG_RANK[PartyOrgKind(parent.kind)]:
            raise ValidationFailed(
                _("{child}不能隶属于{parent}").format(
                    child=PartyOrgKind(kind).label, parent=PartyOrgKind(parent.kind).label
                ),
                code="bad_party_org_parent",
            )
        if not node.path.startswith(parent.node.path):
            raise ValidationFailed(
                _("下级党组织所在节点必须在上级党组织 {parent} 的辖区之内").format(parent=parent.name),
                code="party_org_outside_parent",
            )
    org = PartyOrganization.objects.create(
        name=name, kind=kind, node=node, parent=parent, secretary_name=secretary_name.strip()
    )
    audit_record(
        actor=actor,
        action="party_org.create",
        subject=org,
        node_path=node.path,
        data={"kind": kind, "name": name},
    )
    return org
