"""Open311 client keys: create (shown once), revoke, authenticate. Only the SHA-256 is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.api.models import ApiKey
from sanzhi.core.audit import audit_record
from sanzhi.core.errors import NotFound, ValidationFailed
from sanzhi.grids.models import Node

PREFIX_LENGTH = 8
KEY_MAX_LENGTH = 200


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _new_secret() -> str:
    """A random URL-safe key that never starts with "-", so ``apikey revoke PREFIX`` reads as an argument."""
    while True:
        raw = secrets.token_urlsafe(32)
        if not raw.startswith("-"):
            return raw


@transaction.atomic
def apikey_create(
    *, actor: Any, name: str, node: Node | None = None, now: dt.datetime | None = None
) -> tuple[ApiKey, str]:
    """A new key and its secret, which is returned here once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("请填写密钥名称（不超过100字）"), code="invalid", data={"field": "name"})
    raw = _new_secret()
    key = ApiKey.objects.create(
        name=name,
        node=node,
        prefix=raw[:PREFIX_LENGTH],
        key_hash=_digest(raw),
        created_at=now or timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action="api.key_create",
        subject=key,
        node_path=node.path if node is not None else "",
        data={"name": name, "prefix": key.prefix, "node": node.code if node is not None else None},
    )
    return key, raw


def apikey_find(ref: str) -> ApiKey:
    """A key named by its id or its display prefix (the CLI's ``revoke`` argument)."""
    ref = (ref or "").strip()
    matches: list[ApiKey] = []
    if ref.isdigit():
        matches = list(ApiKey.objects.filter(pk=int(ref))) if int(ref) < 2**63 else []
    if not matches and ref:
        matches = list(ApiKey.objects.filter(prefix=ref[:PREFIX_LENGTH]))
    if not matches:
        raise NotFound(_("找不到密钥 {ref}").format(ref=ref[:20]), code="apikey_not_found")
    if len(matches) > 1:
        raise ValidationFailed(_("前缀 {ref} 对应多个密钥，请用编号").format(ref=ref[:20]), code="ambiguous")
    return matches[0]


@transaction.atomic
def apikey_revoke(*, actor: Any, key: ApiKey, now: dt.datetime | None = None) -> bool:
    """Revoke a key; False when it was already revoked (revoking twice changes nothing)."""
    now = now or timezone.now()
    changed = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now)
    if changed:
        audit_record(actor=actor, action="api.key_revoke", subject=key, data={"prefix": key.prefix})
    key.refresh_from_db(fields=["revoked_at"])
    return bool(changed)


def apikey_authenticate(raw: str, *, now: dt.datetime | None = None) -> ApiKey | None:
    """The active key for a presented secret, or None. The hash comparison is constant-time."""
    if not raw or len(raw) > KEY_MAX_LENGTH:
        return None
    digest = _digest(raw)
    for key in ApiKey.objects.filter(prefix=raw[:PREFIX_LENGTH], revoked_at__isnull=True).select_related(
        "node"
    ):
        if hmac.compare_digest(key.key_hash, digest):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now or timezone.now())
            return key
    return None


def apikey_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("node", "created_by").order_by("id")
