"""The pure tables of deliberation (no ORM): what each kind of stage lets people do, how a step's
outcome moves its matter, and the quorum and majority arithmetic.

``flow.step_finish`` is the only code that closes a step or changes ``Matter.status``; it asks
``effect`` first. Every stage service asks ``allows`` before it acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sanzhi.deliberation.models import MajorityBase, StageKind, StepStatus


class Act(StrEnum):
    """What people do at a step; each stage kind allows a few of them."""

    ACCEPT = "accept"  # the proposal stage: the proposing body's decision is recorded
    CALL_MEETING = "call_meeting"
    ATTEND = "attend"
    VOTE = "vote"
    DECIDE = "decide"  # count the vote under the stage's rules
    SIGN = "sign"  # sign the minutes
    REQUEST_APPROVAL = "request_approval"
    DECIDE_APPROVAL = "decide_approval"
    OPEN_NOTICE = "open_notice"
    OBJECT = "object"
    DECIDE_OBJECTION = "decide_objection"
    CLOSE_NOTICE = "close_notice"
    ADD_TASK = "add_task"
    REPORT_PROGRESS = "report_progress"
    FINISH_IMPLEMENTATION = "finish_implementation"
    EVALUATE = "evaluate"
    CLOSE_EVALUATION = "close_evaluation"


STAGE_ACTS: dict[str, frozenset[Act]] = {
    StageKind.PROPOSAL: frozenset({Act.ACCEPT}),
    StageKind.MEETING: frozenset({Act.CALL_MEETING, Act.ATTEND, Act.VOTE, Act.DECIDE, Act.SIGN}),
    StageKind.APPROVAL: frozenset({Act.REQUEST_APPROVAL, Act.DECIDE_APPROVAL}),
    StageKind.NOTICE: frozenset({Act.OPEN_NOTICE, Act.OBJECT, Act.DECIDE_OBJECTION, Act.CLOSE_NOTICE}),
    StageKind.IMPLEMENTATION: frozenset({Act.ADD_TASK, Act.REPORT_PROGRESS, Act.FINISH_IMPLEMENTATION}),
    StageKind.EVALUATION: frozenset({Act.EVALUATE, Act.CLOSE_EVALUATION}),
}


def allows(stage_kind: str, act: Act) -> bool:
    return act in STAGE_ACTS.get(stage_kind, frozenset())


class Effect(StrEnum):
    NEXT = "next"  # open the next stage that applies (or finish the matter)
    BACK = "back"  # reopen an earlier stage, one round more
    REJECT = "reject"  # the matter ends, not adopted
    WITHDRAW = "withdraw"  # the matter ends, withdrawn


# How a step's outcome moves the matter. A failed step goes back instead of ending the matter
# when its stage names a ``return_to`` stage.
OUTCOMES: dict[str, Effect] = {
    StepStatus.PASSED: Effect.NEXT,
    StepStatus.SKIPPED: Effect.NEXT,
    StepStatus.FAILED: Effect.REJECT,
    StepStatus.RETURNED: Effect.BACK,
    StepStatus.WITHDRAWN: Effect.WITHDRAW,
}


def effect(outcome: str, *, return_to: str = "") -> Effect:
    if outcome not in OUTCOMES:
        raise ValueError(f"not a step outcome: {outcome}")
    found = OUTCOMES[outcome]
    if found is Effect.REJECT and return_to:
        return Effect.BACK
    return found


@dataclass(frozen=True)
class Fraction:
    num: int
    den: int
    strict: bool  # "more than" (True) or "at least" (False)

    def met(self, part: int, whole: int) -> bool:
        """Whether ``part / whole`` exceeds (or reaches) num/den, in integers: no rounding."""
        if whole <= 0:
            return False
        if self.strict:
            return part * self.den > self.num * whole
        return part * self.den >= self.num * whole


@dataclass(frozen=True)
class Count:
    expected: int  # members on the roster
    present: int  # present in person or by proxy
    votes_for: int
    votes_against: int
    votes_abstain: int


@dataclass(frozen=True)
class Verdict:
    quorum: bool
    majority: bool
    reason: str  # "" when passed; "no_quorum" / "no_majority"

    @property
    def passed(self) -> bool:
        return self.quorum and self.majority


def count_verdict(count: Count, *, quorum: Fraction, majority: Fraction, majority_base: str) -> Verdict:
    """村民委员会组织法 §26 by default: more than 2/3 present; more than half of those present for."""
    has_quorum = quorum.met(count.present, count.expected)
    base = count.present if majority_base == MajorityBase.PRESENT else count.expected
    has_majority = has_quorum and majority.met(count.votes_for, base)
    reason = "" if has_quorum and has_majority else ("no_quorum" if not has_quorum else "no_majority")
    return Verdict(quorum=has_quorum, majority=has_majority, reason=reason)
