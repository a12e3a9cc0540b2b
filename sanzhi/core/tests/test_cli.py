from __future__ import annotations

import subprocess
import sys

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
