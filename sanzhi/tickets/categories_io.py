"""诉求分类导入/导出: the category tree and its time limits in one sheet.

Columns: 编码, 名称, 上级编码, 类别, 责任部门编码, 网格可结案, 咨询类, 关键词, then response/resolve
working hours per level (网格响应, 网格办结, 社区响应, 社区办结, 街道响应, 街道办结, 部门响应, 部门办结),
then 英文名称 and 启用. Only 编码 and 名称 are required columns.

Import is all-or-nothing, like the node import (sanzhi.grids.importing): every row is checked first
and every bad row reported with its row number, column and message; a clean file is written in one
transaction through the category services (so each change is audited). A listed category is
described fully by its row: in a column the file has, an empty cell means 否 / none / no own limit
at that level (it then inherits its top class's). A column the file does not have is left alone.
Categories not in the file are not touched (stop one with 启用 = 否; nothing is deleted).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import DomainError, Forbidden
from sanzhi.core.rowerrors import CodeImportReport, RowChecker, code_cell, row_message, text_cell
from sanzhi.core.tabular import Cell, TabularError, read_table
from sanzhi.core.xlsx import write_text_xlsx
from sanzhi.tickets.categories import (
    LEVELS,
    NAME_EN_MAX,
    RESOLVE_MAX,
    RESPONSE_MAX,
    can_manage_categories,
    category_create,
    category_limits_set,
    category_update,
    check_limit_pair,
    clean_code,
    clean_hours,
    clean_keywords,
    clean_name,
    department_usable_by,
    own_limits,
)
from sanzhi.tickets.models import Category, CategoryKind, Department

COL_CODE, COL_NAME, COL_PARENT, COL_KIND = "编码", "名称", "上级编码", "类别"
COL_DEPARTMENT, COL_GRID_CLOSE, COL_CONSULT, COL_KEYWORDS = "责任部门编码", "网格可结案", "咨询类", "关键词"
COL_NAME_EN, COL_ACTIVE = "英文名称", "启用"
LEVEL_WORDS = {"grid": "网格", "community": "社区", "street": "街道", "department": "部门"}
HOUR_COLUMNS: dict[str, tuple[str, str]] = {
    level: (f"{word}响应", f"{word}办结") for level, word in LEVEL_WORDS.items()
}
REQUIRED = [COL_CODE, COL_NAME]
OPTIONAL = [
    COL_PARENT,
    COL_KIND,
    COL_DEPARTMENT,
    COL_GRID_CLOSE,
    COL_CONSULT,
    COL_KEYWORDS,
    *(c for pair in HOUR_COLUMNS.values() for c in pair),
    COL_NAME_EN,
    COL_ACTIVE,
]
COLUMNS = [*REQUIRED, *OPTIONAL]
# The brief order of the sheet: 编码, 名称, 上级编码, … as in COLUMNS.

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "可", "启用"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "不可", "停用"}


def kind_from_text(text: str) -> str | None:
    """事件/部件/诉求 (or event/part/demand); None when not one of them."""
    text = text.strip()
    for value, label in CategoryKind.choices:
        if text.lower() == value or text in (str(label), _(str(label))):
            return str(value)
    return None


def _bool_cell(value: Cell) -> bool | None:
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


class CategoryImportReport(CodeImportReport):
    """诉求分类导入的结果 (the fields are CodeImportReport's)."""


@dataclass
class _Line:
    row: int
    code: str
    name: str
    parent_code: str
    has: set[str]  # the optional columns present in the file
    kind: str = ""
    department_code: str = ""
    grid_may_close: bool = False
    is_consultation: bool = False
    keywords: str = ""
    name_en: str = ""
    active: bool = True
    limits: dict[str, tuple[Decimal, Decimal] | None] = field(default_factory=dict)
    existing: Category | None = None


def _fail_domain(check: RowChecker, row: int, column: str, exc: DomainError) -> None:
    message = exc._message  # lazy: rendered in the reader's language
    check.fail(row, column, exc.code, lambda: str(message))


def _read_lines(path: Path, check: RowChecker, report: CategoryImportReport) -> list[_Line]:
    table = read_table(path, required=REQUIRED, optional=OPTIONAL)
    has = {c for c in table.columns if c in OPTIONAL}
    lines: list[_Line] = []
    for row in table:
        report.rows += 1
        v = row.values
        n = row.number
        raw_code, exact = code_cell(v.get(COL_CODE))
        parent_code, parent_exact = code_cell(v.get(COL_PARENT))
        line = _Line(n, "", "", parent_code, has)
        lines.append(line)
        if not exact:
            check.fail(
                n,
                COL_CODE,
                "code_lost_precision",
                row_message(gettext_noop("编码按数字保存，已丢失末位数字，请把该列设为文本格式")),
            )
        else:
            try:
                line.code = clean_code(raw_code)
            except DomainError as exc:
                _fail_domain(check, n, COL_CODE, exc)
        if not parent_exact:
            check.fail(
                n,
                COL_PARENT,
                "code_lost_precision",
                row_message(gettext_noop("编码按数字保存，已丢失末位数字，请把该列设为文本格式")),
            )
        try:
            line.name = clean_name(text_cell(v.get(COL_NAME)))
        except DomainError as exc:
            _fail_domain(check, n, COL_NAME, exc)
        if COL_NAME_EN in has:
            try:
                line.name_en = clean_name(text_cell(v.get(COL_NAME_EN)), limit=NAME_EN_MAX, required=False)
            except DomainError as exc:
                _fail_domain(check, n, COL_NAME_EN, exc)
        kind_text = text_cell(v.get(COL_KIND))
        if kind_text:
            kind = kind_from_text(kind_text)
            if kind is None:
                check.fail(n, COL_KIND, "bad_kind", row_message(gettext_noop("类别只能是事件、部件或诉求")))
            else:
                line.kind = kind
        line.department_code = text_cell(v.get(COL_DEPARTMENT))
        for column, attr in (
            (COL_GRID_CLOSE, "grid_may_close"),
            (COL_CONSULT, "is_consultation"),
            (COL_ACTIVE, "active"),
        ):
            if column not in has:
                continue
            cell = v.get(column)
            flag = True if (column == COL_ACTIVE and cell is None) else _bool_cell(cell)
            if flag is None:
                check.fail(n, column, "bad_flag", row_message(gettext_noop("请填写“是”或“否”")))
            else:
                setattr(line, attr, flag)
        if COL_KEYWORDS in has:
            try:
                line.keywords = clean_keywords(text_cell(v.get(COL_KEYWORDS)))
            except DomainError as exc:
                _fail_domain(check, n, COL_KEYWORDS, exc)
        _read_limits(line, v, check)
    return lines


def _read_limits(line: _Line, v: dict[str, Cell], check: RowChecker) -> None:
    for level, (response_col, resolve_col) in HOUR_COLUMNS.items():
        if response_col not in line.has and resolve_col not in line.has:
            continue
        response_cell, resolve_cell = v.get(response_col), v.get(resolve_col)
        if response_cell is None and resolve_cell is None:
            line.limits[level] = None
            continue
        if response_cell is None or resolve_cell is None:
            missing = response_col if response_cell is None else resolve_col
            check.fail(
                line.row,
                missing,
                "limit_half",
                row_message(gettext_noop("响应时限和办结时限须同时填写或同时留空")),
            )
            continue
        try:
            response = clean_hours(response_cell, field=response_col, maximum=RESPONSE_MAX)
        except DomainError as exc:
            _fail_domain(check, line.row, response_col, exc)
            continue
        try:
            resolve = clean_hours(resolve_cell, field=resolve_col, maximum=RESOLVE_MAX)
            check_limit_pair(response, resolve)
        except DomainError as exc:
            _fail_domain(check, line.row, resolve_col, exc)
            continue
        line.limits[level] = (response, resolve)


def _validate(actor: Any, lines: list[_Line], check: RowChecker) -> list[_Line]:
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
                row_message(gettext_noop("编码与第 {row} 行重复"), row=first.row),
            )
            continue
        by_code[line.code] = line
    referenced = set(by_code) | {ln.parent_code for ln in by_code.values() if ln.parent_code}
    db = {
        c.code: c for c in Category.objects.select_related("parent", "department").filter(code__in=referenced)
    }
    # Children already in the tree below the listed codes: they count in the final shape too.
    final_parent: dict[str, str] = {
        code: parent or ""
        for code, parent in Category.objects.filter(parent__code__in=list(by_code)).values_list(
            "code", "parent__code"
        )
    }
    for code, category in db.items():
        final_parent[code] = category.parent.code if category.parent is not None else ""
    for code, line in by_code.items():
        line.existing = db.get(code)
        final_parent[code] = line.parent_code
    departments = {
        d.code: d
        for d in Department.objects.filter(
            code__in={ln.department_code for ln in by_code.values() if ln.department_code}
        )
    }
    children_of: dict[str, list[str]] = {}
    for code, parent in final_parent.items():
        if parent:
            children_of.setdefault(parent, []).append(code)

    for code, line in by_code.items():
        parent = line.parent_code
        if parent:
            if parent == code:
                check.fail(
                    line.row,
                    COL_PARENT,
                    "parent_is_self",
                    row_message(gettext_noop("上级编码不能是分类自身")),
                )
            elif parent not in by_code and parent not in db:
                check.fail(
                    line.row,
                    COL_PARENT,
                    "parent_missing",
                    row_message(gettext_noop("上级编码 {code} 既不在文件中，也不在系统中"), code=parent),
                )
            elif final_parent.get(parent):
                check.fail(
                    line.row,
                    COL_PARENT,
                    "parent_not_top",
                    row_message(gettext_noop("上级分类 {code} 本身是二级分类：分类只有两级"), code=parent),
                )
            elif children_of.get(code):
                check.fail(
                    line.row,
                    COL_PARENT,
                    "has_children",
                    row_message(gettext_noop("该分类有下级分类，不能再设上级")),
                )
        if line.department_code:
            department = departments.get(line.department_code)
            if department is None or not department_usable_by(actor, department):
                check.fail(
                    line.row,
                    COL_DEPARTMENT,
                    "department_unknown",
                    row_message(
                        gettext_noop("部门编码 {code} 不存在或不在您的辖区"), code=line.department_code
                    ),
                )
            elif not department.active and (
                line.existing is None or line.existing.department_id != department.pk
            ):
                check.fail(
                    line.row,
                    COL_DEPARTMENT,
                    "department_inactive",
                    row_message(gettext_noop("部门 {code} 已停用"), code=line.department_code),
                )
    # Creation order: top classes first; among subclasses, those that are top classes today last
    # (their children move away first, so the services' "no parent for a class with children" holds).
    tops = [ln for ln in by_code.values() if not ln.parent_code]
    subs = [ln for ln in by_code.values() if ln.parent_code]
    subs.sort(key=lambda ln: ln.existing is not None and ln.existing.parent_id is None)
    return tops + subs


