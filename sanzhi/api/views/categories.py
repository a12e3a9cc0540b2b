"""Reference data for intake and dispatch: ``GET /api/v1/categories/`` (the tree with its time limits)
and ``GET /api/v1/departments/``. Any signed-in user may read them (a resident picks a category)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sanzhi.api.schema import errors
from sanzhi.api.ticket_rows import category_tree, department_list
from sanzhi.api.ticket_serializers import CategoryTreeSerializer, DepartmentSerializer
from sanzhi.api.views.base import represent
from sanzhi.tickets.selectors import category_list


class CategoryListView(APIView):
    @extend_schema(
        operation_id="categories_list",
        summary=_("诉求分类树（含各层级时限、责任部门）"),
        description=_("启用的分类，两级：顶层分类及其子类。时限以工作小时计，子类无自有时限时用上级分类的。"),
        responses={200: CategoryTreeSerializer(many=True), **errors(401, 403)},
        tags=["tickets"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = category_tree(list(category_list(active_only=True)))
        return Response(represent(CategoryTreeSerializer, rows, many=True))


class DepartmentListView(APIView):
    @extend_schema(
        operation_id="departments_list",
        summary=_("职能部门"),
        responses={200: DepartmentSerializer(many=True), **errors(401, 403)},
        tags=["tickets"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(represent(DepartmentSerializer, department_list(), many=True))
