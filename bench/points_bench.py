"""Points (issue 4): award and redemption through the services vs the same work as raw SQL
(pgbench), the top-100 ranking of a street, and a soak of mixed operations checked by reconcile
and verify. PostgreSQL only.

    python bench/points_bench.py                                    # full size (lead, quiet machine)
    python bench/points_bench.py --households 5000 --ops 20000 --seconds 5
    python bench/points_bench.py --reuse --only ranking             # keep the data of an earlier run

Database ``sanzhi_bench_points`` on 127.0.0.1 (user postgres; recreated unless --reuse).
World: one street (街道) of --households synthetic households (``sanzhi synth``: about 2,100 per
community), a street-wide 道德银行 scheme holding every household (the ranking), and one scheme
per community (the write traffic: clients spread over them, client i on community i mod S), each
with four categories, four rules and 10 hot goods of large stock. Accounts and their opening
entries are bulk-inserted, sealed into valid hash chains (verify passes over them).

Service clients are processes (fork after ``django.setup()``; one connection each) calling
``points_record(..., approve=True)`` / ``store.redeem`` as a street admin; raw SQL is pgbench
with bench/sql/points_award.sql and points_redeem.sql (-M prepared), the same clients-to-schemes
mapping. Goals: service >= 40% of raw; ranking p95 < 20 ms; soak: zero anomalies.

Prints markdown tables and writes them to bench/RESULTS-points.md.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import multiprocessing as mp
import os
import queue as queue_module
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import prepare_database  # noqa: E402

sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
SQL = ROOT / "bench" / "sql"
COUNTY_CODE = "511923000000"
STREET_CODE = "511923001000"
BENCH_USER = "bench-points"
GOODS_PER_SCHEME = 10
GOODS_STOCK = 5_000_000
RANK_TARGET_MS = 20.0
RATIO_GOAL = 0.40
PHASES = ("award", "redeem", "ranking", "soak")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    p.add_argument("--db-name", default="sanzhi_bench_points")
    p.add_argument("--reuse", action="store_true", help="keep the database (and world) of an earlier run")
    p.add_argument("--households", type=int, default=100_000)
    p.add_argument("--clients", default="16,64", help="concurrent clients for award and redemption")
    p.add_argument("--seconds", type=int, default=30, help="duration of each award/redemption run")
    p.add_argument("--schemes", type=int, default=0, help="community schemes the clients use (0: all)")
    p.add_argument("--runs", type=int, default=300, help="ranking runs per query")
    p.add_argument("--ops", type=int, default=1_000_000, help="soak: mixed operations in all")
    p.add_argument("--soak-clients", type=int, default=64)
    p.add_argument("--only", default=",".join(PHASES), help="phases to run: " + ",".join(PHASES))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--results", default=str(ROOT / "bench" / "RESULTS-points.md"))
    args = p.parse_args()
    args.engine = "postgres"
    return args


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {msg}", flush=True)


def loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def pct(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    s = sorted(samples)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


@dataclass
class Load:
    system: str
    clients: int
    schemes: int
    tps: float
    p50_ms: float
    p99_ms: float
    done: int
    refused: int = 0
    errors: int = 0
    load_before: str = ""
    load_after: str = ""
    notes: str = ""


@dataclass
class World:
    street_id: int
    street_scheme_id: int
    user_id: int
    # per community scheme: (scheme_id, account ids, rule ids by code, goods ids)
    schemes: list[dict[str, Any]] = field(default_factory=list)


# ---------------------------------------------------------------- building the world


def build_world(args: argparse.Namespace) -> World:
    from django.db import connection, transaction

    from sanzhi.accounts.models import User
    from sanzhi.accounts.roles import Role
    from sanzhi.accounts.services import role_assign
    from sanzhi.demo.scale import synthesize
    from sanzhi.grids.models import Node
    from sanzhi.grids.services import node_create
    from sanzhi.people.models import Household
    from sanzhi.points.models import Scheme

    county = Node.objects.filter(code=COUNTY_CODE).first() or node_create(
        actor=None, parent=None, code=COUNTY_CODE, name="合成县"
    )
    street = Node.objects.filter(code=STREET_CODE).first() or node_create(
        actor=None, parent=county, code=STREET_CODE, name="合成街道"
    )
    have = Household.objects.filter(node_path__startswith=street.path).count()
    if have < args.households:
        log(f"synth {args.households - have:,} households into the street {STREET_CODE} …")
        started = time.monotonic()

        def progress(done: int, total: int, seconds: float) -> None:
            log(f"  {done:>9,}/{total:,} households  {seconds:6.1f} s")

        synthesize(target=street, households=args.households - have, seed=args.seed, progress=progress)
        log(f"synth: {time.monotonic() - started:.1f} s")
    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        user = User.objects.create_user(username=BENCH_USER, password=None, display_name="压测街道管理员")
        role_assign(actor=None, user=user, role=Role.STREET_ADMIN, node=street)
    if not Scheme.objects.filter(node=street, code="bench-street").exists():
        started = time.monotonic()
        rng = random.Random(args.seed)
        with transaction.atomic():
            _street_scheme(street, rng)
        log(f"street scheme: {time.monotonic() - started:.1f} s")
        communities = list(Node.objects.filter(path__startswith=street.path, kind="village").order_by("path"))
        started = time.monotonic()
        for i, community in enumerate(communities):
            with transaction.atomic():
                _community_scheme(community, rng)
            if (i + 1) % 10 == 0 or i + 1 == len(communities):
                log(f"  community schemes {i + 1}/{len(communities)}  {time.monotonic() - started:6.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return _world(street, user)


def _categories(scheme: Any) -> dict[str, Any]:
    from sanzhi.points.models import RuleCategory

    names = [("social", "社会公德"), ("work", "职业道德"), ("family", "家庭美德"), ("personal", "个人品德")]
    return {
        code: RuleCategory.objects.create(scheme=scheme, code=code, name=name, order=i)
        for i, (code, name) in enumerate(names)
    }


def _rules(scheme: Any, cats: dict[str, Any], specs: list[tuple[str, str, str, int, int]]) -> dict[str, Any]:
    from sanzhi.points.models import Rule

    return {
        code: Rule.objects.create(
            scheme=scheme, category=cats[cat], code=code, item=item, points_min=lo, points_max=hi, order=i
        )
        for i, (code, cat, item, lo, hi) in enumerate(specs)
    }


def _street_scheme(street: Any, rng: random.Random) -> None:
    """The street-wide scheme (the ranking): base 100 (not redeemable) and, for 90% of the
    households, one approved claim of 1–500 points, so totals spread."""
    from sanzhi.points.models import Scheme, Subject

    scheme = Scheme.objects.create(
        node=street,
        node_path=street.path,
        code="bench-street",
        name="合成街道道德银行",
        subject=Subject.HOUSEHOLD,
        base_score=100,
        base_redeemable=False,
    )
    cats = _categories(scheme)
    rules = _rules(scheme, cats, [("merit", "social", "年度表现", 1, 500)])
    bulk_accounts(scheme, street.path, rng, award_rule=rules["merit"], award_share=0.9, award_max=500)


def _community_scheme(community: Any, rng: random.Random) -> None:
    """A community's scheme (the write traffic): base 200, redeemable; four rules; 10 hot goods."""
    from django.utils import timezone

    from sanzhi.points.models import Goods, Scheme, StockKind, StockMovement, Subject

    scheme = Scheme.objects.create(
        node=community,
        node_path=community.path,
        code="bench",
        name=f"{community.name}道德银行",
        subject=Subject.HOUSEHOLD,
        base_score=200,
        base_redeemable=True,
    )
    cats = _categories(scheme)
    _rules(
        scheme,
        cats,
        [
            ("volunteer", "social", "参加志愿服务活动", 10, 10),
            ("sorting", "social", "主动进行垃圾分类", 20, 20),
            ("helping", "family", "孝老爱亲、邻里互助", 5, 30),
            ("wedding", "personal", "违规操办红白喜事", -20, -20),
        ],
    )
    bulk_accounts(scheme, community.path, rng)
    names = ["洗衣粉", "食用油", "大米", "毛巾", "牙膏", "香皂", "面条", "鸡蛋", "酱油", "食盐"]
    goods = Goods.objects.bulk_create(
        [
            Goods(scheme=scheme, name=name, price=rng.randint(1, 10), stock=GOODS_STOCK, order=i)
            for i, name in enumerate(names[:GOODS_PER_SCHEME])
        ]
    )
    now = timezone.now()
    StockMovement.objects.bulk_create(
        [
            StockMovement(goods=g, kind=StockKind.RESTOCK, delta=GOODS_STOCK, note="压测入库", at=now)
            for g in goods
        ]
    )


