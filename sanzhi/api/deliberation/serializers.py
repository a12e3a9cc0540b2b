"""Response shapes of the deliberation endpoints (议事协商). They read rows the scoped selectors (or
``sanzhi.api.deliberation.rows``) returned, never the database on their own: every relation they
show was loaded with the page."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sanzhi.api.deliberation.requests import MatterProposeSerializer
from sanzhi.api.fields import CodeLabelField
from sanzhi.api.serializers import NodeRefSerializer
from sanzhi.deliberation.models import (
    ApprovalDecision,
    AttendanceStatus,
    BodyKind,
    MajorityBase,
    MatterSource,
    MatterStatus,
    MatterType,
    MeetingResult,
    MeetingStatus,
    NoticeStatus,
    ObjectionStatus,
    Saying,
    StageKind,
    StepStatus,
    TaskStatus,
)
from sanzhi.deliberation.states import Act
from sanzhi.tickets.inputs import ATTACHMENTS_MAX


class DelibRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DelibUserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class MatterRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class StageRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = CodeLabelField(StageKind.choices)


ACTS_HELP = format_lazy("{}{}", _("该类环节可进行的操作："), ", ".join(a.value for a in Act))


# ---- procedures -----------------------------------------------------------------------------------


class ProcedureTemplateStageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = CodeLabelField(StageKind.choices)
    body_kind = CodeLabelField(BodyKind.choices, allow_null=True)
    major_only = serializers.BooleanField()
    min_days = serializers.IntegerField()


class ProcedureTemplateSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    description = serializers.CharField()
    major_amount_fen = serializers.IntegerField(allow_null=True)
    major_types = serializers.ListField(child=serializers.CharField())
    stages = ProcedureTemplateStageSerializer(many=True)


class ProcedureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    template = serializers.CharField(help_text=_("来源模板，可为空"))
    node = NodeRefSerializer()
    description = serializers.CharField()
    major_amount_fen = serializers.IntegerField(allow_null=True, help_text=_("达到该金额（分）即为重大事项"))
    major_types = serializers.ListField(child=serializers.CharField(), help_text=_("属于重大事项的事项类型"))
    active = serializers.BooleanField()


class FractionSerializer(serializers.Serializer):
    num = serializers.IntegerField()
    den = serializers.IntegerField()
    strict = serializers.BooleanField(help_text=_("true：须超过该比例；false：达到即可"))


class StageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = CodeLabelField(StageKind.choices)
    body_kind = CodeLabelField(BodyKind.choices, allow_null=True)
    description = serializers.CharField()
    major_only = serializers.BooleanField(help_text=_("仅重大事项经过此环节"))
    quorum = FractionSerializer(help_text=_("到会比例：到会人数/应到人数"))
    majority = FractionSerializer(help_text=_("通过比例：赞成票/表决基数"))
    majority_base = CodeLabelField(MajorityBase.choices)
    allows_proxy = serializers.BooleanField()
    secret_ballot = serializers.BooleanField()
    min_days = serializers.IntegerField(help_text=_("公示或评价的最少天数"))
    return_to = serializers.CharField(help_text=_("异议成立或表决未通过时退回的环节编码，可为空"))


class ProcedureDetailSerializer(ProcedureSerializer):
    stages = StageSerializer(many=True, source="stages_list")


# ---- bodies ---------------------------------------------------------------------------------------


class BodySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = CodeLabelField(BodyKind.choices)
    name = serializers.CharField()
    node = NodeRefSerializer()
    active = serializers.BooleanField()


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.IntegerField(source="body_id")
    name = serializers.CharField()
    title = serializers.CharField()
    is_chair = serializers.BooleanField()
    active = serializers.BooleanField()
    user = serializers.IntegerField(source="user_id", allow_null=True)
    resident = serializers.IntegerField(source="resident_id", allow_null=True)


class BodyDetailSerializer(BodySerializer):
    members = MemberSerializer(many=True, source="members_list", help_text=_("成员（含已不在任的）"))


# ---- matters --------------------------------------------------------------------------------------


class MatterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    node = NodeRefSerializer()
    procedure = DelibRefSerializer()
    matter_type = CodeLabelField(MatterType.choices)
    amount_fen = serializers.IntegerField(allow_null=True)
    is_major = serializers.BooleanField(help_text=_("重大事项（须上级审批）"))
    source = CodeLabelField(MatterSource.choices)  # type: ignore[assignment]  # a field, not Field.source
    status = CodeLabelField(MatterStatus.choices)
    current_stage = StageRefSerializer(
        source="current_step.stage", allow_null=True, help_text=_("进行中的环节；已结束为 null")
    )
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


class MeetingBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    scheduled_at = serializers.DateTimeField()
    status = CodeLabelField(MeetingStatus.choices)
    result = CodeLabelField(MeetingResult.choices, allow_null=True)
    expected = serializers.IntegerField()
    present = serializers.IntegerField()
    votes_for = serializers.IntegerField()
    votes_against = serializers.IntegerField()
    votes_abstain = serializers.IntegerField()


class ApprovalBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    request = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decision = CodeLabelField(ApprovalDecision.choices)
    reply = serializers.CharField()
    decided_at = serializers.DateTimeField(allow_null=True)


class NoticeBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = CodeLabelField(NoticeStatus.choices)


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    matter = serializers.IntegerField(source="matter_id")
    step = serializers.IntegerField(source="step_id")
    title = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id", allow_null=True)
    owner_name = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    progress = serializers.IntegerField()
    status = CodeLabelField(TaskStatus.choices)
    done_at = serializers.DateTimeField(allow_null=True)


class StepSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stage = StageRefSerializer()
    round = serializers.IntegerField()
    status = CodeLabelField(StepStatus.choices)
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    outcome = serializers.CharField()
    meetings = MeetingBriefSerializer(many=True, source="meetings.all")
    approvals = ApprovalBriefSerializer(many=True, source="approvals.all")
    notices = NoticeBriefSerializer(many=True, source="notices.all")
    tasks = TaskSerializer(many=True, source="tasks.all")


class OpenStepSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    stage = StageRefSerializer()
    round = serializers.IntegerField()
    opened_at = serializers.DateTimeField()
    # Plain strings: the same choice set twice would make the schema name one enum two ways.
    stage_actions = serializers.ListField(child=serializers.CharField(), help_text=ACTS_HELP)
    actions = serializers.ListField(child=serializers.CharField(), help_text=_("您在该环节可进行的操作"))


class MatterEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    action = serializers.CharField()
    step = serializers.IntegerField(source="step_id", allow_null=True)
    stage = serializers.CharField(source="step.stage.code", allow_null=True, default=None)
    actor = DelibUserRefSerializer(allow_null=True)
    note = serializers.CharField()
    data = serializers.DictField(child=serializers.JSONField())  # type: ignore[assignment]


class EvaluationSummarySerializer(serializers.Serializer):
    satisfied = serializers.IntegerField()
    basic = serializers.IntegerField()
    unsatisfied = serializers.IntegerField()
    total = serializers.IntegerField()
    satisfaction_permille = serializers.IntegerField(help_text=_("满意率（‰）：(满意+基本满意)/全部"))


# One attachment of a matter: the stored file's facts and where to download it.
class MatterAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField(allow_null=True, help_text=_("字节数；文件已不在存储中时为 null"))
    uploaded_at = serializers.DateTimeField()
    url = serializers.CharField(help_text=_("下载地址（需登录且能查看该议题）"))


# The request of ``POST matters/{id}/attachments`` (multipart/form-data).
class MatterAttachSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(),
        allow_empty=False,
        max_length=ATTACHMENTS_MAX,
        help_text=format_lazy(_("照片或 PDF（可多个，每次最多{n}个，每个不超过 10 MB）"), n=ATTACHMENTS_MAX),
    )


# Proposing a matter with its documents (multipart/form-data).
class MatterProposeWithFilesSerializer(MatterProposeSerializer):
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=ATTACHMENTS_MAX,
        help_text=format_lazy(_("照片或 PDF（可多个，每次最多{n}个，每个不超过 10 MB）"), n=ATTACHMENTS_MAX),
    )


class MatterDetailSerializer(MatterSerializer):
    description = serializers.CharField()
    proposer_body = DelibRefSerializer(allow_null=True)
    proposed_by = DelibUserRefSerializer(allow_null=True)
    steps = StepSerializer(many=True, source="steps_list")
    open_step = OpenStepSerializer(allow_null=True, help_text=_("进行中的环节及可进行的操作"))
    timeline = MatterEventSerializer(many=True)
    evaluation = EvaluationSummarySerializer()
    attachments = MatterAttachmentSerializer(many=True, source="attachment_rows", help_text=_("议题附件"))


# ---- meetings -------------------------------------------------------------------------------------


class MeetingSerializer(MeetingBriefSerializer):
    body = DelibRefSerializer()
    matter = MatterRefSerializer(source="step.matter")
    step = serializers.IntegerField(source="step_id")
    stage = StageRefSerializer(source="step.stage")
    agenda = serializers.CharField()
    place = serializers.CharField()
    secret = serializers.BooleanField(help_text=_("无记名投票"))
    decided_at = serializers.DateTimeField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)


class AttendanceRowSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id")
    name = serializers.CharField(source="member.name")
    title = serializers.CharField(source="member.title")
    is_chair = serializers.BooleanField(source="member.is_chair")
    status = CodeLabelField(AttendanceStatus.choices)
    proxy_holder = serializers.IntegerField(source="proxy_holder_id", allow_null=True)
    voted = serializers.BooleanField()


class MeetingDetailSerializer(MeetingSerializer):
    minutes = serializers.CharField()
    signed_by = DelibUserRefSerializer(allow_null=True)
    roster = AttendanceRowSerializer(many=True, help_text=_("召集时冻结的名单与出席、投票情况"))
    my_member = serializers.IntegerField(allow_null=True, help_text=_("您在名单上的成员 id"))
    can_conduct = serializers.BooleanField(help_text=_("您能否登记出席、计票、签署会议记录"))


class BallotResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id")
    member = serializers.IntegerField(source="member_id", allow_null=True, help_text=_("无记名投票为 null"))
    choice = serializers.CharField()
    by_proxy = serializers.BooleanField()


# ---- approvals, notices, objections ----------------------------------------------------------------


class ApprovalSerializer(ApprovalBriefSerializer):
    matter = MatterRefSerializer(source="step.matter")
    node = NodeRefSerializer(source="step.matter.node")
    step = serializers.IntegerField(source="step_id")
    requested_by = DelibUserRefSerializer(allow_null=True)


class ObjectionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    notice = serializers.IntegerField(source="notice_id")
    text = serializers.CharField()
    status = CodeLabelField(ObjectionStatus.choices)
    reply = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class NoticeSerializer(NoticeBriefSerializer):
    node = NodeRefSerializer()
    body = serializers.CharField()
    matter = MatterRefSerializer(source="step.matter")
    stage = StageRefSerializer(source="step.stage")
    publication_seq = serializers.IntegerField(
        source="publication.seq", allow_null=True, help_text=_("公开链上的序号")
    )


class NoticeDetailSerializer(NoticeSerializer):
    objections = ObjectionSerializer(
        many=True, source="objections_list", help_text=_("工作人员看到全部异议；居民只看到自己提出的")
    )
    can_object = serializers.BooleanField(help_text=_("您现在能否提出异议"))


# ---- evaluation and sayings --------------------------------------------------------------------------


class EvaluationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    matter = serializers.IntegerField(source="matter_id")
    rating = serializers.CharField()
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class SayingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    status = CodeLabelField(Saying.Status.choices)
    matter = MatterRefSerializer(allow_null=True)
    reply = serializers.CharField()
    created_at = serializers.DateTimeField()


class SayingStaffSerializer(SayingSerializer):
    node = NodeRefSerializer()
    resident_name = serializers.CharField(source="resident.name", allow_null=True, default=None)
