"""The registry: households and residents, scoped to the caller, PII masked unless revealed and logged."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from sanzhi.api.rows import (
    check_id,
    household_prefetch,
    household_row,
    households_for_page,
    node_for,
    resident_prefetch,
    resident_views,
    residents_for_page,
)
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.serializers import (
    HouseholdDetailSerializer,
    HouseholdListQuerySerializer,
    HouseholdSerializer,
    ResidentDetailSerializer,
    ResidentListQuerySerializer,
    ResidentSerializer,
    RevealQuerySerializer,
)
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.grids.models import Node
from sanzhi.people.selectors import household_get_for, household_list_for, resident_get_for, resident_list_for

ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH)
_REVEAL_NOTE = gettext_lazy(
    "reveal=1 时须在所列每位居民所在网格拥有“查看完整身份证号与电话”权限（否则 403 reveal_forbidden），"
    "并填写 reason（否则 400 reveal_reason_required）；每次查看按人记入个人信息查看记录。"
)


def _under(request: Request, code: str | None) -> Node | None:
    return node_for(user=request.user, code=code) if code is not None else None


class HouseholdListView(ScopedView):
    serializer_class = HouseholdSerializer

    @extend_schema(
        operation_id="households_list",
        summary=gettext_lazy("户列表"),
        description=gettext_lazy("按节点（含下级）和关键字筛选您管辖范围内的户；居民只能看到本户。"),
        parameters=[HouseholdListQuerySerializer],
        responses={200: HouseholdSerializer(many=True), **errors(*READ_ERRORS)},
        tags=["people"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(HouseholdListQuerySerializer)
        qs = household_list_for(
            user=request.user,
            under=_under(request, query.get("node")),
            search=query.get("search", "").strip(),
        )
        page = self.paginate_queryset(households_for_page(qs, request.user))
        assert page is not None
        rows = [household_row(h, user=request.user) for h in page]
        return self.paginated(rows, HouseholdSerializer)


class HouseholdDetailView(ScopedView):
    serializer_class = HouseholdDetailSerializer

    @extend_schema(
        operation_id="households_retrieve",
        summary=gettext_lazy("户详情（含成员）"),
        description=_REVEAL_NOTE,
        parameters=[ID_PARAMETER, RevealQuerySerializer],
        responses={200: HouseholdDetailSerializer, **errors(*READ_ERRORS)},
        tags=["people"],
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        query = self.query(RevealQuerySerializer)
        pk = check_id(id, _("该户不存在或不在您的管辖范围内"))
        household = household_prefetch(household_get_for(user=request.user, pk=pk), request.user)
        members = resident_views(
            request=request,
            residents=list(household.members.all()),
            reveal=query["reveal"],
            reason=query.get("reason", ""),
        )
        return Response(
            represent(HouseholdDetailSerializer, household_row(household, user=request.user, members=members))
        )


class ResidentListView(ScopedView):
    serializer_class = ResidentSerializer

    @extend_schema(
        operation_id="residents_list",
        summary=gettext_lazy("居民列表"),
        description=_REVEAL_NOTE,
        parameters=[ResidentListQuerySerializer],
        responses={200: ResidentSerializer(many=True), **errors(*READ_ERRORS)},
        tags=["people"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(ResidentListQuerySerializer)
        qs = resident_list_for(
            user=request.user,
            under=_under(request, query.get("node")),
            search=query.get("search", "").strip(),
        )
        page = self.paginate_queryset(residents_for_page(qs, request.user))
        assert page is not None
        views = resident_views(
            request=request, residents=page, reveal=query["reveal"], reason=query.get("reason", "")
        )
        return self.paginated(views, ResidentSerializer)


class ResidentDetailView(ScopedView):
    serializer_class = ResidentDetailSerializer

    @extend_schema(
        operation_id="residents_retrieve",
        summary=gettext_lazy("居民详情"),
        description=_REVEAL_NOTE,
        parameters=[ID_PARAMETER, RevealQuerySerializer],
        responses={200: ResidentDetailSerializer, **errors(*READ_ERRORS)},
        tags=["people"],
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        query = self.query(RevealQuerySerializer)
        pk = check_id(id, _("该居民不存在或不在您的管辖范围内"))
        resident = resident_prefetch(resident_get_for(user=request.user, pk=pk), request.user)
        (view,) = resident_views(
            request=request, residents=[resident], reveal=query["reveal"], reason=query.get("reason", "")
        )
        return Response(represent(ResidentDetailSerializer, view))