def bulk_accounts(
    scheme: Any,
    path: str,
    rng: random.Random,
    *,
    award_rule: Any = None,
    award_share: float = 0.0,
    award_max: int = 0,
    chunk: int = 20_000,
) -> int:
    """Accounts for every household under ``path``, each with its base entry (and perhaps one
    approved claim), sealed into the scheme's chain in one pass and COPYed — what account_open
    and points_record would write, minus the per-row round trips. Ids come from the sequences
    first because an approval's hash covers its claim's id."""
    from django.db import connection
    from django.utils import timezone

    from sanzhi.core.fields import subtree_q
    from sanzhi.people.models import Household
    from sanzhi.points.chain import HASHED_FIELDS, _canonical, hash_values
    from sanzhi.points.ledger import month_of
    from sanzhi.points.models import EntryKind, Scheme

    assert HASHED_FIELDS[0] == "scheme_id" and HASHED_FIELDS[-1] == "prev_hash" and len(HASHED_FIELDS) == 18
    now = timezone.now()
    stamp = _canonical(now)  # what the hash covers for recorded_at, computed once
    month = month_of(now)
    base = scheme.base_score
    base_redeemable = base if scheme.base_redeemable else 0
    rule_id = award_rule.pk if award_rule is not None else None
    category_id = award_rule.category_id if award_rule is not None else None
    seq, prev = 0, scheme.head_hash
    rows = list(
        Household.objects.filter(subtree_q("node_path", path))
        .order_by("id")
        .values_list("id", "node_id", "node_path", "address")
        .iterator(chunk_size=chunk)
    )

    def entry(
        entry_id: int,
        account_id: int,
        kind: str,
        claimed: int,
        total: int,
        redeemable: int,
        target: int | None,
    ) -> tuple[Any, ...]:
        nonlocal seq, prev
        seq += 1
        with_rule = kind != EntryKind.BASE
        values = [
            scheme.pk,
            seq,
            account_id,
            kind,
            rule_id if with_rule else None,
            category_id if with_rule else None,
            target,
            None,
            claimed,
            total,
            redeemable,
            month,
            "",
            "",
            "",
            None,
            stamp,
            prev,
        ]
        digest = hash_values(values)
        row = (entry_id, *values[:15], "", None, now, prev, digest)
        prev = digest
        return row

    entry_cols = (
        "id, scheme_id, seq, account_id, kind, rule_id, category_id, target_id, redemption_id, claimed,"
        " total_delta, redeemable_delta, month, note, council, evidence_sha256, evidence, recorded_by_id,"
        " recorded_at, prev_hash, hash"
    )
    account_cols = (
        "id, scheme_id, subject, household_id, node_id, node_path, name, total, redeemable, opened_at"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            awards = [
                rng.randint(1, award_max) if award_rule is not None and rng.random() < award_share else 0
                for _ in part
            ]
            cursor.execute("SELECT nextval('points_account_id_seq') FROM generate_series(1, %s)", [len(part)])
            account_ids = [r[0] for r in cursor.fetchall()]
            n_entries = len(part) + 2 * sum(1 for p in awards if p)
            cursor.execute("SELECT nextval('points_entry_id_seq') FROM generate_series(1, %s)", [n_entries])
            ids = iter([r[0] for r in cursor.fetchall()])
            entries: list[tuple[Any, ...]] = []
            balances: list[tuple[int, int, int]] = []
            with cursor.cursor.copy(f"COPY points_account ({account_cols}) FROM STDIN") as copy:
                for account_id, (hid, node_id, node_path, address), points in zip(
                    account_ids, part, awards, strict=True
                ):
                    copy.write_row(
                        (
                            account_id,
                            scheme.pk,
                            scheme.subject,
                            hid,
                            node_id,
                            node_path,
                            address[:100],
                            base + points,
                            base_redeemable + points,
                            now,
                        )
                    )
                    entries.append(
                        entry(next(ids), account_id, EntryKind.BASE, base, base, base_redeemable, None)
                    )
                    if points:
                        claim = entry(next(ids), account_id, EntryKind.AWARD, points, 0, 0, None)
                        entries.append(claim)
                        entries.append(
                            entry(next(ids), account_id, EntryKind.APPROVAL, 0, points, points, claim[0])
                        )
                        balances.append((account_id, int(category_id or 0), points))
            with cursor.cursor.copy(f"COPY points_entry ({entry_cols}) FROM STDIN") as copy:
                for row in entries:
                    copy.write_row(row)
            if balances:
                with cursor.cursor.copy(
                    "COPY points_categorybalance (account_id, category_id, points) FROM STDIN"
                ) as copy:
                    for balance in balances:
                        copy.write_row(balance)
    Scheme.objects.filter(pk=scheme.pk).update(head_seq=seq, head_hash=prev)
    return len(rows)


def _world(street: Any, user: Any) -> World:
    from django.db.models import Max, Min

    from sanzhi.points.models import Account, Goods, Rule, Scheme

    street_scheme = Scheme.objects.get(node=street, code="bench-street")
    world = World(street_id=street.pk, street_scheme_id=street_scheme.pk, user_id=user.pk)
    for scheme in Scheme.objects.filter(code="bench", node_path__startswith=street.path).order_by(
        "node_path"
    ):
        span = Account.objects.filter(scheme=scheme).aggregate(lo=Min("id"), hi=Max("id"))
        count = Account.objects.filter(scheme=scheme).count()
        if not count or span["hi"] - span["lo"] + 1 != count:
            sys.exit(f"FAILED: the accounts of scheme {scheme.pk} are not one id range")
        goods = list(Goods.objects.filter(scheme=scheme).order_by("id").values_list("id", flat=True))
        if goods[-1] - goods[0] + 1 != len(goods):
            sys.exit(f"FAILED: the goods of scheme {scheme.pk} are not one id range")
        world.schemes.append(
            {
                "id": scheme.pk,
                "amin": span["lo"],
                "amax": span["hi"],
                "rules": dict(Rule.objects.filter(scheme=scheme).values_list("code", "id")),
                "goods": goods,
            }
        )
    return world


def client_map(world: World, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The schemes the write clients use (client i on schemes[i % len])."""
    return world.schemes[: args.schemes] if args.schemes else world.schemes


def write_client_table(schemes: list[dict[str, Any]]) -> None:
    """bench_points_scheme: the pgbench scripts' client → scheme map (rn = client_id % nschemes)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_points_scheme")
        cursor.execute(
            "CREATE TABLE bench_points_scheme (rn int PRIMARY KEY, scheme_id bigint, amin bigint,"
            " amax bigint, rule_id bigint, category_id bigint, gmin bigint, gmax bigint)"
        )
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS bench_points_request")
        for rn, s in enumerate(schemes):
            cursor.execute(
                "INSERT INTO bench_points_scheme SELECT %s, %s, %s, %s, r.id, r.category_id, %s, %s"
                " FROM points_rule r WHERE r.id = %s",
                [rn, s["id"], s["amin"], s["amax"], s["goods"][0], s["goods"][-1], s["rules"]["helping"]],
            )


# ---------------------------------------------------------------- service clients (processes)


def _service_op(kind: str, rng: random.Random, scheme: dict[str, Any], user: Any) -> None:
    from sanzhi.accounts.scoping import forget_assignments
    from sanzhi.points.ledger import points_record
    from sanzhi.points.store import redeem

    forget_assignments(user)  # a request loads the actor's role assignments once
    account_id = rng.randint(scheme["amin"], scheme["amax"])
    if kind == "award":
        points_record(
            actor=user,
            account_id=account_id,
            rule_id=scheme["rules"]["helping"],
            points=rng.randint(5, 30),
            approve=True,
        )
    else:
        redeem(
            actor=user,
            account_id=account_id,
            goods_id=rng.choice(scheme["goods"]),
            quantity=1,
            request_key=uuid.uuid4().hex,
        )


def _error_code(exc: Exception) -> str:
    return str(getattr(exc, "code", "") or type(exc).__name__)


def _timed_client(
    kind: str, idx: int, schemes: list[dict[str, Any]], user_id: int, seconds: float, barrier: Any, queue: Any
) -> None:
    from django.db import connection

    from sanzhi.accounts.models import User

    rng = random.Random(idx * 7919 + 1)
    scheme = schemes[idx % len(schemes)]
    user = User.objects.get(pk=user_id)
    errors: Counter[str] = Counter()
    for _ in range(3):  # warm-up (connection, caches), not counted
        with contextlib.suppress(Exception):
            _service_op(kind, rng, scheme, user)
    barrier.wait()
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    while True:
        t0 = time.perf_counter()
        if t0 >= deadline:
            break
        try:
            _service_op(kind, rng, scheme, user)
            latencies.append((time.perf_counter() - t0) * 1000)
        except Exception as exc:  # counted and reported
            errors[_error_code(exc)] += 1
    queue.put((latencies, dict(errors), time.perf_counter() - started))
    connection.close()


REFUSALS = {"points_insufficient", "points_out_of_stock"}


def run_service(kind: str, clients: int, schemes: list[dict[str, Any]], world: World, seconds: int) -> Load:
    from django.db import connections

    connections.close_all()
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(clients)
    queue = ctx.Queue()
    procs = [
        ctx.Process(
            target=_timed_client, args=(kind, i, schemes, world.user_id, seconds, barrier, queue), daemon=True
        )
        for i in range(clients)
    ]
    before = loadavg()
    for proc in procs:
        proc.start()
    results = [queue.get(timeout=seconds + 600) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    latencies = [x for r in results for x in r[0]]
    errors: Counter[str] = Counter()
    for r in results:
        errors.update(r[1])
    elapsed = max(r[2] for r in results)
    refused = sum(n for code, n in errors.items() if code in REFUSALS)
    other = {code: n for code, n in errors.items() if code not in REFUSALS and n}
    return Load(
        system="service",
        clients=clients,
        schemes=min(clients, len(schemes)),
        tps=len(latencies) / elapsed if elapsed else 0.0,
        p50_ms=pct(latencies, 0.50),
        p99_ms=pct(latencies, 0.99),
        done=len(latencies),
        refused=refused,
        errors=sum(other.values()),
        load_before=before,
        load_after=loadavg(),
        notes=", ".join(f"{c}: {n}" for c, n in sorted(other.items())),
    )


# ---------------------------------------------------------------- pgbench


def run_pgbench(
    script: Path, clients: int, schemes: list[dict[str, Any]], world: World, seconds: int, dsn: str
) -> Load:
    for old in glob.glob(str(OUT / "pgbench_points_log*")):
        os.unlink(old)
    cmd = [
        "pgbench",
        "-n",
        "-M",
        "prepared",
        "-f",
        str(script),
        "-c",
        str(clients),
        "-j",
        str(min(clients, 2)),
        "-T",
        str(seconds),
        "-D",
        f"nschemes={len(schemes)}",
        "-D",
        f"uid={world.user_id}",
        "-l",
        "--log-prefix",
        str(OUT / "pgbench_points_log"),
        dsn,
    ]
    before = loadavg()
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    out = result.stdout
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    failed = re.search(r"number of failed transactions: (\d+)", out)
    latencies: list[float] = []
    for path in glob.glob(str(OUT / "pgbench_points_log*")):
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) > 2 and parts[2].isdigit():
                    latencies.append(int(parts[2]) / 1000)
    return Load(
        system="raw SQL (pgbench)",
        clients=clients,
        schemes=min(clients, len(schemes)),
        tps=tps,
        p50_ms=pct(latencies, 0.50),
        p99_ms=pct(latencies, 0.99),
        done=len(latencies),
        errors=int(failed.group(1)) if failed else 0,
        load_before=before,
        load_after=loadavg(),
    )


def count(sql: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.fetchone()[0])


# ---------------------------------------------------------------- ranking


def run_ranking(world: World, runs: int) -> tuple[list[tuple[str, int, float, float]], dict[str, str]]:
    from sanzhi.grids.models import Node
    from sanzhi.points.models import Account, Scheme
    from sanzhi.points.selectors import ranking

    scheme = Scheme.objects.get(pk=world.street_scheme_id)
    street = Node.objects.get(pk=world.street_id)
    community: Any = (
        Node.objects.filter(path__startswith=street.path, kind="village").order_by("path").first()
    )
    grid: Any = Node.objects.filter(path__startswith=community.path, kind="grid", grid_level=1).first()
    rows = []
    plans: dict[str, str] = {}
    for label, node in (("street", street), ("community", community), ("grid", grid)):
        accounts = Account.objects.filter(scheme=scheme, node_path__startswith=node.path).count()

        def query(node: Any = node) -> int:
            return len(list(ranking(scheme=scheme, under=node, limit=100)))

        query()
        samples = []
        for _ in range(runs):
            t0 = time.perf_counter()
            query()
            samples.append((time.perf_counter() - t0) * 1000)
        rows.append((label, accounts, statistics.median(samples), pct(samples, 0.95)))
        plans[label] = ranking(scheme=scheme, under=node, limit=100).explain(analyze=True)
    return rows, plans


# ---------------------------------------------------------------- soak

SOAK_WEIGHTS = {
    "record": 38,
    "approve": 10,
    "reverse": 4,
    "redeem": 28,
    "retry": 2,
    "cancel": 7,
    "pickup": 11,
}


def _soak_client(
    idx: int, schemes: list[dict[str, Any]], user_id: int, ops: int, barrier: Any, queue: Any, done: Any
) -> None:
    from django.db import connection

    from sanzhi.accounts.models import User
    from sanzhi.accounts.scoping import forget_assignments
    from sanzhi.points.ledger import points_decide, points_record, points_reverse
    from sanzhi.points.store import redeem, redemption_cancel, redemption_pickup

    rng = random.Random(idx * 104729 + 3)
    scheme = schemes[idx % len(schemes)]
    user = User.objects.get(pk=user_id)
    kinds, weights = list(SOAK_WEIGHTS), list(SOAK_WEIGHTS.values())
    pending: list[int] = []
    approved: list[int] = []
    placed: list[int] = []
    last: tuple[str, int, int, int] | None = None  # key, account, goods, redemption id
    ok: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    barrier.wait()
    for n in range(ops):
        kind = rng.choices(kinds, weights)[0]
        if kind == "approve" and not pending:
            kind = "record"
        if kind == "reverse" and not approved:
            kind = "record"
        if kind in ("cancel", "pickup") and not placed:
            kind = "redeem"
        if kind == "retry" and last is None:
            kind = "redeem"
        forget_assignments(user)
        try:
            if kind == "record":
                code = rng.choices(["volunteer", "sorting", "helping", "wedding"], [30, 30, 30, 10])[0]
                claim = points_record(
                    actor=user,
                    account_id=rng.randint(scheme["amin"], scheme["amax"]),
                    rule_id=scheme["rules"][code],
                    points=rng.randint(5, 30) if code == "helping" else None,
                    note="压测" if code == "wedding" else "",
                )
                pending.append(claim.pk)
                ok["award"] += 1
            elif kind == "approve":
                batch = [pending.pop(rng.randrange(len(pending))) for _ in range(min(len(pending), 20))]
                yes = rng.random() < 0.9
                points_decide(actor=user, entry_ids=batch, approve=yes)
                if yes:
                    approved += batch
                    ok["approval"] += len(batch)
                else:
                    ok["rejection"] += len(batch)
            elif kind == "reverse":
                claim_id = approved.pop(rng.randrange(len(approved)))
                points_reverse(actor=user, entry_id=claim_id, note="压测冲正")
                ok["reversal"] += 1
            elif kind == "redeem":
                key = uuid.uuid4().hex
                account_id = rng.randint(scheme["amin"], scheme["amax"])
                goods_id = rng.choice(scheme["goods"])
                r = redeem(actor=user, account_id=account_id, goods_id=goods_id, request_key=key)
                placed.append(r.pk)
                last = (key, account_id, goods_id, r.pk)
                ok["redemption"] += 1
            elif kind == "retry":
                assert last is not None
                r = redeem(actor=user, account_id=last[1], goods_id=last[2], request_key=last[0])
                ok["retry"] += 1
                if r.pk != last[3]:
                    errors["retry_doubled"] += 1
            elif kind == "cancel":
                redemption_cancel(
                    actor=user, redemption_id=placed.pop(rng.randrange(len(placed))), reason="压测"
                )
                ok["refund"] += 1
            else:
                redemption_pickup(actor=user, redemption_id=placed.pop(rng.randrange(len(placed))))
                ok["picked_up"] += 1
        except Exception as exc:  # counted and reported
            errors[_error_code(exc)] += 1
        if n % 10 == 9:
            with done.get_lock():
                done.value += 10
    with done.get_lock():
        done.value += ops % 10
    queue.put((dict(ok), dict(errors)))
    connection.close()


def run_soak(args: argparse.Namespace, schemes: list[dict[str, Any]], world: World) -> dict[str, Any]:
    from django.db import connections

    from sanzhi.points.reconcile import reconcile, verify

    first_entry = count("SELECT COALESCE(MAX(id), 0) FROM points_entry")
    first_redemption = count("SELECT COALESCE(MAX(id), 0) FROM points_redemption")
    connections.close_all()
    clients = args.soak_clients
    shares = [args.ops // clients + (1 if i < args.ops % clients else 0) for i in range(clients)]
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(clients)
    queue = ctx.Queue()
    done = ctx.Value("q", 0)
    procs = [
        ctx.Process(
            target=_soak_client,
            args=(i, schemes, world.user_id, shares[i], barrier, queue, done),
            daemon=True,
        )
        for i in range(clients)
    ]
    before = loadavg()
    started = time.monotonic()
    for proc in procs:
        proc.start()
    results: list[tuple[dict[str, int], dict[str, int]]] = []
    last_print = started
    while len(results) < clients:
        with contextlib.suppress(queue_module.Empty):
            results.append(queue.get(timeout=2))
        now = time.monotonic()
        if now - last_print >= 10 or len(results) == clients:
            last_print = now
            value = done.value
            rate = value / (now - started) if now > started else 0.0
            eta = (args.ops - value) / rate if rate else float("inf")
            log(
                f"  soak {value:>10,}/{args.ops:,} ops  {now - started:7.0f} s  {rate:6.0f} ops/s"
                f"  ETA {eta:6.0f} s"
            )
        if not any(p.is_alive() for p in procs) and queue.empty() and len(results) < clients:
            sys.exit("FAILED: soak clients died")
    for proc in procs:
        proc.join(timeout=30)
    seconds = time.monotonic() - started
    ok: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    for o, e in results:
        ok.update(o)
        errors.update(e)
    after = loadavg()
    log("soak done; counting what was written, then reconcile() and verify() …")
    written = {
        kind: count(f"SELECT count(*) FROM points_entry WHERE id > {first_entry} AND kind = '{kind}'")
        for kind in ("award", "approval", "rejection", "reversal", "redemption", "refund")
    }
    written["picked_up"] = count(
        f"SELECT count(*) FROM points_redemption WHERE id > {first_redemption} AND state = 'picked_up'"
    )
    new_redemptions = count(f"SELECT count(*) FROM points_redemption WHERE id > {first_redemption}")
    mismatches = {k: (ok.get(k, 0), written[k]) for k in written if ok.get(k, 0) != written[k]}
    if new_redemptions != ok.get("redemption", 0):
        mismatches["redemptions"] = (ok.get("redemption", 0), new_redemptions)
    t0 = time.monotonic()
    anomalies = reconcile()
    reconcile_s = time.monotonic() - t0
    t0 = time.monotonic()
    problems = verify()
    verify_s = time.monotonic() - t0
    return {
        "ops": args.ops,
        "clients": clients,
        "schemes": min(clients, len(schemes)),
        "seconds": seconds,
        "ok": ok,
        "errors": errors,
        "mismatches": mismatches,
        "anomalies": Counter(a.kind for a in anomalies),
        "anomaly_examples": [a.as_dict() for a in anomalies[:5]],
        "problems": [p.as_dict() for p in problems],
        "reconcile_s": reconcile_s,
        "verify_s": verify_s,
        "entries": count("SELECT count(*) FROM points_entry"),
        "load_before": before,
        "load_after": after,
    }


def final_check() -> tuple[int, int, float, float]:
    from sanzhi.points.reconcile import reconcile, verify

    t0 = time.monotonic()
    anomalies = reconcile()
    t1 = time.monotonic()
    problems = verify()
    t2 = time.monotonic()
    for a in anomalies[:5]:
        log(f"  anomaly {a.as_dict()}")
    for p in problems[:5]:
        log(f"  chain problem {p.as_dict()}")
    return len(anomalies), len(problems), t1 - t0, t2 - t1


# ---------------------------------------------------------------- main


def main() -> int:
    args = parse_args()
    phases = [p.strip() for p in args.only.split(",") if p.strip()]
    if any(p not in PHASES for p in phases):
        sys.exit(f"FAILED: --only takes {','.join(PHASES)}")
    if shutil.which("pgbench") is None and ("award" in phases or "redeem" in phases):
        sys.exit("FAILED: needs pgbench (apt-get install postgresql-client)")
    OUT.mkdir(parents=True, exist_ok=True)
    load_start = loadavg()
    prepare_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhi.settings")
    os.environ.setdefault("SANZHI_TICK_SECONDS", "0")
    os.environ.setdefault("SANZHI_DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    world = build_world(args)
    setup_s = time.monotonic() - started
    log(f"world ready in {setup_s:.1f} s: {len(world.schemes)} community schemes")
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        pg_version = str(cursor.fetchone()[0]).split(" on ")[0]
    accounts = count("SELECT count(*) FROM points_account")
    households = count("SELECT count(*) FROM people_household")
    schemes = client_map(world, args)
    write_client_table(schemes)
    dsn = f"{args.pg}/{args.db_name}"
    clients = [int(c) for c in args.clients.split(",")]
    loads: dict[str, list[Load]] = {"award": [], "redeem": []}
    for phase, script, rows_sql in (
        ("award", SQL / "points_award.sql", "SELECT count(*) FROM points_entry WHERE kind = 'approval'"),
        ("redeem", SQL / "points_redeem.sql", "SELECT count(*) FROM points_redemption"),
    ):
        if phase not in phases:
            continue
        for c in clients:
            log(f"{phase}: pgbench, {c} clients, {args.seconds} s …")
            before = count(rows_sql)
            raw = run_pgbench(script, c, schemes, world, args.seconds, dsn)
            made = count(rows_sql) - before
            raw.refused = max(0, raw.done - made)
            raw.notes = f"{made} rows made"
            loads[phase].append(raw)
            log(f"  {raw.tps:.0f} tps, p50 {raw.p50_ms:.1f} ms, p99 {raw.p99_ms:.1f} ms")
            log(f"{phase}: service, {c} client processes, {args.seconds} s …")
            svc = run_service(phase, c, schemes, world, args.seconds)
            loads[phase].append(svc)
            log(
                f"  {svc.tps:.0f} ops/s, p50 {svc.p50_ms:.1f} ms, p99 {svc.p99_ms:.1f} ms,"
                f" errors {svc.errors}"
            )
    rank_rows: list[tuple[str, int, float, float]] = []
    plans: dict[str, str] = {}
    if "ranking" in phases:
        log(f"ranking: {args.runs} runs per query …")
        rank_rows, plans = run_ranking(world, args.runs)
    soak: dict[str, Any] | None = None
    if "soak" in phases:
        log(f"soak: {args.ops:,} mixed operations, {args.soak_clients} clients …")
        soak = run_soak(args, schemes, world)
    log("final reconcile() and verify() over the whole database …")
    check = final_check()
    report = render(
        args,
        pg_version=pg_version,
        households=households,
        accounts=accounts,
        setup_s=setup_s,
        n_schemes=len(world.schemes),
        used_schemes=len(schemes),
        loads=loads,
        rank_rows=rank_rows,
        plans=plans,
        soak=soak,
        check=check,
        load_start=load_start,
    )
    print()
    print(report)
    Path(args.results).write_text(report + "\n", encoding="utf-8")
    failed = check[0] or check[1] or (soak and (soak["anomalies"] or soak["problems"] or soak["mismatches"]))
    return 1 if failed else 0


def render(
    args: argparse.Namespace,
    *,
    pg_version: str,
    households: int,
    accounts: int,
    setup_s: float,
    n_schemes: int,
    used_schemes: int,
    loads: dict[str, list[Load]],
    rank_rows: list[tuple[str, int, float, float]],
    plans: dict[str, str],
    soak: dict[str, Any] | None,
    check: tuple[int, int, float, float],
    load_start: str,
) -> str:
    argv = " ".join(sys.argv[1:])
    lines = [
        "# Points benchmark (issue 4)",
        "",
        f"`python bench/points_bench.py {argv}` — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{os.cpu_count()} CPUs, {pg_version} on the same machine (database `{args.db_name}`). "
        f"Load average (1/5/15 min) at the start {load_start}, at the end {loadavg()}.",
        "",
        f"World: {households:,} households in one street, {accounts:,} accounts (a street-wide scheme "
        f"plus {n_schemes} community schemes, one per community); write clients spread over "
        f"{used_schemes} community schemes (client i → scheme i mod {used_schemes}), 10 hot goods each. "
        f"Setup (synth + bulk accounts, this run): {setup_s:.0f} s.",
    ]
    titles = {
        "award": "Award: claim + approval (entry + balances), `points_record(..., approve=True)`",
        "redeem": "Redemption (10 hot goods per scheme), `store.redeem`",
    }
    for phase, rows in loads.items():
        if not rows:
            continue
        lines += [
            "",
            f"## {titles[phase]}",
            "",
            "| system | clients | schemes | tps | p50 ms | p99 ms | transactions | refused | errors "
            "| load before | load after | notes |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
        ]
        for r in rows:
            lines.append(
                f"| {r.system} | {r.clients} | {r.schemes} | {r.tps:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
                f"| {r.done:,} | {r.refused:,} | {r.errors} | {r.load_before} | {r.load_after} | {r.notes} |"
            )
        lines += ["", f"| ratio service / raw (goal ≥ {RATIO_GOAL:.0%}) | value |", "|---|---:|"]
        for c in sorted({r.clients for r in rows}):
            raw = next((r for r in rows if r.clients == c and r.system != "service"), None)
            svc = next((r for r in rows if r.clients == c and r.system == "service"), None)
            if raw and svc and raw.tps:
                ratio = svc.tps / raw.tps
                mark = "ok" if ratio >= RATIO_GOAL else "below goal"
                lines.append(f"| {c} clients | {ratio:.0%} ({mark}) |")
    if rank_rows:
        lines += [
            "",
            f"## Ranking: top 100 of the street-wide scheme, `selectors.ranking(scheme, under=node)`, "
            f"{args.runs} runs",
            "",
            f"| under | accounts there | p50 ms | p95 ms | goal p95 < {RANK_TARGET_MS:.0f} ms |",
            "|---|---:|---:|---:|---|",
        ]
        for label, n, p50, p95 in rank_rows:
            lines.append(
                f"| {label} | {n:,} | {p50:.2f} | {p95:.2f} | {'ok' if p95 < RANK_TARGET_MS else 'MISSED'} |"
            )
        for label, plan in plans.items():
            lines += [
                "",
                f"<details><summary>EXPLAIN ANALYZE, {label}</summary>",
                "",
                "```",
                plan,
                "```",
                "</details>",
            ]
    if soak:
        ok, errors = soak["ok"], soak["errors"]
        lines += [
            "",
            f"## Soak: {soak['ops']:,} mixed operations at {soak['clients']} clients over "
            f"{soak['schemes']} schemes",
            "",
            f"{soak['seconds']:.0f} s ({soak['ops'] / soak['seconds']:.0f} ops/s); load before "
            f"{soak['load_before']}, after {soak['load_after']}. Mix (weights): "
            + ", ".join(f"{k} {v}" for k, v in SOAK_WEIGHTS.items())
            + "; approve = a batch of up to 20 of the client's pending claims (10% rejected), retry = "
            "the last redemption again with the same request key.",
            "",
            "| done | " + " | ".join(sorted(ok)) + " |",
            "|---|" + "---:|" * len(ok),
            "| count | " + " | ".join(f"{ok[k]:,}" for k in sorted(ok)) + " |",
            "",
            "Refused or failed operations: "
            + (", ".join(f"{k} {v:,}" for k, v in sorted(errors.items())) or "none")
            + ".",
            "",
            "| check | result | seconds |",
            "|---|---|---:|",
            f"| entries in the database | {soak['entries']:,} | |",
            f"| clients' successes = rows written (no lost or doubled entry) | "
            f"{'ok' if not soak['mismatches'] else soak['mismatches']} | |",
            f"| reconcile() anomalies (goal 0) | {sum(soak['anomalies'].values())} "
            f"{dict(soak['anomalies']) or ''} | {soak['reconcile_s']:.1f} |",
            f"| verify() chain problems (goal 0) | {len(soak['problems'])} | {soak['verify_s']:.1f} |",
        ]
    lines += [
        "",
        f"Final check over the whole database: reconcile() {check[0]} anomalies ({check[2]:.1f} s), "
        f"verify() {check[1]} chain problems ({check[3]:.1f} s).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
