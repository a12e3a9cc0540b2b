"""Deliberation (议事协商): procedures as data, bodies, matters moving stage by stage, meetings with
attendance and votes, superior approval, public notices with objections, implementation and the
residents' evaluation.

A ``Procedure`` is an ordered list of ``Stage`` rows (四议两公开, 提-议-决-办-评, 四事四共 ship as
templates, ``sanzhi.deliberation.templates_data``). A ``Matter`` (议题) runs through its procedure:
each stage it reaches becomes a ``MatterStep``; one step is open at a time; a stage that does not
apply (a major-matters-only stage for an ordinary matter) still gets a step, closed as skipped, so
the record shows every stage. Only ``sanzhi.deliberation.flow.step_finish`` moves a matter on.

Lock order, everywhere: matter → step → meeting / notice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanzhi.core.fields import PathField
from sanzhi.core.models import TimeStamped


class BodyKind(models.TextChoices):
    PARTY_ORG = "party_org", _("村(社区)党组织")
    TWO_COMMITTEES = "two_committees", _("两委会议")
    PARTY_MEMBERS = "party_members", _("党员大会")
    REPRESENTATIVES = "representatives", _("村(居)民代表会议")
    ASSEMBLY = "assembly", _("村(居)民会议")
    COUNCIL = "council", _("议事会")
    SUPERVISION = "supervision", _("村(居)务监督委员会")
    SUPERIOR = "superior", _("乡镇(街道)")


class StageKind(models.TextChoices):
    PROPOSAL = "proposal", _("提议")  # the matter is put forward; the proposing body's record
    MEETING = "meeting", _("会议表决")  # a meeting of the stage's body with a vote
    APPROVAL = "approval", _("上级审批")  # 请示报告: the township (street) approves
    NOTICE = "notice", _("公示")  # a public notice that collects objections for its days
    IMPLEMENTATION = "implementation", _("组织实施")  # tasks with owners and progress
    EVALUATION = "evaluation", _("群众评价")  # residents rate the result for the stage's days


class MajorityBase(models.TextChoices):
    PRESENT = "present", _("到会人数")
    MEMBERS = "members", _("应到人数")


class Procedure(TimeStamped):
    """议事规程: one community's procedure, adopted from a template (or written here)."""

    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="procedures")
    node_path = PathField()
    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    template = models.CharField(_("来源模板"), max_length=40, blank=True)
    description = models.TextField(_("说明"), blank=True)
    # A matter is major (重大事项, 请示报告 before the vote) at or above this amount, or when its
    # type is one of ``major_types``, or when its proposer says so.
    major_amount_fen = models.BigIntegerField(_("重大事项金额（分）"), null=True, blank=True)
    major_types = models.JSONField(_("重大事项类型"), default=list, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("议事规程")
        verbose_name_plural = _("议事规程")
        ordering = ["node_path", "id"]
        constraints = [models.UniqueConstraint(fields=["node", "code"], name="procedure_code_unique")]
        indexes = [models.Index(fields=["node_path"], name="procedure_path_idx")]

    def __str__(self) -> str:
        return self.name


class Stage(models.Model):
    """议事环节: one stage of a procedure, what it needs and its rules.

    Quorum: ``present / expected`` must exceed ``quorum_num/quorum_den`` (or reach it when not
    ``quorum_strict``); majority: ``for / base`` must exceed ``majority_num/majority_den`` (or
    reach it), ``base`` being those present or all expected members. 村民委员会组织法 §26 for a
    representatives' meeting: more than two thirds present, more than half of those present for.
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="stages")
    order = models.PositiveSmallIntegerField()
    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=16, choices=StageKind.choices)
    body_kind = models.CharField(_("议事主体"), max_length=20, choices=BodyKind.choices, blank=True)
    description = models.TextField(_("规则说明"), blank=True)
    major_only = models.BooleanField(_("仅重大事项"), default=False)
    quorum_num = models.PositiveSmallIntegerField(default=1)
    quorum_den = models.PositiveSmallIntegerField(default=2)
    quorum_strict = models.BooleanField(default=True)
    majority_num = models.PositiveSmallIntegerField(default=1)
    majority_den = models.PositiveSmallIntegerField(default=2)
    majority_strict = models.BooleanField(default=True)
    majority_base = models.CharField(max_length=8, choices=MajorityBase.choices, default=MajorityBase.PRESENT)
    allows_proxy = models.BooleanField(_("允许委托"), default=False)
    secret_ballot = models.BooleanField(_("无记名投票"), default=False)
    # Notice: the least number of days it runs; evaluation: the days residents may rate.
    min_days = models.PositiveSmallIntegerField(_("最少天数"), default=0)
    # Where an upheld objection (or a failed vote, when set) sends the matter back: a stage code.
    return_to = models.SlugField(_("退回至"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("议事环节")
        verbose_name_plural = _("议事环节")
        ordering = ["procedure_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "order"], name="stage_order_unique"),
            models.UniqueConstraint(fields=["procedure", "code"], name="stage_code_unique"),
            models.CheckConstraint(
                condition=Q(quorum_den__gt=0, majority_den__gt=0), name="stage_fractions_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Body(TimeStamped):
    """议事主体: a body of a community that meets and votes (党支部委员会, 两委, 党员大会,
    村民代表会议, 议事会 …)."""

    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="bodies")
    node_path = PathField()
    kind = models.CharField(_("类型"), max_length=20, choices=BodyKind.choices)
    name = models.CharField(_("名称"), max_length=60)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("议事主体")
        verbose_name_plural = _("议事主体")
        ordering = ["node_path", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["node", "kind"], condition=Q(active=True), name="body_one_active_per_kind"
            )
        ]
        indexes = [models.Index(fields=["node_path"], name="body_path_idx")]

    def __str__(self) -> str:
        return self.name


class BodyMember(models.Model):
    """A member of a body: a staff user, a registered resident, or both (a representative who also
    has a login)."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职务"), max_length=40, blank=True)  # 书记, 主任, 委员, 代表 …
    is_chair = models.BooleanField(_("召集人"), default=False)
    active = models.BooleanField(_("在任"), default=True)

    class Meta:
        verbose_name = _("成员")
        verbose_name_plural = _("成员")
        ordering = ["body_id", "-is_chair", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(resident__isnull=False), name="member_is_someone"
            ),
            models.UniqueConstraint(
                fields=["body", "user"], condition=Q(user__isnull=False), name="member_user_unique"
            ),
            models.UniqueConstraint(
                fields=["body", "resident"],
                condition=Q(resident__isnull=False),
                name="member_resident_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MatterType(models.TextChoices):
    ORDINARY = "ordinary", _("一般事项")
    PROJECT = "project", _("工程项目")
    LAND = "land", _("土地承包与征用")
    ASSETS = "assets", _("集体资产资源处置")
    DIVIDEND = "dividend", _("集体收益分配")
    WELFARE = "welfare", _("民生公益")
    RULES = "rules", _("村规民约")


class MatterSource(models.TextChoices):
    BODY = "body", _("组织提议")
    SAYING = "saying", _("村民说事")
    TICKET = "ticket", _("群众诉求")


class MatterStatus(models.TextChoices):
    ACTIVE = "active", _("进行中")  # a step is open
    DONE = "done", _("已办结")  # every stage passed
    REJECTED = "rejected", _("未通过")  # a vote or an approval said no
    WITHDRAWN = "withdrawn", _("已撤回")  # withdrawn by its proposer before a decision


class Matter(TimeStamped):
    """议题: a matter put to deliberation, run through its procedure's stages in order."""

    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="matters")
    node_path = PathField()
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="matters")
    title = models.CharField(_("议题"), max_length=200)
    description = models.TextField(_("内容"), blank=True)
    matter_type = models.CharField(
        _("事项类型"), max_length=16, choices=MatterType.choices, default=MatterType.ORDINARY
    )
    amount_fen = models.BigIntegerField(_("涉及金额（分）"), null=True, blank=True)
    is_major = models.BooleanField(_("重大事项"), default=False)
    source = models.CharField(max_length=8, choices=MatterSource.choices, default=MatterSource.BODY)
    proposer_body = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.PROTECT, related_name="proposed_matters"
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tickets = models.ManyToManyField("tickets.Ticket", blank=True, related_name="matters")
    status = models.CharField(max_length=12, choices=MatterStatus.choices, default=MatterStatus.ACTIVE)
    current_step = models.ForeignKey(
        "MatterStep", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["node_path", "status"], name="matter_path_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__isnull=True) | Q(amount_fen__gte=0), name="matter_amount_nonneg"
            )
        ]

    def __str__(self) -> str:
        return self.title


