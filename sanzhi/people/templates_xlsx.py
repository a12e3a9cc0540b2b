"""导入模板: the household sheet with notes per column, text-formatted ID and phone columns, one
example row, and a second sheet of allowed values (with drop-downs pointing at it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import xlsxwriter
from django.utils import translation
from django.utils.translation import gettext as _

from sanzhi.people.codes import (
    ETHNICITIES,
    Education,
    MaritalStatus,
    PoliticalStatus,
    Relation,
    ResidenceType,
)
from sanzhi.people.columns import COLUMN_NOTES, HOUSEHOLD_COLUMNS, Col
from sanzhi.people.idnumber import make_id_number
from sanzhi.people.models import Tag, TagSubject

DATA_SHEET = "户籍人口"
VALUES_SHEET = "可选值"
TEXT_COLUMNS = (Col.NUMBER, Col.NODE, Col.ID_NUMBER, Col.PHONE, Col.HEAD_ID)


def allowed_values() -> dict[str, list[str]]:
    """Column -> the labels an import accepts (codes are accepted as well)."""
    with translation.override("zh-hans"):
        tags = list(Tag.objects.order_by("sensitive", "code"))
        return {
            Col.RELATION: [str(c.label) for c in Relation],
            Col.ETHNICITY: list(ETHNICITIES.values()),
            Col.POLITICAL: [str(c.label) for c in PoliticalStatus],
            Col.EDUCATION: [str(c.label) for c in Education],
            Col.MARITAL: [str(c.label) for c in MaritalStatus],
            Col.RESIDENCE: [str(c.label) for c in ResidenceType],
            Col.HOUSEHOLD_TAGS: [t.name for t in tags if t.subject == TagSubject.HOUSEHOLD],
            Col.RESIDENT_TAGS: [t.name for t in tags if t.subject == TagSubject.RESIDENT],
        }


def _example(node_code: str) -> dict[str, str]:
    return {
        Col.NUMBER: "示例0001",
        Col.NODE: node_code,
        Col.ADDRESS: "幸福路1号1栋101",
        Col.RELATION: "户主",
        Col.NAME: "张三",
        Col.ID_NUMBER: make_id_number("110101", dt.date(1980, 1, 1), 1),
        Col.PHONE: "13800138000",
        Col.ETHNICITY: "汉族",
        Col.POLITICAL: "群众",
        Col.EDUCATION: "普通高级中学",
        Col.MARITAL: "已婚",
        Col.OCCUPATION: "个体",
        Col.RESIDENCE: "户籍人口",
        Col.REGISTERED_ADDRESS: "北京市东城区",
        Col.HOUSEHOLD_TAGS: "",
        Col.RESIDENT_TAGS: "",
    }


def write_template(out: Path, *, example_node_code: str = "") -> Path:
    """Write the template to ``out``; ``example_node_code`` fills the example row's 网格编码."""
    out = Path(out)
    values = allowed_values()
    with translation.override("zh-hans"):
        workbook = xlsxwriter.Workbook(str(out))
        try:
            _write(workbook, values, example_node_code)
        finally:
            workbook.close()
    return out


def _write(workbook: xlsxwriter.Workbook, values: dict[str, list[str]], node_code: str) -> None:
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    example_fmt = workbook.add_format({"num_format": "@", "font_color": "#7F7F7F", "italic": True})
    sheet = workbook.add_worksheet(DATA_SHEET)
    lists = workbook.add_worksheet(VALUES_SHEET)

    for col, name in enumerate(values):
        lists.write_string(0, col, name, header)
        for row, value in enumerate(values[name], start=1):
            lists.write_string(row, col, value)
        lists.set_column(col, col, 16)

    example = _example(node_code or _("请填写网格编码"))
    value_columns = list(values)
    for col, name in enumerate(HOUSEHOLD_COLUMNS):
        is_text = name in TEXT_COLUMNS
        sheet.set_column(
            col,
            col,
            22 if is_text or name in (Col.ADDRESS, Col.REGISTERED_ADDRESS) else 12,
            text if is_text else None,
        )
        sheet.write_string(0, col, name, header)
        sheet.write_comment(0, col, str(COLUMN_NOTES[name]), {"x_scale": 2, "y_scale": 1.5})
        sheet.write_string(1, col, example[name], example_fmt)
        if name in values and name not in (Col.HOUSEHOLD_TAGS, Col.RESIDENT_TAGS):
            letter = xlsxwriter.utility.xl_col_to_name(value_columns.index(name))
            sheet.data_validation(
                1,
                col,
                100_000,
                col,
                {
                    "validate": "list",
                    "source": f"='{VALUES_SHEET}'!${letter}$2:${letter}${len(values[name]) + 1}",
                    "error_type": "warning",
                },
            )
    sheet.write_comment(1, 0, _("示例行：导入前请删除或改成真实数据"), {"x_scale": 2})
    sheet.freeze_panes(1, 0)
