"""星级 and 红黑榜 in the console: evaluate a review period's stars (评星), the plaque list (挂牌) and
the re-cultivation list (失星再培育); publish a period's red and black lists and decide the appeals
(异议) against them. Writes go through sanzhi.points.stars and boards; lists are cut to the user's
points scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import DomainError
from sanzhi.points import rules
from sanzhi.points.boards import appeal_decide, board_list, board_publish
from sanzhi.points.models import AppealState, BoardAppeal, BoardKind, Scheme, Star, StarEvaluation
from sanzhi.points.periods import period_of
from sanzhi.points.selectors import scheme_get_for
from sanzhi.points.stars import plaque_list, recultivation_list, stars_evaluate
from sanzhi.web.views.common import console_view, require
from sanzhi.web.views.points_support import is_points_staff

PLAQUE_LIMIT = 200


class EvaluateForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("评星周期"), max_length=7, help_text=gettext_lazy("如 2026-11")
    )
    force = forms.BooleanField(label=gettext_lazy("仍有待审核申报时也评星"), required=False)


class PublishForm(forms.Form):
    period = forms.CharField(
        label=gettext_lazy("公示周期"), max_length=7, help_text=gettext_lazy("如 2026-11、2026Q4")
    )


class AppealDecideForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("uphold", gettext_lazy("异议成立")), ("dismiss", gettext_lazy("异议不成立"))]
    )
    note = forms.CharField(label=gettext_lazy("处理意见"), max_length=500)


def _scheme(user: Any, pk: int) -> Scheme:
    require(is_points_staff(user))
    return scheme_get_for(user=user, scheme_id=pk)


def _last_period(scheme: Scheme) -> str:
    return period_of(timezone.localdate(), scheme.review_period).previous().key


def _styled(form: forms.Form) -> forms.Form:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs["class"] = "form-check-input"
        else:
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )
    return form


# ---------------------------------------------------------------- 星级


@console_view
def points_stars(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    scheme = _scheme(user, pk)
    can_evaluate = rules.can_review(user, scheme)
    form = _styled(EvaluateForm(request.POST or None, initial={"month": _last_period(scheme)}))
    status = 200
    if request.method == "POST":
        require(can_evaluate)
        if form.is_valid():
            try:
                evaluation = stars_evaluate(
                    actor=user,
                    scheme=scheme,
                    month=form.cleaned_data["month"],
                    force=form.cleaned_data["force"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("{month} 评星完成：创星 {gained} 颗，失星 {lost} 颗").format(
                        month=evaluation.month, gained=evaluation.gained, lost=evaluation.lost
                    ),
                )
                return redirect("web:points_stars", pk=scheme.pk)
        status = 422
    scope = scope_for(user, Capability.VIEW_POINTS)
    plaques = [a for a in plaque_list(scheme)[:PLAQUE_LIMIT] if scope.contains(a.node_path)]
    recultivation = [r for r in recultivation_list(scheme) if scope.contains(r.account.node_path)]
    context = {
        "scheme": scheme,
        "stars": list(Star.objects.filter(scheme=scheme).select_related("category")),
        "evaluations": list(StarEvaluation.objects.filter(scheme=scheme).order_by("-month")[:12]),
        "form": form if can_evaluate else None,
        "plaques": plaques,
        "recultivation": recultivation,
        "active": "points",
    }
    return render(request, "web/points/stars.html", context, status=status)


# ---------------------------------------------------------------- 红黑榜


@console_view
def points_boards(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    scheme = _scheme(user, pk)
    can_publish = rules.can_review(user, scheme)
    form = _styled(PublishForm(request.POST or None, initial={"period": _last_period(scheme)}))
    status = 200
    if request.method == "POST":
        require(can_publish)
        if form.is_valid():
            try:
                red, black = board_publish(actor=user, scheme=scheme, period=form.cleaned_data["period"])
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("已发布 {period} 红黑榜：红榜 {red} 户，黑榜 {black} 户").format(
                        period=red.period, red=len(red.rows), black=len(black.rows)
                    ),
                )
                return redirect("web:points_boards", pk=scheme.pk)
        status = 422
    boards = list(board_list(under=scheme.node).filter(scheme=scheme)[:40])
    appeals = [
        a
        for a in BoardAppeal.objects.filter(board__scheme=scheme, state=AppealState.PENDING)
        .select_related("board", "account", "filed_by")
        .order_by("filed_at")
        if rules.can_review(user, a.board)
    ]
    context = {
        "scheme": scheme,
        "boards": boards,
        "red": BoardKind.RED,
        "form": form if can_publish else None,
        "appeals": appeals,
        "decide_form": _styled(AppealDecideForm()),
        "active": "points",
    }
    return render(request, "web/points/boards.html", context, status=status)


@require_POST
@console_view
def points_appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(is_points_staff(user))
    appeal = BoardAppeal.objects.select_related("board").filter(pk=pk).first()
    if appeal is None or not rules.can_review(user, appeal.board):
        raise Http404
    form = AppealDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写处理意见"))
    else:
        try:
            _appeal, correction = appeal_decide(
                actor=user,
                appeal=appeal,
                uphold=form.cleaned_data["decision"] == "uphold",
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if correction is not None:
                messages.success(
                    request, _("异议成立，已发布更正版（第 {n} 版）").format(n=correction.revision)
                )
            else:
                messages.success(request, _("已处理异议：不成立"))
    return redirect("web:points_boards", pk=appeal.board.scheme_id)
