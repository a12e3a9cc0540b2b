"""How a matter moves: proposing it, and ``step_finish``, the one transition function.

``step_finish`` locks the matter, checks that the step is its open one and what the outcome does
(``states.effect``), closes the step, then opens the next stage that applies (a stage reserved to
major matters is recorded as skipped for an ordinary one), sends the matter back to an earlier
stage for another round, or ends it. Every change writes a ``MatterEvent`` and an audit row.
Stage services (meetings, approvals, notices, implementation, evaluation) call it when their
stage's work is done; nothing else writes ``Matter.status`` or closes a step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.deliberation import attachments as matter_files
from sanzhi.deliberation import rules
from sanzhi.deliberation.models import (
    Approval,
    ApprovalDecision,
    Body,
    Matter,
    MatterEvent,
    MatterSource,
    MatterStatus,
    MatterStep,
    MatterType,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeStatus,
    Procedure,
    Stage,
    StepStatus,
)
from sanzhi.deliberation.states import Effect, effect
from sanzhi.grids.models import Node


def is_major(procedure: Procedure, *, matter_type: str, amount_fen: int | None, declared: bool) -> bool:
    """重大事项: declared so, of a type the procedure names, or at or above its amount."""
    if declared or matter_type in (procedure.major_types or []):
        return True
    threshold = procedure.major_amount_fen
    return threshold is not None and amount_fen is not None and amount_fen >= threshold


def stage_applies(stage: Stage, matter: Matter) -> bool:
    return not stage.major_only or matter.is_major


def matter_event(
    matter: Matter,
    *,
    action: str,
    actor: Any,
    now: dt.datetime,
    step: MatterStep | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> MatterEvent:
    """A ``MatterEvent`` row: every service of a matter's stages writes its changes through here."""
    return MatterEvent.objects.create(
        matter=matter,
        step=step,
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note,
        data=data or {},
        at=now,
    )


def _open_from(matter: Matter, stages: list[Stage], *, actor: Any, now: dt.datetime) -> None:
    """Open the first of ``stages`` that applies (recording the ones that do not as skipped), or
    finish the matter when none is left. A stage run again (the matter was sent back) is its next
    round."""
    for stage in stages:
        round_ = 1 + MatterStep.objects.filter(matter=matter, stage=stage).count()
        if not stage_applies(stage, matter):
            skipped = MatterStep.objects.create(
                matter=matter,
                stage=stage,
                round=round_,
                status=StepStatus.SKIPPED,
                opened_at=now,
                closed_at=now,
            )
            matter_event(
                matter, action="stage_skipped", actor=actor, now=now, step=skipped, data={"stage": stage.code}
            )
            continue
        step = MatterStep.objects.create(matter=matter, stage=stage, round=round_, opened_at=now)
        matter.current_step = step
        matter.save(update_fields=["current_step", "updated_at"])
        matter_event(
            matter, action="stage_opened", actor=actor, now=now, step=step, data={"stage": stage.code}
        )
        return
    matter.status = MatterStatus.DONE
    matter.current_step = None
    matter.closed_at = now
    matter.save(update_fields=["status", "current_step", "closed_at", "updated_at"])
    matter_event(matter, action="done", actor=actor, now=now)


