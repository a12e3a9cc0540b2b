"""请示报告 at 四议两公开's 乡镇(街道)审批 stage: only major matters reach it; the community asks, the
township (the street persona) decides — never the community secretary; refused, the matter ends."""

from __future__ import annotations

import pytest
import time_machine

from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.core.testing import Town
from sanzhi.deliberation import flow
from sanzhi.deliberation.approvals import approval_decide, approval_request
from sanzhi.deliberation.models import (
    Approval,
    ApprovalDecision,
    Matter,
    MatterEvent,
    MatterStatus,
    MatterStep,
    StepStatus,
)
from sanzhi.deliberation.selectors_meetings import approval_list_for
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.meeting_kit import (
    CALL,
    LATER,
    PERSONAS,
    RUNNERS,
    current,
    propose,
    snapshot,
    walk_to,
)

APPROVERS = {"street"}  # deliberation.approve at 江口镇, the township above 创举社区


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


def at_approval(world: DeliberationWorld) -> MatterStep:
    matter = propose(world, major=True)
    assert matter.is_major
    return walk_to(world, matter, "zhenjie_shenpi")


def requested(world: DeliberationWorld) -> Approval:
    step = at_approval(world)
    return approval_request(
        actor=world.town.users["secretary"],
        step=step,
        request="拟使用集体资金8万元修建文化广场，妥否，请批示。",
        now=CALL,
    )


def test_an_ordinary_matter_never_reaches_the_approval_stage(world: DeliberationWorld) -> None:
    matter = propose(world, major=False)
    step = walk_to(world, matter, "daibiao_jueyi")
    skipped = MatterStep.objects.get(matter=matter, stage__code="zhenjie_shenpi")
    assert skipped.status == StepStatus.SKIPPED
    with pytest.raises(ValidationFailed) as err:
        approval_request(actor=world.town.users["secretary"], step=step, request="请示", now=CALL)
    assert err.value.code == "wrong_stage"
    assert not Approval.objects.exists()


def test_a_request_only_at_an_open_approval_step(world: DeliberationWorld) -> None:
    secretary = world.town.users["secretary"]
    matter = propose(world, major=True)
    earlier = current(matter)
    assert earlier.stage.code == "dang_tiyi"
    with pytest.raises(ValidationFailed) as err:
        approval_request(actor=secretary, step=earlier, request="请示", now=CALL)
    assert err.value.code == "wrong_stage"
    step = walk_to(world, matter, "zhenjie_shenpi")
    with pytest.raises(Conflict) as conflict:
        approval_request(actor=secretary, step=earlier, request="请示", now=CALL)
    assert conflict.value.code == "step_closed"
    with pytest.raises(ValidationFailed):
        approval_request(actor=secretary, step=step, request="   ", now=CALL)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_request_approval(world: DeliberationWorld, persona: str) -> None:
    step = at_approval(world)
    actor = world.town.users[persona]
    with time_machine.travel(CALL, tick=False):
        if persona in RUNNERS:
            approval = approval_request(actor=actor, step=step, request="请示")
            assert approval.decision == ApprovalDecision.PENDING
            assert approval.requested_by == actor and approval.requested_at == CALL
            assert approval.node_path == world.town.village.path
            event = MatterEvent.objects.get(action="approval_requested")
            assert event.actor == actor and event.step == step and event.at == CALL
        else:
            before = snapshot()
            with pytest.raises(Forbidden):
                approval_request(actor=actor, step=step, request="请示")
            assert snapshot() == before


