"""议事协商 for residents (phone first): 公示 over their home with objections (异议), 群众评价 of the
matters in their evaluation stage, 村民说事 with its progress, and — for a member of a body — their
own meetings and their own vote (open or secret).

Scope: a resident sees notices and matters at their home's node or above it (where they live, as
``rules.lives_under`` says), their own objections, evaluations and sayings, and the meetings on
whose roster they sit. Anything else is a 404. Every write is a service call; a DomainError comes
back as its message on the page and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sanzhi.core.errors import DomainError, NotFound
from sanzhi.deliberation import rules
from sanzhi.deliberation.evaluation import evaluation_submit, evaluation_summary, evaluation_window
from sanzhi.deliberation.meetings import ballot_cast, roster_member
from sanzhi.deliberation.models import (
    Attendance,
    AttendanceStatus,
    Ballot,
    Choice,
    Evaluation,
    Matter,
    MatterStatus,
    MatterStep,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeStatus,
    Objection,
    Rating,
    Saying,
    StageKind,
    StepStatus,
)
from sanzhi.deliberation.notices import objection_submit
from sanzhi.deliberation.proposals import saying_submit
from sanzhi.deliberation.selectors import notices_open_for_resident, sayings_mine
from sanzhi.deliberation.selectors_meetings import meetings_of_member
from sanzhi.grids.models import Node
from sanzhi.web.views.common import console_view, is_htmx

MY_SAYINGS = 30
MY_OBJECTIONS = 30
MY_EVALUATIONS = 30
MY_MEETINGS = 50
ACTIVE = "delib_mine"


SAYING_BADGE = {"new": "warning", "accepted": "success", "answered": "info"}
STEP_BADGE = {
    "open": "primary",
    "passed": "success",
    "failed": "danger",
    "returned": "warning",
    "skipped": "light",
    "withdrawn": "secondary",
}


# ---------------------------------------------------------------- the resident's own scope


def home_paths(user: Any) -> list[str]:
    """The paths of the resident's home node and every node above it ([] for no registry record):
    what happens there happens where they live."""
    resident = rules.resident_of(user)
    if resident is None:
        return []
    path = str(resident.node_path)
    return [path[:i] for i in range(Node.steplen, len(path) + 1, Node.steplen)]


def my_notice_get(user: Any, pk: int) -> Notice:
    """A published notice over the resident's home (running or not), else NotFound."""
    notice = (
        Notice.objects.filter(pk=pk, node_path__in=home_paths(user), publication__isnull=False)
        .select_related("node", "step__stage", "step__matter")
        .first()
    )
    if notice is None:
        raise NotFound(_("公示不存在"), code="notice_not_found")
    return notice


def my_objections(user: Any) -> QuerySet[Objection]:
    return Objection.objects.filter(user=user).select_related("notice").order_by("-created_at", "-id")


def my_matter_get(user: Any, pk: int) -> Matter:
    """A matter deliberated over the resident's home, else NotFound."""
    matter = (
        Matter.objects.filter(pk=pk, node_path__in=home_paths(user))
        .select_related("node", "current_step__stage")
        .first()
    )
    if matter is None:
        raise NotFound(_("议题不存在"), code="matter_not_found")
    return matter


def my_meeting_get(user: Any, pk: int) -> Meeting:
    meeting = meetings_of_member(user=user).filter(pk=pk).first()
    if meeting is None:
        raise NotFound(_("会议不存在"), code="meeting_not_found")
    return meeting


# ---------------------------------------------------------------- small presentation helpers


def time_left(now: dt.datetime, end: dt.datetime) -> str:
    left = end - now
    if left <= dt.timedelta(0):
        return ""
    hours = left.seconds // 3600
    if left.days:
        return _("还剩{days}天{hours}小时").format(days=left.days, hours=hours)
    if hours:
        return _("还剩{hours}小时").format(hours=hours)
    return _("不到1小时")


@dataclass
class NoticeView:
    notice: Notice
    phase: str  # before / open / due (period over, not yet closed) / closed / returned
    phase_label: str
    left: str
    objections: list[Objection] = field(default_factory=list)

    @property
    def accepts_objections(self) -> bool:
        return self.phase == "open"


