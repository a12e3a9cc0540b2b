"""Forms of the points console pages (积分). They shape the request; the services validate the domain
(ranges, evidence, caps, balances, stock) and their translated errors are shown on the form.

Account choices are checked in the view against a scoped read, so a tampered id is an error.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.points.models import Donor, Evidence, Goods, Rule, Scheme, StockKind

NOTE_MAX = 500


def rule_label(rule: Rule) -> str:
    points = f"{rule.points_min:+d}" if rule.fixed else f"{rule.points_min}～{rule.points_max}"
    council = f" · {rule.council}" if rule.council else ""
    return f"{rule.item}（{points}）{council}"


def rule_choices(scheme: Scheme) -> list[tuple[Any, Any]]:
    """Active rules grouped by category (an <optgroup> each), in catalog order."""
    groups: dict[str, list[tuple[int, str]]] = {}
    rules = Rule.objects.filter(scheme=scheme, active=True).select_related("category")
    for rule in rules.order_by("category__order", "category_id", "order", "id"):
        groups.setdefault(rule.category.name, []).append((rule.pk, rule_label(rule)))
    return [("", _("请选择积分细则")), *groups.items()]


class RecordForm(forms.Form):
    """一事一记录, on a phone: who, which rule (a value for range rules), a note, a photo, the day."""

    # An account id, or h<id> / r<id> for a holder whose account opens with this record.
    account = forms.CharField(
        label=_("积分对象"),
        max_length=20,
        widget=forms.HiddenInput,
        error_messages={"required": _("请选择积分对象")},
    )
    rule = forms.TypedChoiceField(label=_("积分细则"), coerce=int)
    points = forms.IntegerField(
        label=_("分值"), required=False, help_text=_("分值可选范围的细则须填写；固定分值的细则可不填")
    )
    note = forms.CharField(
        label=_("说明"), required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.FileField(
        label=_("佐证照片"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    approve = forms.BooleanField(label=_("当场审核通过"), required=False)

    def __init__(self, *args: Any, scheme: Scheme, can_approve: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule_field: Any = self.fields["rule"]
        rule_field.choices = rule_choices(scheme)
        self.fields["day"].initial = timezone.localdate()
        if can_approve:
            self.fields["approve"].widget.attrs["class"] = "form-check-input"
        else:
            del self.fields["approve"]
        for name, field in self.fields.items():
            if name in ("account", "approve"):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css


class DecideForm(forms.Form):
    """The review: a batch of claims approved or rejected with one note."""

    entry = forms.TypedMultipleChoiceField(
        coerce=int, error_messages={"required": _("请选择要审核的积分申报")}
    )
    decision = forms.ChoiceField(choices=[("approve", _("通过")), ("reject", _("驳回"))])
    note = forms.CharField(label=_("审核意见"), required=False, max_length=NOTE_MAX)

    def __init__(self, *args: Any, entry_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entry_field: Any = self.fields["entry"]
        entry_field.choices = [(pk, pk) for pk in entry_ids]


class ReverseForm(forms.Form):
    note = forms.CharField(label=_("冲正原因"), max_length=NOTE_MAX)


class RedeemForm(forms.Form):
    """兑换 at the counter on a holder's behalf. ``request_key`` is made when the form is shown, so a
    double submit (or a retry after a timeout) redeems once."""

    account = forms.IntegerField(
        label=_("兑换账户"), widget=forms.HiddenInput, error_messages={"required": _("请选择兑换账户")}
    )
    goods = forms.TypedChoiceField(label=_("商品"), coerce=int)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=100, initial=1)
    request_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, goods: list[Goods], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        goods_field: Any = self.fields["goods"]
        goods_field.choices = [("", _("请选择商品"))] + [
            (g.pk, _("{name}（{price} 分，库存 {stock}）").format(name=g.name, price=g.price, stock=g.stock))
            for g in goods
        ]
        self.fields["request_key"].initial = uuid.uuid4().hex
        self.fields["goods"].widget.attrs["class"] = "form-select"
        self.fields["quantity"].widget.attrs["class"] = "form-control"


class RestockForm(forms.Form):
    goods = forms.TypedChoiceField(label=_("商品"), coerce=int)
    quantity = forms.IntegerField(label=_("数量"))
    kind = forms.ChoiceField(
        label=_("类型"), choices=[(StockKind.RESTOCK, _("入库")), (StockKind.ADJUST, _("盘点调整"))]
    )
    donor = forms.TypedChoiceField(label=_("捐赠方"), coerce=int, required=False, empty_value=None)
    note = forms.CharField(label=_("备注"), required=False, max_length=200)

    def __init__(self, *args: Any, goods: list[Goods], donors: list[Donor], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        goods_field: Any = self.fields["goods"]
        goods_field.choices = [("", _("请选择商品"))] + [(g.pk, g.name) for g in goods]
        donor_field: Any = self.fields["donor"]
        donor_field.choices = [("", _("无"))] + [(d.pk, d.name) for d in donors]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200)


class RuleForm(forms.Form):
    """One rule of the catalog. The code is fixed once created (entries refer to it)."""

    category = forms.TypedChoiceField(label=_("类别"), coerce=int)
    code = forms.CharField(label=_("编码"), max_length=40)
    item = forms.CharField(label=_("事项"), max_length=200)
    points_min = forms.IntegerField(label=_("最低分值"), help_text=_("扣分项填负数"))
    points_max = forms.IntegerField(label=_("最高分值"), required=False, help_text=_("固定分值留空"))
    evidence = forms.ChoiceField(label=_("佐证要求"), choices=Evidence.choices)
    council = forms.CharField(
        label=_("审批机构"), max_length=40, required=False, help_text=_("如“道德评议会”；留空为月度审核")
    )
    cap_per_period = forms.IntegerField(label=_("每周期次数上限"), required=False, min_value=1)

    def __init__(self, *args: Any, scheme: Scheme, rule: Rule | None = None, **kwargs: Any) -> None:
        if rule is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "category": rule.category_id,
                "code": rule.code,
                "item": rule.item,
                "points_min": rule.points_min,
                "points_max": None if rule.fixed else rule.points_max,
                "evidence": rule.evidence,
                "council": rule.council,
                "cap_per_period": rule.cap_per_period,
            }
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.categories = {c.pk: c for c in scheme.categories.all()}
        category_field: Any = self.fields["category"]
        category_field.choices = [(c.pk, c.name) for c in self.categories.values()]
        if rule is not None:
            del self.fields["code"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        low = data["points_min"]
        return {
            "category": self.categories[data["category"]],
            "item": data["item"],
            "points_min": low,
            "points_max": low if data["points_max"] is None else data["points_max"],
            "evidence": data["evidence"],
            "council": data["council"],
            "cap_per_period": data["cap_per_period"],
        }


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs["class"] = "form-check-input"
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select"
        else:
            field.widget.attrs["class"] = "form-control"


class GoodsForm(forms.Form):
    """上架 / 编辑商品 (the stock moves only by restocks, never by editing)."""

    name = forms.CharField(label=_("商品名称"), max_length=60)
    unit = forms.CharField(label=_("单位"), max_length=10, initial="件")
    price = forms.IntegerField(label=_("所需积分"), min_value=1)
    donor = forms.TypedChoiceField(label=_("捐赠方"), coerce=int, required=False, empty_value=None)
    per_account_limit = forms.IntegerField(label=_("每户每期限兑"), min_value=1, required=False)
    window_only = forms.BooleanField(label=_("仅集中兑换"), required=False)
    initial_stock = forms.IntegerField(label=_("初始库存"), min_value=0, initial=0, required=False)
    active = forms.BooleanField(label=_("上架"), required=False)

    def __init__(self, *args: Any, donors: list[Donor], goods: Goods | None = None, **kwargs: Any) -> None:
        if goods is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": goods.name,
                "unit": goods.unit,
                "price": goods.price,
                "donor": goods.donor_id,
                "per_account_limit": goods.per_account_limit,
                "window_only": goods.window_only,
                "active": goods.active,
            }
        super().__init__(*args, **kwargs)
        self.donors = {d.pk: d for d in donors}
        donor_field: Any = self.fields["donor"]
        donor_field.choices = [("", _("无"))] + [(d.pk, d.name) for d in donors]
        if goods is None:
            del self.fields["active"]
        else:
            del self.fields["initial_stock"]
        _style(self)

    def chosen_donor(self) -> Donor | None:
        pk = self.cleaned_data.get("donor")
        return self.donors.get(pk) if pk is not None else None


class DonorForm(forms.Form):
    name = forms.CharField(label=_("捐赠方名称"), max_length=60)
    kind = forms.CharField(
        label=_("类型"), max_length=20, required=False, help_text=_("乡贤 / 企业 / 单位 / 个人")
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class WindowForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=60, help_text=_("如“第四季度集中兑换日”"))
    starts_at = forms.DateTimeField(
        label=_("开始"), widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("结束"), widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class TierForm(forms.Form):
    name = forms.CharField(label=_("档次名称"), max_length=30)
    rank_max = forms.IntegerField(label=_("排名前"), min_value=1)
    discount_percent = forms.IntegerField(label=_("折扣（%）"), min_value=0, max_value=90, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class TierAssignForm(forms.Form):
    period = forms.CharField(label=_("总结周期"), max_length=7, help_text=_("如 2025（按年总结）"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)
