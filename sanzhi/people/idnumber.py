"""Chinese ID numbers (公民身份号码, GB 11643-1999) and the permits built on the same structure.

Hard rules: 18 characters, MOD 11-2 check character, a real birth date not in the future.
Soft rule: the 6-digit region code is in GB/T 2260 (a warning only: codes change, and a number
issued under an old code stays valid for life).
Accepted as well: 港澳居民居住证 (810000/820000), 台湾居民居住证 (830000), and the 2023
外国人永久居留身份证 whose first digit is 9; all carry the same check character.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from operator import mul

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sanzhi.people.normalize import normalize_id_number

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# Summing weights times ASCII codes and subtracting this gives the weighted digit sum without int().
_ASCII_OFFSET = 48 * sum(_WEIGHTS)
# Birth dates repeat (some 40,000 distinct days in a century): parsing each once keeps a million-row
# import from building a million date objects.
_BIRTH_DATES: dict[str, dt.date | None] = {}


class IdKind:
    RESIDENT = "resident_id"  # 居民身份证
    HK_MACAU_PERMIT = "hk_macau_permit"  # 港澳居民居住证
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民居住证
    FOREIGNER_PR = "foreigner_pr"  # 外国人永久居留身份证


_PERMIT_KINDS = {
    "810000": IdKind.HK_MACAU_PERMIT,
    "820000": IdKind.HK_MACAU_PERMIT,
    "830000": IdKind.TAIWAN_PERMIT,
}


@dataclass(slots=True)
class IdCheck:
    value: str
    kind: str = IdKind.RESIDENT
    sex: str = ""  # "M" / "F"
    birth_date: dt.date | None = None
    error_code: str = ""
    error: str | Promise = ""
    warnings: tuple[str | Promise, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.error_code


def check_character(first17: str) -> str:
    total = sum(map(mul, first17.encode("ascii"), _WEIGHTS)) - _ASCII_OFFSET
    return _CHECK[total % 11]


def _is_clean(value: str) -> bool:
    """Already normalized: 18 ASCII characters, 17 digits then a digit or X (the common case)."""
    return (
        len(value) == 18
        and value.isascii()
        and value[:17].isdigit()
        and (value[17].isdigit() or value[17] == "X")
    )


def _birth_date(digits: str) -> dt.date | None:
    try:
        return _BIRTH_DATES[digits]
    except KeyError:
        pass
    try:
        born: dt.date | None = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        born = None
    if len(_BIRTH_DATES) < 100_000:
        _BIRTH_DATES[digits] = born
    return born


_REGIONS: frozenset[str] = frozenset()


def known_regions() -> frozenset[str]:
    global _REGIONS
    if not _REGIONS:
        text = resources.files("sanzhi.people").joinpath("data/gb2260.tsv").read_text(encoding="utf-8")
        _REGIONS = frozenset(line[:6] for line in text.splitlines() if line and not line.startswith("#"))
    return _REGIONS


def _failed(value: str, code: str, message: str | Promise) -> IdCheck:
    return IdCheck(value=value, error_code=code, error=message)


def check_id_number(raw: str, *, today: dt.date | None = None) -> IdCheck:
    """Validate one number. Runs once per imported row, so the common clean case is kept short."""
    if _is_clean(raw):
        value = raw
    else:
        value = normalize_id_number(raw)
        if not value:
            return _failed(value, "id_required", _("身份证号不能为空"))
        if len(value) == 15 and value.isdigit():
            return _failed(value, "id_legacy_15", _("这是 15 位旧身份证号，请填写 18 位号码"))
        if len(value) != 18:
            return _failed(value, "id_length", _("身份证号应为 18 位，实际为 {n} 位").format(n=len(value)))
        if not _is_clean(value):
            return _failed(value, "id_chars", _("身份证号前 17 位应为数字，末位为数字或 X"))
    expected = check_character(value[:17])
    if expected != value[17]:
        return _failed(value, "id_checksum", _("身份证号校验码不正确（末位应为 {c}）").format(c=expected))
    born = _birth_date(value[6:14])
    if born is None:
        return _failed(value, "id_birth_date", _("身份证号中的出生日期 {d} 不存在").format(d=value[6:14]))
    if today is None:
        today = dt.date.today()  # noqa: DTZ011 - a birth date is a calendar date, not an instant
    if born > today or born.year < 1880:
        return _failed(value, "id_birth_date", _("身份证号中的出生日期 {d} 不合理").format(d=value[6:14]))
    sex = "M" if value[16] in "13579" else "F"
    region = value[:6]
    if value[0] == "9":
        return IdCheck(value, IdKind.FOREIGNER_PR, sex, born)
    if region in _PERMIT_KINDS:
        return IdCheck(value, _PERMIT_KINDS[region], sex, born)
    if region not in (_REGIONS or known_regions()):
        warning = _("行政区划代码 {r} 不在 GB/T 2260 代码表中，请核对").format(r=region)
        return IdCheck(value, IdKind.RESIDENT, sex, born, warnings=(warning,))
    return IdCheck(value, IdKind.RESIDENT, sex, born)


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (synthetic data, tests): region + birth date + 3-digit order + check."""
    body = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + check_character(body)
