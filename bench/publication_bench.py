"""The publication chain (issue 5) at scale: verifying a 100,000-item chain, from the database and
over HTTP from the public JSON, and the public disclosure board of one community. PostgreSQL only.

    python bench/publication_bench.py                       # full size (lead, quiet machine)
    python bench/publication_bench.py --items 20000         # a quick check
    python bench/publication_bench.py --reuse               # keep the chain of an earlier run

Database ``sanzhi_bench_publications`` on 127.0.0.1 (user postgres; recreated unless --reuse).
World: one street of --communities communities; --items chain items spread over them and over ten
years (三务公开 of the three areas, a third of them finance disclosures with 5–40 lines; resolutions,
notices, results, red/black lists; 1% corrections of an earlier item of the same community). Rows
are made in Python with ``chain.link_hash`` (chain-correct, so verify must pass) and COPYed, with
the disclosure rows behind disclosure items (the board's area filter joins them).

Timed: ``chain.verify_stored()`` (target < 5 s); ``sanzhi verify publications --url`` against an
in-process threaded WSGI server (no target: it is the same walk plus HTTP and JSON); the board of
the community with the most items over --requests requests with Django's test client, p50/p95
(target < 50 ms), unfiltered, filtered, deep in its history, and one item's page.

Prints a markdown table and writes it to bench/RESULTS-publications.md (``--results ''``: don't).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import prepare_database  # noqa: E402

sys.path.insert(0, str(ROOT))
COUNTY_CODE = "511923000000"
STREET_CODE = "511923300000"
VERIFY_TARGET_S = 5.0
PAGE_TARGET_MS = 50.0
FIRST = dt.datetime(2016, 12, 1, 1, 0, tzinfo=dt.UTC)
YEARS = 10
AREAS = ("party", "affairs", "finance")
KINDS = ("disclosure", "resolution", "notice", "result", "board")
KIND_WEIGHTS = (60, 15, 10, 10, 5)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL, no database")
    p.add_argument("--db-name", default="sanzhi_bench_publications")
    p.add_argument("--reuse", action="store_true", help="keep the chain of an earlier run")
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--communities", type=int, default=50)
    p.add_argument("--requests", type=int, default=200, help="requests per page measured")
    p.add_argument("--no-http", action="store_true", help="skip verify --url")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--results", default=str(ROOT / "bench" / "RESULTS-publications.md"))
    args = p.parse_args()
    args.engine = "postgres"
    return args


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {msg}", flush=True)


def pct(samples: list[float], q: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


# ---------------------------------------------------------------- building the chain


def build_world(communities: int) -> list[Any]:
    from sanzhi.grids.models import Node
    from sanzhi.grids.services import node_create

    county = Node.objects.filter(code=COUNTY_CODE).first() or node_create(
        actor=None, parent=None, code=COUNTY_CODE, name="合成县"
    )
    street = Node.objects.filter(code=STREET_CODE).first() or node_create(
        actor=None, parent=county, code=STREET_CODE, name="合成街道"
    )
    have = list(Node.objects.filter(path__startswith=street.path, kind="village").order_by("path"))
    for i in range(len(have), communities):
        code = f"{STREET_CODE[:9]}{i + 1:03d}"
        have.append(node_create(actor=None, parent=street, code=code, name=f"合成社区{i + 1}"))
    return have[:communities]


def _lines(rng: random.Random, period: str) -> list[dict[str, Any]]:
    items = ["上级转移支付", "集体资产租金", "村道维修", "保洁人员工资", "办公用品", "水电费", "慰问困难群众"]
    return [
        {
            "direction": "income" if rng.random() < 0.35 else "expense",
            "date": f"{period}-{rng.randint(1, 28):02d}",
            "item": rng.choice(items),
            "counterparty": f"合成单位{rng.randint(1, 300)}",
            "voucher_no": f"记-{i + 1:03d}",
            "amount_fen": rng.randint(100, 5_000_000),
            "note": "",
        }
        for i in range(rng.randint(5, 40))
    ]


def _content(rng: random.Random, kind: str, area: str, when: dt.datetime, n: int) -> tuple[str, Any]:
    period = f"{when.year}-{when.month:02d}"
    if kind == "disclosure":
        label = {"party": "党务公开", "affairs": "村务公开", "finance": "财务收支明细"}[area]
        content: dict[str, Any] = {"area": area, "title": f"{period} {label}", "period": period}
        content["body"] = f"{period} {label}，请村民监督。" * rng.randint(1, 6)
        if area == "finance":
            content["lines"] = _lines(rng, period)
            income = sum(x["amount_fen"] for x in content["lines"] if x["direction"] == "income")
            expense = sum(x["amount_fen"] for x in content["lines"] if x["direction"] == "expense")
            content["totals"] = {"income_fen": income, "expense_fen": expense}
        return content["title"], content
    title = {"resolution": "决议公开", "notice": "公示", "result": "实施结果公开", "board": "红黑榜"}[kind]
    text = f"第{n}号议题：关于村内公共事务的{title}。" * rng.randint(1, 8)
    return f"{title}（第{n}号）", {"text": text, "matter": f"议题{n}", "stage": title}


def load_chain(n: int, communities: list[Any], seed: int) -> float:
    """COPY ``n`` chain-correct items (and the disclosure rows behind disclosure items)."""
    from django.db import connection

    from sanzhi.disclosure.chain import canonical_json, content_hash, link_hash, timestamp
    from sanzhi.disclosure.models import GENESIS_HASH, Disclosure, PublicationHead

    rng = random.Random(seed)
    step = dt.timedelta(seconds=YEARS * 365 * 86400 // max(n, 1))
    weights = [1.0 + (i % 5) for i in range(len(communities))]  # some communities publish more
    published: dict[int, list[int]] = {c.pk: [] for c in communities}
    disclosures: list[tuple[int, Any, str, str, dt.datetime]] = []
    prev, started = GENESIS_HASH, time.monotonic()
    columns = (
        "seq, kind, node_id, node_path, node_code, title, ref, content, content_hash, corrects_seq, "
        "published_at, published_by_id, prev_hash, hash"
    )
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY disclosure_publication ({columns}) FROM STDIN") as copy:
            for seq in range(1, n + 1):
                node = rng.choices(communities, weights)[0]
                when = FIRST + step * seq
                kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
                area = rng.choice(AREAS)
                title, content = _content(rng, kind, area, when, seq)
                corrects = None
                earlier = published[node.pk]
                if earlier and rng.random() < 0.01:
                    corrects = earlier[rng.randrange(len(earlier))]
                    title = f"{title}（更正）"
                item = {
                    "seq": seq,
                    "kind": kind,
                    "node_code": node.code,
                    "title": title,
                    "ref": f"bench:{seq}",
                    "content_hash": content_hash(content),
                    "corrects": corrects,
                    "published_at": timestamp(when),
                    "prev_hash": prev,
                }
                prev = link_hash(item)
                copy.write_row(
                    (
                        seq,
                        kind,
                        node.pk,
                        node.path,
                        node.code,
                        title,
                        item["ref"],
                        canonical_json(content),
                        item["content_hash"],
                        corrects,
                        when,
                        None,
                        item["prev_hash"],
                        prev,
                    )
                )
                earlier.append(seq)
                if kind == "disclosure":
                    disclosures.append((seq, node, area, title, when))
        cursor.execute("SELECT seq, id FROM disclosure_publication WHERE kind = 'disclosure'")
        ids = dict(cursor.fetchall())
        fields = [f for f in Disclosure._meta.concrete_fields if not f.primary_key]
        with cursor.cursor.copy(
            f"COPY disclosure_disclosure ({', '.join(f.column for f in fields)}) FROM STDIN"
        ) as copy:
            defaults = {f.attname: f.get_default() for f in fields}
            for seq, node, area, title, when in disclosures:
                values = defaults | {
                    "created_at": when,
                    "updated_at": when,
                    "node_id": node.pk,
                    "node_path": node.path,
                    "plan_id": None,
                    "area": area,
                    "title": title,
                    "period": "",
                    "period_start": None,
                    "period_end": None,
                    "due_date": None,
                    "body": "",
                    "status": "published",
                    "corrects_id": None,
                    "publication_id": ids[seq],
                    "created_by_id": None,
                    "published_at": when,
                }
                copy.write_row([values[f.attname] for f in fields])
    PublicationHead.objects.update_or_create(pk=1, defaults={"seq": n, "hash": prev})
    return time.monotonic() - started


# ---------------------------------------------------------------- measuring


def serve_in_thread() -> tuple[str, Any]:
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from django.core.wsgi import get_wsgi_application

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class QuietHandler(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = make_server(
        "127.0.0.1", 0, get_wsgi_application(), server_class=Server, handler_class=QuietHandler
    )
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_port}", httpd


def time_page(client: Any, url: str, runs: int) -> tuple[float, float, int]:
    response = client.get(url)  # warm templates, plans and the buffer cache once
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return statistics.median(samples), pct(samples, 0.95), len(response.content)


def main() -> int:
    args = parse_args()
    prepare_database(args)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanzhi.settings")
    os.environ.setdefault("SANZHI_HTTPS", "0")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from sanzhi.disclosure.chain import verify_stored
    from sanzhi.disclosure.models import Publication

    call_command("migrate", verbosity=0)
    communities = build_world(args.communities)
    have = Publication.objects.count()
    if have != args.items:
        if have:
            log(f"the chain has {have:,} items, not {args.items:,}: drop it with a run without --reuse")
            return 2
        log(f"COPY {args.items:,} chain items over {len(communities)} communities …")
        seconds = load_chain(args.items, communities, args.seed)
        log(f"  {args.items:,} items in {seconds:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE disclosure_publication")
            cursor.execute("VACUUM ANALYZE disclosure_disclosure")
    rows: list[list[str]] = []

    started = time.perf_counter()
    count, problem = verify_stored()
    seconds = time.perf_counter() - started
    ok = problem is None and count == args.items and seconds < VERIFY_TARGET_S
    rows.append(
        ["verify_stored()", f"{count:,} items", f"{seconds:.2f} s", "", f"< {VERIFY_TARGET_S:.0f} s", _ok(ok)]
    )
    log(f"verify_stored: {count:,} items, {problem}, {seconds:.2f} s")

    # Pages render base.html: static files from the app folders, as the tests do.
    static = override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    )
    static.enable()
    if not args.no_http:
        url, httpd = serve_in_thread()
        out = io.StringIO()
        started = time.perf_counter()
        call_command("verify", "publications", "--url", url, stdout=out)
        seconds = time.perf_counter() - started
        rows.append(["verify publications --url", f"{args.items:,} items", f"{seconds:.2f} s", "", "—", "ok"])
        log(f"verify --url: {out.getvalue().strip()} in {seconds:.2f} s")
        httpd.shutdown()

    busiest = (
        Publication.objects.values("node_id").annotate(n=Count("id")).order_by("-n", "node_id").first() or {}
    )
    node = next(c for c in communities if c.pk == busiest.get("node_id"))
    n_items = busiest.get("n", 0)
    deep = (
        Publication.objects.filter(node_id=node.pk)
        .order_by("-seq")
        .values_list("seq", flat=True)[n_items // 2]
    )
    finance = Publication.objects.filter(node_id=node.pk, disclosure__area="finance").order_by("-seq").first()
    board = reverse("web:disclosure_public_board", args=[node.code])
    pages = [
        ("board", board),
        ("board, finance only", f"{board}?show=finance"),
        ("board, resolutions only", f"{board}?show=resolution"),
        ("board, half-way back", f"{board}?before={deep}"),
    ]
    if finance is not None:
        pages.append(
            ("one finance item", reverse("web:disclosure_public_item", args=[node.code, finance.seq]))
        )
    client = Client()
    for name, page_url in pages:
        p50, p95, size = time_page(client, page_url, args.requests)
        ok = p95 < PAGE_TARGET_MS
        rows.append(
            [
                name,
                f"{n_items:,} items",
                f"{p50:.1f} ms",
                f"{p95:.1f} ms",
                f"< {PAGE_TARGET_MS:.0f} ms",
                _ok(ok),
            ]
        )
        log(f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms ({size:,} bytes)")
    static.disable()

    header = [
        f"Publication chain: {args.items:,} items over {len(communities)} communities; "
        f"board of {node.name} ({n_items:,} items), {args.requests} requests per page. "
        f"Load {' / '.join(f'{x:.2f}' for x in os.getloadavg())}.",
        "",
        "| what | size | p50 / time | p95 | target | ok |",
        "|---|---:|---:|---:|---|---|",
    ]
    table = "\n".join(header + ["| " + " | ".join(r) + " |" for r in rows])
    print()
    print(table)
    if args.results:
        Path(args.results).write_text(f"# Publication chain benchmark\n\n{table}\n", encoding="utf-8")
    return 0


def _ok(ok: bool) -> str:
    return "ok" if ok else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
