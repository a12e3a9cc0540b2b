"""Scoped reads of deliberation, per persona, and the query count of the matter list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sanzhi.accounts.models import User
from sanzhi.core.errors import NotFound, ValidationFailed
from sanzhi.core.testing import Town, make_user
from sanzhi.deliberation import flow
from sanzhi.deliberation.models import Matter, MatterStatus, Notice
from sanzhi.deliberation.notices import notice_close, notice_open
from sanzhi.deliberation.procedures import procedure_adopt
from sanzhi.deliberation.proposals import saying_submit
from sanzhi.deliberation.selectors import (
    body_list_for,
    matter_get_for,
    matter_list_for,
    matter_timeline,
    notice_get_public,
    notices_open_for_resident,
    procedure_list_for,
    saying_list_for,
    sayings_mine,
)
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import PERSONAS, at, propose, walk_to

T0 = at(2026, 10, 8, 15, 0)


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


@pytest.fixture
def matters(world: DeliberationWorld) -> dict[str, Matter]:
    """One matter at 创举社区, one at its first grid, one at 白衣村."""
    town = world.town
    village = propose(world, title="修建文化广场", now=T0)
    grid = flow.matter_propose(
        actor=town.users["gridworker"],
        node=town.grid,
        procedure=world.procedures["ti_yi_jue_ban_ping"],
        title="第一网格加装路灯",
        now=T0,
    )
    elsewhere_procedure = procedure_adopt(
        actor=town.users["street"], template="siyi_liangkai", node=town.other_village
    )
    elsewhere = flow.matter_propose(
        actor=town.users["street"],
        node=town.other_village,
        procedure=elsewhere_procedure,
        title="白衣村水渠清淤",
        now=T0,
    )
    return {"village": village, "grid": grid, "elsewhere": elsewhere}


VISIBLE = {
    "resident": set(),
    "rep": set(),
    "gridworker": {"grid"},  # deliberation.view at their grid only
    "secretary": {"village", "grid"},
    "street": {"village", "grid", "elsewhere"},
    "council": {"village", "grid"},
    "outsider": {"elsewhere"},  # the secretary of 白衣村
    "nobody": set(),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_matter_list_and_get_by_persona(
    world: DeliberationWorld, matters: dict[str, Matter], persona: str
) -> None:
    user = world.town.users[persona]
    seen = {key for key, matter in matters.items() if matter in set(matter_list_for(user=user))}
    assert seen == VISIBLE[persona]
    for key, matter in matters.items():
        if key in VISIBLE[persona]:
            assert matter_get_for(user=user, pk=matter.pk) == matter
        else:
            with pytest.raises(NotFound) as hidden:
                matter_get_for(user=user, pk=matter.pk)
            assert hidden.value.code == "matter_not_found"


def test_matter_list_filters(world: DeliberationWorld, matters: dict[str, Matter]) -> None:
    street = world.town.users["street"]
    assert set(matter_list_for(user=street, under=world.town.village)) == {
        matters["village"],
        matters["grid"],
    }
    assert list(matter_list_for(user=street, search="水渠")) == [matters["elsewhere"]]
    flow.matter_withdraw(actor=street, matter=matters["grid"], reason="已由物业解决", now=T0)
    assert list(matter_list_for(user=street, status=MatterStatus.WITHDRAWN)) == [matters["grid"]]
    assert matters["grid"] not in set(matter_list_for(user=street, status=MatterStatus.ACTIVE))
    with pytest.raises(ValidationFailed):
        matter_list_for(user=street, status="lost")


def test_matter_list_query_count(
    world: DeliberationWorld, matters: dict[str, Matter], django_assert_max_num_queries: Any
) -> None:
    for index in range(8):
        propose(world, title=f"议题{index}", now=T0 + dt.timedelta(minutes=index))
    street = User.objects.get(pk=world.town.users["street"].pk)  # no cached role assignments
    with django_assert_max_num_queries(2):  # the role assignments, then the list with its joins
        rows = [
            (m.title, m.node.name, m.procedure.name, m.current_step.stage.name if m.current_step else "")
            for m in matter_list_for(user=street)
        ]
    assert len(rows) == 11
    assert all(stage for _t, _n, _p, stage in rows)


def test_timeline_in_order(world: DeliberationWorld, matters: dict[str, Matter]) -> None:
    matter = matters["village"]
    walk_to(matter, "liangwei_shangyi", actor=world.town.users["secretary"], now=T0 + dt.timedelta(days=1))
    events = list(matter_timeline(matter))
    assert [e.action for e in events] == ["proposed", "stage_opened", "stage_passed", "stage_opened"]
    assert events[1].step is not None and events[1].step.stage.code == "dang_tiyi"
    assert [e.at for e in events] == sorted(e.at for e in events)


@pytest.mark.parametrize("persona", PERSONAS)
def test_sayings_by_persona(world: DeliberationWorld, persona: str) -> None:
    saying = saying_submit(actor=world.town.users["resident"], title="路灯不亮", text="请修理")
    user = world.town.users[persona]
    visible = persona in {"gridworker", "secretary", "street", "council"}
    assert (saying in set(saying_list_for(user=user))) is visible
    assert (list(sayings_mine(user=user)) == [saying]) is (persona == "resident")
    if visible:
        assert list(saying_list_for(user=user, status="new")) == [saying]
        assert list(saying_list_for(user=user, status="answered")) == []


def test_notices_open_for_resident_and_public(world: DeliberationWorld, matters: dict[str, Matter]) -> None:
    town = world.town
    secretary = town.users["secretary"]
    step = walk_to(matters["village"], "jueyi_gongkai", actor=secretary, now=T0)
    notice = notice_open(actor=secretary, step=step, title="决议公示", body="……", now=T0)
    resident = town.users["resident"]
    liu = town.residents["liu"]
    liu.user = make_user("liu")
    liu.save(update_fields=["user"])
    during = T0 + dt.timedelta(days=1)
    assert list(notices_open_for_resident(user=resident, now=during)) == [notice]
    assert list(notices_open_for_resident(user=resident, now=T0 - dt.timedelta(seconds=1))) == []
    assert list(notices_open_for_resident(user=resident, now=notice.ends_at)) == []
    assert list(notices_open_for_resident(user=liu.user, now=during)) == []  # lives in 白衣村
    for persona in set(PERSONAS) - {"resident"}:
        assert list(notices_open_for_resident(user=town.users[persona], now=during)) == []
    assert notice_get_public(pk=notice.pk) == notice
    notice_close(actor=secretary, notice=notice, now=notice.ends_at)
    assert notice_get_public(pk=notice.pk).status == "closed"  # stays public
    with pytest.raises(NotFound):
        notice_get_public(pk=notice.pk + 1000)
    assert Notice.objects.count() == 1


@pytest.mark.parametrize("persona", PERSONAS)
def test_procedures_and_bodies_by_persona(world: DeliberationWorld, persona: str) -> None:
    user = world.town.users[persona]
    procedures = set(procedure_list_for(user=user))
    bodies = set(body_list_for(user=user))
    # The grid worker sees the community's procedures and bodies: they cover the grid.
    sees_village = persona in {"gridworker", "secretary", "street", "council"}
    assert procedures == (set(world.procedures.values()) if sees_village else set())
    assert bodies == (set(world.bodies.values()) if sees_village else set())
