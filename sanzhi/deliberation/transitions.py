"""The small workflows after the vote (``core.transitions``): a public notice (open → closed |
returned | withdrawn), an objection to it (pending → upheld | dismissed) and an implementation task
(open → done). A matter and its steps move only through ``flow.step_finish``."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Conflict
from sanzhi.core.transitions import Moves, move
from sanzhi.deliberation.models import (
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    Task,
    TaskStatus,
)

NOTICE_MOVES: Moves = {
    NoticeStatus.OPEN: frozenset({NoticeStatus.CLOSED, NoticeStatus.RETURNED, NoticeStatus.WITHDRAWN}),
}
OBJECTION_MOVES: Moves = {
    ObjectionStatus.PENDING: frozenset({ObjectionStatus.UPHELD, ObjectionStatus.DISMISSED}),
}
TASK_MOVES: Moves = {TaskStatus.OPEN: frozenset({TaskStatus.DONE})}


def notice_move(notice: Notice, to: str) -> None:
    refused = Conflict(_("该公示已经结束"), code="notice_closed", data={"notice": notice.pk})
    move(notice, to, NOTICE_MOVES, refused, field="status")


def objection_move(objection: Objection, to: str) -> None:
    refused = Conflict(_("该异议已处理"), code="objection_decided", data={"objection": objection.pk})
    move(objection, to, OBJECTION_MOVES, refused, field="status")


def task_move(task: Task, to: str) -> None:
    refused = Conflict(_("该任务已完成"), code="task_done", data={"task": task.pk})
    move(task, to, TASK_MOVES, refused, field="status")


__all__ = ["NOTICE_MOVES", "OBJECTION_MOVES", "TASK_MOVES", "notice_move", "objection_move", "task_move"]
