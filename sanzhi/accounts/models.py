from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.roles import Role
from sanzhi.core.fields import PathField


class User(AbstractUser):
    """账号. Scope and capabilities come from RoleAssignment rows, never from Django groups."""

    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("账号")
        verbose_name_plural = _("账号")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    """角色任命: a user holds a role at a node and so over that node's subtree."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    node = models.ForeignKey("grids.Node", on_delete=models.CASCADE, related_name="role_assignments")
    # Copy of node.path, rewritten when the subtree moves, so scope checks need no join.
    node_path = PathField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("角色任命")
        verbose_name_plural = _("角色任命")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "node"], name="role_assignment_unique")
        ]
        indexes = [models.Index(fields=["role", "node_path"], name="role_assignment_role_path")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.node_id}"


class LoginFailure(models.Model):
    """A failed login, counted per username and per client address to throttle guessing."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} @ {self.at:%Y-%m-%d %H:%M}"
