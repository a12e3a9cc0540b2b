"""What the deliberation endpoints read, each through the domain's scoped selectors: one object by id
(404 when it does not exist or lies outside what the caller may see), and the rows a detail shows,
loaded with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.api.rows import check_id, node_for
from sanzhi.core.errors import NotFound, ValidationFailed
from sanzhi.deliberation import rules
from sanzhi.deliberation.bodies import body_for
from sanzhi.deliberation.counting import majority_of, quorum_of
from sanzhi.deliberation.evaluation import evaluation_summary
from sanzhi.deliberation.meetings import may_conduct, roster_member
from sanzhi.deliberation.models import (
    Approval,
    Attendance,
    Body,
    BodyMember,
    Matter,
    MatterStatus,
    MatterStep,
    Meeting,
    Notice,
    NoticeStatus,
    Objection,
    Procedure,
    Saying,
    Stage,
    Task,
)
from sanzhi.deliberation.notices import in_window
from sanzhi.deliberation.selectors import (
    body_list_for,
    matter_list_for,
    matter_timeline,
    notice_get_public,
    procedure_list_for,
    saying_list_for,
)
from sanzhi.deliberation.selectors_meetings import meeting_get_for
from sanzhi.deliberation.states import STAGE_ACTS, Act
from sanzhi.grids.models import Node
from sanzhi.people.models import Resident
from sanzhi.people.selectors import resident_list_for

# What whoever runs deliberation at the matter's node does at a step (rules.can_run).
RUNNER_ACTS = frozenset(Act) - {Act.VOTE, Act.DECIDE_APPROVAL, Act.OBJECT, Act.EVALUATE}
RESIDENT_ACTS = frozenset({Act.OBJECT, Act.EVALUATE})


def matter_node(user: Any, code: str | None) -> Node | None:
    """A node named in a request, seen through the caller's deliberation scope."""
    if code is None:
        return None
    return node_for(user=user, code=code, capability=Capability.VIEW_MATTERS)


def _one(queryset: Any, pk: int, message: str, code: str) -> Any:
    found = queryset.filter(pk=check_id(pk, message)).first()
    if found is None:
        raise NotFound(message, code=code)
    return found


# ---- procedures and bodies ------------------------------------------------------------------------


def _with_rules(stage: Stage) -> Stage:
    stage.quorum = quorum_of(stage)  # type: ignore[attr-defined]
    stage.majority = majority_of(stage)  # type: ignore[attr-defined]
    return stage


def procedure_of(user: Any, pk: int) -> Procedure:
    return _one(procedure_list_for(user=user), pk, _("议事规程不存在"), "procedure_not_found")


def procedure_detail(user: Any, pk: int) -> Procedure:
    procedure = _one(
        procedure_list_for(user=user).prefetch_related(
            Prefetch("stages", queryset=Stage.objects.order_by("order"))
        ),
        pk,
        _("议事规程不存在"),
        "procedure_not_found",
    )
    procedure.stages_list = [_with_rules(s) for s in procedure.stages.all()]
    return procedure


def body_of(user: Any, pk: int) -> Body:
    return _one(body_list_for(user=user), pk, _("议事主体不存在"), "body_not_found")


def body_detail(user: Any, pk: int) -> Body:
    body = _one(
        body_list_for(user=user).prefetch_related(
            Prefetch("members", queryset=BodyMember.objects.order_by("-active", "-is_chair", "id"))
        ),
        pk,
        _("议事主体不存在"),
        "body_not_found",
    )
    body.members_list = list(body.members.all())
    return body


def member_of(user: Any, pk: int) -> BodyMember:
    members = BodyMember.objects.filter(body__in=body_list_for(user=user).values("pk")).select_related("body")
    return _one(members, pk, _("成员不存在"), "member_not_found")


def user_of(pk: int | None) -> Any:
    """A member's or a task owner's login: any active account (its id is what a client knows)."""
    if pk is None:
        return None
    users = get_user_model().objects.filter(is_active=True)
    return _one(users, pk, _("账号不存在"), "user_not_found")


def resident_of(user: Any, pk: int | None) -> Resident | None:
    if pk is None:
        return None
    return _one(resident_list_for(user=user), pk, _("居民不存在"), "resident_not_found")


# ---- matters and steps --------------------------------------------------------------------------------


def matter_of(user: Any, pk: int) -> Matter:
    return _one(matter_list_for(user=user), pk, _("议题不存在"), "matter_not_found")


def matter_for_resident(user: Any, pk: int) -> Matter:
    """A matter seen by staff in scope, or by a resident whose home lies under its node (to rate it)."""
    resident = rules.resident_of(user)
    visible = Q(pk__in=matter_list_for(user=user).values("pk"))
    if resident is not None:
        path = str(resident.node_path)
        visible |= Q(node_path__in=[path[:i] for i in range(Node.steplen, len(path) + 1, Node.steplen)])
    matters = Matter.objects.filter(visible).select_related("node", "current_step__stage")
    return _one(matters, pk, _("议题不存在"), "matter_not_found")


def step_of(user: Any, pk: int) -> MatterStep:
    steps = MatterStep.objects.filter(matter__in=matter_list_for(user=user).values("pk")).select_related(
        "matter__node", "stage"
    )
    return _one(steps, pk, _("议事环节不存在"), "step_not_found")


