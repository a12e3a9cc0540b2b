"""Every change to a ticket after intake. ``ticket_transition`` is the one function that changes a
ticket's state: it locks the row, asks the transition table, checks the actor, saves the changed
fields, writes the event row and updates the KPI rollups, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from sanzhi.core.workcalendar import add_working_seconds, working_seconds_between
from sanzhi.reports.ticket_kpis import record_ticket_change
from sanzhi.tickets import rules
from sanzhi.tickets.clock import CLOCK_FIELDS, start_level_clock
from sanzhi.tickets.facts import facts_of
from sanzhi.tickets.inputs import check_attachments, clean_text, save_attachments, user_or_none
from sanzhi.tickets.models import Category, Rating, Ticket, TicketEvent
from sanzhi.tickets.notifications import notify as notify
from sanzhi.tickets.routing import suggestion_data
from sanzhi.tickets.states import Action, IllegalTransition, Level, State, level_above, next_state
from sanzhi.tickets.targets import Target, check_target, default_grid_worker, send, target_data

A = Action


def reopen_limit() -> int:
    return int(getattr(settings, "SANZHI_TICKET_REOPEN_LIMIT", 1))


# ---------------------------------------------------------------- the one transition function

Apply = Callable[[Ticket], Iterable[str]]


@transaction.atomic
def ticket_transition(
    *,
    actor: Any,
    ticket_id: int,
    action: str,
    apply: Apply | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    attachments: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
    check: Callable[[Ticket], None] | None = None,
) -> Ticket:
    """Lock, check the table and the actor, change, record. ``actor=None`` is the system (tick, CLI).

    ``check`` sees the locked ticket before anything changes and may raise (a precondition that
    depends on fresh state: the deadline for an escalation, the target of a merge).
    ``apply`` changes the locked ticket and returns the names of the fields it changed.
    """
    now = now or timezone.now()
    check_attachments(attachments)
    try:
        ticket = (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("category", "community", "street")
            .get(pk=ticket_id)
        )
    except Ticket.DoesNotExist:
        raise NotFound(_("工单不存在"), code="ticket_not_found") from None
    if actor is not None:
        if not rules.can_view(actor, ticket):
            raise NotFound(_("工单不存在"), code="ticket_not_found")
        if not rules.can_act(actor, ticket, action):
            raise Forbidden(
                _("您不能对该工单执行“{action}”").format(action=Action(action).label), code="forbidden"
            )
    try:
        to_state = next_state(ticket.state, action, suspended_from=ticket.suspended_from)
    except IllegalTransition:
        raise Conflict(
            _("工单当前为“{state}”，不能执行“{action}”").format(
                state=State(ticket.state).label, action=Action(action).label
            ),
            code="illegal_transition",
            data={"state": ticket.state, "action": action},
        ) from None
    if check is not None:
        check(ticket)
    before = facts_of(ticket)
    from_state, from_level, from_assignee = ticket.state, ticket.level, ticket.assignee_id
    changed = set(apply(ticket)) if apply is not None else set()
    ticket.state = to_state
    ticket.updated_at = now
    ticket.save(update_fields=sorted(changed | {"state", "updated_at"}))
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=user_or_none(actor),
        action=action,
        from_state=from_state,
        to_state=to_state,
        from_level=from_level,
        to_level=ticket.level,
        note=note,
        data=data or {},
        at=now,
    )
    save_attachments(ticket, event, attachments, actor)
    record_ticket_change(before, facts_of(ticket))
    if (
        ticket.assignee_id
        and ticket.assignee_id != from_assignee
        and ticket.assignee_id != getattr(actor, "pk", None)
    ):
        notify(user_id=ticket.assignee_id, ticket=ticket, kind=action, now=now)
    return ticket


def _require_note(note: str, label: Any) -> str:
    return clean_text(note, field="note", label=label, max_length=2000)


# ---------------------------------------------------------------- the loop, one service per step


def ticket_register(
    *,
    actor: Any,
    ticket: Ticket,
    category: Category | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """立案: accept as a case, fixing the category (and with it the time limits and consultation flag)."""
    now = now or timezone.now()
    if category is not None and not category.active:
        raise ValidationFailed(_("该分类已停用"), code="category_inactive", data={"field": "category"})

    def apply(t: Ticket) -> list[str]:
        fields = ["registered_at"]
        t.registered_at = now
        if category is not None and category.pk != t.category_id:
            t.category = category
            t.is_consultation = category.is_consultation
            start_level_clock(t, t.level_since)
            fields += ["category", "is_consultation", *CLOCK_FIELDS]
        return fields

    data: dict[str, Any] = {"category": category.code} if category is not None else {}
    # The suggestion the dispatcher was shown: overrides are the router's next lesson.
    data.update(suggestion_data(f"{ticket.title} {ticket.text}"))
    return ticket_transition(
        actor=actor, ticket_id=ticket.pk, action=A.REGISTER, apply=apply, note=note, data=data, now=now
    )


def ticket_dispatch(
    *,
    actor: Any,
    ticket: Ticket,
    target: Target | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """派遣: to the grid's grid worker by default, or to a person, a community or street office, a
    department, or a party member who takes the run (群众下单、支部接单、党员跑单)."""
    now = now or timezone.now()
    if target is None or (target.user is None and target.node is None and target.department is None):
        worker = default_grid_worker(ticket) if ticket.level == Level.GRID else None
        if worker is None and ticket.level == Level.GRID:
            raise ValidationFailed(
                _("该网格没有网格员，请指定办理人"), code="no_grid_worker", data={"field": "user"}
            )
        target = Target(user=worker)
    level = check_target(actor, ticket, target)
    chosen = target

    def apply(t: Ticket) -> list[str]:
        return send(t, chosen, level, now)

    return ticket_transition(
        actor=actor,
        ticket_id=ticket.pk,
        action=A.DISPATCH,
        apply=apply,
        note=note,
        data=target_data(target),
        now=now,
    )


def ticket_transfer(
    *, actor: Any, ticket: Ticket, target: Target, note: str, now: dt.datetime | None = None
) -> Ticket:
    """转办: to another handler, office or department; it must be taken up again."""
    now = now or timezone.now()
    note = _require_note(note, _("转办理由"))
    level = check_target(actor, ticket, target)

    def apply(t: Ticket) -> list[str]:
        return send(t, target, level, now)

    return ticket_transition(
        actor=actor,
        ticket_id=ticket.pk,
        action=A.TRANSFER,
        apply=apply,
        note=note,
        data=target_data(target),
        now=now,
    )


def _mark_response(t: Ticket, now: dt.datetime) -> list[str]:
    if t.responded_at is not None:
        return []
    t.responded_at = now
    t.responded_in_time = t.response_due_at is None or now <= t.response_due_at
    return ["responded_at", "responded_in_time"]


def ticket_accept(*, actor: Any, ticket: Ticket, note: str = "", now: dt.datetime | None = None) -> Ticket:
    """接单: the handler takes it up; the first taking-up is the response the 响应率 counts."""
    now = now or timezone.now()

    def apply(t: Ticket) -> list[str]:
        fields = _mark_response(t, now)
        if t.assignee_id is None and actor is not None:
            t.assignee = actor
            fields.append("assignee")
        return fields

    return ticket_transition(
        actor=actor, ticket_id=ticket.pk, action=A.ACCEPT, apply=apply, note=note, now=now
    )


def _resolved(t: Ticket, now: dt.datetime) -> list[str]:
    t.resolved_at = now
    t.resolved_level = t.level
    return ["resolved_at", "resolved_level", *_mark_response(t, now)]


def ticket_resolve(
    *,
    actor: Any,
    ticket: Ticket,
    note: str,
    attachments: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Ticket:
    """办结反馈: the handler reports what was done (photos welcome); the verifier checks it."""
    now = now or timezone.now()
    note = _require_note(note, _("办理结果"))
    return ticket_transition(
        actor=actor,
        ticket_id=ticket.pk,
        action=A.RESOLVE,
        apply=lambda t: _resolved(t, now),
        note=note,
        attachments=attachments,
        now=now,
    )


def ticket_answer(*, actor: Any, ticket: Ticket, note: str, now: dt.datetime | None = None) -> Ticket:
    """答复咨询: a consultation is answered, not dispatched."""
    now = now or timezone.now()
    note = _require_note(note, _("答复内容"))

    def check(t: Ticket) -> None:
        if not t.is_consultation:
            raise ValidationFailed(_("只有咨询类诉求可以直接答复"), code="not_consultation")

    return ticket_transition(
        actor=actor,
        ticket_id=ticket.pk,
        action=A.ANSWER,
        apply=lambda t: _resolved(t, now),
        note=note,
        now=now,
        check=check,
    )


def ticket_verify(*, actor: Any, ticket: Ticket, note: str = "", now: dt.datetime | None = None) -> Ticket:
    """核查结案: the level above checks the work and closes the case."""
    now = now or timezone.now()

    def apply(t: Ticket) -> list[str]:
        t.closed_at = now
        return ["closed_at"]

    return ticket_transition(
        actor=actor, ticket_id=ticket.pk, action=A.VERIFY, apply=apply, note=note, now=now
    )


def ticket_reject(*, actor: Any, ticket: Ticket, note: str, now: dt.datetime | None = None) -> Ticket:
    """核查不通过: back to the handler, the clock still running from where it was."""
    now = now or timezone.now()
    note = _require_note(note, _("核查意见"))

    def apply(t: Ticket) -> list[str]:
        t.resolved_at = None
        t.resolved_level = ""
        return ["resolved_at", "resolved_level"]

    return ticket_transition(
        actor=actor, ticket_id=ticket.pk, action=A.REJECT, apply=apply, note=note, now=now
    )


def ticket_return(*, actor: Any, ticket: Ticket, note: str, now: dt.datetime | None = None) -> Ticket:
    """退回: not mine (wrong category, outside remit): back to the dispatcher of this level."""
    now = now or timezone.now()
    note = _require_note(note, _("退回理由"))

    def apply(t: Ticket) -> list[str]:
        t.assignee = None
        t.party_run = False
        return ["assignee", "party_run"]

    return ticket_transition(
        actor=actor, ticket_id=ticket.pk, action=A.RETURN, apply=apply, note=note, now=now
    )


def ticket_suspend(*, actor: Any, ticket: Ticket, note: str, now: dt.datetime | None = None) -> Ticket:
    """挂起: waiting on something outside the handler's hands; the working-time clock stops."""
    now = now or timezone.now()
    note = _require_note(note, _("挂起理由"))

    def apply(t: Ticket) -> list[str]:
        t.suspended_from = t.state
        t.remaining_seconds = working_seconds_between(now, t.due_at) if t.due_at is not None else None
        t.due_at = None
        return ["suspended_from", "remaining_seconds", "due_at"]

    return ticket_transition(
        actor=actor, ticket_id=ticket.pk, action=A.SUSPEND, apply=apply, note=note, now=now
    )


