"""会议表决: a meeting stage's meeting — calling it, attendance, proxies, ballots (open or secret)
or a counted show of hands, the decision under the stage's quorum and majority rules, minutes.

Who does what (a meeting of a community's body):
- call, cancel, decide: whoever runs deliberation there (``rules.can_run``: the community
  secretary, the street above);
- record attendance, record a counted vote, sign the minutes: the same, or the body's chair (召集人);
- vote: the member on the frozen roster, or the member holding their written proxy (委托).

When (dates in the local zone, Asia/Shanghai):
- attendance, ballots and a counted vote from the meeting's day on, until it is decided;
- deciding only at or after the scheduled time.

A decision without quorum is refused (``no_quorum``) and changes nothing: the meeting can go on,
more members can arrive. With quorum but without the majority the meeting is decided as failed
and the step fails with reason ``no_majority`` (``flow.step_finish`` rejects the matter, or sends it
back when the stage names ``return_to``).

Lock order, as everywhere in deliberation: matter → step → meeting → attendance rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.deliberation import flow, rules
from sanzhi.deliberation.bodies import body_for
from sanzhi.deliberation.counting import meeting_count, needed, present_count, quorum_of, verdict_of
from sanzhi.deliberation.flow import matter_event
from sanzhi.deliberation.models import (
    Attendance,
    AttendanceStatus,
    Ballot,
    BodyMember,
    Choice,
    Matter,
    MatterStep,
    Meeting,
    MeetingResult,
    MeetingStatus,
    StepStatus,
)
from sanzhi.deliberation.states import Act, allows
from sanzhi.deliberation.transitions import meeting_closed, meeting_move

MAX_TITLE = 200
MAX_PLACE = 100


# ---------------------------------------------------------------- shared pieces


def local_day(when: dt.datetime) -> dt.date:
    return timezone.localtime(when).date()


def _wrong_stage(step: MatterStep) -> ValidationFailed:
    return ValidationFailed(
        _("当前环节不是会议表决"),
        code="wrong_stage",
        data={"stage": step.stage.code, "kind": step.stage.kind},
    )


def _lock(meeting: Meeting) -> tuple[Matter, MatterStep, Meeting]:
    """Lock matter → step (open) → meeting, and check the meeting still takes attendance and votes."""
    status = Meeting.objects.filter(pk=meeting.pk).values_list("status", flat=True).first()
    if status != MeetingStatus.SCHEDULED:
        raise meeting_closed(meeting)
    matter, step = flow.lock_open_step(MatterStep.objects.get(pk=meeting.step_id))
    locked = Meeting.objects.select_for_update().select_related("body").get(pk=meeting.pk)
    if locked.status != MeetingStatus.SCHEDULED:
        raise meeting_closed(locked)
    return matter, step, locked


def _check_day(meeting: Meeting, now: dt.datetime) -> None:
    if local_day(now) < local_day(meeting.scheduled_at):
        raise ValidationFailed(
            _("会议当天才能签到和表决"),
            code="meeting_not_open",
            data={"opens_on": local_day(meeting.scheduled_at).isoformat()},
        )


def _is_chair(actor: Any, meeting: Meeting) -> bool:
    member = rules.membership(actor, meeting.body)
    return member is not None and member.is_chair


def may_conduct(actor: Any, meeting: Meeting) -> bool:
    """Record attendance and a counted vote, sign the minutes: who runs deliberation, or the chair."""
    return rules.can_run(actor, meeting) or _is_chair(actor, meeting)


def roster_member(actor: Any, meeting: Meeting) -> BodyMember | None:
    """The actor's own row on the meeting's roster (frozen when called: a member who joined later
    does not vote at it; one who left since still does), or None."""
    if not getattr(actor, "is_authenticated", False):
        return None
    resident = rules.resident_of(actor)
    mine = Q(member__user=actor)
    if resident is not None:
        mine |= Q(member__resident=resident)
    row = Attendance.objects.filter(mine, meeting=meeting).select_related("member").first()
    return row.member if row is not None else None


def _count_recorded(meeting: Meeting) -> bool:
    # A recorded count always has at least one vote (meeting_record_count refuses an empty one).
    return meeting.status == MeetingStatus.SCHEDULED and (
        meeting.votes_for + meeting.votes_against + meeting.votes_abstain > 0
    )


# ---------------------------------------------------------------- calling and cancelling


@transaction.atomic
def meeting_call(
    *,
    actor: Any,
    step: MatterStep,
    scheduled_at: dt.datetime,
    title: str = "",
    agenda: str = "",
    place: str = "",
    now: dt.datetime | None = None,
) -> Meeting:
    """召集会议: the stage's body meets on the matter; its active members become the roster."""
    now = now or timezone.now()
    if not rules.can_run(actor, step.matter):
        raise Forbidden(_("无权召集会议"), code="forbidden")
    matter, step = flow.lock_open_step(step)
    stage = step.stage
    if not allows(stage.kind, Act.CALL_MEETING):
        raise _wrong_stage(step)
    if timezone.is_naive(scheduled_at):
        raise ValidationFailed(_("召开时间须带时区"), code="invalid", data={"field": "scheduled_at"})
    if local_day(scheduled_at) < local_day(now):
        raise ValidationFailed(
            _("召开日期不能早于今天"), code="meeting_in_past", data={"field": "scheduled_at"}
        )
    title = (title or "").strip() or f"{stage.name}：{matter.title}"[:MAX_TITLE]
    place = (place or "").strip()
    if len(title) > MAX_TITLE:
        raise ValidationFailed(_("会议名称不超过200字"), code="invalid", data={"field": "title"})
    if len(place) > MAX_PLACE:
        raise ValidationFailed(_("地点不超过100字"), code="invalid", data={"field": "place"})
    if Meeting.objects.filter(step=step, status=MeetingStatus.SCHEDULED).exists():
        raise Conflict(_("该环节已召集会议"), code="meeting_exists", data={"step": step.pk})
    body = body_for(matter.node, stage.body_kind)
    if body is None:
        raise ValidationFailed(
            _("此地没有该环节的议事主体"), code="no_body", data={"body_kind": stage.body_kind}
        )
    members = list(body.members.filter(active=True))
    if not members:
        raise ValidationFailed(_("该议事主体没有在任成员"), code="body_empty", data={"body": body.pk})
    meeting = Meeting.objects.create(
        step=step,
        body=body,
        node_path=matter.node_path,
        title=title,
        agenda=agenda or "",
        place=place,
        scheduled_at=scheduled_at,
        secret=stage.secret_ballot,
        expected=len(members),
    )
    Attendance.objects.bulk_create(Attendance(meeting=meeting, member=m) for m in members)
    data = {
        "meeting": meeting.pk,
        "body": body.pk,
        "scheduled_at": scheduled_at.isoformat(),
        "expected": len(members),
        "secret": meeting.secret,
    }
    matter_event(matter, action="meeting_called", actor=actor, now=now, step=step, data=data)
    audit_record(
        actor=actor,
        action="deliberation.meeting_call",
        subject=meeting,
        node_path=matter.node_path,
        data=data,
    )
    return meeting


