import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanzhi.tickets import services as s
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel

START = dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _count(ctx):
    q = [x["sql"] for x in ctx.captured_queries]
    return sum(1 for x in q if "reports_ticket" in x and x.lstrip().upper().startswith(("INSERT", "WITH"))), len(q)


def test_count(world):
    town = world.town
    with CaptureQueriesContext(connection) as c:
        t = ticket_create(actor=None, channel=Channel.HOTLINE, text="甲", node=town.micro, now=START)
    print("\nSTMT create", _count(c))
    with CaptureQueriesContext(connection) as c:
        s.ticket_register(actor=None, ticket=t, category=world.litter, now=START)
    print("STMT register (category set)", _count(c))
    with CaptureQueriesContext(connection) as c:
        s.ticket_dispatch(actor=None, ticket=t, target=s.Target(user=town.sysadmin), now=START)
    print("STMT dispatch", _count(c))
    with CaptureQueriesContext(connection) as c:
        s.ticket_accept(actor=None, ticket=t, now=START)
    print("STMT accept", _count(c))
