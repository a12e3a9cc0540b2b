"""What the disclosure console pages (三务公开) share: the communities the user works on, the one a page
is about (``?node=CODE``), the status badges, amounts shown in yuan, and how a DomainError lands on
a form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.urls import reverse

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import DomainError
from sanzhi.disclosure.calendar import disclosure_scope
from sanzhi.disclosure.models import Disclosure, FinanceLine
from sanzhi.disclosure.public import yuan
from sanzhi.grids.models import Node, NodeKind
from sanzhi.web.views.common import require

STATUS_CSS = {
    "upcoming": "text-bg-light border",
    "due": "text-bg-warning",
    "overdue": "text-bg-danger",
    "on_time": "text-bg-success",
    "late": "text-bg-secondary",
}


def is_disclosure_staff(user: Any) -> bool:
    """Works on disclosures somewhere (edit, publish or keep the calendar)."""
    return not disclosure_scope(user).empty or not scope_for(user, Capability.MANAGE_DISCLOSURES).empty


def communities_for(user: Any) -> list[Node]:
    """The communities (社区/村) where the user works on disclosures, and the tops of their scope when
    those lie below a community (a grid)."""
    scope = disclosure_scope(user)
    manage = scope_for(user, Capability.MANAGE_DISCLOSURES)
    q = scope.q("path") | manage.q("path")
    if scope.empty and manage.empty:
        return []
    tops = [*scope.paths, *manage.paths]
    return list(
        Node.objects.filter(q)
        .filter(Q(kind=NodeKind.VILLAGE) | Q(path__in=tops, kind=NodeKind.GRID))
        .only("id", "code", "name", "path", "kind")
        .order_by("path")
    )


def pick_community(request: HttpRequest, communities: list[Node]) -> Node:
    """The page's community: ``?node=`` (or the posted one), else the first; another is a 404."""
    require(bool(communities))
    raw = (request.POST.get("node") or request.GET.get("node") or "").strip()
    if not raw:
        return communities[0]
    for node in communities:
        if node.code == raw:
            return node
    raise Http404


def add_error(form: forms.Form, exc: DomainError) -> None:
    """A service's refusal on the field it names (``data["field"]``, or by its code), else on top."""
    name = (exc.data or {}).get("field")
    if not isinstance(name, str):
        name = _CODE_FIELDS.get(exc.code)
    if isinstance(name, str) and name in form.fields:
        form.add_error(name, exc.message)
    else:
        form.add_error(None, exc.message)


_CODE_FIELDS = {
    "disclosure_period_invalid": "period",
    "disclosure_period_required": "period",
    "disclosure_period_taken": "period",
    "disclosure_area_invalid": "area",
    "disclosure_area_mismatch": "area",
    "disclosure_frequency_invalid": "frequency",
    "disclosure_due_days_invalid": "due_days",
    "disclosure_plan_in_use": "frequency",
    "disclosure_plan_taken": "title",
    "disclosure_plan_elsewhere": "plan",
    "disclosure_plan_inactive": "plan",
    "finance_direction_invalid": "direction",
    "finance_date_invalid": "date",
    "finance_date_outside_period": "date",
    "finance_item_required": "item",
    "finance_amount_not_int": "amount",
    "finance_amount_not_positive": "amount",
    "finance_amount_too_large": "amount",
    "disclosure_reason_required": "reason",
}


@dataclass
class LineRow:
    line: FinanceLine
    amount: str  # yuan, "1,234.50"


def line_rows(lines: list[FinanceLine]) -> list[LineRow]:
    return [LineRow(line, yuan(line.amount_fen)) for line in lines]


def public_url(disclosure: Disclosure) -> str:
    publication = disclosure.publication
    if publication is None:
        return ""
    return reverse("web:disclosure_public_item", args=[publication.node_code, publication.seq])


def pdf_url(disclosure: Disclosure) -> str:
    publication = disclosure.publication
    if publication is None:
        return ""
    return reverse("web:disclosure_public_pdf", args=[publication.node_code, publication.seq])


def community_url(name: str, node: Node, **params: Any) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"node": node.code, **params}.items() if v not in (None, ""))
    return f"{reverse(name)}?{query}"
