"""Disclosure services (三务公开): the calendar (公开目录), drafts and their finance lines,
publication on the public chain, and corrections.

- A draft is written by ``disclosure.edit``; ``disclosure.publish`` appends it to the chain
  (``chain.append``, kind ``disclosure``) and from then on it is immutable: every change of it or
  of its lines is refused (``drafts.lock_draft``).
- A mistake in a published disclosure is corrected by a new draft that ``corrects`` it; publishing
  that draft appends a new item whose ``corrects`` is the old publication. The old item stays on
  the chain, published, untouched: nothing on the chain is ever edited.
- ``actor=None`` is the system (CLI, demo): no permission check. Every change is audited.

The calendar services live in ``plans`` and the finance import in ``finance_io``; both are
re-exported here, so callers import every disclosure service from this module.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.disclosure import chain, rules
from sanzhi.disclosure.calendar import parse_period
from sanzhi.disclosure.drafts import UNSET, clean_line, clean_text, clean_title, lock_draft, published_content
from sanzhi.disclosure.finance_io import finance_lines_import
from sanzhi.disclosure.models import (
    Disclosure,
    DisclosurePlan,
    DisclosureStatus,
    FinanceLine,
    Frequency,
    PublicationKind,
)
from sanzhi.disclosure.plans import (
    clean_area,
    clean_due_days,
    clean_frequency,
    plan_activate,
    plan_create,
    plan_deactivate,
    plan_update,
    plans_adopt_default,
)

TITLE_MAX = 200
BODY_MAX = 20_000
REASON_MAX = 200

_UNSET = UNSET


def _check(allowed: bool, message: Any) -> None:
    if not allowed:
        raise Forbidden(message, code="forbidden")


def _check_edit(actor: Any, obj: Any) -> None:
    if actor is not None:
        _check(rules.can_edit(actor, obj), _("您无权编制该单位的公开内容"))


def _check_publish(actor: Any, obj: Any) -> None:
    if actor is not None:
        _check(rules.can_publish(actor, obj), _("您无权发布该单位的公开内容"))


# ---------------------------------------------------------------- drafts


@transaction.atomic
def disclosure_draft(
    *,
    actor: Any,
    node: Any,
    area: str,
    title: str,
    plan: DisclosurePlan | None = None,
    period: str = "",
    body: str = "",
) -> Disclosure:
    """起草 a disclosure at ``node``: of a plan's period (monthly "2026-10", quarterly "2026Q4"),
    of a per-matter plan, or free-standing. One original disclosure per plan and period."""
    _check_edit(actor, node)
    area = clean_area(area or (plan.area if plan is not None else ""))
    due_date: dt.date | None = None
    if plan is not None:
        plan = DisclosurePlan.objects.get(pk=plan.pk)  # the caller's copy may be stale (deactivated)
        if plan.node_id != node.pk:
            raise ValidationFailed(_("该公开事项不属于本单位的公开目录"), code="disclosure_plan_elsewhere")
        if not plan.active:
            raise ValidationFailed(_("该公开事项已停用"), code="disclosure_plan_inactive")
        if area != plan.area:
            raise ValidationFailed(_("公开类别与公开事项不一致"), code="disclosure_area_mismatch")
    # A per-matter plan (逐项公开) has no period: it may hold one disclosure per matter.
    link = plan
    if plan is not None and plan.frequency != Frequency.PER_MATTER and not (period or "").strip():
        raise ValidationFailed(_("请填写所属期"), code="disclosure_period_required")
    parsed = None
    if (period or "").strip():
        calendar_kind = (
            plan.frequency if plan is not None and plan.frequency != Frequency.PER_MATTER else None
        )
        parsed = parse_period(period, calendar_kind)
        if plan is not None and calendar_kind is not None:
            due_date = parsed.due(plan.due_days)
    title = clean_title(title or (plan.title if plan is not None else ""), limit=TITLE_MAX, field="title")
    code = parsed.code if parsed else ""
    if (
        link is not None
        and code
        and Disclosure.objects.filter(plan=link, period=code, corrects__isnull=True).exists()
    ):
        raise _period_taken(link, code)
    try:
        with transaction.atomic():
            disclosure = Disclosure.objects.create(
                node=node,
                node_path=node.path,
                plan=link,
                area=area,
                title=title,
                period=code,
                period_start=parsed.start if parsed else None,
                period_end=parsed.end if parsed else None,
                due_date=due_date,
                body=clean_text(body, limit=BODY_MAX, field="body"),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:
        assert link is not None
        raise _period_taken(link, code) from None
    audit_record(
        actor=actor,
        action="disclosure.draft",
        subject=disclosure,
        node_path=disclosure.node_path,
        data={"area": area, "title": title, "period": code, "plan": link.pk if link else None},
    )
    return disclosure


def _period_taken(plan: DisclosurePlan, period: str) -> Conflict:
    existing = Disclosure.objects.filter(plan=plan, period=period, corrects__isnull=True).first()
    return Conflict(
        _("“{title}”{period} 已有公开内容").format(title=plan.title, period=period),
        code="disclosure_period_taken",
        data={"period": period, "disclosure": existing.pk if existing else None},
    )


@transaction.atomic
def disclosure_update(
    *, actor: Any, disclosure: Disclosure, title: str = _UNSET, body: str = _UNSET
) -> Disclosure:
    """Change a draft's title or text (never a published one)."""
    locked = lock_draft(actor=actor, disclosure=disclosure)
    changes: dict[str, Any] = {}
    if title is not _UNSET:
        changes["title"] = clean_title(title, limit=TITLE_MAX, field="title")
    if body is not _UNSET:
        changes["body"] = clean_text(body, limit=BODY_MAX, field="body")
    changes = {k: v for k, v in changes.items() if getattr(locked, k) != v}
    if changes:
        for key, value in changes.items():
            setattr(locked, key, value)
        locked.save(update_fields=[*changes, "updated_at"])
        audit_record(
            actor=actor,
            action="disclosure.update",
            subject=locked,
            node_path=locked.node_path,
            data={"fields": sorted(changes)},
        )
    return locked


