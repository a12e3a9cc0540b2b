"""积分超市 (``/api/v1/points/``): goods, restocks, redemptions with an idempotency key, cancellation,
pickup and the statistics ("已兑换23000余分、约1800件商品")."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from sanzhi.api.points import rows
from sanzhi.api.points.admin_serializers import (
    DonorCreateSerializer,
    DonorSerializer,
    GoodsCreateSerializer,
    GoodsFieldsSerializer,
    NodeQuerySerializer,
    WindowCreateSerializer,
    WindowSerializer,
)
from sanzhi.api.points.serializers import (
    CancelSerializer,
    GoodsSerializer,
    RedeemSerializer,
    RedemptionListQuerySerializer,
    RedemptionSerializer,
    RestockSerializer,
    SchemeQuerySerializer,
    StatsQuerySerializer,
    StatsSerializer,
    StockMovementSerializer,
)
from sanzhi.api.points.views import TAGS, WRITE_ERRORS, id_parameter
from sanzhi.api.rows import check_id
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.core.errors import NotFound, ValidationFailed
from sanzhi.points.models import Donor
from sanzhi.points.selectors import scheme_list_for
from sanzhi.points.store import goods_restock, redeem, redemption_cancel, redemption_pickup
from sanzhi.points.store_admin import donor_create, goods_create, goods_update, window_create
from sanzhi.points.store_stats import store_stats

GOODS_ID = id_parameter(gettext_lazy("商品 id"))
REDEMPTION_ID = id_parameter(gettext_lazy("兑换单 id"))
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description=gettext_lazy(
        "客户端为每笔兑换生成的唯一编号（最长 64 个字符）。重试同一请求返回同一兑换单（200），不会重复兑换。"
    ),
)


class GoodsListView(ScopedView):
    serializer_class = GoodsSerializer

    @extend_schema(
        operation_id="points_goods_list",
        summary=gettext_lazy("积分超市商品"),
        parameters=[SchemeQuerySerializer],
        responses={200: GoodsSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(SchemeQuerySerializer)
        scheme = rows.scheme_of(request.user, query.get("scheme"))
        goods = rows.goods_list_for(user=request.user, scheme=scheme).order_by("scheme_id", "order", "id")
        page = self.paginate_queryset(goods)
        assert page is not None
        return self.paginated(page, GoodsSerializer)


def _donor(request: Request, scheme_path: str, donor_id: int | None) -> Donor | None:
    """A donor the caller sees, registered at the scheme's node, above it or below it."""
    donor = rows.donor_get_for(user=request.user, donor_id=donor_id)
    if donor is not None and not (
        scheme_path.startswith(donor.node_path) or donor.node_path.startswith(scheme_path)
    ):
        raise NotFound(_("捐赠方不存在"), code="points_donor_not_found")
    return donor


