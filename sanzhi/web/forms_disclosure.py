"""Forms of the disclosure console (三务公开). They shape the request — yuan text to fen, a date, a
choice — and the services in ``sanzhi.disclosure`` decide the domain (periods, plan, drafts only,
amounts > 0); their translated errors come back onto these forms.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanzhi.disclosure.finance_io import AmountError, format_yuan, parse_yuan
from sanzhi.disclosure.models import Area, DisclosurePlan, FinanceDirection, FinanceLine, Frequency

UPLOAD_MAX_BYTES = 5 * 1024 * 1024


def _bound(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    return (bool(args) and args[0] is not None) or kwargs.get("data") is not None


def _bootstrap(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs["class"] = "form-check-input"
        elif isinstance(widget, forms.Select):
            widget.attrs["class"] = "form-select"
        else:
            widget.attrs.setdefault("class", "form-control")


class PlanForm(forms.Form):
    """One item of the 公开目录. The area is chosen once (it names the plan with its title)."""

    area = forms.ChoiceField(label=gettext_lazy("公开类别"), choices=Area.choices)
    title = forms.CharField(label=gettext_lazy("公开事项"), max_length=100)
    frequency = forms.ChoiceField(label=gettext_lazy("公开频次"), choices=Frequency.choices)
    due_days = forms.IntegerField(
        label=gettext_lazy("期限（天）"), help_text=gettext_lazy("所属期结束后多少天内公开"), initial=10
    )
    description = forms.CharField(
        label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    order = forms.IntegerField(label=gettext_lazy("排序"), required=False, initial=0, min_value=0)

    def __init__(self, *args: Any, plan: DisclosurePlan | None = None, **kwargs: Any) -> None:
        if plan is not None and not _bound(args, kwargs):
            kwargs["initial"] = {
                "area": plan.area,
                "title": plan.title,
                "frequency": plan.frequency,
                "due_days": plan.due_days,
                "description": plan.description,
                "order": plan.order,
            }
        super().__init__(*args, **kwargs)
        if plan is not None:
            del self.fields["area"]
        _bootstrap(self)


class DraftForm(forms.Form):
    """起草: a plan's period (from the calendar) or a free-standing disclosure of an area."""

    plan = forms.TypedChoiceField(
        label=gettext_lazy("公开事项"), coerce=int, required=False, empty_value=None
    )
    area = forms.ChoiceField(label=gettext_lazy("公开类别"), choices=Area.choices, required=False)
    title = forms.CharField(
        label=gettext_lazy("标题"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("留空则使用公开事项的名称"),
    )
    period = forms.CharField(
        label=gettext_lazy("所属期"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("月份如 2026-10，季度如 2026Q4；逐项公开可不填"),
    )
    body = forms.CharField(
        label=gettext_lazy("正文"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, plans: list[DisclosurePlan], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        plan_field: Any = self.fields["plan"]
        plan_field.choices = [
            ("", _("不属于公开目录（单独公开）")),
            *[(p.pk, f"{p.get_area_display()} · {p.title}（{p.get_frequency_display()}）") for p in plans],
        ]
        _bootstrap(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("plan") is None and not data.get("area"):
            self.add_error("area", _("请选择公开类别"))
        return data


class DraftEditForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("标题"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("正文"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class LineForm(forms.Form):
    """一条收支: the amount typed in yuan ("1,234.50"), kept in fen."""

    direction = forms.ChoiceField(label=gettext_lazy("收支"), choices=FinanceDirection.choices)
    date = forms.DateField(
        label=gettext_lazy("日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    item = forms.CharField(label=gettext_lazy("摘要"), max_length=200)
    counterparty = forms.CharField(label=gettext_lazy("对方单位/个人"), max_length=100, required=False)
    voucher_no = forms.CharField(label=gettext_lazy("凭证号"), max_length=40, required=False)
    amount = forms.CharField(
        label=gettext_lazy("金额（元）"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, line: FinanceLine | None = None, **kwargs: Any) -> None:
        if line is not None and not _bound(args, kwargs):
            kwargs["initial"] = {
                "direction": line.direction,
                "date": line.date,
                "item": line.item,
                "counterparty": line.counterparty,
                "voucher_no": line.voucher_no,
                "amount": format_yuan(line.amount_fen),
                "note": line.note,
            }
        super().__init__(*args, **kwargs)
        _bootstrap(self)
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            field.widget.attrs["class"] = (
                f"{css} form-control-sm" if "control" in css else f"{css} form-select-sm"
            )

    def clean_amount(self) -> int:
        try:
            return parse_yuan(self.cleaned_data["amount"])
        except AmountError as exc:
            raise forms.ValidationError(_(exc.message), code=exc.code) from None

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "direction": data["direction"],
            "date": data["date"],
            "item": data["item"],
            "amount_fen": data["amount"],
            "counterparty": data["counterparty"],
            "voucher_no": data["voucher_no"],
            "note": data["note"],
        }


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("收支明细文件（.xlsx 或 .csv）"))
    replace = forms.BooleanField(label=gettext_lazy("替换现有明细（否则追加在后）"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)
        self.fields["file"].widget.attrs["accept"] = ".xlsx,.csv"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = str(upload.name or "").lower()
        if not name.endswith((".xlsx", ".csv")):
            suffix = name.rsplit(".", 1)[-1] if "." in name else "?"
            raise forms.ValidationError(_("不支持的文件类型 {ext}，请使用 .xlsx 或 .csv").format(ext=suffix))
        if upload.size and upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("文件过大（上限 5 MB）"))
        return upload


class CorrectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("更正原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("例如：第 3 笔支出金额录入有误")}),
        error_messages={"required": gettext_lazy("请填写更正原因")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bootstrap(self)
