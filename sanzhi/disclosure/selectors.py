"""Scoped reads of disclosures for the staff console: drafts and published items in the subtrees
where the user works on disclosures (``disclosure.edit`` or ``disclosure.publish``). The public
board reads the chain itself (``sanzhi.disclosure.public``), not these.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import Scope, minimal_paths, scope_for
from sanzhi.core.errors import NotFound
from sanzhi.core.fields import subtree_q
from sanzhi.disclosure.calendar import disclosure_scope
from sanzhi.disclosure.drafts import Totals, totals_of
from sanzhi.disclosure.models import Disclosure, DisclosurePlan, FinanceDirection, FinanceLine
from sanzhi.grids.models import Node

__all__ = [
    "Totals",
    "disclosure_get_for",
    "disclosure_list_for",
    "disclosure_scope",
    "line_list",
    "plan_get_for",
    "plan_list_for",
    "totals",
    "totals_of",
]


def disclosure_list_for(
    *, user: Any, under: Node | None = None, area: str | None = None, status: str | None = None
) -> QuerySet[Disclosure]:
    """Newest period first; with the node, plan, publication and the corrected item joined in."""
    scope = disclosure_scope(user)
    disclosures = Disclosure.objects.filter(scope.q("node_path"))
    if under is not None:
        disclosures = disclosures.filter(subtree_q("node_path", under.path))
    if area:
        disclosures = disclosures.filter(area=area)
    if status:
        disclosures = disclosures.filter(status=status)
    return disclosures.select_related("node", "plan", "publication", "corrects")


def disclosure_get_for(*, user: Any, pk: int) -> Disclosure:
    """One disclosure the user may work on; out of scope looks like not there."""
    found = disclosure_list_for(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("公开内容不存在"), code="disclosure_not_found")
    return found


def _plan_scope(user: Any) -> Scope:
    work = disclosure_scope(user)
    manage = scope_for(user, Capability.MANAGE_DISCLOSURES)
    if work.everything or manage.everything:
        return Scope(everything=True)
    return Scope(paths=minimal_paths([*work.paths, *manage.paths]))


def plan_list_for(
    *, user: Any, node: Node | None = None, active: bool | None = True
) -> QuerySet[DisclosurePlan]:
    plans = DisclosurePlan.objects.filter(_plan_scope(user).q("node_path")).select_related("node")
    if node is not None:
        plans = plans.filter(node=node)
    if active is not None:
        plans = plans.filter(active=active)
    return plans


def plan_get_for(*, user: Any, pk: int) -> DisclosurePlan:
    found = plan_list_for(user=user, active=None).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("公开事项不存在"), code="disclosure_plan_not_found")
    return found


def line_list(disclosure: Disclosure) -> QuerySet[FinanceLine]:
    """A disclosure's lines in their order (the disclosure was fetched through a scoped selector)."""
    return FinanceLine.objects.filter(disclosure=disclosure).order_by("order", "id")


def totals(disclosure: Disclosure) -> Totals:
    """收入、支出合计与结余 of a disclosure's lines, summed by the database."""
    sums = dict(
        FinanceLine.objects.filter(disclosure=disclosure)
        .order_by()
        .values_list("direction")
        .annotate(s=Sum("amount_fen"))
        .values_list("direction", "s")
    )
    return Totals(
        income_fen=int(sums.get(FinanceDirection.INCOME) or 0),
        expense_fen=int(sums.get(FinanceDirection.EXPENSE) or 0),
    )
