"""Template helpers for the console layout: which navigation entries this user gets."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from sanzhi.accounts.roles import Capability, Role
from sanzhi.accounts.scoping import assignments_of
from sanzhi.grids.selectors import node_roots_for

register = template.Library()


@register.simple_tag(takes_context=True)
def console_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    tree_url = ""
    if user.has_perm(Capability.VIEW_TREE):
        roots = list(node_roots_for(user=user)[:2])
        # One place in scope: go straight to it; several: the home page lists them.
        tree_url = reverse("web:node", args=[roots[0].code]) if len(roots) == 1 else reverse("web:home")
    labels = dict(Role.choices)
    return {
        "tree_url": tree_url,
        "registry": user.has_perm(Capability.VIEW_REGISTRY),
        "import": user.has_perm(Capability.IMPORT_REGISTRY),
        "coverage": user.has_perm(Capability.VIEW_COVERAGE),
        "calendar": user.has_perm(Capability.MANAGE_CALENDAR),
        "kpis": user.has_perm(Capability.VIEW_KPIS),
        "categories": user.has_perm(Capability.MANAGE_CATEGORIES),
        "points": user.has_perm(Capability.VIEW_POINTS),
        "deliberation": user.has_perm(Capability.VIEW_MATTERS),
        "approvals": user.has_perm(Capability.APPROVE_MATTERS),
        "roles": sorted({str(labels.get(role, role)) for role, _p, _n in assignments_of(user)}),
    }


@register.filter
def phone_display(value: str) -> str:
    """+8613812345678 → 13812345678: staff dial mainland numbers without the country code."""
    return value[3:] if value and value.startswith("+86") else value
