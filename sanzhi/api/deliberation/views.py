"""Procedures, bodies, matters and 村民说事 (``/api/v1/deliberation/``).

Objects out of the caller's scope are 404 (existence not disclosed); a step the caller may not take
is 403; a step the matter's state does not allow now (the step is closed, already handled …) is 409;
bad input, a wrong stage or a closed window is 400 with a stable code.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sanzhi.api.deliberation import rows
from sanzhi.api.deliberation.requests import (
    BodyCreateSerializer,
    DelibNodeQuerySerializer,
    DelibReasonSerializer,
    MatterListQuerySerializer,
    MatterProposeSerializer,
    MemberAddSerializer,
    ProcedureAdoptSerializer,
    SayingAcceptSerializer,
    SayingAnswerSerializer,
    SayingListQuerySerializer,
    SayingSubmitSerializer,
)
from sanzhi.api.deliberation.serializers import (
    BodyDetailSerializer,
    BodySerializer,
    MatterAttachSerializer,
    MatterDetailSerializer,
    MatterProposeWithFilesSerializer,
    MatterSerializer,
    MemberSerializer,
    ProcedureDetailSerializer,
    ProcedureSerializer,
    ProcedureTemplateSerializer,
    SayingSerializer,
    SayingStaffSerializer,
)
from sanzhi.api.rows import check_id
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.core.errors import NotFound
from sanzhi.core.fields import subtree_q
from sanzhi.deliberation.attachments import (
    attachment_content_type,
    attachment_get_for,
    attachments_of,
    matter_attach,
)
from sanzhi.deliberation.bodies import body_create, body_member_add, body_member_remove
from sanzhi.deliberation.flow import matter_propose, matter_withdraw
from sanzhi.deliberation.procedures import procedure_adopt
from sanzhi.deliberation.proposals import saying_accept, saying_answer, saying_submit
from sanzhi.deliberation.selectors import (
    body_list_for,
    matter_list_for,
    procedure_list_for,
    saying_list_for,
    sayings_mine,
)
from sanzhi.deliberation.templates_data import TEMPLATES
from sanzhi.tickets.inputs import ATTACHMENT_TYPES

TAGS = ["deliberation"]
WRITE_ERRORS = errors(400, 401, 403, 404, 409, 415)


def id_parameter(what: Any) -> OpenApiParameter:
    return OpenApiParameter("id", int, OpenApiParameter.PATH, description=what)


PROCEDURE_ID = id_parameter(gettext_lazy("议事规程 id"))
BODY_ID = id_parameter(gettext_lazy("议事主体 id"))
MEMBER_ID = id_parameter(gettext_lazy("成员 id"))
MATTER_ID = id_parameter(gettext_lazy("议题 id"))
SAYING_ID = id_parameter(gettext_lazy("说事 id"))
ATTACHMENT_ID = OpenApiParameter("aid", int, OpenApiParameter.PATH, description=gettext_lazy("附件 id"))
ATTACHMENT_NOT_FOUND = gettext_lazy("附件不存在")


def matter_response(request: Request, pk: int, code: int = status.HTTP_200_OK) -> Response:
    """The matter as the caller sees it after a change (its steps, timeline, open actions, files)."""
    matter = rows.matter_detail(request.user, pk)
    matter.attachment_rows = [  # type: ignore[attr-defined]
        {
            "id": info.id,
            "name": info.name,
            "content_type": info.content_type,
            "size": info.size,
            "uploaded_at": info.attachment.uploaded_at,
            "url": request.build_absolute_uri(
                reverse("api:deliberation-matter-attachment", kwargs={"id": matter.pk, "aid": info.id})
            ),
        }
        for info in attachments_of(matter)
    ]
    return Response(represent(MatterDetailSerializer, matter), status=code)


# ---- procedures -----------------------------------------------------------------------------------


class TemplateListView(ScopedView):
    serializer_class = ProcedureTemplateSerializer
    pagination_class = None

    @extend_schema(
        operation_id="deliberation_templates_list",
        summary=gettext_lazy("可采用的议事规程模板（四议两公开、提-议-决-办-评、四事四共）"),
        responses={200: ProcedureTemplateSerializer(many=True), **errors(401, 403)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        templates = [
            {
                "key": t.key,
                "name": t.name,
                "label": str(t.label or t.name),
                "description": t.description,
                "major_amount_fen": t.major_amount_fen,
                "major_types": list(t.major_types),
                "stages": [
                    {
                        "code": s.code,
                        "name": s.name,
                        "kind": s.kind,
                        "body_kind": s.body_kind,
                        "major_only": s.major_only,
                        "min_days": s.min_days,
                    }
                    for s in t.stages
                ],
            }
            for t in TEMPLATES.values()
        ]
        return Response(represent(ProcedureTemplateSerializer, templates, many=True))


class ProcedureListView(ScopedView):
    serializer_class = ProcedureSerializer

    @extend_schema(
        operation_id="deliberation_procedures_list",
        summary=gettext_lazy("议事规程列表"),
        description=gettext_lazy("您管辖范围内的规程，以及覆盖该范围的上级规程。"),
        parameters=[DelibNodeQuerySerializer],
        responses={200: ProcedureSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(DelibNodeQuerySerializer)
        procedures = procedure_list_for(user=request.user)
        node = rows.matter_node(request.user, query.get("node"))
        if node is not None:
            procedures = procedures.filter(subtree_q("node_path", node.path))
        page = self.paginate_queryset(procedures.order_by("node_path", "id"))
        assert page is not None
        return self.paginated(page, ProcedureSerializer)


class ProcedureDetailView(ScopedView):
    serializer_class = ProcedureDetailSerializer

    @extend_schema(
        operation_id="deliberation_procedures_retrieve",
        summary=gettext_lazy("议事规程详情（各环节及其到会、表决、公示规则）"),
        parameters=[PROCEDURE_ID],
        responses={200: ProcedureDetailSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        procedure = rows.procedure_detail(request.user, id)
        data = represent(ProcedureDetailSerializer, procedure)
        return Response(data)


class ProcedureAdoptView(ScopedView):
    serializer_class = ProcedureDetailSerializer

    @extend_schema(
        operation_id="deliberation_procedures_adopt",
        summary=gettext_lazy("采用议事规程模板（一次建好全部环节）"),
        description=gettext_lazy(
            "须在该节点有维护议事规程权限；模板不存在时 400 procedure_template_unknown；"
            "编码已被占用时 409 procedure_code_taken。"
        ),
        request=ProcedureAdoptSerializer,
        responses={201: ProcedureDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ProcedureAdoptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        node = rows.matter_node(request.user, data["node"])
        assert node is not None
        procedure = procedure_adopt(
            actor=request.user,
            template=data["template"],
            node=node,
            code=data.get("code"),
            name=data.get("name"),
        )
        detail = rows.procedure_detail(request.user, procedure.pk)
        return Response(represent(ProcedureDetailSerializer, detail), status=status.HTTP_201_CREATED)


# ---- bodies ---------------------------------------------------------------------------------------


class BodyListView(ScopedView):
    serializer_class = BodySerializer

    @extend_schema(
        operation_id="deliberation_bodies_list",
        summary=gettext_lazy("议事主体列表（党组织、两委、党员大会、代表会议、议事会……）"),
        parameters=[DelibNodeQuerySerializer],
        responses={200: BodySerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(DelibNodeQuerySerializer)
        bodies = body_list_for(user=request.user)
        node = rows.matter_node(request.user, query.get("node"))
        if node is not None:
            bodies = bodies.filter(subtree_q("node_path", node.path))
        page = self.paginate_queryset(bodies.order_by("node_path", "kind", "id"))
        assert page is not None
        return self.paginated(page, BodySerializer)

    @extend_schema(
        operation_id="deliberation_bodies_create",
        summary=gettext_lazy("设立议事主体"),
        description=gettext_lazy("须有维护议事主体权限；同一节点同类主体只能有一个（409 body_kind_taken）。"),
        request=BodyCreateSerializer,
        responses={201: BodyDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = BodyCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        node = rows.matter_node(request.user, data["node"])
        assert node is not None
        created = body_create(actor=request.user, node=node, kind=data["kind"], name=data["name"])
        detail = rows.body_detail(request.user, created.pk)
        return Response(represent(BodyDetailSerializer, detail), status=status.HTTP_201_CREATED)


class BodyDetailView(ScopedView):
    serializer_class = BodyDetailSerializer

    @extend_schema(
        operation_id="deliberation_bodies_retrieve",
        summary=gettext_lazy("议事主体详情（含成员）"),
        parameters=[BODY_ID],
        responses={200: BodyDetailSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        return Response(represent(BodyDetailSerializer, rows.body_detail(request.user, id)))


class MemberAddView(ScopedView):
    serializer_class = MemberSerializer

    @extend_schema(
        operation_id="deliberation_bodies_members_create",
        summary=gettext_lazy("增加议事主体成员（账号、居民或两者）"),
        description=gettext_lazy(
            "居民须居住在议事主体所在地（400 member_elsewhere）；已是成员时 409 member_exists。"
        ),
        parameters=[BODY_ID],
        request=MemberAddSerializer,
        responses={201: MemberSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        target = rows.body_of(request.user, id)
        body = MemberAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        member = body_member_add(
            actor=request.user,
            body=target,
            user=rows.user_of(data.get("user")),
            resident=rows.resident_of(request.user, data.get("resident")),
            name=data["name"],
            title=data["title"],
            is_chair=data["is_chair"],
        )
        return Response(represent(MemberSerializer, member), status=status.HTTP_201_CREATED)


class MemberRemoveView(ScopedView):
    serializer_class = MemberSerializer

    @extend_schema(
        operation_id="deliberation_members_remove",
        summary=gettext_lazy("成员离任（保留记录，已召集会议的名单不变）"),
        parameters=[MEMBER_ID],
        request=None,
        responses={200: MemberSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        member = body_member_remove(actor=request.user, member=rows.member_of(request.user, id))
        return Response(represent(MemberSerializer, member))


# ---- matters --------------------------------------------------------------------------------------


class MatterListView(ScopedView):
    serializer_class = MatterSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="deliberation_matters_list",
        summary=gettext_lazy("议题列表，新的在前"),
        parameters=[MatterListQuerySerializer],
        responses={200: MatterSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(MatterListQuerySerializer)
        matters = matter_list_for(
            user=request.user,
            under=rows.matter_node(request.user, query.get("node")),
            status=query.get("status"),
            search=query.get("q", ""),
        )
        page = self.paginate_queryset(matters.order_by("-created_at", "-id"))
        assert page is not None
        return self.paginated(page, MatterSerializer)

    @extend_schema(
        operation_id="deliberation_matters_create",
        summary=gettext_lazy("提出议题（按议事规程进入第一个环节）"),
        description=gettext_lazy(
            "金额达到规程标准、属于规定类型或声明为重大事项的，为重大事项，表决前须经乡镇(街道)审批。"
            "附件（照片或 PDF）用 multipart/form-data 的 attachments 一并上传。"
        ),
        request={
            "application/json": MatterProposeSerializer,
            "multipart/form-data": MatterProposeWithFilesSerializer,
        },
        responses={201: MatterDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = MatterProposeWithFilesSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        user = request.user
        node = rows.matter_node(user, data["node"])
        assert node is not None
        proposer = data.get("proposer_body")
        matter = matter_propose(
            actor=user,
            node=node,
            procedure=rows.procedure_of(user, data["procedure"]),
            title=data["title"],
            description=data["description"],
            matter_type=data["matter_type"],
            amount_fen=data.get("amount_fen"),
            declared_major=data["declared_major"],
            proposer_body=rows.body_of(user, proposer) if proposer is not None else None,
            attachments=data.get("attachments") or [],
        )
        return matter_response(request, matter.pk, status.HTTP_201_CREATED)


class MatterDetailView(ScopedView):
    serializer_class = MatterDetailSerializer

    @extend_schema(
        operation_id="deliberation_matters_retrieve",
        summary=gettext_lazy("议题详情（各环节、会议、公示、任务、时间线及当前可进行的操作）"),
        parameters=[MATTER_ID],
        responses={200: MatterDetailSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        return matter_response(request, id)


class MatterWithdrawView(ScopedView):
    serializer_class = MatterDetailSerializer

    @extend_schema(
        operation_id="deliberation_matters_withdraw",
        summary=gettext_lazy("撤回议题（提议人或组织者，议题结束前）"),
        parameters=[MATTER_ID],
        request=DelibReasonSerializer,
        responses={200: MatterDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        matter = rows.matter_of(request.user, id)
        body = DelibReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        matter_withdraw(actor=request.user, matter=matter, reason=body.validated_data["reason"])
        return matter_response(request, matter.pk)


class MatterAttachmentsView(ScopedView):
    serializer_class = MatterDetailSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="deliberation_matters_attachments_create",
        summary=gettext_lazy("为议题上传附件（照片或 PDF）"),
        description=gettext_lazy(
            "提议人，或在该地能提出议题、组织议事的工作人员，在议题结束前上传；"
            "格式、大小、数量不符时 400（attachment_type、attachment_too_large、too_many_attachments），"
            "不写入任何文件；议题已结束时 409 matter_closed。"
        ),
        parameters=[MATTER_ID],
        request={"multipart/form-data": MatterAttachSerializer},
        responses={201: MatterDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        matter = rows.matter_of(request.user, id)
        body = MatterAttachSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        matter_attach(actor=request.user, matter=matter, files=body.validated_data["files"])
        return matter_response(request, matter.pk, status.HTTP_201_CREATED)


ATTACHMENT_MEDIA = sorted(ATTACHMENT_TYPES | {"application/octet-stream"})


class MatterAttachmentView(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file is not rendered: an ``Accept: image/*`` must not turn a download into a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="deliberation_matters_attachment_retrieve",
        summary=gettext_lazy("下载议题附件"),
        parameters=[MATTER_ID, ATTACHMENT_ID],
        responses={
            **{(200, media): OpenApiResponse(OpenApiTypes.BINARY) for media in ATTACHMENT_MEDIA},
            **errors(*READ_ERRORS),
        },
        tags=TAGS,
    )
    def get(self, request: Request, id: int, aid: int, *args: Any, **kwargs: Any) -> FileResponse:
        message = str(ATTACHMENT_NOT_FOUND)
        attachment = attachment_get_for(
            user=request.user, matter_pk=check_id(id, message), pk=check_id(aid, message)
        )
        try:
            handle = attachment.file.open("rb")
        except OSError:
            raise NotFound(message, code="attachment_not_found") from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.name or f"attachment-{attachment.pk}",
            content_type=attachment_content_type(attachment),
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


# ---- 村民说事 ---------------------------------------------------------------------------------------


class SayingListView(ScopedView):
    serializer_class = SayingStaffSerializer

    @extend_schema(
        operation_id="deliberation_sayings_list",
        summary=gettext_lazy("村民说事（工作人员：管辖范围内的），新的在前"),
        parameters=[SayingListQuerySerializer],
        responses={200: SayingStaffSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(SayingListQuerySerializer)
        sayings = saying_list_for(user=request.user, status=query.get("status"))
        page = self.paginate_queryset(sayings.order_by("-created_at", "-id"))
        assert page is not None
        return self.paginated(page, SayingStaffSerializer)

    @extend_schema(
        operation_id="deliberation_sayings_create",
        summary=gettext_lazy("村民说事：登记在册的居民提出事由"),
        description=gettext_lazy("未登记为居民的账号 403 not_resident。"),
        request=SayingSubmitSerializer,
        responses={201: SayingSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = SayingSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saying = saying_submit(actor=request.user, **body.validated_data)
        return Response(represent(SayingSerializer, saying), status=status.HTTP_201_CREATED)


class SayingMineView(ScopedView):
    serializer_class = SayingSerializer

    @extend_schema(
        operation_id="deliberation_sayings_mine",
        summary=gettext_lazy("我提出的说事及其处理情况"),
        responses={200: SayingSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(sayings_mine(user=request.user).order_by("-created_at", "-id"))
        assert page is not None
        return self.paginated(page, SayingSerializer)


class SayingAnswerView(ScopedView):
    serializer_class = SayingStaffSerializer

    @extend_schema(
        operation_id="deliberation_sayings_answer",
        summary=gettext_lazy("答复说事（不立为议题）"),
        description=gettext_lazy("已处理过的说事 409 saying_handled。"),
        parameters=[SAYING_ID],
        request=SayingAnswerSerializer,
        responses={200: SayingStaffSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        saying = rows.saying_of(request.user, id)
        body = SayingAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        saying_answer(actor=request.user, saying=saying, reply=body.validated_data["reply"])
        return Response(represent(SayingStaffSerializer, rows.saying_of(request.user, id)))


class SayingAcceptView(ScopedView):
    serializer_class = MatterDetailSerializer

    @extend_schema(
        operation_id="deliberation_sayings_accept",
        summary=gettext_lazy("将说事立为议题"),
        parameters=[SAYING_ID],
        request=SayingAcceptSerializer,
        responses={201: MatterDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        saying = rows.saying_of(user, id)
        body = SayingAcceptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        matter = saying_accept(
            actor=user,
            saying=saying,
            procedure=rows.procedure_of(user, data["procedure"]),
            node=rows.matter_node(user, data.get("node")),
            title=data.get("title"),
            matter_type=data["matter_type"],
            amount_fen=data.get("amount_fen"),
            declared_major=data["declared_major"],
        )
        return matter_response(request, matter.pk, status.HTTP_201_CREATED)
