"""检索: 2-character and longer Chinese substrings, AND of terms, scope, and the database objects.

Runs on whichever database the suite uses (SQLite by default; PostgreSQL with DATABASE_URL), so
both the FTS5/LIKE and the pg_trgm/bigram paths are exercised by CI's two runs.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Ticket
from sanzhi.tickets.search import query_terms, repair_search_objects, term_filter, ticket_search_for
from sanzhi.tickets.testing import TicketWorld

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def tickets(world: TicketWorld) -> dict[str, Ticket]:
    town = world.town
    return {
        "litter": ticket_create(
            actor=town.resident, channel=Channel.RESIDENT, text="楼下垃圾三天没人清运，气味很大", now=NOW
        ),
        "light": ticket_create(
            actor=town.gridworker,
            channel=Channel.PATROL,
            node=town.micro2,
            title="路灯不亮",
            text="2号楼前面的路灯不亮，晚上很黑 ABC",
            now=NOW,
        ),
        "bin": ticket_create(
            actor=None, channel=Channel.HOTLINE, node=town.other_micro, text="白衣村垃圾桶满溢50%了", now=NOW
        ),
    }


def _found(user: object, q: str, **kw: object) -> set[int]:
    return set(ticket_search_for(user=user, q=q, **kw).values_list("pk", flat=True))  # type: ignore[arg-type]


def test_two_character_queries_find_substrings(world: TicketWorld, tickets: dict[str, Ticket]) -> None:
    street = world.town.street
    assert _found(street, "垃圾") == {tickets["litter"].pk, tickets["bin"].pk}
    assert _found(street, "路灯") == {tickets["light"].pk}  # in the title and the text
    assert _found(street, "清运") == {tickets["litter"].pk}
    assert _found(street, "运，") == {tickets["litter"].pk}  # punctuation is text too
    assert _found(street, "楼天") == set()


def test_three_and_more_characters(world: TicketWorld, tickets: dict[str, Ticket]) -> None:
    street = world.town.street
    assert _found(street, "垃圾桶") == {tickets["bin"].pk}
    assert _found(street, "没人清运") == {tickets["litter"].pk}
    assert _found(street, "晚上很黑") == {tickets["light"].pk}
    assert _found(street, "abc") == {tickets["light"].pk}  # ASCII case folds
    assert _found(street, "50%") == {tickets["bin"].pk}
    assert _found(street, "0%了") == {tickets["bin"].pk}
    assert _found(street, "不存在的词") == set()


def test_terms_are_anded_and_short_terms_work(world: TicketWorld, tickets: dict[str, Ticket]) -> None:
    street = world.town.street
    assert _found(street, "垃圾 清运") == {tickets["litter"].pk}
    assert _found(street, "垃圾  满溢") == {tickets["bin"].pk}
    assert _found(street, "黑") == {tickets["light"].pk}  # one character: a bounded scan
    assert _found(street, "%") == {tickets["bin"].pk}  # a literal percent sign, not a wildcard
    assert _found(street, "_") == set()
    assert _found(street, "   ") == set()
    assert query_terms(" 垃圾  垃圾 ABC ") == ["垃圾", "abc"]


def test_results_are_scoped_like_the_ticket_list(world: TicketWorld, tickets: dict[str, Ticket]) -> None:
    town = world.town
    assert _found(town.secretary, "垃圾") == {tickets["litter"].pk}  # 创举社区 only
    assert _found(town.outsider, "垃圾") == {tickets["bin"].pk}  # 白衣村 only
    assert _found(town.resident, "垃圾") == {tickets["litter"].pk}  # their own report
    assert _found(town.resident, "路灯") == set()
    assert _found(town.nobody, "垃圾") == set()
    assert _found(town.street, "垃圾", under=town.other_village) == {tickets["bin"].pk}
    found = list(ticket_search_for(user=town.street, q="垃圾"))
    assert [t.pk for t in found] == sorted((t.pk for t in found), reverse=True)  # newest first
    assert [t.pk for t in ticket_search_for(user=town.street, q="垃圾", limit=1)] == [found[0].pk]


def test_the_index_follows_edits_and_deletes(world: TicketWorld, tickets: dict[str, Ticket]) -> None:
    street = world.town.street
    Ticket.objects.filter(pk=tickets["light"].pk).update(title="照明故障", text="灯坏了")
    assert _found(street, "路灯") == set()
    assert _found(street, "照明故障") == {tickets["light"].pk}
    assert _found(street, "灯坏") == {tickets["light"].pk}
    tickets["bin"].events.all().delete()
    Ticket.objects.filter(pk=tickets["bin"].pk).delete()
    assert _found(street, "垃圾桶") == set()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite trigger repair")
def test_sqlite_triggers_come_back_after_a_table_rebuild(
    world: TicketWorld, tickets: dict[str, Ticket]
) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER ticket_search_ai")  # what a copy-and-rename migration does
    assert repair_search_objects(connection) is True
    assert repair_search_objects(connection) is False
    town = world.town
    new = ticket_create(actor=town.resident, channel=Channel.RESIDENT, text="电梯困人了快来", now=NOW)
    assert _found(town.street, "电梯困人") == {new.pk}
    assert _found(town.street, "垃圾桶") == {tickets["bin"].pk}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL indexes")
def test_postgresql_plans_use_the_search_indexes(world: TicketWorld, tickets: dict[str, Ticket]) -> None:
    from django.db import connection as pg

    with pg.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # leaves bitmap scans of the GIN indexes
        cursor.execute("SELECT sanzhi_bigrams('楼下 垃圾A')")
        assert {"楼下", "下 ", " 垃", "垃圾", "圾a"} <= set(cursor.fetchone()[0])
    for q, index in (("垃圾", "ticket_search_bigram_idx"), ("垃圾桶", "ticket_search_trgm_idx")):
        plan = Ticket.objects.filter(term_filter(q)).explain()
        assert index in plan, plan
