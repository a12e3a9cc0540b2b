"""Row validation for the household import: one spreadsheet row in, clean values or RowErrors out.

This is the hot loop of a million-row import, so code tables are turned into dicts once and every
row does only dict lookups, the ID-number check and the phone check. Messages are kept as
(msgid, params) and rendered later in whichever language the report is asked for.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sanzhi.core.tabular import Cell
from sanzhi.people.codes import (
    ETHNICITIES,
    Education,
    IdType,
    MaritalStatus,
    PoliticalStatus,
    Relation,
    ResidenceType,
    lookup,
)
from sanzhi.people.columns import Col
from sanzhi.people.idnumber import IdKind, check_id_number
from sanzhi.people.models import Tag, TagSubject
from sanzhi.people.normalize import normalize_id_number, normalize_text
from sanzhi.people.phones import check_phone

# Every message an import can report, by code. The ID-number and phone messages repeat the msgids of
# people.idnumber / people.phones so one catalog entry serves both.
MESSAGES: dict[str, Promise] = {
    "required": _("{column}不能为空"),
    "too_long": _("{column}不能超过 {n} 个字"),
    "bad_code": _("{column}“{value}”不是有效的取值"),
    "unknown_tag": _("标签“{value}”不存在或不适用于{subject}"),
    "id_number_is_number": _("身份证号被 Excel 存成了数字，末几位已经丢失；请把该列设为文本格式后重新录入"),
    "id_not_text": _("身份证号应为文本"),
    "id_required": _("身份证号不能为空"),
    "id_legacy_15": _("这是 15 位旧身份证号，请填写 18 位号码"),
    "id_length": _("身份证号应为 18 位，实际为 {n} 位"),
    "id_chars": _("身份证号前 17 位应为数字，末位为数字或 X"),
    "id_checksum": _("身份证号校验码不正确（末位应为 {c}）"),
    "id_birth_date": _("身份证号中的出生日期 {d} 不合理"),
    "id_region_unknown": _("行政区划代码 {r} 不在 GB/T 2260 代码表中，请核对"),
    "phone_invalid": _("电话号码 {p} 不是有效号码"),
    "node_code_is_number": _("网格编码被 Excel 存成了数字，可能已丢失位数；请把该列设为文本格式后重新录入"),
    "node_required": _("请填写网格编码"),
    "node_not_found": _("网格编码 {code} 不存在"),
    "node_outside": _("网格 {code} 不在导入范围 {into} 之内"),
    "node_cannot_hold": _("户只能登记在社区/村或网格之下，{code} 不可以"),
    "node_forbidden": _("您没有在网格 {code} 导入户籍人口的权限"),
    "household_key_required": _("请填写户编号，或填写户主身份证号以便分户"),
    "household_conflict": _("同一户的{column}与第 {row} 行不一致"),
    "household_not_adjacent": _("户 {key} 的各行须相邻排列（该户已在第 {row} 行出现）"),
    "household_no_head": _("户 {key} 没有户主"),
    "household_many_heads": _("户 {key} 有 {n} 名户主，每户只能有一名"),
    "household_number_taken": _("户编号 {number} 已在系统中登记"),
    "household_rejected": _("同户第 {rows} 行有错误，整户未导入"),
    "id_duplicate_in_file": _("身份证号与第 {row} 行重复"),
    "id_taken": _("身份证号 {masked} 已在系统中登记"),
}

ID_KIND_TO_TYPE = {
    IdKind.RESIDENT: IdType.RESIDENT_ID,
    IdKind.HK_MACAU_PERMIT: IdType.HK_MACAU_PERMIT,
    IdKind.TAIWAN_PERMIT: IdType.TAIWAN_PERMIT,
    IdKind.FOREIGNER_PR: IdType.FOREIGNER_PR,
}
# What normalize_text would change in a stripped cell: whitespace (runs, tabs, ideographic space)
# and full-width ASCII. A cell without any of them is returned by it unchanged.
_NOT_NORMAL = re.compile("[\\s\uff01-\uff5e]").search
_TAG_SPLIT = re.compile(r"[、,，;；/\s]+")
# Excel keeps 15 significant digits: a code with more digits stored as a number is already damaged.
_EXACT_NUMBER_LIMIT = 10**15


@dataclass(slots=True)
class RowError:
    """One problem with one cell (or one row when ``column`` is ""). ``level`` is error or warning."""

    row: int
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    level: str = "error"

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code]).format(**self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "level": self.level,
            "message": self.message,
        }


@dataclass(slots=True)
class CleanRow:
    """A valid row: the household fields as given on this row, and the resident's values."""

    number: int
    household_number: str | None
    head_id: str | None
    node_code: str | None
    address: str | None
    household_tag_ids: tuple[int, ...] | None
    resident: dict[str, Any]
    id_key: int


