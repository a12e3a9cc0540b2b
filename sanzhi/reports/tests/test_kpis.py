"""KPIs match hand-computed values on a fixture; access follows tickets.kpis; the rollups equal a
recomputation from raw tickets; the bulk rebuild writes the same rows as the incremental path."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from sanzhi.core.errors import NotFound, ValidationFailed
from sanzhi.core.testing import Town
from sanzhi.reports.rollups import kpi_differences, kpi_rebuild, kpi_recompute_from_tickets, kpi_stored
from sanzhi.reports.tests.fixtures import MONDAY_10, KpiFixture
from sanzhi.reports.ticket_kpis import kpi_report, kpi_report_for, kpi_summary_sentence

D30 = dt.date(2026, 11, 30)
D1 = dt.date(2026, 12, 1)


def test_community_kpis_match_hand_computed_values(kpi_fixture: KpiFixture) -> None:
    town = kpi_fixture.world.town
    r = kpi_report(node=town.village, date_from=D30, date_to=D30)
    t = r.totals
    assert (t.received, t.voided, t.merged, t.valid) == (6, 1, 1, 5)
    assert (t.consultations, t.consultations_answered) == (1, 1)
    assert (t.responded, t.responded_in_time) == (4, 3)
    assert (t.resolved, t.resolved_grid, t.resolved_community, t.closed) == (4, 3, 4, 3)
    assert (t.rated, t.satisfied, t.basic, t.unsatisfied) == (3, 1, 1, 1)
    assert (t.overdue, t.escalated, t.open_now) == (1, 1, 1)
    assert t.response_rate == 0.6
    assert t.resolution_rate == 0.8
    assert t.satisfaction_rate == 0.6667
    assert (t.grid_share, t.community_share) == (0.75, 1.0)
    # 2 h + 24 h + 1 h + 4 h over four resolved tickets
    assert t.avg_handling_hours == 7.75
    # Children are the grids: grid 001 resolved 3 of 4 valid, grid 002 1 of 1.
    by_code = {c.node.code: c for c in r.children}
    grid1, grid2 = by_code["511923100201001"], by_code["511923100201002"]
    assert (grid1.counts.valid, grid1.counts.resolved, grid2.counts.valid) == (4, 3, 1)
    assert grid2.ranks["resolution_rate"] == 1 and grid1.ranks["resolution_rate"] == 2
    assert [c.node.code for c in r.ranking("resolution_rate")] == ["511923100201002", "511923100201001"]
    mix = {m.category.code if m.category else "": m.counts.received for m in r.categories}
    assert mix == {"litter": 2, "road": 2, "dispute": 1, "policy": 1}
    assert r.granularity == "day" and [p.start for p in r.trend] == [D30]
    assert "收集诉求5条" in kpi_summary_sentence(t) and "网格内解决3条" in kpi_summary_sentence(t)
    assert "回复咨询1个" in kpi_summary_sentence(t)


def test_street_sums_its_communities_and_ranks_them(kpi_fixture: KpiFixture) -> None:
    town = kpi_fixture.world.town
    r = kpi_report(node=town.township, date_from=D30, date_to=D1)
    assert (r.totals.received, r.totals.valid, r.totals.open_now) == (7, 6, 2)
    assert r.totals.resolution_rate == 0.6667
    ranking = r.ranking("resolution_rate")
    assert [c.node.code for c in ranking] == [town.village.code, town.other_village.code]
    assert [c.ranks["resolution_rate"] for c in ranking] == [1, 2]
    assert [(p.start, p.counts.received) for p in r.trend] == [(D30, 6), (D1, 1)]
    county = kpi_report(node=town.county, date_from=D30, date_to=D1)
    assert county.totals == r.totals
    assert [c.node.code for c in county.children] == [town.township.code]


def test_a_ticket_on_the_street_itself_counts_for_the_street_and_above(kpi_fixture: KpiFixture) -> None:
    """Streets and the nodes above them read the area rollups: their own rows, not their communities'."""
    from sanzhi.tickets.intake import ticket_create
    from sanzhi.tickets.models import Channel

    town = kpi_fixture.world.town
    before = kpi_report(node=town.township, date_from=D30, date_to=D1)
    ticket_create(
        actor=None,
        channel=Channel.HOTLINE,
        text="街道上的事",
        node=town.township,
        category=kpi_fixture.world.road,
        now=MONDAY_10,
    )
    street = kpi_report(node=town.township, date_from=D30, date_to=D1)
    assert street.totals.received == before.totals.received + 1
    # The communities do not hold it: the street's ranking is unchanged.
    assert [c.counts for c in street.children] == [c.counts for c in before.children]
    county = kpi_report(node=town.county, date_from=D30, date_to=D1)
    assert county.totals == street.totals
    assert [c.counts for c in county.children] == [street.totals]
    road = [m for m in county.categories if m.category == kpi_fixture.world.road]
    assert road and road[0].counts.received == 1 + sum(
        m.counts.received for m in before.categories if m.category == kpi_fixture.world.road
    )
    incremental = kpi_stored()
    assert incremental == kpi_recompute_from_tickets()
    kpi_rebuild()
    assert kpi_stored() == incremental


