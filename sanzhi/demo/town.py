"""The demo town (示范镇): a county-level district with a street and a township, 6 communities and
villages, ~60 grids, ~400 micro-grids, ~8,000 households and ~22,000 residents, party organisations,
staff for every role and one login per role (password ``sanzhi-demo``).

The data is realistic on purpose and imperfect on purpose: a few micro-grids are outside the
scheme's household bounds, a few have no representative, and some households still wait at their
community for a micro-grid, so the coverage page has findings to show.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from sanzhi.accounts.models import User
from sanzhi.accounts.roles import Role
from sanzhi.accounts.services import role_assign
from sanzhi.core.audit import audit_record
from sanzhi.demo.deliberation import DeliberationSummary, build_deliberation
from sanzhi.demo.guard import DEMO_COUNTY_CODE, DEMO_MARKER_ACTION, DEMO_USER_PREFIX
from sanzhi.demo.points import PointsSummary, build_points
from sanzhi.demo.synthetic import Synth, WriteTotals, rural_address, urban_address
from sanzhi.demo.tickets import TicketSummary, build_tickets
from sanzhi.grids.bulk import NodePlanner
from sanzhi.grids.models import Node, PartyOrganization, PartyOrgKind
from sanzhi.grids.services import party_org_create, scheme_set
from sanzhi.people.bulk import RegistryWriter
from sanzhi.people.models import Resident, Tag
from sanzhi.tickets.states import OPEN_STATES, State

DEMO_PASSWORD = "sanzhi-demo"
DEMO_SEED = 20240601
# A quarter of demands for ~8,000 households: ~100 per community, like the "收集诉求137条" of a real
# community's report. Each goes through the real services (~50 ms of CPU a ticket on SQLite), so
# this is what keeps `make demo` under a minute; `sanzhi demo --tickets 3000` builds a busier town.
DEMO_TICKETS = 600
STREET_CODE = "511923001000"
TOWNSHIP_CODE = "511923101000"

# (code, name, rural)
COMMUNITIES = (
    ("511923001001", "创举社区", False),
    ("511923001002", "书台社区", False),
    ("511923001003", "龙滩社区", False),
    ("511923101201", "鹿鸣村", True),
    ("511923101202", "青凤村", True),
    ("511923101203", "金宝村", True),  # runs its own 1:10–15 scheme, like 欧江岔镇's 1 rep : 15 households
)
OWN_SCHEME_VILLAGE = "511923101203"
GRIDS_PER_COMMUNITY = 10

# The 8 demo logins: username -> (role, code of the node, what it shows).
DEMO_LOGINS: dict[str, tuple[str, str, str]] = {
    "demo-admin": (Role.SYSTEM_ADMIN, DEMO_COUNTY_CODE, "平昌县（全县）"),
    "demo-street": (Role.STREET_ADMIN, STREET_CODE, "江口街道"),
    "demo-secretary": (Role.GRID_CHIEF, "511923001001", "创举社区"),
    "demo-gridworker": (Role.GRID_WORKER, "511923001001001", "创举社区第1网格"),
    "demo-rep": (Role.HOUSEHOLD_REP, "511923001001001001", "创举社区1栋联户单元"),
    "demo-resident": (Role.RESIDENT, "511923001001001001", "创举社区1栋联户单元（本户）"),
    "demo-dept": (Role.DEPARTMENT_HANDLER, TOWNSHIP_CODE, "白衣镇"),
    "demo-council": (Role.COUNCIL_MEMBER, "511923001001", "创举社区（道德评议会）"),
}


@dataclass
class DemoSummary:
    nodes: dict[str, int] = field(default_factory=dict)
    households: int = 0
    residents: int = 0
    party_members: int = 0
    party_orgs: int = 0
    users: int = 0
    unassigned_households: int = 0
    micro_grids_without_rep: int = 0
    micro_grids_out_of_bounds: int = 0
    tickets: TicketSummary = field(default_factory=TicketSummary)
    points: PointsSummary = field(default_factory=PointsSummary)
    deliberation: DeliberationSummary = field(default_factory=DeliberationSummary)
    seconds: float = 0.0


@dataclass
class _Micro:
    node: Node
    community: Node
    rural: bool
    number: int  # building (栋) or group (组) number within the community
    households: int
    has_rep: bool = True


def build_demo(
    *,
    seed: int = DEMO_SEED,
    today: dt.date | None = None,
    tickets: int = DEMO_TICKETS,
    points: bool = True,
    deliberation: bool = True,
) -> DemoSummary:
    """Build the whole town in one transaction: a failure leaves the database as it was."""
    started = timezone.now()
    rng = random.Random(seed)
    today = today or timezone.localdate()
    summary = DemoSummary()
    with transaction.atomic():
        county, communities, micros = _build_tree(rng)
        grids = list(Node.objects.filter(kind="grid", grid_level=1).order_by("code"))
        summary.nodes = {
            "区县": 1,
            "街道/乡镇": 2,
            "社区/村": len(communities),
            "网格": len(grids),
            "微网格": len(micros),
        }
        scheme_set(
            actor=None, node=county, name="平昌县联户方案", rep_min_households=15, rep_max_households=30
        )
        village = next(c for c in communities if c.code == OWN_SCHEME_VILLAGE)
        scheme_set(
            actor=None,
            node=village,
            name="金宝村一户一代表方案",
            rep_min_households=10,
            rep_max_households=15,
            grid_level_labels={"1": "网格", "2": "联户单元"},
        )
        branch_of_grid = _build_party(rng, communities, grids, micros, summary)
        _plan_household_counts(rng, micros, summary)
        _write_registry(seed, today, communities, micros, branch_of_grid, summary)
        _build_staff(rng, county, communities, grids, micros, summary)
        if tickets:
            summary.tickets = build_tickets(county=county, rng=random.Random(seed + 1), count=tickets)
        if points:
            summary.points = build_points(rng=random.Random(seed + 2))
        if deliberation:
            summary.deliberation = build_deliberation(rng=random.Random(seed + 3))
        summary.seconds = (timezone.now() - started).total_seconds()
        # The marker that lets a later `sanzhi demo --reset` know this database is demo data.
        audit_record(
            actor=None,
            action=DEMO_MARKER_ACTION,
            subject_type="demo",
            data={"seed": seed, "households": summary.households, "residents": summary.residents},
        )
    return summary


def _build_tree(rng: random.Random) -> tuple[Node, list[Node], list[_Micro]]:
    planner = NodePlanner()
    county = planner.add(None, code=DEMO_COUNTY_CODE, name="平昌县", kind="county", label="县")
    street = planner.add(county, code=STREET_CODE, name="江口街道", kind="township", label="街道")
    township = planner.add(county, code=TOWNSHIP_CODE, name="白衣镇", kind="township", label="镇")
    communities: list[Node] = []
    micros: list[_Micro] = []
    for code, name, rural in COMMUNITIES:
        parent = township if rural else street
        community = planner.add(parent, code=code, name=name, kind="village", label="村" if rural else "社区")
        communities.append(community)
        number = 0
        for g in range(1, GRIDS_PER_COMMUNITY + 1):
            grid = planner.add(community, code=f"{code}{g:03d}", name=f"{name}第{g}网格", kind="grid")
            for m in range(1, rng.choice((6, 7)) + 1):
                number += 1
                unit = f"{number}组" if rural else f"{number}栋"
                node = planner.add(
                    grid,
                    code=f"{grid.code}{m:03d}",
                    name=f"{name}{unit}联户单元",
                    kind="grid",
                    label="联户单元",
                )
                micros.append(_Micro(node, community, rural, number, 0))
    planner.save()
    return county, communities, micros


def _plan_household_counts(rng: random.Random, micros: list[_Micro], summary: DemoSummary) -> None:
    for micro in micros:
        own_scheme = micro.community.code == OWN_SCHEME_VILLAGE
        micro.households = rng.randint(10, 15) if own_scheme else rng.randint(16, 28)
    # Deliberate findings, never on the demo logins' own micro-grid (the first one).
    others = micros[1:]
    for micro in rng.sample(others, 3):
        micro.households = rng.randint(5, 9)
    for micro in rng.sample(others, 3):
        micro.households = rng.randint(33, 40)
    for micro in rng.sample(others, 5):
        micro.has_rep = False
    summary.micro_grids_without_rep = sum(not m.has_rep for m in micros)


def _build_party(
    rng: random.Random,
    communities: list[Node],
    grids: list[Node],
    micros: list[_Micro],
    summary: DemoSummary,
) -> dict[int, int]:
    """党委 on the street and township, 党总支 per community, 党支部 per cluster of grids,
    党小组 per grid and a few 党员中心户. Returns grid id -> the branch its members belong to."""
    committees: dict[int, PartyOrganization] = {}
    for code, name in ((STREET_CODE, "中共江口街道工作委员会"), (TOWNSHIP_CODE, "中共白衣镇委员会")):
        node = Node.objects.get(code=code)
        committees[node.pk] = party_org_create(
            actor=None, name=name, kind=PartyOrgKind.COMMITTEE, node=node, secretary_name=_staff_name(rng)
        )
    branch_of_grid: dict[int, int] = {}
    count = len(committees)
    for community in communities:
        parent_node = Node.objects.get(path=community.path[: -Node.steplen])
        general = party_org_create(
            actor=None,
            name=f"中共{community.name}总支部委员会",
            kind=PartyOrgKind.GENERAL_BRANCH,
            node=community,
            parent=committees[parent_node.pk],
            secretary_name=_staff_name(rng),
        )
        count += 1
        own = [g for g in grids if g.path.startswith(community.path)]
        for start in range(0, len(own), 4):
            cluster = own[start : start + 4]
            branch = party_org_create(
                actor=None,
                name=f"中共{community.name}第{start // 4 + 1}支部委员会",
                kind=PartyOrgKind.BRANCH,
                node=community,
                parent=general,
                secretary_name=_staff_name(rng),
            )
            count += 1
            for grid in cluster:
                branch_of_grid[grid.pk] = branch.pk
                group = party_org_create(
                    actor=None,
                    name=f"{grid.name}党小组",
                    kind=PartyOrgKind.GROUP,
                    node=grid,
                    parent=branch,
                    secretary_name=_staff_name(rng),
                )
                count += 1
                grid_micros = [m for m in micros if m.node.path.startswith(grid.path)]
                if rng.random() < 0.3 and grid_micros:
                    micro = rng.choice(grid_micros)
                    party_org_create(
                        actor=None,
                        name=f"{micro.node.name}党员中心户",
                        kind=PartyOrgKind.CENTRAL_HOUSEHOLD,
                        node=micro.node,
                        parent=group,
                        secretary_name=_staff_name(rng),
                    )
                    count += 1
    summary.party_orgs = count
    return branch_of_grid


def _write_registry(
    seed: int,
    today: dt.date,
    communities: list[Node],
    micros: list[_Micro],
    branch_of_grid: dict[int, int],
    summary: DemoSummary,
) -> None:
    tag_ids = dict(Tag.objects.values_list("code", "pk"))
    synth = Synth(seed=seed, region=DEMO_COUNTY_CODE[:6], today=today, tag_ids=tag_ids)
    totals = WriteTotals()
    writer = RegistryWriter(batch_size=5000)
    grid_of = {m.node.pk: m.node.path[: -Node.steplen] for m in micros}
    grid_ids = dict(Node.objects.filter(kind="grid", grid_level=1).values_list("path", "pk"))
    for micro in micros:
        branch = branch_of_grid.get(grid_ids[grid_of[micro.node.pk]])
        for i in range(micro.households):
            if micro.rural:
                address = rural_address(micro.community.name, micro.number, i + 1)
            else:
                address = urban_address(
                    micro.community.name, micro.number, (i % 4) // 2 + 1, i // 4 + 1, i % 2 + 1
                )
            synth.write_household(
                writer,
                node_id=micro.node.pk,
                node_path=micro.node.path,
                address=address,
                rural=micro.rural,
                party_org_id=branch,
                totals=totals,
            )
    # Newcomers registered at the community and not yet placed in a micro-grid (待分配).
    for community, waiting in ((communities[1], 23), (communities[4], 14)):
        rural = community.code[9] in "23"
        for i in range(waiting):
            address = (
                rural_address(community.name, 99, i + 1)
                if rural
                else urban_address(community.name, 99, 1, i // 2 + 1, i % 2 + 1)
            )
            synth.write_household(
                writer,
                node_id=community.pk,
                node_path=community.path,
                address=address,
                rural=rural,
                party_org_id=None,
                totals=totals,
            )
            summary.unassigned_households += 1
    writer.flush()
    summary.households, summary.residents, summary.party_members = (
        totals.households,
        totals.residents,
        totals.party_members,
    )
    summary.micro_grids_out_of_bounds = sum(
        1
        for m in micros
        if not (
            (10 <= m.households <= 15)
            if m.community.code == OWN_SCHEME_VILLAGE
            else (15 <= m.households <= 30)
        )
    )


def _build_staff(
    rng: random.Random,
    county: Node,
    communities: list[Node],
    grids: list[Node],
    micros: list[_Micro],
    summary: DemoSummary,
) -> None:
    """Staff for every role (generated names, unusable passwords) and the 8 demo logins."""
    street = Node.objects.get(code=STREET_CODE)
    township = Node.objects.get(code=TOWNSHIP_CODE)
    staff: list[tuple[str, str, Node]] = []  # username, role, node
    for node in (street, township):
        staff += [(f"{DEMO_USER_PREFIX}street-{node.code}-{i}", Role.STREET_ADMIN, node) for i in (1, 2)]
        staff += [
            (f"{DEMO_USER_PREFIX}dept-{node.code}-{i}", Role.DEPARTMENT_HANDLER, node) for i in (1, 2, 3)
        ]
    for community in communities:
        staff.append((f"{DEMO_USER_PREFIX}sec-{community.code}", Role.GRID_CHIEF, community))
        staff += [
            (f"{DEMO_USER_PREFIX}council-{community.code}-{i}", Role.COUNCIL_MEMBER, community)
            for i in range(1, 6)
        ]
    staff += [(f"{DEMO_USER_PREFIX}gw-{grid.code}", Role.GRID_WORKER, grid) for grid in grids]
    staff += [
        (f"{DEMO_USER_PREFIX}rep-{m.node.code}", Role.HOUSEHOLD_REP, m.node) for m in micros if m.has_rep
    ]
    staff.append((f"{DEMO_USER_PREFIX}sysadmin-{county.code}", Role.SYSTEM_ADMIN, county))

    demo_hash = make_password(DEMO_PASSWORD)
    users = [
        User(username=username, password=make_password(None), display_name=_staff_name(rng))
        for username, _role, _node in staff
    ]
    users += [
        User(username=username, password=demo_hash, display_name=_staff_name(rng)) for username in DEMO_LOGINS
    ]
    User.objects.bulk_create(users, batch_size=1000)
    by_name = {u.username: u for u in User.objects.filter(username__startswith=DEMO_USER_PREFIX)}
    nodes_by_code = {
        n.code: n for n in Node.objects.filter(code__in=[c for _r, c, _d in DEMO_LOGINS.values()])
    }
    assignments = [(by_name[u], role, node) for u, role, node in staff]
    assignments += [(by_name[u], role, nodes_by_code[code]) for u, (role, code, _d) in DEMO_LOGINS.items()]
    for user, role, node in assignments:
        role_assign(actor=None, user=user, role=role, node=node)

    # demo-resident is the head of the first household in its micro-grid.
    micro = nodes_by_code[DEMO_LOGINS["demo-resident"][1]]
    head = Resident.objects.filter(node_path=micro.path, relation="02").order_by("household_id").first()
    if head is not None:
        resident_user = by_name["demo-resident"]
        Resident.objects.filter(pk=head.pk).update(user=resident_user)
        User.objects.filter(pk=resident_user.pk).update(display_name=head.name)
    summary.users = len(users)


def _staff_name(rng: random.Random) -> str:
    return (
        rng.choice("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
        + rng.choice("建国志强秀英丽华明德文军红梅春燕")
        + rng.choice("平安伟华芳敏勇杰静")
    )


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, role label, where) for printing."""
    return [(u, str(Role(role).label), where) for u, (role, _code, where) in DEMO_LOGINS.items()]


