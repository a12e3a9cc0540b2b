"""诉求公开栏: a community's recent demands for anyone, without login (三务公开 in spirit).

Privacy (issue 3, item 10): title, category, state and dates only — never the reporter, the text, the
address, the phone or the exact place; phone-like numbers and the reporter's name are blanked out of
the title as well, since residents type them there.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.grids.models import Node, NodeKind
from sanzhi.tickets.models import Ticket
from sanzhi.tickets.states import FINAL_STATES, OPEN_STATES, State
from sanzhi.web.views.common import paginate

# Hidden from the board: a voided report (a prank, outside any remit) and a folded duplicate.
HIDDEN_STATES = (State.VOID, State.MERGED)
DONE_STATES = sorted({State.CLOSED, *FINAL_STATES} - set(HIDDEN_STATES))
# 6+ digits in a row (a phone, an ID number, a house number with its unit) and an ID's check letter.
_NUMBERS = re.compile(r"\d[\d\s-]{4,}\d[\dXx]?")
WINDOW_DAYS = 90


def public_title(ticket: Ticket) -> str:
    title = ticket.title
    for secret in (ticket.reporter_name, ticket.address, ticket.reporter_phone):
        if secret and len(secret) >= 2:
            title = title.replace(secret, "＊＊")
    return _NUMBERS.sub("＊＊", title)


def public_tickets(community: Node) -> QuerySet[Ticket]:
    """The board's rows: the community's tickets, newest first (ticket_community_idx), hidden ones out.

    An unscoped read on purpose — the public board shows every ticket of the community — so it
    selects only the columns the board may show."""
    return (
        Ticket.objects.filter(community=community)
        .exclude(state__in=HIDDEN_STATES)
        .select_related("category")
        .only(
            "id",
            "title",
            "state",
            "category__name",
            "created_at",
            "closed_at",
            "reporter_name",
            "address",
            "reporter_phone",
            "level",
        )
        .order_by("-created_at", "-id")
    )


def public_summary(community: Node, since: dt.datetime) -> dict[str, Any]:
    counts = (
        Ticket.objects.filter(community=community, created_at__gte=since)
        .exclude(state__in=HIDDEN_STATES)
        .aggregate(
            total=Count("id"),
            done=Count("id", filter=Q(state__in=DONE_STATES)),
            open=Count("id", filter=Q(state__in=sorted(OPEN_STATES))),
        )
    )
    return {**counts, "days": WINDOW_DAYS}


def public_board(request: HttpRequest, code: str) -> HttpResponse:
    community = Node.objects.filter(code=code, kind=NodeKind.VILLAGE).first()
    if community is None:
        raise Http404(_("没有这个社区/村"))
    page = paginate(request, public_tickets(community), per_page=30)
    rows = [
        {
            "title": public_title(t),
            "category": t.category.name if t.category_id else "",
            "state": t.get_state_display(),
            "state_key": t.state,
            "created_at": t.created_at,
            "closed_at": t.closed_at,
            "number": t.number,
        }
        for t in page.object_list
    ]
    since = timezone.now() - dt.timedelta(days=WINDOW_DAYS)
    context = {
        "community": community,
        "page": page,
        "rows": rows,
        "summary": public_summary(community, since),
        "active": "public",
    }
    # No shared caching: the page carries the signed-in user's menu and CSRF token when there is one.
    return render(request, "web/tickets/public_board.html", context)
