from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.utils import timezone

from sanzhi.accounts.models import RoleAssignment, User
from sanzhi.accounts.roles import Role
from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town
from sanzhi.demo.guard import database_state
from sanzhi.demo.town import DEMO_LOGINS, DEMO_PASSWORD
from sanzhi.grids.models import GridScheme, Node, PartyOrganization
from sanzhi.grids.selectors import subtree_totals
from sanzhi.people.models import Household, Resident
from sanzhi.people.selectors import household_list_for, resident_list_for
from sanzhi.points.models import Board, Entry, Goods, Redemption, Scheme, StarHolding
from sanzhi.points.reconcile import reconcile, verify
from sanzhi.points.selectors import account_list_for, pending_claims_for
from sanzhi.reports.rollups import kpi_differences
from sanzhi.tickets.models import (
    Category,
    Department,
    DepartmentMember,
    Rating,
    Ticket,
    TicketEscalation,
    TicketEvent,
)
from sanzhi.tickets.selectors import ticket_list_for
from sanzhi.tickets.states import OPEN_STATES, State


def _login(username: str) -> User:
    user = authenticate(None, username=username, password=DEMO_PASSWORD)
    assert user is not None, username
    return user


@pytest.mark.django_db(transaction=False)
def test_demo_builds_a_realistic_town_then_resets(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo")
    out = capsys.readouterr().out
    assert all(name in out for name in DEMO_LOGINS) and DEMO_PASSWORD in out

    county = Node.objects.get(code="511923000000")
    assert Node.objects.filter(kind="township").count() == 2
    assert Node.objects.filter(kind="village").count() == 6
    assert Node.objects.filter(kind="grid", grid_level=1).count() == 60
    assert 360 <= Node.objects.filter(kind="grid", grid_level=2).count() <= 430
    totals = subtree_totals(county)
    assert 7000 <= totals.households <= 9000 and totals.households == Household.objects.count()
    assert 19000 <= totals.residents <= 25000 and totals.residents == Resident.objects.count()
    assert Node.objects.find_problems() == ([], [], [], [], [])
    # Coverage has something to show: waiting households, micro-grids without a rep.
    assert Household.objects.filter(node__kind="village").exists()
    micros = set(Node.objects.filter(kind="grid", grid_level=2).values_list("pk", flat=True))
    with_rep = set(RoleAssignment.objects.filter(role=Role.HOUSEHOLD_REP).values_list("node_id", flat=True))
    assert 0 < len(micros - with_rep) < 10
    assert GridScheme.objects.count() == 2
    kinds = set(PartyOrganization.objects.values_list("kind", flat=True))
    assert kinds == {"committee", "general_branch", "branch", "group", "central_household"}
    members = Resident.objects.filter(political_status__in=["01", "02"])
    assert 0.05 < members.count() / totals.residents < 0.11
    assert not members.filter(party_org__isnull=True, node_path__regex=r"^.{20}").exists()
    assert RoleAssignment.objects.filter(role=Role.GRID_WORKER).count() >= 60

    for username, (role, code, _where) in DEMO_LOGINS.items():
        user = _login(username)
        assert not user.is_superuser
        assert RoleAssignment.objects.filter(user=user, role=role, node__code=code).exists()
    assert household_list_for(user=_login("demo-gridworker")).count() > 100
    assert household_list_for(user=_login("demo-rep")).count() >= 15
    resident_user = _login("demo-resident")
    own = Resident.objects.get(user=resident_user)
    own_household = list(own.household.members.order_by("node_path", "id"))
    assert list(resident_list_for(user=resident_user)) == own_household
    street_total = subtree_totals(Node.objects.get(code="511923001000")).households
    assert household_list_for(user=_login("demo-street")).count() == street_total
    # Staff accounts cannot log in: only the 8 demo logins have a password.
    assert not User.objects.get(username__startswith="demo-gw-511923001001001").has_usable_password()

    _check_tickets()
    _check_points()

    call_command("demo")  # already the demo: nothing rebuilt
    assert AuditEvent.objects.filter(action="demo.build").count() == 1
    first_ids = set(Household.objects.values_list("pk", flat=True)[:10])
    categories = Category.objects.count()
    call_command("demo", reset=True, tickets=40)
    # The category tree is the deployment's: kept, linked again to the rebuilt departments.
    assert Category.objects.count() == categories
    assert Category.objects.filter(department__code="demo-urban").exists()
    assert 40 <= Ticket.objects.count() < 60
    assert database_state().kind == "demo"
    assert Household.objects.count() == totals.households
    assert not first_ids & set(Household.objects.values_list("pk", flat=True))
    assert User.objects.filter(username="demo-admin").count() == 1
    assert Node.objects.find_problems() == ([], [], [], [], [])


def _check_points() -> None:
    """Three published schemes in three places, a quarter of deeds through the review, stars, the
    quarter's lists, a stocked supermarket — and what the demo logins find."""
    schemes = {s.template: s for s in Scheme.objects.select_related("node")}
    assert set(schemes) == {"daode_bank", "shixing", "houma_grid"}
    assert len({s.node_id for s in schemes.values()}) == 3
    assert reconcile() == [] and verify() == []
    entries = Entry.objects.all()
    kinds = set(entries.values_list("kind", flat=True))
    assert kinds >= {"base", "award", "approval", "rejection", "redemption", "refund"}
    assert entries.filter(kind="approval", council="道德评议会").exists()
    assert StarHolding.objects.filter(account__scheme=schemes["shixing"]).exists()
    assert Board.objects.filter(kind="red").exists() and Board.objects.filter(kind="black").exists()
    states = set(Redemption.objects.values_list("state", flat=True))
    assert states == {"placed", "picked_up", "cancelled"}
    assert Goods.objects.filter(donor__isnull=False).exists()
    now = timezone.now()
    assert not entries.filter(recorded_at__gt=now).exists()

    resident = _login("demo-resident")
    own = account_list_for(user=resident)
    assert own.count() == 1 and own.get().scheme == schemes["daode_bank"]
    assert entries.filter(account=own.get(), kind="approval").exists()
    secretary = _login("demo-secretary")
    assert pending_claims_for(user=secretary, scheme=schemes["daode_bank"]).exists()
    assert account_list_for(user=_login("demo-gridworker"), scheme=schemes["houma_grid"]).exists()
    assert entries.filter(recorded_by=_login("demo-rep")).exists()


def _check_tickets() -> None:
    """A quarter of demands through every state, escalations, ratings, duplicates — and what each
    demo login finds in its scope on first run."""
    tickets = Ticket.objects.all()
    assert 550 <= tickets.count() <= 700
    assert set(tickets.values_list("state", flat=True)) == set(State.values)
    assert {"community", "street", "department"} <= set(
        TicketEscalation.objects.values_list("to_level", flat=True)
    )
    actions = set(TicketEvent.objects.values_list("action", flat=True))
    assert actions >= {
        "report", "register", "dispatch", "accept", "resolve", "answer", "verify", "reject", "rate",
        "return", "transfer", "suspend", "resume", "void", "merge", "escalate", "reopen",
    }  # fmt: skip
    assert tickets.filter(reopens=1, state=State.RATED).exists()
    assert tickets.filter(party_run=True).exists()
    assert not tickets.filter(state=State.MERGED, merged_into__isnull=True).exists()
    assert AuditEvent.objects.filter(action="ticket.void").count() == tickets.filter(state=State.VOID).count()
    rated = tickets.filter(state=State.RATED)
    assert rated.filter(rating=Rating.SATISFIED).count() > 0.7 * rated.count()
    assert tickets.filter(is_consultation=True, state=State.RATED).exists()
    # The quarter: the last 90 days, nothing in the future; clocks and events agree with the tickets.
    now = timezone.now()
    assert not TicketEvent.objects.filter(at__gt=now).exists()
    assert tickets.filter(created_at__lt=now - dt.timedelta(days=85)).exists()
    for ticket in tickets.filter(state__in=[State.RATED, State.CLOSED]).order_by("?")[:20]:
        assert ticket.closed_at is not None and ticket.resolved_at is not None
        assert ticket.events.order_by("-id").values_list("to_state", flat=True)[0] == ticket.state
    assert kpi_differences() == []
    # Departments at the county; demo-dept is in 城管局.
    assert set(Department.objects.values_list("name", flat=True)) >= {
        "城管局",
        "住建局",
        "水务局",
        "民政局",
        "公安分局",
    }
    assert Department.objects.filter(node__code="511923000000").count() == Department.objects.count()

    resident = _login("demo-resident")
    own = ticket_list_for(user=resident, reported_by_me=True)
    assert own.count() >= 5 and own.filter(state=State.CLOSED).exists()
    assert ticket_list_for(user=resident).count() == own.count()
    gridworker = _login("demo-gridworker")
    queue = ticket_list_for(user=gridworker, states=sorted(OPEN_STATES), assigned_to_me=True)
    assert queue.filter(state=State.DISPATCHED).exists() and queue.filter(state=State.IN_PROGRESS).exists()
    assert ticket_list_for(user=gridworker).count() > 10
    dept = _login("demo-dept")
    assert DepartmentMember.objects.filter(user=dept, department__name="城管局").exists()
    held = ticket_list_for(user=dept, department=Department.objects.get(name="城管局"))
    assert held.filter(state=State.IN_PROGRESS, assignee=dept).exists()
    assert held.filter(state=State.RATED).exists()
    street_path = Node.objects.get(code="511923001000").path
    in_street = tickets.filter(node_path__startswith=street_path).count()
    assert ticket_list_for(user=_login("demo-street")).count() >= in_street > 100


def test_demo_refuses_a_database_with_real_data(town: Town) -> None:
    before = (Node.objects.count(), Household.objects.count(), User.objects.count())
    with pytest.raises(CommandError, match="示范"):
        call_command("demo")
    with pytest.raises(CommandError, match="Refusing"):
        call_command("demo", reset=True)
    assert (Node.objects.count(), Household.objects.count(), User.objects.count()) == before


def test_demo_refuses_when_a_real_account_joined_the_demo(db: None) -> None:
    AuditEvent.objects.create(action="demo.build", subject_type="demo")
    User.objects.create_user(username="demo-admin", password="x")
    assert database_state().kind == "demo"
    User.objects.create_user(username="wangwu", password="x")
    state = database_state()
    assert state.kind == "foreign" and "wangwu" in state.reason
    with pytest.raises(CommandError):
        call_command("demo", reset=True)
    assert User.objects.filter(username="wangwu").exists()


def test_demo_logins_only(db: None, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("demo", logins=True)
    out = capsys.readouterr().out
    assert "demo-council" in out and not Node.objects.exists()