class MatterAttachment(models.Model):
    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="deliberation/%Y/%m/")
    name = models.CharField(max_length=200)
    # What the upload was checked to be (the ticket rules), and its bytes.
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class StepStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    PASSED = "passed", _("已通过")
    FAILED = "failed", _("未通过")
    RETURNED = "returned", _("已退回")  # sent back by an upheld objection
    SKIPPED = "skipped", _("不适用")  # a major-matters-only stage of an ordinary matter
    WITHDRAWN = "withdrawn", _("已撤回")


class MatterStep(models.Model):
    """A matter at one stage, in one round (a matter sent back runs a stage again, round 2 …)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="steps")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=StepStatus.choices, default=StepStatus.OPEN)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["matter_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter"], condition=Q(status="open"), name="step_one_open_per_matter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.matter_id}:{self.stage.code}#{self.round}"


class MatterEvent(models.Model):
    """Every change of a matter: who, when, what, at which step (saleor's …Event)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="events")
    step = models.ForeignKey(MatterStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["matter_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class Saying(TimeStamped):
    """村民说事 / 议事会 submission: a resident raises something; staff answer it or make it a matter."""

    class Status(models.TextChoices):
        NEW = "new", _("待处理")
        ACCEPTED = "accepted", _("已立为议题")
        ANSWERED = "answered", _("已答复")

    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="sayings")
    node_path = PathField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("事由"), max_length=200)
    text = models.TextField(_("内容"))
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    matter = models.ForeignKey(
        Matter, null=True, blank=True, on_delete=models.SET_NULL, related_name="sayings"
    )
    reply = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("村民说事")
        verbose_name_plural = _("村民说事")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["node_path", "status"], name="saying_path_status_idx")]


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("已召集")  # called; attendance and votes open on the day
    DECIDED = "decided", _("已表决")  # the vote is counted; the step passed or failed
    SIGNED = "signed", _("已签字")  # minutes signed off (会议记录签字)
    CANCELLED = "cancelled", _("已取消")


