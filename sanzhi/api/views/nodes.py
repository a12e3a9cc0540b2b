"""The governance tree: ``GET /api/v1/nodes/?parent=CODE`` and ``GET /api/v1/nodes/CODE``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from sanzhi.api.rows import node_for, node_rows
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.serializers import NodeListQuerySerializer, NodeSerializer
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.grids.selectors import node_children_for, node_roots_for

CODE_PARAMETER = OpenApiParameter(
    "code", str, OpenApiParameter.PATH, description=_("节点编码（12 位区划代码，网格每级加 3 位）")
)


class NodeListView(ScopedView):
    serializer_class = NodeSerializer

    @extend_schema(
        operation_id="nodes_list",
        summary=_("下级节点列表"),
        description=_(
            "给出 parent 时列出其直接下级；否则列出您管辖范围的顶层节点。parent 不在范围内时 404。"
        ),
        parameters=[NodeListQuerySerializer],
        responses={200: NodeSerializer(many=True), **errors(*READ_ERRORS)},
        tags=["nodes"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(NodeListQuerySerializer)
        if "parent" in query:
            parent = node_for(user=request.user, code=query["parent"])
            nodes = node_children_for(user=request.user, node=parent)
        else:
            nodes = node_roots_for(user=request.user)
        page = self.paginate_queryset(nodes)
        assert page is not None
        return self.paginated(node_rows(user=request.user, nodes=page), NodeSerializer)


class NodeDetailView(ScopedView):
    serializer_class = NodeSerializer

    @extend_schema(
        operation_id="nodes_retrieve",
        summary=_("节点详情（含下级数、户数、人数）"),
        parameters=[CODE_PARAMETER],
        responses={200: NodeSerializer, **errors(*READ_ERRORS)},
        tags=["nodes"],
    )
    def get(self, request: Request, code: str, *args: Any, **kwargs: Any) -> Response:
        node = node_for(user=request.user, code=code)
        (row,) = node_rows(user=request.user, nodes=[node])
        return Response(represent(NodeSerializer, row))
