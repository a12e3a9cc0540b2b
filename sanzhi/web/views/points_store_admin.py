"""积分超市 management: goods on and off the shelf, donors (乡贤捐赠), and 集中兑换 windows. Writes go
through sanzhi.points.store_admin; the stock itself moves only by restocks (points_store)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError
from sanzhi.points import rules
from sanzhi.points.models import AccountTier, Goods, Scheme, Tier
from sanzhi.points.periods import period_of
from sanzhi.points.selectors import scheme_get_for
from sanzhi.points.store_admin import (
    donor_create,
    goods_create,
    goods_update,
    tier_define,
    tiers_assign,
    window_create,
)
from sanzhi.web.forms_points import DonorForm, GoodsForm, TierAssignForm, TierForm, WindowForm
from sanzhi.web.views.common import console_view, require
from sanzhi.web.views.points_console import scheme_url
from sanzhi.web.views.points_store import store_donors
from sanzhi.web.views.points_support import is_points_staff
from sanzhi.web.views.tickets_support import add_domain_error

FORM = "web/points/store_form.html"


def _store_scheme(user: Any, pk: int) -> Scheme:
    require(is_points_staff(user))
    scheme = scheme_get_for(user=user, scheme_id=pk)
    require(rules.can_run_store(user, scheme))
    return scheme


def _done(request: HttpRequest, scheme: Scheme, notice: str) -> HttpResponse:
    messages.success(request, notice)
    return redirect(scheme_url("web:points_store", scheme))


def _page(request: HttpRequest, scheme: Scheme, form: Any, title: str, status: int) -> HttpResponse:
    context = {"scheme": scheme, "form": form, "title": title, "active": "points"}
    return render(request, FORM, context, status=status)


@console_view
def goods_edit(request: HttpRequest, pk: int, goods_id: int | None = None) -> HttpResponse:
    user = request.user
    scheme = _store_scheme(user, pk)
    goods = None
    if goods_id is not None:
        goods = Goods.objects.filter(pk=goods_id, scheme=scheme).first()
        if goods is None:
            raise Http404
    form = GoodsForm(request.POST or None, donors=store_donors(scheme), goods=goods)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if goods is None:
                    saved = goods_create(
                        actor=user,
                        scheme=scheme,
                        name=data["name"],
                        unit=data["unit"],
                        price=data["price"],
                        donor=form.chosen_donor(),
                        window_only=data["window_only"],
                        per_account_limit=data["per_account_limit"],
                        initial_stock=data["initial_stock"] or 0,
                    )
                else:
                    saved = goods_update(
                        actor=user,
                        goods_id=goods.pk,
                        name=data["name"],
                        unit=data["unit"],
                        price=data["price"],
                        donor=form.chosen_donor(),
                        window_only=data["window_only"],
                        per_account_limit=data["per_account_limit"],
                        active=data["active"],
                    )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return _done(request, scheme, str(_("已保存商品“{name}”")).format(name=saved.name))
        return _page(request, scheme, form, str(_("编辑商品") if goods else _("上架商品")), 422)
    return _page(request, scheme, form, str(_("编辑商品") if goods else _("上架商品")), 200)


@console_view
def donor_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    scheme = _store_scheme(user, pk)
    form = DonorForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                donor = donor_create(
                    actor=user, node=scheme.node, name=data["name"], kind=data["kind"], note=data["note"]
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return _done(request, scheme, str(_("已添加捐赠方“{name}”")).format(name=donor.name))
        return _page(request, scheme, form, str(_("新增捐赠方")), 422)
    return _page(request, scheme, form, str(_("新增捐赠方")), 200)


@console_view
def window_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(is_points_staff(user))
    scheme = scheme_get_for(user=user, scheme_id=pk)
    require(rules.can_manage(user, scheme))
    form = WindowForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                window = window_create(
                    actor=user,
                    scheme=scheme,
                    name=data["name"],
                    starts_at=data["starts_at"],
                    ends_at=data["ends_at"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                return _done(request, scheme, str(_("已设置集中兑换“{name}”")).format(name=window.name))
        return _page(request, scheme, form, str(_("设置集中兑换")), 422)
    return _page(request, scheme, form, str(_("设置集中兑换")), 200)


@console_view
def tiers_page(request: HttpRequest, pk: int) -> HttpResponse:
    """兑换档次: define tiers by rank, assign them from an ended summary period's ranking."""
    user = request.user
    require(is_points_staff(user))
    scheme = scheme_get_for(user=user, scheme_id=pk)
    require(rules.can_manage(user, scheme))
    action = request.POST.get("action", "")
    last = period_of(timezone.localdate(), scheme.summary_period).previous().key
    define = TierForm(request.POST if action == "define" else None)
    assign = TierAssignForm(request.POST if action == "assign" else None, initial={"period": last})
    status = 200
    if request.method == "POST":
        try:
            if action == "define" and define.is_valid():
                tier = tier_define(actor=user, scheme=scheme, **define.cleaned_data)
                messages.success(request, _("已设置档次“{name}”").format(name=tier.name))
                return redirect("web:points_tiers", pk=scheme.pk)
            if action == "assign" and assign.is_valid():
                rows = tiers_assign(actor=user, scheme=scheme, period=assign.cleaned_data["period"])
                messages.success(request, _("已为 {n} 户分配档次").format(n=len(rows)))
                return redirect("web:points_tiers", pk=scheme.pk)
        except DomainError as exc:
            add_domain_error(define if action == "define" else assign, exc)
        status = 422
    context = {
        "scheme": scheme,
        "tiers": list(Tier.objects.filter(scheme=scheme).order_by("rank_max")),
        "assigned": list(
            AccountTier.objects.filter(tier__scheme=scheme)
            .select_related("tier", "account")
            .order_by("-period", "rank")[:100]
        ),
        "define": define,
        "assign": assign,
        "active": "points",
    }
    return render(request, "web/points/tiers.html", context, status=status)
