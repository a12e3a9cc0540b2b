"""Request and response shapes of the ticket endpoints (诉求工单), categories and departments.

Responses read tickets and the row classes of ``sanzhi.api.ticket_rows``, where the reporter is
already hidden from those who may not see it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sanzhi.api.fields import CodeLabelField
from sanzhi.api.rows import MAX_ID
from sanzhi.api.serializers import CODE_MAX_LENGTH, NodeRefSerializer, UserBriefSerializer
from sanzhi.tickets.inputs import ATTACHMENTS_MAX
from sanzhi.tickets.models import CategoryKind, Channel, Rating
from sanzhi.tickets.states import Action, Level, State

# Channels a person uses through the REST API (Open311 has its own endpoint; imports their command).
API_CHANNELS = [
    (c.value, c.label)
    for c in (Channel.RESIDENT, Channel.REPRESENTATIVE, Channel.PATROL, Channel.VISIT, Channel.HOTLINE)
]
SLUG_MAX_LENGTH = 40


def _attachments() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=ATTACHMENTS_MAX,
        help_text=_("照片或 PDF（multipart/form-data，可多个，每个不超过 10 MB）"),
    )


# ---- requests -------------------------------------------------------------------------------------


class TicketListQuerySerializer(serializers.Serializer):
    node = serializers.CharField(
        required=False, max_length=CODE_MAX_LENGTH, help_text=_("节点编码：只列出该节点及其下级的工单")
    )
    state = serializers.MultipleChoiceField(
        choices=State.choices, required=False, help_text=_("状态，可重复给出多个")
    )
    level = serializers.ChoiceField(choices=Level.choices, required=False, help_text=_("当前层级"))
    category = serializers.SlugField(
        required=False, max_length=SLUG_MAX_LENGTH, help_text=_("分类编码（含其下级分类）")
    )
    department = serializers.SlugField(required=False, max_length=SLUG_MAX_LENGTH, help_text=_("部门编码"))
    mine = serializers.ChoiceField(
        choices=[("assigned", _("由我办理")), ("reported", _("我反映的"))],
        required=False,
        help_text=_("assigned：由我办理的；reported：我反映的"),
    )


class TicketCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000, help_text=_("诉求内容"))
    title = serializers.CharField(
        required=False, allow_blank=True, max_length=120, help_text=_("标题；不填取内容首行")
    )
    channel = serializers.ChoiceField(
        choices=API_CHANNELS,
        required=False,
        help_text=_("来源；不填时居民为 resident，有代报权限的工作人员为 patrol"),
    )
    node = serializers.CharField(
        required=False,
        max_length=CODE_MAX_LENGTH,
        help_text=_("发生地的网格、社区或街道编码；不填取住户所在网格"),
    )
    household = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text=_("住户编号（联户长代报时必填）")
    )
    category = serializers.SlugField(required=False, max_length=SLUG_MAX_LENGTH, help_text=_("分类编码"))
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    reporter_name = serializers.CharField(
        required=False, allow_blank=True, max_length=50, help_text=_("诉求人姓名（代报、热线时填写）")
    )
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    attachments = _attachments()


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, help_text=_("说明"))


class RequiredNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text=_("说明（必填）"))


class RegisterSerializer(NoteSerializer):
    category = serializers.SlugField(
        required=False, max_length=SLUG_MAX_LENGTH, help_text=_("立案时确定的分类编码")
    )


class TargetSerializer(NoteSerializer):
    user = serializers.CharField(required=False, max_length=150, help_text=_("办理人用户名"))
    node = serializers.CharField(
        required=False,
        max_length=CODE_MAX_LENGTH,
        help_text=_("派往的网格、社区或街道编码（工单所在路径上）"),
    )
    department = serializers.SlugField(required=False, max_length=SLUG_MAX_LENGTH, help_text=_("部门编码"))
    party_run = serializers.BooleanField(
        required=False, default=False, help_text=_("党员跑单（user 须为党员）")
    )


class TransferSerializer(TargetSerializer):
    note = serializers.CharField(max_length=2000, help_text=_("转办理由（必填）"))


class NoteWithAttachmentsSerializer(RequiredNoteSerializer):
    attachments = _attachments()


class VoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text=_("作废理由（记入审计）"))


class MergeSerializer(NoteSerializer):
    into = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("并入的工单编号（id）"))


class RateSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text=_("评价意见"))


# ---- responses ------------------------------------------------------------------------------------


class SlugRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TicketSerializer(serializers.Serializer):
    """A ticket in a list: no reporter, no text."""

    id = serializers.IntegerField()
    number = serializers.CharField(help_text=_("工单编号：上报日期加序号"))
    title = serializers.CharField()
    state = CodeLabelField(State.choices)
    level = CodeLabelField(Level.choices, help_text=_("grid、community、street 或 department"))
    channel = CodeLabelField(Channel.choices)
    category = SlugRefSerializer(allow_null=True)
    node = NodeRefSerializer(help_text=_("落地的网格或社区"))
    assignee = UserBriefSerializer(allow_null=True, help_text=_("当前办理人；未指定个人时为 null"))
    department = SlugRefSerializer(allow_null=True)
    party_run = serializers.BooleanField(help_text=_("党员跑单"))
    is_consultation = serializers.BooleanField()
    overdue = serializers.BooleanField(help_text=_("是否曾超时"))
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True, help_text=_("本层级办结时限；挂起或已办结时为 null"))


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="attachment.id")
    name = serializers.CharField(source="attachment.name")
    content_type = serializers.CharField(source="attachment.content_type")
    size = serializers.IntegerField(source="attachment.size")
    event = serializers.IntegerField(source="attachment.event_id", allow_null=True)
    url = serializers.CharField(help_text=_("下载地址（需登录且有权查看该工单）"))


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="event.id")
    action = CodeLabelField(Action.choices, source="event.action")
    actor = serializers.CharField(
        allow_null=True,
        help_text=_("操作人；系统（超时升级、接口）为 null；无权查看诉求人时其本人显示为“诉求人”"),
    )
    from_state = CodeLabelField(State.choices, source="event.from_state")
    to_state = CodeLabelField(State.choices, source="event.to_state")
    from_level = CodeLabelField(Level.choices, source="event.from_level")
    to_level = CodeLabelField(Level.choices, source="event.to_level")
    note = serializers.CharField(source="event.note")
    # The stubs type Serializer.data; as a declared field the name is just the output key.
    data = serializers.DictField(  # type: ignore[assignment]
        source="event.data", child=serializers.JSONField(), help_text=_("操作的结构化数据，如派遣对象、评价")
    )
    at = serializers.DateTimeField(source="event.at")


class ReporterSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(help_text=_("E.164，如 +8613812345678"))
    username = serializers.CharField(allow_null=True)
    household_id = serializers.IntegerField(allow_null=True)


class CategoryBriefSerializer(SlugRefSerializer):
    parent = SlugRefSerializer(allow_null=True)


class TicketDetailSerializer(serializers.Serializer):
    """A ``sanzhi.api.ticket_rows.TicketDetailRow``."""

    id = serializers.IntegerField(source="ticket.id")
    number = serializers.CharField(source="ticket.number")
    title = serializers.CharField(source="ticket.title")
    text = serializers.CharField(source="ticket.text")
    state = CodeLabelField(State.choices, source="ticket.state")
    level = CodeLabelField(Level.choices, source="ticket.level")
    channel = CodeLabelField(Channel.choices, source="ticket.channel")
    category = CategoryBriefSerializer(source="ticket.category", allow_null=True)
    is_consultation = serializers.BooleanField(source="ticket.is_consultation")
    node = NodeRefSerializer(source="ticket.node")
    community = NodeRefSerializer(source="ticket.community", allow_null=True)
    street = NodeRefSerializer(source="ticket.street", allow_null=True)
    address = serializers.CharField(source="ticket.address")
    latitude = serializers.DecimalField(
        source="ticket.latitude", max_digits=9, decimal_places=6, coerce_to_string=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        source="ticket.longitude", max_digits=9, decimal_places=6, coerce_to_string=False, allow_null=True
    )
    reporter = ReporterSerializer(
        allow_null=True, help_text=_("诉求人；仅办理范围内的工作人员和诉求人本人可见，其他人为 null")
    )
    assignee = UserBriefSerializer(source="ticket.assignee", allow_null=True)
    assignee_node = NodeRefSerializer(source="ticket.assignee_node", allow_null=True)
    department = SlugRefSerializer(source="ticket.department", allow_null=True)
    party_run = serializers.BooleanField(source="ticket.party_run")
    created_at = serializers.DateTimeField(source="ticket.created_at")
    updated_at = serializers.DateTimeField(source="ticket.updated_at")
    response_due_at = serializers.DateTimeField(source="ticket.response_due_at", allow_null=True)
    due_at = serializers.DateTimeField(source="ticket.due_at", allow_null=True)
    responded_at = serializers.DateTimeField(source="ticket.responded_at", allow_null=True)
    resolved_at = serializers.DateTimeField(source="ticket.resolved_at", allow_null=True)
    closed_at = serializers.DateTimeField(source="ticket.closed_at", allow_null=True)
    rating = CodeLabelField(Rating.choices, source="ticket.rating")
    rating_note = serializers.CharField(source="ticket.rating_note")
    escalations = serializers.IntegerField(source="ticket.escalations")
    reopens = serializers.IntegerField(source="ticket.reopens")
    overdue = serializers.BooleanField(source="ticket.overdue")
    merged_into = serializers.IntegerField(source="ticket.merged_into_id", allow_null=True)
    events = EventSerializer(many=True)
    attachments = AttachmentSerializer(many=True)
    allowed_actions = serializers.ListField(
        child=serializers.ChoiceField(choices=Action.choices),
        help_text=_("您现在可以执行的操作（POST /api/v1/tickets/{id}/{action}）"),
    )


class TicketActionResultSerializer(serializers.Serializer):
    """The ticket after a step, and the event row the step wrote (a ``ticket_rows.ActionResult``)."""

    ticket = TicketSerializer()
    event = EventSerializer()


class CategoryLimitSerializer(serializers.Serializer):
    level = CodeLabelField(Level.choices)
    response_hours = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False)
    resolve_hours = serializers.DecimalField(max_digits=7, decimal_places=2, coerce_to_string=False)


class CategoryLeafSerializer(serializers.Serializer):
    """A ``sanzhi.api.ticket_rows.CategoryRow``."""

    code = serializers.CharField(source="category.code")
    name = serializers.CharField(source="category.name")
    name_en = serializers.CharField(source="category.name_en")
    kind = CodeLabelField(CategoryKind.choices, source="category.kind")
    department = SlugRefSerializer(
        source="category.department", allow_null=True, help_text=_("街道以上的责任部门")
    )
    grid_may_close = serializers.BooleanField(source="category.grid_may_close")
    is_consultation = serializers.BooleanField(source="category.is_consultation")
    keywords = serializers.CharField(source="category.keywords")
    limits = CategoryLimitSerializer(
        many=True, help_text=_("各层级时限（工作小时）；子类无自有时限时按上级分类的时限办理")
    )


class CategoryTreeSerializer(CategoryLeafSerializer):
    children = CategoryLeafSerializer(many=True)


class DepartmentSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    node = NodeRefSerializer(help_text=_("所属辖区"))
