"""Token login and logout (``POST`` / ``DELETE /api/v1/auth/token``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sanzhi.accounts.services import login_authenticate
from sanzhi.api.rows import client_ip
from sanzhi.api.schema import errors
from sanzhi.api.serializers import TokenRequestSerializer, TokenResponseSerializer
from sanzhi.api.services import api_token_issue, api_token_revoke
from sanzhi.api.views.base import represent


class TokenView(APIView):
    def get_authenticators(self) -> list[BaseAuthentication]:
        # Logging in must not depend on (or be refused for) a stale token or session of the client.
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self) -> list[BasePermission]:
        if self.request is not None and self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="auth_token_create",
        summary=_("登录，换取接口令牌"),
        description=_(
            "用户名和密码正确时返回令牌，之后以 `Authorization: Token <令牌>` 调用接口。"
            "用户名或密码错误返回 400（code: invalid_credentials）；同一用户名或同一地址在时间窗内"
            "失败次数达到上限后返回 429（code: login_throttled），即使密码正确。"
        ),
        auth=[],
        request=TokenRequestSerializer,
        responses={200: TokenResponseSerializer, **errors(400, 415, 429)},
        tags=["auth"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = login_authenticate(
            request=request,
            username=body.validated_data["username"],
            password=body.validated_data["password"],
        )
        token = api_token_issue(user=user, ip=client_ip(request))
        payload = {"token": token.key, "user": user}
        return Response(represent(TokenResponseSerializer, payload))

    @extend_schema(
        operation_id="auth_token_destroy",
        summary=_("注销：作废当前用户的接口令牌"),
        request=None,
        responses={204: OpenApiResponse(description=_("令牌已作废")), **errors(401, 403)},
        tags=["auth"],
    )
    def delete(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        api_token_revoke(actor=request.user, ip=client_ip(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
