"""网格覆盖检查: is every household in a micro-grid, every micro-grid served by a 联户长, and does
every 联户长 serve a number of households within the jurisdiction's scheme (default 15–30)?

A micro-grid is a leaf grid node (kind=grid, no children). The report is set-based: one query for
the subtree's nodes (their rollup counters give household counts without touching the household
table), one for the representatives' assignments, one for the schemes, and one bounded query for
the first unassigned households to show. Everything else is arithmetic in Python.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Q

from sanzhi.accounts.models import RoleAssignment
from sanzhi.accounts.roles import Role
from sanzhi.core.fields import subtree_q
from sanzhi.grids.models import Node, NodeKind
from sanzhi.grids.schemes import SchemeIndex, ancestor_paths
from sanzhi.people.models import Household

DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class UnassignedHousehold:
    """A household attached to a community/village or to a grid that has child grids."""

    id: int
    number: str
    address: str
    node_code: str
    node_name: str


@dataclass(frozen=True)
class MicroGridWithoutRep:
    code: str
    name: str
    households: int


@dataclass(frozen=True)
class RepLoad:
    """A 联户长 whose share of households falls outside the scheme's bounds."""

    user_id: int
    username: str
    name: str
    node_code: str  # first micro-grid served (by code); all of them in node_codes
    node_codes: list[str]
    households: float
    rep_min: int
    rep_max: int
    problem: str  # "below" | "above"


@dataclass
class CommunityRow:
    """One community/village (社区/村) of the report."""

    code: str
    name: str
    households: int = 0
    unassigned_households: int = 0
    micro_grids: int = 0
    micro_grids_without_rep: int = 0
    reps: int = 0
    reps_out_of_bounds: int = 0
    rep_min: int = 0
    rep_max: int = 0

    @property
    def rep_coverage_pct(self) -> float:
        return _pct(self.micro_grids - self.micro_grids_without_rep, self.micro_grids)

    @property
    def household_coverage_pct(self) -> float:
        return _pct(self.households - self.unassigned_households, self.households)


@dataclass
class CoverageTotals:
    households: int = 0
    households_in_micro_grids: int = 0
    unassigned_households: int = 0
    micro_grids: int = 0
    micro_grids_with_rep: int = 0
    micro_grids_without_rep: int = 0
    reps: int = 0
    reps_out_of_bounds: int = 0

    @property
    def household_coverage_pct(self) -> float:
        return _pct(self.households_in_micro_grids, self.households)

    @property
    def rep_coverage_pct(self) -> float:
        return _pct(self.micro_grids_with_rep, self.micro_grids)


@dataclass
class CoverageReport:
    root_code: str
    root_name: str
    totals: CoverageTotals
    unassigned_households: list[UnassignedHousehold] = field(default_factory=list)
    micro_grids_without_rep: list[MicroGridWithoutRep] = field(default_factory=list)
    reps_out_of_bounds: list[RepLoad] = field(default_factory=list)
    communities: list[CommunityRow] = field(default_factory=list)
    limit: int = DEFAULT_LIMIT

    @property
    def ok(self) -> bool:
        t = self.totals
        return not (t.unassigned_households or t.micro_grids_without_rep or t.reps_out_of_bounds)

    def as_dict(self) -> dict[str, Any]:
        totals = asdict(self.totals)
        totals["household_coverage_pct"] = self.totals.household_coverage_pct
        totals["rep_coverage_pct"] = self.totals.rep_coverage_pct
        communities = []
        for row in self.communities:
            d = asdict(row)
            d["household_coverage_pct"] = row.household_coverage_pct
            d["rep_coverage_pct"] = row.rep_coverage_pct
            communities.append(d)
        return {
            "root": {"code": self.root_code, "name": self.root_name},
            "ok": self.ok,
            "limit": self.limit,
            "totals": totals,
            "unassigned_households": {
                "count": self.totals.unassigned_households,
                "items": [asdict(h) for h in self.unassigned_households],
            },
            "micro_grids_without_rep": {
                "count": self.totals.micro_grids_without_rep,
                "items": [asdict(m) for m in self.micro_grids_without_rep],
            },
            "reps_out_of_bounds": {
                "count": self.totals.reps_out_of_bounds,
                "items": [asdict(r) for r in self.reps_out_of_bounds],
            },
            "communities": communities,
        }


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 100.0


class _NodeRow:
    __slots__ = ("code", "households", "is_micro_grid", "kind", "name", "path", "pk")

    def __init__(
        self, pk: int, path: str, code: str, name: str, kind: str, numchild: int, households: int
    ) -> None:
        self.pk, self.path, self.code, self.name, self.kind = pk, path, code, name, kind
        self.households = households
        self.is_micro_grid = kind == NodeKind.GRID and numchild == 0


