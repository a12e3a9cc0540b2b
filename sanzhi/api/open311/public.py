"""What the public sees of tickets through Open311: anonymized service requests and the services.

GeoReport v2 reads are public (no key), so this module is the one deliberately unscoped read of
tickets. It never returns the reporter's name, phone or account (privacy, issue item 10); phone and
ID numbers typed into a description are masked; the exact address and coordinates are published
only for requests that came in through Open311 itself (the client chose to publish that place) —
for the rest the location is the grid/community/street, never a household's door.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sanzhi.core.masking import mask_id_number, mask_phone
from sanzhi.tickets.models import Category, Channel, Ticket
from sanzhi.tickets.selectors import category_list
from sanzhi.tickets.states import OPEN_STATES, State

# Open311 has two statuses. A ticket the handler reports done (resolved) is still open until the level
# above has verified it; closed means verified, rated, void or merged.
OPEN311_OPEN = frozenset(OPEN_STATES | {State.RESOLVED})
OPEN311_CLOSED = frozenset(set(State.values) - OPEN311_OPEN)

_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def redact(text: str) -> str:
    """Mask mobile and ID numbers a reporter typed into a public description."""
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)), text)


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 with the offset (``2026-12-01T10:00:00+08:00``), as the spec requires."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value is not None else None


# ---- services ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    category: Category
    group: str


def _name(category: Category) -> str:
    english = (get_language() or "").startswith("en")
    return category.name_en if english and category.name_en else category.name


def services() -> list[Service]:
    """Every active leaf category: one Open311 service each, service_code = category code."""
    categories = list(category_list(active_only=True))
    parents = {c.parent_id for c in categories if c.parent_id is not None}
    by_id = {c.pk: c for c in categories}
    return [
        Service(c, _name(by_id[c.parent_id]) if c.parent_id in by_id else "")
        for c in categories
        if c.pk not in parents
    ]


def service_by_code(code: str) -> Service | None:
    return next((s for s in services() if s.category.code == code), None)


def service_item(service: Service) -> dict[str, Any]:
    category = service.category
    name = _name(category)
    keywords = [k for k in re.split(r"[\s,，、]+", category.keywords) if k]
    return {
        "service_code": category.code,
        "service_name": name,
        "description": f"{service.group} / {name}" if service.group else name,
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(keywords),
        "group": service.group,
    }


def changeset() -> str | None:
    """When the service list last changed (the discovery document's changeset)."""
    return iso(Category.objects.aggregate(last=Max("updated_at"))["last"])


# ---- service requests -----------------------------------------------------------------------------


def public_requests() -> QuerySet[Ticket]:
    return Ticket.objects.select_related(
        "category", "node", "community", "street", "department", "assignee_node"
    ).order_by("-created_at", "-id")


def status_of(ticket: Ticket) -> str:
    return "open" if ticket.state in OPEN311_OPEN else "closed"


def _status_notes(ticket: Ticket) -> str:
    label = str(State(ticket.state).label)
    if ticket.state == State.MERGED and ticket.merged_into_id is not None:
        return _("{state}：并入 {id}").format(state=label, id=ticket.merged_into_id)
    return label


def _agency(ticket: Ticket) -> str:
    if ticket.department is not None:
        return ticket.department.name
    holder = (
        ticket.assignee_node
        or {
            "community": ticket.community,
            "street": ticket.street,
        }.get(ticket.level)
        or ticket.node
    )
    return holder.name


def _place(ticket: Ticket) -> str:
    names: list[str] = []
    for node in (ticket.street, ticket.community, ticket.node):
        if node is not None and node.name not in names:
            names.append(node.name)
    return " ".join(names)


def _coordinate(value: Any) -> float | None:
    return float(value) if value is not None else None


def request_item(ticket: Ticket) -> dict[str, Any]:
    published_place = ticket.channel == Channel.OPEN311
    category = ticket.category
    return {
        "service_request_id": ticket.pk,
        "status": status_of(ticket),
        "status_notes": _status_notes(ticket),
        "service_name": _name(category) if category is not None else "",
        "service_code": category.code if category is not None else "",
        "description": redact(ticket.text),
        "agency_responsible": _agency(ticket),
        "service_notice": "",
        "requested_datetime": iso(ticket.created_at),
        "updated_datetime": iso(ticket.updated_at),
        "expected_datetime": iso(ticket.due_at),
        "address": (ticket.address or _place(ticket)) if published_place else _place(ticket),
        "address_id": "",
        "zipcode": "",
        "lat": _coordinate(ticket.latitude) if published_place else None,
        "long": _coordinate(ticket.longitude) if published_place else None,
        "media_url": "",
    }
