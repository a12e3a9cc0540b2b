"""The finance lines (收支明细) of a draft, edited inline with htmx: add, edit a row in place, remove;
every answer is the whole lines section (table, totals, the add form), so totals never go stale.
Without htmx the same URLs redirect back to the disclosure (or show it with the errors, 422).

Also the sheet: import (all or nothing, per-row errors in a table) and export (.xlsx / .csv).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.core.errors import DomainError
from sanzhi.disclosure import rules
from sanzhi.disclosure.finance_io import export_lines, finance_lines_import
from sanzhi.disclosure.models import Area, Disclosure, DisclosureStatus, FinanceLine
from sanzhi.disclosure.selectors import disclosure_get_for, line_list
from sanzhi.disclosure.services import finance_line_add, finance_line_remove, finance_line_update
from sanzhi.web.forms_disclosure import ImportForm, LineForm
from sanzhi.web.views.common import console_view, is_htmx, require
from sanzhi.web.views.disclosure_detail import detail_context, edit_line_form, lines_context
from sanzhi.web.views.disclosure_support import add_error

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _finance(request: HttpRequest, pk: int, *, edit: bool = True) -> Disclosure:
    disclosure = disclosure_get_for(user=request.user, pk=pk)
    require(disclosure.area == Area.FINANCE)
    if edit:
        require(rules.can_edit(request.user, disclosure))
    return disclosure


def _line(disclosure: Disclosure, line_id: int) -> FinanceLine:
    line = line_list(disclosure).filter(pk=line_id).first()
    if line is None:
        raise Http404
    return line


def _answer(
    request: HttpRequest, disclosure: Disclosure, *, ok: bool, message: str = "", **forms: Any
) -> HttpResponse:
    """The lines section for htmx; otherwise back to the disclosure, or the page with the errors."""
    status = 200 if ok else 422
    if is_htmx(request):
        context = lines_context(request.user, disclosure, **forms)
        context["flash"] = message
    elif ok:
        if message:
            messages.success(request, message)
        return redirect("web:disclosure_detail", pk=disclosure.pk)
    else:
        overrides = {k if k != "edit_form" else "line_edit_form": v for k, v in forms.items()}
        context = detail_context(request, disclosure, **overrides)
    if not ok and not context.get("editable"):
        # A published disclosure shows no forms: its refusal is said above the table.
        context["flash_error"] = " ".join(
            str(e) for form in forms.values() if isinstance(form, LineForm) for e in form.non_field_errors()
        )
    template = "partials/lines.html" if is_htmx(request) else "detail.html"
    return render(request, f"web/disclosure/console/{template}", context, status=status)


@console_view
def disclosure_lines(request: HttpRequest, pk: int) -> HttpResponse:
    """The lines section alone (htmx: cancel an edit)."""
    disclosure = _finance(request, pk, edit=False)
    context = lines_context(request.user, disclosure)
    return render(request, "web/disclosure/console/partials/lines.html", context)


@require_POST
@console_view
def disclosure_line_add(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = _finance(request, pk)
    form = LineForm(request.POST, prefix="add")
    if form.is_valid():
        try:
            finance_line_add(actor=request.user, disclosure=disclosure, **form.service_fields())
        except DomainError as exc:
            add_error(form, exc)
        else:
            return _answer(request, disclosure, ok=True, message=_("已添加一条收支"))
    return _answer(request, disclosure, ok=False, add_form=form)


@console_view
def disclosure_line_edit(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    """GET: the row as a form (in place); POST: save it."""
    disclosure = _finance(request, pk)
    line = _line(disclosure, line_id)
    if request.method != "POST":
        if is_htmx(request):
            context = lines_context(request.user, disclosure, editing=line.pk)
            return render(request, "web/disclosure/console/partials/lines.html", context)
        context = detail_context(request, disclosure, editing=line.pk)
        return render(request, "web/disclosure/console/detail.html", context)
    form = edit_line_form(request.POST)
    if form.is_valid():
        try:
            finance_line_update(actor=request.user, line=line, **form.service_fields())
        except DomainError as exc:
            add_error(form, exc)
        else:
            return _answer(request, disclosure, ok=True, message=_("已保存该条收支"))
    return _answer(request, disclosure, ok=False, editing=line.pk, edit_form=form)


@require_POST
@console_view
def disclosure_line_remove(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    disclosure = _finance(request, pk)
    line = _line(disclosure, line_id)
    try:
        finance_line_remove(actor=request.user, line=line)
    except DomainError as exc:
        if is_htmx(request):
            context = {**lines_context(request.user, disclosure), "flash_error": exc.message}
            return render(request, "web/disclosure/console/partials/lines.html", context, status=422)
        messages.error(request, exc.message)
        return redirect("web:disclosure_detail", pk=disclosure.pk)
    return _answer(request, disclosure, ok=True, message=_("已删除该条收支"))


# ---------------------------------------------------------------- the sheet


@console_view
def disclosure_lines_import(request: HttpRequest, pk: int) -> HttpResponse:
    disclosure = _finance(request, pk)
    require(disclosure.status == DisclosureStatus.DRAFT)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    report: dict[str, Any] | None = None
    error = ""
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = finance_lines_import(
                    actor=request.user,
                    disclosure=disclosure,
                    file=form.cleaned_data["file"],
                    replace=form.cleaned_data["replace"],
                )
            except DomainError as exc:
                error = exc.message
            else:
                if result.ok:
                    template = (
                        _("导入成功：新增 {c} 条收支")
                        if not result.replaced
                        else _("导入成功：替换原有 {r} 条，新增 {c} 条收支")
                    )
                    messages.success(request, template.format(c=result.created, r=result.replaced))
                    return redirect("web:disclosure_detail", pk=disclosure.pk)
                report = result.as_dict(get_language())
                if result.file_error is not None:
                    error = result.file_error.message
    context = {
        "d": disclosure,
        "form": form,
        "report": report,
        "error": error,
        "tab": "list",
        "active": "disclosure",
    }
    return render(request, "web/disclosure/console/import.html", context, status=status)


@console_view
def disclosure_lines_export(request: HttpRequest, pk: int, ext: str) -> HttpResponse:
    disclosure = _finance(request, pk, edit=False)
    if ext not in CONTENT_TYPES:
        raise Http404
    with tempfile.TemporaryDirectory(prefix="sanzhi-lines-") as folder:
        path = Path(folder) / f"lines.{ext}"
        export_lines(disclosure=disclosure, path=path)
        data = path.read_bytes()
    response = HttpResponse(data, content_type=CONTENT_TYPES[ext])
    filename = f"{disclosure.title}-{_('收支明细')}.{ext}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"disclosure-{disclosure.pk}-lines.{ext}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
