"""Tickets (issue 3): create and list through the full service, side by side in one run on PostgreSQL.

- pgbench: a single-row INSERT into ``bench_ticket`` (``LIKE tickets_ticket INCLUDING ALL``: same
  columns, defaults and indexes, no foreign keys) of a row copied from one Sanzhi just created.
- Sanzhi: ``sanzhi serve`` (gunicorn, ``--workers``) on a local port; POST /api/v1/tickets/ as the
  demo grid worker (a patrol report), loaded by ``wrk`` at 8 and 32 connections. Then GET
  /api/v1/tickets/ (first page) p50 at 10k and at 1M tickets (bulk-loaded with INSERT … SELECT).
- django-helpdesk 2.6.1 in its own virtualenv under bench/out/, a minimal project generated here,
  its own database on the same server, gunicorn with the same worker count, its DRF API
  (/api/tickets/) for create and list, the same wrk load.

    .venv/bin/python bench/ticket_bench.py [--seconds 10] [--workers 4] [--big 1000000]

Prints one table and writes it to bench/RESULTS-tickets.md with the machine's load averages.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
VENV = ROOT / ".venv" / "bin"
HELPDESK_VERSION = "2.6.1"
CEILING_WSGI = "gunicorn + a bare WSGI app"
CEILING_ME = "Sanzhi GET /api/v1/me"


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    p.add_argument("--db", default="sanzhi_bench_tickets")
    p.add_argument("--helpdesk-db", default="sanzhi_bench_helpdesk")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers for both web services")
    p.add_argument("--seconds", type=int, default=10, help="duration of each load run")
    p.add_argument("--conns", default="8,32")
    p.add_argument("--small", type=int, default=10_000)
    p.add_argument("--big", type=int, default=1_000_000)
    p.add_argument("--port", type=int, default=8931)
    p.add_argument("--helpdesk-port", type=int, default=8932)
    p.add_argument("--no-helpdesk", action="store_true")
    p.add_argument("--no-ceiling", action="store_true", help="skip the bare WSGI app and GET /api/v1/me")
    p.add_argument("--ceiling-port", type=int, default=8933)
    return p.parse_args()


# ---------------------------------------------------------------- helpers


def run(cmd: list[str], env: dict[str, str] | None = None, **kw: Any) -> str:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, **kw)
    if result.returncode != 0:
        sys.exit(f"FAILED: {' '.join(cmd)}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def recreate_db(pg: str, name: str) -> None:
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name])
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def wait_http(url: str, timeout: float = 90) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.5)
    sys.exit(f"FAILED: {url} did not answer in {timeout:.0f} s")


@contextmanager
def server(
    cmd: list[str], env: dict[str, str], url: str, log: Path, cwd: Path | None = None
) -> Iterator[None]:
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True
        )
    try:
        wait_http(url)
        yield
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _ms(value: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not m:
        return float("nan")
    number, unit = float(m.group(1)), m.group(2)
    return number * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def wrk(url: str, *, conns: int, seconds: int, script: Path, threads: int = 2) -> Load:
    out = run(
        [
            "wrk",
            f"-t{min(threads, conns)}",
            f"-c{conns}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ]
    )
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    return Load(rps, p50, p99, requests, errors)


def lua(path: Path, *, method: str, token_header: str, body: dict[str, Any] | None) -> Path:
    """A wrk script: one method, an auth header, a JSON body with a counter in the text."""
    text = f'wrk.method = "{method}"\n'
    text += f'wrk.headers["Authorization"] = "{token_header}"\n'
    text += 'wrk.headers["Accept"] = "application/json"\n'
    if body is not None:
        text += 'wrk.headers["Content-Type"] = "application/json"\n'
        encoded = json.dumps(body, ensure_ascii=False).replace("\\", "\\\\").replace('"', '\\"')
        text += "counter = 0\n"
        text += "request = function()\n  counter = counter + 1\n"
        text += f'  local body = string.gsub("{encoded}", "NNN", tostring(counter))\n'
        text += "  return wrk.format(nil, nil, nil, body)\nend\n"
    path.write_text(text, encoding="utf-8")
    return path


def count_rows(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        return int(row[0]) if row else 0


def clone_rows(dsn: str, table: str, total: int, spread: bool = False) -> float:
    """Fill ``table`` up to ``total`` rows by copying its newest row (INSERT … SELECT); with
    ``spread``, the copies of a ticket are spread over the town's micro-grids."""
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn:
        missing = total - count_rows(dsn, table)
        if missing <= 0:
            return 0.0
        cols = [
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = %s AND column_name <> 'id' AND is_generated = 'NEVER'"
                " ORDER BY ordinal_position",
                [table],
            )
        ]
        exprs = {c: f"t.{c}" for c in cols}
        source = "generate_series(1, {n}) g"
        if spread:
            conn.execute(SPREAD_SQL)
            micros = int(conn.execute("SELECT count(*) FROM bench_micro").fetchone()[0])  # type: ignore[index]
            exprs.update(
                node_id="m.id", node_path="m.path", community_id="m.community_id", street_id="m.street_id"
            )
            source += f" JOIN bench_micro m ON m.rn = g % {micros}"
        chunk = 200_000
        while missing > 0:
            n = min(chunk, missing)
            query = f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(exprs[c] for c in cols)} "
            query += f"FROM {source.format(n=n)}, (SELECT * FROM {table} ORDER BY id DESC LIMIT 1) t"
            conn.execute(query.encode())
            conn.commit()
            missing -= n
        conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
        conn.commit()
    return time.perf_counter() - started


