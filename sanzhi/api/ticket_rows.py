"""What one caller may see of a ticket, and the lookups that turn codes in a request into objects.

The reporter's identity (诉求人) is shown only to those ``rules.can_see_reporter`` allows (handlers
in scope, the reporter); anyone else gets ``reporter: null`` and the reporter's own steps in the
history under an anonymous label. Lists carry no reporter at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.request import Request

from sanzhi.accounts.models import User
from sanzhi.api.rows import MAX_ID, node_for
from sanzhi.core.errors import NotFound, ValidationFailed
from sanzhi.grids.models import Node
from sanzhi.grids.selectors import node_get
from sanzhi.tickets import rules
from sanzhi.tickets.models import Category, Department, Ticket, TicketAttachment, TicketEvent
from sanzhi.tickets.selectors import ticket_events
from sanzhi.tickets.services import Target
from sanzhi.tickets.states import Action, Level, allowed_actions

# What a person may ask for; ESCALATE and REOPEN are the system's, REPORT is the intake.
PERSON_ACTIONS = tuple(a for a in Action.values if a not in (Action.REPORT, Action.ESCALATE, Action.REOPEN))


@dataclass(frozen=True)
class AttachmentRow:
    attachment: TicketAttachment
    url: str


@dataclass(frozen=True)
class EventRow:
    event: TicketEvent
    actor: str | None  # display name, the anonymous reporter label, or None for the system


@dataclass(frozen=True)
class ReporterView:
    name: str
    phone: str
    username: str | None
    household_id: int | None


@dataclass
class TicketDetailRow:
    ticket: Ticket
    reporter: ReporterView | None
    events: list[EventRow] = field(default_factory=list)
    attachments: list[AttachmentRow] = field(default_factory=list)
    allowed_actions: list[str] = field(default_factory=list)


def attachment_url(request: Request, attachment: TicketAttachment) -> str:
    path = reverse("api:ticket-attachment", kwargs={"id": attachment.ticket_id, "aid": attachment.pk})
    return request.build_absolute_uri(path)


def event_actor(event: TicketEvent, ticket: Ticket, *, reporter_visible: bool) -> str | None:
    if event.actor_id is None:
        return None
    if not reporter_visible and ticket.reporter_id is not None and event.actor_id == ticket.reporter_id:
        return _("诉求人")
    assert event.actor is not None
    return str(event.actor)


def actions_for(user: Any, ticket: Ticket) -> list[str]:
    """The steps the caller may take now: legal in the state table and allowed by the rules."""
    legal = set(allowed_actions(ticket.state))
    return [a for a in PERSON_ACTIONS if a in legal and rules.can_act(user, ticket, a)]


def ticket_detail_row(request: Request, ticket: Ticket) -> TicketDetailRow:
    user = request.user
    visible = rules.can_see_reporter(user, ticket)
    reporter = None
    if visible:
        reporter = ReporterView(
            name=ticket.reporter_name,
            phone=ticket.reporter_phone,
            username=ticket.reporter.username if ticket.reporter is not None else None,
            household_id=ticket.household_id,
        )
    events = list(ticket_events(ticket))
    attachments = [
        AttachmentRow(a, attachment_url(request, a))
        for e in events
        for a in sorted(e.attachments.all(), key=lambda a: a.pk)
    ]
    return TicketDetailRow(
        ticket=ticket,
        reporter=reporter,
        events=[EventRow(e, event_actor(e, ticket, reporter_visible=visible)) for e in events],
        attachments=attachments,
        allowed_actions=actions_for(user, ticket),
    )


@dataclass(frozen=True)
class ActionResult:
    ticket: Ticket
    event: EventRow


def last_event_row(ticket: Ticket) -> EventRow:
    event = ticket.events.select_related("actor").order_by("-id").first()
    assert event is not None  # every ticket has at least its report event
    actor = str(event.actor) if event.actor is not None else None
    return EventRow(event, actor)


def attachment_of(ticket: Ticket, pk: int) -> TicketAttachment:
    attachment = ticket.attachments.filter(pk=pk).first() if pk <= MAX_ID else None
    if attachment is None:
        raise NotFound(_("附件不存在"), code="attachment_not_found")
    return attachment


# ---- codes in a request → objects ------------------------------------------------------------------


def category_by_code(code: str, *, for_filter: bool = False) -> Category:
    """A category named in a request; a filter may name an inactive one, intake and 立案 may not."""
    category = Category.objects.filter(code=code).first()
    if category is None or (not for_filter and not category.active):
        if for_filter:
            raise NotFound(_("分类 {code} 不存在").format(code=code[:40]), code="category_not_found")
        raise ValidationFailed(
            _("分类 {code} 不存在或已停用").format(code=code[:40]),
            code="category_not_found",
            data={"field": "category"},
        )
    return category


def department_by_code(code: str, *, for_filter: bool = False) -> Department:
    department = Department.objects.select_related("node").filter(code=code).first()
    if department is None:
        message = _("部门 {code} 不存在").format(code=code[:40])
        if for_filter:
            raise NotFound(message, code="department_not_found")
        raise ValidationFailed(message, code="department_not_found", data={"field": "department"})
    return department


def department_list() -> list[Department]:
    return list(Department.objects.filter(active=True).select_related("node").order_by("code"))


def filter_node(user: Any, code: str) -> Node:
    return node_for(user=user, code=code)


def intake_node(code: str) -> Node:
    """Where a report says it happened. Node codes are public division codes, so no scope applies
    here; whether the caller may report there is the intake service's question."""
    if not code.isdigit():
        raise NotFound(_("节点 {code} 不存在").format(code=code[:30]), data={"code": code[:30]})
    return node_get(code=code)


