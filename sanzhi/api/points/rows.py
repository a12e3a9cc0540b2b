"""Scoped reads of the points endpoints that the domain's selectors do not offer as such (goods,
redemptions, stock), each built on those selectors, and what a page of ledger lines needs computed
once per page (claim status) instead of once per row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.api.rows import check_id, node_for
from sanzhi.core.errors import NotFound
from sanzhi.core.fields import subtree_q
from sanzhi.grids.models import Node
from sanzhi.points import rules
from sanzhi.points.boards import board_list
from sanzhi.points.ledger import claim_status
from sanzhi.points.models import (
    Account,
    Board,
    BoardAppeal,
    CategoryBalance,
    Donor,
    Entry,
    EntryKind,
    Goods,
    Redemption,
    RedemptionWindow,
    Rule,
    RuleCategory,
    Scheme,
    Star,
    StarHolding,
    Tier,
)
from sanzhi.points.selectors import account_list_for, entry_list_for, scheme_get_for, scheme_list_for


def points_node(user: Any, code: str | None) -> Node | None:
    """A node named in a query, seen through the caller's points scope."""
    if code is None:
        return None
    return node_for(user=user, code=code, capability=Capability.VIEW_POINTS)


def scheme_of(user: Any, scheme_id: int | None) -> Scheme | None:
    if scheme_id is None:
        return None
    return scheme_get_for(user=user, scheme_id=check_id(scheme_id, _("积分方案不存在")))


def scheme_detail_for(*, user: Any, scheme_id: int) -> Scheme:
    scheme = (
        scheme_list_for(user=user)
        .prefetch_related("categories", "rules", "stars", "tiers")
        .filter(pk=check_id(scheme_id, _("积分方案不存在")))
        .first()
    )
    if scheme is None:
        raise NotFound(_("积分方案不存在"), code="points_scheme_not_found")
    return scheme


def account_detail_for(*, user: Any, account_id: int) -> Account:
    account = (
        account_list_for(user=user)
        .select_related("node")
        .prefetch_related(
            Prefetch(
                "category_balances",
                queryset=CategoryBalance.objects.select_related("category").order_by(
                    "category__order", "category_id"
                ),
            ),
            Prefetch("stars", queryset=StarHolding.objects.select_related("star").order_by("star__order")),
        )
        .filter(pk=check_id(account_id, _("积分账户不存在")))
        .first()
    )
    if account is None:
        raise NotFound(_("积分账户不存在"), code="points_account_not_found")
    return account


def entry_rows(entries: Iterable[Entry]) -> list[Entry]:
    """Ledger lines with ``status`` (claims only) and ``has_evidence`` set for the serializer; the
    follow-ups were prefetched by the selector, so this costs no query."""
    rows = list(entries)
    for entry in rows:
        entry.status = claim_status(entry) if entry.kind == EntryKind.AWARD else None  # type: ignore[attr-defined]
        entry.has_evidence = bool(entry.evidence)  # type: ignore[attr-defined]
    return rows


def entries_by_id(*, user: Any, ids: list[int]) -> list[Entry]:
    """Entries a service just wrote, read back through the scoped selector (in id order)."""
    return entry_rows(entry_list_for(user=user).filter(pk__in=ids).order_by("seq"))


def entry_get_for(*, user: Any, entry_id: int) -> Entry:
    entry = entry_list_for(user=user).filter(pk=check_id(entry_id, _("积分流水不存在"))).first()
    if entry is None:
        raise NotFound(_("积分流水不存在"), code="points_entry_not_found")
    return entry


# ---- the supermarket ----------------------------------------------------------------------------


def goods_list_for(*, user: Any, scheme: Scheme | None = None) -> QuerySet[Goods]:
    """Goods of the schemes the caller can see."""
    goods = Goods.objects.select_related("donor", "min_tier")
    if scheme is not None:
        return goods.filter(scheme=scheme)
    return goods.filter(scheme__in=scheme_list_for(user=user).values("pk"))


def goods_get_for(*, user: Any, goods_id: int) -> Goods:
    goods = goods_list_for(user=user).filter(pk=check_id(goods_id, _("商品不存在"))).first()
    if goods is None:
        raise NotFound(_("商品不存在"), code="points_goods_not_found")
    return goods


def redemption_list_for(
    *, user: Any, scheme: Scheme | None = None, state: str = "", account_id: int | None = None
) -> QuerySet[Redemption]:
    """Redemptions of the accounts the caller can see, newest first."""
    redemptions = Redemption.objects.filter(
        account__in=account_list_for(user=user, scheme=scheme).values("pk")
    )
    if state:
        redemptions = redemptions.filter(state=state)
    if account_id is not None:
        redemptions = redemptions.filter(account_id=account_id)
    return redemptions.select_related("account", "goods", "window").order_by("-created_at", "-id")