def test_one_pending_request_at_a_time(world: DeliberationWorld) -> None:
    approval = requested(world)
    before = snapshot()
    with pytest.raises(Conflict) as conflict:
        approval_request(actor=world.town.users["street"], step=approval.step, request="再次请示", now=CALL)
    assert conflict.value.code == "approval_pending"
    assert snapshot() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_decide_an_approval(world: DeliberationWorld, persona: str) -> None:
    """The secretary runs deliberation at 创举社区 but does not approve its own request."""
    approval = requested(world)
    actor = world.town.users[persona]
    with time_machine.travel(LATER, tick=False):
        if persona in APPROVERS:
            decided = approval_decide(
                actor=actor, approval=approval, approve=True, reply="同意，按程序表决。"
            )
            assert decided.decision == ApprovalDecision.APPROVED
            assert decided.decided_by == actor and decided.decided_at == LATER
            step = MatterStep.objects.get(pk=approval.step_id)
            assert step.status == StepStatus.PASSED and step.closed_by == actor
            assert current(approval.step.matter).stage.code == "daibiao_jueyi"
            passed = MatterEvent.objects.get(action="stage_passed", step=step)
            assert passed.data["decision"] == "approved" and passed.note == "同意，按程序表决。"
        else:
            before = snapshot()
            with pytest.raises(Forbidden):
                approval_decide(actor=actor, approval=approval, approve=True, reply="同意")
            assert snapshot() == before


def test_a_refusal_rejects_the_matter_and_needs_a_reason(world: DeliberationWorld) -> None:
    approval = requested(world)
    street = world.town.users["street"]
    before = snapshot()
    with pytest.raises(ValidationFailed):
        approval_decide(actor=street, approval=approval, approve=False, reply=" ", now=LATER)
    assert snapshot() == before
    decided = approval_decide(
        actor=street, approval=approval, approve=False, reply="资金来源不明，不同意。", now=LATER
    )
    assert decided.decision == ApprovalDecision.REFUSED and decided.reply == "资金来源不明，不同意。"
    assert MatterStep.objects.get(pk=approval.step_id).status == StepStatus.FAILED
    matter = Matter.objects.get(pk=approval.step.matter_id)
    assert matter.status == MatterStatus.REJECTED and matter.current_step is None
    actions = list(MatterEvent.objects.filter(matter=matter).values_list("action", flat=True))
    assert actions[-3:] == ["approval_decided", "stage_failed", "rejected"]
    with pytest.raises(Conflict) as conflict:
        approval_decide(actor=street, approval=approval, approve=True, reply="同意", now=LATER)
    assert conflict.value.code == "approval_decided"


def test_an_approval_is_decided_once(world: DeliberationWorld) -> None:
    approval = requested(world)
    street = world.town.users["street"]
    approval_decide(actor=street, approval=approval, approve=True, reply="", now=LATER)
    with pytest.raises(Conflict) as conflict:
        approval_decide(actor=street, approval=approval, approve=False, reply="不同意", now=LATER)
    assert conflict.value.code == "approval_decided"


def test_another_townships_admin_cannot_decide(world: DeliberationWorld) -> None:
    from sanzhi.accounts.roles import Role
    from sanzhi.core.testing import make_user
    from sanzhi.grids.services import node_create

    other_township = node_create(actor=None, parent=world.town.county, code="511923200000", name="白衣镇")
    stranger = make_user("other_street", (Role.STREET_ADMIN, other_township))
    approval = requested(world)
    with pytest.raises(Forbidden):
        approval_decide(actor=stranger, approval=approval, approve=True, reply="同意", now=LATER)
    assert list(approval_list_for(user=stranger)) == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_what_to_approve(world: DeliberationWorld, persona: str) -> None:
    approval = requested(world)
    user = world.town.users[persona]
    pending = list(approval_list_for(user=user))
    assert pending == ([approval] if persona in APPROVERS else [])
    if persona in APPROVERS:
        approval_decide(actor=user, approval=approval, approve=True, reply="同意", now=LATER)
        assert list(approval_list_for(user=user)) == []
        assert list(approval_list_for(user=user, pending=False)) == [approval]


def test_a_withdrawn_matter_leaves_nothing_to_approve(world: DeliberationWorld) -> None:
    approval = requested(world)
    street = world.town.users["street"]
    flow.matter_withdraw(
        actor=world.town.users["secretary"],
        matter=Matter.objects.get(pk=approval.step.matter_id),
        reason="撤回",
        now=CALL,
    )
    assert list(approval_list_for(user=street)) == []
    approval.refresh_from_db()
    assert approval.decision == "withdrawn"
    with pytest.raises(Conflict) as conflict:
        approval_decide(actor=street, approval=approval, approve=True, reply="同意", now=LATER)
    assert conflict.value.code in {"step_closed", "approval_decided"}
