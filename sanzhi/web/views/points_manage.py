"""积分细则 for managers: create and edit a rule, stop / restart it, and the catalog as a sheet
(export, all-or-nothing import). Writes go through sanzhi.points.schemes and rules_io; a rule that
entries use keeps its value (the service refuses and says why)."""

from __future__ import annotations

import os
import tempfile
from io import BytesIO
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
from sanzhi.points import rules
from sanzhi.points.models import Rule, Scheme
from sanzhi.points.rules_io import export_rows, import_rules, write_xlsx
from sanzhi.points.schemes import rule_create, rule_set_active, rule_update
from sanzhi.points.selectors import scheme_get_for
from sanzhi.web.forms_points import RuleForm
from sanzhi.web.views.common import console_view, require
from sanzhi.web.views.points_support import is_points_staff
from sanzhi.web.views.tickets_support import add_domain_error

UPLOAD_MAX_BYTES = 5 * 1024 * 1024


def managed_scheme(user: Any, pk: int) -> Scheme:
    require(is_points_staff(user))
    scheme = scheme_get_for(user=user, scheme_id=pk)
    require(rules.can_manage(user, scheme))
    return scheme


@console_view
def rule_edit(request: HttpRequest, pk: int, rule_id: int | None = None) -> HttpResponse:
    user = request.user
    scheme = managed_scheme(user, pk)
    rule = None
    if rule_id is not None:
        rule = Rule.objects.filter(pk=rule_id, scheme=scheme).first()
        if rule is None:
            raise Http404
    form = RuleForm(request.POST or None, scheme=scheme, rule=rule)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.service_fields()
            try:
                if rule is None:
                    saved = rule_create(actor=user, scheme=scheme, code=form.cleaned_data["code"], **data)
                else:
                    saved = rule_update(actor=user, rule=rule, **data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, _("已保存细则 {code}").format(code=saved.code))
                return redirect("web:points_rules", pk=scheme.pk)
        status = 422
    context = {"scheme": scheme, "form": form, "rule": rule, "active": "points"}
    return render(request, "web/points/rule_edit.html", context, status=status)


@require_POST
@console_view
def rule_active(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    scheme = managed_scheme(user, pk)
    raw = request.POST.get("rule", "")
    rule = Rule.objects.filter(pk=int(raw), scheme=scheme).first() if raw.isdigit() else None
    if rule is None:
        raise Http404
    active = request.POST.get("active") == "1"
    try:
        rule_set_active(actor=user, rule=rule, active=active)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        template = _("已启用细则 {code}") if active else _("已停用细则 {code}")
        messages.success(request, template.format(code=rule.code))
    return redirect("web:points_rules", pk=scheme.pk)


@console_view
def rules_export(request: HttpRequest, pk: int) -> HttpResponse:
    require(is_points_staff(request.user))
    scheme = scheme_get_for(user=request.user, scheme_id=pk)
    buffer = BytesIO()
    write_xlsx(buffer, export_rows(scheme), sheet=_("积分细则"))
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"{scheme.name}-{_('积分细则')}.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"points-rules-{scheme.pk}.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


@console_view
def rules_import(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    scheme = managed_scheme(user, pk)
    report: dict[str, Any] | None = None
    error = ""
    status = 200
    if request.method == "POST":
        report, error = _import(request, scheme)
        if error or (report and not report["ok"]):
            status = 400
        else:
            assert report is not None
            messages.success(
                request,
                _("导入成功：新增 {c} 条，更新 {u} 条，未变 {n} 条").format(
                    c=report["created"], u=report["updated"], n=report["unchanged"]
                ),
            )
            return redirect("web:points_rules", pk=scheme.pk)
    context = {"scheme": scheme, "report": report, "error": error, "active": "points"}
    return render(request, "web/points/rules_import.html", context, status=status)


def _import(request: HttpRequest, scheme: Scheme) -> tuple[dict[str, Any] | None, str]:
    upload = request.FILES.get("file")
    if upload is None:
        return None, _("请选择要导入的文件")
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        return None, _("不支持的文件类型 {ext}，请使用 .xlsx 或 .csv").format(ext=suffix or "?")
    if upload.size and upload.size > UPLOAD_MAX_BYTES:
        return None, _("文件过大（上限 5 MB）")
    fd, name = tempfile.mkstemp(prefix="sanzhi-rules-", suffix=suffix)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        result = import_rules(actor=request.user, scheme=scheme, path=name)
    except DomainError as exc:
        return None, exc.message
    finally:
        Path(name).unlink(missing_ok=True)
    if result.file_error is not None:
        return None, result.file_error.message
    return result.as_dict(get_language()), ""
