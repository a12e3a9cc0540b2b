"""Setting a scheme up (``/api/v1/points/``): adopting a published scheme, its settings, categories and
rules, stars and the monthly evaluation (评星), the re-cultivation and plaque lists, tiers and the
ranking. Writes need ``points.manage`` (stars evaluation: ``points.review``); others get 403."""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import has_capability_at
from sanzhi.api.points import rows
from sanzhi.api.points.admin_serializers import (
    AdoptSerializer,
    CategoryCreateSerializer,
    EvaluateSerializer,
    NodeQuerySerializer,
    PlaqueQuerySerializer,
    PlaqueSerializer,
    RankingQuerySerializer,
    RankingRowSerializer,
    RecultivationSerializer,
    RuleCreateSerializer,
    RuleFieldsSerializer,
    SchemeUpdateSerializer,
    StarChangeSerializer,
    StarCreateSerializer,
    StarEvaluationSerializer,
    StarFieldsSerializer,
    TemplateSerializer,
    TierCreateSerializer,
    TiersAssignResultSerializer,
    TiersAssignSerializer,
)
from sanzhi.api.points.serializers import (
    CategorySerializer,
    RuleSerializer,
    SchemeDetailSerializer,
    StarSerializer,
    TierSerializer,
)
from sanzhi.api.points.views import ACCOUNT_ID, SCHEME_ID, TAGS, WRITE_ERRORS, SchemeDetailView, id_parameter
from sanzhi.api.rows import node_for
from sanzhi.api.schema import READ_ERRORS, errors
from sanzhi.api.views.base import ScopedView, represent
from sanzhi.core.errors import Forbidden, NotFound
from sanzhi.points import rules
from sanzhi.points.schemes import (
    category_create,
    rule_create,
    rule_set_active,
    rule_update,
    scheme_adopt,
    scheme_update,
)
from sanzhi.points.selectors import account_list_for, ranking
from sanzhi.points.stars import (
    plaque_list,
    recultivation_list,
    star_define,
    star_history,
    star_update,
    stars_evaluate,
)
from sanzhi.points.store_admin import tier_define, tier_members, tiers_assign
from sanzhi.points.templates_data import TEMPLATES

RULE_ID = id_parameter(gettext_lazy("积分细则 id"))
STAR_ID = id_parameter(gettext_lazy("星级 id"))


def _scheme_detail(request: Request, scheme_id: int) -> dict[str, Any]:
    return represent(SchemeDetailSerializer, rows.scheme_detail_for(user=request.user, scheme_id=scheme_id))


