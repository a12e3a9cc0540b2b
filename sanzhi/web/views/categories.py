"""诉求分类: the category tree with its time limits; edit one category; import/export the sheet.

Only holders of ``tickets.categories`` see these pages (others get the same 404 as for any page
they may not use). Writes go through sanzhi.tickets.categories (audited).
"""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from sanzhi.core.errors import DomainError, NotFound
from sanzhi.tickets.categories import (
    LEVELS,
    can_manage_categories,
    category_create,
    category_limits_set,
    category_update,
    department_usable_by,
    own_limits,
)
from sanzhi.tickets.categories_io import export_rows, import_categories, write_xlsx
from sanzhi.tickets.clock import limits_for
from sanzhi.tickets.models import Category, CategoryKind, Department
from sanzhi.tickets.states import Level
from sanzhi.web.views.common import console_view, require

UPLOAD_MAX_BYTES = 5 * 1024 * 1024


def _hours(value: Decimal) -> str:
    return format(value.normalize(), "f")


class CategoryForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("编码"), max_length=40)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=60)
    name_en = forms.CharField(label=gettext_lazy("英文名称"), max_length=100, required=False)
    parent = forms.ChoiceField(label=gettext_lazy("上级分类"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("类别"), choices=CategoryKind.choices)
    department = forms.ChoiceField(label=gettext_lazy("责任部门"), required=False)
    grid_may_close = forms.BooleanField(label=gettext_lazy("网格可直接结案"), required=False)
    is_consultation = forms.BooleanField(label=gettext_lazy("咨询类（答复即办结）"), required=False)
    keywords = forms.CharField(
        label=gettext_lazy("关键词"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, category: Category | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category = category
        tops = Category.objects.filter(parent=None).order_by("sort", "code")
        if category is not None:
            tops = tops.exclude(pk=category.pk)
        parent_field = self.fields["parent"]
        assert isinstance(parent_field, forms.ChoiceField)
        parent_field.choices = [("", _("（一级分类）"))] + [(c.code, f"{c.code} {c.name}") for c in tops]
        departments = [
            d
            for d in Department.objects.filter(active=True).order_by("code")
            if department_usable_by(user, d)
        ]
        if (
            category is not None
            and category.department is not None
            and category.department not in departments
        ):
            departments.append(category.department)
        department_field = self.fields["department"]
        assert isinstance(department_field, forms.ChoiceField)
        department_field.choices = [("", _("（无）"))] + [(d.code, f"{d.code} {d.name}") for d in departments]
        self.hour_fields: list[tuple[str, str, str]] = []
        for level in LEVELS:
            label = Level(level).label
            for part, text in (("response", _("响应")), ("resolve", _("办结"))):
                name = f"{level}_{part}"
                self.fields[name] = forms.DecimalField(
                    label=f"{label}{text}",
                    required=False,
                    min_value=Decimal("0.01"),
                    max_digits=7,
                    decimal_places=2,
                )
            self.hour_fields.append((str(label), f"{level}_response", f"{level}_resolve"))
        if category is not None:
            self.fields["code"].disabled = True

    def limit_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(label, self[response], self[resolve]) for label, response, resolve in self.hour_fields]

    def limits(self) -> dict[str, tuple[Decimal, Decimal] | None]:
        result: dict[str, tuple[Decimal, Decimal] | None] = {}
        for level in LEVELS:
            response = self.cleaned_data.get(f"{level}_response")
            resolve = self.cleaned_data.get(f"{level}_resolve")
            if response is None and resolve is None:
                result[level] = None
            elif response is None or resolve is None:
                self.add_error(f"{level}_resolve", _("响应时限和办结时限须同时填写或同时留空"))
            else:
                result[level] = (response, resolve)
        return result


def _initial(category: Category) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "code": category.code,
        "name": category.name,
        "name_en": category.name_en,
        "parent": category.parent.code if category.parent is not None else "",
        "kind": category.kind,
        "department": category.department.code if category.department is not None else "",
        "grid_may_close": category.grid_may_close,
        "is_consultation": category.is_consultation,
        "keywords": category.keywords,
        "active": category.active,
    }
    for level, (response, resolve) in own_limits(category).items():
        initial[f"{level}_response"] = _hours(response)
        initial[f"{level}_resolve"] = _hours(resolve)
    return initial


def _tree() -> list[dict[str, Any]]:
    categories = list(
        Category.objects.select_related("parent", "department").prefetch_related("limits", "parent__limits")
    )
    children: dict[int | None, list[Category]] = {}
    for c in sorted(categories, key=lambda c: (c.sort, c.code)):
        children.setdefault(c.parent_id, []).append(c)
    rows: list[dict[str, Any]] = []
    for top in children.get(None, []):
        for category in [top, *children.get(top.pk, [])]:
            own = {limit.level for limit in category.limits.all()}
            limits = []
            for level in LEVELS:
                response, resolve = limits_for(category, level)
                limits.append({"text": f"{_hours(response)}/{_hours(resolve)}", "own": level in own})
            rows.append({"category": category, "sub": category.parent_id is not None, "limits": limits})
    return rows


def _report_context(request: HttpRequest) -> tuple[dict[str, Any] | None, str]:
    upload = request.FILES.get("file")
    if upload is None:
        return None, _("请选择要导入的文件")
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in (".xlsx", ".csv", ".xls", ".ods"):
        return None, _("不支持的文件类型 {ext}，请使用 .xlsx 或 .csv").format(ext=suffix or "?")
    if upload.size and upload.size > UPLOAD_MAX_BYTES:
        return None, _("文件过大（上限 5 MB）")
    fd, name = tempfile.mkstemp(prefix="sanzhi-categories-", suffix=suffix)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        report = import_categories(actor=request.user, path=name)
    except DomainError as exc:
        return None, exc.message
    finally:
        Path(name).unlink(missing_ok=True)
    if report.file_error is not None:
        return None, report.file_error.message
    return report.as_dict(get_language()), ""


@console_view
def categories_page(request: HttpRequest) -> HttpResponse:
    require(can_manage_categories(request.user))
    context: dict[str, Any] = {"active": "categories", "report": None, "error": ""}
    status = 200
    if request.method == "POST":
        context["report"], context["error"] = _report_context(request)
        if context["error"] or (context["report"] and not context["report"]["ok"]):
            status = 400
    context["rows"] = _tree()
    return render(request, "web/categories.html", context, status=status)


@console_view
def category_export(request: HttpRequest) -> HttpResponse:
    require(can_manage_categories(request.user))
    buffer = BytesIO()
    write_xlsx(buffer, list(export_rows()))
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    # RFC 5987 form of 诉求分类.xlsx, with an ASCII fallback.
    response["Content-Disposition"] = (
        'attachment; filename="sanzhi-categories.xlsx"; '
        "filename*=UTF-8''%E8%AF%89%E6%B1%82%E5%88%86%E7%B1%BB.xlsx"
    )
    return response


def _save(request: HttpRequest, form: CategoryForm) -> Category | None:
    data = form.cleaned_data
    limits = form.limits()
    if form.errors:
        return None
    parent = Category.objects.filter(code=data["parent"]).first() if data["parent"] else None
    department = Department.objects.filter(code=data["department"]).first() if data["department"] else None
    fields = {
        "name": data["name"],
        "name_en": data["name_en"],
        "parent": parent,
        "kind": data["kind"],
        "department": department,
        "grid_may_close": data["grid_may_close"],
        "is_consultation": data["is_consultation"],
        "keywords": data["keywords"],
    }
    try:
        with transaction.atomic():
            if form.category is None:
                category = category_create(actor=request.user, code=data["code"], **fields)
                if not data["active"]:
                    category = category_update(actor=request.user, category=category, active=False)
            else:
                category = category_update(
                    actor=request.user, category=form.category, active=data["active"], **fields
                )
            category_limits_set(actor=request.user, category=category, limits=limits)
    except DomainError as exc:
        field = str(exc.data.get("field", ""))
        if field.endswith(("_response", "_resolve")) or field in form.fields:
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            form.add_error(None, exc.message)
        return None
    return category


@console_view
def category_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    require(can_manage_categories(request.user))
    category = None
    if code is not None:
        category = Category.objects.select_related("parent", "department").filter(code=code).first()
        if category is None:
            raise NotFound(_("分类不存在"), code="category_not_found")
    if request.method == "POST":
        form = CategoryForm(
            request.POST,
            user=request.user,
            category=category,
            initial=_initial(category) if category else None,
        )
        if form.is_valid():
            saved = _save(request, form)
            if saved is not None:
                messages.success(
                    request, _("已保存分类 {code} {name}").format(code=saved.code, name=saved.name)
                )
                return redirect(f"{reverse('web:categories')}#c-{saved.code}")
        status = 400
    else:
        initial = (
            _initial(category) if category is not None else {"active": True, "kind": CategoryKind.DEMAND}
        )
        form = CategoryForm(user=request.user, category=category, initial=initial)
        status = 200
    context = {"active": "categories", "form": form, "category": category}
    return render(request, "web/category_edit.html", context, status=status)
