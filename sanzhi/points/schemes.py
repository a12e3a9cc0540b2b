"""Scheme and rule-catalog services: adopt a published scheme, edit a scheme, its categories and rules.

A rule that entries already use keeps its points: its value and its category are what those
entries were claimed and approved under, so changing them is refused (stop the rule and create a
new code instead). Every change is audited.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.points import rules
from sanzhi.points.models import Entry, Evidence, Rule, RuleCategory, Scheme, Star, Tier
from sanzhi.points.periods import PeriodKind
from sanzhi.points.templates_data import TEMPLATES, SchemeTemplate

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
CODE_MAX = 40
ITEM_MAX = 200
CATEGORY_NAME_MAX = 40
SCHEME_NAME_MAX = 60
COUNCIL_MAX = 40
POINTS_LIMIT = 10_000


# ---------------------------------------------------------------- cleaning (shared with rules_io)


def clean_code(value: str, *, field: str = "code") -> str:
    code = (value or "").strip()
    if not code:
        raise ValidationFailed(_("请填写编码"), code="points_code_required", data={"field": field})
    if len(code) > CODE_MAX or not CODE_RE.match(code):
        raise ValidationFailed(
            _("编码只能由字母、数字、下划线、点和连字符组成，不超过 40 个字符"),
            code="points_code_invalid",
            data={"field": field},
        )
    return code


def clean_text(value: str, *, limit: int, required: bool = True, field: str = "name") -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("请填写名称"), code="points_name_required", data={"field": field})
    if len(text) > limit:
        raise ValidationFailed(
            _("不能超过 {n} 个字").format(n=limit), code="points_text_too_long", data={"field": field}
        )
    return text


def clean_points(points_min: int, points_max: int) -> tuple[int, int]:
    for value in (points_min, points_max):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationFailed(_("分值须为整数"), code="points_value_not_int")
        if abs(value) > POINTS_LIMIT:
            raise ValidationFailed(
                _("分值不能超过 ±{n}").format(n=POINTS_LIMIT), code="points_value_too_large"
            )
    if points_min > points_max:
        raise ValidationFailed(_("最低分值不能大于最高分值"), code="points_range_inverted")
    if points_min < 0 < points_max:
        raise ValidationFailed(
            _("一条细则要么加分要么扣分：最低分值和最高分值须同为正数或同为负数"),
            code="points_range_mixed_sign",
        )
    if points_min == 0 and points_max == 0:
        raise ValidationFailed(_("分值不能为 0"), code="points_value_zero")
    return points_min, points_max


def clean_evidence(value: str) -> str:
    text = (value or "").strip()
    if not text:
        return str(Evidence.NONE)
    for code, label in Evidence.choices:
        if text.lower() == code or text in (str(label), _(str(label))):
            return str(code)
    raise ValidationFailed(
        _("佐证要求只能是：{choices}").format(
            choices="、".join(str(label) for _c, label in Evidence.choices)
        ),
        code="points_evidence_unknown",
    )


def clean_cap(value: int | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationFailed(_("每周期上限须为正整数或留空"), code="points_cap_invalid")
    return value


def _check_manage(actor: Any, obj: Any) -> None:
    if actor is not None and not rules.can_manage(actor, obj):
        raise Forbidden(_("您无权管理该辖区的积分方案"), code="forbidden")


def rule_in_use(rule: Rule) -> bool:
    return Entry.objects.filter(rule=rule).exists()


# ---------------------------------------------------------------- adoption


def template_get(key: str) -> SchemeTemplate:
    try:
        return TEMPLATES[key]
    except KeyError:
        raise ValidationFailed(
            _("没有名为 {key} 的方案模板，可选：{keys}").format(key=key, keys="、".join(TEMPLATES)),
            code="points_template_unknown",
        ) from None


@transaction.atomic
def scheme_adopt(
    *,
    actor: Any,
    template: str,
    node: Any,
    code: str | None = None,
    name: str | None = None,
    open_accounts: bool = True,
) -> Scheme:
    """采用方案: create a scheme at ``node`` from a published template, with its categories, rules,
    stars and tiers, and (``open_accounts``) an account for every household, resident or grid worker
    it covers, base score credited — all or nothing."""
    spec = template_get(template)
    _check_manage(actor, node)
    code = clean_code(code or spec.key)
    name = clean_text(name or f"{node.name}{spec.name}", limit=SCHEME_NAME_MAX)
    if Scheme.objects.filter(node=node, code=code).exists():
        raise Conflict(
            _("{node}已有编码为 {code} 的积分方案，请换一个编码").format(node=node.name, code=code),
            code="points_scheme_code_taken",
            data={"code": code},
        )
    try:
        with transaction.atomic():
            scheme = Scheme.objects.create(
                node=node,
                node_path=node.path,
                code=code,
                name=name,
                template=spec.key,
                subject=spec.subject,
                description=spec.description,
                base_score=spec.base_score,
                base_redeemable=spec.base_redeemable,
                review_period=spec.review_period,
                redeem_period=spec.redeem_period,
                summary_period=spec.summary_period,
                period_cap=spec.period_cap,
                council=spec.council,
                redeem_anytime=spec.redeem_anytime,
                red_list_size=spec.red_list_size,
                black_list_size=spec.black_list_size,
            )
    except IntegrityError:
        raise Conflict(
            _("{node}已有编码为 {code} 的积分方案，请换一个编码").format(node=node.name, code=code),
            code="points_scheme_code_taken",
            data={"code": code},
        ) from None
    new_rules: list[Rule] = []
    order = 0
    for c_order, cat in enumerate(spec.categories):
        category = RuleCategory.objects.create(scheme=scheme, code=cat.code, name=cat.name, order=c_order)
        for r in cat.rules:
            new_rules.append(
                Rule(
                    scheme=scheme,
                    category=category,
                    code=r.code,
                    item=r.item,
                    points_min=r.points_min,
                    points_max=r.high,
                    evidence=r.evidence,
                    council=r.council,
                    cap_per_period=r.cap_per_period,
                    order=order,
                )
            )
            order += 1
        if cat.star:
            Star.objects.create(
                scheme=scheme,
                category=category,
                name=cat.star,
                min_points=cat.star_min_points,
                no_deduction=True,
                order=c_order,
            )
    Rule.objects.bulk_create(new_rules)
    for t_order, tier in enumerate(spec.tiers):
        Tier.objects.create(
            scheme=scheme,
            name=tier.name,
            rank_max=tier.rank_max,
            discount_percent=tier.discount_percent,
            order=t_order,
        )
    audit_record(
        actor=actor,
        action="points.scheme.adopt",
        subject=scheme,
        node_path=scheme.node_path,
        data={
            "template": spec.key,
            "code": code,
            "categories": len(spec.categories),
            "rules": len(new_rules),
        },
    )
    if open_accounts:
        from sanzhi.points.opening import accounts_open_all

        accounts_open_all(actor=actor, scheme=scheme)
    return scheme


# ---------------------------------------------------------------- schemes

SCHEME_FIELDS = {
    "name",
    "description",
    "base_score",
    "base_redeemable",
    "review_period",
    "redeem_period",
    "summary_period",
    "period_cap",
    "council",
    "redeem_anytime",
    "red_list_size",
    "black_list_size",
    "appeal_days",
    "active",
}


def _non_negative(value: Any, field: str, *, allow_none: bool = False, maximum: int = 1_000_000) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ValidationFailed(
            _("{field} 须为 0 到 {max} 之间的整数").format(field=field, max=maximum),
            code="points_scheme_invalid",
            data={"field": field},
        )


@transaction.atomic
def scheme_update(*, actor: Any, scheme: Scheme, **fields: Any) -> Scheme:
    """Change a scheme's settings (not its node, code, subject or template)."""
    unknown = set(fields) - SCHEME_FIELDS
    if unknown:
        raise ValidationFailed(
            _("不能修改这些字段：{names}").format(names="、".join(sorted(unknown))),
            code="points_scheme_field_unknown",
        )
    scheme = Scheme.objects.select_for_update().get(pk=scheme.pk)
    _check_manage(actor, scheme)
    if "name" in fields:
        fields["name"] = clean_text(fields["name"], limit=SCHEME_NAME_MAX)
    if "council" in fields:
        fields["council"] = clean_text(fields["council"], limit=COUNCIL_MAX, required=False, field="council")
    if "description" in fields:
        fields["description"] = (fields["description"] or "").strip()
    for key in ("review_period", "redeem_period", "summary_period"):
        if key in fields and fields[key] not in PeriodKind.values:
            raise ValidationFailed(
                _("周期只能是月、季度或年"), code="points_scheme_invalid", data={"field": key}
            )
    for key in ("base_score", "red_list_size", "black_list_size", "appeal_days"):
        if key in fields:
            _non_negative(fields[key], key, maximum=1_000_000 if key == "base_score" else 1000)
    if "period_cap" in fields:
        _non_negative(fields["period_cap"], "period_cap", allow_none=True)
        if fields["period_cap"] == 0:
            raise ValidationFailed(
                _("每周期积分上限须为正数或留空"), code="points_scheme_invalid", data={"field": "period_cap"}
            )
    for key in ("base_redeemable", "redeem_anytime", "active"):
        if key in fields and not isinstance(fields[key], bool):
            raise ValidationFailed(_("须为是或否"), code="points_scheme_invalid", data={"field": key})
    base_changes = {
        k for k in ("base_score", "base_redeemable") if k in fields and fields[k] != getattr(scheme, k)
    }
    if base_changes and scheme.accounts.exists():
        # Base entries were credited when the accounts opened; a new base would split the scheme in two.
        raise Conflict(
            _("方案已有积分账户，不能再修改基础分"),
            code="points_base_locked",
            data={"fields": sorted(base_changes)},
        )
    changed = {k: v for k, v in fields.items() if getattr(scheme, k) != v}
    for key, value in changed.items():
        setattr(scheme, key, value)
    if changed:
        scheme.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="points.scheme.update",
            subject=scheme,
            node_path=scheme.node_path,
            data={k: v for k, v in changed.items() if k != "description"},
        )
    return scheme