def ancestor_node(ticket: Ticket, code: str) -> Node:
    """A dispatch or transfer target office: one of the nodes on the ticket's own path."""
    prefixes = [ticket.node_path[:i] for i in range(Node.steplen, len(ticket.node_path) + 1, Node.steplen)]
    node = Node.objects.filter(code=code, path__in=prefixes).first()
    if node is None:
        raise ValidationFailed(
            _("只能派给工单所在网格、社区或街道"), code="target_out_of_area", data={"field": "node"}
        )
    return node


def user_by_username(username: str) -> User:
    user = User.objects.filter(username=username).select_related("resident").first()
    if user is None:
        raise ValidationFailed(
            _("用户 {name} 不存在").format(name=username[:40]), code="user_not_found", data={"field": "user"}
        )
    return user


def target_from(body: dict[str, Any], ticket: Ticket) -> Target | None:
    """Where a dispatch or transfer sends the ticket; None when the body names nobody."""
    user = user_by_username(body["user"]) if body.get("user") else None
    node = ancestor_node(ticket, body["node"]) if body.get("node") else None
    department = department_by_code(body["department"]) if body.get("department") else None
    if user is None and node is None and department is None:
        if body.get("party_run"):
            raise ValidationFailed(_("党员跑单须指定党员"), code="required", data={"field": "user"})
        return None
    return Target(user=user, node=node, department=department, party_run=bool(body.get("party_run")))


# ---- categories ----------------------------------------------------------------------------------


@dataclass
class CategoryRow:
    category: Category
    limits: list[Any]
    children: list[CategoryRow] = field(default_factory=list)


_LEVEL_INDEX = {level: i for i, level in enumerate(Level.values)}


def category_tree(categories: list[Category]) -> list[CategoryRow]:
    """Active categories as a two-level tree (children under their parent, in the model's order)."""
    rows = {
        c.pk: CategoryRow(c, sorted(c.limits.all(), key=lambda r: _LEVEL_INDEX.get(r.level, 9)))
        for c in categories
    }
    roots: list[CategoryRow] = []
    for c in categories:
        if c.parent_id is None:
            roots.append(rows[c.pk])
        elif c.parent_id in rows:
            rows[c.parent_id].children.append(rows[c.pk])
    return roots
