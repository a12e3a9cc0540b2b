"""Schemes, accounts, the ledger and the review (``/api/v1/points/``).

Objects out of the caller's scope are 404 (existence not disclosed); a step the caller may not take
is 403; a step the data does not allow now (already decided, cap reached …) is 409.
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sanzhi.api.points import rows
from sanzhi.api.points.serializers import (
    AccountDetailSerializer,
    AccountListQuerySerializer,
    AccountSerializer,
    DecideResultSerializer,
    DecideSerializer,
    EntryCreateSerializer,
    EntrySerializer,
    ReverseSerializer,
    ReviewQuerySerializer,
    SchemeDetailSerializer,
    SchemeListQuerySerializer,
    SchemeSerializer,
)
from sanzhi.api.rows import check_id
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.core.errors import NotFound
from sanzhi.points import rules
from sanzhi.points.ledger import EVIDENCE_TYPES, points_decide, points_record, points_reverse
from sanzhi.points.periods import month_keys, parse_period
from sanzhi.points.selectors import (
    account_list_for,
    entry_list_for,
    pending_claims_for,
    scheme_list_for,
)
from sanzhi.points.store import tier_of

TAGS = ["points"]
WRITE_ERRORS = errors(400, 401, 403, 404, 409, 415)


def id_parameter(what: Any) -> OpenApiParameter:
    return OpenApiParameter("id", int, OpenApiParameter.PATH, description=what)


SCHEME_ID = id_parameter(gettext_lazy("积分方案 id"))
ACCOUNT_ID = id_parameter(gettext_lazy("积分账户 id"))
ENTRY_ID = id_parameter(gettext_lazy("积分流水 id"))


class SchemeListView(ScopedView):
    serializer_class = SchemeSerializer

    @extend_schema(
        operation_id="points_schemes_list",
        summary=gettext_lazy("积分方案列表"),
        description=gettext_lazy("您管辖范围内的方案、覆盖该范围的上级方案，以及您本人或本户有账户的方案。"),
        parameters=[SchemeListQuerySerializer],
        responses={200: SchemeSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(SchemeListQuerySerializer)
        schemes = scheme_list_for(user=request.user, under=rows.points_node(request.user, query.get("node")))
        page = self.paginate_queryset(schemes.order_by("node_path", "id"))
        assert page is not None
        return self.paginated(page, SchemeSerializer)


class SchemeDetailView(ScopedView):
    serializer_class = SchemeDetailSerializer

    @extend_schema(
        operation_id="points_schemes_retrieve",
        summary=gettext_lazy("积分方案详情（含类别、细则、星级与兑换档次）"),
        parameters=[SCHEME_ID],
        responses={200: SchemeDetailSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        scheme = rows.scheme_detail_for(user=request.user, scheme_id=id)
        return Response(represent(SchemeDetailSerializer, scheme))


class AccountListView(ScopedView):
    serializer_class = AccountSerializer

    @extend_schema(
        operation_id="points_accounts_list",
        summary=gettext_lazy("积分账户列表"),
        description=gettext_lazy("工作人员看到管辖范围内的账户；居民只看到本人和本户的账户。"),
        parameters=[AccountListQuerySerializer],
        responses={200: AccountSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(AccountListQuerySerializer)
        user = request.user
        accounts = account_list_for(
            user=user,
            scheme=rows.scheme_of(user, query.get("scheme")),
            under=rows.points_node(user, query.get("node")),
            search=query.get("q", ""),
        )
        page = self.paginate_queryset(accounts.select_related("node").order_by("node_path", "id"))
        assert page is not None
        return self.paginated(page, AccountSerializer)


class AccountDetailView(ScopedView):
    serializer_class = AccountDetailSerializer

    @extend_schema(
        operation_id="points_accounts_retrieve",
        summary=gettext_lazy("积分账户详情（余额、分类积分、星级、兑换档次）"),
        parameters=[ACCOUNT_ID],
        responses={200: AccountDetailSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        account = rows.account_detail_for(user=user, account_id=id)
        account.tier = tier_of(account, timezone.now())  # type: ignore[attr-defined]
        account.can_record = rules.can_record(user, account)  # type: ignore[attr-defined]
        account.can_redeem = rules.can_redeem(user, account)  # type: ignore[attr-defined]
        return Response(represent(AccountDetailSerializer, account))


class AccountEntriesView(ScopedView):
    serializer_class = EntrySerializer

    @extend_schema(
        operation_id="points_accounts_entries_list",
        summary=gettext_lazy("积分流水（含申报的审核状态），新的在前"),
        parameters=[ACCOUNT_ID],
        responses={200: EntrySerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        account = rows.account_detail_for(user=request.user, account_id=id)
        page = self.paginate_queryset(entry_list_for(user=request.user, account=account))
        assert page is not None
        return self.paginated(rows.entry_rows(page), EntrySerializer)


class EntryCreateView(ScopedView):
    serializer_class = EntrySerializer

    @extend_schema(
        operation_id="points_entries_create",
        summary=gettext_lazy("记分申报（一事一记录，可附照片）"),
        description=gettext_lazy(
            "为账户按细则申报积分，待审核；approve=true 时有审核权限的人当场通过。"
            "佐证照片用 multipart/form-data 的 evidence 上传。超出细则或方案的周期上限时 409。"
        ),
        request=EntryCreateSerializer,
        responses={201: EntrySerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = EntryCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        claim = points_record(
            actor=request.user,
            account_id=data["account"],
            rule_id=data["rule"],
            points=data.get("points"),
            note=data.get("note", ""),
            evidence=data.get("evidence"),
            day=data.get("day"),
            approve=data["approve"],
        )
        (row,) = rows.entries_by_id(user=request.user, ids=[claim.pk])
        return Response(represent(EntrySerializer, row), status=status.HTTP_201_CREATED)


class EntryDecideView(ScopedView):
    serializer_class = DecideResultSerializer

    @extend_schema(
        operation_id="points_entries_decide",
        summary=gettext_lazy("审核积分申报（批量，全部成功或全部不做）"),
        description=gettext_lazy(
            "通过或驳回同一方案的若干待审核申报。须经评议会审批的细则只能由评议会成员通过（填写 council）；"
            "已审核过的申报 409 points_already_decided。"
        ),
        request=DecideSerializer,
        responses={200: DecideResultSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        decisions = points_decide(
            actor=request.user,
            entry_ids=data["entries"],
            approve=data["approve"],
            council=data.get("council", ""),
            note=data.get("note", ""),
        )
        entries = rows.entries_by_id(user=request.user, ids=[e.pk for e in decisions])
        return Response(represent(DecideResultSerializer, {"entries": entries}))


class EntryReverseView(ScopedView):
    serializer_class = EntrySerializer

    @extend_schema(
        operation_id="points_entries_reverse",
        summary=gettext_lazy("冲正已通过的积分"),
        description=gettext_lazy("写一条冲正流水撤销审核通过的效果（已兑换掉的积分不追回）。"),
        parameters=[ENTRY_ID],
        request=ReverseSerializer,
        responses={200: EntrySerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = ReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reversal = points_reverse(
            actor=request.user, entry_id=check_id(id, _("积分申报不存在")), note=body.validated_data["note"]
        )
        (row,) = rows.entries_by_id(user=request.user, ids=[reversal.pk])
        return Response(represent(EntrySerializer, row))


_EVIDENCE_MEDIA = sorted(EVIDENCE_TYPES | {"application/octet-stream"})


class EntryEvidenceView(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file is not rendered: an ``Accept: image/*`` must not turn a download into a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="points_entries_evidence_retrieve",
        summary=gettext_lazy("下载申报的佐证照片"),
        parameters=[ENTRY_ID],
        responses={
            **{(200, media): OpenApiResponse(OpenApiTypes.BINARY) for media in _EVIDENCE_MEDIA},
            **errors(*READ_ERRORS),
        },
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> FileResponse:
        entry = rows.entry_get_for(user=request.user, entry_id=id)
        if not entry.evidence:
            raise NotFound(_("该流水没有佐证照片"), code="points_evidence_not_found")
        name = entry.evidence.name.rsplit("/", 1)[-1]
        guessed = mimetypes.guess_type(name)[0] or ""
        content_type = guessed if guessed in _EVIDENCE_MEDIA else "application/octet-stream"
        response = FileResponse(entry.evidence.open("rb"), filename=name, content_type=content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class ReviewView(ScopedView):
    serializer_class = EntrySerializer

    @extend_schema(
        operation_id="points_review_list",
        summary=gettext_lazy("待审核的积分申报（评审工作单），早的在前"),
        parameters=[ReviewQuerySerializer],
        responses={200: EntrySerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(ReviewQuerySerializer)
        scheme = rows.scheme_of(request.user, query["scheme"])
        assert scheme is not None
        months = month_keys(parse_period(query["period"])) if query.get("period") else None
        claims = pending_claims_for(user=request.user, scheme=scheme, months=months)
        page = self.paginate_queryset(claims.prefetch_related("followups"))
        assert page is not None
        return self.paginated(rows.entry_rows(page), EntrySerializer)