# ---------------------------------------------------------------- categories


@transaction.atomic
def category_create(
    *, actor: Any, scheme: Scheme, code: str, name: str, order: int | None = None
) -> RuleCategory:
    _check_manage(actor, scheme)
    code = clean_code(code)
    name = clean_text(name, limit=CATEGORY_NAME_MAX)
    if RuleCategory.objects.filter(scheme=scheme, code=code).exists():
        raise Conflict(
            _("类别编码 {code} 已存在").format(code=code),
            code="points_category_code_taken",
            data={"code": code},
        )
    if order is None:
        order = scheme.categories.count()
    category = RuleCategory.objects.create(scheme=scheme, code=code, name=name, order=order)
    audit_record(
        actor=actor,
        action="points.category.create",
        subject=category,
        node_path=scheme.node_path,
        data={"scheme": scheme.pk, "code": code, "name": name},
    )
    return category


@transaction.atomic
def category_update(*, actor: Any, category: RuleCategory, name: str) -> RuleCategory:
    _check_manage(actor, category.scheme)
    name = clean_text(name, limit=CATEGORY_NAME_MAX)
    if name != category.name:
        old = category.name
        category.name = name
        category.save(update_fields=["name"])
        audit_record(
            actor=actor,
            action="points.category.update",
            subject=category,
            node_path=category.scheme.node_path,
            data={"name": [old, name]},
        )
    return category


