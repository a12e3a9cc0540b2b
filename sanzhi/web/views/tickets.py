"""Demands (诉求) for residents and handlers alike: 我要反映, 我的诉求, one ticket with its timeline
and the forms of the steps the user may take now, and its photos through a scoped view.

Writes go through sanzhi.tickets services; a DomainError comes back as a message in the form (422,
so htmx swaps it in); an invisible ticket is a 404 and a step the user may not take a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.accounts.roles import Capability
from sanzhi.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from sanzhi.tickets import rules
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Ticket, TicketAttachment
from sanzhi.tickets.selectors import ticket_get_for, ticket_list_for
from sanzhi.tickets.states import OPEN_STATES, Action, State
from sanzhi.web.forms_tickets import IntakeForm, ReportForm, files_of
from sanzhi.web.views.common import console_view, is_htmx, paginate, render_page_or_fragment
from sanzhi.web.views.tickets_support import (
    STEPS,
    add_domain_error,
    bootstrapify,
    build_form,
    is_late,
    likely_duplicates,
    progress,
    reporter_view,
    steps_for,
    suggest_category,
    timeline,
)

DETAIL = "web/tickets/detail.html"
DETAIL_BODY = "web/tickets/partials/detail_body.html"


def is_ticket_staff(user: Any) -> bool:
    """Works tickets somewhere: views tickets in an area, or is a member of a department."""
    return bool(user.has_perm(Capability.VIEW_TICKETS) or rules.department_ids_of(user))


def own_household(user: Any) -> Any:
    resident = getattr(user, "resident", None)
    return resident.household if resident is not None else None


# ---------------------------------------------------------------- 我要反映


@console_view
def ticket_report(request: HttpRequest) -> HttpResponse:
    user = request.user
    household = own_household(user)
    form = bootstrapify(ReportForm(request.POST or None, request.FILES or None))
    status = 200
    if request.method == "POST" and household is not None:
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = ticket_create(
                    actor=user,
                    channel=Channel.RESIDENT,
                    text=data["text"],
                    title=data["title"],
                    category=form.chosen_category(),
                    address=data["address"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    attachments=files_of(form),
                )
            except (ValidationFailed, Conflict) as exc:
                add_domain_error(form, exc)
            else:
                messages.success(
                    request, _("已收到您反映的问题，工单编号 {number}。").format(number=ticket.number)
                )
                return redirect("web:ticket_detail", pk=ticket.pk)
        status = 422
    context = {"form": form, "household": household, "active": "report"}
    return render(request, "web/tickets/report.html", context, status=status)


@require_POST
@console_view
def ticket_suggest(request: HttpRequest) -> HttpResponse:
    """As the reporter types: a suggested category and likely duplicates (htmx fragment)."""
    user = request.user
    prefix = request.POST.get("prefix", "")
    text = (request.POST.get(f"{prefix}text") or "").strip()[:4000]
    node = None
    if request.POST.get(f"{prefix}node"):
        node = IntakeForm(user=user).nodes.get(request.POST[f"{prefix}node"])
    if node is None:
        household = own_household(user)
        node = household.node if household is not None else None
    category = suggest_category(text)
    duplicates = likely_duplicates(
        user=user,
        text=text,
        node=node,
        latitude=request.POST.get(f"{prefix}latitude"),
        longitude=request.POST.get(f"{prefix}longitude"),
    )
    rows = [{"ticket": t, "visible": rules.can_view(user, t)} for t in duplicates]
    return render(
        request,
        "web/tickets/partials/suggest.html",
        {"category": category, "duplicates": rows, "field_id": f"id_{prefix}category"},
    )


# ---------------------------------------------------------------- 我的诉求


@console_view
def tickets_mine(request: HttpRequest) -> HttpResponse:
    user = request.user
    page = paginate(request, ticket_list_for(user=user, reported_by_me=True), per_page=20)
    # A party member on a run (党员跑单) holds no staff role: their tickets are listed here too.
    runs = ticket_list_for(user=user, assigned_to_me=True, states=sorted(OPEN_STATES))
    runs = runs.exclude(reporter_id=user.pk)[:20]
    context = {
        "page": page,
        "runs": list(runs),
        "active": "mine",
        "can_report": own_household(user) is not None,
    }
    return render_page_or_fragment(
        request, "web/tickets/mine.html", "web/tickets/partials/mine_list.html", context
    )


# ---------------------------------------------------------------- one ticket


def detail_context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    bound: tuple[str, Any] | None = None,
    notice: str = "",
) -> dict[str, Any]:
    user = request.user
    steps: list[dict[str, Any]] = []
    for step in steps_for(user, ticket):
        mine = bound is not None and bound[0] == step.action
        form = bound[1] if bound is not None and mine else build_form(step, user, ticket)
        steps.append({"step": step, "form": form, "open": False, "title": _step_title(user, ticket, step)})
    if steps:
        open_action = bound[0] if bound is not None else steps[0]["step"].action
        for s in steps:
            s["open"] = s["step"].action == open_action and open_action != Action.COMMENT
    # A step that is no longer on offer (someone else moved the ticket on): its error goes on top.
    orphan_errors: list[str] = []
    if bound is not None and not any(s["step"].action == bound[0] for s in steps):
        orphan_errors = [str(e) for errors in bound[1].errors.values() for e in errors]
    staff = is_ticket_staff(user)
    attachments = list(ticket.attachments.all())
    duplicates: list[Ticket] = []
    if any(s["step"].action in (Action.MERGE, Action.REGISTER) for s in steps):
        duplicates = likely_duplicates(
            user=user,
            text=f"{ticket.title} {ticket.text}",
            node=ticket.node,
            latitude=ticket.latitude,
            longitude=ticket.longitude,
            exclude_id=ticket.pk,
        )
    return {
        "duplicates": duplicates,
        "orphan_errors": orphan_errors,
        "ticket": ticket,
        "reporter": reporter_view(user, ticket),
        "events": timeline(user, ticket),
        "steps": steps,
        "notice": notice,
        "late": is_late(ticket),
        "progress": progress(ticket),
        "staff": staff,
        "is_reporter": rules.is_reporter(user, ticket),
        "attachments": attachments,
        "active": "queue" if staff else "mine",
    }


def _step_title(user: Any, ticket: Ticket, step: Any) -> str:
    if step.action == Action.RATE and not rules.is_reporter(user, ticket):
        return _("回访评价")
    return str(Action(step.action).label)


@console_view
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = ticket_get_for(user=request.user, pk=pk)
    return render(request, DETAIL, detail_context(request, ticket))


@require_POST
@console_view
def ticket_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    user = request.user
    step = STEPS.get(action)
    if step is None:
        raise Http404
    ticket = ticket_get_for(user=user, pk=pk)
    if not rules.can_act(user, ticket, action):
        raise PermissionDenied
    form = build_form(step, user, ticket, request.POST, request.FILES)
    if form.is_valid():
        try:
            step.run(user, ticket, form)
        except (ValidationFailed, Conflict) as exc:
            add_domain_error(form, exc)
        else:
            return _after_step(request, pk, action)
    ticket = ticket_get_for(user=user, pk=pk)
    context = detail_context(request, ticket, bound=(action, form))
    return render_page_or_fragment(request, DETAIL, DETAIL_BODY, context, status=422)


def _after_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    notice = _("已完成：{action}").format(action=Action(action).label)
    try:
        ticket = ticket_get_for(user=request.user, pk=pk)
    except NotFound:
        # Sent out of this user's reach (转办 to another department): back to the queue.
        messages.success(request, notice)
        url = reverse("web:ticket_queue")
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    if not is_htmx(request):
        messages.success(request, notice)
        return redirect("web:ticket_detail", pk=pk)
    return render(request, DETAIL_BODY, detail_context(request, ticket, notice=notice))


# ---------------------------------------------------------------- photos, never as public media


INLINE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


@login_required
def ticket_attachment(request: HttpRequest, pk: int) -> FileResponse:
    attachment = TicketAttachment.objects.select_related("ticket").filter(pk=pk).first()
    if attachment is None or not rules.can_view(request.user, attachment.ticket):
        raise Http404
    inline = attachment.content_type in INLINE_TYPES
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=attachment.content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=attachment.name,
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = [
    "DomainError",
    "State",
    "detail_context",
    "is_ticket_staff",
    "ticket_act",
    "ticket_attachment",
    "ticket_detail",
    "ticket_report",
    "ticket_suggest",
    "tickets_mine",
]
