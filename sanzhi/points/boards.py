"""红黑榜: per period and node, a red list (the top earners) and a black list (the approved
deductions), published as immutable snapshots with an appeal window (公示 / 异议期).

A published board is never changed: its ``rows`` and their ``content_sha256`` stay as first
published. An upheld appeal publishes a correction — a new revision that ``supersedes`` the old one,
its rows recomputed from the ledger as it stands then (the reviewer has usually reversed the wrong
entry first). Rows carry a public display name only: a masked name and the micro-grid, never an ID
number, a phone or an address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.core.fields import subtree_q
from sanzhi.disclosure import chain
from sanzhi.disclosure.models import Publication, PublicationKind
from sanzhi.grids.models import Node
from sanzhi.points import rules
from sanzhi.points.models import (
    Account,
    AppealState,
    Board,
    BoardAppeal,
    BoardKind,
    Entry,
    EntryKind,
    Scheme,
)
from sanzhi.points.periods import Period, month_keys, parse_period
from sanzhi.points.selectors import own_accounts_q
from sanzhi.points.stars import approved_deductions, check_period_ended
from sanzhi.points.transitions import appeal_move

MAX_REASON = 500
REASON_ITEMS = 3


# ---------------------------------------------------------------- display names


def mask_person(name: str) -> str:
    """张建国 → 张*国, 王强 → 王*: first and last character kept on a public list."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _display_names(account_ids: list[int]) -> dict[int, str]:
    from sanzhi.people.codes import Relation
    from sanzhi.people.models import Resident

    accounts = list(
        Account.objects.filter(pk__in=account_ids).select_related("node", "resident", "user", "household")
    )
    heads = {
        r.household_id: r.name
        for r in Resident.objects.filter(
            household_id__in=[a.household_id for a in accounts if a.household_id], relation=Relation.HEAD
        ).only("household_id", "name")
    }
    names: dict[int, str] = {}
    for account in accounts:
        if account.household_id:
            person = heads.get(account.household_id, "")
            who = gettext("{name}户").format(name=mask_person(person)) if person else gettext("某户")
        elif account.resident_id and account.resident:
            who = mask_person(account.resident.name)
        elif account.user is not None:
            who = mask_person(account.user.display_name or "")
        else:
            who = ""
        names[account.pk] = f"{who}（{account.node.name}）"
    return names


# ---------------------------------------------------------------- computing the lists


def _period(key: str) -> Period:
    try:
        return parse_period(key)
    except ValueError:
        raise ValidationFailed(
            _("周期格式应为 2026-11、2026Q4 或 2026"), code="points_period_invalid"
        ) from None


def _items(queryset: QuerySet[Entry], account_ids: list[int], positive: bool) -> dict[int, str]:
    """The rule items behind each account's line, the weightiest first (at most a few)."""
    rows = (
        queryset.filter(account_id__in=account_ids, rule__isnull=False)
        .values("account_id", "rule__item")
        .annotate(points=Sum("claimed" if not positive else "total_delta"))
    )
    by_account: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        weight = row["points"] if positive else -row["points"]
        by_account.setdefault(row["account_id"], []).append((weight, row["rule__item"]))
    return {
        account_id: "、".join(item for _w, item in sorted(items, key=lambda x: (-x[0], x[1]))[:REASON_ITEMS])
        for account_id, items in by_account.items()
    }


