"""公示: a notice stage's public notice, its objections (异议) and its closing.

The window
----------
A notice opened at instant ``t`` for ``days`` days runs over the half-open interval
``[starts_at, ends_at)`` where ``starts_at = t`` and ``ends_at`` is local midnight (00:00 in
settings.TIME_ZONE, Asia/Shanghai) at the start of the day ``days + 1`` calendar days after ``t``'s
local date. The opening day does not count and ``days`` full days follow, the last of them running
to 24:00 (民法典 §201, §203: a period counted in days starts the next day; its last day ends at
24:00). Opened on 10-08 at 15:00 for 7 days, a notice runs until 10-16 00:00 (10-09 … 10-15 in
full).

- objections are accepted at ``starts_at <= now < ends_at`` only, from residents living under the
  notice's node (``rules.lives_under``);
- ``notice_close`` (and the worker's ``notices_close_due``) closes a notice only at or after
  ``ends_at`` and only while no objection is pending: nothing proceeds before the period ends;
- an upheld objection returns the notice and sends the matter back (``stage.return_to``); the
  stages from there run again, a round more, with a new notice.

Publishing: ``notice_open`` appends the notice to the public chain (``sanzhi.disclosure.chain``),
kind ``resolution`` while no implementation step of the matter has passed (决议公开) and
``result`` after one has (实施结果公开), ref ``deliberation.notice:<id>``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from sanzhi.deliberation import flow, rules
from sanzhi.deliberation.flow import matter_event
from sanzhi.deliberation.models import (
    Matter,
    MatterStep,
    Meeting,
    MeetingResult,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    StageKind,
    StepStatus,
    Task,
)
from sanzhi.deliberation.states import Act, allows
from sanzhi.deliberation.transitions import notice_move, objection_move
from sanzhi.disclosure import chain
from sanzhi.disclosure.models import PublicationKind

logger = logging.getLogger(__name__)

MAX_NOTICE_DAYS = 90
MAX_TEXT = 5000


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def notice_window(opened: dt.datetime, days: int) -> tuple[dt.datetime, dt.datetime]:
    """``[starts_at, ends_at)`` of a notice opened at ``opened`` for ``days`` full days (module doc)."""
    zone = timezone.get_default_timezone()
    local_day = timezone.localtime(opened, zone).date()
    last = local_day + dt.timedelta(days=days + 1)
    return opened, dt.datetime.combine(last, dt.time(0), tzinfo=zone)


def in_window(notice: Notice, now: dt.datetime) -> bool:
    return notice.starts_at <= now < notice.ends_at


def _text(value: str, *, field_name: str, message: Any, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise ValidationFailed(message, code="invalid", data={"field": field_name})
    return value


def _decision_of(matter: Matter) -> dict[str, Any] | None:
    """The count of the latest passed meeting of the matter (the decision this notice publishes)."""
    meeting = (
        Meeting.objects.filter(step__matter=matter, result=MeetingResult.PASSED)
        .select_related("body", "step__stage")
        .order_by("-decided_at", "-id")
        .first()
    )
    if meeting is None:
        return None
    return {
        "meeting": meeting.pk,
        "body": meeting.body.name,
        "stage": meeting.step.stage.name,
        "decided_at": _iso(meeting.decided_at),
        "secret": meeting.secret,
        "expected": meeting.expected,
        "present": meeting.present,
        "for": meeting.votes_for,
        "against": meeting.votes_against,
        "abstain": meeting.votes_abstain,
    }


def _implemented(matter: Matter) -> bool:
    return MatterStep.objects.filter(
        matter=matter, stage__kind=StageKind.IMPLEMENTATION, status=StepStatus.PASSED
    ).exists()


def _implementation_of(matter: Matter) -> dict[str, Any]:
    step = (
        MatterStep.objects.filter(
            matter=matter, stage__kind=StageKind.IMPLEMENTATION, status=StepStatus.PASSED
        )
        .order_by("-closed_at", "-id")
        .first()
    )
    if step is None:
        return {}
    tasks = Task.objects.filter(step=step).order_by("id")
    return {
        "summary": step.outcome,
        "finished_at": _iso(step.closed_at),
        "tasks": [
            {
                "title": t.title,
                "owner": t.owner_name,
                "progress": t.progress,
                "status": str(t.status),
                "done_at": _iso(t.done_at),
            }
            for t in tasks
        ],
    }


def _round_of(step: MatterStep) -> int:
    """Which time this stage runs for the matter (1 + its earlier steps that ran). Counted here
    rather than read from ``step.round``: the stages after a returned-to stage reopen at round 1."""
    earlier = MatterStep.objects.filter(matter_id=step.matter_id, stage_id=step.stage_id, pk__lt=step.pk)
    return 1 + earlier.exclude(status=StepStatus.SKIPPED).count()


def notice_content(
    notice: Notice, *, matter: Matter, step: MatterStep, days: int, kind: str
) -> dict[str, Any]:
    """What the chain publishes for a notice: plain JSON (strings, integers, booleans, null)."""
    content: dict[str, Any] = {
        "matter": {
            "id": matter.pk,
            "title": matter.title,
            "type": str(matter.matter_type),
            "amount_fen": matter.amount_fen,
            "major": matter.is_major,
            "procedure": matter.procedure.name,
        },
        "stage": {"code": step.stage.code, "name": step.stage.name, "round": _round_of(step)},
        "title": notice.title,
        "body": notice.body,
        "window": {"starts_at": _iso(notice.starts_at), "ends_at": _iso(notice.ends_at), "days": days},
        "decision": _decision_of(matter),
    }
    if kind == PublicationKind.RESULT:
        content["implementation"] = _implementation_of(matter)
    return content


@transaction.atomic
def notice_open(
    *,
    actor: Any,
    step: MatterStep,
    title: str,
    body: str,
    days: int | None = None,
    now: dt.datetime | None = None,
) -> Notice:
    """公示: open the notice of a notice step and publish it on the chain (window: module doc)."""
    if not rules.can_run(actor, step.matter):
        raise Forbidden(_("无权发布公示"), code="forbidden")
    matter, step = flow.lock_open_step(step)
    stage = step.stage
    if not allows(stage.kind, Act.OPEN_NOTICE):
        raise ValidationFailed(_("该环节不是公示环节"), code="stage_not_notice", data={"stage": stage.code})
    title = _text(title, field_name="title", message=_("请填写公示标题（不超过200字）"), limit=200)
    body = _text(body, field_name="body", message=_("请填写公示内容（不超过5000字）"))
    least = max(1, stage.min_days)
    days = least if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or not least <= days <= MAX_NOTICE_DAYS:
        raise ValidationFailed(
            _("公示天数应在{least}至{most}天之间").format(least=least, most=MAX_NOTICE_DAYS),
            code="notice_days",
            data={"days": days, "min_days": least, "max_days": MAX_NOTICE_DAYS},
        )
    if Notice.objects.filter(step=step).exists():
        raise Conflict(_("该环节已发布公示"), code="notice_exists", data={"step": step.pk})
    now = now or timezone.now()
    starts_at, ends_at = notice_window(now, days)
    notice = Notice.objects.create(
        step=step,
        node=matter.node,
        node_path=matter.node_path,
        title=title,
        body=body,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    kind = PublicationKind.RESULT if _implemented(matter) else PublicationKind.RESOLUTION
    notice.publication = chain.append(
        kind=kind,
        node=matter.node,
        title=title,
        ref=f"deliberation.notice:{notice.pk}",
        content=notice_content(notice, matter=matter, step=step, days=days, kind=kind),
        actor=actor,
        now=now,
    )
    notice.save(update_fields=["publication", "updated_at"])
    data = {
        "notice": notice.pk,
        "kind": str(kind),
        "seq": notice.publication.seq,
        "starts_at": _iso(starts_at),
        "ends_at": _iso(ends_at),
        "days": days,
    }
    matter_event(matter, action="notice_opened", actor=actor, now=now, step=step, data=data)
    audit_record(
        actor=actor, action="deliberation.notice_open", subject=notice, node_path=matter.node_path, data=data
    )
    return notice


def _lock_notice(notice: Notice) -> tuple[Matter, MatterStep, Notice]:
    """Lock matter → step → notice (the lock order) and check the notice is still running."""
    step = MatterStep.objects.get(pk=notice.step_id)
    try:
        matter, step = flow.lock_open_step(step)
    except Conflict:
        raise Conflict(_("该公示已经结束"), code="notice_closed", data={"notice": notice.pk}) from None
    locked = Notice.objects.select_for_update().get(pk=notice.pk)
    if locked.status != NoticeStatus.OPEN:
        raise Conflict(_("该公示已经结束"), code="notice_closed", data={"notice": notice.pk})
    return matter, step, locked


@transaction.atomic
def objection_submit(*, actor: Any, notice: Notice, text: str, now: dt.datetime | None = None) -> Objection:
    """提出异议: a resident living under the notice's node, while the notice runs."""
    if not rules.lives_under(actor, notice):
        raise Forbidden(_("只有公示范围内的居民可以提出异议"), code="not_in_scope")
    now = now or timezone.now()
    matter, step, notice = _lock_notice(notice)
    if not allows(step.stage.kind, Act.OBJECT):
        raise ValidationFailed(_("该环节不接受异议"), code="stage_not_notice")
    if not in_window(notice, now):
        raise ValidationFailed(
            _("不在公示期内（{starts}至{ends}），不能提出异议").format(
                starts=timezone.localtime(notice.starts_at).strftime("%Y-%m-%d %H:%M"),
                ends=timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M"),
            ),
            code="outside_window",
            data={"starts_at": _iso(notice.starts_at), "ends_at": _iso(notice.ends_at)},
        )
    text = _text(text, field_name="text", message=_("请填写异议内容（不超过5000字）"))
    if Objection.objects.filter(notice=notice, user=actor, status=ObjectionStatus.PENDING).exists():
        raise Conflict(_("您的异议正在处理中"), code="objection_pending")
    objection = Objection.objects.create(
        notice=notice, user=actor, resident=rules.resident_of(actor), text=text, created_at=now
    )
    data = {"notice": notice.pk, "objection": objection.pk}
    matter_event(matter, action="objection_submitted", actor=actor, now=now, step=step, data=data)
    audit_record(
        actor=actor,
        action="deliberation.objection_submit",
        subject=objection,
        node_path=notice.node_path,
        data=data,
    )
    return objection