@transaction.atomic
def disclosure_discard(*, actor: Any, disclosure: Disclosure) -> None:
    """Throw a draft away (with its lines); a published disclosure stays forever."""
    locked = lock_draft(actor=actor, disclosure=disclosure)
    data = {"title": locked.title, "period": locked.period, "corrects": locked.corrects_id}
    locked.delete()
    audit_record(
        actor=actor,
        action="disclosure.discard",
        subject_type="disclosure.disclosure",
        subject_id=str(disclosure.pk),
        node_path=locked.node_path,
        data=data,
    )


# ---------------------------------------------------------------- finance lines


@transaction.atomic
def finance_line_add(
    *,
    actor: Any,
    disclosure: Disclosure,
    direction: str,
    date: dt.date,
    item: str,
    amount_fen: int,
    counterparty: str = "",
    voucher_no: str = "",
    note: str = "",
) -> FinanceLine:
    """One income or expense of a finance draft; the amount in fen, > 0."""
    locked = lock_draft(actor=actor, disclosure=disclosure, finance=True)
    fields = clean_line(
        locked,
        direction=direction,
        date=date,
        item=item,
        amount_fen=amount_fen,
        counterparty=counterparty,
        voucher_no=voucher_no,
        note=note,
    )
    last = FinanceLine.objects.filter(disclosure=locked).aggregate(m=Max("order"))["m"]
    line = FinanceLine.objects.create(
        disclosure=locked, order=(last or 0) + 1, **{k: getattr(fields, k) for k in _LINE_FIELDS}
    )
    audit_record(
        actor=actor,
        action="disclosure.line.add",
        subject=locked,
        node_path=locked.node_path,
        data={"line": line.pk, "direction": line.direction, "amount_fen": line.amount_fen},
    )
    return line


_LINE_FIELDS = ("direction", "date", "item", "amount_fen", "counterparty", "voucher_no", "note")


@transaction.atomic
def finance_line_update(*, actor: Any, line: FinanceLine, **changes: Any) -> FinanceLine:
    """Change fields of a draft's line (any of direction, date, item, amount_fen, counterparty,
    voucher_no, note)."""
    unknown = set(changes) - set(_LINE_FIELDS)
    if unknown:
        raise TypeError(f"unknown line fields: {sorted(unknown)}")
    locked = lock_draft(actor=actor, disclosure=line.disclosure, finance=True)
    current = FinanceLine.objects.select_for_update().get(pk=line.pk, disclosure=locked)
    merged = {k: changes.get(k, getattr(current, k)) for k in _LINE_FIELDS}
    fields = clean_line(locked, **merged)
    changed = [k for k in _LINE_FIELDS if getattr(current, k) != getattr(fields, k)]
    if changed:
        before = {k: _plain(getattr(current, k)) for k in changed}
        for key in changed:
            setattr(current, key, getattr(fields, key))
        current.save(update_fields=changed)
        audit_record(
            actor=actor,
            action="disclosure.line.update",
            subject=locked,
            node_path=locked.node_path,
            data={
                "line": current.pk,
                "before": before,
                "after": {k: _plain(getattr(current, k)) for k in changed},
            },
        )
    return current


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@transaction.atomic
def finance_line_remove(*, actor: Any, line: FinanceLine) -> None:
    locked = lock_draft(actor=actor, disclosure=line.disclosure, finance=True)
    current = FinanceLine.objects.select_for_update().get(pk=line.pk, disclosure=locked)
    data = {k: _plain(getattr(current, k)) for k in _LINE_FIELDS}
    current.delete()
    audit_record(
        actor=actor,
        action="disclosure.line.remove",
        subject=locked,
        node_path=locked.node_path,
        data={"line": line.pk, **data},
    )


