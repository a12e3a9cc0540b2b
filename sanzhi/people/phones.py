"""Phone numbers, stored E.164 (+8613812345678). Mainland mobiles take a fast path; the rest go
through libphonenumber with CN as the default region."""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sanzhi.people.normalize import to_halfwidth

_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
_STRIP = {ord(c): None for c in " -()\t\u00a0\u3000"}


@dataclass
class PhoneCheck:
    value: str  # E.164, "" when the input was empty
    error_code: str = ""
    error: str | Promise = ""

    @property
    def ok(self) -> bool:
        return not self.error_code


def check_phone(raw: str) -> PhoneCheck:
    if raw and len(raw) == 11 and raw.isascii() and raw.isdigit() and raw[0] == "1" and raw[1] in "3456789":
        return PhoneCheck("+86" + raw)  # the usual mobile, as typed: the regex below says the same
    text = to_halfwidth(raw or "").translate(_STRIP)
    if not text:
        return PhoneCheck("")
    if m := _MOBILE.match(text):
        return PhoneCheck("+86" + m.group(1))
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return PhoneCheck("", "phone_invalid", _("电话号码 {p} 无法识别").format(p=raw.strip()))
    if not phonenumbers.is_valid_number(parsed):
        return PhoneCheck("", "phone_invalid", _("电话号码 {p} 不是有效号码").format(p=raw.strip()))
    return PhoneCheck(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