@transaction.atomic
def meeting_cancel(*, actor: Any, meeting: Meeting, reason: str, now: dt.datetime | None = None) -> Meeting:
    """取消会议, before it is decided. Also works once the matter has left the step (withdrawn), so a
    called meeting never lingers as scheduled."""
    now = now or timezone.now()
    if not rules.can_run(actor, meeting):
        raise Forbidden(_("无权取消会议"), code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请说明取消理由"), code="invalid", data={"field": "reason"})
    matter = Matter.objects.select_for_update().get(pk=meeting.step.matter_id)
    step = MatterStep.objects.select_for_update().get(pk=meeting.step_id)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting_move(meeting, MeetingStatus.CANCELLED)
    meeting.save(update_fields=["status", "updated_at"])
    matter_event(
        matter,
        action="meeting_cancelled",
        actor=actor,
        now=now,
        step=step,
        note=reason,
        data={"meeting": meeting.pk},
    )
    audit_record(
        actor=actor,
        action="deliberation.meeting_cancel",
        subject=meeting,
        node_path=matter.node_path,
        data={"reason": reason},
    )
    return meeting


# ---------------------------------------------------------------- attendance


@transaction.atomic
def attendance_record(
    *,
    actor: Any,
    meeting: Meeting,
    member: BodyMember,
    status: str,
    proxy_holder: BodyMember | None = None,
    now: dt.datetime | None = None,
) -> Attendance:
    """签到: a roster member is present, absent, or gave a written proxy (委托) to a member who is
    present — only where the stage allows proxies, and one proxy per holder. Fixed once the member
    (or their holder) voted, and once a counted vote is recorded."""
    now = now or timezone.now()
    if not may_conduct(actor, meeting):
        raise Forbidden(_("无权登记出席情况"), code="forbidden")
    matter, step, meeting = _lock(meeting)
    stage = step.stage
    if not allows(stage.kind, Act.ATTEND):
        raise _wrong_stage(step)
    _check_day(meeting, now)
    if status not in (AttendanceStatus.PRESENT, AttendanceStatus.ABSENT, AttendanceStatus.PROXY):
        raise ValidationFailed(_("出席情况无效"), code="invalid", data={"field": "status"})
    if _count_recorded(meeting):
        raise Conflict(_("已登记计票结果，出席情况不能再改"), code="count_recorded")
    row = Attendance.objects.select_for_update().filter(meeting=meeting, member=member).first()
    if row is None:
        raise ValidationFailed(_("此人不在本次会议名单上"), code="not_on_roster", data={"member": member.pk})
    if row.voted:
        raise Conflict(_("该成员已投票，出席情况不能再改"), code="already_voted", data={"member": member.pk})
    if (
        status != AttendanceStatus.PRESENT
        and Attendance.objects.filter(
            meeting=meeting, proxy_holder=member, status=AttendanceStatus.PROXY
        ).exists()
    ):
        raise Conflict(_("该成员受他人委托，须先改登记委托"), code="holds_proxy", data={"member": member.pk})
    holder_id = None
    if status == AttendanceStatus.PROXY:
        if not stage.allows_proxy:
            raise ValidationFailed(_("本环节不允许委托表决"), code="proxy_not_allowed")
        if proxy_holder is None:
            raise ValidationFailed(_("请选择受托人"), code="invalid", data={"field": "proxy_holder"})
        if proxy_holder.pk == member.pk:
            raise ValidationFailed(_("不能委托本人"), code="invalid", data={"field": "proxy_holder"})
        holder = Attendance.objects.select_for_update().filter(meeting=meeting, member=proxy_holder).first()
        if holder is None:
            raise ValidationFailed(
                _("受托人不在本次会议名单上"), code="not_on_roster", data={"member": proxy_holder.pk}
            )
        if holder.status != AttendanceStatus.PRESENT:
            raise ValidationFailed(
                _("受托人须本人到会"), code="proxy_holder_absent", data={"member": proxy_holder.pk}
            )
        if (
            Attendance.objects.filter(
                meeting=meeting, proxy_holder=proxy_holder, status=AttendanceStatus.PROXY
            )
            .exclude(pk=row.pk)
            .exists()
        ):
            raise Conflict(
                _("每名受托人只能接受一人委托"), code="proxy_holder_busy", data={"member": proxy_holder.pk}
            )
        holder_id = proxy_holder.pk
    elif proxy_holder is not None:
        raise ValidationFailed(_("只有委托时才填写受托人"), code="invalid", data={"field": "proxy_holder"})
    row.status = status
    row.proxy_holder_id = holder_id
    row.save(update_fields=["status", "proxy_holder"])
    data = {"meeting": meeting.pk, "member": member.pk, "status": status, "proxy_holder": holder_id}
    matter_event(matter, action="attendance_recorded", actor=actor, now=now, step=step, data=data)
    audit_record(
        actor=actor,
        action="deliberation.attendance_record",
        subject=meeting,
        node_path=matter.node_path,
        data=data,
    )
    return row


# ---------------------------------------------------------------- votes


@transaction.atomic
def ballot_cast(
    *, actor: Any, meeting: Meeting, member: BodyMember, choice: str, now: dt.datetime | None = None
) -> Ballot:
    """表决: a present member votes, or the member holding an absent member's proxy votes for them;
    once per member. A secret ballot (无记名) keeps no name: the ballot has no member, its time is
    the meeting's, and neither event nor audit row holds the choice; only ``Attendance.voted``
    says the member has voted."""
    now = now or timezone.now()
    mine = roster_member(actor, meeting)
    if mine is None:
        raise Forbidden(_("只有本次会议的成员才能表决"), code="forbidden")
    if (
        mine.pk != member.pk
        and not Attendance.objects.filter(
            meeting=meeting, member=member, status=AttendanceStatus.PROXY, proxy_holder=mine
        ).exists()
    ):
        raise Forbidden(_("只能本人或受托人表决"), code="forbidden")
    matter, step, meeting = _lock(meeting)
    stage = step.stage
    if not allows(stage.kind, Act.VOTE):
        raise _wrong_stage(step)
    _check_day(meeting, now)
    if choice not in Choice.values:
        raise ValidationFailed(_("表决意见无效"), code="invalid", data={"field": "choice"})
    if _count_recorded(meeting):
        raise Conflict(_("本次会议已按举手计票登记，不再逐人投票"), code="count_recorded")
    row = Attendance.objects.select_for_update().get(meeting=meeting, member=member)
    by_proxy = mine.pk != member.pk
    if by_proxy:
        # Re-read under the lock: the proxy may have been changed since the check above.
        if row.status != AttendanceStatus.PROXY or row.proxy_holder_id != mine.pk:
            raise Forbidden(_("只能本人或受托人表决"), code="forbidden")
    elif row.status != AttendanceStatus.PRESENT:
        raise ValidationFailed(_("请先签到"), code="not_present", data={"member": member.pk})
    if row.voted:
        raise Conflict(_("该成员已经表决"), code="already_voted", data={"member": member.pk})
    row.voted = True
    row.save(update_fields=["voted"])
    ballot = Ballot.objects.create(
        meeting=meeting,
        member=None if meeting.secret else member,
        choice=choice,
        by_proxy=by_proxy,
        # A secret ballot's own time would pair it with the voter's event: it takes the meeting's.
        cast_at=meeting.scheduled_at if meeting.secret else now,
    )
    data: dict[str, Any] = {"meeting": meeting.pk, "member": member.pk, "by_proxy": by_proxy}
    if not meeting.secret:
        data["choice"] = choice
    matter_event(matter, action="ballot_cast", actor=actor, now=now, step=step, data=data)
    audit_record(
        actor=actor, action="deliberation.ballot_cast", subject=meeting, node_path=matter.node_path, data=data
    )
    return ballot


@transaction.atomic
def meeting_record_count(
    *,
    actor: Any,
    meeting: Meeting,
    votes_for: int,
    votes_against: int,
    votes_abstain: int,
    now: dt.datetime | None = None,
) -> Meeting:
    """计票: a show of hands, or paper ballots counted by the tellers, recorded as totals. Never
    more votes than present, never mixed with individual ballots; may be corrected until decided."""
    now = now or timezone.now()
    if not may_conduct(actor, meeting):
        raise Forbidden(_("无权登记计票结果"), code="forbidden")
    matter, step, meeting = _lock(meeting)
    stage = step.stage
    if not allows(stage.kind, Act.VOTE):
        raise _wrong_stage(step)
    _check_day(meeting, now)
    votes = (votes_for, votes_against, votes_abstain)
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for v in votes):
        raise ValidationFailed(_("票数须为非负整数"), code="invalid", data={"field": "votes"})
    if sum(votes) == 0:
        raise ValidationFailed(_("请填写票数"), code="count_empty")
    if Ballot.objects.filter(meeting=meeting).exists():
        raise Conflict(_("本次会议已有逐人投票，不能再登记计票结果"), code="ballots_exist")
    present = present_count(meeting, stage)
    if sum(votes) > present:
        raise ValidationFailed(
            _("票数（{counted}）多于到会人数（{present}）").format(counted=sum(votes), present=present),
            code="count_exceeds_present",
            data={"counted": sum(votes), "present": present},
        )
    meeting.votes_for, meeting.votes_against, meeting.votes_abstain = votes
    meeting.save(update_fields=["votes_for", "votes_against", "votes_abstain", "updated_at"])
    data = {
        "meeting": meeting.pk,
        "votes_for": votes_for,
        "votes_against": votes_against,
        "votes_abstain": votes_abstain,
    }
    matter_event(matter, action="count_recorded", actor=actor, now=now, step=step, data=data)
    audit_record(
        actor=actor,
        action="deliberation.meeting_record_count",
        subject=meeting,
        node_path=matter.node_path,
        data=data,
    )
    return meeting


