"""群众评价: the window [opened_at, opened_at + 15 days), who may rate and close before / during /
after it, once per resident, and the tally."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sanzhi.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from sanzhi.core.testing import Town, make_resident, make_user
from sanzhi.deliberation.evaluation import (
    evaluation_close,
    evaluation_submit,
    evaluation_summary,
    evaluation_window,
)
from sanzhi.deliberation.models import Evaluation, Matter, MatterEvent, MatterStatus, Rating
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import PERSONAS, RUNNERS, at, current, propose, snapshot, walk_to
from sanzhi.people.codes import Relation

E0 = at(2026, 11, 2, 10, 0)  # the evaluation stage opens
E_END = E0 + dt.timedelta(days=15)
PHASES = {
    "before": E0 - dt.timedelta(hours=1),
    "opening": E0,
    "during": E0 + dt.timedelta(days=7),
    "last_instant": E_END - dt.timedelta(microseconds=1),
    "end": E_END,
    "after": E_END + dt.timedelta(days=30),
}
INSIDE = {"opening", "during", "last_instant"}


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


@pytest.fixture
def matter(world: DeliberationWorld) -> Matter:
    """A 提-议-决-办-评 matter whose 评 stage (15 days) opened at E0."""
    matter = propose(world, "ti_yi_jue_ban_ping", now=E0 - dt.timedelta(days=40))
    walk_to(matter, "ping", actor=world.town.users["secretary"], now=E0)
    return matter


def test_window_is_the_stage_days_from_opening(matter: Matter) -> None:
    assert evaluation_window(current(matter)) == (E0, E_END)


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_evaluate_when(world: DeliberationWorld, matter: Matter, persona: str, phase: str) -> None:
    before = snapshot()
    with time_machine.travel(PHASES[phase], tick=False):
        if persona == "resident" and phase in INSIDE:
            evaluation = evaluation_submit(
                actor=world.town.users[persona], matter=matter, rating=Rating.SATISFIED, comment="路灯很亮"
            )
            assert evaluation.created_at == PHASES[phase]
            assert evaluation.resident_id == world.town.residents["zhang"].pk
            assert MatterEvent.objects.filter(action="evaluated").count() == 1
            return
        with pytest.raises(DomainError) as refused:
            evaluation_submit(actor=world.town.users[persona], matter=matter, rating=Rating.SATISFIED)
    assert refused.value.code == ("outside_window" if persona == "resident" else "not_in_scope")
    assert snapshot() == before


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_close_when(world: DeliberationWorld, matter: Matter, persona: str, phase: str) -> None:
    step = current(matter)
    before = snapshot()
    with time_machine.travel(PHASES[phase], tick=False):
        if persona in RUNNERS and phase in {"end", "after"}:
            done = evaluation_close(actor=world.town.users[persona], step=step)
            assert done.status == MatterStatus.DONE  # 评 is the last stage
            return
        with pytest.raises(DomainError) as refused:
            evaluation_close(actor=world.town.users[persona], step=step)
    assert refused.value.code == ("evaluation_running" if persona in RUNNERS else "forbidden")
    assert snapshot() == before


def test_once_per_resident_and_valid_ratings(world: DeliberationWorld, matter: Matter) -> None:
    resident = world.town.users["resident"]
    with time_machine.travel(PHASES["during"], tick=False):
        before = snapshot()
        with pytest.raises(ValidationFailed) as bad:
            evaluation_submit(actor=resident, matter=matter, rating="excellent")
        assert bad.value.data == {"field": "rating"}
        with pytest.raises(ValidationFailed):
            evaluation_submit(actor=resident, matter=matter, rating=Rating.BASIC, comment="长" * 2001)
        assert snapshot() == before
        evaluation_submit(actor=resident, matter=matter, rating=Rating.BASIC)
        before = snapshot()
        with pytest.raises(Conflict) as twice:
            evaluation_submit(actor=resident, matter=matter, rating=Rating.UNSATISFIED)
        assert twice.value.code == "already_evaluated"
        assert snapshot() == before


def test_residents_elsewhere_may_not_rate(world: DeliberationWorld, matter: Matter) -> None:
    liu = world.town.residents["liu"]  # 白衣村
    liu.user = make_user("liu")
    liu.save(update_fields=["user"])
    with time_machine.travel(PHASES["during"], tick=False), pytest.raises(Forbidden) as refused:
        evaluation_submit(actor=liu.user, matter=matter, rating=Rating.SATISFIED)
    assert refused.value.code == "not_in_scope"


def test_not_evaluating_outside_the_stage(world: DeliberationWorld) -> None:
    matter = propose(world, "ti_yi_jue_ban_ping", now=E0)
    with time_machine.travel(E0, tick=False), pytest.raises(Conflict) as refused:
        evaluation_submit(actor=world.town.users["resident"], matter=matter, rating=Rating.SATISFIED)
    assert refused.value.code == "not_evaluating"
    assert not Evaluation.objects.exists()


def test_close_puts_the_tally_in_the_event(world: DeliberationWorld, matter: Matter) -> None:
    household = world.town.households["h2"]  # 王志强's household, 创举社区
    raters = [(world.town.users["resident"], Rating.SATISFIED)]
    for index, rating in enumerate([Rating.SATISFIED, Rating.BASIC, Rating.UNSATISFIED]):
        person = make_resident(household, f"评议人{index}", Relation.OTHER_RELATIVE)
        person.user = make_user(f"rater{index}")
        person.save(update_fields=["user"])
        raters.append((person.user, rating))
    for user, rating in raters:
        evaluation_submit(actor=user, matter=matter, rating=rating, now=PHASES["during"])
    tally = evaluation_summary(matter)
    assert tally == {
        "satisfied": 2,
        "basic": 1,
        "unsatisfied": 1,
        "total": 4,
        "satisfaction_permille": 750,
    }
    step = current(matter)
    evaluation_close(actor=world.town.users["secretary"], step=step, now=PHASES["end"])
    event = MatterEvent.objects.get(action="stage_passed", step=step)
    assert event.data["tally"] == tally
    matter.refresh_from_db()
    assert (matter.status, matter.closed_at) == (MatterStatus.DONE, PHASES["end"])
    with pytest.raises(Conflict):
        evaluation_submit(actor=world.town.users["resident"], matter=matter, rating=Rating.BASIC)


def test_summary_of_nothing(matter: Matter) -> None:
    assert evaluation_summary(matter) == {
        "satisfied": 0,
        "basic": 0,
        "unsatisfied": 0,
        "total": 0,
        "satisfaction_permille": 0,
    }
