"""A published 红黑榜 on the public disclosure board: it is a chain item, read as a ranking."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from sanzhi.core.testing import Town
from sanzhi.disclosure.models import Publication
from sanzhi.points.boards import board_publish
from sanzhi.points.ledger import points_record
from sanzhi.points.testing import build_points_world

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def test_a_published_list_reads_as_a_ranking_on_the_public_board(town: Town) -> None:
    pw = build_points_world(town)
    for key, rule in (("h1", "sorting"), ("h2", "volunteer")):
        points_record(
            actor=town.users["secretary"],
            account_id=pw.accounts[key].pk,
            rule_id=pw.rules[rule].pk,
            note="记录",
            day=dt.date(2026, 10, 3),
            approve=True,
            now=dt.datetime(2026, 10, 3, 10, tzinfo=TZ),
        )
    red, _black = board_publish(
        actor=town.users["secretary"],
        scheme=pw.scheme,
        period="2026-10",
        now=dt.datetime(2026, 11, 2, 9, tzinfo=TZ),
    )
    item = Publication.objects.get(ref=f"points.board:{red.pk}")
    page = Client().get(f"/public/disclosure/{item.node_code}/{item.seq}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="ranking-row"') == len(red.rows) > 0
    assert "红榜" in html and red.rows[0]["name"] in html