# ---------------------------------------------------------------- the decision


@transaction.atomic
def meeting_decide(*, actor: Any, meeting: Meeting, now: dt.datetime | None = None) -> Meeting:
    """宣布表决结果: count under the stage's rules. Without quorum: refused, nothing changes. With
    quorum: the meeting is decided, passed or failed, and the step finishes the same way."""
    now = now or timezone.now()
    if not rules.can_run(actor, meeting):
        raise Forbidden(_("无权宣布表决结果"), code="forbidden")
    matter, step, meeting = _lock(meeting)
    stage = step.stage
    if not allows(stage.kind, Act.DECIDE):
        raise _wrong_stage(step)
    if now < meeting.scheduled_at:
        raise ValidationFailed(
            _("会议召开后才能宣布表决结果"),
            code="meeting_not_started",
            data={"scheduled_at": meeting.scheduled_at.isoformat()},
        )
    count = meeting_count(meeting, stage)
    verdict = verdict_of(count, stage)
    if not verdict.quorum:
        need = needed(quorum_of(stage), count.expected)
        raise ValidationFailed(
            _("到会人数不足：应到{expected}人，实到{present}人，至少需{needed}人").format(
                expected=count.expected, present=count.present, needed=need
            ),
            code="no_quorum",
            data={"present": count.present, "expected": count.expected, "needed": need},
        )
    cast = count.votes_for + count.votes_against + count.votes_abstain
    if cast == 0:
        raise ValidationFailed(_("尚无表决票，不能宣布结果"), code="no_votes")
    if cast > count.present:  # attendance is fixed once voted or counted; kept as a last guard
        raise ValidationFailed(
            _("票数（{counted}）多于到会人数（{present}）").format(counted=cast, present=count.present),
            code="count_exceeds_present",
            data={"counted": cast, "present": count.present},
        )
    meeting_move(meeting, MeetingStatus.DECIDED)
    meeting.result = MeetingResult.PASSED if verdict.passed else MeetingResult.FAILED
    meeting.present = count.present
    meeting.votes_for, meeting.votes_against, meeting.votes_abstain = (
        count.votes_for,
        count.votes_against,
        count.votes_abstain,
    )
    meeting.decided_at = now
    meeting.save(
        update_fields=[
            "status",
            "result",
            "present",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "decided_at",
            "updated_at",
        ]
    )
    data = {
        "meeting": meeting.pk,
        "result": meeting.result,
        "reason": verdict.reason,
        "expected": count.expected,
        "present": count.present,
        "votes_for": count.votes_for,
        "votes_against": count.votes_against,
        "votes_abstain": count.votes_abstain,
    }
    summary = gettext(
        "应到{expected}人，实到{present}人；赞成{votes_for}票，反对{votes_against}票，弃权{votes_abstain}票"
    ).format(
        expected=count.expected,
        present=count.present,
        votes_for=count.votes_for,
        votes_against=count.votes_against,
        votes_abstain=count.votes_abstain,
    )
    outcome = gettext("表决通过") if verdict.passed else gettext("未获规定多数同意，未通过")
    note = f"{summary}。{outcome}"
    matter_event(matter, action="meeting_decided", actor=actor, now=now, step=step, note=note, data=data)
    audit_record(
        actor=actor,
        action="deliberation.meeting_decide",
        subject=meeting,
        node_path=matter.node_path,
        data=data,
    )
    flow.step_finish(
        actor=actor,
        step=step,
        outcome=StepStatus.PASSED if verdict.passed else StepStatus.FAILED,
        note=note,
        data=data,
        now=now,
    )
    return meeting


