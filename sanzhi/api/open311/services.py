"""POST a service request: an Open311 client, identified by its key, reports a problem (上报)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from sanzhi.api.models import ApiKey, Open311Request
from sanzhi.grids.models import Node
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Category, Channel, Ticket


@transaction.atomic
def open311_request_create(
    *,
    api_key: ApiKey,
    category: Category,
    node: Node,
    text: str,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    now: dt.datetime | None = None,
) -> tuple[Ticket, Open311Request]:
    """The ticket (channel open311, no acting user) and the token a client can look it up by."""
    now = now or timezone.now()
    ticket = ticket_create(
        actor=None,
        channel=Channel.OPEN311,
        text=text,
        node=node,
        category=category,
        address=address,
        latitude=latitude,
        longitude=longitude,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        now=now,
    )
    request = Open311Request.objects.create(
        token=secrets.token_hex(16), ticket=ticket, api_key=api_key, created_at=now
    )
    return ticket, request
