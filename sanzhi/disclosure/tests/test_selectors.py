"""Scoped reads of disclosures and plans: each persona sees the subtrees where they work on
disclosures, nothing else; totals come from the database and equal the lines' sums."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanzhi.core.errors import NotFound
from sanzhi.core.testing import Town
from sanzhi.disclosure.drafts import totals_of
from sanzhi.disclosure.models import Area, Disclosure, DisclosureStatus, FinanceLine, Frequency
from sanzhi.disclosure.selectors import (
    disclosure_get_for,
    disclosure_list_for,
    line_list,
    plan_get_for,
    plan_list_for,
    totals,
)
from sanzhi.disclosure.services import (
    disclosure_draft,
    disclosure_publish,
    finance_line_add,
    plan_create,
    plans_adopt_default,
)
from sanzhi.disclosure.tests.core_kit import PERSONAS, add_lines, finance_draft

pytestmark = pytest.mark.django_db

# Who sees what: 创举社区 ("here") and 白衣村 ("there").
SEES = {
    "secretary": {"here"},
    "street": {"here", "there"},
    "sysadmin": {"here", "there"},
    "outsider": {"there"},
}


def _world(town: Town) -> dict[str, Disclosure]:
    here = finance_draft(town)
    add_lines(town, here)
    there = disclosure_draft(
        actor=town.street, node=town.other_village, area=Area.PARTY, title="白衣村党费", body="x"
    )
    return {"here": here, "there": there}


@pytest.mark.parametrize("persona", PERSONAS)
def test_disclosure_list_per_persona(town: Town, persona: str) -> None:
    world = _world(town)
    user = town.users[persona]
    expected = SEES.get(persona, set())
    assert set(disclosure_list_for(user=user)) == {world[k] for k in expected}
    for key, disclosure in world.items():
        if key in expected:
            assert disclosure_get_for(user=user, pk=disclosure.pk) == disclosure
        else:
            with pytest.raises(NotFound):
                disclosure_get_for(user=user, pk=disclosure.pk)


@pytest.mark.parametrize("persona", PERSONAS)
def test_plan_list_per_persona(town: Town, persona: str) -> None:
    plans_adopt_default(actor=town.secretary, node=town.village)
    there = plan_create(
        actor=town.street,
        node=town.other_village,
        area=Area.FINANCE,
        title="财务",
        frequency=Frequency.MONTHLY,
    )
    user = town.users[persona]
    visible = set(plan_list_for(user=user))
    expected = SEES.get(persona, set())
    assert (there in visible) == ("there" in expected)
    assert any(p.node_id == town.village.pk for p in visible) == ("here" in expected)
    if "there" not in expected:
        with pytest.raises(NotFound):
            plan_get_for(user=user, pk=there.pk)


def test_filters(town: Town) -> None:
    world = _world(town)
    published = finance_draft(town, world["here"].plan, period="2026-09")
    finance_line_add(
        actor=town.secretary,
        disclosure=published,
        direction="income",
        date=dt.date(2026, 9, 1),
        item="x",
        amount_fen=1,
    )
    disclosure_publish(actor=town.secretary, disclosure=published)
    street = town.street
    assert set(disclosure_list_for(user=street, under=town.village)) == {world["here"], published}
    assert set(disclosure_list_for(user=street, area=Area.PARTY)) == {world["there"]}
    assert set(disclosure_list_for(user=street, status=DisclosureStatus.PUBLISHED)) == {published}
    assert list(disclosure_list_for(user=street, under=town.village, status=DisclosureStatus.DRAFT)) == [
        world["here"]
    ]


def test_list_joins_what_a_page_shows(town: Town) -> None:
    world = _world(town)
    for period in ("2026-07", "2026-08", "2026-09"):
        finance_draft(town, world["here"].plan, period=period)
    user = town.street
    disclosure_list_for(user=user).count()  # warms the user's role cache
    with CaptureQueriesContext(connection) as queries:
        rows = [
            (d.node.name, d.plan.title if d.plan else "", d.publication)
            for d in disclosure_list_for(user=user)
        ]
    assert len(rows) == 5 and len(queries) == 1


def test_totals_are_the_sums_of_the_lines(town: Town) -> None:
    draft = finance_draft(town)
    assert totals(draft).as_dict() == {"income_fen": 0, "expense_fen": 0, "net_fen": 0}
    add_lines(town, draft)
    finance_line_add(
        actor=town.secretary,
        disclosure=draft,
        direction="income",
        date=dt.date(2026, 10, 9),
        item="租金",
        amount_fen=7,
    )
    expected = {"income_fen": 123457, "expense_fen": 50000, "net_fen": 73457}
    assert totals(draft).as_dict() == expected
    assert totals_of(line_list(draft)).as_dict() == expected
    assert [line.amount_fen for line in line_list(draft)] == [123450, 50000, 7]
    assert FinanceLine.objects.filter(disclosure=draft).count() == 3