# ---------------------------------------------------------------- minutes


@transaction.atomic
def meeting_sign(*, actor: Any, meeting: Meeting, minutes: str, now: dt.datetime | None = None) -> Meeting:
    """会议记录签字: the minutes of a decided meeting (passed or failed), signed by the chair or
    whoever runs deliberation there; once."""
    now = now or timezone.now()
    if not may_conduct(actor, meeting):
        raise Forbidden(_("无权签署会议记录"), code="forbidden")
    minutes = (minutes or "").strip()
    if not minutes:
        raise ValidationFailed(_("请填写会议记录"), code="invalid", data={"field": "minutes"})
    # The step is closed by now (the decision finished it): lock the matter, then the meeting.
    matter = Matter.objects.select_for_update().get(pk=meeting.step.matter_id)
    meeting = Meeting.objects.select_for_update().select_related("step__stage").get(pk=meeting.pk)
    if not allows(meeting.step.stage.kind, Act.SIGN):
        raise _wrong_stage(meeting.step)
    meeting_move(meeting, MeetingStatus.SIGNED)
    meeting.minutes = minutes
    meeting.signed_by = actor
    meeting.signed_at = now
    meeting.save(update_fields=["minutes", "status", "signed_by", "signed_at", "updated_at"])
    matter_event(
        matter, action="minutes_signed", actor=actor, now=now, step=meeting.step, data={"meeting": meeting.pk}
    )
    audit_record(
        actor=actor,
        action="deliberation.meeting_sign",
        subject=meeting,
        node_path=matter.node_path,
        data={"meeting": meeting.pk},
    )
    return meeting
