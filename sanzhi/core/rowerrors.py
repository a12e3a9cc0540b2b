"""Per-row errors of an all-or-nothing spreadsheet import (网格节点, 诉求分类 …), shared by the importers.

Every bad row is reported with its Excel row number, the column and a message; the message is
rendered when shown (``RowError.render()``), so a report can answer in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sanzhi.core.tabular import Cell

# Integers above 2**53 cannot come through a spreadsheet's float cells intact.
EXACT_NUMBER_DIGITS = 15


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    code: str
    render: Callable[[], str]

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "code": self.code, "message": self.render()}


def row_message(template: str, **params: Any) -> Callable[[], str]:
    """A message rendered when shown; mark ``template`` with gettext_noop so makemessages collects it."""
    return lambda: _(template).format(**params)


def text_cell(value: Cell) -> str:
    return "" if value is None else str(value).strip()


def code_cell(value: Cell) -> tuple[str, bool]:
    """A code as text; False when a spreadsheet number cell cannot hold it exactly."""
    if value is None:
        return "", True
    if isinstance(value, float):
        return "", False
    if isinstance(value, int):
        text = str(value)
        return text, len(text) <= EXACT_NUMBER_DIGITS
    return str(value).strip(), True


class RowChecker:
    """Collects RowErrors into ``errors`` (a report's list)."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors

    def fail(self, row: int, column: str, code: str, render: Callable[[], str]) -> None:
        self.errors.append(RowError(row, column, code, render))

    def sort(self, columns: list[str]) -> None:
        order = {name: i for i, name in enumerate(columns)}
        self.errors.sort(key=lambda e: (e.row, order.get(e.column, len(order))))


def render_row_errors(rows: int, errors: list[RowError]) -> str:
    """The CLI's text form of a rejected file."""
    lines = [_("共 {n} 行，发现 {e} 处错误：").format(n=rows, e=len(errors))]
    for e in errors:
        lines.append(
            "  "
            + _("第 {row} 行【{column}】{message}").format(row=e.row, column=e.column, message=e.render())
        )
    return "\n".join(lines)


__all__ = ["RowChecker", "RowError", "code_cell", "render_row_errors", "row_message", "text_cell"]
