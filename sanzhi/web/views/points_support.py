"""What the points console pages share: the schemes this user works on, the scheme a page is about,
and the scoped account picker (by household address or a member's name).

The picker also offers, for recording, the households (or residents) in the user's scope that have
no account in the scheme yet: value ``h<id>`` / ``r<id>``; the account is opened (account_open, with
the base score) in the same transaction as the first record, so a refused record opens nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.people.selectors import household_list_for, resident_list_for
from sanzhi.points.models import Account, Scheme, Subject
from sanzhi.points.opening import account_open
from sanzhi.points.selectors import account_list_for, scheme_list_for
from sanzhi.web.views.common import console_view

SEARCH_LIMIT = 20


def is_points_staff(user: Any) -> bool:
    return not scope_for(user, Capability.VIEW_POINTS).empty


def console_schemes(user: Any) -> list[Scheme]:
    """The schemes of the user's staff scope (with those above it: a street's scheme covers them)."""
    if not is_points_staff(user):
        return []
    return list(scheme_list_for(user=user).filter(active=True).order_by("node_path", "id"))


def pick_scheme(request: HttpRequest, schemes: list[Scheme]) -> Scheme:
    """The page's scheme: ``?scheme=`` (or the posted one), else the first; another one is a 404."""
    if not schemes:
        raise Http404
    raw = request.POST.get("scheme") or request.GET.get("scheme") or ""
    if not raw:
        return schemes[0]
    for scheme in schemes:
        if str(scheme.pk) == raw.strip():
            return scheme
    raise Http404


def has_anywhere_in(user: Any, capability: str, scheme: Scheme) -> bool:
    """The capability at the scheme's node, above it or anywhere under it (a grid in a village's scheme)."""
    scope = scope_for(user, capability)
    return scope.everything or any(
        p.startswith(scheme.node_path) or scheme.node_path.startswith(p) for p in scope.paths
    )


def accounts_for(user: Any, scheme: Scheme, capability: str) -> QuerySet[Account]:
    """The scheme's accounts the user sees and holds ``capability`` over (record, store …)."""
    return account_list_for(user=user, scheme=scheme).filter(scope_for(user, capability).q("node_path"))


# ---------------------------------------------------------------- the picker


@dataclass
class Option:
    value: str  # an account id, or h<household id> / r<resident id> for a holder without one yet
    name: str
    place: str
    total: int | None = None  # None: no account yet

    @property
    def new(self) -> bool:
        return self.total is None


def _account_option(account: Account) -> Option:
    return Option(str(account.pk), account.name, account.node.name, account.total)


def _holders(user: Any, scheme: Scheme) -> tuple[str, QuerySet[Any]] | None:
    """(prefix, queryset) of the holders the user may record for that have no account yet."""
    record = scope_for(user, Capability.RECORD_POINTS).q("node_path")
    if scheme.subject == Subject.HOUSEHOLD:
        households = household_list_for(user=user, under=scheme.node).filter(record)
        return "h", households.exclude(points_accounts__scheme=scheme)
    if scheme.subject in (Subject.RESIDENT, Subject.PARTY_MEMBER):
        residents = resident_list_for(user=user, under=scheme.node).filter(record)
        return "r", residents.exclude(points_accounts__scheme=scheme)
    return None


def _holder_option(prefix: str, holder: Any) -> Option:
    if prefix == "h":
        return Option(f"h{holder.pk}", holder.address, holder.node.name)
    return Option(f"r{holder.pk}", holder.name, holder.household.address)


def search_options(user: Any, scheme: Scheme, capability: str, query: str) -> list[Option]:
    query = (query or "").strip()[:50]
    accounts = accounts_for(user, scheme, capability)
    if query:
        accounts = accounts.filter(
            Q(name__icontains=query)
            | Q(household__members__name__icontains=query)
            | Q(resident__name__icontains=query)
        ).distinct()
    found = [
        _account_option(a)
        for a in accounts.select_related("node").order_by("node_path", "name", "id")[:SEARCH_LIMIT]
    ]
    holders = _holders(user, scheme) if capability == Capability.RECORD_POINTS and query else None
    if holders is not None and len(found) < SEARCH_LIMIT:
        prefix, queryset = holders
        if prefix == "h":
            queryset = queryset.filter(Q(address__icontains=query) | Q(members__name__icontains=query))
        else:
            queryset = queryset.filter(Q(name__icontains=query) | Q(household__address__icontains=query))
        queryset = queryset.select_related("node") if prefix == "h" else queryset.select_related("household")
        found += [_holder_option(prefix, h) for h in queryset.distinct()[: SEARCH_LIMIT - len(found)]]
    return found


def chosen_option(user: Any, scheme: Scheme, capability: str, raw: str) -> Option | None:
    """The picked value as an option (to show it picked again), if the user may pick it."""
    raw = (raw or "").strip()
    if raw.isdigit():
        account = accounts_for(user, scheme, capability).select_related("node").filter(pk=int(raw)).first()
        return _account_option(account) if account is not None else None
    holders = _holders(user, scheme) if capability == Capability.RECORD_POINTS else None
    if holders is None or raw[:1] != holders[0] or not raw[1:].isdigit():
        return None
    holder = holders[1].filter(pk=int(raw[1:])).first()
    return _holder_option(holders[0], holder) if holder is not None else None


def open_chosen(user: Any, scheme: Scheme, option: Option) -> Account:
    """The chosen account, opened now for a holder without one (call inside the record's transaction)."""
    if not option.new:
        return Account.objects.get(pk=int(option.value))
    holders = _holders(user, scheme)
    assert holders is not None
    holder = holders[1].get(pk=int(option.value[1:]))
    return account_open(scheme=scheme, holder=holder, actor=user)


PURPOSES = {"record": Capability.RECORD_POINTS, "store": Capability.RUN_STORE}


@require_GET
@console_view
def account_search(request: HttpRequest) -> HttpResponse:
    """The account picker's results (htmx): radios named ``account``."""
    user = request.user
    capability = PURPOSES.get(request.GET.get("purpose", ""))
    if capability is None:
        raise Http404
    scheme = pick_scheme(request, console_schemes(user))
    query = request.GET.get("q", "")
    options = search_options(user, scheme, capability, query)
    return render(
        request,
        "web/points/partials/account_results.html",
        {"options": options, "query": query, "selected": None},
    )
