"""Points (积分制 / 道德银行 / 健康银行): schemes, rule catalogs, accounts, the ledger, stars, red/black
lists and the points supermarket (积分超市).

The ledger is append-only and hash-chained per scheme: an award is a *claim*; the review's approval
is a second entry that moves the balances; a correction is a reversal entry. An account's cached
balances always equal the sums of its entries' deltas (``sanzhi points reconcile`` proves it) and
never go below zero (check constraints). Only ``sanzhi.points`` services write these rows.

Lock order, everywhere: accounts (by id) → goods (by id) → the scheme's chain head.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sanzhi.core.fields import PathField
from sanzhi.core.models import TimeStamped
from sanzhi.points.periods import PeriodKind

GENESIS_HASH = "0" * 64


class Subject(models.TextChoices):
    HOUSEHOLD = "household", _("户")
    RESIDENT = "resident", _("居民")
    GRID_WORKER = "grid_worker", _("网格员")
    PARTY_MEMBER = "party_member", _("党员")


class Evidence(models.TextChoices):
    NONE = "none", _("无需佐证")
    PHOTO = "photo", _("照片")
    NOTE = "note", _("文字说明")
    PHOTO_OR_NOTE = "photo_or_note", _("照片或文字说明")


class Scheme(TimeStamped):
    """积分方案: one jurisdiction's points scheme for one kind of subject (户, 居民, 网格员, 党员).

    Periods: reviewed monthly, redeemed quarterly, summarised yearly by default (一月一审核、
    一季一兑现、一年一总结). The chain head (``head_seq``, ``head_hash``) is the last ledger entry.
    """

    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="points_schemes")
    node_path = PathField()
    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    # The published model this scheme was adopted from (daode_bank, shixing, houma_grid), if any.
    template = models.CharField(_("来源模板"), max_length=40, blank=True)
    subject = models.CharField(_("积分对象"), max_length=16, choices=Subject.choices)
    description = models.TextField(_("说明"), blank=True)
    base_score = models.PositiveIntegerField(_("基础分"), default=0)
    # Whether the base score may be spent in the supermarket (道德银行: no, only honour points).
    base_redeemable = models.BooleanField(_("基础分可兑换"), default=False)
    review_period = models.CharField(
        _("评审周期"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    redeem_period = models.CharField(
        _("兑现周期"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.QUARTER
    )
    summary_period = models.CharField(
        _("总结周期"), max_length=8, choices=PeriodKind.choices, default=PeriodKind.YEAR
    )
    # Most points a subject may gain in one review period, all rules together (None: no cap).
    period_cap = models.PositiveIntegerField(_("每周期积分上限"), null=True, blank=True)
    council = models.CharField(_("评议机构"), max_length=40, blank=True)  # 道德评议会, 评分组 …
    redeem_anytime = models.BooleanField(_("随时兑换"), default=True)
    red_list_size = models.PositiveSmallIntegerField(_("红榜人数"), default=10)
    black_list_size = models.PositiveSmallIntegerField(_("黑榜人数"), default=10)
    appeal_days = models.PositiveSmallIntegerField(_("异议期（天）"), default=7)
    active = models.BooleanField(_("启用"), default=True)
    head_seq = models.BigIntegerField(default=0, editable=False)
    head_hash = models.CharField(max_length=64, default=GENESIS_HASH, editable=False)

    class Meta:
        verbose_name = _("积分方案")
        verbose_name_plural = _("积分方案")
        constraints = [models.UniqueConstraint(fields=["node", "code"], name="points_scheme_code_unique")]
        indexes = [models.Index(fields=["node_path"], name="points_scheme_path_idx")]

    def __str__(self) -> str:
        return self.name


class RuleCategory(models.Model):
    """积分类别: 社会公德 / 职业道德 …, or one star of 十星 (爱党爱国星 …), or a grid-worker class."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="categories")
    code = models.SlugField(_("编码"), max_length=40)
    name = models.CharField(_("名称"), max_length=40)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("积分类别")
        verbose_name_plural = _("积分类别")
        ordering = ["scheme_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="points_category_code_unique")]

    def __str__(self) -> str:
        return self.name


class Rule(TimeStamped):
    """积分细则: an item of the catalog worth a fixed number of points or any value in a range
    (negative for deductions), with the evidence it needs, the council that must approve it, and a
    cap per subject per review period."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="rules")
    category = models.ForeignKey(RuleCategory, on_delete=models.PROTECT, related_name="rules")
    code = models.CharField(_("编码"), max_length=40)
    item = models.CharField(_("事项"), max_length=200)
    points_min = models.IntegerField(_("最低分值"))
    points_max = models.IntegerField(_("最高分值"))  # == points_min for a fixed value
    evidence = models.CharField(_("佐证要求"), max_length=16, choices=Evidence.choices, default=Evidence.NONE)
    # Approval by a named council (道德评议会 …) rather than the ordinary monthly review.
    council = models.CharField(_("审批机构"), max_length=40, blank=True)
    cap_per_period = models.PositiveIntegerField(_("每周期次数上限"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("积分细则")
        verbose_name_plural = _("积分细则")
        ordering = ["scheme_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="points_rule_code_unique"),
            models.CheckConstraint(
                condition=Q(points_min__lte=models.F("points_max")), name="points_rule_range"
            ),
            models.CheckConstraint(
                condition=Q(points_min__gte=0) | Q(points_max__lte=0), name="points_rule_one_sign"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.item}"

    @property
    def fixed(self) -> bool:
        return self.points_min == self.points_max

    @property
    def is_deduction(self) -> bool:
        return self.points_max < 0


class Account(models.Model):
    """积分账户: one subject in one scheme. ``total`` (累计积分: base + approved awards − deductions)
    ranks and earns stars; ``redeemable`` (可兑换积分) is what the supermarket may spend."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="accounts")
    subject = models.CharField(max_length=16, choices=Subject.choices)
    household = models.ForeignKey(
        "people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="points_accounts"
    )
    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="points_accounts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="points_accounts",
    )
    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="+")
    node_path = PathField()
    name = models.CharField(_("名称"), max_length=100)
    total = models.IntegerField(_("累计积分"), default=0)
    redeemable = models.IntegerField(_("可兑换积分"), default=0)
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0), name="points_account_total_nonneg"),
            models.CheckConstraint(condition=Q(redeemable__gte=0), name="points_account_redeemable_nonneg"),
            models.CheckConstraint(
                condition=(
                    Q(household__isnull=False, resident__isnull=True, user__isnull=True)
                    | Q(household__isnull=True, resident__isnull=False, user__isnull=True)
                    | Q(household__isnull=True, resident__isnull=True, user__isnull=False)
                ),
                name="points_account_one_holder",
            ),
            models.UniqueConstraint(
                fields=["scheme", "household"],
                condition=Q(household__isnull=False),
                name="points_account_household",
            ),
            models.UniqueConstraint(
                fields=["scheme", "resident"],
                condition=Q(resident__isnull=False),
                name="points_account_resident",
            ),
            models.UniqueConstraint(
                fields=["scheme", "user"], condition=Q(user__isnull=False), name="points_account_user"
            ),
        ]
        indexes = [
            # Rankings: a scheme's accounts by total, highest first (top-N is an index scan).
            models.Index(
                models.F("scheme"), models.F("total").desc(), models.F("id"), name="points_account_rank"
            ),
            models.Index(fields=["node_path", "id"], name="points_account_path_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class CategoryBalance(models.Model):
    """Net approved points of an account in one category (may be negative: a deduction there)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="category_balances")
    category = models.ForeignKey(RuleCategory, on_delete=models.PROTECT, related_name="+")
    points = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "category"], name="points_category_balance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.category_id}: {self.points}"


class EntryKind(models.TextChoices):
    BASE = "base", _("基础分")  # the scheme's base score, credited when the account opens
    AWARD = "award", _("积分申报")  # a claim under a rule (+ or −); moves nothing until approved
    APPROVAL = "approval", _("审核通过")  # moves the claim's points into the balances
    REJECTION = "rejection", _("审核驳回")  # closes a claim; moves nothing
    REVERSAL = "reversal", _("冲正")  # undoes an approved claim's effect
    REDEMPTION = "redemption", _("兑换")  # spends redeemable points in the supermarket
    REFUND = "refund", _("兑换退回")  # gives a cancelled redemption's points back


DECISION_KINDS = (EntryKind.APPROVAL, EntryKind.REJECTION)


class Entry(models.Model):
    """积分流水: one append-only, hash-chained ledger line. ``total_delta`` and
    ``redeemable_delta`` are what it did to the balances (zero for claims and rejections);
    ``claimed`` is what a claim asked for. Never updated, never deleted (a database trigger refuses
    UPDATE); ``hash`` covers every field and the previous entry's hash in the scheme."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="entries")
    seq = models.BigIntegerField()
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    category = models.ForeignKey(
        RuleCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    # The claim an approval, rejection or reversal is about.
    target = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="followups"
    )
    redemption = models.ForeignKey(
        "points.Redemption", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    claimed = models.IntegerField(default=0)
    total_delta = models.IntegerField(default=0)
    redeemable_delta = models.IntegerField(default=0)
    month = models.CharField(max_length=7)  # the review month the entry counts in (2026-11)
    note = models.CharField(max_length=500, blank=True)
    council = models.CharField(max_length=40, blank=True)  # the council that approved, for approvals
    evidence = models.FileField(upload_to="points/evidence/%Y/%m/", blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "seq"], name="points_entry_seq_unique"),
            # A claim is decided once and reversed at most once; a redemption spends and refunds once.
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(kind__in=["approval", "rejection"]),
                name="points_entry_one_decision",
            ),
            models.UniqueConstraint(
                fields=["target"], condition=Q(kind="reversal"), name="points_entry_one_reversal"
            ),
            models.UniqueConstraint(
                fields=["redemption", "kind"],
                condition=Q(redemption__isnull=False),
                name="points_entry_one_per_redemption",
            ),
            models.UniqueConstraint(
                fields=["account"], condition=Q(kind="base"), name="points_entry_one_base"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "month"], name="points_entry_account_month"),
            models.Index(fields=["scheme", "kind", "month"], name="points_entry_scheme_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id}#{self.seq} {self.kind} {self.total_delta:+d}"


# ---------------------------------------------------------------- stars (十星级文明户)


class Star(models.Model):
    """星: earned in a review period by ``min_points`` or more in its category and, when
    ``no_deduction``, no approved deduction there in that period."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="stars")
    category = models.ForeignKey(RuleCategory, on_delete=models.PROTECT, related_name="stars")
    name = models.CharField(_("名称"), max_length=40)
    min_points = models.IntegerField(_("最低分"), default=1)
    no_deduction = models.BooleanField(_("当期无扣分"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("星级")
        verbose_name_plural = _("星级")
        ordering = ["scheme_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "name"], name="points_star_name_unique")]

    def __str__(self) -> str:
        return self.name


class StarEvaluation(models.Model):
    """One review period's star evaluation of a scheme (评星), done once."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="star_evaluations")
    month = models.CharField(max_length=7)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    evaluated_at = models.DateTimeField()
    gained = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scheme", "month"], name="points_star_evaluation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scheme_id} {self.month}"


