"""红黑榜公示 and 星级户 for anyone, without login: a node's latest red and black lists, its plaque
(挂牌) households, a period picker and how to appeal. A signed-in resident may appeal (异议) a list
inside its window about their own household.

Privacy: the lists' rows carry a masked name and the micro-grid only; the page never prints an
account id, an ID number, a phone or an address (the rows' ``account`` stays on the server, used
only to mark the signed-in user's own line).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.core.errors import DomainError, Forbidden, NotFound
from sanzhi.core.fields import subtree_q
from sanzhi.grids.models import Node
from sanzhi.people.codes import Relation
from sanzhi.people.models import Resident
from sanzhi.points.boards import appeal_file, board_get_public, boards_public, mask_person
from sanzhi.points.models import Account, Board, BoardAppeal, BoardKind, Scheme
from sanzhi.points.selectors import own_accounts_q
from sanzhi.points.stars import plaque_list
from sanzhi.web.views.common import console_view

PLAQUE_LIMIT = 100
PERIOD_CHOICES = 12


@dataclass
class BoardView:
    board: Board
    rows: list[dict[str, Any]]
    appeal_open: bool
    mine: bool  # the signed-in user has an account in the board's scheme
    my_appeals: list[BoardAppeal] = field(default_factory=list)

    @property
    def is_red(self) -> bool:
        return self.board.kind == BoardKind.RED


@dataclass
class PlaqueView:
    scheme: Scheme
    stars: int
    households: list[dict[str, Any]]


def public_name(account: Account, heads: dict[int, str]) -> str:
    """张*国户（1号楼联户单元）: the same shape as the lists' rows."""
    if account.household_id:
        head = heads.get(account.household_id, "")
        who = _("{name}户").format(name=mask_person(head)) if head else _("某户")
    elif account.resident_id and account.resident is not None:
        who = mask_person(account.resident.name)
    elif account.user is not None:
        who = mask_person(account.user.display_name or "")
    else:
        who = ""
    return f"{who}（{account.node.name}）"


def schemes_covering(node: Node) -> list[Scheme]:
    """Active schemes at the node, above it (a township's scheme covers its communities) or below
    it (a township's page shows its communities' star households)."""
    steplen = 4
    prefixes = [node.path[:i] for i in range(steplen, len(node.path), steplen)]
    return list(
        Scheme.objects.filter(
            Q(node_path__in=prefixes) | subtree_q("node_path", node.path), active=True
        ).order_by("node_path", "pk")
    )


def plaques(node: Node) -> list[PlaqueView]:
    out = []
    for scheme in schemes_covering(node):
        accounts = list(
            plaque_list(scheme)
            .filter(subtree_q("node_path", node.path))
            .select_related("node", "resident", "user")[:PLAQUE_LIMIT]
        )
        if not accounts:
            continue
        heads = dict(
            Resident.objects.filter(
                household_id__in=[a.household_id for a in accounts if a.household_id], relation=Relation.HEAD
            ).values_list("household_id", "name")
        )
        out.append(
            PlaqueView(
                scheme=scheme,
                stars=scheme.stars.count(),
                households=[
                    {"name": public_name(a, heads), "stars": getattr(a, "star_count", 0), "total": a.total}
                    for a in accounts
                ],
            )
        )
    return out


def periods_of(node: Node) -> list[str]:
    keys = Board.objects.filter(node=node).values_list("period", flat=True).distinct()
    # Keys sort as text within a kind (2026-11 > 2026-02, 2026Q4 > 2026Q1); newest first.
    return sorted(set(keys), reverse=True)[:PERIOD_CHOICES]


def _safe_row(row: dict[str, Any], own_ids: set[int]) -> dict[str, Any]:
    return {
        "rank": row.get("rank"),
        "name": row.get("name", ""),
        "points": row.get("points"),
        "reason": row.get("reason", ""),
        "own": row.get("account") in own_ids,
    }


def public_board(request: HttpRequest, code: str) -> HttpResponse:
    node = Node.objects.filter(code=code).first()
    if node is None:
        raise Http404(_("没有这个地方"))
    periods = periods_of(node)
    period = request.GET.get("period") or None
    if period is not None and period not in periods:
        period = None
    boards = boards_public(node, period)
    user = request.user
    own = list(Account.objects.filter(own_accounts_q(user)).values_list("pk", "scheme_id"))
    own_ids = {pk for pk, _s in own}
    own_schemes = {s for _pk, s in own}
    appeals: dict[int, list[BoardAppeal]] = {}
    if user.is_authenticated and boards:
        for appeal in BoardAppeal.objects.filter(board__in=boards, filed_by=user).order_by("filed_at"):
            appeals.setdefault(appeal.board_id, []).append(appeal)
    now = timezone.now()
    views = [
        BoardView(
            board=b,
            rows=[_safe_row(r, own_ids) for r in b.rows],
            appeal_open=b.published_at <= now <= b.appeal_until,
            mine=b.scheme_id in own_schemes,
            my_appeals=appeals.get(b.pk, []),
        )
        for b in boards
    ]
    shown = views[0].board.period if views else None
    context = {
        "node": node,
        "boards": views,
        "periods": periods,
        "period": shown,
        "plaques": plaques(node),
        "login_url": f"{reverse('web:login')}?{urlencode({'next': request.get_full_path()})}",
        "active": "points_public",
    }
    return render(request, "web/points/public/board.html", context)


@require_POST
@console_view
def public_appeal(request: HttpRequest, code: str, board_id: int) -> HttpResponse:
    """异议 on a list, about the user's own household (their line, or that it is missing)."""
    board = board_get_public(board_id)
    if board.node.code != code:
        raise NotFound(_("榜单不存在"), code="points_board_not_found")
    user = request.user
    account = Account.objects.filter(Q(scheme_id=board.scheme_id) & own_accounts_q(user)).first()
    try:
        if account is None:
            raise Forbidden(_("您只能对本户的积分提出异议"), code="forbidden")
        appeal_file(actor=user, board=board, account=account, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("异议已提交，社区将在异议期结束前核实处理，结果会在本页显示。"),
        )
    return redirect(
        f"{reverse('web:points_public_board', args=[code])}?period={board.period}#board-{board.pk}"
    )
