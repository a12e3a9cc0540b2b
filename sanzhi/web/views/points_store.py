"""积分超市 at the counter: goods and stock, restocks (a donor's gift), redemption on a holder's behalf
(the form carries a request key made when it was shown, so a double submit redeems once), the
pickups waiting at the counter with 核销 and cancellation with a reason, and the statistics."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.accounts.roles import Capability
from sanzhi.core.errors import DomainError
from sanzhi.core.fields import subtree_q
from sanzhi.points import rules
from sanzhi.points.models import Donor, Goods, Redemption, RedemptionState, Scheme
from sanzhi.points.store import (
    goods_restock,
    open_window,
    redeem,
    redemption_cancel,
    redemption_pickup,
)
from sanzhi.points.store_stats import store_stats
from sanzhi.web.forms_points import CancelForm, RedeemForm, RestockForm
from sanzhi.web.views.common import console_view, paginate, require
from sanzhi.web.views.points_console import scheme_url
from sanzhi.web.views.points_support import (
    accounts_for,
    chosen_option,
    console_schemes,
    has_anywhere_in,
    pick_scheme,
)
from sanzhi.web.views.tickets_support import add_domain_error

C = Capability


def _store_schemes(user: Any) -> list[Scheme]:
    return [s for s in console_schemes(user) if has_anywhere_in(user, C.RUN_STORE, s)]


def store_donors(scheme: Scheme) -> list[Donor]:
    # A donor of the scheme's community or of any place above it (a street's 乡贤 stock villages).
    prefixes = [scheme.node_path[:i] for i in range(4, len(scheme.node_path) + 1, 4)]
    return list(
        Donor.objects.filter(node_path__in=prefixes)
        | Donor.objects.filter(subtree_q("node_path", scheme.node_path))
    )


def _store_context(
    request: HttpRequest, scheme: Scheme, schemes: list[Scheme], **forms: Any
) -> dict[str, Any]:
    user = request.user
    goods = list(
        Goods.objects.filter(scheme=scheme).select_related("donor", "min_tier").order_by("order", "id")
    )
    on_sale = [g for g in goods if g.active]
    pool = accounts_for(user, scheme, C.RUN_STORE)
    pickups = (
        Redemption.objects.filter(scheme=scheme, state=RedemptionState.PLACED, account__in=pool)
        .select_related("account", "goods")
        .order_by("created_at", "id")
    )
    can_restock = rules.can_run_store(user, scheme)
    raw = request.POST.get("account") or request.GET.get("account") or ""
    selected = chosen_option(user, scheme, C.RUN_STORE, raw)
    return {
        "scheme": scheme,
        "schemes": schemes,
        "goods": goods,
        "redeem_form": forms.get("redeem_form") or RedeemForm(goods=on_sale),
        "restock_form": (forms.get("restock_form") or RestockForm(goods=goods, donors=store_donors(scheme)))
        if can_restock
        else None,
        "selected": selected,
        "pickups": paginate(request, pickups, per_page=30),
        "stats": store_stats(scheme_ids=[scheme.pk]),
        "can_manage": rules.can_manage(user, scheme),
        "can_restock": can_restock,
        "window": open_window(scheme.pk, timezone.now()),
        "cancel_form": CancelForm(),
        "errors": forms.get("errors", []),
        "active": "points",
    }


@console_view
def points_store(request: HttpRequest) -> HttpResponse:
    schemes = _store_schemes(request.user)
    require(bool(schemes))
    scheme = pick_scheme(request, schemes)
    return render(request, "web/points/store.html", _store_context(request, scheme, schemes))


@require_POST
@console_view
def points_redeem(request: HttpRequest) -> HttpResponse:
    user = request.user
    schemes = _store_schemes(user)
    require(bool(schemes))
    scheme = pick_scheme(request, schemes)
    on_sale = list(Goods.objects.filter(scheme=scheme, active=True).order_by("order", "id"))
    form = RedeemForm(request.POST, goods=on_sale)
    if form.is_valid():
        data = form.cleaned_data
        account = accounts_for(user, scheme, C.RUN_STORE).filter(pk=data["account"]).first()
        if account is None:
            form.add_error(None, _("请选择兑换账户"))
        else:
            try:
                redemption = redeem(
                    actor=user,
                    account_id=account.pk,
                    goods_id=data["goods"],
                    quantity=data["quantity"],
                    request_key=data["request_key"],
                )
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    _("“{name}”已兑换 {goods} × {qty}，扣 {points} 分，待领取").format(
                        name=account.name,
                        goods=redemption.goods.name,
                        qty=redemption.quantity,
                        points=redemption.points,
                    ),
                )
                return redirect(scheme_url("web:points_store", scheme))
    context = _store_context(request, scheme, schemes, redeem_form=form)
    return render(request, "web/points/store.html", context, status=422)


@require_POST
@console_view
def points_restock(request: HttpRequest) -> HttpResponse:
    user = request.user
    schemes = _store_schemes(user)
    require(bool(schemes))
    scheme = pick_scheme(request, schemes)
    require(rules.can_run_store(user, scheme))
    goods = list(Goods.objects.filter(scheme=scheme).order_by("order", "id"))
    donors = store_donors(scheme)
    form = RestockForm(request.POST, goods=goods, donors=donors)
    if form.is_valid():
        data = form.cleaned_data
        donor = next((d for d in donors if d.pk == data["donor"]), None)
        try:
            movement = goods_restock(
                actor=user,
                goods_id=data["goods"],
                quantity=data["quantity"],
                donor=donor,
                note=data["note"],
                kind=data["kind"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("{goods} 库存已变动 {delta:+d}").format(goods=movement.goods.name, delta=movement.delta),
            )
            return redirect(scheme_url("web:points_store", scheme))
    context = _store_context(request, scheme, schemes, restock_form=form)
    return render(request, "web/points/store.html", context, status=422)


def _redemption_for(user: Any, pk: int) -> Redemption:
    """A redemption of an account in the user's store scope, else a 404."""
    redemption = Redemption.objects.select_related("scheme").filter(pk=pk).first()
    if (
        redemption is None
        or not accounts_for(user, redemption.scheme, C.RUN_STORE).filter(pk=redemption.account_id).exists()
    ):
        raise Http404
    return redemption


@require_POST
@console_view
def points_pickup(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = _redemption_for(request.user, pk)
    try:
        redemption_pickup(actor=request.user, redemption_id=redemption.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("已核销：{goods} × {qty}").format(goods=redemption.goods.name, qty=redemption.quantity)
        )
    return redirect(scheme_url("web:points_store", redemption.scheme))


@require_POST
@console_view
def points_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    redemption = _redemption_for(request.user, pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("取消兑换须填写原因"))
    else:
        try:
            redemption_cancel(
                actor=request.user, redemption_id=redemption.pk, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("已取消兑换，积分已退回"))
    return redirect(scheme_url("web:points_store", redemption.scheme))