def red_rows(scheme: Scheme, node: Node, period: Period) -> list[dict[str, Any]]:
    """Top earners: net approved points of the period (approvals and reversals), positive only;
    ties by total, then account id."""
    months = month_keys(period)
    approved = Entry.objects.filter(
        scheme=scheme, kind__in=[EntryKind.APPROVAL, EntryKind.REVERSAL], month__in=months
    ).filter(subtree_q("account__node_path", node.path))
    top = list(
        approved.values("account_id", "account__total")
        .annotate(net=Sum("total_delta"))
        .filter(net__gt=0)
        .order_by("-net", "-account__total", "account_id")[: scheme.red_list_size]
    )
    ids = [row["account_id"] for row in top]
    names = _display_names(ids)
    reasons = _items(approved.filter(total_delta__gt=0, kind=EntryKind.APPROVAL), ids, positive=True)
    return [
        {
            "rank": rank,
            "account": row["account_id"],
            "name": names[row["account_id"]],
            "points": row["net"],
            "reason": reasons.get(row["account_id"], ""),
        }
        for rank, row in enumerate(top, start=1)
    ]


def black_rows(scheme: Scheme, node: Node, period: Period) -> list[dict[str, Any]]:
    """Approved (not reversed) deductions of the period, the largest first, with their items. The
    points are what the rules deducted, even where a balance already at zero absorbed less."""
    months = month_keys(period)
    deductions = approved_deductions(scheme, months).filter(subtree_q("account__node_path", node.path))
    worst = list(
        deductions.values("account_id", "account__total")
        .annotate(points=Sum("claimed"))
        .order_by("points", "account__total", "account_id")[: scheme.black_list_size]
    )
    ids = [row["account_id"] for row in worst]
    names = _display_names(ids)
    reasons = _items(deductions, ids, positive=False)
    return [
        {
            "rank": rank,
            "account": row["account_id"],
            "name": names[row["account_id"]],
            "points": row["points"],
            "reason": reasons.get(row["account_id"], ""),
        }
        for rank, row in enumerate(worst, start=1)
    ]


