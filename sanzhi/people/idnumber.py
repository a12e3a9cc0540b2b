"""Chinese ID numbers (公民身份号码, GB 11643-1999) and the permits built on the same structure.

Hard rules: 18 characters, MOD 11-2 check character, a real birth date not in the future.
Soft rule: the 6-digit region code is in GB/T 2260 (a warning only: codes change, and a number
issued under an old code stays valid for life).
Accepted as well: 港澳居民居住证 (810000/820000), 台湾居民居住证 (830000), and the 2023
外国人永久居留身份证 whose first digit is 9; all carry the same check character.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sanzhi.people.normalize import normalize_id_number

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_DIGITS = frozenset("0123456789")


class IdKind:
    RESIDENT = "resident_id"  # 居民身份证
    HK_MACAU_PERMIT = "hk_macau_permit"  # 港澳居民居住证
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民居住证
    FOREIGNER_PR = "foreigner_pr"  # 外国人永久居留身份证


@dataclass
class IdCheck:
    value: str
    kind: str = IdKind.RESIDENT
    sex: str = ""  # "M" / "F"
    birth_date: dt.date | None = None
    error_code: str = ""
    error: str | Promise = ""
    warnings: list[str | Promise] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error_code


def check_character(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


@cache
def known_regions() -> frozenset[str]:
    text = resources.files("sanzhi.people").joinpath("data/gb2260.tsv").read_text(encoding="utf-8")
    return frozenset(line[:6] for line in text.splitlines() if line and not line.startswith("#"))


def check_id_number(raw: str, *, today: dt.date | None = None) -> IdCheck:
    value = normalize_id_number(raw)
    result = IdCheck(value=value)

    def fail(code: str, message: str | Promise) -> IdCheck:
        result.error_code, result.error = code, message
        return result

    if not value:
        return fail("id_required", _("身份证号不能为空"))
    if len(value) == 15 and set(value) <= _DIGITS:
        return fail("id_legacy_15", _("这是 15 位旧身份证号，请填写 18 位号码"))
    if len(value) != 18:
        return fail("id_length", _("身份证号应为 18 位，实际为 {n} 位").format(n=len(value)))
    body, last = value[:17], value[17]
    if not set(body) <= _DIGITS or (last not in _DIGITS and last != "X"):
        return fail("id_chars", _("身份证号前 17 位应为数字，末位为数字或 X"))
    if check_character(body) != last:
        return fail("id_checksum", _("身份证号校验码不正确（末位应为 {c}）").format(c=check_character(body)))
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return fail("id_birth_date", _("身份证号中的出生日期 {d} 不存在").format(d=value[6:14]))
    today = today or dt.date.today()  # noqa: DTZ011 - a birth date is a calendar date, not an instant
    if born > today or born.year < 1880:
        return fail("id_birth_date", _("身份证号中的出生日期 {d} 不合理").format(d=value[6:14]))
    result.birth_date = born
    result.sex = "M" if int(value[16]) % 2 else "F"
    region = value[:6]
    if value[0] == "9":
        result.kind = IdKind.FOREIGNER_PR
    elif region in ("810000", "820000"):
        result.kind = IdKind.HK_MACAU_PERMIT
    elif region == "830000":
        result.kind = IdKind.TAIWAN_PERMIT
    elif region not in known_regions():
        result.warnings.append(_("行政区划代码 {r} 不在 GB/T 2260 代码表中，请核对").format(r=region))
    return result


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid number (synthetic data, tests): region + birth date + 3-digit order + check."""
    body = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + check_character(body)
