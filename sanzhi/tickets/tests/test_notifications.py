"""站内消息: who hears about an escalation at each level, e-mail copies only after commit, the inbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings

from sanzhi.accounts.models import RoleAssignment
from sanzhi.accounts.roles import Role
from sanzhi.core.errors import ValidationFailed
from sanzhi.core.testing import make_user
from sanzhi.tickets.escalation import tick, ticket_escalate
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Category, Channel, DepartmentMember, Notification, Ticket
from sanzhi.tickets.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    send_notification_emails,
    unread_count,
)
from sanzhi.tickets.selectors import inbox_for
from sanzhi.tickets.services import Target, ticket_dispatch, ticket_register, ticket_transfer
from sanzhi.tickets.states import Level
from sanzhi.tickets.testing import TicketWorld

SH = ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 11, 30, 10, tzinfo=SH)
Callbacks = Callable[..., Any]


def report(world: TicketWorld, category: Category | None = None, household: str = "h1") -> Ticket:
    town = world.town
    return ticket_create(
        actor=None,
        channel=Channel.HOTLINE,
        text="路面塌了一个大坑",
        household=town.households[household],
        category=category or world.road,
        now=MONDAY_10,
    )


def climb(ticket: Ticket) -> Ticket:
    """One level up, as the tick would do it once the deadline passed."""
    current = Ticket.objects.get(pk=ticket.pk)
    assert current.due_at is not None
    result = ticket_escalate(ticket_id=ticket.pk, now=current.due_at + dt.timedelta(minutes=1))
    assert result is not None
    return result


def inbox(ticket: Ticket, kind: str) -> set[str]:
    return set(Notification.objects.filter(ticket=ticket, kind=kind).values_list("user__username", flat=True))


def test_each_level_notifies_its_own_dispatchers(world: TicketWorld) -> None:
    ticket = report(world)
    t = climb(ticket)
    assert t.level == Level.COMMUNITY
    # The community's secretary — not the grid worker below, the street above, or the county admin.
    assert inbox(ticket, "escalate") == {"secretary"}
    t = climb(ticket)
    assert t.level == Level.STREET and inbox(ticket, "escalate") == {"secretary", "street"}
    t = climb(ticket)
    assert t.level == Level.DEPARTMENT and t.department == world.urban
    assert inbox(ticket, "escalate") == {"secretary", "street", "dept"}  # 城管局's member
    assert Notification.objects.filter(ticket=ticket, kind="escalate").count() == 3
    t = climb(ticket)  # past the department's deadline: flagged, the department hears again
    assert t.level == Level.DEPARTMENT and inbox(ticket, "overdue") == {"dept"}
    note = Notification.objects.get(ticket=ticket, kind="overdue")
    assert "已超过办结时限" in note.message and ticket.title[:10] in note.message


def test_the_other_village_hears_only_its_own(world: TicketWorld) -> None:
    ticket = report(world, household="h3")  # 白衣村
    climb(ticket)
    assert inbox(ticket, "escalate") == {"outsider"}  # 白衣村's chief, not 创举社区's secretary


def test_a_vacant_office_falls_to_the_one_above(world: TicketWorld) -> None:
    RoleAssignment.objects.filter(user=world.town.secretary).delete()
    ticket = report(world)
    climb(ticket)
    assert inbox(ticket, "escalate") == {"street"}


def test_a_department_without_members_falls_to_the_street(world: TicketWorld) -> None:
    DepartmentMember.objects.filter(department=world.urban).delete()
    ticket = report(world)
    for _ in range(3):
        climb(ticket)
    assert Notification.objects.filter(ticket=ticket, kind="escalate", user=world.town.street).count() == 2


def test_inactive_users_are_not_notified(world: TicketWorld) -> None:
    second = make_user("secretary2", (Role.GRID_CHIEF, world.town.village))
    second.is_active = False
    second.save()
    ticket = report(world)
    climb(ticket)
    assert inbox(ticket, "escalate") == {"secretary"}


def test_the_holder_hears_of_the_overdue_flag_too(world: TicketWorld) -> None:
    town = world.town
    ticket = report(world, category=world.dispute)  # no department above the street
    climb(ticket)
    climb(ticket)
    t = ticket_transfer(
        actor=town.street,
        ticket=Ticket.objects.get(pk=ticket.pk),
        target=Target(user=town.secretary),
        note="请社区书记牵头调解",
        now=MONDAY_10,
    )
    assert t.level == Level.STREET and t.assignee == town.secretary
    assert inbox(ticket, "transfer") == {"secretary"}
    climb(ticket)
    assert inbox(ticket, "overdue") == {"street", "secretary"}


def test_assignment_still_notifies_the_new_assignee(world: TicketWorld) -> None:
    town = world.town
    t = ticket_register(actor=town.gridworker, ticket=report(world), now=MONDAY_10)
    ticket_dispatch(actor=town.secretary, ticket=t, now=MONDAY_10)
    assert inbox(t, "dispatch") == {"gridworker"}


# ---------------------------------------------------------------- e-mail copies, after commit only


@override_settings(SANZHI_NOTIFY_EMAIL=True)
def test_email_goes_out_after_commit_only(
    world: TicketWorld, django_capture_on_commit_callbacks: Any
) -> None:
    town = world.town
    town.secretary.email = "secretary@example.org"
    town.secretary.save()
    ticket = report(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        climb(ticket)
    assert mail.outbox == [] and len(callbacks) == 1  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["secretary@example.org"] and "超时升级" in sent.subject and ticket.number in sent.body


@override_settings(SANZHI_NOTIFY_EMAIL=True)
def test_no_address_no_email(world: TicketWorld, django_capture_on_commit_callbacks: Any) -> None:
    ticket = report(world)
    with django_capture_on_commit_callbacks(execute=True):
        climb(ticket)
    assert mail.outbox == [] and inbox(ticket, "escalate") == {"secretary"}


def test_email_off_by_default(world: TicketWorld, django_capture_on_commit_callbacks: Any) -> None:
    world.town.secretary.email = "secretary@example.org"
    world.town.secretary.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        climb(report(world))
    assert callbacks == [] and mail.outbox == []


@override_settings(SANZHI_NOTIFY_EMAIL=True)
def test_email_sender_reads_committed_rows_only(world: TicketWorld) -> None:
    world.town.secretary.email = "secretary@example.org"
    world.town.secretary.save()
    ticket = report(world)
    climb(ticket)
    ids = list(Notification.objects.filter(ticket=ticket).values_list("pk", flat=True))
    assert send_notification_emails(ids=[*ids, 999_999]) == 1  # a vanished row is skipped
    assert send_notification_emails(ids=[]) == 0


@override_settings(SANZHI_NOTIFY_EMAIL=True)
def test_a_mail_outage_does_not_break_the_tick(
    world: TicketWorld, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.town.secretary.email = "secretary@example.org"
    world.town.secretary.save()

    class Broken:
        def send_messages(self, messages: list[Any]) -> int:
            raise OSError("smtp down")

    monkeypatch.setattr(mail, "get_connection", lambda *a, **k: Broken())
    ticket = report(world)
    with django_capture_on_commit_callbacks(execute=True):
        result = tick(now=MONDAY_10 + dt.timedelta(days=3))
    assert result.escalated == {"community": 1} and inbox(ticket, "escalate") == {"secretary"}


@pytest.mark.django_db(transaction=True)
@override_settings(SANZHI_NOTIFY_EMAIL=True)
def test_a_rolled_back_escalation_sends_nothing(world: TicketWorld) -> None:
    world.town.secretary.email = "secretary@example.org"
    world.town.secretary.save()
    ticket = report(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        climb(ticket)
        raise RuntimeError("rolled back after the escalation")
    assert mail.outbox == [] and not Notification.objects.filter(kind="escalate").exists()
    assert Ticket.objects.get(pk=ticket.pk).level == Level.GRID
    climb(ticket)  # committed: now the mail goes
    assert [m.to for m in mail.outbox] == [["secretary@example.org"]]


# ---------------------------------------------------------------- the inbox


def test_mark_read_touches_only_the_actors_own_messages(world: TicketWorld) -> None:
    town = world.town
    ticket = report(world)
    climb(ticket)
    climb(ticket)
    mine = list(inbox_for(user=town.secretary).values_list("pk", flat=True))
    theirs = list(inbox_for(user=town.street).values_list("pk", flat=True))
    assert len(mine) == 1 and len(theirs) == 1 and unread_count(user=town.secretary) == 1
    assert notification_mark_read(actor=town.secretary, ids=[*mine, *theirs]) == 1
    assert notification_mark_read(actor=town.secretary, ids=mine) == 0  # twice changes nothing
    assert unread_count(user=town.secretary) == 0 and unread_count(user=town.street) == 1
    assert list(inbox_for(user=town.secretary, unread_only=True)) == []
    assert notification_mark_read(actor=town.outsider, ids=theirs) == 0


def test_mark_all_read(world: TicketWorld) -> None:
    town = world.town
    ticket = report(world)
    for _ in range(4):
        climb(ticket)
    assert unread_count(user=town.dept) == 2  # escalated to the department, then overdue
    assert notification_mark_all_read(actor=town.dept) == 2
    assert notification_mark_all_read(actor=town.dept) == 0
    assert unread_count(user=town.street) == 1


@pytest.mark.parametrize("bad", [["x"], [None], [-3], ["1; drop table"]])
def test_mark_read_refuses_bad_ids(world: TicketWorld, bad: list[Any]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        notification_mark_read(actor=world.town.secretary, ids=bad)
    assert caught.value.code == "notification_bad_id"


def test_anonymous_marks_nothing(world: TicketWorld) -> None:
    from django.contrib.auth.models import AnonymousUser

    ticket = report(world)
    climb(ticket)
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert notification_mark_read(actor=AnonymousUser(), ids=ids) == 0
    assert notification_mark_all_read(actor=AnonymousUser()) == 0
