"""The work at a matter's steps (``/api/v1/deliberation/``): accepting a proposal, meetings
(calling, attendance, ballots, the count, the decision, minutes), 请示报告, public notices and
objections, implementation tasks, the residents' evaluation (those after the vote in
``outcome_views``).

A step action names the step (``steps/{id}/…``); the services check that it is the matter's open
step (409 step_closed otherwise), that its stage allows the act (400 wrong_stage / stage_not_…),
the time window and the rules of the stage. A decision without quorum is 400 no_quorum with
``data: {present, expected, needed}`` and changes nothing.
"""

from __future__ import annotations

from typing import Any

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
    MeetingCallSerializer,
    MeetingListQuerySerializer,
    MeetingMinutesSerializer,
    StepNoteSerializer,
    VoteCountSerializer,
)
from sanzhi.api.deliberation.serializers import (
    ApprovalSerializer,
    BallotResultSerializer,
    MatterDetailSerializer,
    MeetingDetailSerializer,
    MeetingSerializer,
)
from sanzhi.api.deliberation.views import TAGS, WRITE_ERRORS, id_parameter, matter_response
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.core.errors import Forbidden
from sanzhi.deliberation.approvals import approval_decide, approval_request
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
from sanzhi.deliberation.proposals import proposal_accept
from sanzhi.deliberation.selectors_meetings import approval_list_for, meeting_list_for

STEP_ID = id_parameter(gettext_lazy("议事环节 id（议题详情的 open_step.id）"))
MEETING_ID = id_parameter(gettext_lazy("会议 id"))
APPROVAL_ID = id_parameter(gettext_lazy("请示 id"))


def meeting_response(request: Request, pk: int, code: int = status.HTTP_200_OK) -> Response:
    return Response(represent(MeetingDetailSerializer, rows.meeting_detail(request.user, pk)), status=code)


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
        return Response(represent(BallotResultSerializer, ballot), status=status.HTTP_201_CREATED)


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
        data = represent(ApprovalSerializer, rows.approval_of(request.user, approval.pk))
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
        return Response(represent(ApprovalSerializer, rows.approval_of(request.user, id)))
