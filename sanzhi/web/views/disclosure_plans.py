"""公开目录 of a community: the list, create and edit a plan, stop / restart it, and adopt the
default catalogue in one step. Writes go through ``sanzhi.disclosure.services``; who may keep the
calendar is ``rules.can_manage`` (others see the list read-only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.core.errors import DomainError
from sanzhi.disclosure import rules
from sanzhi.disclosure.models import DisclosurePlan
from sanzhi.disclosure.selectors import plan_get_for, plan_list_for
from sanzhi.disclosure.services import (
    plan_activate,
    plan_create,
    plan_deactivate,
    plan_update,
    plans_adopt_default,
)
from sanzhi.web.forms_disclosure import PlanForm
from sanzhi.web.views.common import console_view, require
from sanzhi.web.views.disclosure_support import add_error, communities_for, community_url, pick_community


@console_view
def disclosure_plans(request: HttpRequest) -> HttpResponse:
    user = request.user
    communities = communities_for(user)
    node = pick_community(request, communities)
    plans = list(plan_list_for(user=user, node=node, active=None).order_by("-active", "area", "order", "id"))
    context = {
        "node": node,
        "communities": communities,
        "plans": plans,
        "can_manage": rules.can_manage(user, node),
        "tab": "plans",
        "active": "disclosure",
    }
    return render(request, "web/disclosure/console/plans.html", context)


def _managed_plan(request: HttpRequest, pk: int) -> DisclosurePlan:
    plan = plan_get_for(user=request.user, pk=pk)
    require(rules.can_manage(request.user, plan))
    return plan


@console_view
def disclosure_plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    if pk is None:
        plan = None
        node = pick_community(request, communities_for(user))
        require(rules.can_manage(user, node))
    else:
        plan = _managed_plan(request, pk)
        node = plan.node
    form = PlanForm(request.POST if request.method == "POST" else None, plan=plan)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            fields = {
                "title": data["title"],
                "frequency": data["frequency"],
                "due_days": data["due_days"],
                "description": data["description"],
                "order": data["order"] or 0,
            }
            try:
                if plan is None:
                    saved = plan_create(actor=user, node=node, area=data["area"], **fields)
                else:
                    saved = plan_update(actor=user, plan=plan, **fields)
            except DomainError as exc:
                add_error(form, exc)
            else:
                messages.success(request, _("已保存公开事项“{title}”").format(title=saved.title))
                return redirect(community_url("web:disclosure_plans", node))
        status = 422
    context = {"form": form, "plan": plan, "node": node, "tab": "plans", "active": "disclosure"}
    return render(request, "web/disclosure/console/plan_edit.html", context, status=status)


@require_POST
@console_view
def disclosure_plan_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    plan = _managed_plan(request, pk)
    active = request.POST.get("active") == "1"
    try:
        if active:
            plan_activate(actor=user, plan=plan)
        else:
            plan_deactivate(actor=user, plan=plan)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        template = _("已启用“{title}”") if active else _("已停用“{title}”")
        messages.success(request, template.format(title=plan.title))
    return redirect(community_url("web:disclosure_plans", plan.node))


@require_POST
@console_view
def disclosure_plans_adopt(request: HttpRequest) -> HttpResponse:
    user = request.user
    node = pick_community(request, communities_for(user))
    require(rules.can_manage(user, node))
    try:
        created = plans_adopt_default(actor=user, node=node)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if created:
            messages.success(request, _("已采用默认公开目录：新增 {n} 项").format(n=len(created)))
        else:
            messages.info(request, _("默认公开目录的各项都已在目录中，没有新增"))
    return redirect(community_url("web:disclosure_plans", node))