# The town's micro-grids with their community and street, numbered from 0.
SPREAD_SQL = """
DROP TABLE IF EXISTS bench_micro;
CREATE TABLE bench_micro AS
SELECT (row_number() OVER (ORDER BY m.id) - 1)::int AS rn, m.id, m.path,
       c.id AS community_id, s.id AS street_id
FROM grids_node m
JOIN grids_node g ON g.path = substr(m.path, 1, length(m.path) - 4)
JOIN grids_node c ON c.path = substr(g.path, 1, length(g.path) - 4)
JOIN grids_node s ON s.path = substr(c.path, 1, length(c.path) - 4)
WHERE m.kind = 'grid' AND m.grid_level = 2;
"""


# ---------------------------------------------------------------- Sanzhi


def sanzhi_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"{args.pg}/{args.db}",
        SANZHI_VAR_DIR=str(OUT / "tickets_var"),
        SANZHI_SECRET_KEY="bench-only-" + "x" * 50,
        SANZHI_DEBUG="0",
        SANZHI_HTTPS="0",
        SANZHI_TICK_SECONDS="0",
    )
    return env


def sanzhi_prepare(args: argparse.Namespace, env: dict[str, str]) -> dict[str, str]:
    recreate_db(args.pg, args.db)
    run([str(VENV / "sanzhi"), "init"], env=env)
    run([str(VENV / "sanzhi"), "demo", "--tickets", "0"], env=env)
    code = textwrap.dedent(
        """
        import django, json
        django.setup()
        from sanzhi.accounts.models import User
        from sanzhi.api.services import api_token_issue
        out = {u: api_token_issue(user=User.objects.get(username=u), ip=None).key
               for u in ("demo-gridworker", "demo-admin")}
        print(json.dumps(out))
        """
    )
    env2 = dict(env, DJANGO_SETTINGS_MODULE="sanzhi.settings")
    tokens: dict[str, str] = json.loads(
        run([str(VENV / "python"), "-c", code], env=env2, cwd=ROOT).splitlines()[-1]
    )
    return tokens


# ---------------------------------------------------------------- pgbench


