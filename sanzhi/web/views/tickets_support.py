"""What the demand (诉求) pages share: the timeline as shown to this user, the reporter or "居民",
the step forms this user may use now, and the optional helpers (category suggestion, duplicates)."""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.models import User
from sanzhi.core.errors import DomainError
from sanzhi.grids.models import Node
from sanzhi.tickets import rules
from sanzhi.tickets import services as svc
from sanzhi.tickets.models import Category, Department, Ticket, TicketAttachment
from sanzhi.tickets.selectors import category_list, ticket_events
from sanzhi.tickets.states import CLOCK_STATES, Action, Level, State, allowed_actions
from sanzhi.web import forms_tickets as tf

log = logging.getLogger(__name__)
A = Action

# ---------------------------------------------------------------- optional helpers (other modules)


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """Category suggestion and duplicate search live in modules that may not be installed yet."""
    try:
        found: Callable[..., Any] | None = getattr(importlib.import_module(module), name, None)
        return found
    except ImportError:
        return None


def _call_with(func: Callable[..., Any], **available: Any) -> Any:
    """Pass the keyword arguments the helper declares, positionally the text if it takes one."""
    params = inspect.signature(func).parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    kwargs = {k: v for k, v in available.items() if takes_any or k in params}
    first = next(iter(params.values()), None)
    if (
        first is not None
        and first.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        and first.name not in kwargs
        and "text" in available
    ):
        return func(available["text"], **kwargs)
    return func(**kwargs)


def suggest_category(text: str) -> Category | None:
    """The router's first guess (sanzhi.tickets.routing), or None when there is no router or no guess."""
    func = _optional("sanzhi.tickets.routing", "suggest_category")
    if func is None or not (text or "").strip():
        return None
    try:
        result = _call_with(func, text=text)
    except (DomainError, TypeError, ValueError, LookupError):
        log.warning("suggest_category failed", exc_info=True)
        return None
    # A ranked list of categories or of (category, score) pairs, or a single answer.
    if isinstance(result, list):
        result = result[0] if result else None
    if isinstance(result, tuple):
        result = result[0] if result else None
    result = getattr(result, "category", result)
    if isinstance(result, str):
        return category_list().filter(code=result).first()
    return result if isinstance(result, Category) and result.active else None


def likely_duplicates(
    *,
    user: Any,
    text: str,
    node: Node | None,
    latitude: Any,
    longitude: Any,
    exclude_id: int | None = None,
) -> list[Ticket]:
    """Recent similar tickets nearby (sanzhi.tickets.duplicates), or nothing when that module is absent."""
    func = _optional("sanzhi.tickets.duplicates", "likely_duplicates")
    if func is None or node is None or len((text or "").strip()) < 4:
        return []
    try:
        found = _call_with(
            func,
            user=user,
            actor=user,
            text=text,
            node=node,
            community=node,
            latitude=latitude or None,
            longitude=longitude or None,
            now=timezone.now(),
            limit=5,
            exclude_id=exclude_id,
        )
    except (DomainError, TypeError, ValueError, LookupError):
        log.warning("likely_duplicates failed", exc_info=True)
        return []
    tickets = []
    for item in list(found or [])[:5]:
        candidate = item[0] if isinstance(item, list | tuple) else getattr(item, "ticket", item)
        if isinstance(candidate, Ticket):
            tickets.append(candidate)
    return tickets


# ---------------------------------------------------------------- who the reporter is, to this user

RESIDENT_LABEL = _("居民")


def reporter_view(user: Any, ticket: Ticket) -> dict[str, Any]:
    """诉求人: shown to the handlers in scope and the reporter; everybody else sees "居民"."""
    if not rules.can_see_reporter(user, ticket):
        return {"visible": False, "name": RESIDENT_LABEL}
    return {
        "visible": True,
        "name": ticket.reporter_name
        or (ticket.reporter.display_name if ticket.reporter else "")
        or RESIDENT_LABEL,
        "phone": ticket.reporter_phone,
        "household": ticket.household,
        "entered_by": ticket.entered_by if ticket.entered_by_id != ticket.reporter_id else None,
    }


# ---------------------------------------------------------------- the timeline


@dataclass
class EventRow:
    at: Any
    action: str
    action_label: str
    actor: str
    from_state: str
    to_state: str
    level_change: str
    note: str
    detail: str
    attachments: list[TicketAttachment] = field(default_factory=list)


def _names(events: list[Any]) -> dict[str, dict[str, str]]:
    """Display names for the targets recorded in event data, in three queries at most."""
    wanted: dict[str, set[str]] = {"user": set(), "node": set(), "department": set()}
    for e in events:
        for key in wanted:
            value = (e.data or {}).get(key)
            if isinstance(value, str):
                wanted[key].add(value)
    names: dict[str, dict[str, str]] = {"user": {}, "node": {}, "department": {}}
    if wanted["user"]:
        for username, display in User.objects.filter(username__in=wanted["user"]).values_list(
            "username", "display_name"
        ):
            names["user"][username] = display or username
    if wanted["node"]:
        names["node"] = dict(Node.objects.filter(code__in=wanted["node"]).values_list("code", "name"))
    if wanted["department"]:
        names["department"] = dict(
            Department.objects.filter(code__in=wanted["department"]).values_list("code", "name")
        )
    return names


