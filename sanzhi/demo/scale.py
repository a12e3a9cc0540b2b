"""Synthetic registry data at any scale (``sanzhi synth``), for benchmarks and load tests.

Below the target node the missing levels are created in bulk (about 22 households per micro-grid,
8 micro-grids per grid, 12 grids per community, 10 communities per street), with codes that follow
the statistical rules and continue after the children already there. Households are then streamed
through RegistryWriter and committed every ``chunk`` households, so memory stays flat and an
interrupted run leaves a consistent (partly filled) tree with exact rollup counters.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import ValidationFailed
from sanzhi.demo.synthetic import Synth, WriteTotals, rural_address, urban_address
from sanzhi.grids.bulk import NodePlanner
from sanzhi.grids.models import Node, NodeKind, PartyOrganization, PartyOrgKind
from sanzhi.people.bulk import RegistryWriter
from sanzhi.people.models import Resident, Tag

HOUSEHOLDS_PER_MICRO = 22
MICROS_PER_GRID = 8
GRIDS_PER_COMMUNITY = 12
COMMUNITIES_PER_STREET = 10
# 统计用区划代码: townships 001–099 街道, 100–199 镇, 200–399 乡; under them 001–199 社区居委会,
# 200–399 村委会.
STREET_RANGE = (1, 99)
COMMUNITY_RANGE = (1, 199)
VILLAGE_RANGE = (200, 399)


@dataclass
class SynthResult:
    households: int
    residents: int
    nodes_created: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.households / self.seconds if self.seconds else 0.0


class _Codes:
    """Next free code segment under each parent, continuing after existing children."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def take(self, parent: Node, *, lo: int, hi: int, width: int = 3) -> str:
        key = parent.code
        if key not in self._next:
            self._next[key] = max(lo, self._existing_max(parent, lo, hi, width) + 1)
        value = self._next[key]
        if value > hi:
            raise ValidationFailed(
                _("{parent} 下的编码已用完（{lo}–{hi}）").format(parent=parent.code, lo=lo, hi=hi),
                code="synth_codes_exhausted",
            )
        self._next[key] = value + 1
        if parent.kind == NodeKind.GRID or parent.kind == NodeKind.VILLAGE:
            return f"{parent.code}{value:03d}"
        if parent.kind == NodeKind.COUNTY:
            return f"{parent.code[:6]}{value:03d}000"
        return f"{parent.code[:9]}{value:03d}"

    @staticmethod
    def _existing_max(parent: Node, lo: int, hi: int, width: int) -> int:
        if parent.pk is None:
            return 0
        codes = Node.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).values_list(
            "code", flat=True
        )
        best = 0
        for code in codes:
            if parent.kind == NodeKind.COUNTY:
                segment = int(code[6:9])
            elif parent.kind == NodeKind.TOWNSHIP:
                segment = int(code[9:12])
            else:
                segment = int(code[-width:])
            if lo <= segment <= hi:
                best = max(best, segment)
        return best


def _is_micro(node: Node) -> bool:
    return node.kind == NodeKind.GRID and node.grid_level >= 2


