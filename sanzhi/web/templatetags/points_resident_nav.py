"""Navigation entry of the resident points pages (我的积分), apart from console_nav so edits don't collide."""

from __future__ import annotations

from typing import Any

from django import template

from sanzhi.points.models import Account
from sanzhi.points.selectors import own_accounts_q

register = template.Library()


@register.simple_tag(takes_context=True)
def points_mine_nav(context: template.Context) -> bool:
    """Whether the user holds a points account of their own (their household's or theirs)."""
    request = context.get("request")
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return Account.objects.filter(own_accounts_q(user)).exists()
