"""The closed loop of a demand (诉求/事件), GB/T 30428 style, as a pure transition table (no ORM).

上报 → 立案 → 派遣 → 处置 → 反馈 → 核查结案 → 评价, with 退回, 转办, 挂起/恢复, 作废, 合并, 升级 and
重新办理. ``services.ticket_transition`` is the only code that changes ``Ticket.state``; it asks
``next_state`` first and refuses anything this table does not list.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    REPORTED = "reported", _("已上报")  # 上报: received, not yet accepted as a case
    REGISTERED = "registered", _("已立案")  # 立案: accepted, waiting to be dispatched
    DISPATCHED = "dispatched", _("已派遣")  # 派遣: sent to a handler, not yet taken up
    IN_PROGRESS = "in_progress", _("处置中")  # 处置: a handler is working on it
    RESOLVED = "resolved", _("已反馈")  # 反馈: the handler reports it done (or a consultation answered)
    CLOSED = "closed", _("已结案")  # 核查结案: verified and closed, waiting for the reporter's rating
    RATED = "rated", _("已评价")  # 评价: rated; the loop is complete
    SUSPENDED = "suspended", _("已挂起")  # 挂起: waiting on something outside; the clock is stopped
    VOID = "void", _("已作废")  # 作废: not a case (prank, outside remit), with a reason
    MERGED = "merged", _("已合并")  # 合并: a duplicate, folded into another ticket


class Action(models.TextChoices):
    REPORT = "report", _("上报")
    REGISTER = "register", _("立案")
    DISPATCH = "dispatch", _("派遣")
    ACCEPT = "accept", _("接单处置")
    RESOLVE = "resolve", _("办结反馈")
    ANSWER = "answer", _("答复咨询")
    VERIFY = "verify", _("核查结案")
    REJECT = "reject", _("核查不通过")
    RATE = "rate", _("评价")
    RETURN = "return", _("退回")
    TRANSFER = "transfer", _("转办")
    SUSPEND = "suspend", _("挂起")
    RESUME = "resume", _("恢复")
    VOID = "void", _("作废")
    MERGE = "merge", _("合并")
    ESCALATE = "escalate", _("超时升级")
    REOPEN = "reopen", _("重新办理")
    COMMENT = "comment", _("备注")


class Level(models.TextChoices):
    """Who holds the ticket: 网格呼叫、镇街处置、部门报到."""

    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区/村")
    STREET = "street", _("街道/乡镇")
    DEPARTMENT = "department", _("部门")


LEVEL_ORDER: tuple[str, ...] = (Level.GRID, Level.COMMUNITY, Level.STREET, Level.DEPARTMENT)

S, A = State, Action
OPEN_STATES = frozenset({S.REPORTED, S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED})
# States in which the working-time clock runs (a resolved ticket waits on the verifier, not the handler).
CLOCK_STATES = frozenset({S.REPORTED, S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS})
FINAL_STATES = frozenset({S.RATED, S.VOID, S.MERGED})
_WORKING = (S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS)

# (action, from) → to. RESUME goes back to the state recorded at suspension (``None`` here).
TRANSITIONS: dict[tuple[str, str], str | None] = {
    (A.REGISTER, S.REPORTED): S.REGISTERED,
    (A.DISPATCH, S.REGISTERED): S.DISPATCHED,
    (A.ACCEPT, S.DISPATCHED): S.IN_PROGRESS,
    (A.RESOLVE, S.IN_PROGRESS): S.RESOLVED,
    # A consultation (政策咨询) is answered by whoever holds it, never dispatched.
    (A.ANSWER, S.REPORTED): S.RESOLVED,
    (A.ANSWER, S.REGISTERED): S.RESOLVED,
    (A.VERIFY, S.RESOLVED): S.CLOSED,
    (A.REJECT, S.RESOLVED): S.IN_PROGRESS,
    (A.RATE, S.CLOSED): S.RATED,
    # 退回: the handler sends it back to the dispatcher of the same level.
    (A.RETURN, S.DISPATCHED): S.REGISTERED,
    (A.RETURN, S.IN_PROGRESS): S.REGISTERED,
    # 转办: to another handler; it must be taken up again.
    (A.TRANSFER, S.DISPATCHED): S.DISPATCHED,
    (A.TRANSFER, S.IN_PROGRESS): S.DISPATCHED,
    **{(A.SUSPEND, s): S.SUSPENDED for s in _WORKING},
    (A.RESUME, S.SUSPENDED): None,
    **{(A.VOID, s): S.VOID for s in (S.REPORTED, *_WORKING, S.SUSPENDED)},
    **{(A.MERGE, s): S.MERGED for s in (S.REPORTED, S.REGISTERED, S.DISPATCHED)},
    # 升级: overdue at its level, it goes up one level and waits there to be taken up.
    **{(A.ESCALATE, s): S.DISPATCHED for s in (S.REPORTED, *_WORKING)},
    # 不满意重新办理: after an unsatisfied rating, once (configurable), at the next level up.
    (A.REOPEN, S.RATED): S.DISPATCHED,
    **{(A.COMMENT, s): s for s in State.values},
}


class IllegalTransition(Exception):
    def __init__(self, action: str, state: str):
        super().__init__(f"{action} from {state}")
        self.action = action
        self.state = state


def next_state(state: str, action: str, *, suspended_from: str = "") -> str:
    """The state after ``action`` in ``state``, or IllegalTransition."""
    key = (action, state)
    if key not in TRANSITIONS:
        raise IllegalTransition(action, state)
    target = TRANSITIONS[key]
    if target is None:
        if suspended_from not in _WORKING:
            raise IllegalTransition(action, state)
        return suspended_from
    return target


def allowed_actions(state: str) -> list[str]:
    return [action for (action, src) in TRANSITIONS if src == state]


def level_above(level: str) -> str | None:
    i = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[i + 1] if i + 1 < len(LEVEL_ORDER) else None