def _detail(data: dict[str, Any], names: dict[str, dict[str, str]]) -> str:
    parts = []
    for key in ("department", "node", "user"):
        value = data.get(key)
        if isinstance(value, str):
            parts.append(names[key].get(value, value))
    text = " · ".join(parts)
    if data.get("party_run"):
        text = f"{text}（{_('党员跑单')}）"
    if data.get("rating"):
        from sanzhi.tickets.models import Rating

        label = dict(Rating.choices).get(data["rating"], data["rating"])
        visit = _("回访")
        text = f"{label}（{visit}）" if data.get("visit") else str(label)
    if data.get("into"):
        text = _("并入工单 {id}").format(id=data["into"])
    if data.get("category"):
        category = category_list(active_only=False).filter(code=data["category"]).first()
        text = str(category) if category else data["category"]
    return text


def timeline(user: Any, ticket: Ticket) -> list[EventRow]:
    events = list(ticket_events(ticket))
    names = _names(events)
    hide_reporter = not rules.can_see_reporter(user, ticket)
    states = dict(State.choices)
    levels = dict(Level.choices)
    actions = dict(Action.choices)
    rows = []
    for e in events:
        if e.actor is None:
            actor = str(_("系统")) if e.action != A.REPORT else str(RESIDENT_LABEL)
        elif hide_reporter and e.actor_id == ticket.reporter_id:
            actor = str(RESIDENT_LABEL)
        else:
            actor = e.actor.display_name or e.actor.username
        level_change = ""
        if e.from_level and e.from_level != e.to_level:
            level_change = f"{levels.get(e.from_level, e.from_level)} → {levels.get(e.to_level, e.to_level)}"
        rows.append(
            EventRow(
                at=e.at,
                action=e.action,
                action_label=str(actions.get(e.action, e.action)),
                actor=actor,
                from_state=str(states.get(e.from_state, "")) if e.from_state != e.to_state else "",
                to_state=str(states.get(e.to_state, e.to_state)),
                level_change=level_change,
                note=e.note,
                detail=_detail(e.data or {}, names),
                attachments=list(e.attachments.all()),
            )
        )
    return rows


# ---------------------------------------------------------------- the step forms


@dataclass(frozen=True)
class Step:
    action: str
    form: type[forms.Form]
    run: Callable[[Any, Ticket, Any], Ticket]
    button: Any
    style: str = "primary"
    multipart: bool = False


def _run_register(user: Any, t: Ticket, f: Any) -> Ticket:
    category = f.chosen_category()
    return svc.ticket_register(actor=user, ticket=t, category=category, note=f.cleaned_data["note"])


def _run_dispatch(user: Any, t: Ticket, f: Any) -> Ticket:
    return svc.ticket_dispatch(actor=user, ticket=t, target=f.target(), note=f.cleaned_data["note"])


def _run_transfer(user: Any, t: Ticket, f: Any) -> Ticket:
    target = f.target()
    assert target is not None
    return svc.ticket_transfer(actor=user, ticket=t, target=target, note=f.cleaned_data["note"])


def _note_step(service: Callable[..., Ticket], arg: str = "note") -> Callable[[Any, Ticket, Any], Ticket]:
    def run(user: Any, t: Ticket, f: Any) -> Ticket:
        return service(actor=user, ticket=t, **{arg: f.cleaned_data["note"]})

    return run


def _with_photos(service: Callable[..., Ticket]) -> Callable[[Any, Ticket, Any], Ticket]:
    def run(user: Any, t: Ticket, f: Any) -> Ticket:
        return service(actor=user, ticket=t, note=f.cleaned_data["note"], attachments=tf.files_of(f))

    return run


def _run_merge(user: Any, t: Ticket, f: Any) -> Ticket:
    return svc.ticket_merge(actor=user, ticket=t, into=f.cleaned_data["into"], note=f.cleaned_data["note"])


def _run_rate(user: Any, t: Ticket, f: Any) -> Ticket:
    return svc.ticket_rate(actor=user, ticket=t, rating=f.cleaned_data["rating"], note=f.cleaned_data["note"])


