"""议题附件 in the console: the matter page lists its documents (download through the scoped API
endpoint, which the console session is signed in to) and offers an upload form to whoever may add
one; the propose form takes files too. The rules are the service's (sanzhi.deliberation.attachments):
a refused upload comes back as its translated message and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanzhi.core.errors import DomainError
from sanzhi.deliberation.attachments import attachments_of, matter_attach, may_attach
from sanzhi.deliberation.models import Matter, MatterStatus
from sanzhi.tickets.inputs import ATTACHMENTS_MAX

# The codes of sanzhi.tickets.inputs.check_attachments: they belong under the file field.
FILE_ERRORS = {"attachment_type", "attachment_too_large", "too_many_attachments", "required"}
HELP = format_lazy(gettext_lazy("照片或 PDF，每次最多{n}个，每个不超过 10 MB"), n=ATTACHMENTS_MAX)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (Django's documented pattern); the service checks them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(d, initial) for d in data if d]
        return [one(data, initial)] if data else []


class AttachForm(forms.Form):
    """The files of an upload on the matter page, or of the propose form."""

    attachments = MultipleFileField(label=gettext_lazy("附件"), required=False, help_text=HELP)


def file_error(form: forms.Form, field: str, exc: DomainError) -> bool:
    """Put a refused upload's message under the form's file field; False for any other error."""
    if exc.code not in FILE_ERRORS or (exc.data or {}).get("field") not in (None, "files", field):
        return False
    form.add_error(field, exc.message)
    return True


def attachment_rows(matter: Matter) -> list[dict[str, Any]]:
    return [
        {
            "info": info,
            "url": reverse("api:deliberation-matter-attachment", kwargs={"id": matter.pk, "aid": info.id}),
        }
        for info in attachments_of(matter)
    ]


def attach_form_for(user: Any, matter: Matter, bound: dict[str, forms.Form]) -> forms.Form | None:
    """The upload form on the matter page, for whoever may add files while the matter is open."""
    if matter.status != MatterStatus.ACTIVE or not may_attach(user, matter):
        return None
    return bound.get("attach") or AttachForm()


def attach_action(request: HttpRequest, matter: Matter) -> tuple[forms.Form, Callable[[], str]]:
    """``matter_act``'s handler for ``attach``."""
    form = AttachForm(request.POST, request.FILES)

    def run() -> str:
        saved = matter_attach(actor=request.user, matter=matter, files=form.cleaned_data["attachments"])
        return _("已上传{n}个附件").format(n=len(saved))

    return form, run