def notice_view(notice: Notice, now: dt.datetime, user: Any = None) -> NoticeView:
    if notice.status == NoticeStatus.CLOSED:
        phase, label = "closed", _("公示结束")
    elif notice.status == NoticeStatus.RETURNED:
        phase, label = "returned", _("异议成立，已退回重议")
    elif now < notice.starts_at:
        phase, label = "before", _("公示尚未开始")
    elif now < notice.ends_at:
        phase, label = "open", _("公示中")
    else:
        phase, label = "due", _("公示期已满")
    mine = list(my_objections(user).filter(notice=notice)) if user is not None else []
    return NoticeView(notice, phase, label, time_left(now, notice.ends_at) if phase == "open" else "", mine)


@dataclass
class StageLine:
    name: str
    status: str  # a StepStatus value, or "" for a stage not reached yet
    label: str
    badge: str
    current: bool


def matter_progress(matter: Matter) -> list[StageLine]:
    """The matter's procedure, stage by stage, with what became of each (its latest round)."""
    latest: dict[int, MatterStep] = {}
    for each in MatterStep.objects.filter(matter=matter).order_by("id"):
        latest[each.stage_id] = each
    lines = []
    for stage in matter.procedure.stages.order_by("order"):
        step = latest.get(stage.pk)
        if step is None:
            lines.append(StageLine(stage.name, "", _("未开始"), "light", False))
            continue
        lines.append(
            StageLine(
                stage.name,
                step.status,
                str(StepStatus(step.status).label),
                STEP_BADGE.get(step.status, "secondary"),
                step.pk == matter.current_step_id and step.status == StepStatus.OPEN,
            )
        )
    return lines


# ---------------------------------------------------------------- 议事协商 (the resident's hub)


@console_view
def delib_home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    context = {
        "resident": rules.resident_of(user),
        "notices": notices_open_for_resident(user=user, now=now).count(),
        "evaluations": sum(1 for c in evaluation_cards(user, now) if c.open and c.mine is None),
        "sayings": sayings_mine(user=user).count(),
        "meetings": meetings_of_member(user=user).filter(status=MeetingStatus.SCHEDULED).count(),
        "member": meetings_of_member(user=user).exists(),
        "active": ACTIVE,
    }
    return render(request, "web/deliberation/resident/home.html", context)


# ---------------------------------------------------------------- 公示 and 异议


