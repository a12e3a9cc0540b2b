"""Deliberation after the vote: public notices with their objections (决议公开、结果公开),
implementation tasks (组织实施) and the residents' evaluation (评价). Part of ``models``' namespace
(defined here for size); the lock order of ``models`` holds: matter → step → notice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanzhi.core.fields import PathField
from sanzhi.core.models import TimeStamped
from sanzhi.deliberation.models import Matter, MatterStep


class NoticeStatus(models.TextChoices):
    OPEN = "open", _("公示中")
    CLOSED = "closed", _("公示结束")  # ran its days, no objection upheld: the step passed
    RETURNED = "returned", _("已退回")  # an objection was upheld: the matter went back
    WITHDRAWN = "withdrawn", _("已撤回")  # the matter was withdrawn while the notice ran


class Notice(TimeStamped):
    """公示: a notice stage's public notice, published on the chain, open for objections from
    residents in scope from ``starts_at`` until ``ends_at`` (at least the stage's ``min_days``)."""

    step = models.ForeignKey(MatterStep, on_delete=models.PROTECT, related_name="notices")
    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="notices")
    node_path = PathField()
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("公示内容"))
    starts_at = models.DateTimeField(_("公示开始"))
    ends_at = models.DateTimeField(_("公示结束"))
    status = models.CharField(max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.OPEN)
    publication = models.OneToOneField(
        "disclosure.Publication", null=True, blank=True, on_delete=models.PROTECT, related_name="notice"
    )

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["node_path", "status"], name="notice_path_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="notice_window")
        ]


class ObjectionStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    UPHELD = "upheld", _("异议成立")  # the matter goes back
    DISMISSED = "dismissed", _("异议不成立")


class Objection(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="objections")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("异议内容"))
    status = models.CharField(max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.PENDING)
    reply = models.TextField(_("答复"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["notice_id", "created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class TaskStatus(models.TextChoices):
    OPEN = "open", _("实施中")
    DONE = "done", _("已完成")


class Task(TimeStamped):
    """实施任务: one piece of implementing a decided matter, with an owner and progress."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="tasks")
    step = models.ForeignKey(MatterStep, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(_("任务"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner_name = models.CharField(_("责任人"), max_length=50, blank=True)
    due_date = models.DateField(_("完成期限"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度（%）"), default=0)
    status = models.CharField(max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["matter_id", "id"]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="task_progress_pct")]


class TaskUpdate(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="updates")
    progress = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["task_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.progress}%"


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Evaluation(models.Model):
    """群众评价: a resident's rating of a matter's result, once per person."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="evaluations")
    step = models.ForeignKey(MatterStep, on_delete=models.PROTECT, related_name="evaluations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.CharField(max_length=12, choices=Rating.choices)
    comment = models.TextField(_("意见"), blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["matter_id", "id"]
        constraints = [models.UniqueConstraint(fields=["matter", "user"], name="evaluation_once")]

    def __str__(self) -> str:
        return str(self.rating)