def ticket_resume(*, actor: Any, ticket: Ticket, note: str = "", now: dt.datetime | None = None) -> Ticket:
    """恢复: the clock runs again with the working time that was left."""
    now = now or timezone.now()

    def apply(t: Ticket) -> list[str]:
        remaining = t.remaining_seconds or 0
        t.due_at = add_working_seconds(now, remaining)
        t.deadline_handled = False
        t.remaining_seconds = None
        t.suspended_from = ""
        return ["due_at", "deadline_handled", "remaining_seconds", "suspended_from"]

    return ticket_transition(
        actor=actor, ticket_id=ticket.pk, action=A.RESUME, apply=apply, note=note, now=now
    )


def ticket_void(*, actor: Any, ticket: Ticket, reason: str, now: dt.datetime | None = None) -> Ticket:
    """作废: not a case (a prank, a duplicate call, outside any remit), with the reason audited."""
    now = now or timezone.now()
    reason = _require_note(reason, _("作废理由"))

    def apply(t: Ticket) -> list[str]:
        # A void ticket has no clock: a suspension it was under ends with it.
        t.suspended_from = ""
        t.remaining_seconds = None
        return ["suspended_from", "remaining_seconds"]

    result = ticket_transition(
        actor=actor, ticket_id=ticket.pk, action=A.VOID, apply=apply, note=reason, now=now
    )
    audit_record(
        actor=actor, action="ticket.void", subject=result, node_path=result.node_path, data={"reason": reason}
    )
    return result