@console_view
def delib_notices(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    notices = [notice_view(n, now) for n in notices_open_for_resident(user=user, now=now)]
    context = {
        "resident": rules.resident_of(user),
        "notices": notices,
        "objections": list(my_objections(user)[:MY_OBJECTIONS]),
        "active": ACTIVE,
    }
    return render(request, "web/deliberation/resident/notices.html", context)


@console_view
def delib_notice(request: HttpRequest, pk: int) -> HttpResponse:
    """One notice over the resident's home: its text, its window, the objection form while it runs
    (POST submits an objection), and the resident's own objections to it."""
    user = request.user
    notice = my_notice_get(user, pk)
    error = ""
    text = ""
    status = 200
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            objection_submit(actor=user, notice=notice, text=text)
        except NotFound:
            raise
        except DomainError as exc:
            error, status = exc.message, 422
        else:
            messages.success(request, _("异议已提交，社区将在公示期内答复。"))
            return redirect(reverse("web:delib_my_notice", args=[notice.pk]) + "#my-objections")
        notice = my_notice_get(user, pk)
    context = {
        "view": notice_view(notice, timezone.now(), user),
        "error": error,
        "text": text,
        "active": ACTIVE,
    }
    return render(request, "web/deliberation/resident/notice.html", context, status=status)


# ---------------------------------------------------------------- 群众评价


RATINGS = [(Rating.SATISFIED, "success"), (Rating.BASIC, "primary"), (Rating.UNSATISFIED, "danger")]


@dataclass
class EvaluationCard:
    matter: Matter
    starts: dt.datetime
    ends: dt.datetime
    open: bool
    left: str
    mine: Evaluation | None
    tally: dict[str, int] | None = None
    error: str = ""
    rating: str = ""
    comment: str = ""

    @property
    def satisfaction(self) -> str:
        permille = (self.tally or {}).get("satisfaction_permille", 0)
        return f"{permille // 10}.{permille % 10}"


def evaluation_card(matter: Matter, user: Any, now: dt.datetime) -> EvaluationCard:
    step = matter.current_step
    assert step is not None
    starts, ends = evaluation_window(step)
    mine = Evaluation.objects.filter(matter=matter, user=user).first()
    return EvaluationCard(
        matter=matter,
        starts=starts,
        ends=ends,
        open=starts <= now < ends,
        left=time_left(now, ends),
        mine=mine,
        tally=evaluation_summary(matter) if mine is not None else None,
    )


def evaluating_matters(user: Any) -> QuerySet[Matter]:
    """Matters over the resident's home whose open step is the evaluation stage."""
    return (
        Matter.objects.filter(
            node_path__in=home_paths(user),
            status=MatterStatus.ACTIVE,
            current_step__status=StepStatus.OPEN,
            current_step__stage__kind=StageKind.EVALUATION,
        )
        .select_related("node", "current_step__stage")
        .order_by("current_step__opened_at", "id")
    )


def evaluation_cards(user: Any, now: dt.datetime) -> list[EvaluationCard]:
    return [evaluation_card(m, user, now) for m in evaluating_matters(user)]


@console_view
def delib_evaluations(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    cards = evaluation_cards(user, now)
    shown = {c.matter.pk for c in cards}
    past = [
        e
        for e in Evaluation.objects.filter(user=user)  # type: ignore[misc]
        .select_related("matter")
        .order_by("-created_at", "-id")[:MY_EVALUATIONS]
        if e.matter_id not in shown
    ]
    context = {
        "resident": rules.resident_of(user),
        "cards": cards,
        "past": past,
        "ratings": RATINGS,
        "active": ACTIVE,
    }
    return render(request, "web/deliberation/resident/evaluations.html", context)


@console_view
@require_POST
def delib_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate a matter (once, inside its window); htmx swaps the card, a plain post goes back."""
    user = request.user
    matter = my_matter_get(user, pk)
    rating = request.POST.get("rating", "")
    comment = request.POST.get("comment", "")
    error = ""
    try:
        evaluation_submit(actor=user, matter=matter, rating=rating, comment=comment)
    except NotFound:
        raise
    except DomainError as exc:
        error = exc.message
    now = timezone.now()
    matter = my_matter_get(user, pk)
    evaluating = evaluating_matters(user).filter(pk=matter.pk).exists()
    if not error:
        if not is_htmx(request):
            messages.success(request, _("感谢您的评价。"))
            return redirect(reverse("web:delib_my_evaluations") + f"#matter-{matter.pk}")
        done = evaluation_card(matter, user, now)
        return render(
            request,
            "web/deliberation/resident/partials/evaluation_card.html",
            {"card": done, "ratings": RATINGS, "thanks": True},
        )
    card: EvaluationCard | None = None
    if evaluating:
        card = evaluation_card(matter, user, now)
        card.error, card.rating, card.comment = error, rating, comment
    if is_htmx(request) and card is not None:
        return render(
            request,
            "web/deliberation/resident/partials/evaluation_card.html",
            {"card": card, "ratings": RATINGS},
            status=422,
        )
    # Not (or no longer) in its evaluation stage: the list page, the message on top.
    cards = evaluation_cards(user, now)
    if card is not None:
        cards = [card if c.matter.pk == card.matter.pk else c for c in cards]
    context = {
        "resident": rules.resident_of(user),
        "cards": cards,
        "past": [],
        "ratings": RATINGS,
        "error": error if card is None else "",
        "active": ACTIVE,
    }
    return render(request, "web/deliberation/resident/evaluations.html", context, status=422)


# ---------------------------------------------------------------- 村民说事


@dataclass
class SayingView:
    saying: Saying
    badge: str
    progress: list[StageLine]


@console_view
def delib_sayings(request: HttpRequest) -> HttpResponse:
    """村民说事: the form (POST submits) and the resident's own sayings with what became of them."""
    user = request.user
    error = ""
    title = text = ""
    status = 200
    if request.method == "POST":
        title, text = request.POST.get("title", ""), request.POST.get("text", "")
        try:
            saying_submit(actor=user, title=title, text=text)
        except NotFound:
            raise
        except DomainError as exc:
            error, status = exc.message, 422
        else:
            messages.success(request, _("已提交，社区将尽快答复。"))
            return redirect(reverse("web:delib_my_sayings") + "#my-sayings")
    sayings = [
        SayingView(
            s,
            SAYING_BADGE.get(s.status, "secondary"),
            matter_progress(s.matter) if s.matter is not None else [],
        )
        for s in sayings_mine(user=user).select_related("matter__procedure", "matter__current_step__stage")[
            :MY_SAYINGS
        ]
    ]
    context = {
        "resident": rules.resident_of(user),
        "sayings": sayings,
        "error": error,
        "title": title,
        "text": text,
        "active": ACTIVE,
    }
    return render(request, "web/deliberation/resident/sayings.html", context, status=status)


# ---------------------------------------------------------------- my meetings and my vote


CHOICES = [(Choice.FOR, "success"), (Choice.AGAINST, "danger"), (Choice.ABSTAIN, "secondary")]
ATTENDANCE_LABEL: dict[str, Any] = {
    AttendanceStatus.UNKNOWN: gettext_lazy("未签到"),
    AttendanceStatus.PRESENT: gettext_lazy("已签到"),
    AttendanceStatus.ABSENT: gettext_lazy("缺席"),
    AttendanceStatus.PROXY: gettext_lazy("已委托他人"),
}


@dataclass
class VoteSlot:
    """One vote the user may cast at a meeting: their own, or one they hold by proxy."""

    attendance: Attendance
    by_proxy: bool
    choice: str = ""  # an open ballot's recorded choice (never known for a secret one)


def vote_slots(meeting: Meeting, user: Any) -> tuple[Attendance | None, list[VoteSlot]]:
    mine = roster_member(user, meeting)
    if mine is None:
        return None, []
    own = Attendance.objects.select_related("member").get(meeting=meeting, member=mine)
    slots = [VoteSlot(own, False)]
    held = Attendance.objects.filter(
        meeting=meeting, status=AttendanceStatus.PROXY, proxy_holder=mine
    ).select_related("member")
    slots += [VoteSlot(a, True) for a in held]
    if not meeting.secret:
        members = [s.attendance.member_id for s in slots]
        ballots = Ballot.objects.filter(meeting=meeting, member__in=members)
        choices = dict(ballots.values_list("member_id", "choice"))
        for slot in slots:
            slot.choice = choices.get(slot.attendance.member_id, "")
    return own, slots


def meeting_context(meeting: Meeting, user: Any, now: dt.datetime) -> dict[str, Any]:
    own, slots = vote_slots(meeting, user)
    meeting_day = timezone.localtime(meeting.scheduled_at).date()
    voting_day = timezone.localtime(now).date() >= meeting_day
    votes_open = meeting.status == MeetingStatus.SCHEDULED and voting_day
    return {
        "meeting": meeting,
        "matter": meeting.step.matter,
        "stage": meeting.step.stage,
        "own": own,
        "own_label": ATTENDANCE_LABEL.get(own.status, "") if own is not None else "",
        "slots": slots,
        "votes_open": votes_open,
        "not_yet": meeting.status == MeetingStatus.SCHEDULED and not voting_day,
        "meeting_day": meeting_day,
        "choices": CHOICES,
        "choice_labels": dict(Choice.choices),
        "active": ACTIVE,
    }


@console_view
def delib_meetings(request: HttpRequest) -> HttpResponse:
    meetings = list(meetings_of_member(user=request.user).order_by("-scheduled_at", "-id")[:MY_MEETINGS])
    context = {
        "upcoming": [m for m in meetings if m.status == MeetingStatus.SCHEDULED],
        "past": [m for m in meetings if m.status != MeetingStatus.SCHEDULED],
        "active": ACTIVE,
    }
    return render(request, "web/deliberation/resident/meetings.html", context)


@console_view
def delib_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = my_meeting_get(request.user, pk)
    context = meeting_context(meeting, request.user, timezone.now())
    return render(request, "web/deliberation/resident/meeting.html", context)


@console_view
@require_POST
def delib_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """Cast one's own vote (or the vote of a member whose proxy one holds) at one's meeting."""
    user = request.user
    meeting = my_meeting_get(user, pk)
    try:
        member_id = int(request.POST.get("member", ""))
    except ValueError:
        raise NotFound(_("会议成员不存在"), code="member_not_found") from None
    row = Attendance.objects.select_related("member").filter(meeting=meeting, member_id=member_id).first()
    if row is None:
        raise NotFound(_("会议成员不存在"), code="member_not_found")
    choice = request.POST.get("choice", "")
    try:
        ballot_cast(actor=user, meeting=meeting, member=row.member, choice=choice)
    except NotFound:
        raise
    except DomainError as exc:
        context = meeting_context(my_meeting_get(user, pk), user, timezone.now())
        context["error"] = exc.message
        return render(request, "web/deliberation/resident/meeting.html", context, status=422)
    if meeting.secret:
        messages.success(request, _("您的表决已投出。本次为无记名投票，系统只记录您已投票，不记录您的选择。"))
    else:
        messages.success(request, _("已表决：{choice}").format(choice=Choice(choice).label))
    return redirect("web:delib_my_meeting", pk=meeting.pk)
