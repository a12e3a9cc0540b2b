"""PII masking as shown to anyone whose role does not grant the reveal (身份证号/手机号脱敏)."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """110101199003071234 → 110101********1234 (region kept, birth date hidden)."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * (len(value) - 2)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(e164: str) -> str:
    """+8613812345678 → 138****5678; other numbers keep the first 3 and last 4 digits."""
    if not e164:
        return ""
    digits = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(digits) <= 7:
        return digits[:2] + "*" * (len(digits) - 2)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_name(value: str) -> str:
    """张三丰 → 张**: used where a list is shown to someone without registry access."""
    return value[:1] + "*" * (len(value) - 1) if value else ""
