from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from sanzhi.cli import SANZHI_COMMANDS, main


def test_serve_refuses_without_collected_static(tmp_path: Path) -> None:
    with override_settings(STATIC_ROOT=tmp_path / "static"), pytest.raises(CommandError, match="sanzhi init"):
        call_command("serve", bind="127.0.0.1:0")


def test_init_migrates_and_collects_static(db: None, tmp_path: Path) -> None:
    from sanzhi import settings as production

    root = tmp_path / "static"
    # The production storage (a manifest), whatever storage the web tests set for their session.
    with override_settings(STATIC_ROOT=root, STORAGES=production.STORAGES):
        call_command("init", verbosity=0)
        assert (root / "staticfiles.json").is_file()
        # Precompressed copies for whitenoise to serve (sanzhi.core.staticfiles: quick Brotli).
        assert next(root.rglob("*.css.gz"), None) is not None
        assert next(root.rglob("*.css.br"), None) is not None
        from sanzhi.demo.management.commands.serve import static_ready

        assert static_ready()


@pytest.mark.django_db(transaction=True)
def test_worker_drains_the_queue_and_exits() -> None:
    call_command("worker", batch=True, verbosity=0)


def test_cli_help_lists_the_front_door_commands(capsys: pytest.CaptureFixture[str]) -> None:
    main(["sanzhi", "--help"])
    out = capsys.readouterr().out
    for name in ("init", "demo", "synth", "serve", "worker"):
        assert f"  {name} " in out
    assert {name for name, _text in SANZHI_COMMANDS} >= {"init", "demo", "synth", "serve", "worker"}


def test_demo_and_synth_ask_for_init_on_an_unmigrated_database(db: None) -> None:
    from django.db import connection

    from sanzhi.core.dbstate import require_migrated

    require_migrated()  # the test database is migrated
    from django.db.migrations.loader import MigrationLoader

    # people's latest migration marked as not applied
    (leaf,) = [name for app, name in MigrationLoader(connection).graph.leaf_nodes() if app == "people"]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'people' AND name = %s", [leaf])
    with pytest.raises(CommandError, match="sanzhi init"):
        call_command("demo")
    with pytest.raises(CommandError, match="sanzhi init"):
        call_command("synth", households=10, into="511923000000")