def _code_map(choices: Any) -> dict[str, str]:
    """text -> stored code, exactly as codes.lookup answers, for every text lookup accepts."""
    items = choices.items() if isinstance(choices, dict) else [(c.value, str(c.label)) for c in choices]
    texts = {code for code, _label in items} | {label for _code, label in items}
    texts |= {label[:-1] for _code, label in items if label.endswith("族")}
    mapping = {}
    for text in texts:
        code = lookup(choices, text)
        if code is not None:
            mapping[text] = code
    return mapping


class RowValidator:
    """Turns a Row's cells into a CleanRow, collecting RowErrors (and warnings) into ``errors``."""

    def __init__(self, *, today: dt.date | None = None) -> None:
        # Labels are matched in Chinese whatever the caller's language is: the sheet is Chinese.
        with translation.override("zh-hans"):
            self.relations = _code_map(Relation)
            self.ethnicities = _code_map(ETHNICITIES)
            self.political = _code_map(PoliticalStatus)
            self.education = _code_map(Education)
            self.marital = _code_map(MaritalStatus)
            self.residence = _code_map(ResidenceType)
        self.head = Relation.HEAD.value
        self.tags: dict[str, dict[str, int]] = {TagSubject.HOUSEHOLD: {}, TagSubject.RESIDENT: {}}
        for tag in Tag.objects.all():
            self.tags[tag.subject][tag.name] = tag.pk
            self.tags[tag.subject][tag.code] = tag.pk
        self.today = today or dt.date.today()  # noqa: DTZ011 - birth dates are calendar dates
        self._tag_cache: dict[tuple[str, str], tuple[int, ...] | str] = {}

    def validate(self, number: int, v: dict[str, Cell], errors: list[RowError]) -> CleanRow | None:
        start = len(errors)
        name = self._text(number, v, Col.NAME, 50, errors, required=True)
        id_number, id_key, id_type, sex, birth = self._id_number(number, v.get(Col.ID_NUMBER), errors)
        relation = self._code(number, v, Col.RELATION, self.relations, errors, required=True)
        phone = self._phone(number, v.get(Col.PHONE), errors)
        ethnicity = self._code(number, v, Col.ETHNICITY, self.ethnicities, errors) or "01"
        political = self._code(number, v, Col.POLITICAL, self.political, errors) or "13"
        education = self._code(number, v, Col.EDUCATION, self.education, errors) or ""
        marital = self._code(number, v, Col.MARITAL, self.marital, errors) or ""
        residence = self._code(number, v, Col.RESIDENCE, self.residence, errors) or "registered"
        occupation = self._text(number, v, Col.OCCUPATION, 60, errors) or ""
        registered = self._text(number, v, Col.REGISTERED_ADDRESS, 200, errors) or ""
        resident_tags = self._tags(number, v.get(Col.RESIDENT_TAGS), TagSubject.RESIDENT, errors)
        household_tags = self._tags(number, v.get(Col.HOUSEHOLD_TAGS), TagSubject.HOUSEHOLD, errors)
        household_number = self._text(number, v, Col.NUMBER, 32, errors)
        address = self._text(number, v, Col.ADDRESS, 200, errors)
        node_code = self._node_code(number, v.get(Col.NODE), errors)
        head_raw = v.get(Col.HEAD_ID)
        head_id = normalize_id_number(str(head_raw)) if isinstance(head_raw, str) else None
        if len(errors) > start and any(e.level == "error" for e in errors[start:]):
            return None
        return CleanRow(
            number=number,
            household_number=household_number,
            head_id=head_id,
            node_code=node_code,
            address=address,
            household_tag_ids=household_tags if v.get(Col.HOUSEHOLD_TAGS) is not None else None,
            resident={
                "name": name,
                "id_type": id_type,
                "id_number": id_number,
                "sex": sex,
                "birth_date": birth,
                "phone": phone,
                "relation": relation,
                "ethnicity": ethnicity,
                "political_status": political,
                "education": education,
                "marital_status": marital,
                "occupation": occupation,
                "residence_type": residence,
                "registered_address": registered,
                "tag_ids": resident_tags,
            },
            id_key=id_key,
        )

    @staticmethod
    def _text(
        number: int,
        v: dict[str, Cell],
        column: str,
        limit: int,
        errors: list[RowError],
        required: bool = False,
    ) -> str | None:
        raw = v.get(column)
        if raw is None:
            if required:
                errors.append(RowError(number, column, "required", {"column": column}))
            return None
        text = raw if isinstance(raw, str) else _plain(raw)
        if _NOT_NORMAL(text) is not None:  # most cells are already as normalize_text leaves them
            text = normalize_text(text)
        if len(text) > limit:
            errors.append(RowError(number, column, "too_long", {"column": column, "n": limit}))
        return text or None

    @staticmethod
    def _code(
        number: int,
        v: dict[str, Cell],
        column: str,
        mapping: dict[str, str],
        errors: list[RowError],
        required: bool = False,
    ) -> str | None:
        raw = v.get(column)
        if raw is None:
            if required:
                errors.append(RowError(number, column, "required", {"column": column}))
            return None
        text = raw if isinstance(raw, str) else _plain(raw)
        code = mapping.get(text)
        if code is None:
            code = mapping.get(normalize_text(text))
            if code is None:
                errors.append(RowError(number, column, "bad_code", {"column": column, "value": text}))
        return code

    def _id_number(
        self, number: int, raw: Cell, errors: list[RowError]
    ) -> tuple[str, int, str, str, dt.date | None]:
        column = Col.ID_NUMBER
        if raw is None:
            errors.append(RowError(number, column, "id_required"))
            return "", 0, "", "", None
        if isinstance(raw, (int, float)):
            errors.append(RowError(number, column, "id_number_is_number"))
            return "", 0, "", "", None
        if not isinstance(raw, str):
            errors.append(RowError(number, column, "id_not_text"))
            return "", 0, "", "", None
        checked = check_id_number(raw, today=self.today)
        value = checked.value
        if not checked.ok:
            code = checked.error_code
            params: dict[str, Any] = {}
            if code == "id_length":
                params["n"] = len(value)
            elif code == "id_checksum":
                from sanzhi.people.idnumber import check_character

                params["c"] = check_character(value[:17])
            elif code == "id_birth_date":
                params["d"] = value[6:14]
            errors.append(RowError(number, column, code if code in MESSAGES else "id_chars", params))
            return "", 0, "", "", None
        if checked.warnings:
            errors.append(RowError(number, column, "id_region_unknown", {"r": value[:6]}, level="warning"))
        # The first 17 digits decide the check character, so they identify the number.
        return value, int(value[:17]), ID_KIND_TO_TYPE[checked.kind], checked.sex, checked.birth_date

    @staticmethod
    def _phone(number: int, raw: Cell, errors: list[RowError]) -> str:
        if raw is None:
            return ""
        text = raw if isinstance(raw, str) else _plain(raw)
        checked = check_phone(text)
        if not checked.ok:
            errors.append(RowError(number, Col.PHONE, "phone_invalid", {"p": text.strip()}))
        return checked.value

    def _tags(self, number: int, raw: Cell, subject: str, errors: list[RowError]) -> tuple[int, ...]:
        if raw is None:
            return ()
        text = raw if isinstance(raw, str) else _plain(raw)
        cached = self._tag_cache.get((subject, text))
        if cached is None:
            names = [n for n in _TAG_SPLIT.split(normalize_text(text)) if n]
            known = self.tags[subject]
            missing = [n for n in names if n not in known]
            cached = missing[0] if missing else tuple(dict.fromkeys(known[n] for n in names))
            self._tag_cache[(subject, text)] = cached
        if isinstance(cached, str):
            column = Col.RESIDENT_TAGS if subject == TagSubject.RESIDENT else Col.HOUSEHOLD_TAGS
            label = TagSubject(subject).label  # lazy: rendered in the report's language
            errors.append(RowError(number, column, "unknown_tag", {"value": cached, "subject": label}))
            return ()
        return cached

    @staticmethod
    def _node_code(number: int, raw: Cell, errors: list[RowError]) -> str | None:
        if raw is None:
            return None
        if isinstance(raw, float) or (isinstance(raw, int) and raw >= _EXACT_NUMBER_LIMIT):
            errors.append(RowError(number, Col.NODE, "node_code_is_number"))
            return None
        return normalize_id_number(raw if isinstance(raw, str) else _plain(raw))


def _plain(value: Cell) -> str:
    """A non-text cell as the clerk typed it (a whole number without '.0', a date as ISO)."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
