"""疑似重复 at intake: same community, recent, open, similar text; nearness breaks ties."""

from __future__ import annotations

import datetime as dt

from sanzhi.tickets.duplicates import bigrams, dice, haversine_m, likely_duplicates
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Ticket
from sanzhi.tickets.services import ticket_void
from sanzhi.tickets.testing import TicketWorld

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


def _report(
    world: TicketWorld, text: str, *, node: object = None, when: dt.datetime = NOW, **kw: object
) -> Ticket:
    town = world.town
    return ticket_create(
        actor=None,
        channel=Channel.HOTLINE,
        node=node or town.micro,  # type: ignore[arg-type]
        text=text,
        now=when,
        **kw,  # type: ignore[arg-type]
    )


def test_similarity_and_distance_helpers() -> None:
    a = bigrams("楼下垃圾没人清运")
    assert a["垃圾"] == 1 and "楼下" in a
    assert dice(a, a) == 1.0
    assert dice(a, bigrams("路灯不亮")) == 0.0
    assert 0.3 < dice(a, bigrams("垃圾好几天没人清运了")) < 1
    # 0.001° of latitude is about 111 m.
    assert 105 < haversine_m(30.0, 107.0, 30.001, 107.0) < 117


def test_ranks_the_same_problem_first_and_skips_others(world: TicketWorld) -> None:
    town = world.town
    same = _report(world, "3号楼楼下垃圾三天没人清运，气味很大")
    other_problem = _report(world, "3号楼路灯不亮，晚上很黑")
    elsewhere = _report(world, "3号楼楼下垃圾三天没人清运，气味很大", node=town.other_micro)
    old = _report(world, "3号楼楼下垃圾三天没人清运", when=NOW - dt.timedelta(days=20))
    voided = _report(world, "楼下垃圾三天没人清运，气味很大")
    ticket_void(actor=None, ticket=voided, reason="重复来电", now=NOW)
    later = NOW + dt.timedelta(hours=3)
    found = likely_duplicates(node=town.micro2, text="3号楼下的垃圾好几天没人清运了，很臭", now=later)
    ids = [c.ticket.pk for c in found]
    assert ids[0] == same.pk
    assert other_problem.pk not in ids and elsewhere.pk not in ids and old.pk not in ids
    assert voided.pk not in ids
    assert 0.2 <= found[0].score <= 1 and found[0].distance_m is None
    # Looking at an existing ticket: it is not its own duplicate.
    assert same.pk not in [
        c.ticket.pk for c in likely_duplicates(node=town.micro, text=same.text, now=later, exclude_id=same.pk)
    ]


def test_nearness_breaks_a_tie_but_never_makes_a_duplicate(world: TicketWorld) -> None:
    town = world.town
    far = _report(world, "路口井盖丢了很危险", latitude="30.010000", longitude="107.000000")
    near = _report(world, "路口井盖丢了很危险", latitude="30.000500", longitude="107.000000")
    unrelated_near = _report(world, "电梯坏了老人下不了楼", latitude="30.000100", longitude="107.000000")
    found = likely_duplicates(
        node=town.micro,
        text="路口的井盖丢了",
        latitude=30.0,
        longitude=107.0,
        now=NOW + dt.timedelta(hours=1),
    )
    ids = [c.ticket.pk for c in found]
    assert ids[:2] == [near.pk, far.pk]
    assert unrelated_near.pk not in ids
    assert found[0].distance_m is not None and found[0].distance_m < 200
    assert found[0].score > found[0].similarity == found[1].similarity


def test_a_user_only_gets_tickets_they_may_see(world: TicketWorld) -> None:
    town = world.town
    mine = ticket_create(
        actor=town.resident, channel=Channel.RESIDENT, text="楼道里堆满杂物，消防隐患", now=NOW
    )
    theirs = _report(world, "楼道里堆满杂物，有消防隐患", node=town.micro2)
    later = NOW + dt.timedelta(hours=1)
    text = "楼道堆满杂物消防隐患"
    assert {c.ticket.pk for c in likely_duplicates(node=town.micro, text=text, now=later)} == {
        mine.pk,
        theirs.pk,
    }
    as_resident = likely_duplicates(node=town.micro, text=text, now=later, user=town.resident)
    assert [c.ticket.pk for c in as_resident] == [mine.pk]
    assert likely_duplicates(node=town.micro, text=text, now=later, user=town.outsider) == []
    assert likely_duplicates(node=town.micro, text="。。", now=later) == []