def actions_for(user: Any, matter: Matter, stage: Stage) -> list[str]:
    """The acts of the open stage the caller may take (their permission; the time windows and counts
    are the services' to check)."""
    acts = STAGE_ACTS.get(stage.kind, frozenset())
    mine: set[Act] = set()
    if rules.can_run(user, matter):
        mine |= acts & RUNNER_ACTS
    if rules.can_approve(user, matter):
        mine |= acts & {Act.DECIDE_APPROVAL}
    if rules.lives_under(user, matter):
        mine |= acts & RESIDENT_ACTS
    if Act.VOTE in acts and stage.body_kind:
        body = body_for(matter.node, stage.body_kind)
        if body is not None and rules.membership(user, body) is not None:
            mine.add(Act.VOTE)
    return [a.value for a in Act if a in mine]


@dataclass
class OpenStep:
    id: int
    stage: Stage
    round: int
    opened_at: Any
    stage_actions: list[str]
    actions: list[str]


def matter_detail(user: Any, pk: int) -> Matter:
    matter = _one(
        matter_list_for(user=user).select_related("proposer_body", "proposed_by"),
        pk,
        _("议题不存在"),
        "matter_not_found",
    )
    steps = list(
        MatterStep.objects.filter(matter=matter)
        .select_related("stage")
        .prefetch_related(
            Prefetch("meetings", queryset=Meeting.objects.order_by("scheduled_at", "id")),
            "approvals",
            Prefetch("notices", queryset=Notice.objects.order_by("starts_at", "id")),
            Prefetch("tasks", queryset=Task.objects.order_by("id")),
        )
        .order_by("id")
    )
    matter.steps_list = steps
    open_step = None
    if matter.status == MatterStatus.ACTIVE and matter.current_step is not None:
        step = matter.current_step
        open_step = OpenStep(
            id=step.pk,
            stage=step.stage,
            round=step.round,
            opened_at=step.opened_at,
            stage_actions=[a.value for a in Act if a in STAGE_ACTS.get(step.stage.kind, frozenset())],
            actions=actions_for(user, matter, step.stage),
        )
    matter.open_step = open_step
    matter.timeline = list(matter_timeline(matter))
    matter.evaluation = evaluation_summary(matter)
    return matter


# ---- meetings ----------------------------------------------------------------------------------------


def meeting_detail(user: Any, pk: int) -> Meeting:
    meeting = meeting_get_for(user=user, pk=check_id(pk, _("会议不存在")))
    meeting.roster = list(  # type: ignore[attr-defined]
        Attendance.objects.filter(meeting=meeting).select_related("member").order_by("id")
    )
    mine = roster_member(user, meeting)
    meeting.my_member = mine.pk if mine is not None else None  # type: ignore[attr-defined]
    meeting.can_conduct = may_conduct(user, meeting)  # type: ignore[attr-defined]
    return meeting


def meeting_of(user: Any, pk: int) -> Meeting:
    return meeting_get_for(user=user, pk=check_id(pk, _("会议不存在")))


def roster_entry(meeting: Meeting, member_id: int | None) -> BodyMember | None:
    """A member on the meeting's frozen roster, by id (400 not_on_roster otherwise)."""
    if member_id is None:
        return None
    row = (
        Attendance.objects.filter(meeting=meeting, member_id=check_id(member_id, _("此人不在本次会议名单上")))
        .select_related("member")
        .first()
    )
    if row is None:
        raise ValidationFailed(_("此人不在本次会议名单上"), code="not_on_roster", data={"member": member_id})
    return row.member


# ---- approvals, notices, objections, tasks ----------------------------------------------------------


def approval_of(user: Any, pk: int) -> Approval:
    approvals = Approval.objects.filter(
        step__matter__in=matter_list_for(user=user).values("pk")
    ).select_related("step__matter__node", "step__stage", "requested_by")
    return _one(approvals, pk, _("请示不存在"), "approval_not_found")


def notice_of(pk: int) -> Notice:
    """A published notice is public: any signed-in caller finds it; the services decide who acts."""
    return notice_get_public(pk=check_id(pk, _("公示不存在")))


def notice_detail(user: Any, pk: int) -> Notice:
    notice = notice_of(pk)
    objections = Objection.objects.filter(notice=notice).order_by("created_at", "id")
    if not rules.can_view(user, notice):
        objections = objections.filter(user=user) if user.is_authenticated else objections.none()
    notice.objections_list = list(objections)  # type: ignore[attr-defined]
    notice.can_object = (  # type: ignore[attr-defined]
        notice.status == NoticeStatus.OPEN
        and in_window(notice, timezone.now())
        and rules.lives_under(user, notice)
    )
    return notice


def objection_of(user: Any, pk: int) -> Objection:
    objections = Objection.objects.filter(
        notice__step__matter__in=matter_list_for(user=user).values("pk")
    ).select_related("notice")
    return _one(objections, pk, _("异议不存在"), "objection_not_found")


def task_of(user: Any, pk: int) -> Task:
    """A task seen by staff in scope over its matter, or by its owner."""
    visible = Q(matter__in=matter_list_for(user=user).values("pk"))
    if user.is_authenticated:
        visible |= Q(owner=user)
    return _one(Task.objects.filter(visible).select_related("matter"), pk, _("任务不存在"), "task_not_found")


def saying_of(user: Any, pk: int) -> Saying:
    return _one(saying_list_for(user=user), pk, _("说事不存在"), "saying_not_found")
