"""Node codes (区划与网格编码).

Administrative levels carry the 12-digit statistical division code (统计用区划代码: 2 province, 2 city,
2 county, 3 township, 3 village). Each grid level below the community/village appends 3 digits, so a
micro-grid in a second-level grid reads ``511923100201`` + ``003`` + ``012``.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from sanzhi.core.errors import ValidationFailed

ADMIN_CODE_LENGTH = 12
GRID_SEGMENT_LENGTH = 3
_DIGITS = re.compile(r"^\d+$")
ADMIN_LEVELS = ("province", "city", "county", "township", "village")
# Leading digits an administrative code's descendants share with it.
SIGNIFICANT_DIGITS = {"province": 2, "city": 4, "county": 6, "township": 9, "village": ADMIN_CODE_LENGTH}


def admin_kind_of(code: str) -> str:
    """Which administrative level a 12-digit code names, from its trailing zeros."""
    if code[2:] == "0000000000":
        return "province"
    if code[4:] == "00000000":
        return "city"
    if code[6:] == "000000":
        return "county"
    if code[9:] == "000":
        return "township"
    return "village"


def validate_code(code: str, *, kind: str, parent_code: str | None, parent_kind: str | None) -> None:
    """Raise ValidationFailed (code ``bad_node_code``) unless ``code`` fits its level and parent."""

    def fail(message: str) -> None:
        raise ValidationFailed(message, code="bad_node_code", data={"code": code})

    if not _DIGITS.match(code or ""):
        fail(_("编码只能由数字组成"))
    if kind == "grid":
        if parent_code is None or parent_kind not in {"village", "grid"}:
            fail(_("网格必须挂在社区/村或上级网格之下"))
        assert parent_code is not None
        if len(code) != len(parent_code) + GRID_SEGMENT_LENGTH or not code.startswith(parent_code):
            fail(_("网格编码应为上级编码 {parent} 加 3 位数字").format(parent=parent_code))
        if code.endswith("000"):
            fail(_("网格编码的末 3 位不能是 000"))
        return
    if len(code) != ADMIN_CODE_LENGTH:
        fail(_("行政区划编码应为 12 位数字"))
    actual = admin_kind_of(code)
    if actual != kind:
        fail(_("编码 {code} 的层级与所填层级不符").format(code=code))
    if parent_code is None:
        return
    if parent_kind == "grid" or len(parent_code) != ADMIN_CODE_LENGTH:
        fail(_("行政区划不能挂在网格之下"))
    # A child shares its parent's significant digits. Taking the count from the parent (not the
    # child) admits the real skips: 省直辖县级 (429004 仙桃 under 42 湖北) and cities without
    # counties whose townships hang directly under them (441900003 under 4419 东莞).
    parent_level = admin_kind_of(parent_code)
    shared = SIGNIFICANT_DIGITS[parent_level]
    if code[:shared] != parent_code[:shared] or ADMIN_LEVELS.index(parent_level) >= ADMIN_LEVELS.index(kind):
        fail(_("编码 {code} 不属于上级 {parent}").format(code=code, parent=parent_code))


def grid_suffix(code: str, parent_code: str) -> str:
    return code[len(parent_code) :]
