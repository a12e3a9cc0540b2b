"""Demands (诉求/事件): categories with per-level time limits, departments, tickets, their events.

A ticket lands on the micro-grid/grid of its household or location and climbs the ladder
grid → community → street → department ("网格呼叫、镇街处置、部门报到"); its level never goes down.
Only ``services`` write these rows; ``Ticket.state`` changes only in ``services.ticket_transition``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.fields import PathField
from sanzhi.core.models import TimeStamped
from sanzhi.tickets.states import CLOCK_STATES, OPEN_STATES, Level, State


class CategoryKind(models.TextChoices):
    EVENT = "event", _("事件")  # GB/T 30428 事件类
    PART = "part", _("部件")  # GB/T 30428 部件类 (public facilities)
    DEMAND = "demand", _("诉求")  # community demand classes


class Department(TimeStamped):
    """职能部门: answers "部门报到" escalations in its categories within its jurisdiction's subtree."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    node = models.ForeignKey(
        "grids.Node", on_delete=models.PROTECT, related_name="departments", verbose_name=_("所属辖区")
    )
    node_path = PathField()
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("职能部门")
        verbose_name_plural = _("职能部门")

    def __str__(self) -> str:
        return self.name


class DepartmentMember(models.Model):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="department_memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["department", "user"], name="department_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.department_id}"


