"""Public disclosure (三务公开) and the public hash chain of everything published.

- ``Publication``: one published item (a disclosure, a resolution, a public notice, a result, a
  points board, a correction) appended to one installation-wide chain: its content, the SHA-256 of
  that content, the previous item's hash and its own. Append-only (a database trigger refuses
  UPDATE, and DELETE on PostgreSQL); a correction is a new item whose ``corrects`` names the old
  one. ``sanzhi verify publications`` walks it; the public JSON endpoint serves it.
- ``DisclosurePlan``: the disclosure calendar (公开目录) of a community: party affairs, village
  (community) affairs and finance, each item monthly, quarterly or per matter, due some days after
  the period ends.
- ``Disclosure``: one disclosure of a plan's period (or of a matter), drafted, then published
  (immutable from then on); ``FinanceLine``: its income and expense lines, amounts in fen.

Only ``sanzhi.disclosure`` services write these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanzhi.core.fields import PathField
from sanzhi.core.models import TimeStamped

GENESIS_HASH = "0" * 64


class PublicationKind(models.TextChoices):
    DISCLOSURE = "disclosure", _("三务公开")
    NOTICE = "notice", _("公示")  # a deliberation's public notice (决议公开 before implementation)
    RESOLUTION = "resolution", _("决议")
    RESULT = "result", _("实施结果")
    BOARD = "board", _("红黑榜")


class Publication(models.Model):
    """公开发布链: one published item, hash-chained to the one before it (one chain per installation).

    ``hash`` covers ``seq``, ``kind``, ``node_code``, ``title``, ``ref``, ``content_hash``,
    ``corrects`` (the seq it corrects, or null), ``published_at`` and ``prev_hash``
    (``sanzhi.disclosure.chain``). ``content`` is the published text itself (JSON of strings,
    integers, booleans, lists and objects; no floats), so anyone holding the JSON can check it.
    """

    seq = models.BigIntegerField(unique=True)
    kind = models.CharField(max_length=16, choices=PublicationKind.choices)
    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="publications")
    node_path = PathField()
    # The node's code when published: codes may change later (node_move), the chain may not.
    node_code = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    # What was published, as "<app>.<model>:<id>" (disclosure.disclosure:12, deliberation.notice:3).
    ref = models.CharField(max_length=80)
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    corrects = models.ForeignKey(
        "self",
        to_field="seq",
        db_column="corrects_seq",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("公开发布")
        verbose_name_plural = _("公开发布")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["node_path", "seq"], name="publication_path_seq_idx"),
            models.Index(fields=["ref"], name="publication_ref_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.title}"


class PublicationHead(models.Model):
    """The chain's last link (one row, id 1): locked by every append, so seqs never fork."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class Area(models.TextChoices):
    """三务: the three kinds of public affairs a village (community) must disclose."""

    PARTY = "party", _("党务")
    AFFAIRS = "affairs", _("村(居)务")
    FINANCE = "finance", _("财务")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    PER_MATTER = "matter", _("逐项（随时）")


class DisclosurePlan(TimeStamped):
    """公开目录: one item of a community's disclosure calendar (e.g. 财务收支明细, monthly, due by the
    10th of the next month)."""

    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="disclosure_plans")
    node_path = PathField()
    area = models.CharField(_("公开类别"), max_length=16, choices=Area.choices)
    title = models.CharField(_("公开事项"), max_length=100)
    frequency = models.CharField(_("公开频次"), max_length=16, choices=Frequency.choices)
    # Days after the period ends by which the disclosure must be published (per matter: after
    # the matter's decision).
    due_days = models.PositiveSmallIntegerField(_("期限（天）"), default=10)
    description = models.TextField(_("说明"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("公开目录")
        verbose_name_plural = _("公开目录")
        ordering = ["node_path", "area", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["node", "area", "title"], name="disclosure_plan_unique")
        ]
        indexes = [models.Index(fields=["node_path"], name="disclosure_plan_path_idx")]

    def __str__(self) -> str:
        return self.title


class DisclosureStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")  # being written; not public
    PUBLISHED = "published", _("已公开")  # on the chain; immutable


class Disclosure(TimeStamped):
    """一期公开: a plan's disclosure for one period (``period``: "2026-10", "2026Q3"), or one per
    matter (no period). Published once; a mistake is corrected by a new disclosure (``corrects``)."""

    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="disclosures")
    node_path = PathField()
    plan = models.ForeignKey(
        DisclosurePlan, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    area = models.CharField(_("公开类别"), max_length=16, choices=Area.choices)
    title = models.CharField(_("标题"), max_length=200)
    period = models.CharField(_("所属期"), max_length=8, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    due_date = models.DateField(_("应公开日期"), null=True, blank=True)
    body = models.TextField(_("正文"), blank=True)
    status = models.CharField(max_length=16, choices=DisclosureStatus.choices, default=DisclosureStatus.DRAFT)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    # Why a correction was made; published with it, so the public sees the reason.
    correction_reason = models.CharField(_("更正原因"), max_length=200, blank=True)
    publication = models.OneToOneField(
        Publication, null=True, blank=True, on_delete=models.PROTECT, related_name="disclosure"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("公开内容")
        verbose_name_plural = _("公开内容")
        ordering = ["-period_end", "-id"]
        constraints = [
            # One original disclosure per plan and period; corrections share the period, and a
            # per-matter plan (no period) has as many as there are matters.
            models.UniqueConstraint(
                fields=["plan", "period"],
                condition=Q(corrects__isnull=True, plan__isnull=False) & ~Q(period=""),
                name="disclosure_plan_period_unique",
            ),
        ]
        indexes = [models.Index(fields=["node_path", "status"], name="disclosure_path_status_idx")]

    def __str__(self) -> str:
        return self.title


class FinanceDirection(models.TextChoices):
    INCOME = "income", _("收入")
    EXPENSE = "expense", _("支出")


class FinanceLine(models.Model):
    """财务公开明细: one income or expense of a finance disclosure. Amounts in fen (分), positive;
    the direction says which way the money went."""

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="lines")
    direction = models.CharField(_("收支"), max_length=8, choices=FinanceDirection.choices)
    date = models.DateField(_("日期"))
    item = models.CharField(_("摘要"), max_length=200)
    counterparty = models.CharField(_("对方单位/个人"), max_length=100, blank=True)
    voucher_no = models.CharField(_("凭证号"), max_length=40, blank=True)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    note = models.CharField(_("备注"), max_length=200, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("财务明细")
        verbose_name_plural = _("财务明细")
        ordering = ["disclosure_id", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="finance_line_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.item} {self.amount_fen}"
