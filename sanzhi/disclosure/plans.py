"""Disclosure calendar services (公开目录): a community's plans — what it discloses, in which area,
how often and how many days after the period — kept by ``disclosure.manage``; the default
catalogue (``defaults.DEFAULT_PLANS``) adopted in one step. Every change is audited.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.disclosure import rules
from sanzhi.disclosure.defaults import DEFAULT_PLANS
from sanzhi.disclosure.drafts import UNSET, clean_text, clean_title
from sanzhi.disclosure.models import Area, DisclosurePlan, Frequency

PLAN_TITLE_MAX = 100
DESCRIPTION_MAX = 2000
DUE_DAYS_MAX = 90
_UNSET = UNSET


def _check_manage(actor: Any, obj: Any) -> None:
    if actor is not None and not rules.can_manage(actor, obj):
        raise Forbidden(_("您无权维护该单位的公开目录"), code="forbidden")


def _choice(value: Any, choices: Any, *, code: str, message: Any) -> str:
    text = str(value or "").strip()
    if text not in choices.values:
        raise ValidationFailed(message, code=code, data={"value": text})
    return text


def clean_area(value: Any) -> str:
    return _choice(
        value, Area, code="disclosure_area_invalid", message=_("公开类别只能是党务、村(居)务或财务")
    )


def clean_frequency(value: Any) -> str:
    return _choice(
        value, Frequency, code="disclosure_frequency_invalid", message=_("公开频次只能是每月、每季度或逐项")
    )


def clean_due_days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= DUE_DAYS_MAX:
        raise ValidationFailed(
            _("期限须为 0 到 {n} 天").format(n=DUE_DAYS_MAX), code="disclosure_due_days_invalid"
        )
    return value


def _plan_taken(node: Any, area: str, title: str) -> Conflict:
    return Conflict(
        _("{node}的公开目录中已有“{title}”").format(node=node.name, title=title),
        code="disclosure_plan_taken",
        data={"area": area, "title": title},
    )


@transaction.atomic
def plan_create(
    *,
    actor: Any,
    node: Any,
    area: str,
    title: str,
    frequency: str,
    due_days: int = 10,
    description: str = "",
    order: int = 0,
) -> DisclosurePlan:
    _check_manage(actor, node)
    area, frequency = clean_area(area), clean_frequency(frequency)
    title = clean_title(title, limit=PLAN_TITLE_MAX, field="title")
    if DisclosurePlan.objects.filter(node=node, area=area, title=title).exists():
        raise _plan_taken(node, area, title)
    try:
        with transaction.atomic():
            plan = DisclosurePlan.objects.create(
                node=node,
                node_path=node.path,
                area=area,
                title=title,
                frequency=frequency,
                due_days=clean_due_days(due_days),
                description=clean_text(description, limit=DESCRIPTION_MAX, field="description"),
                order=max(0, int(order)),
            )
    except IntegrityError:
        raise _plan_taken(node, area, title) from None
    audit_record(
        actor=actor,
        action="disclosure.plan.create",
        subject=plan,
        node_path=plan.node_path,
        data={"area": area, "title": title, "frequency": frequency, "due_days": plan.due_days},
    )
    return plan


def _lock_plan(plan: DisclosurePlan) -> DisclosurePlan:
    return DisclosurePlan.objects.select_for_update(of=("self",)).select_related("node").get(pk=plan.pk)


@transaction.atomic
def plan_update(
    *,
    actor: Any,
    plan: DisclosurePlan,
    title: str = _UNSET,
    frequency: str = _UNSET,
    due_days: int = _UNSET,
    description: str = _UNSET,
    order: int = _UNSET,
) -> DisclosurePlan:
    """Change a plan. Its frequency is fixed once a disclosure uses it (the periods would no longer
    match); stop it and create a new one instead."""
    plan = _lock_plan(plan)
    _check_manage(actor, plan)
    changes: dict[str, Any] = {}
    if title is not _UNSET:
        changes["title"] = clean_title(title, limit=PLAN_TITLE_MAX, field="title")
    if frequency is not _UNSET:
        changes["frequency"] = clean_frequency(frequency)
        if changes["frequency"] != plan.frequency and plan.disclosures.exists():
            raise Conflict(
                _("该公开事项已有公开内容，不能再改频次；请停用它并新建一项"), code="disclosure_plan_in_use"
            )
    if due_days is not _UNSET:
        changes["due_days"] = clean_due_days(due_days)
    if description is not _UNSET:
        changes["description"] = clean_text(description, limit=DESCRIPTION_MAX, field="description")
    if order is not _UNSET:
        changes["order"] = max(0, int(order))
    changes = {k: v for k, v in changes.items() if getattr(plan, k) != v}
    if not changes:
        return plan
    if "title" in changes and (
        DisclosurePlan.objects.filter(node_id=plan.node_id, area=plan.area, title=changes["title"])
        .exclude(pk=plan.pk)
        .exists()
    ):
        raise _plan_taken(plan.node, plan.area, changes["title"])
    before = {k: getattr(plan, k) for k in changes}
    for key, value in changes.items():
        setattr(plan, key, value)
    plan.save(update_fields=[*changes, "updated_at"])
    audit_record(
        actor=actor,
        action="disclosure.plan.update",
        subject=plan,
        node_path=plan.node_path,
        data={"before": before, "after": changes},
    )
    return plan


def _plan_set_active(*, actor: Any, plan: DisclosurePlan, active: bool) -> DisclosurePlan:
    plan = _lock_plan(plan)
    _check_manage(actor, plan)
    if plan.active == active:
        return plan
    plan.active = active
    plan.save(update_fields=["active", "updated_at"])
    audit_record(
        actor=actor,
        action="disclosure.plan.activate" if active else "disclosure.plan.deactivate",
        subject=plan,
        node_path=plan.node_path,
    )
    return plan


@transaction.atomic
def plan_deactivate(*, actor: Any, plan: DisclosurePlan) -> DisclosurePlan:
    """停用: the plan leaves the calendar and its alerts; its disclosures stay."""
    return _plan_set_active(actor=actor, plan=plan, active=False)


@transaction.atomic
def plan_activate(*, actor: Any, plan: DisclosurePlan) -> DisclosurePlan:
    return _plan_set_active(actor=actor, plan=plan, active=True)


@transaction.atomic
def plans_adopt_default(*, actor: Any, node: Any) -> list[DisclosurePlan]:
    """Add the default 公开目录 (``defaults.DEFAULT_PLANS``) to ``node``'s calendar; items it already
    has (same area and title) are left as they are. Returns the plans created."""
    _check_manage(actor, node)
    have = set(DisclosurePlan.objects.filter(node=node).values_list("area", "title"))
    created = [
        DisclosurePlan.objects.create(
            node=node,
            node_path=node.path,
            area=spec.area,
            title=spec.title,
            frequency=spec.frequency,
            due_days=spec.due_days,
            description=spec.description,
            order=index,
        )
        for index, spec in enumerate(DEFAULT_PLANS)
        if (spec.area, spec.title) not in have
    ]
    audit_record(
        actor=actor,
        action="disclosure.plan.adopt_default",
        subject=node,
        node_path=node.path,
        data={"created": [plan.title for plan in created]},
    )
    return created
