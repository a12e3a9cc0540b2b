"""Error pages. Under /api/ and /open311/ the answer is JSON {code, message, data}, never HTML."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

_JSON_PREFIXES = ("/api/", "/open311/")


def _respond(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith(_JSON_PREFIXES):
        return JsonResponse({"code": code, "message": message, "data": {}}, status=status)
    try:
        body: str = render_to_string(
            "web/error.html", {"status": status, "message": message}, request=request
        )
    except (TemplateDoesNotExist, Exception):  # an error page must never fail itself
        body = f"<h1>{status}</h1><p>{message}</p>"
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _respond(request, 400, "bad_request", _("请求有误"))


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _respond(request, 403, "forbidden", _("您没有权限执行此操作"))


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _respond(request, 404, "not_found", _("页面不存在，或不在您的管辖范围内"))


def server_error(request: HttpRequest) -> HttpResponse:
    return _respond(request, 500, "server_error", _("服务器内部错误，已记录，请稍后再试"))
