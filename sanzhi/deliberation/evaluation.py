"""群众评价 (评): residents rate a matter's result during the evaluation stage's window.

The window is ``[step.opened_at, step.opened_at + stage.min_days days)``, half-open: a rating at
``opened_at`` counts, one at the end instant does not; ``evaluation_close`` is possible from the
end instant on (with ``min_days`` 0 the window is empty and the stage may close at once).
Residents living under the matter's node rate once per matter; the tally goes into the closing
event. 满意率 here is (满意 + 基本满意) / all ratings, in whole per mille (rounded down).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.deliberation import flow, rules
from sanzhi.deliberation.flow import matter_event
from sanzhi.deliberation.models import Evaluation, Matter, MatterStep, Rating, StepStatus
from sanzhi.deliberation.states import Act, allows

MAX_TEXT = 2000


def evaluation_window(step: MatterStep) -> tuple[dt.datetime, dt.datetime]:
    return step.opened_at, step.opened_at + dt.timedelta(days=step.stage.min_days)


def _iso(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat()


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def evaluation_summary(matter: Matter) -> dict[str, int]:
    """Counts by rating, the total, and 满意率 in per mille ((满意 + 基本满意) / total, rounded down)."""
    counts = {rating: 0 for rating in Rating.values}
    for row in Evaluation.objects.filter(matter=matter).values("rating").annotate(n=Count("id")):
        counts[row["rating"]] = row["n"]
    total = sum(counts.values())
    content = counts[Rating.SATISFIED] + counts[Rating.BASIC]
    return {**counts, "total": total, "satisfaction_permille": content * 1000 // total if total else 0}


def _open_evaluation_step(matter: Matter) -> MatterStep:
    step = matter.current_step
    if step is None:
        raise Conflict(_("该议题当前不在群众评价环节"), code="not_evaluating")
    return step


@transaction.atomic
def evaluation_submit(
    *, actor: Any, matter: Matter, rating: str, comment: str = "", now: dt.datetime | None = None
) -> Evaluation:
    """评议: a resident living under the matter's node rates it, once, inside the window."""
    if not rules.lives_under(actor, matter):
        raise Forbidden(_("只有本地居民可以参与评价"), code="not_in_scope")
    matter, step = flow.lock_open_step(_open_evaluation_step(Matter.objects.get(pk=matter.pk)))
    if not allows(step.stage.kind, Act.EVALUATE):
        raise Conflict(_("该议题当前不在群众评价环节"), code="not_evaluating")
    now = now or timezone.now()
    starts, ends = evaluation_window(step)
    if not starts <= now < ends:
        raise ValidationFailed(
            _("不在评价期内（{starts}至{ends}）").format(
                starts=timezone.localtime(starts).strftime("%Y-%m-%d %H:%M"),
                ends=timezone.localtime(ends).strftime("%Y-%m-%d %H:%M"),
            ),
            code="outside_window",
            data={"starts_at": _iso(starts), "ends_at": _iso(ends)},
        )
    if rating not in Rating.values:
        raise ValidationFailed(_("评价等级无效"), code="invalid", data={"field": "rating"})
    comment = (comment or "").strip()
    if len(comment) > MAX_TEXT:
        raise ValidationFailed(_("意见不超过2000字"), code="invalid", data={"field": "comment"})
    if Evaluation.objects.filter(matter=matter, user=actor).exists():
        raise Conflict(_("您已评价过该议题"), code="already_evaluated")
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                matter=matter,
                step=step,
                user=actor,
                resident=rules.resident_of(actor),
                rating=rating,
                comment=comment,
                created_at=now,
            )
    except IntegrityError:  # a double submit racing the check above
        raise Conflict(_("您已评价过该议题"), code="already_evaluated") from None
    data = {"evaluation": evaluation.pk, "rating": rating}
    matter_event(matter, action="evaluated", actor=actor, now=now, step=step, data=data)
    audit_record(
        actor=actor,
        action="deliberation.evaluate",
        subject=evaluation,
        node_path=matter.node_path,
        data=data,
    )
    return evaluation


@transaction.atomic
def evaluation_close(*, actor: Any, step: MatterStep, now: dt.datetime | None = None) -> Matter:
    """评议结束: after the window the stage passes with the tally."""
    if not rules.can_run(actor, step.matter):
        raise Forbidden(_("无权结束群众评价"), code="forbidden")
    matter, step = flow.lock_open_step(step)
    if not allows(step.stage.kind, Act.CLOSE_EVALUATION):
        raise ValidationFailed(
            _("该环节不是群众评价环节"), code="stage_not_evaluation", data={"stage": step.stage.code}
        )
    now = now or timezone.now()
    _starts, ends = evaluation_window(step)
    if now < ends:
        raise ValidationFailed(
            _("评价期至{ends}结束，期满前不能结束评价").format(
                ends=timezone.localtime(ends).strftime("%Y-%m-%d %H:%M")
            ),
            code="evaluation_running",
            data={"ends_at": _iso(ends)},
        )
    tally = evaluation_summary(matter)
    audit_record(
        actor=actor,
        action="deliberation.evaluation_close",
        subject=matter,
        node_path=matter.node_path,
        data={"step": step.pk, "tally": tally},
    )
    return flow.step_finish(actor=actor, step=step, outcome=StepStatus.PASSED, data={"tally": tally}, now=now)
