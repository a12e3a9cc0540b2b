"""Helpers for the notice / implementation / evaluation suites (task delib-notice): put a matter
forward and walk it to a given stage, snapshot what a refused call must leave unchanged.

``walk_to`` finishes meeting and approval steps with ``flow.step_finish`` directly: those suites
test the stages after the vote, not the vote (the meeting and approval services have their own)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from sanzhi.core.models import AuditEvent
from sanzhi.deliberation import flow
from sanzhi.deliberation.models import (
    Evaluation,
    Matter,
    MatterEvent,
    MatterStep,
    MatterType,
    Notice,
    Objection,
    StepStatus,
    Task,
)
from sanzhi.deliberation.testing import DeliberationWorld
from sanzhi.disclosure.models import Publication

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
PERSONAS = ("resident", "rep", "gridworker", "secretary", "street", "council", "outsider", "nobody")
RUNNERS = {"secretary", "street"}  # deliberation.run at 创举社区


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=TZ)


def propose(
    world: DeliberationWorld,
    template: str = "siyi_liangkai",
    *,
    major: bool = False,
    title: str = "修建村口文化广场",
    now: dt.datetime | None = None,
) -> Matter:
    town = world.town
    return flow.matter_propose(
        actor=town.users["secretary"],
        node=town.village,
        procedure=world.procedures[template],
        title=title,
        matter_type=MatterType.PROJECT if major else MatterType.ORDINARY,
        amount_fen=8_000_000 if major else 300_000,
        now=now,
    )


def current(matter: Matter) -> MatterStep:
    matter.refresh_from_db()
    assert matter.current_step_id is not None
    return MatterStep.objects.select_related("stage", "matter").get(pk=matter.current_step_id)


def walk_to(matter: Matter, code: str, *, actor: Any, now: dt.datetime | None = None) -> MatterStep:
    """Pass every step until the stage ``code`` is open (stand-in for the earlier stages' services)."""
    for _ in range(20):
        step = current(matter)
        if step.stage.code == code:
            return step
        flow.step_finish(actor=actor, step=step, outcome=StepStatus.PASSED, note="通过", now=now)
    raise AssertionError(f"stage {code} never opened")


def snapshot() -> tuple[Any, ...]:
    """Everything a refused call must leave as it was."""
    return (
        list(Notice.objects.order_by("id").values_list("id", "status", "publication_id")),
        list(Objection.objects.order_by("id").values_list("id", "status", "reply")),
        list(MatterStep.objects.order_by("id").values_list("id", "status")),
        list(Matter.objects.order_by("id").values_list("id", "status", "current_step_id")),
        list(Task.objects.order_by("id").values_list("id", "status", "progress")),
        Evaluation.objects.count(),
        MatterEvent.objects.count(),
        AuditEvent.objects.count(),
        Publication.objects.count(),
    )
