"""Deliberation's small workflows (``core.transitions``): a meeting (scheduled → decided → signed,
or cancelled), a resident's saying (new → answered | accepted as a matter), a public notice (open →
closed | returned | withdrawn), an objection to it (pending → upheld | dismissed) and an
implementation task (open → done). A matter and its steps move only through ``flow.step_finish``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Conflict
from sanzhi.core.transitions import Moves, move
from sanzhi.deliberation.models import (
    Meeting,
    MeetingStatus,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Saying,
    Task,
    TaskStatus,
)

MEETING_MOVES: Moves = {
    MeetingStatus.SCHEDULED: frozenset({MeetingStatus.DECIDED, MeetingStatus.CANCELLED}),
    MeetingStatus.DECIDED: frozenset({MeetingStatus.SIGNED}),
}
SAYING_MOVES: Moves = {Saying.Status.NEW: frozenset({Saying.Status.ANSWERED, Saying.Status.ACCEPTED})}

NOTICE_MOVES: Moves = {
    NoticeStatus.OPEN: frozenset({NoticeStatus.CLOSED, NoticeStatus.RETURNED, NoticeStatus.WITHDRAWN}),
}
OBJECTION_MOVES: Moves = {
    ObjectionStatus.PENDING: frozenset({ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED}),
}
TASK_MOVES: Moves = {TaskStatus.OPEN: frozenset({TaskStatus.DONE})}


def meeting_closed(meeting: Meeting) -> Conflict:
    """A meeting that no longer takes attendance, votes or a decision."""
    return Conflict(
        _("会议已表决或已取消"), code="meeting_closed", data={"meeting": meeting.pk, "status": meeting.status}
    )


def meeting_move(meeting: Meeting, to: str) -> None:
    if to != MeetingStatus.SIGNED:
        refused = meeting_closed(meeting)
    elif meeting.status == MeetingStatus.SIGNED:
        refused = Conflict(_("会议记录已签字"), code="meeting_signed", data={"meeting": meeting.pk})
    else:
        refused = Conflict(
            _("会议表决后才能签署会议记录"), code="meeting_not_decided", data={"meeting": meeting.pk}
        )
    move(meeting, to, MEETING_MOVES, refused, field="status")


def saying_move(saying: Saying, to: str) -> None:
    refused = Conflict(_("该说事已处理"), code="saying_handled", data={"status": saying.status})
    move(saying, to, SAYING_MOVES, refused, field="status")


def notice_move(notice: Notice, to: str) -> None:
    refused = Conflict(_("该公示已经结束"), code="notice_closed", data={"notice": notice.pk})
    move(notice, to, NOTICE_MOVES, refused, field="status")


def objection_move(objection: Objection, to: str) -> None:
    refused = Conflict(_("该异议已处理"), code="objection_decided", data={"objection": objection.pk})
    move(objection, to, OBJECTION_MOVES, refused, field="status")


def task_move(task: Task, to: str) -> None:
    refused = Conflict(_("该任务已完成"), code="task_done", data={"task": task.pk})
    move(task, to, TASK_MOVES, refused, field="status")


__all__ = [
    "MEETING_MOVES",
    "NOTICE_MOVES",
    "OBJECTION_MOVES",
    "SAYING_MOVES",
    "TASK_MOVES",
    "meeting_closed",
    "meeting_move",
    "notice_move",
    "objection_move",
    "saying_move",
    "task_move",
]
