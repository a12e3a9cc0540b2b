"""上报: where a ticket lands and how it comes in (resident, representative, staff, hotline, Open311)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanzhi.core.errors import Forbidden, ValidationFailed
from sanzhi.core.workcalendar import add_working_hours
from sanzhi.grids.models import Node, NodeKind
from sanzhi.people.models import Household
from sanzhi.people.phones import check_phone
from sanzhi.reports.ticket_kpis import record_ticket_change
from sanzhi.tickets import rules
from sanzhi.tickets.clock import limits_for, start_level_clock
from sanzhi.tickets.facts import facts_of
from sanzhi.tickets.inputs import (
    check_attachments,
    clean_coordinate,
    clean_text,
    save_attachments,
    user_or_none,
)
from sanzhi.tickets.models import Category, Channel, Ticket, TicketEvent
from sanzhi.tickets.states import Action, Level, State


@dataclass(frozen=True)
class Landing:
    node: Node
    community: Node | None
    street: Node | None
    level: str


def landing_for(node: Node) -> Landing:
    """The ladder above a node: its community/village and street/township ancestors."""
    if node.kind not in (NodeKind.GRID, NodeKind.VILLAGE, NodeKind.TOWNSHIP):
        raise ValidationFailed(
            _("请选择街道/乡镇、社区/村或网格，而不是{name}").format(name=node.name),
            code="ticket_node_too_high",
        )
    prefixes = [node.path[:i] for i in range(node.steplen, len(node.path) + 1, node.steplen)]
    by_kind = {n.kind: n for n in Node.objects.filter(path__in=prefixes)}
    level = {NodeKind.GRID: Level.GRID, NodeKind.VILLAGE: Level.COMMUNITY}.get(node.kind, Level.STREET)
    return Landing(node, by_kind.get(NodeKind.VILLAGE), by_kind.get(NodeKind.TOWNSHIP), level)


STAFF_CHANNELS = (Channel.PATROL, Channel.VISIT, Channel.HOTLINE, Channel.IMPORT)


@transaction.atomic
def ticket_create(
    *,
    actor: Any,
    channel: str,
    text: str,
    title: str = "",
    node: Node | None = None,
    household: Household | None = None,
    category: Category | None = None,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    reporter: Any = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    external_id: str = "",
    attachments: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Ticket:
    """上报: a resident, a representative for a household, staff on patrol or a visit, a hotline
    operator, an Open311 client (``actor=None`` with channel open311) or an import."""
    now = now or timezone.now()
    if channel not in Channel.values:
        raise ValidationFailed(_("未知的上报渠道"), code="invalid_channel", data={"field": "channel"})
    text = clean_text(text, field="text", label=_("诉求内容"), max_length=4000)
    title = clean_text(title or text.splitlines()[0][:30], field="title", label=_("标题"), max_length=120)
    address = clean_text(address, field="address", label=_("地址"), max_length=200, required=False)
    reporter_name = clean_text(
        reporter_name, field="reporter_name", label=_("诉求人"), max_length=50, required=False
    )
    phone = check_phone(reporter_phone)
    if not phone.ok:
        raise ValidationFailed(phone.error, code=phone.error_code, data={"field": "reporter_phone"})
    lat = clean_coordinate(latitude, field="latitude", bound=90)
    lon = clean_coordinate(longitude, field="longitude", bound=180)
    check_attachments(attachments)
    if category is not None and not category.active:
        raise ValidationFailed(_("该分类已停用"), code="category_inactive", data={"field": "category"})

    if channel == Channel.RESIDENT:
        if actor is None or not getattr(actor, "is_authenticated", False):
            raise Forbidden(_("请先登录再反映诉求"), code="login_required")
        reporter = actor
        resident = getattr(actor, "resident", None)
        if household is None and resident is not None:
            household = resident.household
        if household is not None and (resident is None or resident.household_id != household.pk):
            raise Forbidden(_("只能为本户反映诉求"), code="forbidden")
        reporter_name = reporter_name or actor.display_name or actor.username
        reporter_phone_value = phone.value or actor.phone
    else:
        reporter_phone_value = phone.value
    if node is None and household is not None:
        node = household.node
    if node is None:
        raise ValidationFailed(_("请选择诉求发生的网格或社区"), code="required", data={"field": "node"})
    landing = landing_for(node)
    if channel == Channel.REPRESENTATIVE:
        if household is None:
            raise ValidationFailed(
                _("联户长代报需选择所代表的住户"), code="required", data={"field": "household"}
            )
        if actor is not None and not rules.can_report_at(actor, household.node_path):
            raise Forbidden(_("您不能为该户代报诉求"), code="forbidden")
    elif channel in STAFF_CHANNELS and actor is not None and not rules.can_report_at(actor, node.path):
        raise Forbidden(_("您没有在该网格受理诉求的权限"), code="forbidden")
    elif channel == Channel.OPEN311 and actor is not None and not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("需要有效的接口密钥"), code="forbidden")

    ticket = Ticket(
        title=title,
        text=text,
        category=category,
        channel=channel,
        state=State.REPORTED,
        level=landing.level,
        is_consultation=bool(category and category.is_consultation),
        node=landing.node,
        node_path=landing.node.path,
        community=landing.community,
        street=landing.street,
        address=address,
        latitude=lat,
        longitude=lon,
        reporter=user_or_none(reporter),
        reporter_name=reporter_name,
        reporter_phone=reporter_phone_value,
        household=household,
        entered_by=user_or_none(actor),
        external_id=(external_id or "")[:64],
        assignee_node=landing.node if landing.level != Level.GRID else None,
        created_at=now,
        updated_at=now,
    )
    response, _resolve = limits_for(category, landing.level)
    ticket.response_due_at = add_working_hours(now, response)
    start_level_clock(ticket, now)
    ticket.save()
    event = TicketEvent.objects.create(
        ticket=ticket,
        actor=user_or_none(actor),
        action=Action.REPORT,
        from_state="",
        to_state=ticket.state,
        from_level="",
        to_level=ticket.level,
        data={"channel": channel},
        at=now,
    )
    save_attachments(ticket, event, attachments, actor)
    record_ticket_change(None, facts_of(ticket))
    return ticket
