"""组织实施: tasks with owners and progress, who may add and report, finishing the stage, and the
result notice (实施结果公开) published as kind ``result`` with the tasks."""

from __future__ import annotations

import datetime as dt

import pytest

from sanzhi.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from sanzhi.core.testing import Town
from sanzhi.deliberation.implementation import implementation_finish, task_add, task_progress
from sanzhi.deliberation.models import (
    Matter,
    MatterEvent,
    MatterStep,
    StepStatus,
    Task,
    TaskStatus,
    TaskUpdate,
)
from sanzhi.deliberation.notices import notice_open
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import PERSONAS, RUNNERS, at, current, propose, snapshot, walk_to
from sanzhi.disclosure.models import Publication

T0 = at(2026, 10, 20, 9, 0)


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


@pytest.fixture
def matter(world: DeliberationWorld) -> Matter:
    matter = propose(world, now=T0 - dt.timedelta(days=20))
    walk_to(matter, "zuzhi_shishi", actor=world.town.users["secretary"], now=T0)
    return matter


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_add_a_task(world: DeliberationWorld, matter: Matter, persona: str) -> None:
    step = current(matter)
    before = snapshot()
    if persona in RUNNERS:
        task = task_add(
            actor=world.town.users[persona],
            step=step,
            title="平整场地",
            owner=world.town.users["gridworker"],
            due_date=dt.date(2026, 11, 30),
            now=T0,
        )
        assert (task.owner_name, task.status, task.progress) == ("gridworker", TaskStatus.OPEN, 0)
        assert MatterEvent.objects.filter(action="task_added", data__task=task.pk).count() == 1
        return
    with pytest.raises(Forbidden):
        task_add(actor=world.town.users[persona], step=step, title="平整场地", owner_name="王师傅")
    assert snapshot() == before


def test_add_task_needs_an_owner_and_the_implementation_stage(
    world: DeliberationWorld, matter: Matter
) -> None:
    secretary = world.town.users["secretary"]
    step = current(matter)
    earlier = propose(world, title="另一议题")
    before = snapshot()
    with pytest.raises(ValidationFailed) as no_owner:
        task_add(actor=secretary, step=step, title="平整场地")
    assert no_owner.value.data == {"field": "owner_name"}
    with pytest.raises(ValidationFailed):
        task_add(actor=secretary, step=step, title="", owner_name="王师傅")
    with pytest.raises(ValidationFailed) as wrong:
        task_add(actor=secretary, step=current(earlier), title="平整场地", owner_name="王师傅")
    assert wrong.value.code == "stage_not_implementation"
    assert snapshot() == before
    assert Task.objects.count() == 0


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_report_progress(world: DeliberationWorld, matter: Matter, persona: str) -> None:
    """The owner (here the grid worker, who cannot run deliberation) and the runners report."""
    task = task_add(
        actor=world.town.users["secretary"],
        step=current(matter),
        title="安装路灯",
        owner=world.town.users["gridworker"],
        now=T0,
    )
    before = snapshot()
    if persona in RUNNERS | {"gridworker"}:
        updated = task_progress(
            actor=world.town.users[persona], task=task, progress=40, note="已进场", now=T0
        )
        assert updated.progress == 40 and updated.status == TaskStatus.OPEN
        assert TaskUpdate.objects.get(task=task).note == "已进场"
        return
    with pytest.raises(Forbidden):
        task_progress(actor=world.town.users[persona], task=task, progress=40)
    assert snapshot() == before