class Category(TimeStamped):
    """诉求分类: a GB/T 30428 事件/部件 class or a community demand class, in a two-level tree."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级分类"),
    )
    kind = models.CharField(
        _("类别"), max_length=10, choices=CategoryKind.choices, default=CategoryKind.DEMAND
    )
    department = models.ForeignKey(
        Department,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="categories",
        verbose_name=_("责任部门"),
    )
    grid_may_close = models.BooleanField(_("网格可直接结案"), default=False)
    is_consultation = models.BooleanField(_("咨询类（答复即办结）"), default=False)
    # Words that suggest this category before the router has history to learn from (空格分隔).
    keywords = models.TextField(_("关键词"), blank=True)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class CategoryLimit(models.Model):
    """时限: working hours to respond and to resolve while the ticket is held at ``level``.

    A subcategory without its own row uses its parent's; without either, the defaults in settings."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="limits")
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    response_hours = models.DecimalField(_("响应时限（工作小时）"), max_digits=6, decimal_places=2)
    resolve_hours = models.DecimalField(_("办结时限（工作小时）"), max_digits=7, decimal_places=2)

    class Meta:
        verbose_name = _("分类时限")
        verbose_name_plural = _("分类时限")
        constraints = [
            models.UniqueConstraint(fields=["category", "level"], name="category_limit_unique"),
            models.CheckConstraint(
                condition=Q(response_hours__gt=0) & Q(resolve_hours__gte=models.F("response_hours")),
                name="category_limit_positive_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}/{self.level}: {self.response_hours}h/{self.resolve_hours}h"


class Channel(models.TextChoices):
    RESIDENT = "resident", _("居民自主上报")
    REPRESENTATIVE = "representative", _("联户长代报")
    PATROL = "patrol", _("网格员巡查")
    VISIT = "visit", _("入户走访")
    HOTLINE = "hotline", _("热线电话")
    OPEN311 = "open311", _("Open311 接口")
    IMPORT = "import", _("批量导入")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class Ticket(models.Model):
    """诉求/事件工单: one problem or demand, from intake to the reporter's rating."""

    title = models.CharField(_("标题"), max_length=120)
    text = models.TextField(_("内容"), max_length=4000)
    category = models.ForeignKey(
        Category,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("分类"),
    )
    channel = models.CharField(_("来源"), max_length=16, choices=Channel.choices)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.REPORTED)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices, default=Level.GRID)
    # The state to go back to on 恢复 (resume); empty unless suspended.
    suspended_from = models.CharField(max_length=12, blank=True)
    is_consultation = models.BooleanField(_("咨询类"), default=False)

    # Where it lives: the landing node (micro-grid/grid, or the community when the place is unknown)
    # and its community and street ancestors, fixed at intake for the ladder and the KPI rollups.
    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="tickets")
    node_path = PathField()
    community = models.ForeignKey(
        "grids.Node", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        "grids.Node", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)

    # Who has the problem, and who typed it in (a representative, grid worker or hotline operator).
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_tickets",
    )
    reporter_name = models.CharField(_("诉求人"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(_("外部编号"), max_length=64, blank=True)

    # Who holds it now: a person (grid worker, party member on a run, department handler), and/or
    # the node or department whose dispatcher answers for it at this level.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    assignee_node = models.ForeignKey(
        "grids.Node", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    party_run = models.BooleanField(_("党员跑单"), default=False)

    created_at = models.DateTimeField(_("上报时间"), default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    registered_at = models.DateTimeField(null=True, blank=True)
    # The clock of the current level: response and resolution deadlines, both on working time.
    level_since = models.DateTimeField(default=timezone.now)
    response_due_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    # Working seconds left to due_at when suspended; the deadline is recomputed on resume.
    remaining_seconds = models.PositiveIntegerField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_in_time = models.BooleanField(null=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_level = models.CharField(max_length=12, choices=Level.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    rating = models.CharField(_("评价"), max_length=12, choices=Rating.choices, blank=True)
    rating_note = models.CharField(_("评价意见"), max_length=500, blank=True)
    escalations = models.PositiveSmallIntegerField(default=0)
    reopens = models.PositiveSmallIntegerField(default=0)
    # Ever past a deadline (set by the escalation tick; a KPI counts it).
    overdue = models.BooleanField(_("曾超时"), default=False)
    # The current level's deadline has passed and the tick has dealt with it (escalated or, at the top
    # of the ladder, flagged overdue); reset whenever a new deadline is set, so the tick's index holds
    # only clocks that still need a look.
    deadline_handled = models.BooleanField(default=False)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_tickets"
    )

    class Meta:
        verbose_name = _("诉求工单")
        verbose_name_plural = _("诉求工单")
        indexes = [
            models.Index(fields=["node_path", "-id"], name="ticket_path_idx"),
            # The escalation tick reads only the running clocks that are due.
            models.Index(
                fields=["due_at"],
                name="ticket_due_open_idx",
                condition=Q(state__in=sorted(CLOCK_STATES), deadline_handled=False),
            ),
            models.Index(fields=["assignee", "state"], name="ticket_assignee_idx"),
            models.Index(fields=["department", "state"], name="ticket_department_idx"),
            models.Index(fields=["reporter", "-id"], name="ticket_reporter_idx"),
            models.Index(fields=["community", "-created_at"], name="ticket_community_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=State.MERGED) | Q(merged_into__isnull=False),
                name="ticket_merged_has_target",
            ),
            models.CheckConstraint(
                condition=~Q(level=Level.DEPARTMENT) | Q(department__isnull=False),
                name="ticket_department_level_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        """工单编号 as printed on paper: intake date and id."""
        local = timezone.localtime(self.created_at)
        return f"{local:%Y%m%d}{self.pk or 0:06d}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class TicketEvent(models.Model):
    """流转记录: one row per state change or note — who, when, from, to, why."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=12)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12)
    from_level = models.CharField(max_length=12, blank=True)
    to_level = models.CharField(max_length=12)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["ticket", "id"], name="ticket_event_ticket_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} {self.from_state}→{self.to_state}"


class TicketEscalation(models.Model):
    """升级记录: the unique constraint is the proof a ticket reaches each level by timeout at most once."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalation_rows")
    from_level = models.CharField(max_length=12)
    to_level = models.CharField(max_length=12)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "to_level"], name="ticket_escalation_once_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.from_level} → {self.to_level}"


def attachment_path(instance: TicketAttachment, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    now = timezone.now()
    return f"tickets/{now:%Y/%m}/{instance.ticket_id}-{now:%H%M%S%f}.{suffix}"


class TicketAttachment(models.Model):
    """照片/附件 of a report or of a step (served only through the scoped view, never as public media)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        TicketEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """站内消息: the in-app inbox (a ticket sent to you, escalated to you, rated …)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "read_at", "-id"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return self.message


class RouterModel(models.Model):
    """智能分派模型: a trained category/department suggester (joblib bytes), newest row in use.

    Trained by ``sanzhi train-router`` on the deployment's own registered and dispatched tickets;
    ``sanzhi.tickets.routing`` loads it once per process per row."""

    trained_at = models.DateTimeField(default=timezone.now)
    model = models.BinaryField()
    # Samples the category/department classifiers learned from (0: that target was not trained).
    category_samples = models.PositiveIntegerField(default=0)
    department_samples = models.PositiveIntegerField(default=0)
    # Held-out accuracy per target: {"category": {"top1": .., "top3": .., "test": n}, ...}
    accuracy = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("智能分派模型")
        verbose_name_plural = _("智能分派模型")

    def __str__(self) -> str:
        return f"router {self.pk} @ {self.trained_at:%Y-%m-%d %H:%M}"