@transaction.atomic
def objection_decide(
    *, actor: Any, objection: Objection, uphold: bool, reply: str, now: dt.datetime | None = None
) -> Objection:
    """异议处理: upheld → the notice is returned and the matter goes back (``stage.return_to``);
    dismissed → the notice runs on. An objection still pending on a notice already returned (by
    another upheld objection) is answered all the same, without moving the matter again."""
    notice = Notice.objects.select_related("step").get(pk=objection.notice_id)
    if not rules.can_run(actor, notice):
        raise Forbidden(_("无权处理异议"), code="forbidden")
    reply = _text(reply, field_name="reply", message=_("请填写答复（不超过5000字）"))
    now = now or timezone.now()
    if notice.status == NoticeStatus.RETURNED:
        matter = Matter.objects.select_for_update().get(pk=notice.step.matter_id)
        step: MatterStep = notice.step
    else:
        matter, step, notice = _lock_notice(notice)
        if not allows(step.stage.kind, Act.DECIDE_OBJECTION):
            raise ValidationFailed(_("该环节不接受异议"), code="stage_not_notice")
    locked = Objection.objects.select_for_update().get(pk=objection.pk)
    objection_move(locked, ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED)
    locked.reply = reply
    locked.decided_by = _user(actor)
    locked.decided_at = now
    locked.save(update_fields=["status", "reply", "decided_by", "decided_at"])
    data = {"notice": notice.pk, "objection": locked.pk, "uphold": bool(uphold)}
    matter_event(matter, action="objection_decided", actor=actor, now=now, step=step, note=reply, data=data)
    audit_record(
        actor=actor,
        action="deliberation.objection_decide",
        subject=locked,
        node_path=notice.node_path,
        data=data,
    )
    if uphold and notice.status == NoticeStatus.OPEN:
        notice_move(notice, NoticeStatus.RETURNED)
        notice.save(update_fields=["status", "updated_at"])
        matter_event(matter, action="notice_returned", actor=actor, now=now, step=step, data=data)
        flow.step_finish(actor=actor, step=step, outcome=StepStatus.RETURNED, note=reply, data=data, now=now)
    return locked


