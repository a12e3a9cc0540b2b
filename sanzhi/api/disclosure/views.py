"""Disclosures (``/api/v1/disclosure/``): drafts, their finance lines (one by one, or a whole sheet
imported all or nothing), the export, publication on the public chain and corrections.

Objects out of the caller's scope are 404 (existence not disclosed); a step the caller may not take
is 403; a step the data does not allow now (already published, period taken …) is 409. Amounts are
integers in fen; each also comes as yuan text for display."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.db.models import F
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from sanzhi.api.disclosure import rows
from sanzhi.api.disclosure.plan_views import TAGS, WRITE_ERRORS, id_parameter
from sanzhi.api.disclosure.serializers import (
    CorrectSerializer,
    DisclosureCreateSerializer,
    DisclosureDetailSerializer,
    DisclosureListQuerySerializer,
    DisclosureSerializer,
    DisclosureUpdateSerializer,
    ImportResultSerializer,
    LineCreateSerializer,
    LineFieldsSerializer,
    LineSerializer,
    LinesExportQuerySerializer,
    LinesImportSerializer,
)
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.core.errors import ValidationFailed
from sanzhi.disclosure.finance_io import export_lines
from sanzhi.disclosure.selectors import disclosure_list_for
from sanzhi.disclosure.services import (
    disclosure_correct,
    disclosure_discard,
    disclosure_draft,
    disclosure_publish,
    disclosure_update,
    finance_line_add,
    finance_line_remove,
    finance_line_update,
    finance_lines_import,
)

DISCLOSURE_ID = id_parameter(gettext_lazy("公开内容 id"))
LINE_ID = id_parameter(gettext_lazy("收支明细 id"))
# A village's month of books is a few hundred rows; a sheet this large is a mistake or an attack.
IMPORT_MAX_BYTES = 5 * 1024 * 1024
EXPORT_MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _detail(request: Request, disclosure_id: int) -> dict[str, Any]:
    return represent(DisclosureDetailSerializer, rows.disclosure_detail(request.user, disclosure_id))


class DisclosureListView(ScopedView):
    serializer_class = DisclosureSerializer

    @extend_schema(
        operation_id="disclosure_disclosures_list",
        summary=gettext_lazy("公开内容列表（草稿与已发布），所属期新的在前"),
        description=gettext_lazy("您负责公开工作（编制或发布）的范围内的公开内容。"),
        parameters=[DisclosureListQuerySerializer],
        responses={200: DisclosureSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(DisclosureListQuerySerializer)
        disclosures = disclosure_list_for(
            user=request.user,
            under=rows.tree_node(request.user, query.get("node")),
            area=query.get("area"),
            status=query.get("status"),
        )
        # Newest period first on every database (PostgreSQL would put the per-matter ones, without a
        # period, first).
        page = self.paginate_queryset(disclosures.order_by(F("period_end").desc(nulls_last=True), "-id"))
        assert page is not None
        return self.paginated(page, DisclosureSerializer)

    @extend_schema(
        operation_id="disclosure_disclosures_create",
        summary=gettext_lazy("起草公开内容"),
        description=gettext_lazy(
            "按公开目录中的事项起草某一期（按月 2026-10、按季度 2026Q4），或逐项、临时公开。"
            "须有编制权限；同一事项同一期只能有一份（409 disclosure_period_taken）。"
        ),
        request=DisclosureCreateSerializer,
        responses={201: DisclosureDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = DisclosureCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        node = rows.tree_node(request.user, data["node"])
        disclosure = disclosure_draft(
            actor=request.user,
            node=node,
            area=data.get("area", ""),
            title=data.get("title", ""),
            plan=rows.plan_of(request.user, data.get("plan")),
            period=data.get("period", ""),
            body=data.get("body", ""),
        )
        return Response(_detail(request, disclosure.pk), status=status.HTTP_201_CREATED)


class DisclosureDetailView(ScopedView):
    serializer_class = DisclosureDetailSerializer

    @extend_schema(
        operation_id="disclosure_disclosures_retrieve",
        summary=gettext_lazy("公开内容详情（含收支明细与合计）"),
        parameters=[DISCLOSURE_ID],
        responses={200: DisclosureDetailSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        return Response(_detail(request, id))

    @extend_schema(
        operation_id="disclosure_disclosures_partial_update",
        summary=gettext_lazy("修改草稿的标题或正文"),
        description=gettext_lazy("已发布的公开内容不能修改（409 disclosure_published），请发起更正。"),
        parameters=[DISCLOSURE_ID],
        request=DisclosureUpdateSerializer,
        responses={200: DisclosureDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def patch(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = DisclosureUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        disclosure = rows.disclosure_of(request.user, id)
        disclosure_update(actor=request.user, disclosure=disclosure, **body.validated_data)
        return Response(_detail(request, disclosure.pk))

    @extend_schema(
        operation_id="disclosure_disclosures_destroy",
        summary=gettext_lazy("删除草稿（连同收支明细）"),
        description=gettext_lazy("已发布的公开内容永久保留（409 disclosure_published）。"),
        parameters=[DISCLOSURE_ID],
        responses={204: None, **errors(401, 403, 404, 409)},
        tags=TAGS,
    )
    def delete(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        disclosure_discard(actor=request.user, disclosure=rows.disclosure_of(request.user, id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LineCreateView(ScopedView):
    serializer_class = LineSerializer

    @extend_schema(
        operation_id="disclosure_lines_create",
        summary=gettext_lazy("新增一条收支明细（财务公开草稿）"),
        description=gettext_lazy(
            "金额以分为单位的正整数；日期须在所属期内（400 finance_date_outside_period）。"
            "非财务公开 400 disclosure_not_finance；已发布 409 disclosure_published。"
        ),
        parameters=[DISCLOSURE_ID],
        request=LineCreateSerializer,
        responses={201: LineSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = LineCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        disclosure = rows.disclosure_of(request.user, id)
        line = finance_line_add(actor=request.user, disclosure=disclosure, **body.validated_data)
        return Response(represent(LineSerializer, line), status=status.HTTP_201_CREATED)


class LineDetailView(ScopedView):
    serializer_class = LineSerializer

    @extend_schema(
        operation_id="disclosure_lines_partial_update",
        summary=gettext_lazy("修改收支明细（只改给出的字段）"),
        parameters=[LINE_ID],
        request=LineFieldsSerializer,
        responses={200: LineSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def patch(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = LineFieldsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        line = finance_line_update(
            actor=request.user, line=rows.line_of(request.user, id), **body.validated_data
        )
        return Response(represent(LineSerializer, line))

    @extend_schema(
        operation_id="disclosure_lines_destroy",
        summary=gettext_lazy("删除收支明细"),
        parameters=[LINE_ID],
        responses={204: None, **errors(401, 403, 404, 409)},
        tags=TAGS,
    )
    def delete(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        finance_line_remove(actor=request.user, line=rows.line_of(request.user, id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class LinesImportView(ScopedView):
    serializer_class = ImportResultSerializer
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="disclosure_lines_import",
        summary=gettext_lazy("导入收支明细表（xlsx/csv，全部正确才写入）"),
        description=gettext_lazy(
            "表头：日期、收支、摘要、对方单位、凭证号、金额(元)、备注；金额以元填写（最多两位小数）。"
            "有任何错误行时不写入任何数据，400 finance_import_invalid，data.rows 逐行列出"
            "{row, column, code, message}；"
            "文件本身无法读取时 400，code 说明原因（如 table_missing_headers）。"
        ),
        parameters=[DISCLOSURE_ID],
        request={"multipart/form-data": LinesImportSerializer},
        responses={200: ImportResultSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = LinesImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        disclosure = rows.disclosure_of(request.user, id)
        if upload.size is not None and upload.size > IMPORT_MAX_BYTES:
            raise ValidationFailed(
                _("文件过大（不能超过 {n} MB）").format(n=IMPORT_MAX_BYTES // (1024 * 1024)),
                code="file_too_large",
                data={"max_bytes": IMPORT_MAX_BYTES},
            )
        report = finance_lines_import(
            actor=request.user, disclosure=disclosure, file=upload, replace=body.validated_data["replace"]
        )
        if report.file_error is not None:
            raise report.file_error
        if report.errors:
            raise ValidationFailed(
                _("导入未执行：文件中有 {n} 处错误，未写入任何数据").format(n=len(report.errors)),
                code="finance_import_invalid",
                data={"total": report.rows, "rows": [e.as_dict() for e in report.errors]},
            )
        result = {
            "rows": report.rows,
            "created": report.created,
            "replaced": report.replaced,
            "disclosure": rows.disclosure_detail(request.user, disclosure.pk),
        }
        return Response(represent(ImportResultSerializer, result))


class LinesExportView(ScopedView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file is not rendered: an ``Accept: text/csv`` must not turn a download into a 406.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="disclosure_lines_export",
        summary=gettext_lazy("导出收支明细表（xlsx 或 csv，可改后再导入）"),
        parameters=[DISCLOSURE_ID, LinesExportQuerySerializer],
        responses={
            **{
                (200, media.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY)
                for media in EXPORT_MEDIA.values()
            },
            **errors(*READ_ERRORS),
        },
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        kind = self.query(LinesExportQuerySerializer)["type"]
        disclosure = rows.disclosure_of(request.user, id)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"lines.{kind}"
            export_lines(disclosure=disclosure, path=path)
            content = path.read_bytes()
        response = HttpResponse(content, content_type=EXPORT_MEDIA[kind])
        name = f"disclosure-{disclosure.pk}-lines.{kind}"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class PublishView(ScopedView):
    serializer_class = DisclosureDetailSerializer

    @extend_schema(
        operation_id="disclosure_disclosures_publish",
        summary=gettext_lazy("发布：写入公开发布链，此后不可修改"),
        description=gettext_lazy(
            "须有发布权限。已发布 409 disclosure_published；没有正文也没有明细 400 disclosure_empty。"
            "更正稿发布时，链上的新条目指向被更正的条目。"
        ),
        parameters=[DISCLOSURE_ID],
        request=None,
        responses={200: DisclosureDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        disclosure = disclosure_publish(actor=request.user, disclosure=rows.disclosure_of(request.user, id))
        return Response(_detail(request, disclosure.pk))


class CorrectView(ScopedView):
    serializer_class = DisclosureDetailSerializer

    @extend_schema(
        operation_id="disclosure_disclosures_correct",
        summary=gettext_lazy("更正已发布的公开内容（生成一份更正草稿）"),
        description=gettext_lazy(
            "复制已发布的内容和明细为新草稿，注明更正原因；修改后发布。原条目仍留在链上。"
            "草稿 409 disclosure_not_published；已有更正 409 disclosure_already_corrected。"
        ),
        parameters=[DISCLOSURE_ID],
        request=CorrectSerializer,
        responses={201: DisclosureDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = CorrectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        correction = disclosure_correct(
            actor=request.user,
            disclosure=rows.disclosure_of(request.user, id),
            reason=body.validated_data["reason"],
        )
        return Response(_detail(request, correction.pk), status=status.HTTP_201_CREATED)
