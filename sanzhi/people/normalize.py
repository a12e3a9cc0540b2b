"""Normalization before validation: what a clerk types or pastes is cleaned the same way everywhere."""

from __future__ import annotations

import re

# Full-width ASCII (U+FF01–U+FF5E) to half-width, ideographic space to nothing.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20
_STRIP_INNER = {ord(c): None for c in " \t\u00a0\u3000\u200b-"}
# These run several times per row of a million-row import; str.translate with a dict looks up every
# character, so the common case (nothing to fold) is detected first and returns the input as is.
_HAS_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]").search


def to_halfwidth(value: str) -> str:
    if value.isascii() or _HAS_FULLWIDTH(value) is None:
        return value
    return value.translate(_FULLWIDTH)


def normalize_id_number(value: str) -> str:
    """Trim, full-width to half-width, inner spaces and dashes removed, lowercase x to X."""
    if value.isascii() and value.isalnum():
        return value.upper()
    return to_halfwidth(value).translate(_STRIP_INNER).upper()


def normalize_text(value: str) -> str:
    """Trim and fold full-width ASCII; keeps inner single spaces (addresses, names of foreigners)."""
    return " ".join(to_halfwidth(value).split())
