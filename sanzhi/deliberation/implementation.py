"""组织实施 (办): the implementation stage's tasks, each with an owner and progress, and finishing
the stage once every task of this round is done.

Tasks belong to the step (one round): a matter sent back to implementation (an upheld objection
to the result notice) opens a new step whose tasks are added afresh (整改).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.deliberation import flow, rules
from sanzhi.deliberation.flow import matter_event
from sanzhi.deliberation.models import (
    Matter,
    MatterStep,
    StepStatus,
    Task,
    TaskStatus,
    TaskUpdate,
)
from sanzhi.deliberation.states import Act, allows
from sanzhi.deliberation.transitions import task_move

MAX_TEXT = 5000


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check_stage(step: MatterStep, act: Act) -> None:
    if not allows(step.stage.kind, act):
        raise ValidationFailed(
            _("该环节不是组织实施环节"), code="stage_not_implementation", data={"stage": step.stage.code}
        )


@transaction.atomic
def task_add(
    *,
    actor: Any,
    step: MatterStep,
    title: str,
    owner: Any = None,
    owner_name: str = "",
    due_date: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Task:
    """明确责任人与时限: a task of the implementation step, with an owner (a user or a name)."""
    if not rules.can_run(actor, step.matter):
        raise Forbidden(_("无权安排实施任务"), code="forbidden")
    matter, step = flow.lock_open_step(step)
    _check_stage(step, Act.ADD_TASK)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed(_("请填写任务名称（不超过200字）"), code="invalid", data={"field": "title"})
    if owner is not None and not getattr(owner, "is_active", False):
        raise ValidationFailed(_("责任人账号不可用"), code="invalid", data={"field": "owner"})
    owner_name = (owner_name or "").strip()
    if not owner_name and owner is not None:
        owner_name = owner.display_name or owner.username
    if not owner_name or len(owner_name) > 50:
        raise ValidationFailed(_("请填写责任人（不超过50字）"), code="invalid", data={"field": "owner_name"})
    now = now or timezone.now()
    task = Task.objects.create(
        matter=matter, step=step, title=title, owner=owner, owner_name=owner_name, due_date=due_date
    )
    data = {"task": task.pk, "owner": owner_name, "due_date": due_date.isoformat() if due_date else None}
    matter_event(matter, action="task_added", actor=actor, now=now, step=step, note=title, data=data)
    audit_record(
        actor=actor, action="deliberation.task_add", subject=task, node_path=matter.node_path, data=data
    )
    return task


@transaction.atomic
def task_progress(
    *, actor: Any, task: Task, progress: int, note: str = "", now: dt.datetime | None = None
) -> Task:
    """进度: the task's owner (or whoever runs deliberation there) reports progress; 100 is done.
    Progress never goes back: a setback is told in the note."""
    is_owner = getattr(actor, "is_authenticated", False) and task.owner_id == actor.pk
    if not (is_owner or rules.can_run(actor, task.matter)):
        raise Forbidden(_("无权填报该任务进度"), code="forbidden")
    matter, step = flow.lock_open_step(MatterStep.objects.get(pk=task.step_id))
    _check_stage(step, Act.REPORT_PROGRESS)
    locked = Task.objects.select_for_update().get(pk=task.pk)
    if locked.status == TaskStatus.DONE:
        raise Conflict(_("该任务已完成"), code="task_done", data={"task": locked.pk})
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ValidationFailed(_("进度应为0至100的整数"), code="invalid", data={"field": "progress"})
    if progress < locked.progress:
        raise ValidationFailed(
            _("进度不能低于已填报的{progress}%").format(progress=locked.progress),
            code="progress_backwards",
            data={"progress": locked.progress},
        )
    note = (note or "").strip()[:MAX_TEXT]
    now = now or timezone.now()
    TaskUpdate.objects.create(task=locked, progress=progress, note=note, by=_user(actor), at=now)
    locked.progress = progress
    fields = ["progress", "updated_at"]
    if progress == 100:
        task_move(locked, TaskStatus.DONE)
        locked.done_at = now
        fields += ["status", "done_at"]
    locked.save(update_fields=fields)
    data = {"task": locked.pk, "progress": progress, "done": locked.status == TaskStatus.DONE}
    matter_event(matter, action="task_progress", actor=actor, now=now, step=step, note=note, data=data)
    audit_record(
        actor=actor,
        action="deliberation.task_progress",
        subject=locked,
        node_path=matter.node_path,
        data=data,
    )
    return locked


@transaction.atomic
def implementation_finish(
    *, actor: Any, step: MatterStep, summary: str, now: dt.datetime | None = None
) -> Matter:
    """实施完成: with at least one task and every task of this round done, the step passes."""
    if not rules.can_run(actor, step.matter):
        raise Forbidden(_("无权确认实施完成"), code="forbidden")
    matter, step = flow.lock_open_step(step)
    _check_stage(step, Act.FINISH_IMPLEMENTATION)
    summary = (summary or "").strip()
    if not summary or len(summary) > MAX_TEXT:
        raise ValidationFailed(_("请填写实施情况（不超过5000字）"), code="invalid", data={"field": "summary"})
    tasks = list(Task.objects.filter(step=step).values_list("pk", "status"))
    if not tasks:
        raise ValidationFailed(_("尚未安排实施任务"), code="no_tasks")
    open_ = [pk for pk, status in tasks if status != TaskStatus.DONE]
    if open_:
        raise ValidationFailed(
            _("还有{count}项任务未完成").format(count=len(open_)), code="tasks_open", data={"tasks": open_}
        )
    audit_record(
        actor=actor,
        action="deliberation.implementation_finish",
        subject=matter,
        node_path=matter.node_path,
        data={"step": step.pk, "tasks": len(tasks)},
    )
    return flow.step_finish(
        actor=actor, step=step, outcome=StepStatus.PASSED, note=summary, data={"tasks": len(tasks)}, now=now
    )
