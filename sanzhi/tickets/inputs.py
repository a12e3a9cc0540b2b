"""Checks on what people type and upload, shared by intake and the loop's steps."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import ValidationFailed
from sanzhi.tickets.models import Ticket, TicketAttachment, TicketEvent

ATTACHMENT_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENTS_MAX = 9


def clean_text(value: str, *, field: str, label: Any, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(_("请填写{label}").format(label=label), code="required", data={"field": field})
    if len(value) > max_length:
        raise ValidationFailed(
            _("{label}不能超过{n}个字").format(label=label, n=max_length),
            code="too_long",
            data={"field": field},
        )
    return value


def clean_coordinate(value: Any, *, field: str, bound: int) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except ArithmeticError:
        number = None
    if number is None or not number.is_finite() or abs(number) > bound:
        raise ValidationFailed(_("坐标无效"), code="invalid_coordinate", data={"field": field})
    return number


def check_attachments(files: Sequence[UploadedFile]) -> None:
    if len(files) > ATTACHMENTS_MAX:
        raise ValidationFailed(_("最多上传{n}个附件").format(n=ATTACHMENTS_MAX), code="too_many_attachments")
    for f in files:
        if (f.content_type or "") not in ATTACHMENT_TYPES:
            raise ValidationFailed(
                _("附件 {name} 的格式不支持（请上传照片或 PDF）").format(name=f.name), code="attachment_type"
            )
        if (f.size or 0) > ATTACHMENT_MAX_BYTES:
            raise ValidationFailed(
                _("附件 {name} 超过 10 MB").format(name=f.name), code="attachment_too_large"
            )


def save_attachments(
    ticket: Ticket, event: TicketEvent | None, files: Sequence[UploadedFile], actor: Any
) -> None:
    for f in files:
        TicketAttachment.objects.create(
            ticket=ticket,
            event=event,
            file=f,
            name=(f.name or "")[:200],
            content_type=f.content_type or "",
            size=f.size or 0,
            uploaded_by=user_or_none(actor),
        )


def user_or_none(actor: Any) -> Any | None:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None