def import_categories(*, actor: Any, path: Path | str) -> CategoryImportReport:
    """Load or update categories from ``path``; on any bad row, nothing is written."""
    report = CategoryImportReport()
    if actor is not None and not can_manage_categories(actor):
        report.file_error = Forbidden(_("您无权维护诉求分类"), code="forbidden")
        return report
    check = RowChecker(report.errors)
    try:
        lines = _read_lines(Path(path), check, report)
    except TabularError as exc:
        report.file_error = exc
        return report
    ordered = _validate(actor, lines, check)
    if report.errors:
        check.sort(COLUMNS)
        return report
    try:
        _apply(actor=actor, lines=ordered, report=report)
    except DomainError as exc:
        # A concurrent edit between the check and the write (a code taken meanwhile): nothing written.
        report.created.clear()
        report.updated.clear()
        report.unchanged = 0
        report.file_error = exc
    return report


@transaction.atomic
def _apply(*, actor: Any, lines: list[_Line], report: CategoryImportReport) -> None:
    by_code: dict[str, Category] = {ln.existing.code: ln.existing for ln in lines if ln.existing is not None}
    parents_needed = {ln.parent_code for ln in lines if ln.parent_code and ln.parent_code not in by_code}
    by_code.update({c.code: c for c in Category.objects.filter(code__in=parents_needed)})
    department_codes = {ln.department_code for ln in lines if ln.department_code}
    departments = {d.code: d for d in Department.objects.filter(code__in=department_codes)}
    for line in lines:
        parent = by_code[line.parent_code] if line.parent_code else None
        department = departments.get(line.department_code) if line.department_code else None
        if line.existing is None:
            parent_kind = parent.kind if parent is not None else CategoryKind.DEMAND
            category = category_create(
                actor=actor,
                code=line.code,
                name=line.name,
                parent=parent,
                kind=line.kind or parent_kind,
                name_en=line.name_en,
                department=department,
                grid_may_close=line.grid_may_close,
                is_consultation=line.is_consultation,
                keywords=line.keywords,
            )
            if not line.active:
                category_update(actor=actor, category=category, active=False)
            limits = {level: pair for level, pair in line.limits.items() if pair is not None}
            if limits:
                category_limits_set(actor=actor, category=category, limits=limits)
            by_code[line.code] = category
            report.created.append(line.code)
            continue
        category = line.existing
        changes: dict[str, Any] = {"name": line.name}
        if line.parent_code or category.parent_id is not None:
            # An empty 上级编码 on a listed subclass makes it a top class: the row describes it fully.
            changes["parent"] = parent
        if line.kind:
            changes["kind"] = line.kind
        optional = {
            COL_NAME_EN: ("name_en", line.name_en),
            COL_DEPARTMENT: ("department", department),
            COL_GRID_CLOSE: ("grid_may_close", line.grid_may_close),
            COL_CONSULT: ("is_consultation", line.is_consultation),
            COL_KEYWORDS: ("keywords", line.keywords),
            COL_ACTIVE: ("active", line.active),
        }
        for column, (attr, value) in optional.items():
            if column in line.has:
                changes[attr] = value
        before = _fingerprint(category)
        category = category_update(actor=actor, category=category, **changes)
        current = own_limits(category)
        limit_changes = {level: pair for level, pair in line.limits.items() if current.get(level) != pair}
        if limit_changes:
            category_limits_set(actor=actor, category=category, limits=limit_changes)
        by_code[line.code] = category
        if limit_changes or _fingerprint(category) != before:
            report.updated.append(line.code)
        else:
            report.unchanged += 1
    audit_record(
        actor=actor,
        action="category.import",
        subject_type="tickets.category",
        data={"created": len(report.created), "updated": len(report.updated), "unchanged": report.unchanged},
    )


