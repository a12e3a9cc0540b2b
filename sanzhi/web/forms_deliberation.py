"""Forms of the deliberation console (议事协商). They shape the request (types, lengths, choices from
scoped reads); the services in sanzhi.deliberation decide the domain (stages, windows, quorum …)
and their translated errors are shown on the form."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.deliberation.models import (
    AttendanceStatus,
    Body,
    BodyMember,
    Choice,
    MatterStatus,
    MatterType,
    Procedure,
)
from sanzhi.deliberation.templates_data import TEMPLATES

TEXT_MAX = 5000
AMOUNT_MAX_YUAN = Decimal("100000000000")  # 千亿元: beyond any community's matter


def styled(form: forms.Form) -> None:
    """Bootstrap classes on every widget."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.RadioSelect):
            continue
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs["class"] = "form-control"


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        styled(self)


def yuan_to_fen(raw: str) -> int | None:
    """“1,234.5” 元 → 123450 分; blank → None. Raises ValidationError on anything else."""
    raw = (raw or "").strip().replace(",", "").replace("，", "")
    if not raw:
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise forms.ValidationError(_("金额须为数字（元，最多两位小数）")) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise forms.ValidationError(_("金额须为数字（元，最多两位小数）"))
    if value > AMOUNT_MAX_YUAN:
        raise forms.ValidationError(_("金额过大"))
    return int(value * 100)


class MatterFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *MatterStatus.choices]
    )
    procedure = forms.TypedChoiceField(label=_("议事规程"), required=False, coerce=int, empty_value=None)
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)

    def __init__(self, *args: Any, procedures: list[Procedure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["procedure"]
        field.choices = [("", _("全部规程"))] + [(p.pk, f"{p.name}（{p.node.name}）") for p in procedures]
        styled(self)


class MatterForm(StyledForm):
    """提出议题: under which procedure, what, how much, who proposes it, which demands it answers."""

    procedure = forms.TypedChoiceField(label=_("议事规程"), coerce=int)
    title = forms.CharField(label=_("议题"), max_length=200)
    description = forms.CharField(
        label=_("内容"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    matter_type = forms.ChoiceField(
        label=_("事项类型"), choices=MatterType.choices, initial=MatterType.ORDINARY
    )
    amount = forms.CharField(
        label=_("涉及金额（元）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("达到规程规定金额的为重大事项，须经乡镇（街道）审批"),
    )
    declared_major = forms.BooleanField(label=_("列为重大事项"), required=False)
    proposer_body = forms.TypedChoiceField(label=_("提议主体"), required=False, coerce=int, empty_value=None)
    tickets = forms.CharField(
        label=_("关联诉求编号"),
        required=False,
        max_length=200,
        help_text=_("可选，多个编号用逗号或空格分隔"),
    )

    def __init__(self, *args: Any, procedures: list[Procedure], bodies: list[Body], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        procedure_field: Any = self.fields["procedure"]
        procedure_field.choices = [("", _("请选择议事规程"))] + [
            (p.pk, f"{p.name}（{p.node.name}）") for p in procedures
        ]
        body_field: Any = self.fields["proposer_body"]
        body_field.choices = [("", _("无"))] + [(b.pk, b.name) for b in bodies]

    def clean_amount(self) -> int | None:
        return yuan_to_fen(self.cleaned_data.get("amount", ""))

    def clean_tickets(self) -> list[int]:
        raw = self.cleaned_data.get("tickets", "") or ""
        parts = [p for p in re.split(r"[\s,，、]+", raw.strip()) if p]
        if any(not p.isdigit() for p in parts):
            raise forms.ValidationError(_("诉求编号须为数字"))
        return sorted({int(p) for p in parts})


class NoteForm(StyledForm):
    note = forms.CharField(
        label=_("意见"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(StyledForm):
    reason = forms.CharField(
        label=_("撤回理由"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class MeetingCallForm(StyledForm):
    scheduled_at = forms.DateTimeField(
        label=_("召开时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("地点"), required=False, max_length=100)
    title = forms.CharField(
        label=_("会议名称"), required=False, max_length=200, help_text=_("不填则按环节与议题命名")
    )
    agenda = forms.CharField(
        label=_("议程"), required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheduled_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean_scheduled_at(self) -> dt.datetime:
        value: dt.datetime = self.cleaned_data["scheduled_at"]
        return value if timezone.is_aware(value) else timezone.make_aware(value)


class MeetingCancelForm(StyledForm):
    reason = forms.CharField(label=_("取消理由"), max_length=500)


class AttendanceForm(StyledForm):
    member = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("出席情况"),
        choices=[
            (AttendanceStatus.PRESENT, AttendanceStatus.PRESENT.label),
            (AttendanceStatus.ABSENT, AttendanceStatus.ABSENT.label),
            (AttendanceStatus.PROXY, AttendanceStatus.PROXY.label),
        ],
    )
    proxy_holder = forms.TypedChoiceField(label=_("受托人"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, members: list[BodyMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member_field: Any = self.fields["member"]
        member_field.choices = [(m.pk, m.name) for m in members]
        holder_field: Any = self.fields["proxy_holder"]
        holder_field.choices = [("", _("无"))] + [(m.pk, m.name) for m in members]


class BallotForm(forms.Form):
    member = forms.TypedChoiceField(coerce=int)
    choice = forms.ChoiceField(choices=Choice.choices)

    def __init__(self, *args: Any, members: list[BodyMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member_field: Any = self.fields["member"]
        member_field.choices = [(m.pk, m.name) for m in members]


class CountForm(StyledForm):
    votes_for = forms.IntegerField(label=_("赞成"), min_value=0, max_value=100000)
    votes_against = forms.IntegerField(label=_("反对"), min_value=0, max_value=100000)
    votes_abstain = forms.IntegerField(label=_("弃权"), min_value=0, max_value=100000)


class MinutesForm(StyledForm):
    minutes = forms.CharField(
        label=_("会议记录"), max_length=TEXT_MAX * 4, widget=forms.Textarea(attrs={"rows": 4})
    )


class ApprovalRequestForm(StyledForm):
    request = forms.CharField(
        label=_("请示内容"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class ApprovalDecideForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("批复"), choices=[("approve", _("同意")), ("refuse", _("不同意"))], widget=forms.RadioSelect
    )
    reply = forms.CharField(
        label=_("批复意见"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("不同意时必填"),
    )


class NoticeOpenForm(StyledForm):
    title = forms.CharField(label=_("公示标题"), max_length=200)
    body = forms.CharField(label=_("公示内容"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}))
    days = forms.IntegerField(label=_("公示天数"), min_value=1, max_value=90)

    def __init__(self, *args: Any, min_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        least = max(1, min_days)
        days: Any = self.fields["days"]
        days.initial = least
        days.help_text = _("不少于{days}天；公示当日不计入，期满次日零时结束").format(days=least)
        days.widget.attrs["min"] = least


class ObjectionDecideForm(StyledForm):
    objection = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("处理"),
        choices=[("dismiss", _("异议不成立")), ("uphold", _("异议成立，退回"))],
        widget=forms.RadioSelect,
    )
    reply = forms.CharField(label=_("答复"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class TaskAddForm(StyledForm):
    title = forms.CharField(label=_("任务"), max_length=200)
    owner_name = forms.CharField(label=_("责任人"), max_length=50)
    due_date = forms.DateField(
        label=_("完成期限"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class TaskProgressForm(StyledForm):
    task = forms.IntegerField(widget=forms.HiddenInput)
    progress = forms.IntegerField(label=_("进度（%）"), min_value=0, max_value=100)
    note = forms.CharField(label=_("说明"), required=False, max_length=TEXT_MAX)


class ImplementationFinishForm(StyledForm):
    summary = forms.CharField(
        label=_("实施情况"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class SayingAnswerForm(StyledForm):
    reply = forms.CharField(label=_("答复"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class SayingAcceptForm(StyledForm):
    procedure = forms.TypedChoiceField(label=_("议事规程"), coerce=int)
    title = forms.CharField(
        label=_("议题"), max_length=200, required=False, help_text=_("不填则沿用说事事由")
    )
    matter_type = forms.ChoiceField(
        label=_("事项类型"), choices=MatterType.choices, initial=MatterType.ORDINARY
    )
    amount = forms.CharField(label=_("涉及金额（元）"), required=False, max_length=20)
    declared_major = forms.BooleanField(label=_("列为重大事项"), required=False)

    def __init__(self, *args: Any, procedures: list[Procedure], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["procedure"]
        field.choices = [("", _("请选择议事规程"))] + [
            (p.pk, f"{p.name}（{p.node.name}）") for p in procedures
        ]

    def clean_amount(self) -> int | None:
        return yuan_to_fen(self.cleaned_data.get("amount", ""))


class MemberAddForm(StyledForm):
    """A member by login (a staff user of the node) or by registry resident of the node."""

    person = forms.CharField(label=_("成员"), max_length=20)  # u<id> or r<id>
    title = forms.CharField(label=_("职务"), required=False, max_length=40)
    is_chair = forms.BooleanField(label=_("召集人"), required=False)

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].widget = forms.Select(
            choices=[("", _("请选择成员")), *people], attrs={"class": "form-select"}
        )
        self.allowed = {value for value, _label in people}

    def clean_person(self) -> str:
        value: str = self.cleaned_data["person"]
        if value not in self.allowed:
            raise forms.ValidationError(_("请选择成员"))
        return value


class ProcedureAdoptForm(StyledForm):
    template = forms.ChoiceField(
        label=_("模板"), choices=[(k, str(s.label or s.name)) for k, s in TEMPLATES.items()]
    )
    node = forms.TypedChoiceField(label=_("采用地"), coerce=int)
    code = forms.SlugField(label=_("编码"), required=False, max_length=40, help_text=_("不填则用模板编码"))
    name = forms.CharField(label=_("名称"), required=False, max_length=60)

    def __init__(self, *args: Any, nodes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["node"]
        field.choices = [(n.pk, n.name) for n in nodes]