def canonical_content(
    *, scheme_id: int, node_code: str, period: str, kind: str, revision: int, rows: list[dict[str, Any]]
) -> bytes:
    """The bytes ``content_sha256`` covers: the board's identity and its rows, canonical JSON."""
    document = {
        "scheme": scheme_id,
        "node": node_code,
        "period": period,
        "kind": kind,
        "revision": revision,
        "rows": rows,
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def board_content_hash(board: Board) -> str:
    """Recompute a stored board's hash (equal to ``content_sha256`` unless someone edited it)."""
    return hashlib.sha256(
        canonical_content(
            scheme_id=board.scheme_id,
            node_code=board.node.code,
            period=board.period,
            kind=board.kind,
            revision=board.revision,
            rows=board.rows,
        )
    ).hexdigest()


def _snapshot(
    *,
    actor: Any,
    scheme: Scheme,
    node: Node,
    period: Period,
    kind: str,
    revision: int,
    supersedes: Board | None,
    now: dt.datetime,
) -> Board:
    rows = (red_rows if kind == BoardKind.RED else black_rows)(scheme, node, period)
    digest = hashlib.sha256(
        canonical_content(
            scheme_id=scheme.pk,
            node_code=node.code,
            period=period.key,
            kind=kind,
            revision=revision,
            rows=rows,
        )
    ).hexdigest()
    try:
        with transaction.atomic():
            board = Board.objects.create(
                scheme=scheme,
                node=node,
                node_path=node.path,
                period=period.key,
                kind=kind,
                revision=revision,
                supersedes=supersedes,
                rows=rows,
                content_sha256=digest,
                published_by=actor if getattr(actor, "is_authenticated", False) else None,
                published_at=now,
                appeal_until=now + dt.timedelta(days=scheme.appeal_days),
            )
    except IntegrityError:
        raise Conflict(
            _("该周期的{kind}已发布").format(kind=BoardKind(kind).label), code="points_board_published"
        ) from None
    _publish_on_chain(board, actor=actor)
    return board


def _publish_on_chain(board: Board, *, actor: Any) -> None:
    """红黑榜 go on the public publication chain with the disclosures and resolutions; a revision
    corrects the item of the revision it supersedes (when that one was published on the chain)."""
    corrected = None
    if board.supersedes_id is not None:
        corrected = Publication.objects.filter(ref=f"points.board:{board.supersedes_id}").first()
    label = str(BoardKind(board.kind).label)
    chain.append(
        kind=PublicationKind.BOARD,
        node=board.node,
        title=f"{board.scheme.name} {board.period} {label}",
        ref=f"points.board:{board.pk}",
        content={
            "scheme": board.scheme.name,
            "period": board.period,
            "list": board.kind,
            "revision": board.revision,
            "rows": board.rows,
            "appeal_until": chain.timestamp(board.appeal_until),
        },
        actor=actor,
        corrects=corrected,
        now=board.published_at,
    )


def _check_publisher(actor: Any, scheme: Scheme, node: Node) -> None:
    if not node.path.startswith(scheme.node_path):
        raise ValidationFailed(_("该节点不在本积分方案的辖区内"), code="points_node_out_of_scheme")
    if actor is not None and not rules.can_review(actor, node):
        raise Forbidden(_("您不能发布该节点的红黑榜"), code="forbidden")


@transaction.atomic
def board_publish(
    *, actor: Any, scheme: Scheme, node: Node | None = None, period: str, now: dt.datetime | None = None
) -> tuple[Board, Board]:
    """Publish the red and the black list of an ended period for a node (the scheme's by default).

    Once per (scheme, node, period, kind): a later change is a correction (``board_correct``).
    """
    now = now or timezone.now()
    node = node or scheme.node
    _check_publisher(actor, scheme, node)
    parsed = _period(period)
    check_period_ended(parsed, now)
    if Board.objects.filter(scheme=scheme, node=node, period=parsed.key).exists():
        raise Conflict(
            _("{period} 的红黑榜已发布；如需更正请处理异议").format(period=parsed.key),
            code="points_board_published",
            data={"period": parsed.key},
        )
    boards = [
        _snapshot(
            actor=actor,
            scheme=scheme,
            node=node,
            period=parsed,
            kind=kind,
            revision=1,
            supersedes=None,
            now=now,
        )
        for kind in (BoardKind.RED, BoardKind.BLACK)
    ]
    return boards[0], boards[1]


def _latest_revision(board: Board) -> Board:
    return (
        Board.objects.select_for_update()
        .select_related("scheme", "node")
        .filter(scheme_id=board.scheme_id, node_id=board.node_id, period=board.period, kind=board.kind)
        .order_by("-revision")
        .first()
    ) or board


@transaction.atomic
def board_correct(*, actor: Any, board: Board, now: dt.datetime | None = None) -> Board:
    """更正: publish a new revision of the board's list, recomputed from the ledger now. The old
    snapshot stays as published; the new one supersedes the latest revision and opens its own
    appeal window."""
    now = now or timezone.now()
    latest = _latest_revision(board)
    _check_publisher(actor, latest.scheme, latest.node)
    return _snapshot(
        actor=actor,
        scheme=latest.scheme,
        node=latest.node,
        period=_period(latest.period),
        kind=latest.kind,
        revision=latest.revision + 1,
        supersedes=latest,
        now=now,
    )


# ---------------------------------------------------------------- appeals (异议)


@transaction.atomic
def appeal_file(
    *,
    actor: Any,
    board: Board,
    account: Account | None = None,
    reason: str,
    now: dt.datetime | None = None,
) -> BoardAppeal:
    """异议: object to a board inside its appeal window, about an account the filer may see (a
    resident: their own household's) or, for staff with ``points.view`` there, about the list."""
    now = now or timezone.now()
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录再提出异议"), code="login_required")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写异议理由"), code="points_reason_required")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_("理由不能超过 500 字"), code="points_reason_too_long")
    board = Board.objects.select_related("scheme").get(pk=board.pk)
    if Board.objects.filter(supersedes=board).exists():
        raise Conflict(_("该榜单已更正，请对最新版本提出异议"), code="points_board_superseded")
    if not board.published_at <= now <= board.appeal_until:
        raise Conflict(
            _("异议期已过（截至 {until}）").format(
                until=timezone.localtime(board.appeal_until).strftime("%Y-%m-%d %H:%M")
            ),
            code="points_appeal_closed",
            data={"appeal_until": board.appeal_until.isoformat()},
        )
    # Staff who see the board's node or any part of it (a grid worker of the community).
    scope = scope_for(actor, Capability.VIEW_POINTS)
    staff = scope.contains(board.node_path) or any(p.startswith(board.node_path) for p in scope.paths)
    if account is None and not staff:
        account = Account.objects.filter(own_accounts_q(actor), scheme_id=board.scheme_id).first()
        if account is None:
            raise Forbidden(_("您只能对本户的积分提出异议"), code="forbidden")
    if account is not None:
        in_board = account.scheme_id == board.scheme_id and account.node_path.startswith(board.node_path)
        if not in_board or not rules.can_view(actor, account):
            raise NotFound(_("积分账户不存在"), code="points_account_not_found")
    if BoardAppeal.objects.filter(
        board=board, account=account, filed_by=actor, state=AppealState.PENDING
    ).exists():
        raise Conflict(_("您对该榜单的异议正在处理中"), code="points_appeal_pending")
    return BoardAppeal.objects.create(
        board=board, account=account, reason=reason, filed_by=actor, filed_at=now
    )


