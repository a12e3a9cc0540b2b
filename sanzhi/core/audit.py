from __future__ import annotations

from typing import Any

from django.db import models

from sanzhi.core.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: str = "",
    node_path: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    if subject is not None:
        subject_type = subject_type or subject._meta.label_lower
        subject_id = subject_id or str(subject.pk)
    return AuditEvent.objects.create(
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        node_path=node_path,
        data=data or {},
    )
