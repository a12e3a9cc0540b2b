"""Request and response shapes. No business logic: scoping, masking and reveal happen before these run.

Response serializers read *views* of domain objects (``people.selectors.ResidentView`` and the small
row classes in ``sanzhi.api.rows``) so masked values can never be read from the model by mistake.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sanzhi.accounts.roles import Capability, Role
from sanzhi.api.fields import CodeLabelField
from sanzhi.grids.models import NodeKind
from sanzhi.people.codes import (
    ETHNICITY_CHOICES,
    Education,
    HouseholdKind,
    IdType,
    MaritalStatus,
    PoliticalStatus,
    Relation,
    ResidenceType,
    Sex,
)

CODE_MAX_LENGTH = 30

# ---- requests -------------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class NodeListQuerySerializer(serializers.Serializer):
    parent = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.parent
        required=False,
        max_length=CODE_MAX_LENGTH,
        help_text=_("上级节点编码；不填则列出您管辖范围的顶层节点"),
    )


class RevealQuerySerializer(serializers.Serializer):
    reveal = serializers.BooleanField(
        required=False, default=False, help_text=_("为 true/1 时显示完整身份证号和电话（需有权限并填写事由）")
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text=_("查看完整信息的事由（reveal 时必填，记入查看记录）"),
    )


class HouseholdListQuerySerializer(serializers.Serializer):
    node = serializers.CharField(
        required=False, max_length=CODE_MAX_LENGTH, help_text=_("节点编码：只列出该节点及其下级的户")
    )
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("户编号前缀、地址片段或成员姓名")
    )


class ResidentListQuerySerializer(RevealQuerySerializer):
    node = serializers.CharField(
        required=False, max_length=CODE_MAX_LENGTH, help_text=_("节点编码：只列出该节点及其下级的居民")
    )
    search = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=_("姓名、完整证件号或电话尾号")
    )


# ---- responses ------------------------------------------------------------------------------------


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()
    user = UserBriefSerializer()


class RoleHeldSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    role_label = serializers.CharField()
    node_code = serializers.CharField()
    node_name = serializers.CharField()


class CapabilitySerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=Capability.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label


class NodeCapabilitiesSerializer(serializers.Serializer):
    node_code = serializers.CharField()
    node_name = serializers.CharField()
    capabilities = CapabilitySerializer(many=True)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    is_superuser = serializers.BooleanField(help_text=_("系统超级用户在全部范围内拥有全部权限"))
    roles = RoleHeldSerializer(many=True)
    capabilities = NodeCapabilitiesSerializer(many=True, help_text=_("每个任命节点（及其下级）上拥有的权限"))


class NodeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class NodeSerializer(serializers.Serializer):
    code = serializers.CharField(source="node.code")
    name = serializers.CharField(source="node.name")
    kind = CodeLabelField(NodeKind.choices, source="node.kind")
    label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
        source="node.label", help_text=_("本地层级名称：街道、社区、网格、联户单元……")
    )
    level = serializers.IntegerField(source="node.depth", help_text=_("树中的层级，根为 1"))
    grid_level = serializers.IntegerField(
        source="node.grid_level", help_text=_("行政层级为 0，网格为 1、2……")
    )
    parent_code = serializers.CharField(
        allow_null=True, help_text=_("上级编码；上级不在您的管辖范围内或为根节点时为 null")
    )
    children_count = serializers.IntegerField(source="node.numchild")
    households = serializers.IntegerField(source="totals.households", help_text=_("本节点及下级的户数"))
    residents = serializers.IntegerField(source="totals.residents", help_text=_("本节点及下级的人数"))


class TagSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    sensitive = serializers.BooleanField()


class HouseholdRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    address = serializers.CharField()


class ResidentSerializer(serializers.Serializer):
    """A ``people.selectors.ResidentView``: id_number/phone are masked unless ``revealed``."""

    id = serializers.IntegerField(source="resident.id")
    name = serializers.CharField(source="resident.name")
    id_type = CodeLabelField(IdType.choices, source="resident.id_type")
    id_number = serializers.CharField(help_text=_("证件号码；未获准查看时脱敏，如 110101********123X"))
    phone = serializers.CharField(help_text=_("联系电话；未获准查看时脱敏，如 138****5678"))
    revealed = serializers.BooleanField(help_text=_("是否为完整（未脱敏）信息"))
    sex = CodeLabelField(Sex.choices, source="resident.sex")
    birth_date = serializers.DateField(source="resident.birth_date")
    ethnicity = CodeLabelField(ETHNICITY_CHOICES, source="resident.ethnicity")
    political_status = CodeLabelField(PoliticalStatus.choices, source="resident.political_status")
    relation = CodeLabelField(Relation.choices, source="resident.relation")
    education = CodeLabelField(Education.choices, source="resident.education")
    marital_status = CodeLabelField(MaritalStatus.choices, source="resident.marital_status")
    occupation = serializers.CharField(source="resident.occupation")
    residence_type = CodeLabelField(ResidenceType.choices, source="resident.residence_type")
    household = HouseholdRefSerializer(source="resident.household")
    node = NodeRefSerializer(source="resident.household.node")
    tags = TagSerializer(many=True)


class ResidentDetailSerializer(ResidentSerializer):
    registered_address = serializers.CharField(source="resident.registered_address")


class HouseholdSerializer(serializers.Serializer):
    """A ``sanzhi.api.rows.HouseholdRow``."""

    id = serializers.IntegerField(source="household.id")
    number = serializers.CharField(source="household.number", allow_null=True)
    address = serializers.CharField(source="household.address")
    kind = CodeLabelField(HouseholdKind.choices, source="household.kind")
    node = NodeRefSerializer(source="household.node")
    tags = TagSerializer(many=True)
    member_count = serializers.IntegerField()
    head_name = serializers.CharField(allow_null=True, help_text=_("户主姓名；未登记户主时为 null"))


class HouseholdDetailSerializer(HouseholdSerializer):
    members = ResidentSerializer(many=True)