@transaction.atomic
def appeal_decide(
    *, actor: Any, appeal: BoardAppeal, uphold: bool, note: str, now: dt.datetime | None = None
) -> tuple[BoardAppeal, Board | None]:
    """Decide an appeal; an upheld one publishes a corrected revision of its list (returned)."""
    now = now or timezone.now()
    appeal = BoardAppeal.objects.select_for_update().select_related("board").get(pk=appeal.pk)
    if actor is not None and not rules.can_review(actor, appeal.board):
        raise Forbidden(_("您不能处理该异议"), code="forbidden")
    appeal_move(appeal, AppealState.UPHELD if uphold else AppealState.DISMISSED)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("请填写处理意见"), code="points_note_required")
    appeal.decided_by = actor if getattr(actor, "is_authenticated", False) else None
    appeal.decided_at = now
    appeal.decision_note = note[:MAX_REASON]
    appeal.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    correction = board_correct(actor=actor, board=appeal.board, now=now) if uphold else None
    return appeal, correction


# ---------------------------------------------------------------- public reads (no login)


def boards_public(node: Node, period: str | None = None) -> list[Board]:
    """The current boards of a node for the public page: the latest revision of each list, for
    ``period`` or, by default, each scheme's most recent published period. Red before black."""
    current = (
        Board.objects.filter(node=node, superseded_by__isnull=True)
        .select_related("scheme", "node")
        .order_by("-published_at", "-pk")
    )
    if period is not None:
        current = current.filter(period=_period(period).key)
    chosen: dict[int, str] = {}
    out: list[Board] = []
    for board in current:
        key = chosen.setdefault(board.scheme_id, board.period)
        if board.period == key:
            out.append(board)
    order = {BoardKind.RED: 0, BoardKind.BLACK: 1}
    return sorted(out, key=lambda b: (b.scheme_id, order.get(BoardKind(b.kind), 2)))


def board_get_public(board_id: int) -> Board:
    board = Board.objects.select_related("scheme", "node", "supersedes").filter(pk=board_id).first()
    if board is None:
        raise NotFound(_("榜单不存在"), code="points_board_not_found")
    return board


def board_list(*, under: Node | None = None, period: str | None = None) -> QuerySet[Board]:
    """Every published board (all revisions), newest first; under a node's subtree if given."""
    boards = Board.objects.select_related("scheme", "node").order_by("-published_at", "-revision", "-pk")
    if under is not None:
        boards = boards.filter(subtree_q("node_path", under.path))
    if period is not None:
        boards = boards.filter(period=_period(period).key)
    return boards
