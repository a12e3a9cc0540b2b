"""工作日历 page: who sees it (others get the 404 of any page they may not use), add and remove."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from sanzhi.core.models import AuditEvent, CalendarDay
from sanzhi.core.testing import Town
from sanzhi.core.workcalendar import is_working_day

ClientAs = Callable[[str], Client]
URL = reverse("web:calendar")
REMOVE = reverse("web:calendar_remove")
ALLOWED = {"street", "sysadmin"}
DENIED = ["resident", "rep", "gridworker", "secretary", "dept", "council", "outsider", "nobody"]


def text(response: Any) -> str:
    return response.content.decode()


@pytest.mark.parametrize("persona", sorted(ALLOWED) + DENIED)
def test_page_and_nav_link_per_persona(town: Town, client_as: ClientAs, persona: str) -> None:
    client = client_as(persona)
    response = client.get(f"{URL}?year=2026")
    home = text(client.get(reverse("web:home")))
    if persona in ALLOWED:
        assert response.status_code == 200
        assert 'data-testid="calendar-year">2026<' in text(response)
        assert f'href="{URL}"' in home
    else:
        assert response.status_code == 404
        assert f'href="{URL}"' not in home  # (the 三务公开 calendar is another page)
        assert client.post(URL, {"date": "2027-01-01", "kind": "holiday"}).status_code == 404
        assert client.post(REMOVE, {"date": "2026-10-01"}).status_code == 404
        assert not CalendarDay.objects.filter(date=dt.date(2027, 1, 1)).exists()


def test_anonymous_is_sent_to_login(db: None, client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_lists_the_seeded_year_month_by_month(town: Town, client_as: ClientAs) -> None:
    CalendarDay.objects.get_or_create(
        date=dt.date(2026, 10, 1), defaults={"kind": "holiday", "name": "国庆节"}
    )
    page = text(client_as("street").get(f"{URL}?year=2026"))
    assert 'data-date="2026-10-01"' in page
    assert "国庆节" in page


def test_add_and_remove_without_htmx(town: Town, client_as: ClientAs) -> None:
    client = client_as("street")
    response = client.post(URL, {"date": "2027-02-06", "kind": "workday", "name": "春节"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?year=2027"
    assert is_working_day(dt.date(2027, 2, 6))  # Saturday made a working day
    page = text(client.get(response["Location"]))
    assert 'data-date="2027-02-06"' in page and "已保存" in page
    response = client.post(REMOVE, {"date": "2027-02-06"})
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(date=dt.date(2027, 2, 6)).exists()
    actions = list(AuditEvent.objects.filter(action__startswith="calendar.").values_list("action", flat=True))
    assert actions == ["calendar.set", "calendar.remove"]


def test_htmx_add_swaps_the_body(town: Town, client_as: ClientAs) -> None:
    response = client_as("sysadmin").post(
        f"{URL}?year=2027",
        {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith('<div id="calendar-body">')
    assert 'data-date="2027-10-01"' in body


def test_refused_entry_shows_the_message_with_422(town: Town, client_as: ClientAs) -> None:
    response = client_as("street").post(
        URL,
        {"date": "2027-02-08", "kind": "workday"},
        HTTP_HX_REQUEST="true",  # a Monday
    )
    assert response.status_code == 422
    assert "本来就是工作日" in text(response)
    assert not CalendarDay.objects.filter(date=dt.date(2027, 2, 8)).exists()
    response = client_as("street").post(URL, {"date": "not-a-date", "kind": "holiday"})
    assert response.status_code == 422


def test_remove_unknown_or_bad_date(town: Town, client_as: ClientAs) -> None:
    client = client_as("street")
    assert client.post(REMOVE, {"date": "2027-03-03"}).status_code == 404
    assert client.post(REMOVE, {"date": "yesterday"}).status_code == 400
    assert client.get(REMOVE).status_code == 405
