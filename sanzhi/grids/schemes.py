"""Bulk resolution of grid schemes (网格方案): the nearest scheme at or above each node.

``grids.services.scheme_for`` answers for one node with one query; reports over a whole district
load every scheme on the root's ancestor line and inside its subtree once and resolve each node by
its longest path prefix, so 40,000 micro-grids cost one query, not 40,000.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from sanzhi.grids.models import GridScheme, Node

DEFAULT_REP_MIN_HOUSEHOLDS = 15
DEFAULT_REP_MAX_HOUSEHOLDS = 30


def default_scheme() -> GridScheme:
    """The unsaved scheme used where no jurisdiction has set one (1 联户长 : 15–30 households)."""
    return GridScheme(
        name=_("默认方案"),
        rep_min_households=DEFAULT_REP_MIN_HOUSEHOLDS,
        rep_max_households=DEFAULT_REP_MAX_HOUSEHOLDS,
    )


def ancestor_paths(path: str, *, include_self: bool = True) -> list[str]:
    step = Node.steplen
    end = len(path) + 1 if include_self else len(path)
    return [path[:i] for i in range(step, end, step)]


class SchemeIndex:
    """Schemes relevant to one subtree, resolved per path without further queries."""

    def __init__(self, *, root: Node | None) -> None:
        if root is None:
            qs = GridScheme.objects.all()
        else:
            qs = GridScheme.objects.filter(
                Q(node__path__in=ancestor_paths(root.path, include_self=False))
                | Q(node__path__startswith=root.path)
            )
        self._by_path: dict[str, GridScheme] = {s.node.path: s for s in qs.select_related("node")}
        self._default = default_scheme()
        self._cache: dict[str, GridScheme] = {}

    def for_path(self, path: str) -> GridScheme:
        # Memoised by path: siblings share their parent's answer, so a district resolves in one
        # dictionary lookup per node instead of one walk up the path per node.
        scheme = self._cache.get(path)
        if scheme is None:
            scheme = self._by_path.get(path)
            if scheme is None:
                parent = path[: -Node.steplen]
                scheme = self.for_path(parent) if parent else self._default
            self._cache[path] = scheme
        return scheme

    def __len__(self) -> int:
        return len(self._by_path)
