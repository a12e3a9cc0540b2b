"""红黑榜 (``/api/v1/points/boards/``): published snapshots, publishing a period's lists, appeals
(异议) inside the appeal window and their decision (an upheld appeal publishes a correction)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from sanzhi.api.points import rows
from sanzhi.api.points.admin_serializers import (
    AppealCreateSerializer,
    AppealDecideSerializer,
    AppealDecisionSerializer,
    AppealSerializer,
    BoardDetailSerializer,
    BoardListQuerySerializer,
    BoardSerializer,
    PublishResultSerializer,
    PublishSerializer,
)
from sanzhi.api.points.views import TAGS, WRITE_ERRORS, id_parameter
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.points.boards import appeal_decide, appeal_file, board_publish
from sanzhi.points.selectors import account_get_for

BOARD_ID = id_parameter(gettext_lazy("榜单 id"))
APPEAL_ID = id_parameter(gettext_lazy("异议 id"))


class BoardListView(ScopedView):
    serializer_class = BoardSerializer

    @extend_schema(
        operation_id="points_boards_list",
        summary=gettext_lazy("红黑榜（各版本），新的在前"),
        description=gettext_lazy("您能看到的方案发布的榜单；榜单只含打码的名称与所在网格。"),
        parameters=[BoardListQuerySerializer],
        responses={200: BoardSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(BoardListQuerySerializer)
        user = request.user
        boards = rows.board_list_for(
            user=user,
            scheme=rows.scheme_of(user, query.get("scheme")),
            under=rows.points_node(user, query.get("node")),
            period=query.get("period"),
        )
        page = self.paginate_queryset(boards)
        assert page is not None
        return self.paginated(page, BoardSerializer)


class BoardDetailView(ScopedView):
    serializer_class = BoardDetailSerializer

    @extend_schema(
        operation_id="points_boards_retrieve",
        summary=gettext_lazy("榜单详情（名次、名称、积分、事由）"),
        parameters=[BOARD_ID],
        responses={200: BoardDetailSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        return Response(represent(BoardDetailSerializer, rows.board_get_for(user=request.user, board_id=id)))


class BoardPublishView(ScopedView):
    serializer_class = PublishResultSerializer

    @extend_schema(
        operation_id="points_boards_publish",
        summary=gettext_lazy("发布红黑榜（一个已结束周期的红榜和黑榜）"),
        description=gettext_lazy(
            "每个方案、节点、周期只发布一次（409 points_board_published）；更正通过异议处理发布新版本。"
            "周期未结束时 409 points_period_not_ended。须在该节点有审核权限。"
        ),
        request=PublishSerializer,
        responses={201: PublishResultSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        scheme = rows.scheme_of(user, data["scheme"])
        assert scheme is not None
        red, black = board_publish(
            actor=user, scheme=scheme, node=rows.points_node(user, data.get("node")), period=data["period"]
        )
        result = represent(PublishResultSerializer, {"red": red, "black": black})
        return Response(result, status=status.HTTP_201_CREATED)


class BoardAppealsView(ScopedView):
    serializer_class = AppealSerializer

    @extend_schema(
        operation_id="points_boards_appeals_list",
        summary=gettext_lazy("榜单的异议（审核人看到全部，其他人看到自己提出的）"),
        parameters=[BOARD_ID],
        responses={200: AppealSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        board = rows.board_get_for(user=request.user, board_id=id)
        page = self.paginate_queryset(rows.appeal_list_for(user=request.user, board=board))
        assert page is not None
        return self.paginated(page, AppealSerializer)

    @extend_schema(
        operation_id="points_boards_appeals_create",
        summary=gettext_lazy("对榜单提出异议（异议期内）"),
        description=gettext_lazy(
            "居民对本户提出；工作人员可对整张榜单提出。异议期已过 409 points_appeal_closed，"
            "榜单已更正 409 points_board_superseded。"
        ),
        parameters=[BOARD_ID],
        request=AppealCreateSerializer,
        responses={201: AppealSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = AppealCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        board = rows.board_get_for(user=user, board_id=id)
        account = account_get_for(user=user, account_id=data["account"]) if "account" in data else None
        appeal = appeal_file(actor=user, board=board, account=account, reason=data["reason"])
        return Response(represent(AppealSerializer, appeal), status=status.HTTP_201_CREATED)


class AppealDecideView(ScopedView):
    serializer_class = AppealDecisionSerializer

    @extend_schema(
        operation_id="points_appeals_decide",
        summary=gettext_lazy("处理异议（成立时发布更正版本）"),
        parameters=[APPEAL_ID],
        request=AppealDecideSerializer,
        responses={200: AppealDecisionSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = AppealDecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        appeal = rows.appeal_get_for(user=request.user, appeal_id=id)
        appeal, correction = appeal_decide(
            actor=request.user,
            appeal=appeal,
            uphold=body.validated_data["uphold"],
            note=body.validated_data["note"],
        )
        return Response(represent(AppealDecisionSerializer, {"appeal": appeal, "correction": correction}))