class MeetingResult(models.TextChoices):
    PASSED = "passed", _("通过")
    FAILED = "failed", _("未通过")


class Meeting(TimeStamped):
    """A meeting of a body for a matter's meeting step: roster frozen when called (one attendance
    row per active member), attendance, votes, the count under the stage's rules, minutes."""

    step = models.ForeignKey(MatterStep, on_delete=models.PROTECT, related_name="meetings")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    node_path = PathField()
    title = models.CharField(_("会议名称"), max_length=200)
    agenda = models.TextField(_("议程"), blank=True)
    place = models.CharField(_("地点"), max_length=100, blank=True)
    scheduled_at = models.DateTimeField(_("召开时间"))
    secret = models.BooleanField(_("无记名投票"), default=False)
    status = models.CharField(max_length=12, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED)
    expected = models.PositiveIntegerField(default=0)  # members on the roster when called
    present = models.PositiveIntegerField(default=0)  # present in person or by proxy, when counted
    votes_for = models.PositiveIntegerField(default=0)
    votes_against = models.PositiveIntegerField(default=0)
    votes_abstain = models.PositiveIntegerField(default=0)
    result = models.CharField(max_length=8, choices=MeetingResult.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("会议")
        verbose_name_plural = _("会议")
        ordering = ["-scheduled_at", "-id"]
        indexes = [models.Index(fields=["node_path", "scheduled_at"], name="meeting_path_at_idx")]


class AttendanceStatus(models.TextChoices):
    UNKNOWN = "unknown", _("未签到")
    PRESENT = "present", _("出席")
    ABSENT = "absent", _("缺席")
    PROXY = "proxy", _("委托")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(BodyMember, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=8, choices=AttendanceStatus.choices, default=AttendanceStatus.UNKNOWN
    )
    # Who holds this member's proxy (must be present themselves, and the stage must allow proxies).
    proxy_holder = models.ForeignKey(
        BodyMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Whether this member's vote (or their proxy's vote for them) has been cast; a secret ballot
    # keeps the choice apart from the name.
    voted = models.BooleanField(default=False)

    class Meta:
        ordering = ["meeting_id", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "member"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.member_id}: {self.status}"


class Choice(models.TextChoices):
    FOR = "for", _("赞成")
    AGAINST = "against", _("反对")
    ABSTAIN = "abstain", _("弃权")


class Ballot(models.Model):
    """One vote. Open ballots name the member; secret ballots do not (``member`` null), and their
    random primary key keeps the order of casting (which the named events show) from linking a
    ballot to its voter."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="ballots")
    member = models.ForeignKey(BodyMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=8, choices=Choice.choices)
    by_proxy = models.BooleanField(default=False)
    cast_at = models.DateTimeField()

    class Meta:
        ordering = ["meeting_id", "member_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"], condition=Q(member__isnull=False), name="ballot_once"
            )
        ]

    def __str__(self) -> str:
        return str(self.choice)


class ApprovalDecision(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("同意")
    REFUSED = "refused", _("不同意")
    WITHDRAWN = "withdrawn", _("已撤回")  # the matter ended (withdrawn) before the township answered


class Approval(models.Model):
    """请示报告: the community asks the township (street) before a major matter goes to the vote."""

    step = models.ForeignKey(MatterStep, on_delete=models.PROTECT, related_name="approvals")
    node_path = PathField()
    request = models.TextField(_("请示内容"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    decision = models.CharField(
        max_length=10, choices=ApprovalDecision.choices, default=ApprovalDecision.PENDING
    )
    reply = models.TextField(_("批复"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["step"], condition=Q(decision="pending"), name="approval_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.step_id}: {self.decision}"


# After the vote (notices, objections, tasks, evaluations): defined in models_outcome (for size),
# part of this module's namespace.
from sanzhi.deliberation.models_outcome import (  # noqa: E402
    Evaluation,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Rating,
    Task,
    TaskStatus,
    TaskUpdate,
)

__all__ = [
    "Approval",
    "ApprovalDecision",
    "Attendance",
    "AttendanceStatus",
    "Ballot",
    "Body",
    "BodyKind",
    "BodyMember",
    "Choice",
    "Evaluation",
    "MajorityBase",
    "Matter",
    "MatterAttachment",
    "MatterEvent",
    "MatterSource",
    "MatterStatus",
    "MatterStep",
    "MatterType",
    "Meeting",
    "MeetingResult",
    "MeetingStatus",
    "Notice",
    "NoticeStatus",
    "Objection",
    "ObjectionStatus",
    "Procedure",
    "Rating",
    "Saying",
    "Stage",
    "StageKind",
    "StepStatus",
    "Task",
    "TaskStatus",
    "TaskUpdate",
]
