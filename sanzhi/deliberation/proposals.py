"""提: accepting a proposal at a procedure's proposal stage, and 村民说事 (residents' sayings) that
staff answer or turn into matters.

A saying belongs to the node of the resident's household (their micro-grid); staff holding
``deliberation.propose`` there answer it (已答复) or accept it as a matter (已立为议题, source
``saying``) under a procedure that covers it.
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
    MatterSource,
    MatterStep,
    MatterType,
    Procedure,
    Saying,
    StepStatus,
)
from sanzhi.deliberation.states import Act, allows
from sanzhi.deliberation.transitions import saying_move
from sanzhi.grids.models import Node

MAX_TEXT = 5000


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _text(value: str, *, field_name: str, message: Any, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise ValidationFailed(message, code="invalid", data={"field": field_name})
    return value


@transaction.atomic
def proposal_accept(
    *, actor: Any, step: MatterStep, note: str = "", now: dt.datetime | None = None
) -> Matter:
    """受理立题: the proposal stage (提) is recorded as passed by whoever runs deliberation there."""
    if not rules.can_run(actor, step.matter):
        raise Forbidden(_("无权受理议题"), code="forbidden")
    _matter, step = flow.lock_open_step(step)
    if not allows(step.stage.kind, Act.ACCEPT):
        raise ValidationFailed(
            _("该环节不是提议环节"), code="stage_not_proposal", data={"stage": step.stage.code}
        )
    note = (note or "").strip()[:MAX_TEXT]
    return flow.step_finish(
        actor=actor, step=step, outcome=StepStatus.PASSED, note=note, data={"accepted": True}, now=now
    )


@transaction.atomic
def saying_submit(*, actor: Any, title: str, text: str, now: dt.datetime | None = None) -> Saying:
    """村民说事: a registered resident raises something; it belongs to their household's node."""
    resident = rules.resident_of(actor)
    if resident is None:
        raise Forbidden(_("只有登记在册的居民可以说事"), code="not_resident")
    title = _text(title, field_name="title", message=_("请填写事由（不超过200字）"), limit=200)
    text = _text(text, field_name="text", message=_("请填写内容（不超过5000字）"))
    household = resident.household
    saying = Saying.objects.create(
        node_id=household.node_id,
        node_path=household.node_path,
        user=actor,
        resident=resident,
        title=title,
        text=text,
    )
    if now is not None:  # an import or the demo telling an earlier story: the row says when
        Saying.objects.filter(pk=saying.pk).update(created_at=now, updated_at=now)
        saying.created_at = saying.updated_at = now
    audit_record(
        actor=actor,
        action="deliberation.saying_submit",
        subject=saying,
        node_path=saying.node_path,
        data={"title": title},
    )
    return saying


def _lock_new_saying(saying: Saying) -> Saying:
    locked = Saying.objects.select_for_update().get(pk=saying.pk)
    if locked.status != Saying.Status.NEW:
        raise Conflict(_("该说事已处理"), code="saying_handled", data={"status": locked.status})
    return locked


@transaction.atomic
def saying_answer(*, actor: Any, saying: Saying, reply: str) -> Saying:
    """答复: the saying is answered without becoming a matter."""
    if not rules.can_propose(actor, saying):
        raise Forbidden(_("无权处理该说事"), code="forbidden")
    reply = _text(reply, field_name="reply", message=_("请填写答复（不超过5000字）"))
    locked = _lock_new_saying(saying)
    saying_move(locked, Saying.Status.ANSWERED)
    locked.reply = reply
    locked.answered_by = _user(actor)
    locked.save(update_fields=["status", "reply", "answered_by", "updated_at"])
    audit_record(actor=actor, action="deliberation.saying_answer", subject=locked, node_path=locked.node_path)
    return locked


@transaction.atomic
def saying_accept(
    *,
    actor: Any,
    saying: Saying,
    procedure: Procedure,
    node: Node | None = None,
    title: str | None = None,
    matter_type: str = MatterType.ORDINARY,
    amount_fen: int | None = None,
    declared_major: bool = False,
    now: dt.datetime | None = None,
) -> Matter:
    """立为议题: the saying becomes a matter (source ``saying``) under ``procedure``, at ``node``
    (by default the procedure's own node: the community deliberates, its residents object)."""
    if not rules.can_propose(actor, saying):
        raise Forbidden(_("无权处理该说事"), code="forbidden")
    if not saying.node_path.startswith(procedure.node_path):
        raise ValidationFailed(_("该议事规程不适用于此地"), code="procedure_elsewhere")
    locked = _lock_new_saying(saying)
    now = now or timezone.now()
    target = node if node is not None else procedure.node
    matter = flow.matter_propose(
        actor=actor,
        node=target,
        procedure=procedure,
        title=title if title is not None else locked.title,
        description=locked.text,
        matter_type=matter_type,
        amount_fen=amount_fen,
        declared_major=declared_major,
        source=MatterSource.SAYING,
        now=now,
    )
    saying_move(locked, Saying.Status.ACCEPTED)
    locked.matter = matter
    locked.answered_by = _user(actor)
    locked.save(update_fields=["status", "matter", "answered_by", "updated_at"])
    matter_event(matter, action="from_saying", actor=actor, now=now, data={"saying": locked.pk})
    audit_record(
        actor=actor,
        action="deliberation.saying_accept",
        subject=locked,
        node_path=locked.node_path,
        data={"matter": matter.pk},
    )
    return matter
