"""OpenAPI building blocks shared by every endpoint: the error body and the documented error statuses."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """Every API error: ``{"code", "message", "data"}``."""

    code = serializers.CharField(
        help_text=_("稳定的错误代码，例如 not_found、reveal_forbidden、login_throttled")
    )
    message = serializers.CharField(help_text=_("已翻译的错误说明"))
    # The stubs type Serializer.data; as a declared field the name is just the output key.
    data = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(),
        help_text=_("结构化数据：校验错误时为 {fields: {...}}；限流时含 retry_after_seconds"),
    )


_DESCRIPTIONS: dict[int, Any] = {
    400: _("请求参数有误（code: invalid、parse_error、reveal_reason_required、invalid_credentials 等）"),
    401: _("未登录或令牌无效（code: not_authenticated、authentication_failed）"),
    403: _("无权执行（code: forbidden、reveal_forbidden）"),
    404: _("不存在或不在您的管辖范围内（code: not_found、invalid_page）"),
    405: _("不支持的请求方法"),
    409: _("当前状态下不能执行该操作（code: illegal_transition）"),
    415: _("不支持的请求内容类型"),
    429: _("请求过于频繁（code: login_throttled、throttled）"),
}


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """Documented error responses, all with the same error body."""
    return {s: OpenApiResponse(response=ErrorSerializer, description=str(_DESCRIPTIONS[s])) for s in statuses}


# What any authenticated GET can answer besides its success.
READ_ERRORS = (400, 401, 403, 404)