def coverage_report(*, root: Node | None, limit: int = DEFAULT_LIMIT) -> CoverageReport:
    """Coverage of ``root``'s subtree (the whole installation when ``root`` is None).

    Callers check ``grids.coverage`` for the user at ``root`` first (the CLI runs as the operator).
    """
    root_path = root.path if root is not None else ""
    ancestors = ancestor_paths(root_path, include_self=False) if root is not None else []
    rows = [
        _NodeRow(*values)
        for values in Node.objects.filter(Q(path__startswith=root_path) | Q(path__in=ancestors))
        .order_by("path")
        .values_list("pk", "path", "code", "name", "kind", "numchild", "households_direct")
    ]
    schemes = SchemeIndex(root=root)

    # Communities: those inside the subtree, or the one above a root that is itself a grid.
    communities: dict[str, CommunityRow] = {}
    for n in rows:
        if n.kind == NodeKind.VILLAGE:
            scheme = schemes.for_path(n.path)
            communities[n.path] = CommunityRow(
                code=n.code, name=n.name, rep_min=scheme.rep_min_households, rep_max=scheme.rep_max_households
            )
    subtree = [n for n in rows if n.path.startswith(root_path)]
    by_pk = {n.pk: n for n in subtree}
    # Rows come in path order, so a node's parent has been seen before it: one lookup per node.
    community_at: dict[str, CommunityRow | None] = {}
    for n in rows:
        community_at[n.path] = communities.get(n.path) or community_at.get(n.path[: -Node.steplen])

    totals = CoverageTotals()
    unassigned_nodes: list[_NodeRow] = []
    for n in subtree:
        community = community_at[n.path]
        totals.households += n.households
        if community is not None:
            community.households += n.households
        if n.is_micro_grid:
            totals.micro_grids += 1
            totals.households_in_micro_grids += n.households
            if community is not None:
                community.micro_grids += 1
        elif n.households:
            totals.unassigned_households += n.households
            unassigned_nodes.append(n)
            if community is not None:
                community.unassigned_households += n.households

    # Representatives on micro-grids of the subtree: who serves which unit, and how many share it.
    reps_at: dict[int, list[tuple[int, str, str]]] = {}
    for node_id, user_id, username, display_name in (
        RoleAssignment.objects.filter(subtree_q("node_path", root_path), role=Role.HOUSEHOLD_REP)
        .order_by("node_path", "user_id")
        .values_list("node_id", "user_id", "user__username", "user__display_name")
    ):
        node = by_pk.get(node_id)
        if node is not None and node.is_micro_grid:
            reps_at.setdefault(node_id, []).append((user_id, username, display_name))

    without_rep: list[MicroGridWithoutRep] = []
    load: dict[int, float] = {}
    served: dict[int, list[_NodeRow]] = {}
    who: dict[int, tuple[str, str]] = {}
    for n in subtree:
        if not n.is_micro_grid:
            continue
        reps = reps_at.get(n.pk)
        community = community_at[n.path]
        if not reps:
            totals.micro_grids_without_rep += 1
            if community is not None:
                community.micro_grids_without_rep += 1
            if len(without_rep) < limit:
                without_rep.append(MicroGridWithoutRep(code=n.code, name=n.name, households=n.households))
            continue
        totals.micro_grids_with_rep += 1
        for user_id, username, display_name in reps:
            # Two reps sharing one unit each serve half of it.
            load[user_id] = load.get(user_id, 0.0) + n.households / len(reps)
            served.setdefault(user_id, []).append(n)
            who[user_id] = (username, display_name)

    out_of_bounds: list[RepLoad] = []
    counted_in: set[tuple[str, int]] = set()
    for user_id, households in load.items():
        nodes = served[user_id]
        if len(nodes) > 1:
            nodes.sort(key=lambda n: n.code)
        first = nodes[0]
        # A rep serving units under different schemes is held to the scheme of their first unit.
        scheme = schemes.for_path(first.path)
        lo, hi = scheme.rep_min_households, scheme.rep_max_households
        community = community_at[first.path]
        if community is not None and (community.code, user_id) not in counted_in:
            counted_in.add((community.code, user_id))
            community.reps += 1
        households = round(households, 2)
        problem = "below" if households < lo else "above" if households > hi else ""
        if not problem:
            continue
        totals.reps_out_of_bounds += 1
        if community is not None:
            community.reps_out_of_bounds += 1
        username, display_name = who[user_id]
        out_of_bounds.append(
            RepLoad(
                user_id=user_id,
                username=username,
                name=display_name or username,
                node_code=first.code,
                node_codes=[n.code for n in nodes],
                households=households,
                rep_min=lo,
                rep_max=hi,
                problem=problem,
            )
        )
    totals.reps = len(load)
    out_of_bounds.sort(key=lambda r: (r.node_code, r.username))

    return CoverageReport(
        root_code=root.code if root is not None else "",
        root_name=root.name if root is not None else "",
        totals=totals,
        unassigned_households=_first_unassigned(unassigned_nodes, limit),
        micro_grids_without_rep=without_rep,
        reps_out_of_bounds=out_of_bounds[:limit],
        communities=sorted(communities.values(), key=lambda c: c.code),
        limit=limit,
    )


def _first_unassigned(nodes: list[_NodeRow], limit: int) -> list[UnassignedHousehold]:
    """The first ``limit`` unassigned households in path order, reading only the nodes needed."""
    needed: list[_NodeRow] = []
    count = 0
    for n in nodes:  # already in path order
        if count >= limit:
            break
        needed.append(n)
        count += n.households
    if not needed:
        return []
    by_pk = {n.pk: n for n in needed}
    households = (
        Household.objects.filter(node_id__in=list(by_pk))
        .order_by("node_path", "id")
        .values_list("pk", "number", "address", "node_id")[:limit]
    )
    return [
        UnassignedHousehold(
            id=pk,
            number=number or "",
            address=address,
            node_code=by_pk[node_id].code,
            node_name=by_pk[node_id].name,
        )
        for pk, number, address, node_id in households
    ]
