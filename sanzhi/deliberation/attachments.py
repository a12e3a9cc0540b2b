"""议题附件: the documents a matter carries (budgets, drawings, photos of the site, the scanned
request). The rules are the tickets' (sanzhi.tickets.inputs: photo or PDF, at most 10 MB each, at
most nine per upload); a matter takes them while it is open, and only from whoever may put a matter
forward or run deliberation at its node, or from its proposer.

A file is stored under a name of our making whose extension follows the checked content type
(the model keeps no content type): the download serves what the upload was checked to be.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.deliberation import flow, rules
from sanzhi.deliberation.models import Matter, MatterAttachment, MatterStatus
from sanzhi.deliberation.selectors import matter_get_for
from sanzhi.tickets.inputs import ATTACHMENT_TYPES, check_attachments, user_or_none

EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
}
assert set(EXTENSIONS) == ATTACHMENT_TYPES, "every accepted type needs its stored extension"
FALLBACK_TYPE = "application/octet-stream"


def may_attach(user: Any, matter: Matter) -> bool:
    """The proposer, or whoever may propose or run deliberation at the matter's node."""
    if not getattr(user, "is_authenticated", False):
        return False
    if matter.proposed_by_id is not None and matter.proposed_by_id == user.pk:
        return True
    return rules.can_run(user, matter) or rules.can_propose(user, matter)


def check_matter_files(files: Sequence[UploadedFile]) -> list[UploadedFile]:
    """The tickets' rules on what may be uploaded (type, size, count); raises before anything is written."""
    checked = list(files)
    check_attachments(checked)
    return checked


def save_matter_files(
    matter: Matter, files: Sequence[UploadedFile], *, actor: Any, now: dt.datetime
) -> list[MatterAttachment]:
    """Store already checked ``files`` on ``matter`` inside the caller's transaction, with the event
    (``attached``) and audit rows that tell who added what. A failure part-way removes the files
    stored so far before the error goes on, so a refused write leaves no file behind."""
    saved: list[MatterAttachment] = []
    stored: list[Any] = []  # the FieldFiles in storage, removed again if anything below fails
    try:
        for f in files:
            extension = EXTENSIONS.get(f.content_type or "", "")
            attachment = MatterAttachment(
                matter=matter,
                name=(f.name or "")[:200] or f"matter-{matter.pk}{extension}",
                content_type=f.content_type or "",
                size=f.size or 0,
                uploaded_by=user_or_none(actor),
            )
            attachment.file.save(f"matter-{matter.pk}{extension}", f, save=False)
            stored.append(attachment.file)
            attachment.save()
            saved.append(attachment)
        # uploaded_at is auto_now_add: set to the upload's time, also for a story told earlier.
        MatterAttachment.objects.filter(pk__in=[a.pk for a in saved]).update(uploaded_at=now)
        for attachment in saved:
            attachment.uploaded_at = now
        data = {"attachments": [a.pk for a in saved], "names": [a.name for a in saved]}
        flow.matter_event(
            matter, action="attached", actor=actor, now=now, step=matter.current_step, data=data
        )
        audit_record(
            actor=actor, action="deliberation.attach", subject=matter, node_path=matter.node_path, data=data
        )
    except Exception:
        # The rows roll back with the caller's transaction; the storage does not.
        for field_file in stored:
            field_file.storage.delete(field_file.name)
        raise
    return saved


@transaction.atomic
def matter_attach(
    *, actor: Any, matter: Matter, files: Sequence[UploadedFile], now: dt.datetime | None = None
) -> list[MatterAttachment]:
    """Add documents to an open matter (the proposer, or who may propose or run deliberation there)."""
    if not may_attach(actor, matter):
        raise Forbidden(_("无权为该议题上传附件"), code="forbidden")
    checked = check_matter_files(files)
    if not checked:
        raise ValidationFailed(_("请选择要上传的附件"), code="required", data={"field": "files"})
    locked = Matter.objects.select_for_update().get(pk=matter.pk)
    if locked.status != MatterStatus.ACTIVE:
        raise Conflict(_("该议题已经结束，不能再上传附件"), code="matter_closed")
    return save_matter_files(locked, checked, actor=actor, now=now or timezone.now())


def attachment_get_for(*, user: Any, matter_pk: int, pk: int) -> MatterAttachment:
    """One attachment of a matter the user may see (NotFound otherwise: its existence is not disclosed)."""
    matter = matter_get_for(user=user, pk=matter_pk)
    attachment = MatterAttachment.objects.filter(matter=matter, pk=pk).select_related("matter").first()
    if attachment is None:
        raise NotFound(_("附件不存在"), code="attachment_not_found")
    return attachment


def attachment_content_type(attachment: MatterAttachment) -> str:
    """What the upload was checked to be when it came in."""
    return attachment.content_type if attachment.content_type in ATTACHMENT_TYPES else FALLBACK_TYPE


def attachment_size(attachment: MatterAttachment) -> int | None:
    """Bytes as uploaded; None when the file is gone from storage."""
    if not attachment.file or not attachment.file.storage.exists(attachment.file.name):
        return None
    return attachment.size


@dataclass(frozen=True)
class AttachmentInfo:
    attachment: MatterAttachment
    content_type: str
    size: int | None

    @property
    def id(self) -> int:
        return int(self.attachment.pk)

    @property
    def name(self) -> str:
        return self.attachment.name


def attachments_of(matter: Matter) -> list[AttachmentInfo]:
    """The matter's attachments in upload order, with their type and size (for a detail page)."""
    rows = MatterAttachment.objects.filter(matter=matter).select_related("uploaded_by").order_by("id")
    return [AttachmentInfo(a, attachment_content_type(a), attachment_size(a)) for a in rows]
