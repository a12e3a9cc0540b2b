"""积分细则导入/导出: one scheme's rule catalog in one sheet (.xlsx, or .csv in UTF-8 or GB18030).

Columns: 类别编码, 类别, 细则编码, 事项, 最低分值, 最高分值, 佐证要求, 审批机构, 每周期上限, 启用.
类别编码, 细则编码, 事项 and 最低分值 are required columns; an empty 最高分值 makes a fixed value.

Import is all-or-nothing, like the category import (sanzhi.tickets.categories_io): every row is
checked first and every bad row reported with its row number, column and message; a clean file is
written in one transaction through the scheme services (so each change is audited). A listed rule
is described fully by its row; rules not in the file are not touched (stop one with 启用 = 否).
A rule that entries already use keeps its value and category: the row is refused, not rewritten.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
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
from sanzhi.points import rules as perms
from sanzhi.points.models import Entry, Evidence, Rule, RuleCategory, Scheme
from sanzhi.points.schemes import (
    CATEGORY_NAME_MAX,
    COUNCIL_MAX,
    ITEM_MAX,
    category_create,
    category_update,
    clean_cap,
    clean_code,
    clean_evidence,
    clean_points,
    clean_text,
    rule_create,
    rule_set_active,
    rule_update,
)

COL_CATEGORY_CODE, COL_CATEGORY, COL_CODE, COL_ITEM = "类别编码", "类别", "细则编码", "事项"
COL_MIN, COL_MAX, COL_EVIDENCE, COL_COUNCIL, COL_CAP, COL_ACTIVE = (
    "最低分值",
    "最高分值",
    "佐证要求",
    "审批机构",
    "每周期上限",
    "启用",
)
REQUIRED = [COL_CATEGORY_CODE, COL_CODE, COL_ITEM, COL_MIN]
OPTIONAL = [COL_CATEGORY, COL_MAX, COL_EVIDENCE, COL_COUNCIL, COL_CAP, COL_ACTIVE]
COLUMNS = [COL_CATEGORY_CODE, COL_CATEGORY, COL_CODE, COL_ITEM, COL_MIN, COL_MAX, *OPTIONAL[2:]]

_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "启用"}
_FALSE = {"否", "n", "no", "false", "0", "×", "✗", "停用"}
_INT = re.compile(r"^[+-]?\d+$")


@dataclass
class RuleImportReport(CodeImportReport):
    """积分细则导入的结果 (codes are rule codes) and the categories it created."""

    categories_created: list[str] = field(default_factory=list)

    def extra(self) -> dict[str, Any]:
        return {"categories_created": self.categories_created}


@dataclass
class _Line:
    row: int
    category_code: str = ""
    category_name: str = ""
    code: str = ""
    item: str = ""
    points_min: int | None = None
    points_max: int | None = None
    evidence: str = Evidence.NONE
    council: str = ""
    cap: int | None = None
    active: bool = True
    existing: Rule | None = None


def _int_cell(value: Cell) -> int | None:
    """An integer, or None when the cell is not one (floats with a fraction, words)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = text_cell(value).replace("＋", "+").replace("－", "-").replace("−", "-")
    return int(text) if _INT.match(text) else None


def _fail(check: RowChecker, row: int, column: str, exc: DomainError) -> None:
    message = exc._message  # lazy: rendered in the reader's language
    check.fail(row, column, exc.code, lambda: str(message))


_NOT_INT = gettext_noop("请填写整数")


