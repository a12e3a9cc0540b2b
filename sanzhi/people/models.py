from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanzhi.core.fields import PathField
from sanzhi.core.models import TimeStamped
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


class TagSubject(models.TextChoices):
    HOUSEHOLD = "household", _("户")
    RESIDENT = "resident", _("人")


class Tag(models.Model):
    """标签: 低保户, 独居老人, 残疾人, 留守儿童 …; sensitive ones (社区矫正, 精神障碍, 吸毒) need
    the people.view_sensitive capability at the subject's node to be seen at all."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    name_en = models.CharField(max_length=60, blank=True)
    subject = models.CharField(_("适用对象"), max_length=10, choices=TagSubject.choices)
    sensitive = models.BooleanField(_("敏感"), default=False)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["sensitive", "code"]

    def __str__(self) -> str:
        return self.name


class Household(TimeStamped):
    """户: one dwelling household, attached to exactly one micro-grid (联户单元)."""

    number = models.CharField(_("户编号"), max_length=32, null=True, blank=True)
    node = models.ForeignKey("grids.Node", on_delete=models.PROTECT, related_name="households")
    node_path = PathField()
    address = models.CharField(_("住址"), max_length=200)
    kind = models.CharField(
        _("户类型"), max_length=12, choices=HouseholdKind.choices, default=HouseholdKind.FAMILY
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="households")

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        indexes = [models.Index(fields=["node_path", "id"], name="household_path_idx")]
        # Constraints rather than unique=True: PostgreSQL then gets no second LIKE index that
        # every bulk load would have to maintain for searches nobody runs.
        constraints = [models.UniqueConstraint(fields=["number"], name="household_number_unique")]

    def __str__(self) -> str:
        return self.number or self.address


class Resident(TimeStamped):
    """人 (实有人口): registry fields after GB/T 31000-2015; sex and birth date come from the ID number."""

    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="members")
    node_path = PathField()
    name = models.CharField(_("姓名"), max_length=50)
    id_type = models.CharField(
        _("证件类型"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID
    )
    id_number = models.CharField(_("证件号码"), max_length=18)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=2, choices=Relation.choices)
    ethnicity = models.CharField(_("民族"), max_length=2, choices=ETHNICITY_CHOICES, default="01")
    political_status = models.CharField(
        _("政治面貌"), max_length=2, choices=PoliticalStatus.choices, default=PoliticalStatus.MASSES
    )
    party_org = models.ForeignKey(
        "grids.PartyOrganization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        db_index=False,  # partial index below: most residents are not party members
    )
    education = models.CharField(_("文化程度"), max_length=2, choices=Education.choices, blank=True)
    marital_status = models.CharField(_("婚姻状况"), max_length=2, choices=MaritalStatus.choices, blank=True)
    occupation = models.CharField(_("职业"), max_length=60, blank=True)
    residence_type = models.CharField(
        _("人口类别"), max_length=12, choices=ResidenceType.choices, default=ResidenceType.REGISTERED
    )
    registered_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="resident"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="residents")

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        indexes = [
            models.Index(fields=["node_path", "id"], name="resident_path_idx"),
            models.Index(
                fields=["party_org"],
                name="resident_party_org_idx",
                condition=models.Q(party_org__isnull=False),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number"], name="resident_id_number_unique"),
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(relation="02"), name="one_head_per_household"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PiiAccess(models.Model):
    """PII 查看记录: every reveal of a full ID number or phone — who, whom, when, why."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="pii_accesses")
    node_path = PathField()
    reason = models.CharField(_("查看事由"), max_length=200)
    channel = models.CharField(max_length=10)  # web / api / export
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")

    def __str__(self) -> str:
        return f"{self.actor_id} → {self.resident_id} @ {self.at:%Y-%m-%d %H:%M}"
