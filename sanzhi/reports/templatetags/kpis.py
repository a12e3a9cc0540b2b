"""Template filters for the KPI pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """0.8125 → "81.3%"; no value (nothing to count) → "—"."""
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def rate_of(counts: Any, name: str) -> float | None:
    value: float | None = getattr(counts, name, None)
    return value


@register.filter
def rank_of(ranks: dict[str, int | None], name: str) -> int | None:
    return ranks.get(name)