# The loop's forward steps first, then the side roads; the first one shown opens by default.
STEPS: dict[str, Step] = {
    s.action: s
    for s in (
        Step(A.REGISTER, tf.RegisterForm, _run_register, _("立案")),
        Step(A.ANSWER, tf.RequiredNoteForm, _note_step(svc.ticket_answer), _("答复")),
        Step(A.DISPATCH, tf.DispatchForm, _run_dispatch, _("派遣")),
        Step(A.ACCEPT, tf.NoteForm, _note_step(svc.ticket_accept), _("接单")),
        Step(A.RESOLVE, tf.ResolveForm, _with_photos(svc.ticket_resolve), _("提交办结"), multipart=True),
        Step(A.VERIFY, tf.NoteForm, _note_step(svc.ticket_verify), _("核查通过，结案")),
        Step(A.REJECT, tf.RequiredNoteForm, _note_step(svc.ticket_reject), _("核查不通过"), "outline-danger"),
        Step(A.RATE, tf.RateForm, _run_rate, _("提交评价")),
        Step(A.RESUME, tf.NoteForm, _note_step(svc.ticket_resume), _("恢复办理")),
        Step(
            A.COMMENT,
            tf.CommentForm,
            _with_photos(svc.ticket_comment),
            _("添加备注"),
            "outline-primary",
            True,
        ),
        Step(A.RETURN, tf.RequiredNoteForm, _note_step(svc.ticket_return), _("退回"), "outline-secondary"),
        Step(A.TRANSFER, tf.TransferForm, _run_transfer, _("转办"), "outline-secondary"),
        Step(A.SUSPEND, tf.RequiredNoteForm, _note_step(svc.ticket_suspend), _("挂起"), "outline-secondary"),
        Step(A.MERGE, tf.MergeForm, _run_merge, _("合并"), "outline-secondary"),
        Step(A.VOID, tf.VoidForm, _note_step(svc.ticket_void, "reason"), _("作废"), "outline-danger"),
    )
}

# Notes whose wording depends on the step (the generic "说明" otherwise).
NOTE_LABELS: dict[str, Any] = {
    A.ANSWER: _("答复内容"),
    A.REJECT: _("核查意见"),
    A.RETURN: _("退回理由"),
    A.SUSPEND: _("挂起理由"),
}


def steps_for(user: Any, ticket: Ticket) -> list[Step]:
    """The steps this user may take on this ticket now: the state table and the rules, both."""
    legal = set(allowed_actions(ticket.state))
    steps = []
    for action, step in STEPS.items():
        if action not in legal or not rules.can_act(user, ticket, action):
            continue
        if action == A.ANSWER and not ticket.is_consultation:
            continue
        steps.append(step)
    return steps


def build_form(step: Step, user: Any, ticket: Ticket, data: Any = None, files: Any = None) -> forms.Form:
    kwargs: dict[str, Any] = {"ticket": ticket, "user": user, "prefix": step.action}
    if step.action == A.REGISTER and ticket.category_id is None:
        # The same text the service records the shown suggestion from (routing.suggestion_data).
        kwargs["suggested"] = suggest_category(f"{ticket.title} {ticket.text}")
    if step.action == A.RATE:
        kwargs["visit"] = not rules.is_reporter(user, ticket)
    form = step.form(data, files, **kwargs)
    if step.action in NOTE_LABELS:
        form.fields["note"].label = NOTE_LABELS[step.action]
    if step.action == A.DISPATCH and ticket.level != Level.GRID and isinstance(form, tf.DispatchForm):
        # Only a grid has a default handler; above it the dispatcher names one.
        target: Any = form.fields["target"]
        target.choices = [c for c in target.choices if c[0] != "default"]
        target.initial = "user"
    return bootstrapify(form)


F = TypeVar("F", bound=forms.Form)


def bootstrapify(form: F) -> F:
    """Bootstrap classes on the widgets, so the templates can render any step form generically."""
    for f in form.fields.values():
        widget = f.widget
        if isinstance(widget, forms.RadioSelect | forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs["class"] = css
    return form


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    name = (exc.data or {}).get("field")
    if isinstance(name, str) and name in form.fields:
        form.add_error(name, exc.message)
    elif name == "reason" and "note" in form.fields:
        form.add_error("note", exc.message)
    else:
        form.add_error(None, exc.message)


def is_late(ticket: Ticket) -> bool:
    return ticket.state in CLOCK_STATES and ticket.due_at is not None and ticket.due_at < timezone.now()


# The reporter's view of progress: the forward path of the loop.
PROGRESS = [
    (State.REPORTED, _("上报")),
    (State.REGISTERED, _("立案")),
    (State.DISPATCHED, _("派遣")),
    (State.IN_PROGRESS, _("处置")),
    (State.RESOLVED, _("反馈")),
    (State.CLOSED, _("结案")),
    (State.RATED, _("评价")),
]


def progress(ticket: Ticket) -> list[dict[str, Any]]:
    order: list[str] = [s for s, _label in PROGRESS]
    state = ticket.suspended_from if ticket.state == State.SUSPENDED else ticket.state
    reached = order.index(state) if state in order else -1
    return [
        {"label": label, "done": i < reached, "current": i == reached}
        for i, (_s, label) in enumerate(PROGRESS)
    ]