def ticket_merge(
    *, actor: Any, ticket: Ticket, into: Ticket, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """合并: a duplicate folds into the ticket that carries on; the reporter follows that one."""
    now = now or timezone.now()
    if into.pk == ticket.pk:
        raise ValidationFailed(_("不能与自身合并"), code="merge_self")
    if actor is not None and not rules.can_view(actor, into):
        raise NotFound(_("工单不存在"), code="ticket_not_found")

    def check(t: Ticket) -> None:
        target = Ticket.objects.filter(pk=into.pk).values_list("state", flat=True).first()
        if target is None or target in (State.VOID, State.MERGED):
            raise ValidationFailed(_("目标工单已作废或已被合并"), code="merge_target_closed")

    def apply(t: Ticket) -> list[str]:
        t.merged_into = into
        return ["merged_into"]

    return ticket_transition(
        actor=actor,
        ticket_id=ticket.pk,
        action=A.MERGE,
        apply=apply,
        check=check,
        note=note,
        data={"into": into.pk},
        now=now,
    )


def ticket_comment(
    *,
    actor: Any,
    ticket: Ticket,
    note: str,
    attachments: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Ticket:
    note = _require_note(note, _("备注"))
    return ticket_transition(
        actor=actor, ticket_id=ticket.pk, action=A.COMMENT, note=note, attachments=attachments, now=now
    )


@transaction.atomic
def ticket_rate(
    *, actor: Any, ticket: Ticket, rating: str, note: str = "", now: dt.datetime | None = None
) -> Ticket:
    """评价 by the reporter, or a staff member's 回访 record; 不满意 reopens it once, a level up."""
    now = now or timezone.now()
    if rating not in Rating.values:
        raise ValidationFailed(
            _("请选择满意、基本满意或不满意"), code="invalid_rating", data={"field": "rating"}
        )
    note = clean_text(note, field="note", label=_("评价意见"), max_length=500, required=False)
    by_reporter = rules.is_reporter(actor, ticket)

    def apply(t: Ticket) -> list[str]:
        t.rating = rating
        t.rating_note = note
        t.rated_at = now
        return ["rating", "rating_note", "rated_at"]

    rated = ticket_transition(
        actor=actor,
        ticket_id=ticket.pk,
        action=A.RATE,
        apply=apply,
        note=note,
        data={"rating": rating, "visit": not by_reporter},
        now=now,
    )
    if rating == Rating.UNSATISFIED and rated.reopens < reopen_limit():
        return ticket_reopen(ticket=rated, now=now)
    return rated


def ticket_reopen(*, ticket: Ticket, now: dt.datetime | None = None) -> Ticket:
    """重新办理 after an unsatisfied rating: one level up (the department stays the department)."""
    now = now or timezone.now()

    def apply(t: Ticket) -> list[str]:
        up = level_above(t.level)
        if up == Level.DEPARTMENT and (t.category is None or t.category.department is None):
            up = None
        if up == Level.DEPARTMENT and t.category is not None:
            target = Target(department=t.category.department)
        elif up is None and t.level == Level.DEPARTMENT:
            target = Target(department=t.department)  # at the top it goes back to the same department
        else:
            target = Target()
        fields = send(t, target, up or t.level, now)
        if up is None:
            start_level_clock(t, now)
            fields += CLOCK_FIELDS
        t.reopens += 1
        t.resolved_at = t.closed_at = t.rated_at = None
        t.resolved_level = ""
        t.rating = ""
        return [*fields, "reopens", "resolved_at", "closed_at", "rated_at", "resolved_level", "rating"]

    return ticket_transition(actor=None, ticket_id=ticket.pk, action=A.REOPEN, apply=apply, now=now)
