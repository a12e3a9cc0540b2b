"""Bulk creation of tree nodes (demo town, synthetic data at scale, large imports).

``node_create`` costs a few queries per node; a district of a million households has ~45,000
micro-grids. ``NodePlanner`` computes treebeard's materialized paths itself (steplen 4, alphabet
0-9A-Z, children appended after the last existing sibling, exactly as ``add_child`` would) and writes
the nodes with ``bulk_create``, then fixes ``numchild`` on the pre-existing parents.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, ValidationFailed
from sanzhi.grids.codes import validate_code
from sanzhi.grids.models import Node, NodeKind
from sanzhi.grids.services import DEFAULT_GRID_LABELS, DEFAULT_LABELS


class NodePlanner:
    """Collects new nodes, assigns their paths, then writes them all in ``save()``.

    ``add`` returns the (still unsaved) node so children can be planned under it straight away;
    after ``save()`` the returned objects carry their primary keys.
    """

    def __init__(self, *, edition: int | None = None) -> None:
        self.edition = edition or timezone.localdate().year
        self._pending: list[Node] = []
        self._codes: set[str] = set()
        # Last child step used under each parent path; pending nodes start at 0.
        self._last_step: dict[str, int] = {}
        # Children added to nodes that already existed in the database (numchild fixed in save()).
        self._existing_parents: dict[int, int] = {}
        self._last_root: int | None = None

    def _next_step(self, parent: Node | None) -> int:
        if parent is None:
            if self._last_root is None:
                last = Node.objects.get_last_root_node()
                self._last_root = Node._str2int(last.path) if last is not None else 0
            self._last_root += 1
            return self._last_root
        step = self._last_step.get(parent.path)
        if step is None and parent.pk is None:
            step = 0  # planned here, so it has no children in the database yet
        if step is None:
            # A parent not planned here: continue after its last child, as treebeard's add_child does.
            last_path = Node.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).aggregate(
                m=Max("path")
            )["m"]
            step = Node._str2int(last_path[-Node.steplen :]) if last_path else 0
        step += 1
        self._last_step[parent.path] = step
        return step

    def add(
        self,
        parent: Node | None,
        *,
        code: str,
        name: str,
        kind: str,
        label: str = "",
        validate: bool = True,
    ) -> Node:
        if validate:
            validate_code(
                code,
                kind=kind,
                parent_code=parent.code if parent else None,
                parent_kind=parent.kind if parent else None,
            )
        if code in self._codes:
            raise Conflict(
                _("编码 {code} 已被使用").format(code=code), code="node_code_taken", data={"code": code}
            )
        self._codes.add(code)
        grid_level = parent.grid_level + 1 if kind == NodeKind.GRID and parent is not None else 0
        if not label:
            label = (
                DEFAULT_GRID_LABELS.get(grid_level, f"{grid_level}级网格")
                if kind == NodeKind.GRID
                else DEFAULT_LABELS[NodeKind(kind)]
            )
        depth = 1 if parent is None else parent.depth + 1
        step = self._next_step(parent)
        if step >= len(Node.alphabet) ** Node.steplen:
            raise ValidationFailed(_("同一上级下的节点过多"), code="too_many_children")
        path = Node._get_path(parent.path if parent else None, depth, step)
        node = Node(
            path=path,
            depth=depth,
            numchild=0,
            code=code,
            code_edition=self.edition,
            name=name,
            kind=kind,
            label=label,
            grid_level=grid_level,
        )
        if parent is not None:
            if parent.pk is None:
                parent.numchild += 1
            else:
                self._existing_parents[parent.pk] = self._existing_parents.get(parent.pk, 0) + 1
        self._pending.append(node)
        return node

    def __len__(self) -> int:
        return len(self._pending)

    @transaction.atomic
    def save(self, *, actor: Any = None, batch_size: int = 2000) -> list[Node]:
        """Write the planned nodes; raise Conflict (nothing written) if a code is already in use."""
        pending, self._pending = self._pending, []
        codes = [n.code for n in pending]
        for i in range(0, len(codes), 5000):
            taken = list(Node.objects.filter(code__in=codes[i : i + 5000]).values_list("code", flat=True)[:1])
            if taken:
                raise Conflict(
                    _("编码 {code} 已被使用").format(code=taken[0]),
                    code="node_code_taken",
                    data={"code": taken[0]},
                )
        # Parents before children, so a failure mid-way never leaves an orphan path.
        pending.sort(key=lambda n: n.depth)
        created = Node.objects.bulk_create(pending, batch_size=batch_size)
        if not all(n.pk for n in created):
            # Backends that do not return ids from bulk inserts: fetch them by code.
            ids = dict(Node.objects.filter(code__in=codes).values_list("code", "pk"))
            for node in created:
                node.pk = ids[node.code]
        for pk, added in self._existing_parents.items():
            Node.objects.filter(pk=pk).update(numchild=F("numchild") + added)
        self._existing_parents = {}
        if created:
            audit_record(
                actor=actor,
                action="node.bulk_create",
                subject_type="grids.node",
                node_path=min(n.path for n in created),
                data={"count": len(created)},
            )
        return created