def _read(path: Path, check: RowChecker, report: RuleImportReport) -> tuple[list[_Line], set[str]]:
    table = read_table(path, required=REQUIRED, optional=OPTIONAL)
    has = {c for c in table.columns if c in OPTIONAL}
    lines: list[_Line] = []
    for row in table:
        report.rows += 1
        v, n = row.values, row.number
        line = _Line(n)
        lines.append(line)
        for column, attr in ((COL_CATEGORY_CODE, "category_code"), (COL_CODE, "code")):
            raw, exact = code_cell(v.get(column))
            if not exact:
                check.fail(
                    n,
                    column,
                    "code_lost_precision",
                    row_message(gettext_noop("编码按数字保存，已丢失末位数字，请把该列设为文本格式")),
                )
                continue
            try:
                setattr(line, attr, clean_code(raw))
            except DomainError as exc:
                _fail(check, n, column, exc)
        try:
            line.category_name = clean_text(
                text_cell(v.get(COL_CATEGORY)), limit=CATEGORY_NAME_MAX, required=False
            )
        except DomainError as exc:
            _fail(check, n, COL_CATEGORY, exc)
        try:
            line.item = clean_text(text_cell(v.get(COL_ITEM)), limit=ITEM_MAX, field="item")
        except DomainError as exc:
            _fail(check, n, COL_ITEM, exc)
        low = _int_cell(v.get(COL_MIN))
        if low is None:
            check.fail(n, COL_MIN, "points_value_not_int", row_message(_NOT_INT))
        high_cell = v.get(COL_MAX)
        high = low if high_cell is None else _int_cell(high_cell)
        if high is None and high_cell is not None:
            check.fail(n, COL_MAX, "points_value_not_int", row_message(_NOT_INT))
        if low is not None and high is not None:
            try:
                line.points_min, line.points_max = clean_points(low, high)
            except DomainError as exc:
                _fail(check, n, COL_MAX if high_cell is not None else COL_MIN, exc)
        try:
            line.evidence = clean_evidence(text_cell(v.get(COL_EVIDENCE)))
        except DomainError as exc:
            _fail(check, n, COL_EVIDENCE, exc)
        try:
            line.council = clean_text(text_cell(v.get(COL_COUNCIL)), limit=COUNCIL_MAX, required=False)
        except DomainError as exc:
            _fail(check, n, COL_COUNCIL, exc)
        cap_cell = v.get(COL_CAP)
        if cap_cell is not None:
            cap = _int_cell(cap_cell)
            try:
                line.cap = clean_cap(-1 if cap is None else cap)
            except DomainError as exc:
                _fail(check, n, COL_CAP, exc)
        if COL_ACTIVE in has and v.get(COL_ACTIVE) is not None:
            flag = text_cell(v.get(COL_ACTIVE)).lower()
            if flag in _TRUE:
                line.active = True
            elif flag in _FALSE:
                line.active = False
            else:
                check.fail(n, COL_ACTIVE, "bad_flag", row_message(gettext_noop("请填写“是”或“否”")))
    return lines, has


def _validate(scheme: Scheme, lines: list[_Line], check: RowChecker) -> list[_Line]:
    by_code: dict[str, _Line] = {}
    category_names: dict[str, _Line] = {}
    for line in lines:
        if line.category_code and line.category_name:
            first = category_names.get(line.category_code)
            if first is None:
                category_names[line.category_code] = line
            elif first.category_name != line.category_name:
                check.fail(
                    line.row,
                    COL_CATEGORY,
                    "category_name_differs",
                    row_message(
                        gettext_noop("类别编码 {code} 在第 {row} 行的名称是“{name}”，两处须一致"),
                        code=line.category_code,
                        row=first.row,
                        name=first.category_name,
                    ),
                )
        if not line.code:
            continue
        first_rule = by_code.get(line.code)
        if first_rule is not None:
            check.fail(
                line.row,
                COL_CODE,
                "duplicate_code",
                row_message(gettext_noop("细则编码与第 {row} 行重复"), row=first_rule.row),
            )
            continue
        by_code[line.code] = line
    categories = {c.code: c for c in RuleCategory.objects.filter(scheme=scheme)}
    for line in lines:
        code = line.category_code
        if code and code not in categories and not line.category_name and code not in category_names:
            check.fail(
                line.row,
                COL_CATEGORY,
                "category_name_required",
                row_message(gettext_noop("类别编码 {code} 是新类别，请填写类别名称"), code=code),
            )
    existing = {r.code: r for r in Rule.objects.filter(scheme=scheme, code__in=list(by_code))}
    used = set(Entry.objects.filter(rule__in=existing.values()).values_list("rule_id", flat=True).distinct())
    for code, line in by_code.items():
        rule = existing.get(code)
        line.existing = rule
        if rule is None or rule.pk not in used or line.points_min is None:
            continue
        if (rule.points_min, rule.points_max) != (line.points_min, line.points_max):
            check.fail(
                line.row,
                COL_MIN,
                "points_rule_in_use",
                row_message(
                    gettext_noop(
                        "细则 {code} 已有积分记录，不能修改分值（原为 {low} 到 {high}）；"
                        "请停用它，并以新编码新建细则"
                    ),
                    code=code,
                    low=rule.points_min,
                    high=rule.points_max,
                ),
            )
        category = categories.get(line.category_code)
        if line.category_code and (category is None or category.pk != rule.category_id):
            check.fail(
                line.row,
                COL_CATEGORY_CODE,
                "points_rule_in_use",
                row_message(
                    gettext_noop("细则 {code} 已有积分记录，不能改到别的类别；请停用它，并以新编码新建细则"),
                    code=code,
                ),
            )
    return list(by_code.values())


