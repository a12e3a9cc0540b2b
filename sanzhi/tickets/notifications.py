"""站内消息 and their optional e-mail copies: who hears about a ticket, and marking messages read.

A notification row is written in the same transaction as the change it reports, so it exists exactly
when the change does (an escalation is exactly once per level, so is its message). The e-mail copy is
a side effect: it is queued with ``transaction.on_commit`` and sent only if the change committed, and
only when ``settings.SANZHI_NOTIFY_EMAIL`` is on and the user has an address. A failed send is logged
and dropped; the in-app message is the record.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sanzhi.accounts.models import RoleAssignment
from sanzhi.accounts.roles import Capability, roles_granting
from sanzhi.core.errors import ValidationFailed
from sanzhi.grids.models import Node
from sanzhi.tickets.models import DepartmentMember, Notification, Ticket
from sanzhi.tickets.rules import owner_path
from sanzhi.tickets.states import Action, Level

logger = logging.getLogger(__name__)


class NotificationKind:
    """Kinds beyond the ticket actions (an action's own name is a kind too: dispatch, escalate …)."""

    OVERDUE = "overdue"  # the top of the ladder passed its deadline: flagged, stays where it is


KIND_LABELS: dict[str, Any] = {
    NotificationKind.OVERDUE: _("已超过办结时限"),
}


def kind_label(kind: str) -> str:
    if kind in KIND_LABELS:
        return str(KIND_LABELS[kind])
    return str(Action(kind).label) if kind in Action.values else kind


def _message(ticket: Ticket, kind: str) -> str:
    return str(
        _("工单 {number}「{title}」：{action}").format(
            number=ticket.number, title=ticket.title[:40], action=kind_label(kind)
        )
    )


def email_enabled() -> bool:
    return bool(getattr(settings, "SANZHI_NOTIFY_EMAIL", False))


def notify_users(
    *, user_ids: Iterable[int], ticket: Ticket, kind: str, now: dt.datetime | None = None
) -> list[Notification]:
    """One message per user (each user once, in id order); e-mail copies after commit if configured."""
    ids = sorted(set(user_ids))
    if not ids:
        return []
    at = now or timezone.now()
    message = _message(ticket, kind)
    rows = Notification.objects.bulk_create(
        [Notification(user_id=uid, ticket=ticket, kind=kind, message=message, created_at=at) for uid in ids]
    )
    if email_enabled():
        note_ids = [row.pk for row in rows]
        transaction.on_commit(lambda: send_notification_emails(ids=note_ids))
    return rows


def notify(*, user_id: int, ticket: Ticket, kind: str, now: dt.datetime | None = None) -> None:
    """站内消息 to the new holder of a ticket (an e-mail copy goes out after commit if configured)."""
    notify_users(user_ids=[user_id], ticket=ticket, kind=kind, now=now)


def send_notification_emails(*, ids: Sequence[int]) -> int:
    """E-mail the committed messages ``ids`` to their users who have an address.

    Runs after commit and reads the rows back, so a rolled-back change sends nothing even if this
    is called. Returns the number of e-mails handed to the backend."""
    rows = list(
        Notification.objects.filter(pk__in=ids, user__is_active=True)
        .exclude(user__email="")
        .select_related("user")
        .order_by("user_id", "id")
    )
    seen: set[int] = set()
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for row in rows:
            if row.user_id in seen:
                continue
            seen.add(row.user_id)
            subject = gettext("【三治】{message}").format(message=row.message)
            body = "\n\n".join(
                [
                    row.message,
                    gettext("请登录三治平台查看并办理。此邮件由系统自动发送，请勿回复。"),
                ]
            )
            messages.append(mail.EmailMessage(subject=subject[:200], body=body, to=[row.user.email]))
    if not messages:
        return 0
    try:
        return mail.get_connection().send_messages(messages) or 0
    except Exception:  # the in-app message stands; a mail outage must not break the tick
        logger.exception("notification e-mail failed for messages %s", list(ids)[:20])
        return 0


# ---------------------------------------------------------------- who answers for a level


def dispatcher_ids(path: str) -> list[int]:
    """Active users who dispatch for the node at ``path``: the holders of tickets.dispatch nearest to
    it on its ancestor path (the node's own office first; a vacant office falls to the one above —
    never to everyone up to the county)."""
    step = Node.steplen
    prefixes = [path[:i] for i in range(step, len(path) + 1, step)]
    holders = RoleAssignment.objects.filter(
        role__in=sorted(roles_granting(Capability.DISPATCH_TICKETS)),
        node_path__in=prefixes,
        user__is_active=True,
    ).values_list("user_id", "node_path")
    rows = list(holders)
    if not rows:
        return []
    nearest = max(len(p) for _uid, p in rows)
    return sorted({uid for uid, p in rows if len(p) == nearest})


def level_recipient_ids(ticket: Ticket) -> list[int]:
    """Who must hear that a ticket arrived at (or overran) its current level: the department's members
    at department level, otherwise the dispatchers of the node that answers for it
    (``rules.owner_path``). A department without active members falls back to the street."""
    if ticket.level == Level.DEPARTMENT and ticket.department_id is not None:
        members = sorted(
            DepartmentMember.objects.filter(
                department_id=ticket.department_id, department__active=True, user__is_active=True
            ).values_list("user_id", flat=True)
        )
        if members:
            return members
    return dispatcher_ids(owner_path(ticket))


def notify_level(*, ticket: Ticket, kind: str, now: dt.datetime) -> list[Notification]:
    """After an escalation (or the overdue flag at the top): the level's dispatchers or department
    members, and whoever holds the ticket."""
    recipients = set(level_recipient_ids(ticket))
    if ticket.assignee_id is not None:
        recipients.add(ticket.assignee_id)
    return notify_users(user_ids=recipients, ticket=ticket, kind=kind, now=now)


# ---------------------------------------------------------------- the inbox


def _clean_ids(ids: Iterable[Any]) -> list[int]:
    clean: list[int] = []
    for value in ids:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValidationFailed(
                _("消息编号无效"), code="notification_bad_id", data={"id": str(value)[:40]}
            ) from None
        if number <= 0:
            raise ValidationFailed(_("消息编号无效"), code="notification_bad_id", data={"id": str(value)})
        clean.append(number)
    if len(clean) > 1000:
        raise ValidationFailed(_("一次最多标记 1000 条消息"), code="notification_too_many")
    return clean


@transaction.atomic
def notification_mark_read(*, actor: Any, ids: Iterable[Any], now: dt.datetime | None = None) -> int:
    """标为已读: the actor's own unread messages among ``ids``; others' ids are ignored silently (their
    existence is not disclosed). Returns how many changed; marking twice changes nothing."""
    clean = _clean_ids(ids)
    if not clean or not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=actor, pk__in=clean, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


@transaction.atomic
def notification_mark_all_read(*, actor: Any, now: dt.datetime | None = None) -> int:
    """全部标为已读."""
    if not getattr(actor, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=now or timezone.now())


def unread_count(*, user: Any) -> int:
    """The badge number (uses notification_inbox_idx)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
