"""Writes to the shared calendar (工作日历). ``actor=None`` is the installation's operator (CLI, seed).

The calendar is one for the whole installation: whoever holds ``core.calendar`` anywhere may edit it
(street admins and system admins), because holidays are national and make-up days follow them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Forbidden, NotFound, ValidationFailed
from sanzhi.core.models import CalendarDay, CalendarDayKind
from sanzhi.core.workcalendar import calendar_cache_clear

NAME_MAX = CalendarDay._meta.get_field("name").max_length or 50
NOTE_MAX = CalendarDay._meta.get_field("note").max_length or 200


def can_manage_calendar(user: Any) -> bool:
    return bool(user.has_perm(Capability.MANAGE_CALENDAR))


def _require_manage(actor: Any) -> None:
    if actor is not None and not can_manage_calendar(actor):
        raise Forbidden(_("您无权维护工作日历"), code="forbidden")


def _drop_cache() -> None:
    # Now, so this process (and a test) sees the change at once; again after commit, in case a
    # reader reloaded the snapshot while the transaction was still open and then it rolled back.
    calendar_cache_clear()
    transaction.on_commit(calendar_cache_clear)


def _as_dict(day: CalendarDay | None) -> dict[str, str] | None:
    if day is None:
        return None
    return {"date": day.date.isoformat(), "kind": day.kind, "name": day.name, "note": day.note}


@transaction.atomic
def calendar_day_set(*, actor: Any, date: dt.date, kind: str, name: str = "", note: str = "") -> CalendarDay:
    """Mark ``date`` as a holiday (放假) or a make-up working day (调休上班); replaces any entry."""
    _require_manage(actor)
    if kind not in CalendarDayKind.values:
        raise ValidationFailed(
            _("日期类型只能是“放假”或“调休上班”"), code="calendar_bad_kind", data={"kind": kind}
        )
    name, note = name.strip(), note.strip()
    if len(name) > NAME_MAX:
        raise ValidationFailed(
            _("名称最多 {n} 个字").format(n=NAME_MAX), code="calendar_name_too_long", data={"name": name}
        )
    if len(note) > NOTE_MAX:
        raise ValidationFailed(_("备注最多 {n} 个字").format(n=NOTE_MAX), code="calendar_note_too_long")
    if kind == CalendarDayKind.WORKDAY and date.weekday() < 5:
        # A weekday is a working day already; entering it is almost always the wrong date picked.
        raise ValidationFailed(
            _("{date} 是周一至周五，本来就是工作日，无需设为调休上班").format(date=date.isoformat()),
            code="calendar_workday_on_weekday",
            data={"date": date.isoformat()},
        )
    previous = CalendarDay.objects.select_for_update().filter(date=date).first()
    before = _as_dict(previous)
    day = previous or CalendarDay(date=date)
    day.kind, day.name, day.note = kind, name, note
    day.updated_by = actor if actor is not None else None
    day.save()
    audit_record(
        actor=actor,
        action="calendar.set",
        subject=day,
        data={"after": _as_dict(day), "before": before},
    )
    _drop_cache()
    return day


@transaction.atomic
def calendar_day_remove(*, actor: Any, date: dt.date) -> None:
    """Drop the entry for ``date``: the day follows the default rule again (Mon–Fri work)."""
    _require_manage(actor)
    day = CalendarDay.objects.select_for_update().filter(date=date).first()
    if day is None:
        raise NotFound(
            _("{date} 没有日历调整").format(date=date.isoformat()),
            code="calendar_day_not_found",
            data={"date": date.isoformat()},
        )
    audit_record(
        actor=actor,
        action="calendar.remove",
        subject=day,
        data={"before": _as_dict(day)},
    )
    day.delete()
    _drop_cache()