class GoodsRestockView(ScopedView):
    serializer_class = StockMovementSerializer

    @extend_schema(
        operation_id="points_goods_restock",
        summary=gettext_lazy("入库（可记捐赠方）或盘点调整"),
        description=gettext_lazy("须有积分超市管理权限；调整后库存为负时 409 points_stock_negative。"),
        parameters=[GOODS_ID],
        request=RestockSerializer,
        responses={201: StockMovementSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = RestockSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        goods = rows.goods_get_for(user=request.user, goods_id=id)
        movement = goods_restock(
            actor=request.user,
            goods_id=goods.pk,
            quantity=data["quantity"],
            donor=_donor(request, goods.scheme.node_path, data.get("donor")),
            note=data.get("note", ""),
            kind=data["kind"],
        )
        movement.goods = rows.goods_get_for(user=request.user, goods_id=goods.pk)
        return Response(represent(StockMovementSerializer, movement), status=status.HTTP_201_CREATED)


class RedemptionListView(ScopedView):
    serializer_class = RedemptionSerializer

    @extend_schema(
        operation_id="points_redemptions_list",
        summary=gettext_lazy("兑换单，新的在前"),
        parameters=[RedemptionListQuerySerializer],
        responses={200: RedemptionSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(RedemptionListQuerySerializer)
        redemptions = rows.redemption_list_for(
            user=request.user,
            scheme=rows.scheme_of(request.user, query.get("scheme")),
            state=query.get("state", ""),
            account_id=query.get("account"),
        )
        page = self.paginate_queryset(redemptions)
        assert page is not None
        return self.paginated(page, RedemptionSerializer)

    @extend_schema(
        operation_id="points_redemptions_create",
        summary=gettext_lazy("兑换商品"),
        description=gettext_lazy(
            "居民用本户账户兑换，超市管理员可代兑。积分、库存在同一事务中扣减。"
            "请求头 Idempotency-Key 必填（缺少时 400 idempotency_key_required）：首次返回 201，"
            "重试返回同一兑换单和 200。积分不足 409 points_insufficient，库存不足 409 points_out_of_stock。"
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=RedeemSerializer,
        responses={
            201: RedemptionSerializer,
            200: RedemptionSerializer,
            **WRITE_ERRORS,
        },
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            raise ValidationFailed(
                _("请在请求头 Idempotency-Key 中给出本次兑换的唯一编号"), code="idempotency_key_required"
            )
        body = RedeemSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        now = timezone.now()
        redemption = redeem(
            actor=request.user,
            account_id=data["account"],
            goods_id=data["goods"],
            quantity=data["quantity"],
            request_key=key,
            now=now,
        )
        # A new redemption carries this request's time; a retry gets the first request's one back.
        created = redemption.created_at == now
        row = rows.redemption_get_for(user=request.user, redemption_id=redemption.pk)
        return Response(
            represent(RedemptionSerializer, row),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class RedemptionCancelView(ScopedView):
    serializer_class = RedemptionSerializer

    @extend_schema(
        operation_id="points_redemptions_cancel",
        summary=gettext_lazy("取消兑换（退回积分与库存）"),
        description=gettext_lazy("仅待领取的兑换单可取消；已领取或已取消时 409 points_redemption_not_open。"),
        parameters=[REDEMPTION_ID],
        request=CancelSerializer,
        responses={200: RedemptionSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        redemption = redemption_cancel(
            actor=request.user,
            redemption_id=check_id(id, _("兑换单不存在")),
            reason=body.validated_data["reason"],
        )
        row = rows.redemption_get_for(user=request.user, redemption_id=redemption.pk)
        return Response(represent(RedemptionSerializer, row))


class RedemptionPickupView(ScopedView):
    serializer_class = RedemptionSerializer

    @extend_schema(
        operation_id="points_redemptions_pickup",
        summary=gettext_lazy("核销（领取商品）"),
        description=gettext_lazy("须有积分超市管理权限。"),
        parameters=[REDEMPTION_ID],
        request=None,
        responses={200: RedemptionSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        redemption = redemption_pickup(actor=request.user, redemption_id=check_id(id, _("兑换单不存在")))
        row = rows.redemption_get_for(user=request.user, redemption_id=redemption.pk)
        return Response(represent(RedemptionSerializer, row))


class StatsView(ScopedView):
    serializer_class = StatsSerializer

    @extend_schema(
        operation_id="points_stats_retrieve",
        summary=gettext_lazy("积分与兑换统计"),
        description=gettext_lazy(
            "发放积分、已兑换积分、兑出商品件数。"
            "node 给出时统计该节点及其下级的方案；scheme 给出时只统计该方案。"
        ),
        parameters=[StatsQuerySerializer],
        responses={200: StatsSerializer, **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(StatsQuerySerializer)
        user = request.user
        scheme = rows.scheme_of(user, query.get("scheme"))
        if scheme is not None:
            scheme_ids = [scheme.pk]
        else:
            schemes = scheme_list_for(user=user)
            node = rows.points_node(user, query.get("node"))
            if node is not None:
                schemes = schemes.filter(node_path__startswith=node.path)
            scheme_ids = sorted(schemes.values_list("pk", flat=True))
        numbers = store_stats(scheme_ids=scheme_ids, period=query.get("period") or None).as_dict()
        return Response(represent(StatsSerializer, {**numbers, "schemes": scheme_ids}))


# ---- setting the store up --------------------------------------------------------------------------


class GoodsView(GoodsListView):
    """``goods/``: the list (inherited) and 上架."""

    @extend_schema(
        operation_id="points_goods_create",
        summary=gettext_lazy("上架商品（可带初始库存）"),
        description=gettext_lazy("须有积分超市管理权限；捐赠方、档次须属于本方案的辖区。"),
        request=GoodsCreateSerializer,
        responses={201: GoodsSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = GoodsCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        scheme = rows.scheme_of(request.user, data.pop("scheme"))
        assert scheme is not None
        data.pop("active", None)
        data["donor"] = rows.donor_get_for(user=request.user, donor_id=data.get("donor"))
        data["min_tier"] = rows.tier_of_scheme(scheme, data.get("min_tier"))
        goods = goods_create(actor=request.user, scheme=scheme, **data)
        row = rows.goods_get_for(user=request.user, goods_id=goods.pk)
        return Response(represent(GoodsSerializer, row), status=status.HTTP_201_CREATED)


class GoodsUpdateView(ScopedView):
    serializer_class = GoodsSerializer

    @extend_schema(
        operation_id="points_goods_partial_update",
        summary=gettext_lazy("修改商品（active=false 下架）"),
        description=gettext_lazy("只改给出的字段；donor、min_tier、per_account_limit 可设为 null 清除。"),
        parameters=[GOODS_ID],
        request=GoodsFieldsSerializer,
        responses={200: GoodsSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def patch(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = GoodsFieldsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        goods = rows.goods_get_for(user=request.user, goods_id=id)
        if "donor" in data:
            data["donor"] = rows.donor_get_for(user=request.user, donor_id=data["donor"])
        if "min_tier" in data:
            data["min_tier"] = rows.tier_of_scheme(goods.scheme, data["min_tier"])
        goods_update(actor=request.user, goods_id=goods.pk, **data)
        return Response(represent(GoodsSerializer, rows.goods_get_for(user=request.user, goods_id=goods.pk)))


class DonorListView(ScopedView):
    serializer_class = DonorSerializer

    @extend_schema(
        operation_id="points_donors_list",
        summary=gettext_lazy("捐赠方（乡贤、企业、单位）"),
        parameters=[NodeQuerySerializer],
        responses={200: DonorSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(NodeQuerySerializer)
        donors = rows.donor_list_for(
            user=request.user, under=rows.points_node(request.user, query.get("node"))
        )
        page = self.paginate_queryset(donors)
        assert page is not None
        return self.paginated(page, DonorSerializer)

    @extend_schema(
        operation_id="points_donors_create",
        summary=gettext_lazy("登记捐赠方"),
        request=DonorCreateSerializer,
        responses={201: DonorSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = DonorCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        node = rows.points_node(request.user, data.pop("node"))
        donor = donor_create(actor=request.user, node=node, **data)
        return Response(represent(DonorSerializer, donor), status=status.HTTP_201_CREATED)


class WindowListView(ScopedView):
    serializer_class = WindowSerializer

    @extend_schema(
        operation_id="points_windows_list",
        summary=gettext_lazy("集中兑换时段"),
        parameters=[SchemeQuerySerializer],
        responses={200: WindowSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(SchemeQuerySerializer)
        user = request.user
        windows = rows.window_list_for(user=user, scheme=rows.scheme_of(user, query.get("scheme")))
        page = self.paginate_queryset(windows)
        assert page is not None
        return self.paginated(page, WindowSerializer)

    @extend_schema(
        operation_id="points_windows_create",
        summary=gettext_lazy("设置集中兑换时段"),
        description=gettext_lazy(
            "同一方案的时段不能重叠（409 points_window_overlap）。须有维护积分方案权限。"
        ),
        request=WindowCreateSerializer,
        responses={201: WindowSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = WindowCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        scheme = rows.scheme_of(request.user, data.pop("scheme"))
        assert scheme is not None
        window = window_create(actor=request.user, scheme=scheme, **data)
        return Response(represent(WindowSerializer, window), status=status.HTTP_201_CREATED)
