"""Subcommands of ``sanzhi points``. Each module here defines ``SUBCOMMANDS``: name →
(help, add_arguments(parser), handle(command, options)); the command collects them all, so an area
(ledger, stars, store …) adds its subcommands without touching the others'."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandParser

AddArguments = Callable[[CommandParser], None]
Handle = Callable[[Any, dict[str, Any]], None]
Subcommand = tuple[str, AddArguments, Handle]

MODULES = ("ledger", "schemes", "stars", "store")
