"""Import benchmark: rows/s and peak RSS of `import households` against the database's own bulk load.

    python bench/import_bench.py --sizes 100000,1000000 --dbs sqlite,postgres --formats csv,xlsx

For each (db, format, size): a fresh database (SQLite file under bench/out, or PostgreSQL database
``sanzhi_bench``, or $SANZHI_BENCH_DB, dropped, recreated and migrated), a tree with enough
micro-grids, then the import in a child process (wall time of the import call, peak RSS of that
child from wait4). The raw bulk load writes the same rows, pre-built as tuples, with COPY
(PostgreSQL) or executemany (SQLite) into a fresh database; the ratio is import time / raw time.
Files are generated once into bench/out/.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
# Parallel runs on one server each pass their own name (SANZHI_BENCH_DB=...), so none drops another's.
PG_DB = os.environ.get("SANZHI_BENCH_DB", "sanzhi_bench")
PG_BENCH = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
SQLITE_FILE = OUT / "bench.sqlite3"
HOUSEHOLDS_PER_MICRO = 30
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强文斌玉兰红梅海燕德福春花"
RELATIONS_AFTER_HEAD = ["配偶", "子", "女", "父母", "孙子女"]
REGIONS = ["511923", "511902", "510107", "500103", "110105", "440305", "320102"]
COUNTY, TOWNSHIP = "511923000000", "511923100000"


def village_code(i: int) -> str:
    return f"511923100{201 + i:03d}"


def micro_codes(n_micro: int) -> list[str]:
    """10 grids x 10 micro-grids per village."""
    codes = []
    for m in range(n_micro):
        village, rest = divmod(m, 100)
        grid, micro = divmod(rest, 10)
        codes.append(f"{village_code(village)}{grid + 1:03d}{micro + 1:03d}")
    return codes


def n_micros_for(size: int) -> int:
    return max(1, size // 3 // HOUSEHOLDS_PER_MICRO + 1)


def synthetic_rows(size: int) -> Iterator[list[str]]:
    """Rows in template column order: households of 1–5 residents, valid IDs, Chinese names."""
    sys.path.insert(0, str(ROOT))
    from sanzhi.people.idnumber import make_id_number

    rnd = random.Random(size)
    micros = micro_codes(n_micros_for(size))
    written, household = 0, 0
    while written < size:
        household += 1
        members = min(rnd.randint(1, 5), size - written)
        micro = micros[(household - 1) // HOUSEHOLDS_PER_MICRO % len(micros)]
        address = f"平昌县江口镇{household % 97 + 1}组{household}号"
        surname = rnd.choice(SURNAMES)
        for k in range(members):
            serial = written + k
            born = dt.date(1940, 1, 1) + dt.timedelta(days=(serial * 7919) % 29000)
            # Region, birth date and sequence spread so that IDs never collide.
            region = REGIONS[serial % len(REGIONS)]
            id_number = make_id_number(region, born, (serial // len(REGIONS)) // 29000 % 1000)
            name = surname + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.7 else "")
            yield [
                f"B{household:07d}",
                micro,
                address if k == 0 else "",
                "户主" if k == 0 else RELATIONS_AFTER_HEAD[k - 1],
                name,
                id_number,
                f"1{rnd.choice('3578')}{rnd.randrange(10**9):09d}",
                "汉族",
                "中共党员" if rnd.random() < 0.08 else "群众",
                rnd.choice(["小学", "初级中学", "普通高级中学", "大学本科", ""]),
                rnd.choice(["已婚", "未婚", ""]),
                rnd.choice(["农民", "个体", "退休", ""]),
                "户籍人口",
                "四川省巴中市平昌县",
                "低保户" if k == 0 and rnd.random() < 0.05 else "",
                "独居老人" if rnd.random() < 0.02 else "",
            ]
        written += members


def make_files(size: int, formats: list[str]) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT))
    from sanzhi.people.columns import HOUSEHOLD_COLUMNS

    OUT.mkdir(parents=True, exist_ok=True)
    paths = {}
    if "csv" in formats:
        path = OUT / f"households_{size}.csv"
        if not path.exists():
            with path.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(HOUSEHOLD_COLUMNS)
                writer.writerows(synthetic_rows(size))
        paths["csv"] = path
    if "xlsx" in formats:
        import xlsxwriter

        path = OUT / f"households_{size}.xlsx"
        if not path.exists():
            wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
            ws = wb.add_worksheet("户籍人口")
            ws.write_row(0, 0, HOUSEHOLD_COLUMNS)
            for i, row in enumerate(synthetic_rows(size), start=1):
                for j, value in enumerate(row):
                    if value:
                        ws.write_string(i, j, value)
            wb.close()
        paths["xlsx"] = path
    return paths


# -- child side -------------------------------------------------------------------------------------
def _django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhi.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def child_setup(url: str, size: int) -> None:
    """Migrate and build the tree in bulk (treebeard paths computed here; services would take minutes)."""
    _django(url)
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    from sanzhi.grids.models import Node

    now = dt.datetime.now(dt.UTC)
    codes = micro_codes(n_micros_for(size))
    nodes: list[Node] = []

    def make(path: str, depth: int, code: str, name: str, kind: str, level: int, numchild: int) -> None:
        nodes.append(
            Node(
                path=path,
                depth=depth,
                numchild=numchild,
                code=code,
                code_edition=2024,
                name=name,
                kind=kind,
                label=name[-2:],
                grid_level=level,
                created_at=now,
                updated_at=now,
            )
        )

    step = Node.steplen

    def seg(i: int) -> str:
        return Node._int2str(i).rjust(step, "0")

    villages = sorted({c[:12] for c in codes})
    make(seg(1), 1, COUNTY, "平昌县", "county", 0, 1)
    make(seg(1) * 2, 2, TOWNSHIP, "江口镇", "township", 0, len(villages))
    for vi, vcode in enumerate(villages, start=1):
        vpath = seg(1) * 2 + seg(vi)
        grids = sorted({c[:15] for c in codes if c.startswith(vcode)})
        make(vpath, 3, vcode, f"第{vi}村", "village", 0, len(grids))
        for gi, gcode in enumerate(grids, start=1):
            gpath = vpath + seg(gi)
            micros = [c for c in codes if c.startswith(gcode)]
            make(gpath, 4, gcode, f"第{gi}网格", "grid", 1, len(micros))
            for mi, mcode in enumerate(micros, start=1):
                make(gpath + seg(mi), 5, mcode, f"第{mi}微网格", "grid", 2, 0)
    with transaction.atomic():
        Node.objects.bulk_create(nodes, batch_size=2000)


def child_import(url: str, path: str) -> None:
    _django(url)
    from sanzhi.people import importing, importing_bulk
    from sanzhi.people.importing import import_households

    # A/B runs under the same load: SANZHI_BENCH_BULK / SANZHI_BENCH_PROCESS = 0 or 1 force the
    # bulk-load mode and the reading process off or on (unset: the import decides).
    for env, module, name in (
        ("SANZHI_BENCH_BULK", importing_bulk, "BULK_MODE"),
        ("SANZHI_BENCH_PROCESS", importing, "READER_PROCESS"),
    ):
        if os.environ.get(env) in ("0", "1"):
            setattr(module, name, os.environ[env] == "1")

    start = time.perf_counter()
    report = import_households(actor=None, path=Path(path), into=None)
    elapsed = time.perf_counter() - start
    result = {
        "seconds": elapsed,
        "rows": report.rows_read,
        "residents": report.residents_imported,
        "households": report.households_imported,
        "rejected": report.rows_rejected,
        "bulk_mode": report.bulk_mode,
        # The reading process (if any) is reaped by the import: its peak is RUSAGE_CHILDREN's.
        "self_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "reader_rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "first_errors": [e.as_dict() for e in report.errors[:3]],
    }
    print("RESULT " + json.dumps(result, ensure_ascii=False))


def child_raw(url: str, size: int, bulk: bool = False) -> None:
    """The database's own bulk load of the same rows, tuples built before the clock starts.
    ``bulk`` (PostgreSQL): as the import's bulk mode does, drop the secondary indexes, unique
    constraints and foreign keys first and recreate them after the COPY (timed in the total)."""
    _django(url)
    from django.db import connection, transaction
    from django.utils import timezone

    from sanzhi.grids.models import Node
    from sanzhi.people.bulk import _HOUSEHOLD_COLUMNS, _RESIDENT_COLUMNS
    from sanzhi.people.idnumber import check_id_number
    from sanzhi.people.phones import check_phone

    nodes = dict(Node.objects.values_list("code", "id"))
    paths = dict(Node.objects.values_list("code", "path"))
    rel = {"户主": "02", "配偶": "10", "子": "20", "女": "30", "父母": "50", "孙子女": "40"}
    now = timezone.now()
    postgres = connection.vendor == "postgresql"
    stamp = now if postgres else connection.ops.adapt_datetimefield_value(now)
    households, residents = [], []
    hid = 0
    for rid, row in enumerate(synthetic_rows(size), start=1):
        if row[3] == "户主":
            hid += 1
            households.append((hid, stamp, stamp, row[0], nodes[row[1]], paths[row[1]], row[2], "family"))
        checked = check_id_number(row[5])
        born = checked.birth_date if postgres else checked.birth_date.isoformat()  # type: ignore[union-attr]
        residents.append(
            (
                rid,
                stamp,
                stamp,
                hid,
                paths[row[1]],
                row[4],
                "resident_id",
                row[5],
                checked.sex,
                born,
                check_phone(row[6]).value,
                rel[row[3]],
                "01",
                "13",
                None,
                "",
                "",
                row[11],
                "registered",
                row[13],
            )
        )
    from sanzhi.people.importing_bulk import BulkLoad

    rebuild = 0.0
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        load = BulkLoad() if bulk and postgres else None
        if load is not None:
            load.begin()
        for table, columns, rows in (
            ("people_household", _HOUSEHOLD_COLUMNS, households),
            ("people_resident", _RESIDENT_COLUMNS, residents),
        ):
            cols = ", ".join(columns)
            if postgres:
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
        if load is not None:
            mark = time.perf_counter()
            load.finish()
            rebuild = time.perf_counter() - mark
    elapsed = time.perf_counter() - start
    print("RESULT " + json.dumps({"seconds": elapsed, "rows": len(residents), "rebuild": rebuild}))


# -- parent side ------------------------------------------------------------------------------------
def fresh_db(db: str) -> str:
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(str(SQLITE_FILE) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{SQLITE_FILE}"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')
    return PG_BENCH


def settle(db: str) -> None:
    """Before a timed run on PostgreSQL: statistics and a checkpoint, so the previous run's dirty
    pages are not written out during this one (the same for the raw loads and the imports)."""
    if db != "postgres":
        return
    import psycopg

    with psycopg.connect(PG_BENCH, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # statistics, as a live database has them
        conn.execute("CHECKPOINT")


def run_child(*args: str) -> tuple[dict[str, object], float]:
    """Run this script as a child; returns its RESULT json and its own peak RSS in MiB (wait4)."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"child {args} failed with {proc.returncode}")
    line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), "RESULT {}")
    return json.loads(line[7:]), usage.ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--dbs", default="sqlite,postgres")
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--child", nargs="*")
    args = parser.parse_args()
    if args.child:
        kind, url, value = args.child
        {
            "setup": lambda: child_setup(url, int(value)),
            "import": lambda: child_import(url, value),
            "raw": lambda: child_raw(url, int(value)),
            "rawbulk": lambda: child_raw(url, int(value), bulk=True),
        }[kind]()
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    dbs, formats = args.dbs.split(","), args.formats.split(",")
    lines = [
        "| db | format | residents | bulk mode | import s | rows/s | peak RSS MiB (both) | raw COPY s "
        "| raw rows/s | import/raw | raw no-index COPY + rebuild s | of which rebuild s "
        "| import/raw no-index | load 1/5/15 |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for size in sizes:
        files = make_files(size, formats)
        for db in dbs:
            url = fresh_db(db)
            run_child("setup", url, str(size))
            settle(db)
            raw, _rss = run_child("raw", url, str(size))
            raw_bulk: dict[str, object] = {}
            if db == "postgres":
                url = fresh_db(db)
                run_child("setup", url, str(size))
                settle(db)
                raw_bulk, _rss = run_child("rawbulk", url, str(size))
            for fmt in formats:
                url = fresh_db(db)
                run_child("setup", url, str(size))
                settle(db)
                load_before = os.getloadavg()
                result, _rss = run_child("import", url, str(files[fmt]))
                load = [max(a, b) for a, b in zip(load_before, os.getloadavg(), strict=True)]
                if result.get("rejected"):
                    print(f"rejected rows: {result}", file=sys.stderr)
                secs, rows = float(result["seconds"]), int(result["rows"])  # type: ignore[arg-type,call-overload]
                # Import process + its reading process, added (an upper bound: under fork they
                # share pages). wait4 alone would give the larger of the two.
                rss = float(result["self_rss"]) + float(result["reader_rss"])  # type: ignore[arg-type]
                raw_secs = float(raw["seconds"])  # type: ignore[arg-type]
                if raw_bulk:
                    bulk_secs = float(raw_bulk["seconds"])  # type: ignore[arg-type]
                    rebuild = float(raw_bulk["rebuild"])  # type: ignore[arg-type]
                    bulk_cols = f"{bulk_secs:.1f} | {rebuild:.1f} | {secs / bulk_secs:.1f}"
                else:
                    bulk_cols = "– | – | –"
                line = (
                    f"| {db} | {fmt} | {rows:,} | {'yes' if result.get('bulk_mode') else 'no'} | {secs:.1f} "
                    f"| {rows / secs:,.0f} | {rss:,.0f} | {raw_secs:.1f} | {rows / raw_secs:,.0f} "
                    f"| {secs / raw_secs:.1f} | {bulk_cols} | {' / '.join(f'{v:.2f}' for v in load)} |"
                )
                lines.append(line)
                print(line, flush=True)
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
