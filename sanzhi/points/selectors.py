"""Scoped reads of points data. Staff see the accounts in the subtrees where they hold
``points.view``; a resident sees their own household's and their own accounts; nothing else."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import NotFound
from sanzhi.core.fields import subtree_q
from sanzhi.grids.models import Node
from sanzhi.points.ledger import pending_claims_q
from sanzhi.points.models import Account, Entry, EntryKind, Scheme


def own_accounts_q(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    query = Q(user=user)
    resident = getattr(user, "resident", None) if hasattr(user, "resident") else None
    if resident is not None:
        query |= Q(resident=resident) | Q(household_id=resident.household_id)
    return query


def account_visible_q(user: Any) -> Q:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    scope = scope_for(user, Capability.VIEW_POINTS)
    if scope.everything:
        return Q()
    query = own_accounts_q(user)
    if not scope.empty:
        query |= scope.q("node_path")
    return query


def scheme_list_for(*, user: Any, under: Node | None = None) -> QuerySet[Scheme]:
    """Schemes whose node is in the user's points scope, or above it (a street's scheme covers the
    user's community), or that hold one of the user's own accounts."""
    schemes = Scheme.objects.select_related("node")
    if under is not None:
        schemes = schemes.filter(Q(node_path__startswith=under.path) | _ancestors_q(under.path))
    scope = scope_for(user, Capability.VIEW_POINTS)
    if scope.everything:
        return schemes
    query = Q(accounts__in=Account.objects.filter(own_accounts_q(user)))
    for path in scope.paths:
        query |= Q(node_path__startswith=path) | _ancestors_q(path)
    return schemes.filter(query).distinct()


def _ancestors_q(path: str, steplen: int = 4) -> Q:
    prefixes = [path[:i] for i in range(steplen, len(path), steplen)]
    return Q(node_path__in=prefixes) if prefixes else Q(pk__in=[])


def scheme_get_for(*, user: Any, scheme_id: int) -> Scheme:
    scheme = scheme_list_for(user=user).filter(pk=scheme_id).first()
    if scheme is None:
        raise NotFound(_("积分方案不存在"), code="points_scheme_not_found")
    return scheme


def account_list_for(
    *, user: Any, scheme: Scheme | None = None, under: Node | None = None, search: str = ""
) -> QuerySet[Account]:
    accounts = Account.objects.filter(account_visible_q(user)).select_related("scheme")
    if scheme is not None:
        accounts = accounts.filter(scheme=scheme)
    if under is not None:
        accounts = accounts.filter(subtree_q("node_path", under.path))
    if search:
        accounts = accounts.filter(name__icontains=search.strip()[:50])
    return accounts


def account_get_for(*, user: Any, account_id: int) -> Account:
    account = account_list_for(user=user).filter(pk=account_id).first()
    if account is None:
        raise NotFound(_("积分账户不存在"), code="points_account_not_found")
    return account


def entry_list_for(
    *, user: Any, account: Account | None = None, scheme: Scheme | None = None
) -> QuerySet[Entry]:
    """Ledger lines the user may read, newest first, with what a page needs joined in."""
    entries = Entry.objects.filter(account__in=Account.objects.filter(account_visible_q(user)))
    if account is not None:
        entries = entries.filter(account=account)
    if scheme is not None:
        entries = entries.filter(scheme=scheme)
    return (
        entries.select_related("rule", "category", "recorded_by", "account")
        .prefetch_related(Prefetch("followups", queryset=Entry.objects.only("id", "kind", "target_id")))
        .order_by("-seq")
    )


def pending_claims_for(*, user: Any, scheme: Scheme, months: list[str] | None = None) -> QuerySet[Entry]:
    """The review's worklist: claims awaiting a decision, oldest first."""
    claims = (
        Entry.objects.filter(scheme=scheme, account__in=Account.objects.filter(account_visible_q(user)))
        .filter(pending_claims_q())
        .select_related("rule", "category", "account", "recorded_by")
    )
    if months:
        claims = claims.filter(month__in=months)
    return claims.order_by("seq")


def ranking(*, scheme: Scheme, under: Node | None = None, limit: int = 100) -> QuerySet[Account]:
    """Accounts by total, highest first (ties by id): an index scan on (scheme, total desc, id)."""
    accounts = Account.objects.filter(scheme=scheme)
    if under is not None and under.path != scheme.node_path:
        accounts = accounts.filter(subtree_q("node_path", under.path))
    return accounts.order_by("-total", "id")[:limit]


def claims_of_kind(kind: str) -> Q:
    return Q(kind=kind) if kind in EntryKind.values else Q(pk__in=[])