def format_summary(summary: DemoSummary) -> str:
    rows: list[tuple[str, Any]] = [*summary.nodes.items()]
    rows += [
        ("户 households", summary.households),
        ("居民 residents", summary.residents),
        ("党员 party members", summary.party_members),
        ("党组织 party organisations", summary.party_orgs),
        ("账号 accounts", summary.users),
        ("待分配户 households awaiting a micro-grid", summary.unassigned_households),
        ("无联户长的微网格 micro-grids without a rep", summary.micro_grids_without_rep),
        ("户数越界的微网格 micro-grids outside bounds", summary.micro_grids_out_of_bounds),
        ("职能部门 departments", summary.tickets.departments),
        ("诉求工单 tickets (90 天 days)", summary.tickets.tickets),
        ("  办理中 open", sum(summary.tickets.states[s] for s in OPEN_STATES)),
        ("  已评价 rated", summary.tickets.states[State.RATED]),
        ("  超时升级 escalations", summary.tickets.escalations),
        ("  不满意重办 reopened", summary.tickets.reopens),
        ("  党员跑单 party-member runs", summary.tickets.party_runs),
        ("积分方案 points schemes", summary.points.schemes),
        ("  积分账户 accounts", summary.points.accounts),
        ("  积分申报 claims", summary.points.claims),
        ("  待审核 awaiting review", summary.points.pending),
        ("  兑换 redemptions", sum(summary.points.redemptions.values())),
        ("  红黑榜 lists published", summary.points.boards),
        ("议事规程 procedures", summary.deliberation.procedures),
        ("  议事主体 bodies", summary.deliberation.bodies),
        ("  议题 matters", sum(summary.deliberation.matters.values())),
        ("  会议 meetings", summary.deliberation.meetings),
        ("  公示 notices", summary.deliberation.notices),
        ("  异议 objections", summary.deliberation.objections),
        ("  村民说事 sayings", summary.deliberation.sayings),
        ("三务公开 disclosures published", summary.deliberation.disclosures),
        ("  更正 corrections", summary.deliberation.corrections),
        ("  逾期未公开 overdue", summary.deliberation.overdue),
        ("公开链 chain items", summary.deliberation.chain),
    ]
    # Counts first: CJK labels are double width and would not line up in a terminal.
    return "\n".join(f"  {v:>7}  {k}" for k, v in rows)


def format_logins() -> str:
    lines = [f"演示账号 / demo logins (密码 password: {DEMO_PASSWORD})"]
    for username, role, where in demo_logins():
        lines.append(f"  {username:<16} {where}  {role}")
    return "\n".join(lines)