def _fingerprint(category: Category) -> tuple[Any, ...]:
    return (
        category.name,
        category.name_en,
        category.parent_id,
        category.kind,
        category.department_id,
        category.grid_may_close,
        category.is_consultation,
        category.keywords,
        category.active,
    )


# ---------------------------------------------------------------- export


def _hours(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def _yes(flag: bool) -> str:
    return _("是") if flag else _("否")


def export_rows() -> Iterable[list[str]]:
    """Every category (stopped ones too) as import rows, header first, top classes before theirs."""
    yield list(COLUMNS)
    categories = list(
        Category.objects.select_related("parent", "department")
        .prefetch_related("limits")
        .order_by("sort", "code")
    )
    children: dict[int | None, list[Category]] = {}
    for category in categories:
        children.setdefault(category.parent_id, []).append(category)
    for top in children.get(None, []):
        for category in [top, *children.get(top.pk, [])]:
            own = {limit.level: limit for limit in category.limits.all()}
            hours: list[str] = []
            for level in LEVELS:
                limit = own.get(level)
                hours += [_hours(limit.response_hours), _hours(limit.resolve_hours)] if limit else ["", ""]
            yield [
                category.code,
                category.name,
                category.parent.code if category.parent is not None else "",
                str(category.get_kind_display()),
                category.department.code if category.department is not None else "",
                _yes(category.grid_may_close),
                _yes(category.is_consultation),
                category.keywords,
                *hours,
                category.name_en,
                _yes(category.active),
            ]


def export_categories(*, path: Path | str) -> int:
    """Write the tree to .xlsx (every cell text) or .csv; returns the number of categories."""
    path = Path(path)
    rows = list(export_rows())
    if path.suffix.lower() == ".csv":
        # utf-8-sig: Excel in a Chinese locale opens a BOM-marked CSV as UTF-8 instead of GBK.
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
        return len(rows) - 1
    write_xlsx(path, rows)
    return len(rows) - 1


def write_xlsx(target: Any, rows: list[list[str]]) -> None:
    """``target``: a path or a binary file object."""
    write_text_xlsx(
        target,
        rows,
        sheet=str(_("诉求分类")),
        widths=[10, 18, 10, 8, 14, 10, 8, 40] + [9] * 8 + [30, 6],
        freeze=(1, 2),
    )


__all__ = [
    "COLUMNS",
    "CategoryImportReport",
    "export_categories",
    "export_rows",
    "import_categories",
    "write_xlsx",
]