# ---------------------------------------------------------------- publication and corrections


def _lock_any(pk: int) -> Disclosure:
    return Disclosure.objects.select_for_update(of=("self",)).select_related("node", "publication").get(pk=pk)


@transaction.atomic
def disclosure_publish(*, actor: Any, disclosure: Disclosure, now: dt.datetime | None = None) -> Disclosure:
    """发布: append the draft to the public chain (kind ``disclosure``); immutable from then on.
    A correction's item names the publication it corrects."""
    locked = _lock_any(disclosure.pk)
    _check_publish(actor, locked)
    if locked.status != DisclosureStatus.DRAFT:
        raise Conflict(_("该公开内容已发布"), code="disclosure_published", data={"disclosure": locked.pk})
    lines = list(FinanceLine.objects.filter(disclosure=locked).order_by("order", "id"))
    if not lines and not locked.body.strip():
        raise ValidationFailed(_("公开内容是空的：请填写正文或收支明细"), code="disclosure_empty")
    corrects = None
    if locked.corrects_id is not None:
        old = _lock_any(locked.corrects_id)
        if old.publication is None:
            raise Conflict(_("被更正的公开内容尚未发布"), code="disclosure_not_published")
        corrects = old.publication
    publication = chain.append(
        kind=PublicationKind.DISCLOSURE,
        node=locked.node,
        title=locked.title,
        ref=f"disclosure.disclosure:{locked.pk}",
        content=published_content(locked, lines),
        actor=actor,
        corrects=corrects,
        now=now,
    )
    locked.publication = publication
    locked.status = DisclosureStatus.PUBLISHED
    locked.published_at = publication.published_at
    locked.save(update_fields=["publication", "status", "published_at", "updated_at"])
    audit_record(
        actor=actor,
        action="disclosure.publish",
        subject=locked,
        node_path=locked.node_path,
        data={
            "seq": publication.seq,
            "hash": publication.hash,
            "corrects": corrects.seq if corrects else None,
        },
    )
    return locked


@transaction.atomic
def disclosure_correct(*, actor: Any, disclosure: Disclosure, reason: str) -> Disclosure:
    """更正: a new draft (a copy of the published disclosure and its lines) that ``corrects`` it.
    Only the latest version can be corrected, and only one correction at a time."""
    old = _lock_any(disclosure.pk)
    _check_publish(actor, old)
    if old.status != DisclosureStatus.PUBLISHED:
        raise Conflict(_("只能更正已发布的公开内容；草稿请直接修改"), code="disclosure_not_published")
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写更正原因"), code="disclosure_reason_required")
    reason = clean_text(reason, limit=REASON_MAX, field="reason")
    newer = Disclosure.objects.filter(corrects=old).order_by("id").first()
    if newer is not None:
        raise Conflict(
            _("该公开内容已有更正（编号 {id}），请在那一份上继续").format(id=newer.pk),
            code="disclosure_already_corrected",
            data={"correction": newer.pk},
        )
    correction = Disclosure.objects.create(
        node=old.node,
        node_path=old.node_path,
        plan=old.plan,
        area=old.area,
        title=old.title,
        period=old.period,
        period_start=old.period_start,
        period_end=old.period_end,
        due_date=old.due_date,
        body=old.body,
        corrects=old,
        correction_reason=reason,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    FinanceLine.objects.bulk_create(
        FinanceLine(disclosure=correction, order=line.order, **{k: getattr(line, k) for k in _LINE_FIELDS})
        for line in FinanceLine.objects.filter(disclosure=old).order_by("order", "id")
    )
    audit_record(
        actor=actor,
        action="disclosure.correct",
        subject=correction,
        node_path=correction.node_path,
        data={
            "corrects": old.pk,
            "corrects_seq": old.publication.seq if old.publication else None,
            "reason": reason,
        },
    )
    return correction


__all__ = [
    "clean_area",
    "clean_due_days",
    "clean_frequency",
    "disclosure_correct",
    "disclosure_discard",
    "disclosure_draft",
    "disclosure_publish",
    "disclosure_update",
    "finance_line_add",
    "finance_line_remove",
    "finance_line_update",
    "finance_lines_import",
    "plan_activate",
    "plan_create",
    "plan_deactivate",
    "plan_update",
    "plans_adopt_default",
]
