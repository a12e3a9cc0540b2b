"""Every API error is JSON ``{"code", "message", "data"}`` with the right status, never an HTML page.

DomainErrors keep their own code; DRF's exceptions (auth, parse, validation, 405, 415, throttling,
pagination) are mapped to stable codes here. Anything else is a bug and reaches Django's handler500,
which answers JSON under /api/ as well.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from sanzhi.core.errors import DomainError

_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
    exceptions.ValidationError: "invalid",
}

WWW_AUTHENTICATE = 'Token realm="api"'


def error_body(code: str, message: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "data": data or {}}


def _fields(detail: Any) -> dict[str, Any]:
    # A serializer-level error arrives as a list; clients always get a mapping under data.fields.
    if isinstance(detail, dict):
        return detail
    return {"non_field_errors": detail if isinstance(detail, list) else [detail]}


def _domain_response(exc: DomainError) -> Response:
    set_rollback()
    response = Response(exc.as_dict(), status=exc.http_status)
    retry = exc.data.get("retry_after_seconds")
    if exc.http_status == status.HTTP_429_TOO_MANY_REQUESTS and isinstance(retry, int):
        response["Retry-After"] = str(retry)
    if exc.http_status == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return _domain_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("不存在，或不在您的管辖范围内"))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    data: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        message = _("提交的数据有误")
        data["fields"] = _fields(response.data)
    else:
        detail = getattr(exc, "detail", "")
        message = str(detail) if detail else _("请求失败")
        wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
        if wait is not None:
            data["retry_after_seconds"] = int(wait)
    response.data = error_body(code, message, data)
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response
