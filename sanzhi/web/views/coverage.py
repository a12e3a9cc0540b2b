"""覆盖检查: the coverage report of a node in scope."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from sanzhi.accounts.roles import Capability
from sanzhi.grids.coverage import coverage_report
from sanzhi.grids.selectors import node_breadcrumbs_for, node_get_for, node_roots_for
from sanzhi.web.views.common import console_view, require


@console_view
def coverage_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user.has_perm(Capability.VIEW_COVERAGE))
    code = request.GET.get("node", "").strip()
    if not code:
        first = node_roots_for(user=user, capability=Capability.VIEW_COVERAGE).first()
        require(first is not None)
        assert first is not None
        return redirect(f"{reverse('web:coverage')}?node={first.code}")
    root = node_get_for(user=user, code=code, capability=Capability.VIEW_COVERAGE)
    report = coverage_report(root=root)
    context = {
        "node": root,
        "breadcrumbs": node_breadcrumbs_for(user=user, node=root),
        "report": report,
        "active": "coverage",
    }
    return render(request, "web/coverage.html", context)
