"""议题 in the console: the list (scoped, filtered, paged), proposing a matter, and one matter — its
stages as a progress strip, its timeline, and the action panel of its open step by stage kind.

Every write is one service call of sanzhi.deliberation (atomic): a DomainError comes back as its
translated message on the form that was sent (422) and nothing is written. An out-of-scope matter
is a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.errors import DomainError, Forbidden
from sanzhi.deliberation import flow, rules
from sanzhi.deliberation.evaluation import evaluation_summary, evaluation_window
from sanzhi.deliberation.models import (
    ApprovalDecision,
    Matter,
    MatterStatus,
    MatterStep,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeStatus,
    ObjectionStatus,
    Procedure,
    StageKind,
    Task,
    TaskStatus,
)
from sanzhi.deliberation.selectors import (
    body_list_for,
    matter_get_for,
    matter_list_for,
    matter_timeline,
    procedure_list_for,
)
from sanzhi.deliberation.selectors_meetings import approval_list_for
from sanzhi.grids.models import Node
from sanzhi.tickets.selectors import ticket_list_for
from sanzhi.web.forms_deliberation import (
    ApprovalDecideForm,
    ApprovalRequestForm,
    ImplementationFinishForm,
    MatterFilterForm,
    MatterForm,
    MeetingCallForm,
    NoteForm,
    NoticeOpenForm,
    ObjectionDecideForm,
    TaskAddForm,
    TaskProgressForm,
    WithdrawForm,
)
from sanzhi.web.views.common import console_view, is_htmx, paginate, require
from sanzhi.web.views.deliberation_actions import ACTIONS
from sanzhi.web.views.deliberation_attachments import (
    AttachForm,
    attach_form_for,
    attachment_rows,
    file_error,
)
from sanzhi.web.views.deliberation_support import (
    form_error,
    is_delib_staff,
    render_page,
    stage_rules,
    stage_strip,
    yuan,
)

PER_PAGE = 30
MEETING_DETAIL_EVENTS = ("attendance_recorded", "ballot_cast")


def event_label(action: str) -> str:
    return {
        "proposed": _("提出议题"),
        "from_saying": _("由村民说事立题"),
        "stage_opened": _("进入环节"),
        "stage_skipped": _("环节不适用，跳过"),
        "stage_passed": _("环节通过"),
        "stage_failed": _("环节未通过"),
        "stage_returned": _("环节退回"),
        "stage_withdrawn": _("撤回"),
        "sent_back": _("退回重议"),
        "done": _("议题办结"),
        "rejected": _("议题未通过"),
        "withdrawn": _("议题已撤回"),
        "meeting_called": _("召集会议"),
        "meeting_cancelled": _("取消会议"),
        "attendance_recorded": _("登记出席"),
        "ballot_cast": _("表决"),
        "count_recorded": _("登记计票"),
        "meeting_decided": _("宣布表决结果"),
        "minutes_signed": _("会议记录签字"),
        "approval_requested": _("提交请示"),
        "approval_decided": _("上级批复"),
        "notice_opened": _("发布公示"),
        "objection_submitted": _("收到异议"),
        "objection_decided": _("处理异议"),
        "notice_returned": _("公示退回"),
        "notice_closed": _("公示期满"),
        "task_added": _("安排任务"),
        "task_progress": _("填报进度"),
        "evaluated": _("群众评价"),
        "attached": _("上传附件"),
    }.get(action, action)


# ---------------------------------------------------------------- 议题列表


@console_view
def matters(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(is_delib_staff(user))
    procedures = list(procedure_list_for(user=user).filter(active=True).order_by("node_path", "id"))
    filters = MatterFilterForm(request.GET or None, procedures=procedures)
    status, procedure, search = "", None, ""
    if filters.is_bound and filters.is_valid():
        status = filters.cleaned_data["status"] or ""
        procedure = filters.cleaned_data["procedure"]
        search = filters.cleaned_data["q"] or ""
    items = matter_list_for(user=user, status=status or None, search=search)
    if procedure is not None:
        items = items.filter(procedure_id=procedure)
    page = paginate(request, items.order_by("-created_at", "-id"), per_page=PER_PAGE)
    query = "&".join(
        f"{k}={v}" for k, v in (("status", status), ("procedure", procedure or ""), ("q", search)) if v
    )
    context = {
        "page": page,
        "filters": filters,
        "querystring": query,
        "can_propose": bool(proposable_procedures(user)),
        "active": "deliberation",
        "tab": "matters",
    }
    if is_htmx(request):
        # The filters swap the results only; the same URL answers the whole page otherwise.
        response = render_page(request, "web/deliberation/partials/matter_results.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response
    response = render_page(request, "web/deliberation/matters.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---------------------------------------------------------------- 提出议题


def proposal_node(user: Any, procedure: Procedure) -> Node | None:
    """Where the user's matter under ``procedure`` sits: the procedure's own node (the community
    deliberates) when they may propose there, else the node under it where they may (a grid
    worker's grid), else None."""
    if rules.can_propose(user, procedure):
        return procedure.node
    scope = scope_for(user, Capability.PROPOSE_MATTERS)
    below = sorted(p for p in scope.paths if p.startswith(procedure.node_path))
    return Node.objects.filter(path=below[0]).first() if below else None


def proposable_procedures(user: Any) -> list[tuple[Procedure, Node]]:
    procedures = procedure_list_for(user=user).filter(active=True).order_by("node_path", "id")
    found = []
    for procedure in procedures:
        node = proposal_node(user, procedure)
        if node is not None:
            found.append((procedure, node))
    return found


@console_view
def matter_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    places = dict(proposable_procedures(user))
    procedures = list(places)
    require(bool(procedures))
    bodies = list(body_list_for(user=user).filter(active=True).order_by("node_path", "kind"))
    form = MatterForm(request.POST or None, procedures=procedures, bodies=bodies)
    files_form = AttachForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and files_form.is_valid():
            data = form.cleaned_data
            procedure = next(p for p in procedures if p.pk == data["procedure"])
            body = next((b for b in bodies if b.pk == data["proposer_body"]), None)
            tickets = list(ticket_list_for(user=user).filter(pk__in=data["tickets"]))
            missing = sorted(set(data["tickets"]) - {t.pk for t in tickets})
            if missing:
                form.add_error(
                    "tickets",
                    _("找不到诉求：{ids}").format(ids="、".join(str(i) for i in missing)),
                )
            else:
                try:
                    matter = flow.matter_propose(
                        actor=user,
                        node=places[procedure],
                        procedure=procedure,
                        title=data["title"],
                        description=data["description"],
                        matter_type=data["matter_type"],
                        amount_fen=data["amount"],
                        declared_major=data["declared_major"],
                        proposer_body=body,
                        tickets=tickets,
                        attachments=files_form.cleaned_data["attachments"],
                    )
                except DomainError as exc:
                    if not file_error(files_form, "attachments", exc):
                        form_error(form, exc)
                else:
                    messages.success(request, _("已提出议题“{title}”").format(title=matter.title))
                    return redirect("web:delib_matter", pk=matter.pk)
        status = 422
    context = {"form": form, "files_form": files_form, "active": "deliberation", "tab": "matters"}
    return render_page(request, "web/deliberation/matter_new.html", context, status=status)


# ---------------------------------------------------------------- one matter


def _panel(
    user: Any, matter: Matter, step: MatterStep | None, bound: dict[str, forms.Form]
) -> dict[str, Any]:
    """What the open step's action panel shows and which forms it offers to this user."""
    if step is None:
        return {}
    stage = step.stage
    run = rules.can_run(user, matter)
    panel: dict[str, Any] = {"kind": stage.kind, "step": step, "stage": stage, "can_run": run}
    if stage.kind == StageKind.PROPOSAL:
        panel["accept"] = bound.get("accept") or NoteForm() if run else None
    elif stage.kind == StageKind.MEETING:
        meetings = list(Meeting.objects.filter(step=step).select_related("body").order_by("-id"))
        scheduled = next((m for m in meetings if m.status == MeetingStatus.SCHEDULED), None)
        panel["meetings"] = meetings
        panel["scheduled"] = scheduled
        panel["call"] = (
            (bound.get("meeting_call") or MeetingCallForm()) if run and scheduled is None else None
        )
    elif stage.kind == StageKind.APPROVAL:
        approvals = list(step.approvals.select_related("requested_by", "decided_by").order_by("-id"))
        pending = next((a for a in approvals if a.decision == ApprovalDecision.PENDING), None)
        panel["approvals"] = approvals
        panel["pending"] = pending
        panel["request"] = (
            (bound.get("approval_request") or ApprovalRequestForm()) if run and pending is None else None
        )
        decides = pending is not None and approval_list_for(user=user).filter(pk=pending.pk).exists()
        panel["decide"] = (bound.get("approval_decide") or ApprovalDecideForm()) if decides else None
    elif stage.kind == StageKind.NOTICE:
        notice = Notice.objects.filter(step=step).select_related("publication").first()
        panel["notice"] = notice
        if notice is None:
            panel["open"] = (
                (bound.get("notice_open") or NoticeOpenForm(min_days=stage.min_days)) if run else None
            )
        else:
            objections = list(notice.objections.select_related("resident").order_by("created_at", "id"))
            waiting = [o for o in objections if o.status == ObjectionStatus.PENDING]
            decide_form = bound.get("objection_decide")
            panel["objections"] = [
                {
                    "objection": o,
                    "form": (
                        decide_form
                        if decide_form is not None and str(decide_form.data.get("objection")) == str(o.pk)
                        else ObjectionDecideForm(initial={"objection": o.pk}, prefix=f"o{o.pk}")
                    )
                    if run and o.status == ObjectionStatus.PENDING
                    else None,
                }
                for o in objections
            ]
            now = timezone.now()
            why = ""
            if notice.status == NoticeStatus.OPEN and now < notice.ends_at:
                why = _("公示期至{ends}结束，期满前不能结束公示").format(
                    ends=timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")
                )
            elif waiting:
                why = _("还有{count}条异议未处理").format(count=len(waiting))
            panel["close_why"] = why
            panel["can_close"] = run and notice.status == NoticeStatus.OPEN
    elif stage.kind == StageKind.IMPLEMENTATION:
        tasks = list(Task.objects.filter(step=step).select_related("owner").order_by("id"))
        progress_form = bound.get("task_progress")
        panel["tasks"] = [
            {
                "task": t,
                "updates": list(t.updates.order_by("at", "id")),
                "form": (
                    progress_form
                    if progress_form is not None and str(progress_form.data.get("task")) == str(t.pk)
                    else TaskProgressForm(initial={"task": t.pk, "progress": t.progress})
                )
                if t.status != TaskStatus.DONE and (run or t.owner_id == user.pk)
                else None,
            }
            for t in tasks
        ]
        panel["add"] = (bound.get("task_add") or TaskAddForm()) if run else None
        panel["finish"] = (bound.get("implementation_finish") or ImplementationFinishForm()) if run else None
    elif stage.kind == StageKind.EVALUATION:
        _starts, ends = evaluation_window(step)
        panel["summary"] = evaluation_summary(matter)
        panel["ends"] = ends
        panel["close_why"] = (
            _("评价期至{ends}结束，期满前不能结束评价").format(
                ends=timezone.localtime(ends).strftime("%Y-%m-%d %H:%M")
            )
            if timezone.now() < ends
            else ""
        )
        panel["can_close"] = run
    return panel


def matter_context(request: HttpRequest, matter: Matter, bound: dict[str, forms.Form]) -> dict[str, Any]:
    user = request.user
    stages = list(matter.procedure.stages.order_by("order"))
    steps = list(MatterStep.objects.filter(matter=matter).order_by("id"))
    step = next((s for s in steps if s.pk == matter.current_step_id), None)
    if step is not None:
        step.stage = next(s for s in stages if s.pk == step.stage_id)
    names = {s.code: s.name for s in stages}
    # Sign-ins and single votes are told on the meeting's own page; here they would drown the rest.
    timeline = matter_timeline(matter).exclude(action__in=MEETING_DETAIL_EVENTS)
    events = [{"event": e, "label": event_label(e.action)} for e in timeline]
    withdraw = None
    if matter.status == MatterStatus.ACTIVE and (
        rules.can_run(user, matter) or matter.proposed_by_id == user.pk
    ):
        withdraw = bound.get("withdraw") or WithdrawForm()
    return {
        "matter": matter,
        "amount": yuan(matter.amount_fen),
        "strip": stage_strip(matter, stages, steps),
        "step": step,
        "step_rules": stage_rules(step.stage, names) if step is not None else [],
        "panel": _panel(user, matter, step, bound),
        "events": events,
        "meetings": list(
            Meeting.objects.filter(step__matter=matter).select_related("body", "step__stage").order_by("id")
        ),
        "tickets": list(matter.tickets.all()),
        "attachments": attachment_rows(matter),
        "attach": attach_form_for(user, matter, bound),
        "withdraw": withdraw,
        "active": "deliberation",
        "tab": "matters",
    }


@console_view
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(is_delib_staff(request.user))
    matter = matter_get_for(user=request.user, pk=pk)
    return render_page(request, "web/deliberation/matter.html", matter_context(request, matter, {}))


@require_POST
@console_view
def matter_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on the matter's open step: the service call, then back to the matter (or the page
    again, 422, with the translated error on the form that was sent)."""
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    require(is_delib_staff(request.user))
    matter = matter_get_for(user=request.user, pk=pk)
    form: forms.Form = forms.Form(request.POST)
    try:
        form, run = handler(request, matter)
        if form.is_valid():
            messages.success(request, run())
            return redirect("web:delib_matter", pk=matter.pk)
    except Forbidden:
        raise  # a 403 (console_view), not a form message
    except DomainError as exc:
        form_error(form, exc)
    matter.refresh_from_db()
    context = matter_context(request, matter, {action: form})
    context["errors"] = [
        f"{form.fields[name].label}：{e}" if name in form.fields and form.fields[name].label else str(e)
        for name, errs in form.errors.items()
        for e in errs
    ]
    context["failed_action"] = action
    return render_page(request, "web/deliberation/matter.html", context, status=422)
