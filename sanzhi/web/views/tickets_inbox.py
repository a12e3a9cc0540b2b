"""站内消息: the user's inbox (a ticket sent to them, escalated, overdue …), marked read on request."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.core.errors import ValidationFailed
from sanzhi.tickets.notifications import notification_mark_all_read, notification_mark_read, unread_count
from sanzhi.tickets.selectors import inbox_for
from sanzhi.web.views.common import console_view, is_htmx, paginate, render_page_or_fragment

PAGE = "web/tickets/inbox.html"
FRAGMENT = "web/tickets/partials/inbox_list.html"


def _context(request: HttpRequest, notice: str = "") -> dict[str, object]:
    unread_only = request.GET.get("unread") == "1"
    page = paginate(request, inbox_for(user=request.user, unread_only=unread_only), per_page=30)
    return {
        "page": page,
        "unread_only": unread_only,
        "unread": unread_count(user=request.user),
        "notice": notice,
        "active": "inbox",
    }


@console_view
def inbox(request: HttpRequest) -> HttpResponse:
    return render_page_or_fragment(request, PAGE, FRAGMENT, _context(request))


@require_POST
@console_view
def inbox_read(request: HttpRequest) -> HttpResponse:
    """标为已读: one message (``id``) or all of them (``all=1``)."""
    try:
        if request.POST.get("all") == "1":
            count = notification_mark_all_read(actor=request.user)
        else:
            count = notification_mark_read(actor=request.user, ids=request.POST.getlist("id"))
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect("web:inbox")
    notice = _("已标为已读 {n} 条").format(n=count)
    if not is_htmx(request):
        messages.success(request, notice)
        return redirect("web:inbox")
    return render_page_or_fragment(request, PAGE, FRAGMENT, _context(request, notice))