def test_grid_node_uses_its_own_rows(kpi_fixture: KpiFixture) -> None:
    town = kpi_fixture.world.town
    r = kpi_report(node=town.grid, date_from=D30, date_to=D30)
    assert (r.totals.received, r.totals.valid, r.totals.resolved, r.totals.open_now) == (5, 4, 3, 1)
    assert r.children == []
    with pytest.raises(ValidationFailed):
        kpi_report(node=town.micro, date_from=D30, date_to=D30)


def test_filters_by_category_department_and_period(kpi_fixture: KpiFixture) -> None:
    world = kpi_fixture.world
    town = world.town
    litter = kpi_report(node=town.township, date_from=D30, date_to=D1, category=world.litter)
    assert (litter.totals.received, litter.totals.resolved) == (3, 2)
    # A top-level category includes its subcategories.
    parent = world.litter.parent
    assert parent is not None
    environment = kpi_report(node=town.township, date_from=D30, date_to=D1, category=parent)
    assert environment.totals == litter.totals
    urban = kpi_report(node=town.county, date_from=D30, date_to=D1, department=world.urban)
    assert (urban.totals.received, urban.totals.overdue, urban.totals.escalated) == (1, 1, 1)
    water = kpi_report(node=town.county, date_from=D30, date_to=D1, department=world.water)
    assert water.totals.received == 0 and water.totals.response_rate is None
    only_tuesday = kpi_report(node=town.township, date_from=D1, date_to=D1)
    assert only_tuesday.totals.received == 1
    with pytest.raises(ValidationFailed):
        kpi_report(node=town.township, date_from=D1, date_to=D30)


def test_whole_months_come_from_month_rows_and_agree_with_days(kpi_fixture: KpiFixture) -> None:
    town = kpi_fixture.world.town
    # November as a whole month + December 1 from day rows.
    mixed = kpi_report(node=town.county, date_from=dt.date(2026, 11, 1), date_to=D1, granularity="month")
    by_day = kpi_report(node=town.county, date_from=dt.date(2026, 11, 2), date_to=D1, granularity="day")
    assert mixed.totals == by_day.totals
    assert [(p.start, p.counts.received) for p in mixed.trend] == [
        (dt.date(2026, 11, 1), 6),
        (dt.date(2026, 12, 1), 1),
    ]
    year = kpi_report(node=town.county, date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 12, 31))
    assert year.granularity == "month" and len(year.trend) == 12 and year.totals == by_day.totals
    weekly = kpi_report(node=town.village, date_from=dt.date(2026, 9, 1), date_to=D1)
    assert weekly.granularity == "week" and sum(p.counts.received for p in weekly.trend) == 6


@pytest.mark.parametrize(
    ("persona", "node", "allowed"),
    [
        ("sysadmin", "county", True),
        ("street", "township", True),
        ("street", "county", False),
        ("secretary", "village", True),
        ("secretary", "township", False),
        ("secretary", "other_village", False),
        ("gridworker", "grid", True),
        ("gridworker", "village", False),
        ("council", "village", True),
        ("rep", "grid", False),
        ("resident", "grid", False),
        ("dept", "township", False),
        ("outsider", "village", False),
        ("nobody", "county", False),
    ],
)
def test_access_needs_tickets_kpis_at_the_node(
    kpi_fixture: KpiFixture, persona: str, node: str, allowed: bool
) -> None:
    town: Town = kpi_fixture.world.town
    user, target = town.users[persona], getattr(town, node)
    if allowed:
        report = kpi_report_for(user=user, node_code=target.code, date_from=D30, date_to=D1)
        assert report.node == target
    else:
        with pytest.raises(NotFound):
            kpi_report_for(user=user, node_code=target.code, date_from=D30, date_to=D1)


def test_unknown_filters_are_a_validation_error(kpi_fixture: KpiFixture) -> None:
    town = kpi_fixture.world.town
    for kwargs in ({"department_code": "nope"}, {"category_code": "nope"}):
        with pytest.raises(ValidationFailed):
            kpi_report_for(
                user=town.sysadmin, node_code=town.county.code, date_from=D30, date_to=D1, **kwargs
            )


def test_rollups_equal_recomputation_and_rebuild(kpi_fixture: KpiFixture) -> None:
    assert kpi_differences() == []
    incremental = kpi_stored()
    assert incremental == kpi_recompute_from_tickets()
    counts = kpi_rebuild()
    assert kpi_stored() == incremental
    assert counts["reports_ticketdayrollup"] == len(incremental["reports_ticketdayrollup"])


def test_kpis_command_verifies_and_rebuilds(kpi_fixture: KpiFixture) -> None:
    from django.core.management import call_command

    from sanzhi.reports.models import TicketDayRollup

    out = io.StringIO()
    call_command("kpis", "--verify", stdout=out)
    assert "OK" in out.getvalue()
    TicketDayRollup.objects.filter(category_key=-1).update(received=99)
    with pytest.raises(SystemExit) as exit_info:
        call_command("kpis", "--verify", stdout=io.StringIO(), stderr=io.StringIO())
    assert exit_info.value.code == 1
    call_command("kpis", "--rebuild", stdout=io.StringIO())
    assert kpi_differences() == []


def test_counts_fields_follow_the_counter_order() -> None:
    from dataclasses import fields

    from sanzhi.reports.models import COUNTERS
    from sanzhi.reports.ticket_kpis import KpiCounts

    assert tuple(f.name for f in fields(KpiCounts)) == COUNTERS
