"""网格节点导入/导出: townships keep their grid structure in Excel (层级, 编码, 名称, 上级编码).

Import is all-or-nothing: every row is checked first (code format, parent known, no duplicates, no
cycles, names present) and every bad row is reported with its row number, column and message; only
a clean file is written, in one transaction, through the tree services (node_create, node_update,
node_move) so codes, paths, rollups and audit rows stay consistent.

Semantics per row: a new code is created under its 上级编码 (which may come earlier or later in the
file, or already exist); an existing code gets its name and level word updated, and is re-gridded
with node_move when its 上级编码 differs (grids only: an administrative node needs a new code,
which one 编码 column cannot express). An empty 上级编码 means a root for a new code and "keep
where it is" for an existing one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import Scope, scope_for
from sanzhi.core.audit import audit_record
from sanzhi.core.errors import DomainError
from sanzhi.core.rowerrors import CodeImportReport, RowChecker, code_cell, row_message, text_cell
from sanzhi.core.tabular import TabularError, read_table
from sanzhi.core.xlsx import write_text_xlsx
from sanzhi.grids.codes import validate_code
from sanzhi.grids.models import Node, NodeKind
from sanzhi.grids.schemes import ancestor_paths
from sanzhi.grids.services import _kind_for_code, node_create, node_move, node_update

COL_LEVEL, COL_CODE, COL_NAME, COL_PARENT = "层级", "编码", "名称", "上级编码"
COLUMNS = [COL_LEVEL, COL_CODE, COL_NAME, COL_PARENT]
NAME_MAX, LABEL_MAX = 100, 16


@dataclass(frozen=True)
class CodeChange:
    old_code: str
    new_code: str


@dataclass
class NodeImportReport(CodeImportReport):
    moved: list[CodeChange] = field(default_factory=list)

    def extra(self) -> dict[str, Any]:
        return {
            "moved": len(self.moved),
            "code_changes": [{"old_code": c.old_code, "new_code": c.new_code} for c in self.moved],
        }


@dataclass
class _Line:
    row: int
    label: str
    code: str
    name: str
    parent_code: str
    kind: str = ""
    existing: Node | None = None
    # Existing node whose 上级编码 differs from its current parent: re-gridded after creations.
    move: bool = False


# Shared with the other all-or-nothing importers (sanzhi.core.rowerrors).
_msg = row_message
_text = text_cell
_code_cell = code_cell


class _Checker(RowChecker):
    def __init__(self, report: NodeImportReport) -> None:
        super().__init__(report.errors)
        self.report = report


def _read_lines(path: Path, check: _Checker) -> list[_Line]:
    lines: list[_Line] = []
    table = read_table(path, required=COLUMNS)
    for row in table:
        v = row.values
        code, exact = _code_cell(v.get(COL_CODE))
        parent_code, parent_exact = _code_cell(v.get(COL_PARENT))
        line = _Line(row.number, _text(v.get(COL_LEVEL)), code, _text(v.get(COL_NAME)), parent_code)
        lines.append(line)
        check.report.rows += 1
        for column, ok in ((COL_CODE, exact), (COL_PARENT, parent_exact)):
            if not ok:
                check.fail(
                    row.number,
                    column,
                    "code_lost_precision",
                    _msg(gettext_noop("编码按数字保存，已丢失末位数字，请把该列设为文本格式后重新填写")),
                )
        if not code and exact:
            check.fail(row.number, COL_CODE, "code_required", _msg(gettext_noop("编码不能为空")))
        if not line.name:
            check.fail(row.number, COL_NAME, "name_required", _msg(gettext_noop("名称不能为空")))
        elif len(line.name) > NAME_MAX:
            check.fail(
                row.number, COL_NAME, "name_too_long", _msg(gettext_noop("名称不能超过 {n} 个字"), n=NAME_MAX)
            )
        if len(line.label) > LABEL_MAX:
            check.fail(
                row.number,
                COL_LEVEL,
                "label_too_long",
                _msg(gettext_noop("层级名称不能超过 {n} 个字"), n=LABEL_MAX),
            )
    return lines


def _validate(
    lines: list[_Line], check: _Checker, scope: Scope | None
) -> tuple[list[_Line], dict[str, Node]]:
    """Check codes, parents, duplicates and cycles; return the lines in creation order."""
    by_code: dict[str, _Line] = {}
    for line in lines:
        if not line.code:
            continue
        first = by_code.get(line.code)
        if first is not None:
            check.fail(
                line.row,
                COL_CODE,
                "duplicate_code",
                _msg(gettext_noop("编码与第 {row} 行重复"), row=first.row),
            )
            continue
        by_code[line.code] = line

    referenced = set(by_code) | {ln.parent_code for ln in lines if ln.parent_code}
    db: dict[str, Node] = {n.code: n for n in Node.objects.filter(code__in=referenced)}
    # Ancestors of nodes already in the tree, so cycles through unchanged nodes can be seen.
    ancestor_set = {p for n in db.values() for p in ancestor_paths(n.path, include_self=False)}
    code_at_path = dict(Node.objects.filter(path__in=ancestor_set).values_list("path", "code"))
    kind_of = {n.code: n.kind for n in db.values()}
    for n in db.values():
        code_at_path[n.path] = n.code

    def db_parent(code: str) -> str:
        node = db.get(code)
        if node is None or node.depth == 1:
            return ""
        return code_at_path.get(node.path[: -Node.steplen], "")

    path_of_code = {code: path for path, code in code_at_path.items()}
    final_parent: dict[str, str] = {}
    broken: set[str] = set()  # codes whose parent is unknown or cyclic: their kind cannot be checked
    for code, line in by_code.items():
        line.existing = db.get(code)
        parent = db.get(line.parent_code)
        if scope is not None and line.existing is not None and not scope.contains(line.existing.path):
            check.fail(
                line.row,
                COL_CODE,
                "forbidden",
                _msg(gettext_noop("您无权维护编码为 {code} 的节点"), code=code),
            )
            broken.add(code)
        elif scope is not None and parent is not None and not scope.contains(parent.path):
            # Same answer as for a code that does not exist: a parent out of scope is not disclosed.
            check.fail(
                line.row,
                COL_PARENT,
                "parent_missing",
                _msg(gettext_noop("上级编码 {code} 既不在文件中，也不在系统中"), code=line.parent_code),
            )
            broken.add(code)
        elif scope is not None and not line.parent_code and line.existing is None and not scope.everything:
            check.fail(
                line.row,
                COL_PARENT,
                "forbidden",
                _msg(gettext_noop("只有系统管理员可以新建顶层节点，请填写上级编码")),
            )
            broken.add(code)
        elif line.parent_code == code:
            check.fail(line.row, COL_PARENT, "parent_is_self", _msg(gettext_noop("上级编码不能是节点自身")))
            broken.add(code)
        elif line.parent_code and line.parent_code not in by_code and line.parent_code not in db:
            check.fail(
                line.row,
                COL_PARENT,
                "parent_missing",
                _msg(gettext_noop("上级编码 {code} 既不在文件中，也不在系统中"), code=line.parent_code),
            )
            broken.add(code)
        final_parent[code] = line.parent_code or db_parent(code)

    def parent_of(code: str) -> str:
        if code in final_parent:
            return final_parent[code]
        path = path_of_code.get(code, "")
        return code_at_path.get(path[: -Node.steplen], "") if len(path) > Node.steplen else ""

    for code, line in by_code.items():
        if code in broken:
            continue
        seen = {code}
        current = final_parent[code]
        while current:
            if current in seen:
                check.fail(
                    line.row,
                    COL_PARENT,
                    "parent_cycle",
                    _msg(
                        gettext_noop("上级编码 {code} 形成循环（节点成了自己的下级）"), code=line.parent_code
                    ),
                )
                broken.add(code)
                break
            seen.add(current)
            current = parent_of(current)

    ordered: list[_Line] = []
    placed: set[str] = set()

    def place(line: _Line, trail: set[str]) -> None:
        if line.code in placed or line.code in trail:
            return
        parent_line = by_code.get(line.parent_code)
        if parent_line is not None and parent_line.existing is None:
            place(parent_line, trail | {line.code})
        placed.add(line.code)
        ordered.append(line)

    for line in by_code.values():
        place(line, set())

    for line in ordered:
        if line.code in broken or line.parent_code in broken:
            broken.add(line.code)  # a child of a bad row: its own kind cannot be judged yet
            continue
        if not _check_kind(line, db, kind_of, check):
            broken.add(line.code)
    return ordered, db


def _check_kind(line: _Line, db: dict[str, Node], kind_of: dict[str, str], check: _Checker) -> bool:
    parent_code = line.parent_code
    parent = db.get(parent_code) if parent_code else None
    parent_kind = kind_of.get(parent_code) if parent_code else None
    if line.existing is not None:
        node = line.existing
        if not parent_code or (parent is not None and parent.path == node.path[: -Node.steplen]):
            return True  # stays where it is
        if node.kind != NodeKind.GRID:
            check.fail(
                line.row,
                COL_PARENT,
                "admin_move_needs_code",
                _msg(
                    gettext_noop("行政区划节点的上级不能通过导入变更（需要新的区划代码），请使用节点移动功能")
                ),
            )
            return False
        if parent_kind not in (NodeKind.VILLAGE, NodeKind.GRID):
            check.fail(
                line.row, COL_PARENT, "bad_move_target", _msg(gettext_noop("网格只能移到社区/村或网格之下"))
            )
            return False
        line.move = True
        return True
    fake_parent = Node(code=parent_code, kind=parent_kind or "") if parent_code else None
    try:
        kind = _kind_for_code(line.code, fake_parent)
        validate_code(line.code, kind=kind, parent_code=parent_code or None, parent_kind=parent_kind)
    except DomainError as exc:
        check.fail(
            line.row,
            COL_CODE,
            exc.code,
            lambda: _code_message(line.code, fake_parent, parent_code, parent_kind),
        )
        return False
    line.kind = kind
    kind_of[line.code] = kind
    return True


def _code_message(code: str, parent: Node | None, parent_code: str, parent_kind: str | None) -> str:
    # Re-run the check so the message comes out in the language active at rendering time.
    try:
        kind = _kind_for_code(code, parent)
        validate_code(code, kind=kind, parent_code=parent_code or None, parent_kind=parent_kind)
    except DomainError as exc:
        return exc.message
    return ""


def import_nodes(*, actor: Any, path: Path | str, edition: int | None = None) -> NodeImportReport:
    """Load or update the tree from ``path``; on any bad row, nothing is written."""
    report = NodeImportReport()
    check = _Checker(report)
    try:
        lines = _read_lines(Path(path), check)
    except TabularError as exc:
        report.file_error = exc
        return report
    # The CLI (actor None) runs as the operator; a web user may only touch their MANAGE_TREE scope.
    scope = scope_for(actor, Capability.MANAGE_TREE) if actor is not None else None
    ordered, _db = _validate(lines, check, scope)
    if report.errors:
        report.errors.sort(key=lambda e: (e.row, COLUMNS.index(e.column) if e.column in COLUMNS else 9))
        return report
    _apply(actor=actor, lines=ordered, edition=edition, report=report)
    return report


@transaction.atomic
def _apply(*, actor: Any, lines: list[_Line], edition: int | None, report: NodeImportReport) -> None:
    pk_of: dict[str, int] = {ln.code: ln.existing.pk for ln in lines if ln.existing is not None}
    missing_parents = {ln.parent_code for ln in lines if ln.parent_code and ln.parent_code not in pk_of}
    pk_of.update(dict(Node.objects.filter(code__in=missing_parents).values_list("code", "pk")))
    moves: list[_Line] = []
    for line in lines:
        node = line.existing
        if node is None:
            parent = Node.objects.get(pk=pk_of[line.parent_code]) if line.parent_code else None
            created = node_create(
                actor=actor, parent=parent, code=line.code, name=line.name, label=line.label, edition=edition
            )
            pk_of[line.code] = created.pk
            report.created.append(line.code)
            continue
        changed = line.name != node.name or (line.label and line.label != node.label)
        if changed:
            node_update(actor=actor, node=node, name=line.name, label=line.label or None)
            report.updated.append(line.code)
        if line.move:
            moves.append(line)
        elif not changed:
            report.unchanged += 1
    # Moves last and by primary key: a move re-issues the codes of the whole subtree, so codes read
    # from the file no longer name the nodes below a moved grid.
    for line in moves:
        node = Node.objects.get(pk=pk_of[line.code])
        parent = Node.objects.get(pk=pk_of[line.parent_code])
        old_code = node.code
        moved = node_move(actor=actor, node=node, new_parent=parent, edition=edition)
        report.moved.append(CodeChange(old_code, moved.code))
    audit_record(
        actor=actor,
        action="node.import",
        subject_type="grids.node",
        data={"created": len(report.created), "updated": len(report.updated), "moved": len(report.moved)},
    )


def export_rows(*, under: Node | None = None) -> Iterable[list[str]]:
    """The tree as import rows (header first), parents before children."""
    from sanzhi.grids.selectors import node_rows

    yield list(COLUMNS)
    for row in node_rows(under=under):
        yield [row.label, row.code, row.name, row.parent_code]


def export_nodes(*, path: Path | str, under: Node | None = None) -> int:
    """Write the tree to .xlsx (codes as text, so Excel keeps every digit) or .csv; rows written."""
    path = Path(path)
    rows = list(export_rows(under=under))
    if path.suffix.lower() == ".csv":
        # utf-8-sig: Excel in a Chinese locale opens a BOM-marked CSV as UTF-8 instead of GBK.
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
        return len(rows) - 1
    write_text_xlsx(path, rows, sheet=str(_("网格节点")), widths=[10, 22, 30, 22])
    return len(rows) - 1