class TemplateListView(ScopedView):
    serializer_class = TemplateSerializer
    pagination_class = None

    @extend_schema(
        operation_id="points_templates_list",
        summary=gettext_lazy("可采用的方案模板（道德银行、十星级文明户、网格员积分）"),
        responses={200: TemplateSerializer(many=True), **errors(401, 403)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        templates = [
            {
                "key": t.key,
                "name": t.name,
                "title": str(t.title),
                "subject": t.subject,
                "categories": len(t.categories),
                "rules": sum(len(c.rules) for c in t.categories),
            }
            for t in TEMPLATES.values()
        ]
        return Response(represent(TemplateSerializer, templates, many=True))


class SchemeAdoptView(ScopedView):
    serializer_class = SchemeDetailSerializer

    @extend_schema(
        operation_id="points_schemes_adopt",
        summary=gettext_lazy("采用方案模板（一次建好类别、细则、星级与档次）"),
        description=gettext_lazy(
            "须在该节点有维护积分方案权限；编码已被占用时 409 points_scheme_code_taken。"
        ),
        request=AdoptSerializer,
        responses={201: SchemeDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = AdoptSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        node = node_for(user=request.user, code=data["node"], capability=Capability.VIEW_POINTS)
        scheme = scheme_adopt(
            actor=request.user,
            template=data["template"],
            node=node,
            code=data.get("code"),
            name=data.get("name"),
        )
        return Response(_scheme_detail(request, scheme.pk), status=status.HTTP_201_CREATED)


class SchemeView(SchemeDetailView):
    """``schemes/{id}``: the detail (inherited) and its settings."""

    @extend_schema(
        operation_id="points_schemes_partial_update",
        summary=gettext_lazy("修改方案设置"),
        description=gettext_lazy("只改给出的字段。已开户后不能改基础分设置（409）。"),
        parameters=[SCHEME_ID],
        request=SchemeUpdateSerializer,
        responses={200: SchemeDetailSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def patch(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = SchemeUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scheme = rows.scheme_detail_for(user=request.user, scheme_id=id)
        scheme_update(actor=request.user, scheme=scheme, **body.validated_data)
        return Response(_scheme_detail(request, scheme.pk))


class CategoryCreateView(ScopedView):
    serializer_class = CategorySerializer

    @extend_schema(
        operation_id="points_categories_create",
        summary=gettext_lazy("新增积分类别"),
        parameters=[SCHEME_ID],
        request=CategoryCreateSerializer,
        responses={201: CategorySerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = CategoryCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scheme = rows.scheme_detail_for(user=request.user, scheme_id=id)
        category = category_create(actor=request.user, scheme=scheme, **body.validated_data)
        return Response(represent(CategorySerializer, category), status=status.HTTP_201_CREATED)


class RuleCreateView(ScopedView):
    serializer_class = RuleSerializer

    @extend_schema(
        operation_id="points_rules_create",
        summary=gettext_lazy("新增积分细则"),
        description=gettext_lazy("points_max 不填为固定分值；扣分细则的分值为负。编码已存在时 409。"),
        parameters=[SCHEME_ID],
        request=RuleCreateSerializer,
        responses={201: RuleSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = RuleCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        scheme = rows.scheme_detail_for(user=request.user, scheme_id=id)
        data["category"] = rows.category_of(scheme, data["category"])
        rule = rule_create(actor=request.user, scheme=scheme, **data)
        return Response(represent(RuleSerializer, rule), status=status.HTTP_201_CREATED)


class RuleUpdateView(ScopedView):
    serializer_class = RuleSerializer

    @extend_schema(
        operation_id="points_rules_partial_update",
        summary=gettext_lazy("修改积分细则（active=false 停用）"),
        description=gettext_lazy(
            "只改给出的字段。已有积分记录的细则不能改分值或类别（409 points_rule_in_use）："
            "停用它并以新编码新建。"
        ),
        parameters=[RULE_ID],
        request=RuleFieldsSerializer,
        responses={200: RuleSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def patch(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = RuleFieldsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        rule = rows.rule_get_for(user=request.user, rule_id=id)
        active = data.pop("active", None)
        if "category" in data:
            data["category"] = rows.category_of(rule.scheme, data["category"])
        if data or active is None:
            rule = rule_update(actor=request.user, rule=rule, **data)
        if active is not None:
            rule = rule_set_active(actor=request.user, rule=rule, active=active)
        return Response(represent(RuleSerializer, rule))


class StarCreateView(ScopedView):
    serializer_class = StarSerializer

    @extend_schema(
        operation_id="points_stars_create",
        summary=gettext_lazy("新增星级（创星标准）"),
        parameters=[SCHEME_ID],
        request=StarCreateSerializer,
        responses={201: StarSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = StarCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        scheme = rows.scheme_detail_for(user=request.user, scheme_id=id)
        data["category"] = rows.category_of(scheme, data["category"])
        star = star_define(actor=request.user, scheme=scheme, **data)
        return Response(represent(StarSerializer, star), status=status.HTTP_201_CREATED)


class StarUpdateView(ScopedView):
    serializer_class = StarSerializer

    @extend_schema(
        operation_id="points_stars_partial_update",
        summary=gettext_lazy("修改星级（自下次评星起生效）"),
        parameters=[STAR_ID],
        request=StarFieldsSerializer,
        responses={200: StarSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def patch(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = StarFieldsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        star = rows.star_get_for(user=request.user, star_id=id)
        if "category" in data:
            data["category"] = rows.category_of(star.scheme, data["category"])
        star = star_update(actor=request.user, star=star, **data)
        return Response(represent(StarSerializer, star))


class StarsEvaluateView(ScopedView):
    serializer_class = StarEvaluationSerializer

    @extend_schema(
        operation_id="points_stars_evaluate",
        summary=gettext_lazy("评星（一月一评比）"),
        description=gettext_lazy(
            "为已结束的评审周期授星和摘星，每个周期一次。周期未结束（409 points_period_not_ended）、"
            "已评过或尚有待审核申报（除非 force）时拒绝。须有审核权限。"
        ),
        parameters=[SCHEME_ID],
        request=EvaluateSerializer,
        responses={201: StarEvaluationSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = EvaluateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scheme = rows.scheme_detail_for(user=request.user, scheme_id=id)
        evaluation = stars_evaluate(
            actor=request.user,
            scheme=scheme,
            month=body.validated_data["month"],
            force=body.validated_data["force"],
        )
        return Response(represent(StarEvaluationSerializer, evaluation), status=status.HTTP_201_CREATED)


class RecultivationView(ScopedView):
    serializer_class = RecultivationSerializer
    pagination_class = None

    @extend_schema(
        operation_id="points_stars_recultivation_list",
        summary=gettext_lazy("失星再培育名单"),
        parameters=[SCHEME_ID, NodeQuerySerializer],
        responses={200: RecultivationSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        query = self.query(NodeQuerySerializer)
        user = request.user
        scheme = rows.scheme_detail_for(user=user, scheme_id=id)
        items = recultivation_list(scheme, under=rows.points_node(user, query.get("node")))
        visible = [item for item in items if rules.can_view(user, item.account)]
        prefetch_related_objects([item.account for item in visible], "node")
        return Response(represent(RecultivationSerializer, visible, many=True))


class PlaqueView(ScopedView):
    serializer_class = PlaqueSerializer

    @extend_schema(
        operation_id="points_stars_plaque_list",
        summary=gettext_lazy("挂牌名单（星级户），星多者在前"),
        parameters=[SCHEME_ID, PlaqueQuerySerializer],
        responses={200: PlaqueSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        query = self.query(PlaqueQuerySerializer)
        user = request.user
        scheme = rows.scheme_detail_for(user=user, scheme_id=id)
        accounts = plaque_list(scheme, query.get("min_stars")).filter(
            pk__in=account_list_for(user=user, scheme=scheme).values("pk")
        )
        page = self.paginate_queryset(accounts.select_related("node"))
        assert page is not None
        return self.paginated(page, PlaqueSerializer)


class StarHistoryView(ScopedView):
    serializer_class = StarChangeSerializer

    @extend_schema(
        operation_id="points_accounts_star_changes_list",
        summary=gettext_lazy("账户的创星、失星记录，新的在前"),
        parameters=[ACCOUNT_ID],
        responses={200: StarChangeSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        account = rows.account_detail_for(user=request.user, account_id=id)
        page = self.paginate_queryset(star_history(account))
        assert page is not None
        return self.paginated(page, StarChangeSerializer)


class TierCreateView(ScopedView):
    serializer_class = TierSerializer

    @extend_schema(
        operation_id="points_tiers_create",
        summary=gettext_lazy("新增兑换档次（按总结期排名分档）"),
        parameters=[SCHEME_ID],
        request=TierCreateSerializer,
        responses={201: TierSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = TierCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scheme = rows.scheme_detail_for(user=request.user, scheme_id=id)
        tier = tier_define(actor=request.user, scheme=scheme, **body.validated_data)
        return Response(represent(TierSerializer, tier), status=status.HTTP_201_CREATED)


class TiersAssignView(ScopedView):
    serializer_class = TiersAssignResultSerializer

    @extend_schema(
        operation_id="points_tiers_assign",
        summary=gettext_lazy("分档：按已结束总结期的排名分配兑换档次（每期一次）"),
        parameters=[SCHEME_ID],
        request=TiersAssignSerializer,
        responses={200: TiersAssignResultSerializer, **WRITE_ERRORS},
        tags=TAGS,
    )
    def post(self, request: Request, id: int, *args: Any, **kwargs: Any) -> Response:
        body = TiersAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        scheme = rows.scheme_detail_for(user=request.user, scheme_id=id)
        period = body.validated_data["period"]
        assigned = tiers_assign(actor=request.user, scheme=scheme, period=period)
        result = {"period": period, "assigned": len(assigned), "members": tier_members(scheme, period)}
        return Response(represent(TiersAssignResultSerializer, result))


class RankingView(ScopedView):
    serializer_class = RankingRowSerializer
    pagination_class = None

    @extend_schema(
        operation_id="points_ranking_list",
        summary=gettext_lazy("积分排名（累计积分，高者在前）"),
        description=gettext_lazy(
            "方案内或某节点（含下级）的排名。须在该范围有查看积分权限；"
            "未给出 node 时为方案所在节点，您的管辖范围较小时请给出 node。"
        ),
        parameters=[RankingQuerySerializer],
        responses={200: RankingRowSerializer(many=True), **errors(*READ_ERRORS)},
        tags=TAGS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = self.query(RankingQuerySerializer)
        user = request.user
        scheme = rows.scheme_of(user, query["scheme"])
        assert scheme is not None
        under = rows.points_node(user, query.get("node")) or scheme.node
        if not under.path.startswith(scheme.node_path):
            raise NotFound(_("该节点不在本积分方案的辖区内"), code="points_node_out_of_scheme")
        if not has_capability_at(user, Capability.VIEW_POINTS, under.path):
            raise Forbidden(_("请给出您管辖范围内的节点"), code="forbidden")
        accounts = list(ranking(scheme=scheme, under=under, limit=query["limit"]))
        prefetch_related_objects(accounts, "node")
        ranked = [{"rank": i, "account": a} for i, a in enumerate(accounts, start=1)]
        return Response(represent(RankingRowSerializer, ranked, many=True))