def pgbench(args: argparse.Namespace, dsn: str, conns: int) -> Load:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_ticket")
        conn.execute("CREATE TABLE bench_ticket (LIKE tickets_ticket INCLUDING ALL)")
        cur = conn.execute("SELECT * FROM tickets_ticket ORDER BY id DESC LIMIT 1")
        names = [d.name for d in cur.description or []]
        row = dict(zip(names, cur.fetchone() or (), strict=True))
        values: list[sql.Composable] = []
        cols: list[sql.Composable] = []
        generated = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'tickets_ticket' AND is_generated <> 'NEVER'"
            )
        }
        for name, value in row.items():
            if name == "id" or name in generated:
                continue
            cols.append(sql.Identifier(name))
            if name in ("created_at", "updated_at", "level_since"):
                values.append(sql.SQL("now()"))
            elif isinstance(value, dict):
                values.append(sql.Literal(json.dumps(value)))
            else:
                values.append(sql.Literal(value))
        insert = sql.SQL("INSERT INTO bench_ticket ({}) VALUES ({});").format(
            sql.SQL(", ").join(cols), sql.SQL(", ").join(values)
        )
        script = OUT / "pgbench_insert.sql"
        script.write_text(insert.as_string(conn) + "\n", encoding="utf-8")
    for old in glob.glob(str(OUT / "pgbench_log*")):
        os.unlink(old)
    out = run(
        [
            "pgbench",
            "-n",
            "-f",
            str(script),
            "-c",
            str(conns),
            "-j",
            str(min(conns, 2)),
            "-T",
            str(args.seconds),
            "-l",
            "--log-prefix",
            str(OUT / "pgbench_log"),
            dsn,
        ]
    )
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latencies: list[int] = []
    for path in glob.glob(str(OUT / "pgbench_log*")):
        with open(path) as f:
            latencies += [int(line.split()[2]) for line in f if line.strip()]
    latencies.sort()
    p50 = latencies[len(latencies) // 2] / 1000 if latencies else float("nan")
    p99 = latencies[int(len(latencies) * 0.99)] / 1000 if latencies else float("nan")
    return Load(tps, p50, p99, len(latencies), 0)


# ---------------------------------------------------------------- django-helpdesk

HELPDESK_SETTINGS = """
import os
BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "bench-only-helpdesk-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "rest_framework.authtoken", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "hdproj.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": os.environ["HD_DB"], "USER": "postgres",
    "HOST": "127.0.0.1", "PORT": "5432", "CONN_MAX_AGE": 60,
}}
SITE_ID = 1
STATIC_URL = "/static/"
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HELPDESK_ACTIVATE_API_ENDPOINT = True
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_API_ENABLED = True
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
"""

HELPDESK_URLS = """
from django.urls import include, path
urlpatterns = [path("", include("helpdesk.urls", namespace="helpdesk"))]
"""

HELPDESK_SETUP = """
import django, json
django.setup()
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from helpdesk.models import Queue
User = get_user_model()
admin = User.objects.create_superuser("bench", "bench@example.com", "bench-password")
queue = Queue.objects.create(title="诉求", slug="demands", email_address="q@example.com")
print(json.dumps({"token": Token.objects.create(user=admin).key, "queue": queue.pk}))
"""


def helpdesk_prepare(args: argparse.Namespace) -> tuple[Path, dict[str, str], dict[str, Any]]:
    venv = OUT / "helpdesk-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        run([sys.executable, "-m", "venv", str(venv)])
    check = subprocess.run([str(python), "-c", "import helpdesk, gunicorn, psycopg"], capture_output=True)
    if check.returncode != 0:
        run(
            [
                str(venv / "bin" / "pip"),
                "install",
                "-q",
                f"django-helpdesk=={HELPDESK_VERSION}",
                "gunicorn",
                "psycopg[binary]",
            ]
        )
    project = OUT / "helpdesk_project"
    shutil.rmtree(project, ignore_errors=True)
    (project / "hdproj").mkdir(parents=True)
    (project / "hdproj" / "__init__.py").write_text("")
    (project / "hdproj" / "settings.py").write_text(HELPDESK_SETTINGS)
    (project / "hdproj" / "urls.py").write_text(HELPDESK_URLS)
    (project / "hdproj" / "wsgi.py").write_text(
        "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'hdproj.settings')\n"
        "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n"
    )
    recreate_db(args.pg, args.helpdesk_db)
    env = dict(
        os.environ, HD_DB=args.helpdesk_db, DJANGO_SETTINGS_MODULE="hdproj.settings", PYTHONPATH=str(project)
    )
    run([str(python), "-m", "django", "migrate", "-v", "0"], env=env, cwd=project)
    info: dict[str, Any] = json.loads(
        run([str(python), "-c", HELPDESK_SETUP], env=env, cwd=project).splitlines()[-1]
    )
    return venv, env, info


# ---------------------------------------------------------------- main


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None or shutil.which("pgbench") is None:
        sys.exit("FAILED: needs wrk and pgbench (apt-get install wrk postgresql-client)")
    OUT.mkdir(parents=True, exist_ok=True)
    conns = [int(c) for c in args.conns.split(",")]
    dsn = f"{args.pg}/{args.db}"
    rows: dict[str, dict[int, Load]] = {"pgbench": {}, "Sanzhi": {}, "django-helpdesk": {}}
    # What the stack serves with no ticket work: the server alone, and an authenticated API read.
    ceiling: dict[str, dict[int, Load]] = {CEILING_WSGI: {}, CEILING_ME: {}}
    lists: dict[str, Load] = {}
    notes: list[str] = []

    env = sanzhi_env(args)
    print("[sanzhi] preparing the database (init, demo town without tickets) …", flush=True)
    tokens = sanzhi_prepare(args, env)
    base = f"http://127.0.0.1:{args.port}"
    create = lua(
        OUT / "wrk_sanzhi_create.lua",
        method="POST",
        token_header=f"Token {tokens['demo-gridworker']}",
        body={"text": "压测：楼下垃圾没人清运 NNN", "node": "511923001001001001", "channel": "patrol"},
    )
    list_admin = lua(
        OUT / "wrk_sanzhi_list.lua", method="GET", token_header=f"Token {tokens['demo-admin']}", body=None
    )
    list_gw = lua(
        OUT / "wrk_sanzhi_list_gw.lua",
        method="GET",
        token_header=f"Token {tokens['demo-gridworker']}",
        body=None,
    )
    me = lua(
        OUT / "wrk_sanzhi_me.lua", method="GET", token_header=f"Token {tokens['demo-gridworker']}", body=None
    )
    serve = [
        str(VENV / "sanzhi"),
        "serve",
        "--bind",
        f"127.0.0.1:{args.port}",
        "--workers",
        str(args.workers),
    ]
    with server(serve, env, f"{base}/api/v1/me", OUT / "sanzhi-serve.log"):
        wrk(f"{base}/api/v1/tickets/", conns=8, seconds=2, script=create)  # warm-up
        for c in conns:
            before = count_rows(dsn, "tickets_ticket")
            print(f"[sanzhi] create, {c} connections …", flush=True)
            load = wrk(f"{base}/api/v1/tickets/", conns=c, seconds=args.seconds, script=create)
            made = count_rows(dsn, "tickets_ticket") - before
            if made < load.requests - load.errors - c:
                notes.append(
                    f"Sanzhi {c} conns: wrk counted {load.requests} requests but {made} tickets were made"
                )
            rows["Sanzhi"][c] = load
        if not args.no_ceiling:
            for c in conns:
                print(f"[sanzhi] GET /api/v1/me, {c} connections …", flush=True)
                ceiling[CEILING_ME][c] = wrk(f"{base}/api/v1/me", conns=c, seconds=args.seconds, script=me)
        for size in (args.small, args.big):
            print(f"[sanzhi] loading to {size:,} tickets …", flush=True)
            seconds = clone_rows(dsn, "tickets_ticket", size, spread=True)
            if seconds:
                notes.append(f"bulk load to {size:,} tickets: {seconds:.0f} s")
            for who, script in (("admin", list_admin), ("gridworker", list_gw)):
                lists[f"{who}@{size}"] = wrk(
                    f"{base}/api/v1/tickets/",
                    conns=1,
                    seconds=max(10, args.seconds),
                    script=script,
                    threads=1,
                )

    if not args.no_ceiling:
        bare = [
            str(VENV / "gunicorn"),
            "--bind",
            f"127.0.0.1:{args.ceiling_port}",
            "--workers",
            str(args.workers),
            "--chdir",
            str(ROOT / "bench"),
            "floor_wsgi:app",
        ]
        ceiling_base = f"http://127.0.0.1:{args.ceiling_port}"
        with server(bare, env, f"{ceiling_base}/", OUT / "ceiling-serve.log"):
            for c in conns:
                print(f"[ceiling] bare WSGI app, {c} connections …", flush=True)
                ceiling[CEILING_WSGI][c] = wrk(
                    f"{ceiling_base}/", conns=c, seconds=args.seconds, script=create
                )

    for c in conns:
        print(f"[pgbench] insert, {c} clients …", flush=True)
        rows["pgbench"][c] = pgbench(args, dsn, c)

    if not args.no_helpdesk:
        print(f"[helpdesk] django-helpdesk {HELPDESK_VERSION}: venv, project, database …", flush=True)
        venv, hd_env, info = helpdesk_prepare(args)
        hd_dsn = f"{args.pg}/{args.helpdesk_db}"
        hd_base = f"http://127.0.0.1:{args.helpdesk_port}"
        hd_create = lua(
            OUT / "wrk_helpdesk_create.lua",
            method="POST",
            token_header=f"Token {info['token']}",
            body={
                "queue": info["queue"],
                "title": "压测：楼下垃圾没人清运 NNN",
                "description": "压测：楼下垃圾没人清运 NNN",
                "submitter_email": "resident@example.com",
                "priority": 3,
            },
        )
        hd_list = lua(
            OUT / "wrk_helpdesk_list.lua", method="GET", token_header=f"Token {info['token']}", body=None
        )
        gunicorn = [
            str(venv / "bin" / "gunicorn"),
            "--bind",
            f"127.0.0.1:{args.helpdesk_port}",
            "--workers",
            str(args.workers),
            "hdproj.wsgi:application",
        ]
        with server(
            gunicorn,
            hd_env,
            f"{hd_base}/api/tickets/",
            OUT / "helpdesk-serve.log",
            cwd=OUT / "helpdesk_project",
        ):
            wrk(f"{hd_base}/api/tickets/", conns=8, seconds=2, script=hd_create)
            for c in conns:
                before = count_rows(hd_dsn, "helpdesk_ticket")
                print(f"[helpdesk] create, {c} connections …", flush=True)
                load = wrk(f"{hd_base}/api/tickets/", conns=c, seconds=args.seconds, script=hd_create)
                made = count_rows(hd_dsn, "helpdesk_ticket") - before
                if made < load.requests - load.errors - c:
                    notes.append(
                        f"helpdesk {c} conns: wrk counted {load.requests} requests, {made} tickets made"
                    )
                rows["django-helpdesk"][c] = load
            clone_rows(hd_dsn, "helpdesk_ticket", args.small)
            lists[f"helpdesk@{args.small}"] = wrk(
                f"{hd_base}/api/tickets/",
                conns=1,
                seconds=max(10, args.seconds),
                script=hd_list,
                threads=1,
            )

    report = render(args, conns, rows, lists, notes, ceiling)
    print()
    print(report)
    (ROOT / "bench" / "RESULTS-tickets.md").write_text(report + "\n", encoding="utf-8")
    return 0


def render(
    args: argparse.Namespace,
    conns: list[int],
    rows: dict[str, dict[int, Load]],
    lists: dict[str, Load],
    notes: list[str],
    ceiling: dict[str, dict[int, Load]],
) -> str:
    load1, load5, load15 = os.getloadavg()
    lines = [
        "# Tickets benchmark (issue 3): create and list, side by side",
        "",
        f"`bench/ticket_bench.py --seconds {args.seconds} --workers {args.workers} --big {args.big}` on "
        f"PostgreSQL ({args.pg}), {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, "
        f"load average at the end {load1:.2f} / {load5:.2f} / {load15:.2f} (1/5/15 min). "
        f"Web services: gunicorn, {args.workers} sync workers each; load: wrk.",
        "",
        "## Create (single ticket per request)",
        "",
        "| system | conns | req/s | p50 ms | p99 ms | requests | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for system, per in rows.items():
        for c in conns:
            if c in per:
                r = per[c]
                lines.append(
                    f"| {system} | {c} | {r.rps:.1f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
                    f"| {r.requests} | {r.errors} |"
                )
    lines += [
        "",
        "| ratio | " + " | ".join(f"{c} conns" for c in conns) + " |",
        "|---|" + "---:|" * len(conns),
    ]

    def ratio(a: str, b: str) -> str:
        cells = []
        for c in conns:
            if c in rows[a] and c in rows[b] and rows[b][c].rps:
                cells.append(f"{rows[a][c].rps / rows[b][c].rps:.3f}")
            else:
                cells.append("–")
        return " | ".join(cells)

    lines.append(f"| Sanzhi / pgbench (goal ≥ 0.10) | {ratio('Sanzhi', 'pgbench')} |")
    lines.append(f"| Sanzhi / django-helpdesk (goal ≥ 10) | {ratio('Sanzhi', 'django-helpdesk')} |")
    p99_8 = rows["Sanzhi"].get(8)
    if p99_8:
        lines.append(
            f"| Sanzhi p99 at 8 conns (goal < 25 ms) | {p99_8.p99_ms:.1f} ms |" + " |" * (len(conns) - 1)
        )
    if any(ceiling.values()):
        lines += [
            "",
            "## The ceiling: what the web stack serves here with no ticket work",
            "",
            "The same gunicorn workers and wrk settings: a WSGI app that answers a fixed JSON body (the",
            "server alone; the create request's body is sent and read), and Sanzhi's `GET /api/v1/me`",
            "as the grid worker (middleware, DRF, token authentication, the caller's roles). A create",
            "does that much and a transaction of writes besides.",
            "",
            "| what | " + " | ".join(f"{c} conns req/s (p99 ms)" for c in conns) + " |",
            "|---|" + "---:|" * len(conns),
        ]
        for what, per in ceiling.items():
            cells = [f"{per[c].rps:.1f} ({per[c].p99_ms:.1f})" if c in per else "–" for c in conns]
            lines.append(f"| {what} | " + " | ".join(cells) + " |")
        for what in (CEILING_WSGI, CEILING_ME):
            cells = []
            for c in conns:
                top, pg = ceiling[what].get(c), rows["pgbench"].get(c)
                cells.append(f"{top.rps / pg.rps:.3f}" if top and pg and pg.rps else "–")
            lines.append(f"| {what} / pgbench | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## List (GET first page, 50 per page, 1 connection)",
        "",
        "| who | tickets | p50 ms | p99 ms | req/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, r in lists.items():
        who, size = key.split("@")
        lines.append(f"| {who} | {int(size):,} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.rps:.1f} |")
    for who in ("admin", "gridworker"):
        small, big = lists.get(f"{who}@{args.small}"), lists.get(f"{who}@{args.big}")
        if small and big:
            lines.append("")
            lines.append(
                f"Sanzhi list p50 {who}: {big.p50_ms:.1f} ms at {args.big:,} vs {small.p50_ms:.1f} ms at "
                f"{args.small:,} = {big.p50_ms / small.p50_ms:.2f}x (goal ≤ 1.2x)"
            )
    if notes:
        lines += ["", "Notes:", *[f"- {n}" for n in notes]]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