def plan_tree(target: Node, households: int) -> tuple[list[Node], int]:
    """Create the missing levels under ``target``; return the micro-grids to fill and nodes made."""
    if target.kind not in (NodeKind.COUNTY, NodeKind.TOWNSHIP, NodeKind.VILLAGE, NodeKind.GRID):
        raise ValidationFailed(
            _("只能生成到区县、街道/乡镇、社区/村或网格之下"),
            code="synth_bad_target",
            data={"code": target.code},
        )
    if _is_micro(target):
        return [target], 0
    micro_count = max(1, math.ceil(households / HOUSEHOLDS_PER_MICRO))
    planner = NodePlanner()
    codes = _Codes()
    micros: list[Node] = []

    def fill_grid(grid: Node, n: int) -> None:
        for _i in range(n):
            code = codes.take(grid, lo=1, hi=999)
            micros.append(
                planner.add(
                    grid,
                    code=code,
                    name=f"{grid.name}{code[-3:]}联户单元",
                    kind="grid",
                    label="联户单元",
                    validate=False,
                )
            )

    def fill_community(community: Node, n_micro: int) -> None:
        n_grids = math.ceil(n_micro / MICROS_PER_GRID)
        for share in _split(n_micro, n_grids):
            code = codes.take(community, lo=1, hi=999)
            grid = planner.add(
                community,
                code=code,
                name=f"{community.name}第{int(code[-3:])}网格",
                kind="grid",
                validate=False,
            )
            fill_grid(grid, share)

    def fill_township(township: Node, n_micro: int) -> None:
        per_community = MICROS_PER_GRID * GRIDS_PER_COMMUNITY
        n_comm = math.ceil(n_micro / per_community)
        rural = int(township.code[6:9]) >= 100
        lo, hi = VILLAGE_RANGE if rural else COMMUNITY_RANGE
        for share in _split(n_micro, n_comm):
            code = codes.take(township, lo=lo, hi=hi)
            name = f"合成{int(code[9:12])}{'村' if rural else '社区'}"
            community = planner.add(
                township,
                code=code,
                name=name,
                kind="village",
                label="村" if rural else "社区",
                validate=False,
            )
            fill_community(community, share)

    if target.kind == NodeKind.GRID:
        fill_grid(target, micro_count)
    elif target.kind == NodeKind.VILLAGE:
        fill_community(target, micro_count)
    elif target.kind == NodeKind.TOWNSHIP:
        fill_township(target, micro_count)
    else:
        per_street = MICROS_PER_GRID * GRIDS_PER_COMMUNITY * COMMUNITIES_PER_STREET
        for share in _split(micro_count, math.ceil(micro_count / per_street)):
            code = codes.take(target, lo=STREET_RANGE[0], hi=STREET_RANGE[1])
            street = planner.add(
                target,
                code=code,
                name=f"合成{int(code[6:9])}街道",
                kind="township",
                label="街道",
                validate=False,
            )
            fill_township(street, share)
    created = planner.save()
    return micros, len(created)


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _community_of(path: str, communities: dict[str, Node]) -> Node | None:
    for depth_len in range(len(path), 0, -Node.steplen):
        node = communities.get(path[:depth_len])
        if node is not None:
            return node
    return None


def synthesize(
    *,
    target: Node,
    households: int,
    seed: int = 1,
    chunk: int = 20_000,
    progress: Callable[[int, int, float], None] | None = None,
) -> SynthResult:
    if households < 1:
        raise ValidationFailed(_("户数必须大于 0"), code="synth_bad_count")
    started = time.monotonic()
    micros, created = plan_tree(target, households)
    county = Node.objects.filter(path=target.path[: Node.steplen]).first() or target
    region = county.code[:6]
    taken = Resident.objects.filter(id_number__startswith=region).values_list("id_number", flat=True)
    synth = Synth(
        seed=seed,
        region=region,
        today=timezone.localdate(),
        tag_ids=dict(Tag.objects.values_list("code", "pk")),
        taken_ids=taken.iterator(chunk_size=10_000),
        phone_offset=Resident.objects.count(),
    )
    root = Node.objects.get(pk=target.pk)
    communities = {
        n.path: n for n in Node.objects.filter(path__startswith=root.path[: Node.steplen], kind="village")
    }
    branches = dict(
        PartyOrganization.objects.filter(
            kind__in=(PartyOrgKind.GENERAL_BRANCH, PartyOrgKind.BRANCH), node__kind="village"
        ).values_list("node__path", "pk")
    )
    totals = WriteTotals()
    shares = _split(households, len(micros))
    pending = list(zip(micros, shares, strict=True))
    position = 0
    while position < len(pending):
        with transaction.atomic():
            writer = RegistryWriter(batch_size=min(chunk, 20_000))
            written = 0
            while position < len(pending) and written < chunk:
                micro, count = pending[position]
                position += 1
                community = _community_of(micro.path, communities)
                name = community.name if community else micro.name
                rural = community is not None and community.code[9] in "23"
                building = int(micro.code[-3:]) + 100 * int(micro.code[-6:-3])
                branch = branches.get(community.path) if community else None
                for i in range(count):
                    address = (
                        rural_address(name, building, i + 1)
                        if rural
                        else urban_address(name, building, (i % 4) // 2 + 1, i // 4 + 1, i % 2 + 1)
                    )
                    synth.write_household(
                        writer,
                        node_id=micro.pk,
                        node_path=micro.path,
                        address=address,
                        rural=rural,
                        party_org_id=branch,
                        totals=totals,
                    )
                written += count
            writer.flush()
        if progress is not None:
            progress(totals.households, households, time.monotonic() - started)
    audit_record(
        actor=None,
        action="demo.synth",
        subject_type="grids.node",
        subject_id=str(target.pk),
        node_path=target.path,
        data={"households": totals.households, "residents": totals.residents, "seed": seed},
    )
    return SynthResult(totals.households, totals.residents, created, time.monotonic() - started)
