"""``sanzhi points <subcommand>``: the points domain's operations (see ``sanzhi points --help``).

Subcommands live in ``sanzhi.points.cli.*`` (one module per area). The CLI runs as the
installation's operator; a refused operation prints the reason and exits 1.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sanzhi.core.errors import DomainError
from sanzhi.points.cli import MODULES, Subcommand


def _subcommands() -> dict[str, Subcommand]:
    found: dict[str, Subcommand] = {}
    for name in MODULES:
        try:
            module = importlib.import_module(f"sanzhi.points.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"sanzhi.points.cli.{name}":
                raise
            continue
        found.update(getattr(module, "SUBCOMMANDS", {}))
    return found


class Command(BaseCommand):
    help = "积分：adopt 采用方案、rules 细则导入导出、reconcile 对账、verify 校验流水链 …"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, (help_text, add, _handle) in sorted(_subcommands().items()):
            add(sub.add_parser(name, help=str(help_text)))

    def handle(self, *args: Any, **options: Any) -> None:
        _help, _add, handle = _subcommands()[options["subcommand"]]
        try:
            handle(self, options)
        except DomainError as exc:
            raise CommandError(exc.message) from None
