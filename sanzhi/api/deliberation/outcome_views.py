"""Public notices and objections, implementation tasks and the residents' evaluation: the steps
after the vote (``/api/v1/deliberation/``), as ``step_views`` describes them."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from sanzhi.api.deliberation import rows
from sanzhi.api.deliberation.requests import (
    EvaluationSubmitSerializer,
    ImplementationSummarySerializer,
    NoticeOpenSerializer,
    ObjectionDecideSerializer,
    ObjectionSubmitSerializer,
    TaskAddSerializer,
    TaskProgressSerializer,
)
from sanzhi.api.deliberation.serializers import (
    EvaluationSerializer,
    EvaluationSummarySerializer,
    MatterDetailSerializer,
    NoticeDetailSerializer,
    NoticeSerializer,
    ObjectionSerializer,
    TaskSerializer,
)
from sanzhi.api.deliberation.step_views import STEP_ID
from sanzhi.api.deliberation.views import MATTER_ID, TAGS, WRITE_ERRORS, id_parameter, matter_response
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.deliberation.evaluation import evaluation_close, evaluation_submit, evaluation_summary
from sanzhi.deliberation.implementation import implementation_finish, task_add, task_progress
from sanzhi.deliberation.notices import notice_close, notice_open, objection_decide, objection_submit
from sanzhi.deliberation.selectors import notices_open_for_resident

NOTICE_ID = id_parameter(gettext_lazy("公示 id"))
OBJECTION_ID = id_parameter(gettext_lazy("异议 id"))
TASK_ID = id_parameter(gettext_lazy("任务 id"))


def notice_response(request: Request, pk: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(represent(NoticeDetailSerializer, rows.notice_detail(request.user, pk)), status=code)


# ---- 公示 -------------------------------------------------------------------------------------------


class NoticeOpenView(ScopedView):
    serializer_class = NoticeDetailSerializer

    @extend_schema(
        operation_id="deliberation_steps_notices_create",
        summary=gettext_lazy("发布公示（写入公开链，公示期内接受异议）"),
        description=gettext_lazy(
            "公示期从发布时起，至第 days+1 天零时止；"
            "天数少于环节规定 400 notice_days；已发布 409 notice_exists。"
        ),
        parameters=[STEP_ID],
        request=NoticeOpenSerializer,
        responses={201: NoticeDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        step = rows.step_of(request.user, id)
        body = NoticeOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        notice = notice_open(actor=request.user, step=step, **body.validated_data)
        return notice_response(request, notice.pk, status.HTTP_201_CREATED)


class NoticeCurrentView(ScopedView):
    serializer_class = NoticeSerializer

    @extend_schema(
        operation_id="deliberation_notices_current",
        summary=gettext_lazy("正在公示、覆盖我家的公示（居民）"),
        responses={200: NoticeSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        notices = notices_open_for_resident(user=request.user, now=timezone.now())
        page = self.paginate_queryset(notices.select_related("publication"))
        assert page is not None
        return self.paginated(page, NoticeSerializer)


class NoticeDetailView(ScopedView):
    serializer_class = NoticeDetailSerializer

    @extend_schema(
        operation_id="deliberation_notices_retrieve",
        summary=gettext_lazy("公示详情（已发布的公示公开可见）"),
        parameters=[NOTICE_ID],
        responses={200: NoticeDetailSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        return notice_response(request, id)


class ObjectionSubmitView(ScopedView):
    serializer_class = ObjectionSerializer

    @extend_schema(
        operation_id="deliberation_notices_objections_create",
        summary=gettext_lazy("提出异议（公示范围内的居民，公示期内）"),
        description=gettext_lazy(
            "不在公示范围内 403 not_in_scope；公示期外 400 outside_window；公示已结束 409 notice_closed。"
        ),
        parameters=[NOTICE_ID],
        request=ObjectionSubmitSerializer,
        responses={201: ObjectionSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        notice = rows.notice_of(id)
        body = ObjectionSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        objection = objection_submit(actor=request.user, notice=notice, text=body.validated_data["text"])
        return Response(represent(ObjectionSerializer, objection), status=status.HTTP_201_CREATED)


class ObjectionDecideView(ScopedView):
    serializer_class = ObjectionSerializer

    @extend_schema(
        operation_id="deliberation_objections_decide",
        summary=gettext_lazy("处理异议（成立则公示退回、议题退回重议）"),
        parameters=[OBJECTION_ID],
        request=ObjectionDecideSerializer,
        responses={200: ObjectionSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        objection = rows.objection_of(request.user, id)
        body = ObjectionDecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decided = objection_decide(actor=request.user, objection=objection, **body.validated_data)
        return Response(represent(ObjectionSerializer, decided))


class NoticeCloseView(ScopedView):
    serializer_class = NoticeDetailSerializer

    @extend_schema(
        operation_id="deliberation_notices_close",
        summary=gettext_lazy("公示期满，结束公示（环节通过）"),
        description=gettext_lazy("期满前 400 notice_running；有未处理的异议 409 objection_pending。"),
        parameters=[NOTICE_ID],
        request=None,
        responses={200: NoticeDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        notice = rows.notice_of(id)
        notice_close(actor=request.user, notice=notice)
        return notice_response(request, notice.pk)


# ---- 组织实施 ---------------------------------------------------------------------------------------


class TaskAddView(ScopedView):
    serializer_class = TaskSerializer

    @extend_schema(
        operation_id="deliberation_steps_tasks_create",
        summary=gettext_lazy("安排实施任务（责任人与期限）"),
        parameters=[STEP_ID],
        request=TaskAddSerializer,
        responses={201: TaskSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        step = rows.step_of(request.user, id)
        body = TaskAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        task = task_add(
            actor=request.user,
            step=step,
            title=data["title"],
            owner=rows.user_of(data.get("owner")),
            owner_name=data["owner_name"],
            due_date=data.get("due_date"),
        )
        return Response(represent(TaskSerializer, task), status=status.HTTP_201_CREATED)


class TaskProgressView(ScopedView):
    serializer_class = TaskSerializer

    @extend_schema(
        operation_id="deliberation_tasks_progress",
        summary=gettext_lazy("填报任务进度（责任人或组织者；100 为完成）"),
        description=gettext_lazy("进度不能回退（400 progress_backwards）；已完成 409 task_done。"),
        parameters=[TASK_ID],
        request=TaskProgressSerializer,
        responses={200: TaskSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        task = rows.task_of(request.user, id)
        body = TaskProgressSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = task_progress(actor=request.user, task=task, **body.validated_data)
        return Response(represent(TaskSerializer, updated))


class ImplementationFinishView(ScopedView):
    serializer_class = MatterDetailSerializer

    @extend_schema(
        operation_id="deliberation_steps_implementation_finish",
        summary=gettext_lazy("确认实施完成（全部任务已完成）"),
        description=gettext_lazy("没有任务 400 no_tasks；有未完成任务 400 tasks_open。"),
        parameters=[STEP_ID],
        request=ImplementationSummarySerializer,
        responses={200: MatterDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        step = rows.step_of(request.user, id)
        body = ImplementationSummarySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        implementation_finish(actor=request.user, step=step, summary=body.validated_data["summary"])
        return matter_response(request, step.matter_id)


# ---- 群众评价 ---------------------------------------------------------------------------------------


class EvaluationView(ScopedView):
    serializer_class = EvaluationSummarySerializer

    @extend_schema(
        operation_id="deliberation_matters_evaluation_retrieve",
        summary=gettext_lazy("群众评价汇总（满意、基本满意、不满意及满意率）"),
        parameters=[MATTER_ID],
        responses={200: EvaluationSummarySerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        matter = rows.matter_for_resident(request.user, id)
        return Response(represent(EvaluationSummarySerializer, evaluation_summary(matter)))

    @extend_schema(
        operation_id="deliberation_matters_evaluation_create",
        summary=gettext_lazy("评价议题办理结果（本地居民，评价期内，每人一次）"),
        description=gettext_lazy("评价期外 400 outside_window；已评价 409 already_evaluated。"),
        parameters=[MATTER_ID],
        request=EvaluationSubmitSerializer,
        responses={201: EvaluationSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        matter = rows.matter_for_resident(request.user, id)
        body = EvaluationSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        evaluation = evaluation_submit(actor=request.user, matter=matter, **body.validated_data)
        return Response(represent(EvaluationSerializer, evaluation), status=status.HTTP_201_CREATED)


class EvaluationCloseView(ScopedView):
    serializer_class = MatterDetailSerializer

    @extend_schema(
        operation_id="deliberation_steps_evaluation_close",
        summary=gettext_lazy("评价期满，结束群众评价（环节通过）"),
        description=gettext_lazy("期满前 400 evaluation_running。"),
        parameters=[STEP_ID],
        request=None,
        responses={200: MatterDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        step = rows.step_of(request.user, id)
        evaluation_close(actor=request.user, step=step)
        return matter_response(request, step.matter_id)
