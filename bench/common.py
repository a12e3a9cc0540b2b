"""What the benchmark scripts share: pointing Django at a throw-away benchmark database."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def prepare_database(args: argparse.Namespace) -> None:
    """Point Django at the bench database, creating (or, without --reuse, recreating) it."""
    if args.engine == "sqlite":
        out = ROOT / "bench" / "out"
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{args.db_name}.sqlite3"
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return
    import psycopg

    with psycopg.connect(f"{args.pg}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [args.db_name]).fetchone()
        if exists and not args.reuse:
            conn.execute(f'DROP DATABASE "{args.db_name}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.db_name}"')
    os.environ["DATABASE_URL"] = f"{args.pg}/{args.db_name}"