@transaction.atomic
def matter_propose(
    *,
    actor: Any,
    node: Node,
    procedure: Procedure,
    title: str,
    description: str = "",
    matter_type: str = MatterType.ORDINARY,
    amount_fen: int | None = None,
    declared_major: bool = False,
    source: str = MatterSource.BODY,
    proposer_body: Body | None = None,
    tickets: Iterable[Any] = (),
    attachments: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Matter:
    """提: put a matter forward under a procedure that covers ``node``; its first stage opens. The
    ``attachments`` are checked before anything is written and stored once the matter exists."""
    if not rules.can_propose(actor, node):
        raise Forbidden(_("无权在此提出议题"), code="forbidden")
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise ValidationFailed(_("请填写议题（不超过200字）"), code="invalid", data={"field": "title"})
    if matter_type not in MatterType.values:
        raise ValidationFailed(_("事项类型无效"), code="invalid", data={"field": "matter_type"})
    if source not in MatterSource.values:
        raise ValidationFailed(_("来源无效"), code="invalid", data={"field": "source"})
    if amount_fen is not None and amount_fen < 0:
        raise ValidationFailed(_("金额不能为负数"), code="invalid", data={"field": "amount_fen"})
    if not procedure.active or not node.path.startswith(procedure.node_path):
        raise ValidationFailed(_("该议事规程不适用于此地"), code="procedure_elsewhere")
    if proposer_body is not None and not node.path.startswith(proposer_body.node_path):
        raise ValidationFailed(_("提议主体不属于此地"), code="body_elsewhere")
    stages = list(procedure.stages.order_by("order"))
    if not stages:
        raise ValidationFailed(_("该议事规程没有环节"), code="procedure_empty")
    files = matter_files.check_matter_files(attachments)
    now = now or timezone.now()
    matter = Matter.objects.create(
        node=node,
        node_path=node.path,
        procedure=procedure,
        title=title,
        description=description or "",
        matter_type=matter_type,
        amount_fen=amount_fen,
        is_major=is_major(procedure, matter_type=matter_type, amount_fen=amount_fen, declared=declared_major),
        source=source,
        proposer_body=proposer_body,
        proposed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # created_at is the proposal's time (lists sort by it), also when a caller tells an earlier story.
    Matter.objects.filter(pk=matter.pk).update(created_at=now, updated_at=now)
    matter.created_at = matter.updated_at = now
    ticket_list = list(tickets)
    if ticket_list:
        matter.tickets.add(*ticket_list)
    matter_event(
        matter,
        action="proposed",
        actor=actor,
        now=now,
        data={"major": matter.is_major, "tickets": [t.pk for t in ticket_list]},
    )
    audit_record(
        actor=actor,
        action="deliberation.propose",
        subject=matter,
        node_path=node.path,
        data={"title": title, "procedure": procedure.code, "major": matter.is_major},
    )
    _open_from(matter, stages, actor=actor, now=now)
    if files:
        matter_files.save_matter_files(matter, files, actor=actor, now=now)
    return matter


def lock_open_step(step: MatterStep) -> tuple[Matter, MatterStep]:
    """Lock the step's matter then the step (the lock order), and check the step is still open."""
    matter = Matter.objects.select_for_update().get(pk=step.matter_id)
    locked = MatterStep.objects.select_for_update().select_related("stage").get(pk=step.pk)
    if locked.status != StepStatus.OPEN or matter.current_step_id != locked.pk:
        raise Conflict(_("该环节已经结束"), code="step_closed", data={"step": locked.pk})
    return matter, locked


@transaction.atomic
def step_finish(
    *,
    actor: Any,
    step: MatterStep,
    outcome: str,
    note: str = "",
    data: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> Matter:
    """Close the matter's open step with ``outcome`` (passed / failed / returned / withdrawn) and
    move the matter: next stage, back to ``stage.return_to`` (or the last meeting stage before),
    rejected, or withdrawn. Callers check permissions and their stage's own rules first."""
    now = now or timezone.now()
    matter, step = lock_open_step(step)
    if outcome == StepStatus.OPEN or outcome == StepStatus.SKIPPED:
        raise ValueError(f"a step cannot be finished as {outcome}")
    move = effect(outcome, return_to=step.stage.return_to)
    step.status = outcome
    step.closed_at = now
    step.closed_by = actor if getattr(actor, "is_authenticated", False) else None
    step.outcome = note or ""
    step.save(update_fields=["status", "closed_at", "closed_by", "outcome"])
    _settle_step_work(step, now=now)
    matter_event(
        matter,
        action=f"stage_{outcome}",
        actor=actor,
        now=now,
        step=step,
        note=note,
        data={"stage": step.stage.code, **(data or {})},
    )
    audit_record(
        actor=actor,
        action=f"deliberation.stage_{outcome}",
        subject=matter,
        node_path=matter.node_path,
        data={"stage": step.stage.code, "round": step.round},
    )
    stages = list(matter.procedure.stages.order_by("order"))
    if move is Effect.NEXT:
        _open_from(matter, [s for s in stages if s.order > step.stage.order], actor=actor, now=now)
    elif move is Effect.BACK:
        target = _return_target(stages, step.stage)
        matter_event(matter, action="sent_back", actor=actor, now=now, step=step, data={"to": target.code})
        _open_from(matter, [s for s in stages if s.order >= target.order], actor=actor, now=now)
    else:
        matter.status = MatterStatus.REJECTED if move is Effect.REJECT else MatterStatus.WITHDRAWN
        matter.current_step = None
        matter.closed_at = now
        matter.save(update_fields=["status", "current_step", "closed_at", "updated_at"])
        matter_event(matter, action=str(matter.status), actor=actor, now=now, step=step)
    return matter


def _settle_step_work(step: MatterStep, *, now: dt.datetime) -> None:
    """A step that ends (above all by withdrawal) leaves no meeting called, no approval pending and no
    notice running behind it: they would wait forever for a step that is gone."""
    Meeting.objects.filter(step=step, status=MeetingStatus.SCHEDULED).update(
        status=MeetingStatus.CANCELLED, updated_at=now
    )
    Approval.objects.filter(step=step, decision=ApprovalDecision.PENDING).update(
        decision=ApprovalDecision.WITHDRAWN, decided_at=now
    )
    Notice.objects.filter(step=step, status=NoticeStatus.OPEN).update(
        status=NoticeStatus.WITHDRAWN, updated_at=now
    )


def _return_target(stages: list[Stage], stage: Stage) -> Stage:
    if stage.return_to:
        for candidate in stages:
            if candidate.code == stage.return_to:
                return candidate
    earlier = [s for s in stages if s.order < stage.order and s.kind == "meeting"]
    return earlier[-1] if earlier else stage


@transaction.atomic
def matter_withdraw(*, actor: Any, matter: Matter, reason: str, now: dt.datetime | None = None) -> Matter:
    """The proposer (or whoever runs deliberation there) withdraws a matter that is still open."""
    if not (rules.can_run(actor, matter) or (actor.is_authenticated and matter.proposed_by_id == actor.pk)):
        raise Forbidden(_("无权撤回该议题"), code="forbidden")
    if matter.status != MatterStatus.ACTIVE or matter.current_step is None:
        raise Conflict(_("该议题已经结束"), code="matter_closed")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请说明撤回理由"), code="invalid", data={"field": "reason"})
    return step_finish(
        actor=actor, step=matter.current_step, outcome=StepStatus.WITHDRAWN, note=reason, now=now
    )
