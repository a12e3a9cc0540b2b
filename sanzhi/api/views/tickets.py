"""Demands (诉求工单): ``/api/v1/tickets/`` list and intake, a ticket's detail and attachments, and one
``POST /api/v1/tickets/{id}/{action}`` per step of the loop, each calling its service.

Invisible tickets are 404 (existence not disclosed); a step the caller may not take is 403; a step the
state table does not allow now is 409 (code illegal_transition).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.api.rows import check_id
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.ticket_rows import (
    ActionResult,
    attachment_of,
    category_by_code,
    department_by_code,
    filter_node,
    intake_node,
    last_event_row,
    target_from,
    ticket_detail_row,
)
from sanzhi.api.ticket_serializers import (
    MergeSerializer,
    NoteSerializer,
    NoteWithAttachmentsSerializer,
    RateSerializer,
    RegisterSerializer,
    RequiredNoteSerializer,
    TargetSerializer,
    TicketActionResultSerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketListQuerySerializer,
    TicketSerializer,
    TransferSerializer,
    VoidSerializer,
)
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.core.errors import NotFound, ValidationFailed
from sanzhi.people.selectors import household_get_for
from sanzhi.tickets import rules, services
from sanzhi.tickets.inputs import ATTACHMENT_TYPES
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Ticket
from sanzhi.tickets.selectors import ticket_get_for, ticket_list_for
from sanzhi.tickets.states import Action

ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH, description=gettext_lazy("工单 id"))
_NOT_FOUND = gettext_lazy("工单不存在")


def _ticket(request: Request, pk: int) -> Ticket:
    return ticket_get_for(user=request.user, pk=check_id(pk, str(_NOT_FOUND)))


def _detail(request: Request, ticket: Ticket) -> dict[str, Any]:
    return represent(TicketDetailSerializer, ticket_detail_row(request, ticket))


class TicketListView(ScopedView):
    serializer_class = TicketSerializer

    @extend_schema(
        operation_id="tickets_list",
        summary=gettext_lazy("工单列表"),
        description=gettext_lazy(
            "您能看到的工单：管辖范围内的、您反映的、由您办理的和派给您所在部门的，按 id 倒序。"
            "node 不在范围内或分类、部门编码不存在时 404。"
        ),
        parameters=[TicketListQuerySerializer],
        responses={200: TicketSerializer(many=True), **errors(*READ_ERRORS)},
        tags=["tickets"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(TicketListQuerySerializer)
        user = request.user
        tickets = ticket_list_for(
            user=user,
            under=filter_node(user, query["node"]) if "node" in query else None,
            states=sorted(query.get("state") or []),
            level=query.get("level", ""),
            category=category_by_code(query["category"], for_filter=True) if "category" in query else None,
            department=(
                department_by_code(query["department"], for_filter=True) if "department" in query else None
            ),
            assigned_to_me=query.get("mine") == "assigned",
            reported_by_me=query.get("mine") == "reported",
        )
        page = self.paginate_queryset(tickets)
        assert page is not None
        return self.paginated(page, TicketSerializer)

    @extend_schema(
        operation_id="tickets_create",
        summary=gettext_lazy("反映诉求（上报工单）"),
        description=gettext_lazy(
            "居民为本户或所在地反映诉求（channel=resident）；"
            "联户长为所联系的住户代报（representative，须给出 household）；"
            "工作人员巡查、走访、热线受理（patrol、visit、hotline，须在该节点有代报权限）。"
            "照片用 multipart/form-data 的 attachments 上传。"
        ),
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer, **errors(400, 401, 403, 404, 415)},
        tags=["tickets"],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TicketCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        channel = data.get("channel") or (
            Channel.RESIDENT if scope_for(user, Capability.REPORT_TICKETS).empty else Channel.PATROL
        )
        ticket = ticket_create(
            actor=user,
            channel=channel,
            text=data["text"],
            title=data.get("title", ""),
            node=intake_node(data["node"]) if data.get("node") else None,
            household=household_get_for(user=user, pk=data["household"]) if "household" in data else None,
            category=category_by_code(data["category"]) if data.get("category") else None,
            address=data.get("address", ""),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            reporter_name=data.get("reporter_name", ""),
            reporter_phone=data.get("reporter_phone", ""),
            attachments=data.get("attachments") or [],
        )
        # The service's ticket already holds its node, community, street, category and reporter: the
        # answer is built from it instead of reading the row back through eleven joins.
        if not rules.can_view(user, ticket):
            raise NotFound(str(_NOT_FOUND), code="ticket_not_found")
        return Response(_detail(request, ticket), status=status.HTTP_201_CREATED)


class TicketDetailView(ScopedView):
    serializer_class = TicketDetailSerializer

    @extend_schema(
        operation_id="tickets_retrieve",
        summary=gettext_lazy("工单详情（含流转记录与附件）"),
        description=gettext_lazy("诉求人姓名和电话只对办理范围内的工作人员和诉求人本人显示。"),
        parameters=[ID_PARAMETER],
        responses={200: TicketDetailSerializer, **errors(*READ_ERRORS)},
        tags=["tickets"],
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        return Response(_detail(request, _ticket(request, id)))


_ATTACHMENT_MEDIA = sorted(ATTACHMENT_TYPES | {"application/octet-stream"})


class TicketAttachmentView(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file is not rendered: an ``Accept: image/*`` must not turn a download into a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="tickets_attachment_retrieve",
        summary=gettext_lazy("下载工单附件"),
        parameters=[ID_PARAMETER, OpenApiParameter("aid", int, OpenApiParameter.PATH)],
        responses={
            **{(200, media): OpenApiResponse(OpenApiTypes.BINARY) for media in _ATTACHMENT_MEDIA},
            **errors(*READ_ERRORS),
        },
        tags=["tickets"],
    )
    def get(self, request: Request, id: int, aid: int, *args: Any, **kwargs: Any) -> FileResponse:
        attachment = attachment_of(_ticket(request, id), aid)
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.name or f"attachment-{attachment.pk}",
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


# ---- the steps of the loop -------------------------------------------------------------------------

Run = Callable[[Request, Ticket, dict[str, Any]], Ticket]


def _note(body: dict[str, Any]) -> str:
    return str(body.get("note", ""))


def _register(request: Request, ticket: Ticket, body: dict[str, Any]) -> Ticket:
    category = category_by_code(body["category"]) if body.get("category") else None
    return services.ticket_register(actor=request.user, ticket=ticket, category=category, note=_note(body))


def _dispatch(request: Request, ticket: Ticket, body: dict[str, Any]) -> Ticket:
    target = target_from(body, ticket)
    return services.ticket_dispatch(actor=request.user, ticket=ticket, target=target, note=_note(body))


def _transfer(request: Request, ticket: Ticket, body: dict[str, Any]) -> Ticket:
    target = target_from(body, ticket)
    if target is None:
        raise ValidationFailed(_("请指定转办给谁：user、node 或 department"), code="required")
    return services.ticket_transfer(actor=request.user, ticket=ticket, target=target, note=_note(body))


def _merge(request: Request, ticket: Ticket, body: dict[str, Any]) -> Ticket:
    into = _ticket(request, body["into"])
    return services.ticket_merge(actor=request.user, ticket=ticket, into=into, note=_note(body))


def _simple(service: Callable[..., Ticket]) -> Run:
    def run(request: Request, ticket: Ticket, body: dict[str, Any]) -> Ticket:
        return service(actor=request.user, ticket=ticket, note=_note(body))

    return run


def _with_attachments(service: Callable[..., Ticket]) -> Run:
    def run(request: Request, ticket: Ticket, body: dict[str, Any]) -> Ticket:
        return service(
            actor=request.user, ticket=ticket, note=_note(body), attachments=body.get("attachments") or []
        )

    return run


def _void(request: Request, ticket: Ticket, body: dict[str, Any]) -> Ticket:
    return services.ticket_void(actor=request.user, ticket=ticket, reason=body["reason"])


def _rate(request: Request, ticket: Ticket, body: dict[str, Any]) -> Ticket:
    return services.ticket_rate(actor=request.user, ticket=ticket, rating=body["rating"], note=_note(body))


@dataclass(frozen=True)
class Step:
    action: str
    body: type[serializers.Serializer]
    run: Run
    summary: Any


STEPS: tuple[Step, ...] = (
    Step(Action.REGISTER, RegisterSerializer, _register, gettext_lazy("立案（可同时确定分类）")),
    Step(
        Action.DISPATCH,
        TargetSerializer,
        _dispatch,
        gettext_lazy("派遣：默认派给网格员，或派给指定人员、社区/街道、部门，或党员跑单"),
    ),
    Step(Action.ACCEPT, NoteSerializer, _simple(services.ticket_accept), gettext_lazy("接单处置")),
    Step(
        Action.RESOLVE,
        NoteWithAttachmentsSerializer,
        _with_attachments(services.ticket_resolve),
        gettext_lazy("办结反馈（可附照片）"),
    ),
    Step(Action.ANSWER, RequiredNoteSerializer, _simple(services.ticket_answer), gettext_lazy("答复咨询")),
    Step(Action.VERIFY, NoteSerializer, _simple(services.ticket_verify), gettext_lazy("核查结案")),
    Step(Action.REJECT, RequiredNoteSerializer, _simple(services.ticket_reject), gettext_lazy("核查不通过")),
    Step(Action.RETURN, RequiredNoteSerializer, _simple(services.ticket_return), gettext_lazy("退回派遣人")),
    Step(Action.TRANSFER, TransferSerializer, _transfer, gettext_lazy("转办")),
    Step(
        Action.SUSPEND,
        RequiredNoteSerializer,
        _simple(services.ticket_suspend),
        gettext_lazy("挂起（停止计时）"),
    ),
    Step(Action.RESUME, NoteSerializer, _simple(services.ticket_resume), gettext_lazy("恢复计时")),
    Step(Action.VOID, VoidSerializer, _void, gettext_lazy("作废（理由记入审计）")),
    Step(Action.MERGE, MergeSerializer, _merge, gettext_lazy("合并到另一工单")),
    Step(
        Action.COMMENT,
        NoteWithAttachmentsSerializer,
        _with_attachments(services.ticket_comment),
        gettext_lazy("备注（可附照片）"),
    ),
    Step(Action.RATE, RateSerializer, _rate, gettext_lazy("评价或回访（不满意时升一级重新办理一次）")),
)


class TicketActionView(ScopedView):
    step: Step

    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = self.step.body(data=request.data)
        body.is_valid(raise_exception=True)
        ticket = self.step.run(request, _ticket(request, id), dict(body.validated_data))
        result = ActionResult(ticket=ticket, event=last_event_row(ticket))
        return Response(represent(TicketActionResultSerializer, result))


def action_view(step: Step) -> type[TicketActionView]:
    """A view class for one step, with its own request body and operation in the OpenAPI document."""

    # A function of its own per step: extend_schema annotates the function object it decorates.
    def post(self: TicketActionView, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        return TicketActionView.post(self, request, id, *args, **kwargs)

    post = extend_schema(
        operation_id=f"tickets_{step.action}",
        summary=step.summary,
        parameters=[ID_PARAMETER],
        request=step.body,
        responses={200: TicketActionResultSerializer, **errors(400, 401, 403, 404, 409, 415)},
        tags=["tickets"],
    )(post)
    return type(
        f"Ticket{step.action.title()}View",
        (TicketActionView,),
        {"step": step, "post": post, "serializer_class": step.body, "__module__": __name__},
    )


ACTION_VIEWS = {step.action: action_view(step) for step in STEPS}