def window_list_for(*, user: Any, scheme: Scheme | None = None) -> QuerySet[RedemptionWindow]:
    """集中兑换 windows of the schemes the caller sees, latest first."""
    windows = RedemptionWindow.objects.order_by("-starts_at", "-id")
    if scheme is not None:
        return windows.filter(scheme=scheme)
    return windows.filter(scheme__in=scheme_list_for(user=user).values("pk"))


def redemption_get_for(*, user: Any, redemption_id: int) -> Redemption:
    redemption = redemption_list_for(user=user).filter(pk=check_id(redemption_id, _("兑换单不存在"))).first()
    if redemption is None:
        raise NotFound(_("兑换单不存在"), code="points_redemption_not_found")
    return redemption


# ---- the catalog, boards and the store's set-up -------------------------------------------------


def rule_get_for(*, user: Any, rule_id: int) -> Rule:
    rule = (
        Rule.objects.select_related("scheme")
        .filter(scheme__in=scheme_list_for(user=user).values("pk"), pk=check_id(rule_id, _("积分细则不存在")))
        .first()
    )
    if rule is None:
        raise NotFound(_("积分细则不存在"), code="points_rule_not_found")
    return rule


def star_get_for(*, user: Any, star_id: int) -> Star:
    star = (
        Star.objects.select_related("scheme")
        .filter(scheme__in=scheme_list_for(user=user).values("pk"), pk=check_id(star_id, _("星级不存在")))
        .first()
    )
    if star is None:
        raise NotFound(_("星级不存在"), code="points_star_not_found")
    return star


def category_of(scheme: Scheme, category_id: int) -> RuleCategory:
    category = RuleCategory.objects.filter(
        scheme=scheme, pk=check_id(category_id, _("积分类别不存在"))
    ).first()
    if category is None:
        raise NotFound(_("该类别不属于本方案"), code="points_category_not_found")
    return category


def tier_of_scheme(scheme: Scheme, tier_id: int | None) -> Tier | None:
    if tier_id is None:
        return None
    tier = Tier.objects.filter(scheme=scheme, pk=check_id(tier_id, _("兑换档次不存在"))).first()
    if tier is None:
        raise NotFound(_("兑换档次不存在"), code="points_tier_not_found")
    return tier


def donor_list_for(*, user: Any, under: Node | None = None) -> QuerySet[Donor]:
    """Donors registered in the caller's points scope, or above it (a street's 乡贤 stock its
    communities' stores)."""
    scope = scope_for(user, Capability.VIEW_POINTS)
    donors = Donor.objects.select_related("node").order_by("node_path", "id")
    if under is not None:
        donors = donors.filter(subtree_q("node_path", under.path) | _ancestors_q(under.path))
    if scope.everything:
        return donors
    query = Q(pk__in=[])
    for path in scope.paths:
        query |= subtree_q("node_path", path) | _ancestors_q(path)
    return donors.filter(query)


def donor_get_for(*, user: Any, donor_id: int | None) -> Donor | None:
    if donor_id is None:
        return None
    donor = donor_list_for(user=user).filter(pk=check_id(donor_id, _("捐赠方不存在"))).first()
    if donor is None:
        raise NotFound(_("捐赠方不存在"), code="points_donor_not_found")
    return donor


def _ancestors_q(path: str) -> Q:
    prefixes = [path[:i] for i in range(Node.steplen, len(path), Node.steplen)]
    return Q(node_path__in=prefixes) if prefixes else Q(pk__in=[])


def board_list_for(
    *, user: Any, scheme: Scheme | None = None, under: Node | None = None, period: str | None = None
) -> QuerySet[Board]:
    """Published boards (every revision) of the schemes the caller sees; their rows are public
    display names only."""
    boards = board_list(under=under, period=period)
    if scheme is not None:
        return boards.filter(scheme=scheme)
    return boards.filter(scheme__in=scheme_list_for(user=user).values("pk"))


def board_get_for(*, user: Any, board_id: int) -> Board:
    board = board_list_for(user=user).filter(pk=check_id(board_id, _("榜单不存在"))).first()
    if board is None:
        raise NotFound(_("榜单不存在"), code="points_board_not_found")
    return board


def appeal_list_for(*, user: Any, board: Board) -> QuerySet[BoardAppeal]:
    """A board's appeals: all of them for its reviewers, one's own for anyone else."""
    appeals = BoardAppeal.objects.filter(board=board).order_by("filed_at", "id")
    if rules.can_review(user, board):
        return appeals
    return appeals.filter(filed_by=user)


def appeal_get_for(*, user: Any, appeal_id: int) -> BoardAppeal:
    appeal = (
        BoardAppeal.objects.filter(
            board__in=board_list_for(user=user).values("pk"), pk=check_id(appeal_id, _("异议不存在"))
        )
        .select_related("board")
        .first()
    )
    if appeal is None:
        raise NotFound(_("异议不存在"), code="points_appeal_not_found")
    return appeal
