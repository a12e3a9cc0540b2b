"""Navigation entries of the demand (诉求) pages, apart from console_nav so their edits don't collide."""

from __future__ import annotations

from typing import Any

from django import template

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.tickets.notifications import unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def tickets_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from sanzhi.web.views.tickets import is_ticket_staff, own_household

    staff = is_ticket_staff(user)
    report = own_household(user) is not None
    return {
        "queue": staff,
        "intake": not scope_for(user, Capability.REPORT_TICKETS).empty,
        "report": report,
        "mine": report or not staff,
        "unread": unread_count(user=user),
    }


@register.filter
def unread_badge(count: int) -> str:
    return "99+" if count > 99 else str(count)


STATE_CSS = {
    "reported": "text-bg-secondary",
    "registered": "text-bg-info",
    "dispatched": "text-bg-primary",
    "in_progress": "text-bg-warning",
    "resolved": "text-bg-info",
    "closed": "text-bg-success",
    "rated": "text-bg-success",
    "suspended": "text-bg-light border",
    "void": "text-bg-dark",
    "merged": "text-bg-dark",
}


@register.filter
def state_css(state: str) -> str:
    return STATE_CSS.get(state, "text-bg-secondary")
