"""Scoped lookups of the disclosure endpoints, each built on the domain's selectors: a node named by
code, a plan, a disclosure with what its detail shows, a finance line. Out of scope is not found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.api.rows import check_id, node_for
from sanzhi.core.errors import NotFound
from sanzhi.disclosure import rules
from sanzhi.disclosure.drafts import Totals, totals_of
from sanzhi.disclosure.models import Disclosure, DisclosurePlan, DisclosureStatus, FinanceLine
from sanzhi.disclosure.selectors import disclosure_get_for, disclosure_list_for, line_list, plan_get_for
from sanzhi.grids.models import Node


def tree_node(user: Any, code: str | None) -> Node | None:
    """A node named in a request, seen through the caller's tree: what they may not even see is 404;
    what they see but may not work on is refused by the service (403)."""
    if code is None:
        return None
    return node_for(user=user, code=code, capability=Capability.VIEW_TREE)


def plan_of(user: Any, plan_id: int | None) -> DisclosurePlan | None:
    if plan_id is None:
        return None
    return plan_get_for(user=user, pk=check_id(plan_id, _("公开事项不存在")))


def disclosure_of(user: Any, disclosure_id: int) -> Disclosure:
    return disclosure_get_for(user=user, pk=check_id(disclosure_id, _("公开内容不存在")))


def line_of(user: Any, line_id: int) -> FinanceLine:
    """A finance line of a disclosure the caller works on."""
    line = (
        FinanceLine.objects.filter(
            disclosure__in=disclosure_list_for(user=user).values("pk"),
            pk=check_id(line_id, _("收支明细不存在")),
        )
        .select_related("disclosure")
        .first()
    )
    if line is None:
        raise NotFound(_("收支明细不存在"), code="finance_line_not_found")
    return line


@dataclass
class DisclosureDetail:
    """What ``DisclosureDetailSerializer`` reads: the disclosure's fields, its lines and totals, and
    what the caller may do with it."""

    disclosure: Disclosure
    lines: list[FinanceLine]
    totals: Totals
    corrections: list[int]
    can_edit: bool
    can_publish: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["disclosure"], name)


def disclosure_detail(user: Any, disclosure_id: int) -> DisclosureDetail:
    disclosure = disclosure_of(user, disclosure_id)
    lines = list(line_list(disclosure))
    draft = disclosure.status == DisclosureStatus.DRAFT
    return DisclosureDetail(
        disclosure=disclosure,
        lines=lines,
        totals=totals_of(lines),
        corrections=list(
            disclosure_list_for(user=user)
            .filter(corrects=disclosure)
            .order_by("id")
            .values_list("pk", flat=True)
        ),
        can_edit=draft and rules.can_edit(user, disclosure),
        can_publish=rules.can_publish(user, disclosure),
    )
