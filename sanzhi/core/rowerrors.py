"""Per-row errors of an all-or-nothing spreadsheet import (网格节点, 诉求分类 …), shared by the importers.

Every bad row is reported with its Excel row number, the column and a message; the message is
rendered when shown (``RowError.render()``), so a report can answer in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError
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


@dataclass
class CodeImportReport:
    """What an all-or-nothing import of coded rows (nodes, categories) did, or why it wrote nothing."""

    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # A failure of the file itself (unreadable, missing columns) rather than of a row.
    file_error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and self.file_error is None

    def extra(self) -> dict[str, Any]:
        """Fields a particular import adds to its report."""
        return {}

    def as_dict(self, lang: str | None = None) -> dict[str, Any]:
        with translation.override(lang or translation.get_language()):
            return {
                "ok": self.ok,
                "rows": self.rows,
                "created": len(self.created),
                "updated": len(self.updated),
                "unchanged": self.unchanged,
                "created_codes": self.created,
                "updated_codes": self.updated,
                **self.extra(),
                "file_error": self.file_error.as_dict() if self.file_error else None,
                "errors": [e.as_dict() for e in self.errors],
            }
