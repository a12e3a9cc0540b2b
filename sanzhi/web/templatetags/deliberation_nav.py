"""Navigation entry of the resident deliberation pages (公示、评价、说事、我的会议)."""

from __future__ import annotations

from typing import Any

from django import template

from sanzhi.deliberation import rules
from sanzhi.deliberation.selectors_meetings import meetings_of_member

register = template.Library()


@register.simple_tag(takes_context=True)
def delib_mine_nav(context: template.Context) -> bool:
    """A registered resident (notices, ratings, sayings) or a member of a body (their meetings)."""
    request = context.get("request")
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return rules.resident_of(user) is not None or meetings_of_member(user=user).exists()
