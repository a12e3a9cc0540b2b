from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from sanzhi.core.models import TimeStamped


class NodeKind(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("区县")
    TOWNSHIP = "township", _("街道/乡镇")
    VILLAGE = "village", _("社区/村")
    GRID = "grid", _("网格")


ADMIN_KINDS = (NodeKind.PROVINCE, NodeKind.CITY, NodeKind.COUNTY, NodeKind.TOWNSHIP, NodeKind.VILLAGE)


class Node(MP_Node):
    """治理节点: one place in the governance tree, from district down to micro-grid (微网格/联户单元).

    The tree is a materialized path (treebeard), so a subtree is one indexed prefix range; big tables
    (households, residents, later tickets) copy the path to filter without a join.
    """

    steplen = 4
    # No node_order_by: sorted insertion renumbers the paths of later siblings, which would stale the
    # path copies on households. Children are appended; screens order by code. A path changes only
    # through grids.services.node_move, which rewrites the copies in the same transaction.

    code = models.CharField(_("编码"), max_length=30, unique=True)
    code_edition = models.PositiveSmallIntegerField(_("编码版本年份"))
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=16, choices=NodeKind.choices)
    # The local word for this level (街道, 镇, 乡, 社区, 村, 网格, 微网格, 楼栋, 联户单元 …).
    label = models.CharField(_("层级名称"), max_length=16)
    # 0 for administrative levels; 1 for the first grid level under a community/village, 2 below it, …
    grid_level = models.PositiveSmallIntegerField(default=0)
    # Rollup: households/residents attached directly to this node, kept by people services.
    households_direct = models.PositiveIntegerField(default=0)
    residents_direct = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("治理节点")
        verbose_name_plural = _("治理节点")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="grid", grid_level__gte=1)
                | (~models.Q(kind="grid") & models.Q(grid_level=0)),
                name="node_grid_level_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def is_admin(self) -> bool:
        return self.kind != NodeKind.GRID

    @property
    def district_path(self) -> str:
        return self.path[: self.steplen]


class GridScheme(TimeStamped):
    """网格方案: a jurisdiction's own settings; applies to its subtree unless a deeper scheme overrides."""

    node = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="scheme")
    name = models.CharField(_("方案名称"), max_length=100)
    rep_min_households = models.PositiveSmallIntegerField(_("联户长最少联系户数"), default=15)
    rep_max_households = models.PositiveSmallIntegerField(_("联户长最多联系户数"), default=30)
    # Level words by grid level below the community: {"1": "网格", "2": "微网格"}.
    grid_level_labels = models.JSONField(_("网格层级名称"), default=dict, blank=True)

    class Meta:
        verbose_name = _("网格方案")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rep_min_households__lte=models.F("rep_max_households")),
                name="scheme_rep_bounds_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name


class NodeCodeChange(models.Model):
    """编码变更: re-gridding re-issues codes; the old code stays findable for old paper and exports."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="code_changes")
    old_code = models.CharField(max_length=30, db_index=True)
    new_code = models.CharField(max_length=30)
    edition = models.PositiveSmallIntegerField()
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.old_code} → {self.new_code} ({self.edition})"


class PartyOrgKind(models.TextChoices):
    COMMITTEE = "committee", _("党委")
    GENERAL_BRANCH = "general_branch", _("党总支")
    BRANCH = "branch", _("党支部")
    GROUP = "group", _("党小组")
    CENTRAL_HOUSEHOLD = "central_household", _("党员中心户")


class PartyOrganization(TimeStamped):
    """党组织: committee → general branch → branch → group → 党员中心户, each attached to a tree node."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=PartyOrgKind.choices)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="party_orgs")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    secretary_name = models.CharField(_("书记/负责人"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")

    def __str__(self) -> str:
        return self.name
