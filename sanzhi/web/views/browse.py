"""Home, the tree browser, household and resident pages, resident search."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sanzhi.accounts.roles import Capability, Role
from sanzhi.accounts.scoping import assignments_of
from sanzhi.grids.models import Node
from sanzhi.grids.selectors import (
    node_breadcrumbs_for,
    node_children_for,
    node_get_for,
    node_roots_for,
    subtree_totals,
    subtree_totals_by_child,
)
from sanzhi.people.selectors import (
    can_reveal,
    household_get_for,
    household_list_for,
    household_tags_for,
    present_resident,
    resident_get_for,
    resident_list_for,
)
from sanzhi.web.forms import RevealForm, SearchForm
from sanzhi.web.views.common import console_view, is_htmx, paginate, render_page_or_fragment


def _with_totals(nodes: list[Node]) -> list[dict[str, Any]]:
    totals = subtree_totals_by_child(nodes)
    return [{"node": n, "totals": totals[n.pk]} for n in nodes]


def _role_rows(user: Any) -> list[dict[str, Any]]:
    rows = assignments_of(user)
    nodes = {n.pk: n for n in Node.objects.filter(pk__in=[node_id for _r, _p, node_id in rows])}
    labels = dict(Role.choices)
    return [
        {"role": labels.get(role, role), "node": nodes.get(node_id)}
        for role, _path, node_id in sorted(rows, key=lambda r: r[1])
    ]


@console_view
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    roots = list(node_roots_for(user=user))
    own = None if roots else household_list_for(user=user).first()
    context = {
        "roles": _role_rows(user),
        "roots": _with_totals(roots),
        "own_household": own,
        "active": "home",
    }
    return render(request, "web/home.html", context)


def _household_page(request: HttpRequest, node: Node) -> dict[str, Any]:
    if not request.user.has_perm(Capability.VIEW_REGISTRY, node):
        return {"households": None}
    return {"households": paginate(request, household_list_for(user=request.user, under=node))}


@console_view
def node(request: HttpRequest, code: str) -> HttpResponse:
    current = node_get_for(user=request.user, code=code)
    context = {"node": current, "active": "tree", **_household_page(request, current)}
    if not is_htmx(request):  # an htmx call here is the household list's pagination
        context.update(
            {
                "breadcrumbs": node_breadcrumbs_for(user=request.user, node=current),
                "totals": subtree_totals(current),
                "can_import": request.user.has_perm(Capability.IMPORT_REGISTRY, current),
                "can_coverage": request.user.has_perm(Capability.VIEW_COVERAGE, current),
            }
        )
    return render_page_or_fragment(request, "web/node.html", "web/partials/household_list.html", context)


@console_view
def node_children(request: HttpRequest, code: str) -> HttpResponse:
    current = node_get_for(user=request.user, code=code)
    children = list(node_children_for(user=request.user, node=current))
    return render(
        request, "web/partials/node_children.html", {"node": current, "children": _with_totals(children)}
    )


@console_view
def household(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    current = household_get_for(user=user, pk=pk)
    members = current.members.prefetch_related("tags").order_by("relation", "id")
    context = {
        "household": current,
        "active": "tree",
        "breadcrumbs": _breadcrumbs_if_visible(user, current.node),
        "tags": household_tags_for(current, user=user),
        "members": [present_resident(m, user=user, revealed=False) for m in members],
    }
    return render(request, "web/household.html", context)


def _breadcrumbs_if_visible(user: Any, node: Node) -> list[Node]:
    # A resident sees their own household but not the tree around it.
    if not user.has_perm(Capability.VIEW_TREE, node):
        return []
    return node_breadcrumbs_for(user=user, node=node)


def resident_context(request: HttpRequest, pk: int, *, revealed: bool) -> dict[str, Any]:
    user = request.user
    current = resident_get_for(user=user, pk=pk)
    return {
        "resident": current,
        "active": "registry",
        "view": present_resident(current, user=user, revealed=revealed),
        "breadcrumbs": _breadcrumbs_if_visible(user, current.household.node),
        "can_reveal": can_reveal(user, current),
        "housemates": current.household.members.exclude(pk=current.pk).order_by("relation", "id"),
        "reveal_form": RevealForm(),
    }


@console_view
def resident(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "web/resident.html", resident_context(request, pk, revealed=False))


@console_view
def residents(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    households = list(household_list_for(user=user, search=query)[:20]) if query else []
    page = paginate(request, resident_list_for(user=user, search=query).prefetch_related("tags"))
    rows = [present_resident(r, user=user, revealed=False) for r in page.object_list]
    context = {"form": form, "query": query, "page": page, "rows": rows, "households": households}
    context["active"] = "registry"
    return render_page_or_fragment(
        request, "web/residents.html", "web/partials/resident_results.html", context
    )
