"""One disclosure in the console: edit the draft (title, text), its finance lines (see
``disclosure_lines``), publish it after a confirmation (public and unchangeable from then on), and
once published: read-only, with its chain seq and hash, links to the public page and the PDF, and
"correct" (a reason, then a new draft that corrects it). A draft can be discarded.

Writes go through ``sanzhi.disclosure.services``; out of scope is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.core.errors import DomainError
from sanzhi.disclosure import rules
from sanzhi.disclosure.drafts import totals_of
from sanzhi.disclosure.models import Area, Disclosure, DisclosureStatus, FinanceDirection
from sanzhi.disclosure.public import yuan
from sanzhi.disclosure.selectors import disclosure_get_for, disclosure_list_for, line_list
from sanzhi.disclosure.services import (
    disclosure_correct,
    disclosure_discard,
    disclosure_publish,
    disclosure_update,
)
from sanzhi.web.forms_disclosure import CorrectForm, DraftEditForm, LineForm
from sanzhi.web.views.common import console_view, require
from sanzhi.web.views.disclosure_support import add_error, community_url, line_rows, pdf_url, public_url

EDIT_FORM_ID = "line-edit-form"


def new_line_form(disclosure: Disclosure) -> LineForm:
    today = timezone.localdate()
    start, end = disclosure.period_start, disclosure.period_end
    day = today if start is None or end is None or start <= today <= end else start
    return LineForm(initial={"direction": FinanceDirection.EXPENSE, "date": day}, prefix="add")


def edit_line_form(*args: Any, **kwargs: Any) -> LineForm:
    form = LineForm(*args, prefix="edit", **kwargs)
    for field in form.fields.values():
        field.widget.attrs["form"] = EDIT_FORM_ID
    return form


def lines_context(
    user: Any,
    disclosure: Disclosure,
    *,
    add_form: LineForm | None = None,
    editing: int | None = None,
    edit_form: LineForm | None = None,
) -> dict[str, Any]:
    """What the finance lines section needs (``partials/lines.html``)."""
    lines = list(line_list(disclosure))
    totals = totals_of(lines)
    editable = disclosure.status == DisclosureStatus.DRAFT and rules.can_edit(user, disclosure)
    if editing is not None and edit_form is None:
        line = next((x for x in lines if x.pk == editing), None)
        edit_form = edit_line_form(line=line) if line is not None else None
    return {
        "d": disclosure,
        "rows": line_rows(lines),
        "income": yuan(totals.income_fen),
        "expense": yuan(totals.expense_fen),
        "net": yuan(totals.net_fen),
        "net_negative": totals.net_fen < 0,
        "editable": editable,
        "add_form": (add_form or new_line_form(disclosure)) if editable else None,
        "editing": editing if edit_form is not None else None,
        "edit_form": edit_form,
        "edit_form_id": EDIT_FORM_ID,
    }


def detail_context(request: HttpRequest, disclosure: Disclosure, **overrides: Any) -> dict[str, Any]:
    user = request.user
    draft = disclosure.status == DisclosureStatus.DRAFT
    corrections = list(disclosure_list_for(user=user).filter(corrects=disclosure).order_by("id"))
    context: dict[str, Any] = {
        "d": disclosure,
        "draft": draft,
        "finance": disclosure.area == Area.FINANCE,
        "can_edit": draft and rules.can_edit(user, disclosure),
        "can_publish": draft and rules.can_publish(user, disclosure),
        "can_correct": not draft and not corrections and rules.can_publish(user, disclosure),
        "corrections": corrections,
        "draft_form": DraftEditForm(initial={"title": disclosure.title, "body": disclosure.body}),
        "correct_form": CorrectForm(),
        "public_url": public_url(disclosure),
        "pdf_url": pdf_url(disclosure),
        "list_url": community_url("web:disclosure_list", disclosure.node),
        "calendar_url": community_url("web:disclosure_calendar", disclosure.node),
        "tab": "list",
        "active": "disclosure",
    }
    if context["finance"]:
        context.update(
            lines_context(
                user,
                disclosure,
                add_form=overrides.pop("add_form", None),
                editing=overrides.pop("editing", None),
                edit_form=overrides.pop("line_edit_form", None),
            )
        )
    context.update(overrides)
    return context


@console_view
def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The disclosure; a POST saves the draft's title and text."""
    user = request.user
    disclosure = disclosure_get_for(user=user, pk=pk)
    if request.method != "POST":
        return render(request, "web/disclosure/console/detail.html", detail_context(request, disclosure))
    require(disclosure.status == DisclosureStatus.DRAFT and rules.can_edit(user, disclosure))
    form = DraftEditForm(request.POST)
    if form.is_valid():
        try:
            disclosure_update(
                actor=user,
                disclosure=disclosure,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except DomainError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("草稿已保存"))
            return redirect("web:disclosure_detail", pk=disclosure.pk)
    context = detail_context(request, disclosure, draft_form=form)
    return render(request, "web/disclosure/console/detail.html", context, status=422)


@console_view
def disclosure_publish_page(request: HttpRequest, pk: int) -> HttpResponse:
    """发布: a confirmation page (it becomes public and unchangeable), then the publication."""
    user = request.user
    disclosure = disclosure_get_for(user=user, pk=pk)
    require(rules.can_publish(user, disclosure))
    if disclosure.status != DisclosureStatus.DRAFT:
        messages.info(request, _("该公开内容已发布"))
        return redirect("web:disclosure_detail", pk=disclosure.pk)
    error = ""
    if request.method == "POST":
        try:
            published = disclosure_publish(actor=user, disclosure=disclosure)
        except DomainError as exc:
            error = exc.message
        else:
            assert published.publication is not None
            messages.success(
                request,
                _("已公开：公开链第 {seq} 条").format(seq=published.publication.seq),
            )
            return redirect("web:disclosure_detail", pk=disclosure.pk)
    lines = list(line_list(disclosure))
    totals = totals_of(lines)
    context = {
        "d": disclosure,
        "error": error,
        "line_count": len(lines),
        "income": yuan(totals.income_fen),
        "expense": yuan(totals.expense_fen),
        "net": yuan(totals.net_fen),
        "tab": "list",
        "active": "disclosure",
    }
    return render(request, "web/disclosure/console/publish.html", context, status=422 if error else 200)


@require_POST
@console_view
def disclosure_correct_view(request: HttpRequest, pk: int) -> HttpResponse:
    """更正: a new draft, a copy of the published disclosure, that corrects it."""
    user = request.user
    disclosure = disclosure_get_for(user=user, pk=pk)
    require(rules.can_publish(user, disclosure))
    form = CorrectForm(request.POST)
    if form.is_valid():
        try:
            correction = disclosure_correct(
                actor=user, disclosure=disclosure, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            add_error(form, exc)
        else:
            messages.success(request, _("已生成更正稿，请修改后重新发布"))
            return redirect("web:disclosure_detail", pk=correction.pk)
    context = detail_context(request, disclosure, correct_form=form)
    return render(request, "web/disclosure/console/detail.html", context, status=422)


@require_POST
@console_view
def disclosure_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Throw a draft away (never a published disclosure: the service refuses)."""
    user = request.user
    disclosure = disclosure_get_for(user=user, pk=pk)
    require(rules.can_edit(user, disclosure))
    node = disclosure.node
    try:
        disclosure_discard(actor=user, disclosure=disclosure)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("web:disclosure_detail", pk=disclosure.pk)
    messages.success(request, _("已删除草稿“{title}”").format(title=disclosure.title))
    return redirect(community_url("web:disclosure_list", node))
