"""The transition function itself: rounds after a return, and what a withdrawal leaves behind."""

from __future__ import annotations

import pytest

from sanzhi.core.testing import Town
from sanzhi.deliberation import flow
from sanzhi.deliberation.approvals import approval_request
from sanzhi.deliberation.meetings import meeting_call
from sanzhi.deliberation.models import (
    ApprovalDecision,
    MatterStatus,
    MeetingStatus,
    NoticeStatus,
    StepStatus,
)
from sanzhi.deliberation.notices import notice_open, notices_close_due
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import at, current, propose, walk_to
from sanzhi.disclosure import chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


def test_withdrawing_cancels_the_called_meeting(world: DeliberationWorld) -> None:
    secretary = world.town.users["secretary"]
    matter = propose(world, now=at(2026, 9, 1, 9))
    meeting = meeting_call(
        actor=secretary, step=current(matter), scheduled_at=at(2026, 9, 3, 9), now=at(2026, 9, 1, 10)
    )
    flow.matter_withdraw(actor=secretary, matter=matter, reason="资金另有安排", now=at(2026, 9, 2, 9))
    meeting.refresh_from_db()
    matter.refresh_from_db()
    assert matter.status == MatterStatus.WITHDRAWN and meeting.status == MeetingStatus.CANCELLED


def test_withdrawing_closes_the_pending_approval(world: DeliberationWorld) -> None:
    secretary = world.town.users["secretary"]
    matter = propose(world, major=True, now=at(2026, 9, 1, 9))
    step = walk_to(matter, "zhenjie_shenpi", actor=secretary, now=at(2026, 9, 1, 10))
    approval = approval_request(actor=secretary, step=step, request="请示：修建广场", now=at(2026, 9, 1, 11))
    flow.matter_withdraw(actor=secretary, matter=matter, reason="撤回", now=at(2026, 9, 2, 9))
    approval.refresh_from_db()
    assert approval.decision == ApprovalDecision.WITHDRAWN and approval.decided_at == at(2026, 9, 2, 9)


def test_withdrawing_stops_the_running_notice_which_stays_published(world: DeliberationWorld) -> None:
    secretary = world.town.users["secretary"]
    matter = propose(world, now=at(2026, 9, 1, 9))
    step = walk_to(matter, "jueyi_gongkai", actor=secretary, now=at(2026, 9, 1, 10))
    notice = notice_open(
        actor=secretary, step=step, title="决议公示", body="修建广场", now=at(2026, 9, 1, 11)
    )
    flow.matter_withdraw(actor=secretary, matter=matter, reason="撤回", now=at(2026, 9, 2, 9))
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.WITHDRAWN
    # The worker's clock no longer tries to close it, and the chain keeps what was published.
    assert notices_close_due(now=at(2026, 10, 1)).closed == []
    assert chain.verify_stored() == (1, None)


def test_a_matter_sent_back_runs_every_later_stage_in_the_next_round(world: DeliberationWorld) -> None:
    secretary = world.town.users["secretary"]
    matter = propose(world, now=at(2026, 9, 1, 9))
    step = walk_to(matter, "jueyi_gongkai", actor=secretary, now=at(2026, 9, 1, 10))
    flow.step_finish(actor=secretary, step=step, outcome=StepStatus.RETURNED, note="异议成立")
    assert (current(matter).stage.code, current(matter).round) == ("daibiao_jueyi", 2)
    walk_to(matter, "zuzhi_shishi", actor=secretary)
    rounds = [(s.stage.code, s.round, s.status) for s in matter.steps.select_related("stage").order_by("id")]
    assert rounds[-3:] == [
        ("daibiao_jueyi", 2, StepStatus.PASSED),
        ("jueyi_gongkai", 2, StepStatus.PASSED),
        ("zuzhi_shishi", 1, StepStatus.OPEN),
    ]
