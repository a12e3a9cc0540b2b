from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

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

    call_command("demo")  # already the demo: nothing rebuilt
    assert AuditEvent.objects.filter(action="demo.build").count() == 1
    first_ids = set(Household.objects.values_list("pk", flat=True)[:10])
    call_command("demo", reset=True)
    assert database_state().kind == "demo"
    assert Household.objects.count() == totals.households
    assert not first_ids & set(Household.objects.values_list("pk", flat=True))
    assert User.objects.filter(username="demo-admin").count() == 1
    assert Node.objects.find_problems() == ([], [], [], [], [])


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
