from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sanzhi import cli
from sanzhi.core.errors import NotFound


def test_help_lists_sanzhi_commands(capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["sanzhi", "--help"])
    out = capsys.readouterr().out
    for name in ("demo", "synth", "serve", "nodes", "coverage", "import", "export", "template"):
        assert f"  {name} " in out


def test_domain_error_becomes_a_message_and_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def explode(argv: list[str]) -> None:
        raise NotFound("节点 123 不存在", code="not_found")

    monkeypatch.setattr("django.core.management.execute_from_command_line", explode)
    with pytest.raises(SystemExit) as exited:
        cli.main(["sanzhi", "nodes"])
    assert exited.value.code == 2
    assert "节点 123 不存在" in capsys.readouterr().err


def test_console_entry_point_runs() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sanzhi.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert "sanzhi" in done.stdout


def test_commands_on_an_unmigrated_database_ask_for_init(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    done = subprocess.run(
        [sys.executable, "-m", "sanzhi.cli", "nodes"], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 2
    assert "sanzhi init" in done.stderr
    assert "Traceback" not in done.stderr
