"""The disclosure calendar (``/api/v1/disclosure/``): plans (公开目录), the default catalogue, the
year's calendar of a community with each period's status, and the overdue alerts.

Plans are read by whoever works on disclosures there (``disclosure.edit``/``publish``/``manage``)
and kept by ``disclosure.manage``; out of scope is 404, in sight but not allowed is 403."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from sanzhi.api.disclosure import rows
from sanzhi.api.disclosure.serializers import (
    AdoptResultSerializer,
    CalendarEntrySerializer,
    CalendarQuerySerializer,
    CalendarSerializer,
    NodeBodySerializer,
    PlanCreateSerializer,
    PlanListQuerySerializer,
    PlanSerializer,
    PlanUpdateSerializer,
)
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.core.errors import Forbidden
from sanzhi.disclosure import rules
from sanzhi.disclosure.calendar import calendar_for, overdue_for
from sanzhi.disclosure.selectors import plan_list_for
from sanzhi.disclosure.services import (
    plan_activate,
    plan_create,
    plan_deactivate,
    plan_update,
    plans_adopt_default,
)

TAGS = ["disclosure"]
WRITE_ERRORS = errors(400, 401, 403, 404, 409, 415)


def id_parameter(what: Any) -> OpenApiParameter:
    return OpenApiParameter("id", int, OpenApiParameter.PATH, description=what)


PLAN_ID = id_parameter(gettext_lazy("公开事项 id"))


class PlanListView(ScopedView):
    serializer_class = PlanSerializer

    @extend_schema(
        operation_id="disclosure_plans_list",
        summary=gettext_lazy("公开目录（公开事项列表）"),
        description=gettext_lazy("您负责公开工作的范围内各社区（村）的公开事项，按单位、类别、顺序排列。"),
        parameters=[PlanListQuerySerializer],
        responses={200: PlanSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(PlanListQuerySerializer)
        plans = plan_list_for(
            user=request.user, node=rows.tree_node(request.user, query.get("node")), active=query["active"]
        )
        page = self.paginate_queryset(plans.order_by("node_path", "area", "order", "id"))
        assert page is not None
        return self.paginated(page, PlanSerializer)

    @extend_schema(
        operation_id="disclosure_plans_create",
        summary=gettext_lazy("新增公开事项"),
        description=gettext_lazy(
            "须在该单位有维护公开目录权限。同一单位、同一类别下事项名称重复时 409 disclosure_plan_taken。"
        ),
        request=PlanCreateSerializer,
        responses={201: PlanSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = PlanCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        node = rows.tree_node(request.user, data.pop("node"))
        plan = plan_create(actor=request.user, node=node, **data)
        return Response(represent(PlanSerializer, plan), status=status.HTTP_201_CREATED)


class PlanDetailView(ScopedView):
    serializer_class = PlanSerializer

    @extend_schema(
        operation_id="disclosure_plans_retrieve",
        summary=gettext_lazy("公开事项详情"),
        parameters=[PLAN_ID],
        responses={200: PlanSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        plan = rows.plan_of(request.user, id)
        return Response(represent(PlanSerializer, plan))

    @extend_schema(
        operation_id="disclosure_plans_partial_update",
        summary=gettext_lazy("修改公开事项"),
        description=gettext_lazy(
            "只改给出的字段。已有公开内容的事项不能改频次（409 disclosure_plan_in_use）：停用它并新建一项。"
        ),
        parameters=[PLAN_ID],
        request=PlanUpdateSerializer,
        responses={200: PlanSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def patch(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = PlanUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = rows.plan_of(request.user, id)
        assert plan is not None
        plan = plan_update(actor=request.user, plan=plan, **body.validated_data)
        return Response(represent(PlanSerializer, plan))


class PlanActivateView(ScopedView):
    serializer_class = PlanSerializer

    @extend_schema(
        operation_id="disclosure_plans_activate",
        summary=gettext_lazy("启用公开事项"),
        parameters=[PLAN_ID],
        request=None,
        responses={200: PlanSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        plan = rows.plan_of(request.user, id)
        assert plan is not None
        return Response(represent(PlanSerializer, plan_activate(actor=request.user, plan=plan)))


class PlanDeactivateView(ScopedView):
    serializer_class = PlanSerializer

    @extend_schema(
        operation_id="disclosure_plans_deactivate",
        summary=gettext_lazy("停用公开事项（移出公开日历和逾期提醒，已有公开内容保留）"),
        parameters=[PLAN_ID],
        request=None,
        responses={200: PlanSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        plan = rows.plan_of(request.user, id)
        assert plan is not None
        return Response(represent(PlanSerializer, plan_deactivate(actor=request.user, plan=plan)))


class PlanAdoptDefaultView(ScopedView):
    serializer_class = AdoptResultSerializer

    @extend_schema(
        operation_id="disclosure_plans_adopt_default",
        summary=gettext_lazy("采用默认公开目录（党务、村(居)务、财务）"),
        description=gettext_lazy(
            "把默认公开目录加入该单位；已有的同类别同名事项保持不变，可重复调用。须有维护公开目录权限。"
        ),
        request=NodeBodySerializer,
        responses={200: AdoptResultSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = NodeBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        node = rows.tree_node(request.user, body.validated_data["node"])
        created = plans_adopt_default(actor=request.user, node=node)
        return Response(represent(AdoptResultSerializer, {"created": len(created), "plans": created}))


class CalendarView(ScopedView):
    serializer_class = CalendarSerializer
    pagination_class = None

    @extend_schema(
        operation_id="disclosure_calendar_retrieve",
        summary=gettext_lazy("公开日历：某社区（村）一年中每个公开事项每一期的应公开日期和状态"),
        description=gettext_lazy(
            "只含启用的按月、按季度事项（逐项公开没有日历）；事项建立前已到期的期次不算。"
            "状态：upcoming 未到期、due 待公开、overdue 已逾期、on_time 按时公开、late 逾期公开。"
        ),
        parameters=[CalendarQuerySerializer],
        responses={200: CalendarSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(CalendarQuerySerializer)
        node = rows.tree_node(request.user, query["node"])
        assert node is not None
        if not rules.can_view(request.user, node):
            raise Forbidden(_("您无权查看该单位的公开日历"), code="forbidden")
        today = timezone.localdate()
        year = query.get("year") or today.year
        entries = calendar_for(node=node, year=year, today=today)
        return Response(
            represent(CalendarSerializer, {"node": node, "year": year, "today": today, "entries": entries})
        )


class OverdueView(ScopedView):
    serializer_class = CalendarEntrySerializer

    @extend_schema(
        operation_id="disclosure_overdue_list",
        summary=gettext_lazy("逾期提醒：您负责的范围内已过应公开日期仍未发布的期次，最早到期的在前"),
        responses={200: CalendarEntrySerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        alerts = overdue_for(user=request.user, today=timezone.localdate())
        # The pagination takes a list as well as a queryset (the stubs only know the latter).
        page: list[Any] | None = self.paginate_queryset(alerts)  # type: ignore[arg-type]
        assert page is not None
        return self.paginated(page, CalendarEntrySerializer)