def import_rules(*, actor: Any, scheme: Scheme, path: Path | str) -> RuleImportReport:
    """Create or update ``scheme``'s categories and rules from ``path``; on any bad row, nothing."""
    report = RuleImportReport()
    if actor is not None and not perms.can_manage(actor, scheme):
        report.file_error = Forbidden(_("您无权管理该辖区的积分方案"), code="forbidden")
        return report
    check = RowChecker(report.errors)
    try:
        lines, has = _read(Path(path), check, report)
    except TabularError as exc:
        report.file_error = exc
        return report
    ordered = _validate(scheme, lines, check)
    if report.errors:
        check.sort(COLUMNS)
        return report
    try:
        _apply(actor=actor, scheme=scheme, lines=ordered, has=has, report=report)
    except DomainError as exc:
        # A concurrent change between the check and the write (a rule used meanwhile): nothing written.
        report.created.clear()
        report.updated.clear()
        report.categories_created.clear()
        report.unchanged = 0
        report.file_error = exc
    return report


@transaction.atomic
def _apply(
    *, actor: Any, scheme: Scheme, lines: list[_Line], has: set[str], report: RuleImportReport
) -> None:
    categories = {c.code: c for c in RuleCategory.objects.filter(scheme=scheme)}
    for line in lines:
        category = categories.get(line.category_code)
        if category is None:
            category = category_create(
                actor=actor, scheme=scheme, code=line.category_code, name=line.category_name
            )
            categories[category.code] = category
            report.categories_created.append(category.code)
        elif line.category_name and line.category_name != category.name:
            category_update(actor=actor, category=category, name=line.category_name)
        assert line.points_min is not None and line.points_max is not None
        if line.existing is None:
            rule_create(
                actor=actor,
                scheme=scheme,
                category=category,
                code=line.code,
                item=line.item,
                points_min=line.points_min,
                points_max=line.points_max,
                evidence=line.evidence,
                council=line.council,
                cap_per_period=line.cap,
                active=line.active,
            )
            report.created.append(line.code)
            continue
        rule = line.existing
        changes: dict[str, Any] = {"item": line.item, "category": category}
        changes["points_min"], changes["points_max"] = line.points_min, line.points_max
        for column, attr, value in (
            (COL_EVIDENCE, "evidence", line.evidence),
            (COL_COUNCIL, "council", line.council),
            (COL_CAP, "cap_per_period", line.cap),
        ):
            if column in has:
                changes[attr] = value
        before = _fingerprint(rule)
        rule = rule_update(actor=actor, rule=rule, **changes)
        if COL_ACTIVE in has:
            rule = rule_set_active(actor=actor, rule=rule, active=line.active)
        if _fingerprint(rule) != before:
            report.updated.append(line.code)
        else:
            report.unchanged += 1
    audit_record(
        actor=actor,
        action="points.rule.import",
        subject=scheme,
        node_path=scheme.node_path,
        data={
            "created": len(report.created),
            "updated": len(report.updated),
            "unchanged": report.unchanged,
            "categories_created": len(report.categories_created),
        },
    )


def _fingerprint(rule: Rule) -> tuple[Any, ...]:
    return (
        rule.item,
        rule.category_id,
        rule.points_min,
        rule.points_max,
        rule.evidence,
        rule.council,
        rule.cap_per_period,
        rule.active,
    )


# ---------------------------------------------------------------- export


def export_rows(scheme: Scheme) -> list[list[str]]:
    """The scheme's catalog (stopped rules too) as import rows, header first."""
    rows = [list(COLUMNS)]
    for rule in (
        Rule.objects.filter(scheme=scheme)
        .select_related("category")
        .order_by("category__order", "category_id", "order", "id")
    ):
        rows.append(
            [
                rule.category.code,
                rule.category.name,
                rule.code,
                rule.item,
                str(rule.points_min),
                str(rule.points_max),
                str(Evidence(rule.evidence).label),
                rule.council,
                "" if rule.cap_per_period is None else str(rule.cap_per_period),
                _("是") if rule.active else _("否"),
            ]
        )
    return rows


def export_rules(*, scheme: Scheme, path: Path | str) -> int:
    """Write the catalog to .xlsx (every cell text) or .csv; returns the number of rules."""
    path = Path(path)
    rows = export_rows(scheme)
    if path.suffix.lower() == ".csv":
        # utf-8-sig: Excel in a Chinese locale opens a BOM-marked CSV as UTF-8 instead of GBK.
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
    else:
        write_xlsx(path, rows, sheet=_("积分细则"))
    return len(rows) - 1


def write_xlsx(target: Any, rows: list[list[str]], *, sheet: str) -> None:
    """``target``: a path or a binary file object. Every cell is text, so codes keep their zeros."""
    write_text_xlsx(target, rows, sheet=sheet, widths=[10, 12, 14, 40, 8, 8, 14, 12, 10, 6], freeze=(1, 3))


__all__ = ["COLUMNS", "RuleImportReport", "export_rows", "export_rules", "import_rules"]
