"""请示报告: before a major matter goes to the representatives' vote the community asks the township
(street) and waits for its answer.

Only an APPROVAL stage takes a request, and only major matters reach one (``flow`` records the
stage as skipped for an ordinary matter). Whoever runs deliberation at the community asks
(``rules.can_run``); the office above decides (``rules.can_approve``: the capability held at the
community itself does not count, nobody approves their own request). One request is pending at a
time. Approved: the step passes and the matter goes on to the vote. Refused: the step fails and
the matter is rejected (or sent back, if the stage names ``return_to``).
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
from sanzhi.deliberation.models import Approval, ApprovalDecision, MatterStep, StepStatus
from sanzhi.deliberation.states import Act, allows

MAX_TEXT = 5000


def _wrong_stage(step: MatterStep) -> ValidationFailed:
    return ValidationFailed(
        _("当前环节不是上级审批"),
        code="wrong_stage",
        data={"stage": step.stage.code, "kind": step.stage.kind},
    )


@transaction.atomic
def approval_request(
    *, actor: Any, step: MatterStep, request: str, now: dt.datetime | None = None
) -> Approval:
    """Send the township the request (请示) for the matter at its open approval step."""
    now = now or timezone.now()
    if not rules.can_run(actor, step.matter):
        raise Forbidden(_("无权提交请示"), code="forbidden")
    matter, step = flow.lock_open_step(step)
    if not allows(step.stage.kind, Act.REQUEST_APPROVAL):
        raise _wrong_stage(step)
    request = (request or "").strip()
    if not request or len(request) > MAX_TEXT:
        raise ValidationFailed(_("请填写请示内容（不超过5000字）"), code="invalid", data={"field": "request"})
    if Approval.objects.filter(step=step, decision=ApprovalDecision.PENDING).exists():
        raise Conflict(_("已有待审批的请示"), code="approval_pending", data={"step": step.pk})
    approval = Approval.objects.create(
        step=step,
        node_path=matter.node_path,
        request=request,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        requested_at=now,
    )
    data = {"approval": approval.pk}
    matter_event(
        matter, action="approval_requested", actor=actor, now=now, step=step, note=request, data=data
    )
    audit_record(
        actor=actor,
        action="deliberation.approval_request",
        subject=approval,
        node_path=matter.node_path,
        data=data,
    )
    return approval


@transaction.atomic
def approval_decide(
    *, actor: Any, approval: Approval, approve: bool, reply: str, now: dt.datetime | None = None
) -> Approval:
    """批复: the township approves (the step passes) or refuses, saying why (the step fails)."""
    now = now or timezone.now()
    if not rules.can_approve(actor, approval):
        raise Forbidden(_("无权审批此请示"), code="forbidden")
    reply = (reply or "").strip()
    if len(reply) > MAX_TEXT:
        raise ValidationFailed(_("批复不超过5000字"), code="invalid", data={"field": "reply"})
    if not approve and not reply:
        raise ValidationFailed(_("不同意时请填写批复意见"), code="invalid", data={"field": "reply"})
    pending = Approval.objects.filter(pk=approval.pk).values_list("decision", flat=True).first()
    if pending != ApprovalDecision.PENDING:
        raise Conflict(_("该请示已经批复"), code="approval_decided", data={"approval": approval.pk})
    matter, step = flow.lock_open_step(MatterStep.objects.get(pk=approval.step_id))
    approval = Approval.objects.select_for_update().get(pk=approval.pk)
    if approval.decision != ApprovalDecision.PENDING:
        raise Conflict(_("该请示已经批复"), code="approval_decided", data={"approval": approval.pk})
    if not allows(step.stage.kind, Act.DECIDE_APPROVAL):
        raise _wrong_stage(step)
    approval.decision = ApprovalDecision.APPROVED if approve else ApprovalDecision.REFUSED
    approval.reply = reply
    approval.decided_by = actor
    approval.decided_at = now
    approval.save(update_fields=["decision", "reply", "decided_by", "decided_at"])
    data = {"approval": approval.pk, "decision": approval.decision}
    matter_event(matter, action="approval_decided", actor=actor, now=now, step=step, note=reply, data=data)
    audit_record(
        actor=actor,
        action="deliberation.approval_decide",
        subject=approval,
        node_path=matter.node_path,
        data=data,
    )
    flow.step_finish(
        actor=actor,
        step=step,
        outcome=StepStatus.PASSED if approve else StepStatus.FAILED,
        note=reply,
        data=data,
        now=now,
    )
    return approval