# ---------------------------------------------------------------- rules


@transaction.atomic
def rule_create(
    *,
    actor: Any,
    scheme: Scheme,
    category: RuleCategory,
    code: str,
    item: str,
    points_min: int,
    points_max: int | None = None,
    evidence: str = Evidence.NONE,
    council: str = "",
    cap_per_period: int | None = None,
    active: bool = True,
    order: int | None = None,
) -> Rule:
    """A new item of the catalog; ``points_max`` None makes it a fixed value."""
    _check_manage(actor, scheme)
    if category.scheme_id != scheme.pk:
        raise ValidationFailed(_("该类别不属于本方案"), code="points_category_not_found")
    code = clean_code(code)
    item = clean_text(item, limit=ITEM_MAX, field="item")
    low, high = clean_points(points_min, points_min if points_max is None else points_max)
    evidence = clean_evidence(evidence)
    council = clean_text(council, limit=COUNCIL_MAX, required=False, field="council")
    cap_per_period = clean_cap(cap_per_period)
    if Rule.objects.filter(scheme=scheme, code=code).exists():
        raise Conflict(
            _("细则编码 {code} 已存在；编码一经使用不能复用").format(code=code),
            code="points_rule_code_taken",
            data={"code": code},
        )
    if order is None:
        order = scheme.rules.count()
    rule = Rule.objects.create(
        scheme=scheme,
        category=category,
        code=code,
        item=item,
        points_min=low,
        points_max=high,
        evidence=evidence,
        council=council,
        cap_per_period=cap_per_period,
        active=active,
        order=order,
    )
    audit_record(
        actor=actor,
        action="points.rule.create",
        subject=rule,
        node_path=scheme.node_path,
        data={"scheme": scheme.pk, "code": code, "points": [low, high]},
    )
    return rule


