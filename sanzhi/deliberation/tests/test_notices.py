"""公示: the window, who may open, object, decide and close, before / during / after the window,
publication on the chain, an upheld objection sending the matter back, and the worker's closing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sanzhi.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from sanzhi.core.testing import Town, make_user
from sanzhi.deliberation.models import (
    MatterEvent,
    MatterStep,
    Notice,
    NoticeStatus,
    Objection,
    ObjectionStatus,
    StepStatus,
)
from sanzhi.deliberation.notices import (
    notice_close,
    notice_open,
    notice_window,
    notices_close_due,
    objection_decide,
    objection_submit,
)
from sanzhi.deliberation.tasks import close_due_notices
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import PERSONAS, RUNNERS, at, current, propose, snapshot, walk_to
from sanzhi.disclosure import chain
from sanzhi.disclosure.models import Publication

T0 = at(2026, 10, 8, 15, 0)  # the notice opens (a Thursday afternoon)
ENDS = at(2026, 10, 16, 0, 0)  # 7 full days: 10-09 … 10-15
PHASES = {
    "before": T0 - dt.timedelta(hours=1),
    "opening": T0,
    "during": T0 + dt.timedelta(days=3),
    "last_instant": ENDS - dt.timedelta(microseconds=1),
    "end": ENDS,
    "after": ENDS + dt.timedelta(days=2),
}
INSIDE = {"opening", "during", "last_instant"}


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


@pytest.fixture
def notice(world: DeliberationWorld) -> Notice:
    """A 四议两公开 matter at 决议公开 (7 days), its notice opened at T0 by the secretary."""
    secretary = world.town.users["secretary"]
    matter = propose(world, now=T0 - dt.timedelta(days=3))
    step = walk_to(matter, "jueyi_gongkai", actor=secretary, now=T0 - dt.timedelta(days=1))
    with time_machine.travel(T0, tick=False):
        return notice_open(actor=secretary, step=step, title="关于修建文化广场的决议公示", body="决议全文……")


def _objection(world: DeliberationWorld, notice: Notice, text: str = "选址离住宅太近") -> Objection:
    with time_machine.travel(PHASES["during"], tick=False):
        return objection_submit(actor=world.town.users["resident"], notice=notice, text=text)


# ---------------------------------------------------------------- the window


@pytest.mark.parametrize(
    ("opened", "days", "ends"),
    [
        (at(2026, 10, 8, 15, 0), 7, at(2026, 10, 16)),
        (at(2026, 10, 8, 0, 0), 7, at(2026, 10, 16)),  # the opening day never counts
        (at(2026, 10, 8, 23, 59, 59), 7, at(2026, 10, 16)),
        (dt.datetime(2026, 10, 7, 17, 30, tzinfo=dt.UTC), 5, at(2026, 10, 14)),  # 10-08 01:30 local
        (dt.datetime(2026, 10, 7, 15, 30, tzinfo=dt.UTC), 5, at(2026, 10, 13)),  # 10-07 23:30 local
        (at(2026, 12, 30, 9, 0), 5, at(2027, 1, 5)),  # across the year
    ],
)
def test_window_ends_at_local_midnight_after_full_days(
    opened: dt.datetime, days: int, ends: dt.datetime
) -> None:
    starts_at, ends_at = notice_window(opened, days)
    assert starts_at == opened
    assert ends_at == ends
    assert ends_at.utcoffset() == dt.timedelta(hours=8)


def test_open_sets_window_and_publishes_resolution(world: DeliberationWorld, notice: Notice) -> None:
    assert (notice.starts_at, notice.ends_at, notice.status) == (T0, ENDS, NoticeStatus.OPEN)
    publication = Publication.objects.get(notice=notice)
    assert publication.kind == "resolution"
    assert publication.ref == f"deliberation.notice:{notice.pk}"
    assert publication.node_id == world.town.village.pk
    assert publication.published_at == T0
    content = publication.content
    assert content["title"] == "关于修建文化广场的决议公示"
    assert content["body"] == "决议全文……"
    assert content["window"] == {"starts_at": T0.isoformat(), "ends_at": ENDS.isoformat(), "days": 7}
    assert content["stage"] == {"code": "jueyi_gongkai", "name": "决议公开", "round": 1}
    assert content["matter"]["title"] == "修建村口文化广场"
    assert content["decision"] is None  # no meeting was held in this suite (stand-in steps)
    assert chain.verify_stored() == (1, None)
    assert MatterEvent.objects.filter(action="notice_opened", data__notice=notice.pk).count() == 1


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_open_a_notice(world: DeliberationWorld, persona: str) -> None:
    matter = propose(world, now=T0 - dt.timedelta(days=3))
    step = walk_to(matter, "jueyi_gongkai", actor=world.town.users["secretary"], now=T0)
    before = snapshot()
    with time_machine.travel(T0, tick=False):
        if persona in RUNNERS:
            notice = notice_open(actor=world.town.users[persona], step=step, title="公示", body="内容")
            assert notice.publication_id is not None
            return
        with pytest.raises(Forbidden) as refused:
            notice_open(actor=world.town.users[persona], step=step, title="公示", body="内容")
    assert refused.value.code == "forbidden"
    assert snapshot() == before


def test_open_refuses_short_long_or_wrong_stage(world: DeliberationWorld) -> None:
    secretary = world.town.users["secretary"]
    matter = propose(world)
    with pytest.raises(ValidationFailed) as wrong:
        notice_open(actor=secretary, step=current(matter), title="公示", body="内容")
    assert wrong.value.code == "stage_not_notice"
    step = walk_to(matter, "jueyi_gongkai", actor=secretary)
    before = snapshot()
    for days in (6, 0, 91):
        with pytest.raises(ValidationFailed) as short:
            notice_open(actor=secretary, step=step, title="公示", body="内容", days=days, now=T0)
        assert short.value.code == "notice_days"
        assert short.value.data["min_days"] == 7
    with pytest.raises(ValidationFailed):
        notice_open(actor=secretary, step=step, title=" ", body="内容", now=T0)
    assert snapshot() == before
    longer = notice_open(actor=secretary, step=step, title="公示", body="内容", days=10, now=T0)
    assert longer.ends_at == at(2026, 10, 19)
    with pytest.raises(Conflict) as again:
        notice_open(actor=secretary, step=current(matter), title="公示", body="内容", now=T0)
    assert again.value.code == "notice_exists"


# ---------------------------------------------------------------- objections, per persona and phase


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_object_when(world: DeliberationWorld, notice: Notice, persona: str, phase: str) -> None:
    before = snapshot()
    with time_machine.travel(PHASES[phase], tick=False):
        if persona == "resident" and phase in INSIDE:
            objection = objection_submit(actor=world.town.users[persona], notice=notice, text="有异议")
            assert objection.status == ObjectionStatus.PENDING
            assert objection.resident_id == world.town.residents["zhang"].pk
            assert objection.created_at == PHASES[phase]
            return
        with pytest.raises(DomainError) as refused:
            objection_submit(actor=world.town.users[persona], notice=notice, text="有异议")
    # Only residents living under the notice's node object; staff roles are not residents.
    expected = "outside_window" if persona == "resident" else "not_in_scope"
    assert refused.value.code == expected
    assert snapshot() == before


def test_resident_elsewhere_may_not_object(world: DeliberationWorld, notice: Notice) -> None:
    liu = world.town.residents["liu"]  # lives in 白衣村
    liu.user = make_user("liu")
    liu.save(update_fields=["user"])
    before = snapshot()
    with time_machine.travel(PHASES["during"], tick=False), pytest.raises(Forbidden) as refused:
        objection_submit(actor=liu.user, notice=notice, text="有异议")
    assert refused.value.code == "not_in_scope"
    assert snapshot() == before


def test_one_pending_objection_per_resident(world: DeliberationWorld, notice: Notice) -> None:
    _objection(world, notice)
    before = snapshot()
    with time_machine.travel(PHASES["during"], tick=False), pytest.raises(Conflict) as again:
        objection_submit(actor=world.town.users["resident"], notice=notice, text="再提一条")
    assert again.value.code == "objection_pending"
    with time_machine.travel(PHASES["during"], tick=False), pytest.raises(ValidationFailed):
        objection_submit(actor=world.town.users["resident"], notice=notice, text="  ")
    assert snapshot() == before


# ---------------------------------------------------------------- closing, per persona and phase


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_close_when(world: DeliberationWorld, notice: Notice, persona: str, phase: str) -> None:
    before = snapshot()
    step_id = notice.step_id
    with time_machine.travel(PHASES[phase], tick=False):
        if persona in RUNNERS and phase in {"end", "after"}:
            closed = notice_close(actor=world.town.users[persona], notice=notice)
            assert closed.status == NoticeStatus.CLOSED
            assert MatterStep.objects.get(pk=step_id).status == StepStatus.PASSED
            assert current(closed.step.matter).stage.code == "zuzhi_shishi"
            return
        with pytest.raises(DomainError) as refused:
            notice_close(actor=world.town.users[persona], notice=notice)
    assert refused.value.code == ("notice_running" if persona in RUNNERS else "forbidden")
    assert snapshot() == before


def test_pending_objection_blocks_close_until_decided(world: DeliberationWorld, notice: Notice) -> None:
    secretary = world.town.users["secretary"]
    objection = _objection(world, notice)
    before = snapshot()
    with time_machine.travel(PHASES["after"], tick=False):
        with pytest.raises(Conflict) as pending:
            notice_close(actor=secretary, notice=notice)
        assert pending.value.code == "objection_pending"
        assert pending.value.data == {"pending": 1}
        assert snapshot() == before
        objection_decide(actor=secretary, objection=objection, uphold=False, reply="选址经过论证，异议不成立")
        decided = snapshot()
        with pytest.raises(Conflict) as twice:
            objection_decide(actor=secretary, objection=objection, uphold=True, reply="改判")
        assert twice.value.code == "objection_decided"
        assert snapshot() == decided
        closed = notice_close(actor=secretary, notice=notice)
    assert closed.status == NoticeStatus.CLOSED
    event = MatterEvent.objects.get(action="notice_closed")
    assert event.data["objections"] == {"pending": 0, "upheld": 0, "dismissed": 1}


@pytest.mark.parametrize("phase", ["during", "after"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_decide_objections(
    world: DeliberationWorld, notice: Notice, persona: str, phase: str
) -> None:
    objection = _objection(world, notice)
    before = snapshot()
    with time_machine.travel(PHASES[phase], tick=False):
        if persona in RUNNERS:
            decided = objection_decide(
                actor=world.town.users[persona], objection=objection, uphold=False, reply="不成立"
            )
            assert decided.status == ObjectionStatus.DISMISSED
            assert decided.decided_at == PHASES[phase]
            notice.refresh_from_db()
            assert notice.status == NoticeStatus.OPEN  # a dismissed objection leaves the notice running
            return
        with pytest.raises(Forbidden):
            objection_decide(actor=world.town.users[persona], objection=objection, uphold=True, reply="成立")
    assert snapshot() == before


def test_upheld_objection_sends_matter_back_for_a_new_round(world: DeliberationWorld, notice: Notice) -> None:
    secretary = world.town.users["secretary"]
    objection = _objection(world, notice)
    other = Objection.objects.create(
        notice=notice, user=None, text="现场书面异议", created_at=PHASES["during"]
    )  # a paper objection typed in by staff
    with time_machine.travel(PHASES["during"] + dt.timedelta(hours=2), tick=False):
        objection_decide(actor=secretary, objection=objection, uphold=True, reply="异议成立，重新表决")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RETURNED
    step = MatterStep.objects.get(pk=notice.step_id)
    assert step.status == StepStatus.RETURNED
    again = current(step.matter)
    assert (again.stage.code, again.round) == ("daibiao_jueyi", 2)
    assert MatterEvent.objects.filter(action="sent_back", data__to="daibiao_jueyi").count() == 1
    # Nothing proceeds from the returned notice; its remaining objection is still answered.
    with time_machine.travel(PHASES["after"], tick=False):
        with pytest.raises(Conflict) as gone:
            notice_close(actor=secretary, notice=notice)
        assert gone.value.code == "notice_closed"
        answered = objection_decide(actor=secretary, objection=other, uphold=True, reply="一并重新表决")
    assert answered.status == ObjectionStatus.UPHELD
    assert current(step.matter).pk == again.pk  # not sent back twice
    # The second round reaches the notice again and publishes a new one.
    step2 = walk_to(step.matter, "jueyi_gongkai", actor=secretary, now=PHASES["after"])
    assert step2.stage.code == "jueyi_gongkai"
    second = notice_open(
        actor=secretary, step=step2, title="重新表决后的决议公示", body="……", now=PHASES["after"]
    )
    assert Publication.objects.get(notice=second).content["stage"]["round"] == 2
    assert chain.verify_stored() == (2, None)


def test_objection_after_the_notice_closed_is_refused(world: DeliberationWorld, notice: Notice) -> None:
    with time_machine.travel(PHASES["after"], tick=False):
        notice_close(actor=world.town.users["secretary"], notice=notice)
    before = snapshot()
    with time_machine.travel(PHASES["during"], tick=False), pytest.raises(Conflict) as closed:
        # even with the clock set back into the window
        objection_submit(actor=world.town.users["resident"], notice=notice, text="有异议")
    assert closed.value.code == "notice_closed"
    assert snapshot() == before


# ---------------------------------------------------------------- the worker


def test_close_due_is_idempotent_and_waits_for_objections(world: DeliberationWorld, notice: Notice) -> None:
    secretary = world.town.users["secretary"]
    matter2 = propose(world, title="修缮村史馆", now=T0 - dt.timedelta(days=3))
    step2 = walk_to(matter2, "jueyi_gongkai", actor=secretary, now=T0)
    objected = notice_open(actor=secretary, step=step2, title="村史馆公示", body="……", now=T0)
    objection = _objection(world, objected)

    assert notices_close_due(now=PHASES["last_instant"]).closed == []
    report = notices_close_due(now=PHASES["end"])
    assert report.closed == [notice.pk]
    assert report.failed == []
    notice.refresh_from_db()
    objected.refresh_from_db()
    assert (notice.status, objected.status) == (NoticeStatus.CLOSED, NoticeStatus.OPEN)
    events = MatterEvent.objects.count()
    assert notices_close_due(now=PHASES["after"]).closed == []  # twice: nothing more
    assert MatterEvent.objects.count() == events

    objection_decide(actor=secretary, objection=objection, uphold=False, reply="不成立", now=PHASES["after"])
    result = close_due_notices.call(now=PHASES["after"].isoformat())
    assert result == {"closed": [objected.pk], "skipped": [], "failed": []}
    assert current(matter2).stage.code == "zuzhi_shishi"
    closing = MatterEvent.objects.get(action="stage_passed", step_id=step2.pk)
    assert closing.actor is None and closing.at == PHASES["after"]


def test_stages_after_the_returned_to_stage_run_in_the_new_round(
    world: DeliberationWorld, notice: Notice
) -> None:
    secretary = world.town.users["secretary"]
    objection = _objection(world, notice)
    objection_decide(actor=secretary, objection=objection, uphold=True, reply="成立", now=PHASES["during"])
    step2 = walk_to(notice.step.matter, "jueyi_gongkai", actor=secretary, now=PHASES["after"])
    assert step2.round == 2
