"""会议 in the console: the meetings list, one meeting (roster with attendance and proxies, the
members' own votes for open ballots, a counted show of hands, the count under the stage's rules
with the quorum/majority verdict, minutes), and the township's approvals queue (请示报告).

Staff with ``deliberation.view`` see the meetings of their scope; a body's members see their own
meetings (selectors_meetings). Writes are the meetings services; a refusal (no quorum …) comes
back as its translated message and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanzhi.core.errors import DomainError, Forbidden
from sanzhi.deliberation import rules
from sanzhi.deliberation.counting import meeting_count, needed, quorum_of, verdict_of
from sanzhi.deliberation.meetings import (
    attendance_record,
    ballot_cast,
    may_conduct,
    meeting_cancel,
    meeting_decide,
    meeting_record_count,
    meeting_sign,
    roster_member,
)
from sanzhi.deliberation.models import (
    Attendance,
    AttendanceStatus,
    Ballot,
    BodyMember,
    Meeting,
    MeetingStatus,
)
from sanzhi.deliberation.selectors_meetings import approval_list_for, meeting_get_for, meeting_list_for
from sanzhi.web.forms_deliberation import (
    AttendanceForm,
    BallotForm,
    CountForm,
    MeetingCancelForm,
    MinutesForm,
)
from sanzhi.web.views.common import console_view, paginate, require
from sanzhi.web.views.deliberation_support import (
    can_approve_somewhere,
    form_error,
    is_delib_staff,
    render_page,
)

# ---------------------------------------------------------------- 会议列表


@console_view
def meetings(request: HttpRequest) -> HttpResponse:
    user = request.user
    which = request.GET.get("show", "upcoming")
    upcoming = {"upcoming": True, "past": False}.get(which)
    visible = meeting_list_for(user=user)
    require(is_delib_staff(user) or visible.exists())
    items = meeting_list_for(user=user, upcoming=upcoming).order_by("-scheduled_at", "-id")
    context = {
        "page": paginate(request, items, per_page=30),
        "show": which if upcoming is not None else "all",
        "querystring": f"show={which}",
        "active": "deliberation",
        "tab": "meetings",
    }
    return render_page(request, "web/deliberation/meetings.html", context)


# ---------------------------------------------------------------- one meeting


def _verdict(meeting: Meeting) -> dict[str, Any]:
    """The count as it stands and what the stage's rules say of it (for the page; the service
    counts again when it decides)."""
    stage = meeting.step.stage
    count = meeting_count(meeting, stage)
    verdict = verdict_of(count, stage)
    reason = ""
    if not verdict.quorum:
        reason = _("到会人数不足：应到{expected}人，实到{present}人，至少需{needed}人").format(
            expected=count.expected, present=count.present, needed=needed(quorum_of(stage), count.expected)
        )
    elif not verdict.majority:
        reason = _("赞成票未达到规定多数")
    return {
        "count": count,
        "needed": needed(quorum_of(stage), count.expected),
        "quorum": verdict.quorum,
        "majority": verdict.majority,
        "passed": verdict.passed,
        "reason": reason,
    }


def meeting_context(request: HttpRequest, meeting: Meeting, bound: dict[str, forms.Form]) -> dict[str, Any]:
    user = request.user
    stage = meeting.step.stage
    scheduled = meeting.status == MeetingStatus.SCHEDULED
    conduct = may_conduct(user, meeting)
    run = rules.can_run(user, meeting)
    rows = list(
        Attendance.objects.filter(meeting=meeting).select_related("member", "proxy_holder").order_by("id")
    )
    ballots = list(Ballot.objects.filter(meeting=meeting))
    choices = {b.member_id: b for b in ballots if b.member_id is not None}
    mine = roster_member(user, meeting)
    votable = []
    if scheduled and mine is not None:
        for row in rows:
            own = row.member_id == mine.pk and row.status == AttendanceStatus.PRESENT
            held = row.status == AttendanceStatus.PROXY and row.proxy_holder_id == mine.pk
            if (own or held) and not row.voted:
                votable.append(row.member)
    counted = scheduled and meeting.votes_for + meeting.votes_against + meeting.votes_abstain > 0
    return {
        "meeting": meeting,
        "matter": meeting.step.matter,
        "stage": stage,
        "rows": [{"row": r, "ballot": choices.get(r.member_id)} for r in rows],
        "members": [r.member for r in rows],
        "statuses": [
            (AttendanceStatus.PRESENT, AttendanceStatus.PRESENT.label),
            (AttendanceStatus.ABSENT, AttendanceStatus.ABSENT.label),
            *([(AttendanceStatus.PROXY, AttendanceStatus.PROXY.label)] if stage.allows_proxy else []),
        ],
        "ballots": len(ballots),
        "counted": counted,
        "verdict": _verdict(meeting) if scheduled else None,
        "can_attend": conduct and scheduled,
        "votable": votable,
        "count_form": (bound.get("count") or CountForm()) if conduct and scheduled and not ballots else None,
        "can_decide": run and scheduled,
        "sign_form": (bound.get("sign") or MinutesForm())
        if conduct and meeting.status == MeetingStatus.DECIDED
        else None,
        "cancel_form": (bound.get("cancel") or MeetingCancelForm()) if run and scheduled else None,
        "active": "deliberation",
        "tab": "meetings",
    }


@console_view
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_get_for(user=request.user, pk=pk)
    return render_page(request, "web/deliberation/meeting.html", meeting_context(request, meeting, {}))


def _roster(meeting: Meeting) -> list[BodyMember]:
    return [row.member for row in Attendance.objects.filter(meeting=meeting).select_related("member")]


def _member(members: list[BodyMember], pk: int | None) -> BodyMember | None:
    return next((m for m in members if m.pk == pk), None)


def _attend(request: HttpRequest, meeting: Meeting) -> tuple[forms.Form, Callable[[], str]]:
    members = _roster(meeting)
    form = AttendanceForm(request.POST, members=members)

    def run() -> str:
        data = form.cleaned_data
        member = _member(members, data["member"])
        assert member is not None
        attendance_record(
            actor=request.user,
            meeting=meeting,
            member=member,
            status=data["status"],
            proxy_holder=_member(members, data["proxy_holder"]),
        )
        return _("已登记{name}：{status}").format(
            name=member.name, status=AttendanceStatus(data["status"]).label
        )

    return form, run


def _ballot(request: HttpRequest, meeting: Meeting) -> tuple[forms.Form, Callable[[], str]]:
    members = _roster(meeting)
    form = BallotForm(request.POST, members=members)

    def run() -> str:
        member = _member(members, form.cleaned_data["member"])
        assert member is not None
        ballot_cast(actor=request.user, meeting=meeting, member=member, choice=form.cleaned_data["choice"])
        return _("已表决")

    return form, run


def _count(request: HttpRequest, meeting: Meeting) -> tuple[forms.Form, Callable[[], str]]:
    form = CountForm(request.POST)

    def run() -> str:
        data = form.cleaned_data
        meeting_record_count(
            actor=request.user,
            meeting=meeting,
            votes_for=data["votes_for"],
            votes_against=data["votes_against"],
            votes_abstain=data["votes_abstain"],
        )
        return _("已登记计票结果")

    return form, run


def _decide(request: HttpRequest, meeting: Meeting) -> tuple[forms.Form, Callable[[], str]]:
    def run() -> str:
        decided = meeting_decide(actor=request.user, meeting=meeting)
        return _("表决通过") if decided.result == "passed" else _("表决未通过")

    return forms.Form(request.POST), run


def _sign(request: HttpRequest, meeting: Meeting) -> tuple[forms.Form, Callable[[], str]]:
    form = MinutesForm(request.POST)

    def run() -> str:
        meeting_sign(actor=request.user, meeting=meeting, minutes=form.cleaned_data["minutes"])
        return _("会议记录已签字")

    return form, run


def _cancel(request: HttpRequest, meeting: Meeting) -> tuple[forms.Form, Callable[[], str]]:
    form = MeetingCancelForm(request.POST)

    def run() -> str:
        meeting_cancel(actor=request.user, meeting=meeting, reason=form.cleaned_data["reason"])
        return _("会议已取消")

    return form, run


ACTIONS: dict[str, Callable[[HttpRequest, Meeting], tuple[forms.Form, Callable[[], str]]]] = {
    "attend": _attend,
    "ballot": _ballot,
    "count": _count,
    "decide": _decide,
    "sign": _sign,
    "cancel": _cancel,
}


@require_POST
@console_view
def meeting_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404
    meeting = meeting_get_for(user=request.user, pk=pk)
    form: forms.Form = forms.Form(request.POST)
    try:
        form, run = handler(request, meeting)
        if form.is_valid():
            messages.success(request, run())
            return redirect("web:delib_meeting", pk=meeting.pk)
    except Forbidden:
        raise  # a 403 (console_view), not a form message
    except DomainError as exc:
        form_error(form, exc)
    meeting.refresh_from_db()
    context = meeting_context(request, meeting, {action: form})
    context["errors"] = [
        f"{form.fields[name].label}：{e}" if name in form.fields and form.fields[name].label else str(e)
        for name, errs in form.errors.items()
        for e in errs
    ]
    context["failed_action"] = action
    return render_page(request, "web/deliberation/meeting.html", context, status=422)


# ---------------------------------------------------------------- 审批 (the township's queue)


@console_view
def approvals(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(can_approve_somewhere(user))
    decided = request.GET.get("show") == "decided"
    items = approval_list_for(user=user, pending=not decided).select_related(
        "step__matter__node", "decided_by"
    )
    context = {
        "page": paginate(request, items.order_by("-requested_at", "-id"), per_page=30),
        "decided": decided,
        "querystring": "show=decided" if decided else "",
        "active": "deliberation",
        "tab": "approvals",
    }
    return render_page(request, "web/deliberation/approvals.html", context)