def _close(notice: Notice, *, actor: Any, now: dt.datetime) -> Notice:
    matter, step, notice = _lock_notice(notice)
    if not allows(step.stage.kind, Act.CLOSE_NOTICE):
        raise ValidationFailed(_("该环节不是公示环节"), code="stage_not_notice")
    if now < notice.ends_at:
        raise ValidationFailed(
            _("公示期至{ends}结束，期满前不能结束公示").format(
                ends=timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")
            ),
            code="notice_running",
            data={"ends_at": _iso(notice.ends_at)},
        )
    counts = {status: 0 for status in ObjectionStatus.values}
    for status in Objection.objects.filter(notice=notice).values_list("status", flat=True):
        counts[status] += 1
    if counts[ObjectionStatus.PENDING]:
        raise Conflict(
            _("还有{count}条异议未处理").format(count=counts[ObjectionStatus.PENDING]),
            code="objection_pending",
            data={"pending": counts[ObjectionStatus.PENDING]},
        )
    notice_move(notice, NoticeStatus.CLOSED)
    notice.save(update_fields=["status", "updated_at"])
    data = {"notice": notice.pk, "objections": counts}
    matter_event(matter, action="notice_closed", actor=actor, now=now, step=step, data=data)
    audit_record(
        actor=actor, action="deliberation.notice_close", subject=notice, node_path=notice.node_path, data=data
    )
    flow.step_finish(actor=actor, step=step, outcome=StepStatus.PASSED, data=data, now=now)
    return notice


