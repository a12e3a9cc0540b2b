"""Console forms. Validation of domain data stays in services; these only shape the request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanzhi.core.models import CalendarDayKind
from sanzhi.grids.models import Node


class LoginForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=gettext_lazy("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


# The reasons a grid worker most often has; "其他" needs a note.
REVEAL_REASONS = [
    ("入户走访", gettext_lazy("入户走访")),
    ("诉求办理", gettext_lazy("诉求办理")),
    ("信息核实", gettext_lazy("信息核实")),
    ("其他", gettext_lazy("其他")),
]


class RevealForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("查看事由"), choices=[("", "——"), *REVEAL_REASONS], required=True
    )
    note = forms.CharField(label=gettext_lazy("说明"), max_length=150, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == "其他" and not (data.get("note") or "").strip():
            self.add_error("note", _("选择“其他”时请写明事由"))
        return data

    def reason_text(self) -> str:
        """What goes into the PII log: the chosen reason, then the note."""
        reason = self.cleaned_data["reason"]
        note = (self.cleaned_data.get("note") or "").strip()
        if reason == "其他":
            return note
        return f"{reason}: {note}" if note else reason


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("姓名、证件号码或手机尾号"), max_length=50, required=False)


ALLOWED_IMPORT_SUFFIXES = (".xlsx", ".csv")


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("户籍文件（.xlsx 或 .csv）"))
    node = forms.ChoiceField(label=gettext_lazy("导入到"), required=False)
    partial = forms.BooleanField(label=gettext_lazy("允许部分导入（跳过有错误的行）"), required=False)

    def __init__(self, *args: Any, nodes: list[Node], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.nodes = {n.code: n for n in nodes}
        node_field: Any = self.fields["node"]
        node_field.choices = [("", _("按文件中的网格编码"))] + [
            (n.code, f"{'　' * max(0, n.depth - nodes[0].depth)}{n.name}（{n.code}）") for n in nodes
        ]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in ALLOWED_IMPORT_SUFFIXES:
            raise forms.ValidationError(_("只支持 .xlsx 或 .csv 文件"), code="bad_suffix")
        limit = settings.SANZHI_IMPORT_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("文件太大（{size} MB），上限为 {limit} MB").format(
                    size=round(upload.size / 1024 / 1024, 1), limit=limit // 1024 // 1024
                ),
                code="too_large",
            )
        return upload

    def target(self) -> Node | None:
        code = self.cleaned_data.get("node") or ""
        return self.nodes.get(code)


class CalendarDayForm(forms.Form):
    """One entry of the working calendar (工作日历); its rules (no 调休 on a weekday …) are the service's."""

    date = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=CalendarDayKind.choices)
    name = forms.CharField(label=gettext_lazy("名称"), max_length=50, required=False)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)
