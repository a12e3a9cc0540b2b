"""API credentials: issuing and revoking the bearer token (DRF authtoken, one per user)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from rest_framework.authtoken.models import Token

from sanzhi.accounts.models import User
from sanzhi.core.audit import audit_record


@transaction.atomic
def api_token_issue(*, user: User, ip: str | None = None) -> Token:
    """The user's token, created on first login; an existing token is handed out again (one per user)."""
    token, created = Token.objects.get_or_create(user=user)
    audit_record(
        actor=user,
        action="api.token_issue",
        subject_type="accounts.user",
        subject_id=str(user.pk),
        data={"created": created, "ip": ip},
    )
    return token


@transaction.atomic
def api_token_revoke(*, actor: Any, ip: str | None = None) -> bool:
    """Delete the actor's token (log out of every API client); False when there was none."""
    deleted, _rows = Token.objects.filter(user=actor).delete()
    audit_record(
        actor=actor,
        action="api.token_revoke",
        subject_type="accounts.user",
        subject_id=str(actor.pk),
        data={"deleted": bool(deleted), "ip": ip},
    )
    return bool(deleted)