@transaction.atomic
def notice_close(*, actor: Any, notice: Notice, now: dt.datetime | None = None) -> Notice:
    """公示期满: at or after ``ends_at``, with no objection pending, the notice closes and its step
    passes."""
    if not rules.can_run(actor, notice):
        raise Forbidden(_("无权结束公示"), code="forbidden")
    return _close(notice, actor=actor, now=now or timezone.now())


@dataclass
class CloseReport:
    closed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # closed meanwhile, or an objection came in
    failed: list[int] = field(default_factory=list)  # raised something else (logged)


def notices_close_due(*, now: dt.datetime) -> CloseReport:
    """For the worker: close every notice whose period has ended and that has no pending objection.

    Each notice is its own transaction; running it twice (or in two workers at once) closes each
    notice once: the row locks and the status check in ``_close`` decide, the loser skips it."""
    report = CloseReport()
    due = (
        Notice.objects.filter(status=NoticeStatus.OPEN, ends_at__lte=now)
        .exclude(objections__status=ObjectionStatus.PENDING)
        .order_by("ends_at", "id")
        .values_list("pk", flat=True)
    )
    for pk in list(due):
        try:
            with transaction.atomic():
                _close(Notice.objects.get(pk=pk), actor=None, now=now)
        except DomainError:
            report.skipped.append(pk)
            continue
        except Exception:  # one bad notice must not keep the others open
            logger.exception("closing notice %s failed", pk)
            report.failed.append(pk)
            continue
        report.closed.append(pk)
    return report
