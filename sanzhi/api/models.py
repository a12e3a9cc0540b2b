"""API credentials for programs that are not users: Open311 client keys (接口密钥) and the tokens of
the service requests they post.

A key is shown once when created and stored only as its SHA-256; ``prefix`` (its first characters)
names it in listings and narrows the lookup before the constant-time comparison.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """接口密钥: one Open311 client (a city app, a hotline system), optionally tied to a landing node."""

    name = models.CharField(_("名称"), max_length=100)
    # Requests posted with this key land here unless they name a node inside it.
    node = models.ForeignKey(
        "grids.Node",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("默认落地节点"),
    )
    prefix = models.CharField(_("前缀"), max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class Open311Request(models.Model):
    """A service request posted through Open311: its token (for ``tokens/{token}``) and the key used."""

    token = models.CharField(max_length=40, unique=True)
    ticket = models.OneToOneField("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="requests")
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.token} → {self.ticket_id}"
