"""Scoped reads of the governance tree, and subtree totals from the per-node rollup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import assignments_of, scope_for
from sanzhi.core.errors import NotFound
from sanzhi.grids.models import Node, PartyOrganization


@dataclass(frozen=True)
class Totals:
    households: int
    residents: int


def node_get_for(*, user: Any, code: str, capability: str = Capability.VIEW_TREE) -> Node:
    """The node with ``code`` if the user may see it; otherwise NotFound (existence not disclosed)."""
    node = Node.objects.filter(code=code).first()
    if node is None or not scope_for(user, capability).contains(node.path):
        raise NotFound(_("节点 {code} 不存在或不在您的管辖范围内").format(code=code), data={"code": code})
    return node


def node_get(*, code: str) -> Node:
    """Unscoped lookup for the CLI, which runs as the operator of the installation."""
    node = Node.objects.filter(code=code).first()
    if node is None:
        raise NotFound(_("节点 {code} 不存在").format(code=code), data={"code": code})
    return node


def node_roots_for(*, user: Any, capability: str = Capability.VIEW_TREE) -> QuerySet[Node]:
    """Where a user's tree starts: the top nodes of their scope (all roots for an unlimited scope)."""
    scope = scope_for(user, capability)
    if scope.everything:
        return Node.get_root_nodes().order_by("code")
    return Node.objects.filter(path__in=scope.paths).order_by("code")


def node_children_for(*, user: Any, node: Node, capability: str = Capability.VIEW_TREE) -> QuerySet[Node]:
    if not scope_for(user, capability).contains(node.path):
        raise NotFound(_("节点不存在或不在您的管辖范围内"))
    return Node.objects.filter(path__startswith=node.path, depth=node.depth + 1).order_by("code")


def node_ancestors(node: Node) -> list[Node]:
    paths = [node.path[:i] for i in range(node.steplen, len(node.path), node.steplen)]
    return list(Node.objects.filter(path__in=paths).order_by("depth"))


def node_breadcrumbs_for(*, user: Any, node: Node) -> list[Node]:
    """Ancestors the user may open (inside their scope), then the node itself."""
    scope = scope_for(user, Capability.VIEW_TREE)
    return [a for a in node_ancestors(node) if scope.contains(a.path)] + [node]


def subtree_totals(node: Node) -> Totals:
    agg = Node.objects.filter(path__startswith=node.path).aggregate(
        h=Sum("households_direct"), r=Sum("residents_direct")
    )
    return Totals(households=agg["h"] or 0, residents=agg["r"] or 0)


def subtree_totals_by_child(nodes: list[Node]) -> dict[int, Totals]:
    """Totals for several nodes (siblings, or the roots of a scope) with one query per distinct depth."""
    result: dict[int, Totals] = {}
    by_len: dict[int, dict[str, Node]] = {}
    for n in nodes:
        by_len.setdefault(len(n.path), {})[n.path] = n
    for length, by_path in by_len.items():
        q = Q()
        for path in by_path:
            q |= Q(path__startswith=path)
        rows = (
            # order_by(): treebeard's manager orders by path, which would put path into the GROUP BY.
            Node.objects.filter(q)
            .order_by()
            .annotate(prefix=Substr("path", 1, length))
            .values("prefix")
            .annotate(h=Sum("households_direct"), r=Sum("residents_direct"))
        )
        for row in rows:
            node = by_path.get(row["prefix"])
            if node is not None:
                result[node.pk] = Totals(households=row["h"] or 0, residents=row["r"] or 0)
    for n in nodes:
        result.setdefault(n.pk, Totals(0, 0))
    return result


def node_list(*, under: Node | None = None, level: int | None = None) -> QuerySet[Node]:
    """Nodes for the CLI listing; ``level`` is the depth in the tree (1 = the root)."""
    qs = Node.objects.all()
    if under is not None:
        qs = qs.filter(path__startswith=under.path)
    if level is not None:
        qs = qs.filter(depth=level)
    return qs.order_by("path")


def assignment_nodes_of(user: Any) -> list[Node]:
    ids = [node_id for _role, _path, node_id in assignments_of(user)]
    return list(Node.objects.filter(pk__in=ids).order_by("code"))


def party_orgs_for(*, user: Any, node: Node) -> QuerySet[PartyOrganization]:
    """Party organisations attached anywhere in ``node``'s subtree, if the user may see the node."""
    if not scope_for(user, Capability.VIEW_TREE).contains(node.path):
        raise NotFound(_("节点不存在或不在您的管辖范围内"))
    return (
        PartyOrganization.objects.filter(node__path__startswith=node.path)
        .select_related("node", "parent")
        .order_by("node__path", "id")
    )


@dataclass(frozen=True)
class NodeRow:
    """One line of ``sanzhi nodes``: a node with its parent's code and its subtree totals."""

    code: str
    name: str
    label: str
    kind: str
    depth: int
    grid_level: int
    parent_code: str
    households: int
    residents: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "label": self.label,
            "kind": self.kind,
            "depth": self.depth,
            "grid_level": self.grid_level,
            "parent_code": self.parent_code,
            "households": self.households,
            "residents": self.residents,
        }


def node_rows(*, under: Node | None = None, level: int | None = None) -> list[NodeRow]:
    """Nodes of a subtree in path order with subtree totals, from one scan of the subtree's rollup
    counters (a node's total is the sum over every node whose path starts with its path)."""
    prefix = under.path if under is not None else ""
    step = Node.steplen
    nodes = list(
        Node.objects.filter(path__startswith=prefix)
        .order_by("path")
        .values_list(
            "path",
            "code",
            "name",
            "label",
            "kind",
            "depth",
            "grid_level",
            "households_direct",
            "residents_direct",
        )
    )
    # Bottom-up: in reverse path order every child comes before its parent, so each node passes its
    # finished subtree total to its parent once (one addition per node, whatever the depth).
    households: dict[str, int] = {}
    residents: dict[str, int] = {}
    code_at: dict[str, str] = {}
    for path, code, _name, _label, _kind, _depth, _gl, h, r in reversed(nodes):
        code_at[path] = code
        h = households[path] = households.get(path, 0) + h
        r = residents[path] = residents.get(path, 0) + r
        parent = path[:-step]
        if len(parent) >= len(prefix) and parent:
            households[parent] = households.get(parent, 0) + h
            residents[parent] = residents.get(parent, 0) + r
    if under is not None and under.depth > 1:
        parent = Node.objects.filter(path=under.path[:-step]).values_list("code", flat=True).first()
        code_at[under.path[:-step]] = parent or ""
    return [
        NodeRow(
            code=code,
            name=name,
            label=label,
            kind=kind,
            depth=depth,
            grid_level=grid_level,
            parent_code=code_at.get(path[:-step], "") if depth > 1 else "",
            households=households.get(path, 0),
            residents=residents.get(path, 0),
        )
        for path, code, name, label, kind, depth, grid_level, _h, _r in nodes
        if level is None or depth == level
    ]
