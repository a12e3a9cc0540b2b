"""Request shapes of the deliberation endpoints (议事协商). No business logic: the services check the
domain (permissions, stages, windows, quorum); these only bound and type what comes in."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sanzhi.api.rows import MAX_ID
from sanzhi.api.serializers import CODE_MAX_LENGTH
from sanzhi.deliberation.models import (
    AttendanceStatus,
    BodyKind,
    Choice,
    MatterStatus,
    MatterType,
    Rating,
    Saying,
)

SLUG = r"^[-a-zA-Z0-9_]+$"
MAX_TEXT = 5000
# 一千亿元 in fen: far above any village's matter, far below the column's limit.
MAX_AMOUNT_FEN = 10**13
MAX_VOTES = 100_000


def id_field(help_text: Any = "", **kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=help_text, **kwargs)


def text_field(help_text: Any = "", *, required: bool = True, limit: int = MAX_TEXT) -> serializers.CharField:
    if required:
        return serializers.CharField(max_length=limit, help_text=help_text)
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=limit, help_text=help_text
    )


def node_field(help_text: Any, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=CODE_MAX_LENGTH, help_text=help_text, **kwargs)


# ---- queries --------------------------------------------------------------------------------------


class DelibNodeQuerySerializer(serializers.Serializer):
    node = node_field(_("节点编码：只列出该节点及其下级的条目"), required=False)


class MatterListQuerySerializer(DelibNodeQuerySerializer):
    status = serializers.ChoiceField(choices=MatterStatus.choices, required=False)
    q = serializers.CharField(required=False, allow_blank=True, max_length=50, help_text=_("议题名称片段"))


class SayingListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Saying.Status.choices, required=False)


class MeetingListQuerySerializer(DelibNodeQuerySerializer):
    upcoming = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("true：待召开；false：已表决、已签字或已取消"),
    )


class ApprovalListQuerySerializer(serializers.Serializer):
    pending = serializers.BooleanField(
        required=False, default=True, help_text=_("true：待审批（默认）；false：已批复")
    )


# ---- procedures and bodies ------------------------------------------------------------------------


class ProcedureAdoptSerializer(serializers.Serializer):
    template = serializers.RegexField(
        SLUG, max_length=40, help_text=_("规程模板：siyi_liangkai、ti_yi_jue_ban_ping、sishi_sigong")
    )
    node = node_field(_("采用规程的社区/村编码"))
    code = serializers.RegexField(SLUG, max_length=40, required=False, help_text=_("规程编码；默认取模板名"))
    name = serializers.CharField(required=False, max_length=60, help_text=_("规程名称；默认取模板名称"))


class BodyCreateSerializer(serializers.Serializer):
    node = node_field(_("议事主体所在节点编码"))
    kind = serializers.ChoiceField(choices=BodyKind.choices)
    name = serializers.CharField(max_length=60)


class MemberAddSerializer(serializers.Serializer):
    user = id_field(_("账号 id"), required=False, allow_null=True)
    resident = id_field(_("居民 id（须居住在议事主体所在地）"), required=False, allow_null=True)
    name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=50, help_text=_("姓名；默认取居民或账号姓名")
    )
    title = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        help_text=_("职务：书记、主任、委员、代表……"),
    )
    is_chair = serializers.BooleanField(required=False, default=False, help_text=_("召集人（每个主体一名）"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("user") is None and attrs.get("resident") is None:
            raise serializers.ValidationError(_("请选择成员（账号或居民）"))
        return attrs


# ---- matters --------------------------------------------------------------------------------------


class MatterFieldsSerializer(serializers.Serializer):
    matter_type = serializers.ChoiceField(
        choices=MatterType.choices, required=False, default=MatterType.ORDINARY
    )
    amount_fen = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_AMOUNT_FEN, help_text=_("涉及金额（分）")
    )
    declared_major = serializers.BooleanField(
        required=False, default=False, help_text=_("按重大事项办理（须上级审批）")
    )


class MatterProposeSerializer(MatterFieldsSerializer):
    node = node_field(_("议题所在节点编码"))
    procedure = id_field(_("议事规程 id"))
    title = serializers.CharField(max_length=200)
    description = text_field(_("议题内容"), required=False)
    proposer_body = id_field(_("提议主体 id"), required=False, allow_null=True)


class DelibReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text=_("理由（必填）"))


class StepNoteSerializer(serializers.Serializer):
    note = text_field(_("说明"), required=False)


# ---- meetings -------------------------------------------------------------------------------------


class MeetingCallSerializer(serializers.Serializer):
    scheduled_at = serializers.DateTimeField(help_text=_("召开时间（带时区，如 2026-09-08T14:00:00+08:00）"))
    title = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text=_("会议名称；默认为环节名加议题"),
    )
    agenda = text_field(_("议程"), required=False)
    place = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class AttendanceRecordSerializer(serializers.Serializer):
    member = id_field(_("名单上的成员 id"))
    status = serializers.ChoiceField(
        choices=[
            (AttendanceStatus.PRESENT.value, AttendanceStatus.PRESENT.label),
            (AttendanceStatus.ABSENT.value, AttendanceStatus.ABSENT.label),
            (AttendanceStatus.PROXY.value, AttendanceStatus.PROXY.label),
        ]
    )
    proxy_holder = id_field(_("受托成员 id（仅委托时）"), required=False, allow_null=True)


class BallotSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=Choice.choices)
    member = id_field(
        _("为谁投票：默认本人；受托人为委托人投票时填委托人的成员 id"), required=False, allow_null=True
    )


class VoteCountSerializer(serializers.Serializer):
    votes_for = serializers.IntegerField(min_value=0, max_value=MAX_VOTES)
    votes_against = serializers.IntegerField(min_value=0, max_value=MAX_VOTES)
    votes_abstain = serializers.IntegerField(min_value=0, max_value=MAX_VOTES)


class MeetingMinutesSerializer(serializers.Serializer):
    minutes = serializers.CharField(max_length=20_000, help_text=_("会议记录"))


# ---- approvals, notices, tasks, evaluation ---------------------------------------------------------


class ApprovalRequestSerializer(serializers.Serializer):
    request = serializers.CharField(max_length=MAX_TEXT, help_text=_("请示内容"))


class ApprovalDecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text=_("true 同意，false 不同意"))
    reply = text_field(_("批复意见（不同意时必填）"), required=False)


class NoticeOpenSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(max_length=MAX_TEXT, help_text=_("公示内容"))
    days = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=90,
        help_text=_("公示天数；默认为环节规定的最少天数"),
    )


class ObjectionSubmitSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=MAX_TEXT, help_text=_("异议内容"))


class ObjectionDecideSerializer(serializers.Serializer):
    uphold = serializers.BooleanField(help_text=_("true 异议成立（议题退回），false 不成立"))
    reply = serializers.CharField(max_length=MAX_TEXT, help_text=_("答复"))


class TaskAddSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    owner = id_field(_("责任人账号 id"), required=False, allow_null=True)
    owner_name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=50,
        help_text=_("责任人；填了账号时默认取其姓名"),
    )
    due_date = serializers.DateField(required=False, allow_null=True, help_text=_("完成期限"))


class TaskProgressSerializer(serializers.Serializer):
    progress = serializers.IntegerField(min_value=0, max_value=100, help_text=_("进度（%），100 为完成"))
    note = text_field(_("说明"), required=False)


class ImplementationSummarySerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=MAX_TEXT, help_text=_("实施情况"))


class EvaluationSubmitSerializer(serializers.Serializer):
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = text_field(_("意见"), required=False, limit=2000)


# ---- sayings --------------------------------------------------------------------------------------


class SayingSubmitSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, help_text=_("事由"))
    text = serializers.CharField(max_length=MAX_TEXT, help_text=_("内容"))


class SayingAnswerSerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=MAX_TEXT, help_text=_("答复"))


class SayingAcceptSerializer(MatterFieldsSerializer):
    procedure = id_field(_("议事规程 id"))
    node = node_field(_("议题所在节点编码；默认为规程所在社区"), required=False)
    title = serializers.CharField(required=False, max_length=200, help_text=_("议题；默认取说事的事由"))