def test_progress_is_a_percentage_that_never_goes_back(world: DeliberationWorld, matter: Matter) -> None:
    secretary = world.town.users["secretary"]
    task = task_add(actor=secretary, step=current(matter), title="安装路灯", owner_name="王师傅", now=T0)
    task_progress(actor=secretary, task=task, progress=60, now=T0)
    before = snapshot()
    for bad in (-1, 101, 59, True):
        with pytest.raises(ValidationFailed):
            task_progress(actor=secretary, task=task, progress=bad)
    assert snapshot() == before
    done = task_progress(actor=secretary, task=task, progress=100, now=T0 + dt.timedelta(days=3))
    assert (done.status, done.done_at) == (TaskStatus.DONE, T0 + dt.timedelta(days=3))
    with pytest.raises(Conflict) as again:
        task_progress(actor=secretary, task=task, progress=100)
    assert again.value.code == "task_done"


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_finish_implementation(world: DeliberationWorld, matter: Matter, persona: str) -> None:
    secretary = world.town.users["secretary"]
    task = task_add(actor=secretary, step=current(matter), title="安装路灯", owner_name="王师傅", now=T0)
    task_progress(actor=secretary, task=task, progress=100, now=T0)
    step = current(matter)
    before = snapshot()
    if persona in RUNNERS:
        implementation_finish(actor=world.town.users[persona], step=step, summary="路灯12盏已安装", now=T0)
        assert MatterStep.objects.get(pk=step.pk).status == StepStatus.PASSED
        assert current(matter).stage.code == "jieguo_gongkai"
        return
    with pytest.raises(Forbidden):
        implementation_finish(actor=world.town.users[persona], step=step, summary="完成")
    assert snapshot() == before


def test_finish_needs_tasks_all_done(world: DeliberationWorld, matter: Matter) -> None:
    secretary = world.town.users["secretary"]
    step = current(matter)
    before = snapshot()
    with pytest.raises(ValidationFailed) as none:
        implementation_finish(actor=secretary, step=step, summary="完成")
    assert none.value.code == "no_tasks"
    assert snapshot() == before
    first = task_add(actor=secretary, step=step, title="平整场地", owner_name="王师傅", now=T0)
    second = task_add(actor=secretary, step=step, title="安装路灯", owner_name="李师傅", now=T0)
    task_progress(actor=secretary, task=first, progress=100, now=T0)
    task_progress(actor=secretary, task=second, progress=90, now=T0)
    before = snapshot()
    with pytest.raises(ValidationFailed) as open_:
        implementation_finish(actor=secretary, step=step, summary="完成")
    assert (open_.value.code, open_.value.data) == ("tasks_open", {"tasks": [second.pk]})
    with pytest.raises(ValidationFailed):
        implementation_finish(actor=secretary, step=step, summary=" ")
    assert snapshot() == before


def test_result_notice_publishes_the_implementation(world: DeliberationWorld, matter: Matter) -> None:
    secretary = world.town.users["secretary"]
    step = current(matter)
    task = task_add(actor=secretary, step=step, title="安装路灯", owner_name="王师傅", now=T0)
    task_progress(actor=secretary, task=task, progress=100, now=T0 + dt.timedelta(days=5))
    implementation_finish(actor=secretary, step=step, summary="路灯12盏已安装", now=T0 + dt.timedelta(days=6))
    notice = notice_open(
        actor=secretary,
        step=current(matter),
        title="文化广场实施结果公示",
        body="……",
        now=T0 + dt.timedelta(days=6),
    )
    publication = Publication.objects.get(notice=notice)
    assert publication.kind == "result"
    assert publication.content["implementation"] == {
        "summary": "路灯12盏已安装",
        "finished_at": (T0 + dt.timedelta(days=6)).isoformat(),
        "tasks": [
            {
                "title": "安装路灯",
                "owner": "王师傅",
                "progress": 100,
                "status": "done",
                "done_at": (T0 + dt.timedelta(days=5)).isoformat(),
            }
        ],
    }
    assert notice.ends_at == at(2026, 11, 1)  # 5 full days after 10-26


def test_tasks_of_a_closed_step_are_frozen(world: DeliberationWorld, matter: Matter) -> None:
    secretary = world.town.users["secretary"]
    step = current(matter)
    task = task_add(actor=secretary, step=step, title="安装路灯", owner_name="王师傅", now=T0)
    task_progress(actor=secretary, task=task, progress=100, now=T0)
    implementation_finish(actor=secretary, step=step, summary="完成", now=T0)
    before = snapshot()
    for call in (
        lambda: task_add(actor=secretary, step=step, title="追加", owner_name="王师傅"),
        lambda: implementation_finish(actor=secretary, step=step, summary="完成"),
    ):
        with pytest.raises(DomainError) as closed:
            call()
        assert closed.value.code == "step_closed"
    assert snapshot() == before
