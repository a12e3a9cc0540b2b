"""提: accepting the proposal stage, and 村民说事 submitted, answered, or made a matter — per persona."""

from __future__ import annotations

import pytest

from sanzhi.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town, make_user
from sanzhi.deliberation.models import (
    Matter,
    MatterEvent,
    MatterSource,
    MatterStep,
    MatterType,
    Saying,
    StepStatus,
)
from sanzhi.deliberation.proposals import proposal_accept, saying_accept, saying_answer, saying_submit
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import PERSONAS, RUNNERS, at, current, propose, snapshot

T0 = at(2026, 9, 1, 9, 0)
# deliberation.propose at the saying's micro-grid: the community secretary, the street, the
# council member (community), the grid worker (its grid).
HANDLERS = {"secretary", "street", "council", "gridworker"}


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


def _saying(world: DeliberationWorld) -> Saying:
    return saying_submit(
        actor=world.town.users["resident"], title="村口路灯不亮", text="晚上出行不便，希望加装路灯", now=T0
    )


def _sayings() -> list[tuple[int, str, int | None, str]]:
    return list(Saying.objects.order_by("id").values_list("id", "status", "matter_id", "reply"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_accept_a_proposal(world: DeliberationWorld, persona: str) -> None:
    matter = propose(world, "ti_yi_jue_ban_ping", now=T0)
    step = current(matter)
    assert step.stage.code == "ti"
    before = snapshot()
    if persona in RUNNERS:
        proposal_accept(actor=world.town.users[persona], step=step, note="受理立题", now=T0)
        assert MatterStep.objects.get(pk=step.pk).status == StepStatus.PASSED
        assert current(matter).stage.code == "yi"
        assert MatterEvent.objects.get(action="stage_passed", step=step).note == "受理立题"
        return
    with pytest.raises(Forbidden):
        proposal_accept(actor=world.town.users[persona], step=step)
    assert snapshot() == before


def test_accept_only_at_the_proposal_stage(world: DeliberationWorld) -> None:
    secretary = world.town.users["secretary"]
    matter = propose(world, "siyi_liangkai", now=T0)  # starts with a meeting stage
    before = snapshot()
    with pytest.raises(ValidationFailed) as wrong:
        proposal_accept(actor=secretary, step=current(matter))
    assert wrong.value.code == "stage_not_proposal"
    other = propose(world, "ti_yi_jue_ban_ping", now=T0)
    step = current(other)
    proposal_accept(actor=secretary, step=step, now=T0)
    before = snapshot()
    with pytest.raises(Conflict) as again:
        proposal_accept(actor=secretary, step=step)
    assert again.value.code == "step_closed"
    assert snapshot() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_say(world: DeliberationWorld, persona: str) -> None:
    audits = AuditEvent.objects.count()
    if persona == "resident":
        saying = _saying(world)
        assert saying.node_id == world.town.micro.pk  # the household's micro-grid
        assert saying.resident_id == world.town.residents["zhang"].pk
        assert saying.status == Saying.Status.NEW
        assert AuditEvent.objects.count() == audits + 1
        return
    with pytest.raises(Forbidden) as refused:
        saying_submit(actor=world.town.users[persona], title="路灯", text="不亮")
    assert refused.value.code == "not_resident"
    assert (Saying.objects.count(), AuditEvent.objects.count()) == (0, audits)


def test_saying_needs_title_and_text(world: DeliberationWorld) -> None:
    for title, text in (("", "内容"), ("事由", " "), ("长" * 201, "内容")):
        with pytest.raises(ValidationFailed):
            saying_submit(actor=world.town.users["resident"], title=title, text=text)
    assert not Saying.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_answer_a_saying(world: DeliberationWorld, persona: str) -> None:
    saying = _saying(world)
    before = (_sayings(), AuditEvent.objects.count())
    if persona in HANDLERS:
        answered = saying_answer(actor=world.town.users[persona], saying=saying, reply="已报修，三日内修复")
        assert (answered.status, answered.answered_by) == (Saying.Status.ANSWERED, world.town.users[persona])
        return
    with pytest.raises(Forbidden):
        saying_answer(actor=world.town.users[persona], saying=saying, reply="好")
    assert (_sayings(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_make_a_saying_a_matter(world: DeliberationWorld, persona: str) -> None:
    saying = _saying(world)
    procedure = world.procedures["ti_yi_jue_ban_ping"]
    before = (_sayings(), snapshot())
    # The grid worker may handle the saying but not propose at the community (their scope is the grid).
    if persona in HANDLERS - {"gridworker"}:
        matter = saying_accept(actor=world.town.users[persona], saying=saying, procedure=procedure, now=T0)
        saying.refresh_from_db()
        assert (saying.status, saying.matter_id) == (Saying.Status.ACCEPTED, matter.pk)
        assert (matter.source, matter.node_id, matter.title) == (
            MatterSource.SAYING,
            world.town.village.pk,
            "村口路灯不亮",
        )
        assert matter.description == "晚上出行不便，希望加装路灯"
        assert current(matter).stage.code == "ti"
        assert MatterEvent.objects.filter(
            matter=matter, action="from_saying", data__saying=saying.pk
        ).exists()
        return
    with pytest.raises(Forbidden):
        saying_accept(actor=world.town.users[persona], saying=saying, procedure=procedure)
    assert (_sayings(), snapshot()) == before


def test_saying_accept_options_and_handled_once(world: DeliberationWorld) -> None:
    secretary = world.town.users["secretary"]
    saying = _saying(world)
    matter = saying_accept(
        actor=secretary,
        saying=saying,
        procedure=world.procedures["siyi_liangkai"],
        title="加装村口路灯",
        matter_type=MatterType.PROJECT,
        amount_fen=6_000_000,
        now=T0,
    )
    assert (matter.title, matter.is_major) == ("加装村口路灯", True)  # ≥ 5万元
    before = (_sayings(), snapshot())
    for call in (
        lambda: saying_answer(actor=secretary, saying=saying, reply="已立项"),
        lambda: saying_accept(actor=secretary, saying=saying, procedure=world.procedures["siyi_liangkai"]),
    ):
        with pytest.raises(Conflict) as handled:
            call()
        assert handled.value.code == "saying_handled"
    assert (_sayings(), snapshot()) == before
    assert Matter.objects.count() == 1


def test_saying_accept_refuses_a_procedure_elsewhere_and_bad_input(world: DeliberationWorld) -> None:
    town = world.town
    liu = town.residents["liu"]  # 白衣村
    liu.user = make_user("liu")
    liu.save(update_fields=["user"])
    far = saying_submit(actor=liu.user, title="水渠堵塞", text="需要清淤")
    before = (_sayings(), snapshot())
    with pytest.raises(DomainError) as elsewhere:
        saying_accept(actor=town.users["street"], saying=far, procedure=world.procedures["siyi_liangkai"])
    assert elsewhere.value.code == "procedure_elsewhere"
    near = _saying(world)
    before = (_sayings(), snapshot())
    with pytest.raises(ValidationFailed):
        saying_accept(
            actor=town.users["secretary"],
            saying=near,
            procedure=world.procedures["siyi_liangkai"],
            amount_fen=-1,
        )
    with pytest.raises(ValidationFailed):
        saying_answer(actor=town.users["secretary"], saying=near, reply="  ")
    assert (_sayings(), snapshot()) == before
