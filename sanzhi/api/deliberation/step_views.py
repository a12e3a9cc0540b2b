"""The work at a matter's steps (``/api/v1/deliberation/``): accepting a proposal, meetings
(calling, attendance, ballots, the count, the decision, minutes), 请示报告, public notices and
objections, implementation tasks, the residents' evaluation.

A step action names the step (``steps/{id}/…``); the services check that it is the matter's open
step (409 step_closed otherwise), that its stage allows the act (400 wrong_stage / stage_not_…),
the time window and the rules of the stage. A decision without quorum is 400 no_quorum with
``data: {present, expected, needed}`` and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from sanzhi.api.deliberation import rows
from sanzhi.api.deliberation.requests import (
    ApprovalDecideSerializer,
    ApprovalListQuerySerializer,
    ApprovalRequestSerializer,
    AttendanceRecordSerializer,
    BallotSerializer,
    DelibReasonSerializer,
    EvaluationSubmitSerializer,
    ImplementationSummarySerializer,
    MeetingCallSerializer,
    MeetingListQuerySerializer,
    MeetingMinutesSerializer,
    NoticeOpenSerializer,
    ObjectionDecideSerializer,
    ObjectionSubmitSerializer,
    StepNoteSerializer,
    TaskAddSerializer,
    TaskProgressSerializer,
    VoteCountSerializer,
)
from sanzhi.api.deliberation.serializers import (
    ApprovalSerializer,
    BallotResultSerializer,
    EvaluationSerializer,
    EvaluationSummarySerializer,
    MatterDetailSerializer,
    MeetingDetailSerializer,
    MeetingSerializer,
    NoticeDetailSerializer,
    NoticeSerializer,
    ObjectionSerializer,
    TaskSerializer,
)
from sanzhi.api.deliberation.views import MATTER_ID, TAGS, WRITE_ERRORS, id_parameter, matter_response
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.views.base import ScopedView
from sanzhi.core.errors import Forbidden
from sanzhi.deliberation.approvals import approval_decide, approval_request
from sanzhi.deliberation.evaluation import evaluation_close, evaluation_submit, evaluation_summary
from sanzhi.deliberation.implementation import implementation_finish, task_add, task_progress
from sanzhi.deliberation.meetings import (
    attendance_record,
    ballot_cast,
    meeting_call,
    meeting_cancel,
    meeting_decide,
    meeting_record_count,
    meeting_sign,
    roster_member,
)
from sanzhi.deliberation.notices import notice_close, notice_open, objection_decide, objection_submit
from sanzhi.deliberation.proposals import proposal_accept
from sanzhi.deliberation.selectors import notices_open_for_resident
from sanzhi.deliberation.selectors_meetings import approval_list_for, meeting_list_for

STEP_ID = id_parameter(gettext_lazy("议事环节 id（议题详情的 open_step.id）"))
MEETING_ID = id_parameter(gettext_lazy("会议 id"))
APPROVAL_ID = id_parameter(gettext_lazy("请示 id"))
NOTICE_ID = id_parameter(gettext_lazy("公示 id"))
OBJECTION_ID = id_parameter(gettext_lazy("异议 id"))
TASK_ID = id_parameter(gettext_lazy("任务 id"))


def meeting_response(request: Request, pk: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(MeetingDetailSerializer(rows.meeting_detail(request.user, pk)).data, status=code)


def notice_response(request: Request, pk: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(NoticeDetailSerializer(rows.notice_detail(request.user, pk)).data, status=code)


# ---- the proposal stage ---------------------------------------------------------------------------


class ProposalAcceptView(ScopedView):
    serializer_class = MatterDetailSerializer

    @extend_schema(
        operation_id="deliberation_steps_accept",
        summary=gettext_lazy("受理立题（提议环节通过）"),
        parameters=[STEP_ID],
        request=StepNoteSerializer,
        responses={200: MatterDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        step = rows.step_of(request.user, id)
        body = StepNoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proposal_accept(actor=request.user, step=step, note=body.validated_data["note"])
        return matter_response(request, step.matter_id)


# ---- meetings -------------------------------------------------------------------------------------


class MeetingListView(ScopedView):
    serializer_class = MeetingSerializer

    @extend_schema(
        operation_id="deliberation_meetings_list",
        summary=gettext_lazy("会议列表（工作人员：管辖范围内的；成员：本人所在主体的），近的在前"),
        parameters=[MeetingListQuerySerializer],
        responses={200: MeetingSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(MeetingListQuerySerializer)
        meetings = meeting_list_for(
            user=request.user,
            under=rows.matter_node(request.user, query.get("node")),
            upcoming=query.get("upcoming"),
        )
        page = self.paginate_queryset(meetings.order_by("-scheduled_at", "-id"))
        assert page is not None
        return self.paginated(page, MeetingSerializer)


class MeetingCallView(ScopedView):
    serializer_class = MeetingDetailSerializer

    @extend_schema(
        operation_id="deliberation_steps_meetings_create",
        summary=gettext_lazy("召集会议（名单按主体在任成员冻结）"),
        description=gettext_lazy(
            "本环节已有待召开的会议时 409 meeting_exists；召开日期早于今天 400 meeting_in_past；"
            "此地没有该环节的议事主体 400 no_body。"
        ),
        parameters=[STEP_ID],
        request=MeetingCallSerializer,
        responses={201: MeetingDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        step = rows.step_of(request.user, id)
        body = MeetingCallSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = meeting_call(actor=request.user, step=step, **body.validated_data)
        return meeting_response(request, meeting.pk, status.HTTP_201_CREATED)


class MeetingDetailView(ScopedView):
    serializer_class = MeetingDetailSerializer

    @extend_schema(
        operation_id="deliberation_meetings_retrieve",
        summary=gettext_lazy("会议详情（名单、出席、投票情况与表决结果）"),
        parameters=[MEETING_ID],
        responses={200: MeetingDetailSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        return meeting_response(request, id)


class MeetingCancelView(ScopedView):
    serializer_class = MeetingDetailSerializer

    @extend_schema(
        operation_id="deliberation_meetings_cancel",
        summary=gettext_lazy("取消会议（表决前）"),
        parameters=[MEETING_ID],
        request=DelibReasonSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        meeting = rows.meeting_of(request.user, id)
        body = DelibReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting_cancel(actor=request.user, meeting=meeting, reason=body.validated_data["reason"])
        return meeting_response(request, meeting.pk)


class AttendanceView(ScopedView):
    serializer_class = MeetingDetailSerializer

    @extend_schema(
        operation_id="deliberation_meetings_attendance",
        summary=gettext_lazy("登记出席、缺席或委托（会议当天起）"),
        description=gettext_lazy(
            "会议当天前 400 meeting_not_open；本环节不允许委托 400 proxy_not_allowed；"
            "受托人须本人到会 400 proxy_holder_absent。"
        ),
        parameters=[MEETING_ID],
        request=AttendanceRecordSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        meeting = rows.meeting_of(request.user, id)
        body = AttendanceRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        member = rows.roster_entry(meeting, data["member"])
        assert member is not None
        attendance_record(
            actor=request.user,
            meeting=meeting,
            member=member,
            status=data["status"],
            proxy_holder=rows.roster_entry(meeting, data.get("proxy_holder")),
        )
        return meeting_response(request, meeting.pk)


class BallotView(ScopedView):
    serializer_class = BallotResultSerializer

    @extend_schema(
        operation_id="deliberation_meetings_ballots_create",
        summary=gettext_lazy("表决（本人，或受托人为委托人）"),
        description=gettext_lazy(
            "只有名单上的成员可以表决；每人一票（409 already_voted）；无记名投票不记姓名。"
        ),
        parameters=[MEETING_ID],
        request=BallotSerializer,
        responses={201: BallotResultSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        meeting = rows.meeting_of(request.user, id)
        body = BallotSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        member = rows.roster_entry(meeting, data.get("member")) or roster_member(request.user, meeting)
        if member is None:
            raise Forbidden(_("只有本次会议的成员才能表决"), code="forbidden")
        ballot = ballot_cast(actor=request.user, meeting=meeting, member=member, choice=data["choice"])
        return Response(BallotResultSerializer(ballot).data, status=status.HTTP_201_CREATED)


class CountView(ScopedView):
    serializer_class = MeetingDetailSerializer

    @extend_schema(
        operation_id="deliberation_meetings_count",
        summary=gettext_lazy("登记举手或计票结果"),
        description=gettext_lazy(
            "票数不能多于到会人数（400 count_exceeds_present）；已有逐人投票时 409 ballots_exist。"
        ),
        parameters=[MEETING_ID],
        request=VoteCountSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        meeting = rows.meeting_of(request.user, id)
        body = VoteCountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting_record_count(actor=request.user, meeting=meeting, **body.validated_data)
        return meeting_response(request, meeting.pk)


class DecideView(ScopedView):
    serializer_class = MeetingDetailSerializer

    @extend_schema(
        operation_id="deliberation_meetings_decide",
        summary=gettext_lazy("宣布表决结果（按环节的到会与通过比例）"),
        description=gettext_lazy(
            "到会人数不足时拒绝，400 no_quorum，data 为 {present, expected, needed}，不作任何改动；"
            "到会但未获规定多数时会议未通过，议题按规程否决或退回。"
        ),
        parameters=[MEETING_ID],
        request=None,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        meeting = rows.meeting_of(request.user, id)
        meeting_decide(actor=request.user, meeting=meeting)
        return meeting_response(request, meeting.pk)


class SignView(ScopedView):
    serializer_class = MeetingDetailSerializer

    @extend_schema(
        operation_id="deliberation_meetings_sign",
        summary=gettext_lazy("签署会议记录（表决后，召集人或组织者）"),
        parameters=[MEETING_ID],
        request=MeetingMinutesSerializer,
        responses={200: MeetingDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        meeting = rows.meeting_of(request.user, id)
        body = MeetingMinutesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting_sign(actor=request.user, meeting=meeting, minutes=body.validated_data["minutes"])
        return meeting_response(request, meeting.pk)


# ---- 请示报告 ---------------------------------------------------------------------------------------


class ApprovalRequestView(ScopedView):
    serializer_class = ApprovalSerializer

    @extend_schema(
        operation_id="deliberation_steps_approvals_create",
        summary=gettext_lazy("向乡镇(街道)请示（重大事项表决前）"),
        description=gettext_lazy("已有待审批的请示时 409 approval_pending。"),
        parameters=[STEP_ID],
        request=ApprovalRequestSerializer,
        responses={201: ApprovalSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        step = rows.step_of(request.user, id)
        body = ApprovalRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        approval = approval_request(actor=request.user, step=step, request=body.validated_data["request"])
        data = ApprovalSerializer(rows.approval_of(request.user, approval.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)


class ApprovalListView(ScopedView):
    serializer_class = ApprovalSerializer

    @extend_schema(
        operation_id="deliberation_approvals_list",
        summary=gettext_lazy("乡镇(街道)待审批（或已批复）的请示"),
        parameters=[ApprovalListQuerySerializer],
        responses={200: ApprovalSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(ApprovalListQuerySerializer)
        approvals = approval_list_for(user=request.user, pending=query["pending"])
        page = self.paginate_queryset(
            approvals.select_related("step__matter__node").order_by("requested_at", "id")
        )
        assert page is not None
        return self.paginated(page, ApprovalSerializer)


class ApprovalDecideView(ScopedView):
    serializer_class = ApprovalSerializer

    @extend_schema(
        operation_id="deliberation_approvals_decide",
        summary=gettext_lazy("批复请示（同意则进入表决，不同意则议题未通过）"),
        description=gettext_lazy("只有上级可以批复（社区本身 403）；已批复 409 approval_decided。"),
        parameters=[APPROVAL_ID],
        request=ApprovalDecideSerializer,
        responses={200: ApprovalSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        approval = rows.approval_of(request.user, id)
        body = ApprovalDecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        approval_decide(actor=request.user, approval=approval, **body.validated_data)
        return Response(ApprovalSerializer(rows.approval_of(request.user, id)).data)


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
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


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
        return Response(ObjectionSerializer(decided).data)


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
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)


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
        return Response(TaskSerializer(updated).data)


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
        return Response(EvaluationSummarySerializer(evaluation_summary(matter)).data)

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
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)


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