RULE_FIELDS = {
    "item",
    "category",
    "points_min",
    "points_max",
    "evidence",
    "council",
    "cap_per_period",
    "order",
}


@transaction.atomic
def rule_update(*, actor: Any, rule: Rule, **fields: Any) -> Rule:
    """Edit a rule. Its value and category are frozen once entries use it: stop it
    (``rule_set_active``) and create a new code with the new value instead."""
    unknown = set(fields) - RULE_FIELDS
    if unknown:
        raise ValidationFailed(
            _("不能修改这些字段：{names}").format(names="、".join(sorted(unknown))),
            code="points_rule_field_unknown",
        )
    rule = Rule.objects.select_for_update().select_related("scheme").get(pk=rule.pk)
    _check_manage(actor, rule.scheme)
    values: dict[str, Any] = {}
    if "item" in fields:
        values["item"] = clean_text(fields["item"], limit=ITEM_MAX, field="item")
    if "category" in fields:
        category = fields["category"]
        if category.scheme_id != rule.scheme_id:
            raise ValidationFailed(_("该类别不属于本方案"), code="points_category_not_found")
        values["category_id"] = category.pk
    if "points_min" in fields or "points_max" in fields:
        low = fields.get("points_min", rule.points_min)
        high = fields.get("points_max", rule.points_max)
        values["points_min"], values["points_max"] = clean_points(low, high)
    if "evidence" in fields:
        values["evidence"] = clean_evidence(fields["evidence"])
    if "council" in fields:
        values["council"] = clean_text(fields["council"], limit=COUNCIL_MAX, required=False, field="council")
    if "cap_per_period" in fields:
        values["cap_per_period"] = clean_cap(fields["cap_per_period"])
    if "order" in fields:
        _non_negative(fields["order"], "order", maximum=32767)
        values["order"] = fields["order"]
    changed = {k: v for k, v in values.items() if getattr(rule, k) != v}
    frozen = {"points_min", "points_max", "category_id"} & set(changed)
    if frozen and rule_in_use(rule):
        if "category_id" in frozen and len(frozen) == 1:
            message = _("细则 {code} 已有积分记录，不能改到别的类别；请停用它，并以新编码新建细则")
        else:
            message = _("细则 {code} 已有积分记录，不能修改分值；请停用它，并以新编码新建细则")
        raise Conflict(
            message.format(code=rule.code), code="points_rule_in_use", data={"fields": sorted(frozen)}
        )
    if changed:
        before = {k: getattr(rule, k) for k in changed}
        for key, value in changed.items():
            setattr(rule, key, value)
        rule.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="points.rule.update",
            subject=rule,
            node_path=rule.scheme.node_path,
            data={k: [before[k], v] for k, v in changed.items()},
        )
    return rule


@transaction.atomic
def rule_set_active(*, actor: Any, rule: Rule, active: bool) -> Rule:
    """启用 / 停用: a stopped rule takes no new claims; its entries stay as they are."""
    rule = Rule.objects.select_for_update().select_related("scheme").get(pk=rule.pk)
    _check_manage(actor, rule.scheme)
    if rule.active != active:
        rule.active = active
        rule.save(update_fields=["active", "updated_at"])
        audit_record(
            actor=actor,
            action="points.rule.activate" if active else "points.rule.deactivate",
            subject=rule,
            node_path=rule.scheme.node_path,
            data={"code": rule.code},
        )
    return rule


__all__ = [
    "category_create",
    "category_update",
    "rule_create",
    "rule_in_use",
    "rule_set_active",
    "rule_update",
    "scheme_adopt",
    "scheme_update",
    "template_get",
]
