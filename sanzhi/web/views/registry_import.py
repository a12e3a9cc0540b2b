"""户籍导入: upload a spreadsheet, import into a node in scope, show the per-row error report."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import DomainError
from sanzhi.grids.models import Node, NodeKind
from sanzhi.people.importing import import_households
from sanzhi.people.templates_xlsx import write_template
from sanzhi.web.forms import ImportForm
from sanzhi.web.views.common import console_view, require

# Offered as import targets; a city-wide scope picks its node by typing a code in the file instead.
MAX_TARGET_NODES = 500


def _target_nodes(user: Any) -> list[Node]:
    scope = scope_for(user, Capability.IMPORT_REGISTRY)
    qs = Node.objects.all() if scope.everything else Node.objects.filter(scope.q("path"))
    return list(qs.order_by("path")[:MAX_TARGET_NODES])


def _save_upload(upload: Any, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix="sanzhi-import-", suffix=suffix)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return Path(name)


@console_view
def import_page(request: HttpRequest) -> HttpResponse:
    require(request.user.has_perm(Capability.IMPORT_REGISTRY))
    nodes = _target_nodes(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, nodes=nodes)
    context: dict[str, Any] = {"form": form, "report": None, "error": "", "active": "import"}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            context["report"], context["error"] = _run_import(request, form)
            context["target"] = form.target()
            if context["error"]:
                status = 400
        else:
            status = 400
    return render(request, "web/import.html", context, status=status)


def _run_import(request: HttpRequest, form: ImportForm) -> tuple[dict[str, Any] | None, str]:
    upload = form.cleaned_data["file"]
    path = _save_upload(upload, Path(upload.name).suffix.lower())
    try:
        report = import_households(
            actor=request.user, path=path, into=form.target(), partial=form.cleaned_data["partial"]
        )
    except DomainError as exc:
        return None, exc.message
    finally:
        path.unlink(missing_ok=True)
    return report.as_dict(get_language()), ""


def _example_code(user: Any) -> str:
    """A micro-grid the user may import into, so the template's example row is a real code."""
    scope = scope_for(user, Capability.IMPORT_REGISTRY)
    qs = Node.objects.filter(kind=NodeKind.GRID, numchild=0)
    if not scope.everything:
        qs = qs.filter(scope.q("path"))
    micro = qs.order_by("path").first()
    return micro.code if micro is not None else ""


@console_view
def import_template(request: HttpRequest) -> HttpResponse:
    require(request.user.has_perm(Capability.IMPORT_REGISTRY))
    fd, name = tempfile.mkstemp(prefix="sanzhi-template-", suffix=".xlsx")
    os.close(fd)
    path = Path(name)
    try:
        write_template(path, example_node_code=_example_code(request.user))
        # Read into memory so the temp file can go at once; a template is a few kB.
        data = path.read_bytes()
    finally:
        path.unlink(missing_ok=True)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    # RFC 5987 form of 户籍导入模板.xlsx, with an ASCII fallback for old clients.
    response["Content-Disposition"] = (
        'attachment; filename="sanzhi-import-template.xlsx"; '
        "filename*=UTF-8''%E6%88%B7%E7%B1%8D%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response
