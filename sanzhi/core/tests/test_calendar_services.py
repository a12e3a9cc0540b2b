"""Calendar writes: who may make them (one test per role), what they check, the audit trail, the CLI."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connections

from sanzhi import cli
from sanzhi.accounts.roles import GRANTS, Capability, Role
from sanzhi.core.errors import Forbidden, NotFound, ValidationFailed
from sanzhi.core.models import AuditEvent, CalendarDay, CalendarDayKind
from sanzhi.core.services import calendar_day_remove, calendar_day_set
from sanzhi.core.testing import Town, make_user
from sanzhi.core.workcalendar import is_working_day

LOCAL_DAY = dt.date(2026, 3, 10)  # an ordinary Tuesday
PERSONAS = {
    "resident": Role.RESIDENT,
    "rep": Role.HOUSEHOLD_REP,
    "gridworker": Role.GRID_WORKER,
    "secretary": Role.GRID_CHIEF,
    "street": Role.STREET_ADMIN,
    "dept": Role.DEPARTMENT_HANDLER,
    "council": Role.COUNCIL_MEMBER,
    "sysadmin": Role.SYSTEM_ADMIN,
}


def test_only_street_and_system_admins_hold_the_capability() -> None:
    holders = {role for role, caps in GRANTS.items() if Capability.MANAGE_CALENDAR in caps}
    assert holders == {Role.STREET_ADMIN, Role.SYSTEM_ADMIN}


@pytest.mark.parametrize("persona", [*PERSONAS, "outsider", "nobody"])
def test_set_and_remove_per_role(town: Town, persona: str) -> None:
    user = town.users[persona]
    allowed = PERSONAS.get(persona) in {Role.STREET_ADMIN, Role.SYSTEM_ADMIN}
    if not allowed:
        with pytest.raises(Forbidden):
            calendar_day_set(actor=user, date=LOCAL_DAY, kind=CalendarDayKind.HOLIDAY, name="地方假日")
        assert not CalendarDay.objects.filter(date=LOCAL_DAY).exists()
        assert is_working_day(LOCAL_DAY)
        CalendarDay.objects.create(date=LOCAL_DAY, kind=CalendarDayKind.HOLIDAY)
        with pytest.raises(Forbidden):
            calendar_day_remove(actor=user, date=LOCAL_DAY)
        assert CalendarDay.objects.filter(date=LOCAL_DAY).exists()
        return
    day = calendar_day_set(actor=user, date=LOCAL_DAY, kind=CalendarDayKind.HOLIDAY, name="地方假日")
    assert (day.kind, day.name, day.updated_by) == ("holiday", "地方假日", user)
    assert not is_working_day(LOCAL_DAY)  # seen at once: the service drops the cache
    calendar_day_remove(actor=user, date=LOCAL_DAY)
    assert is_working_day(LOCAL_DAY)
    actions = list(AuditEvent.objects.filter(subject_type="core.calendarday").values_list("action", "actor"))
    assert actions == [("calendar.set", user.pk), ("calendar.remove", user.pk)]


def test_superuser_and_operator_may_edit(db: None) -> None:
    root = make_user("root", superuser=True)
    calendar_day_set(actor=root, date=LOCAL_DAY, kind=CalendarDayKind.HOLIDAY)
    calendar_day_set(actor=None, date=LOCAL_DAY, kind=CalendarDayKind.HOLIDAY, name="改名")
    assert CalendarDay.objects.get(date=LOCAL_DAY).name == "改名"


def test_set_replaces_and_audits_before_and_after(db: None) -> None:
    calendar_day_set(actor=None, date=dt.date(2027, 2, 6), kind="workday", name="春节", note="待通知")
    calendar_day_set(actor=None, date=dt.date(2027, 2, 6), kind="holiday", name=" 春节 ")
    entry = CalendarDay.objects.get(date=dt.date(2027, 2, 6))
    assert (entry.kind, entry.name, entry.note) == ("holiday", "春节", "")
    last = AuditEvent.objects.filter(action="calendar.set").latest("id")
    assert last.actor is None
    assert last.data["before"]["kind"] == "workday"
    assert last.data["after"] == {"date": "2027-02-06", "kind": "holiday", "name": "春节", "note": ""}


@pytest.mark.parametrize(
    ("date", "kind", "name", "code"),
    [
        (dt.date(2027, 2, 6), "vacation", "", "calendar_bad_kind"),
        (dt.date(2027, 2, 8), "workday", "", "calendar_workday_on_weekday"),  # a Monday
        (dt.date(2027, 2, 6), "holiday", "长" * 51, "calendar_name_too_long"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    db: None, date: dt.date, kind: str, name: str, code: str
) -> None:
    before = CalendarDay.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        calendar_day_set(actor=None, date=date, kind=kind, name=name)
    assert refused.value.code == code
    assert CalendarDay.objects.count() == before
    assert not AuditEvent.objects.filter(action="calendar.set").exists()


def test_remove_a_day_without_entry_is_not_found(db: None) -> None:
    with pytest.raises(NotFound):
        calendar_day_remove(actor=None, date=dt.date(2027, 3, 3))


# --- CLI -----------------------------------------------------------------------------------------


def test_cli_lists_a_year(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    CalendarDay.objects.get_or_create(
        date=dt.date(2026, 10, 1), defaults={"kind": "holiday", "name": "国庆节"}
    )
    call_command("calendar", "--year", "2026")
    out = capsys.readouterr().out
    assert out.startswith("2026 年工作日历：工作日")
    assert "10-01 放假（国庆节）" in out
    call_command("calendar", "--year", "2026", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["year"] == 2026 and len(data["months"]) == 12
    october = data["months"][9]
    assert {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"}.items() <= october["days"][0].items()


def test_cli_set_and_remove(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("calendar", "set", "2027-01-01", "holiday", "--name", "元旦")
    assert "已设置 2027-01-01：放假 元旦" in capsys.readouterr().out
    assert not is_working_day(dt.date(2027, 1, 1))
    call_command("calendar", "set", "2027-02-20", "调休上班", "--name", "春节")
    assert CalendarDay.objects.get(date=dt.date(2027, 2, 20)).kind == "workday"
    call_command("calendar", "remove", "2027-01-01")
    assert is_working_day(dt.date(2027, 1, 1))
    assert AuditEvent.objects.filter(action__startswith="calendar.", actor=None).count() == 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["set", "2027-13-01", "holiday"], "无效"),
        (["set", "2027-01-01", "vacation"], "holiday"),
        (["set", "2027-01-04", "workday"], "本来就是工作日"),  # a Monday
        (["remove", "2027-03-03"], "没有日历调整"),
        (["set"], "请给出日期"),
    ],
)
def test_cli_errors_exit_2_with_the_message(
    db: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    # run_from_argv closes every connection when it ends, the test's own transaction included.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    before = CalendarDay.objects.count()
    with pytest.raises(SystemExit) as exited:
        cli.main(["sanzhi", "calendar", *argv])
    assert exited.value.code == 2
    assert message in capsys.readouterr().err
    assert CalendarDay.objects.count() == before