class StarChangeKind(models.TextChoices):
    GAINED = "gained", _("创星")
    LOST = "lost", _("失星")


class StarChange(models.Model):
    evaluation = models.ForeignKey(StarEvaluation, on_delete=models.PROTECT, related_name="changes")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="star_changes")
    star = models.ForeignKey(Star, on_delete=models.PROTECT, related_name="changes")
    change = models.CharField(max_length=8, choices=StarChangeKind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "account", "star"], name="points_star_change_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.change} {self.star_id}"


class StarHolding(models.Model):
    """A star an account holds now (derived by the evaluations; kept for plaques and pages)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stars")
    star = models.ForeignKey(Star, on_delete=models.PROTECT, related_name="holders")
    since_month = models.CharField(max_length=7)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "star"], name="points_star_holding_unique")]

    def __str__(self) -> str:
        return f"{self.account_id} ★{self.star_id}"


# ---------------------------------------------------------------- 红黑榜


class BoardKind(models.TextChoices):
    RED = "red", _("红榜")
    BLACK = "black", _("黑榜")


class Board(models.Model):
    """红黑榜: an immutable published snapshot of one period's list for one node. A correction after
    an upheld appeal is a new revision that ``supersedes`` the old one."""

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="boards")
    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="+")
    node_path = PathField()
    period = models.CharField(max_length=7)  # a period key: 2026-11, 2026Q4, 2026
    kind = models.CharField(max_length=5, choices=BoardKind.choices)
    revision = models.PositiveSmallIntegerField(default=1)
    supersedes = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    rows = models.JSONField(default=list)  # [{"rank", "account", "name", "points", "reason"}]
    content_sha256 = models.CharField(max_length=64)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField()
    appeal_until = models.DateTimeField()

    class Meta:
        verbose_name = _("红黑榜")
        verbose_name_plural = _("红黑榜")
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "node", "period", "kind", "revision"], name="points_board_unique"
            )
        ]
        indexes = [models.Index(fields=["node_path", "period"], name="points_board_path_idx")]

    def __str__(self) -> str:
        return f"{self.period} {self.kind} r{self.revision}"


class AppealState(models.TextChoices):
    PENDING = "pending", _("待处理")
    UPHELD = "upheld", _("异议成立")
    DISMISSED = "dismissed", _("异议不成立")


class BoardAppeal(models.Model):
    """异议: a subject (or anyone in scope) objects to a board line inside the appeal window."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="appeals")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("理由"), max_length=500)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=AppealState.choices, default=AppealState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"appeal {self.pk} on board {self.board_id}"


# 积分超市: defined in models_store (for size), part of this module's namespace.
from sanzhi.points.models_store import (  # noqa: E402
    AccountTier,
    Donor,
    Goods,
    Redemption,
    RedemptionState,
    RedemptionWindow,
    StockKind,
    StockMovement,
    Tier,
)

__all__ = [
    "DECISION_KINDS",
    "GENESIS_HASH",
    "Account",
    "AccountTier",
    "AppealState",
    "Board",
    "BoardAppeal",
    "BoardKind",
    "CategoryBalance",
    "Donor",
    "Entry",
    "EntryKind",
    "Evidence",
    "Goods",
    "Redemption",
    "RedemptionState",
    "RedemptionWindow",
    "Rule",
    "RuleCategory",
    "Scheme",
    "Star",
    "StarChange",
    "StarChangeKind",
    "StarEvaluation",
    "StarHolding",
    "StockKind",
    "StockMovement",
    "Subject",
    "Tier",
]
