"""The role × capability matrix, one test per cell (adhocracy4's habit), plus scopes and 404 semantics.

Every role is held at 创举社区; the object inside scope lives in its micro-grid, the object outside
lives in 白衣村. ``has_perm`` inside must equal the matrix; outside it is False for every role —
only a superuser (the installation's owner) sees everything.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from sanzhi.accounts.models import User
from sanzhi.accounts.roles import GRANTS, Capability, Role, roles_granting
from sanzhi.accounts.scoping import minimal_paths, scope_for
from sanzhi.core.errors import NotFound
from sanzhi.core.testing import Town, make_user
from sanzhi.grids.selectors import node_children_for, node_get_for
from sanzhi.people.models import Household
from sanzhi.people.selectors import household_get_for, household_list_for, resident_get_for, resident_list_for

CELLS = [(role, cap) for role in GRANTS for cap in Capability.values]


def _objects_inside(town: Town) -> list[Any]:
    return [town.households["h1"], town.residents["zhang"], town.micro, town.village]


def _objects_outside(town: Town) -> list[Any]:
    return [town.households["h3"], town.residents["liu"], town.other_micro, town.other_village, town.township]


def test_matrix_covers_every_role() -> None:
    assert set(GRANTS) == set(Role.values)
    assert GRANTS[Role.SYSTEM_ADMIN] == frozenset(Capability.values)


@pytest.mark.parametrize(("role", "capability"), CELLS, ids=[f"{r}-{c}" for r, c in CELLS])
def test_role_capability_cell(town: Town, role: str, capability: str) -> None:
    user = make_user(f"cell_{role}", (role, town.village))
    expected = capability in GRANTS[role]
    for obj in _objects_inside(town):
        assert user.has_perm(capability, obj) is expected, obj
    for obj in _objects_outside(town):
        assert user.has_perm(capability, obj) is False, obj
    assert user.has_perm(capability) is expected  # "anywhere in my scope?"
    assert (role in roles_granting(capability)) is expected


@pytest.mark.parametrize("capability", Capability.values)
def test_superuser_holds_everything_everywhere(town: Town, capability: str) -> None:
    root = make_user("root", superuser=True)
    for obj in _objects_inside(town) + _objects_outside(town):
        assert root.has_perm(capability, obj)


@pytest.mark.parametrize("capability", Capability.values)
def test_inactive_anonymous_and_roleless_hold_nothing(town: Town, capability: str) -> None:
    inactive = make_user("gone", (Role.SYSTEM_ADMIN, town.county))
    inactive.is_active = False
    inactive.save()
    for user in (inactive, AnonymousUser(), town.nobody):
        for obj in _objects_inside(town):
            assert not user.has_perm(capability, obj)
        assert scope_for(user, capability).empty


def test_scope_is_the_union_of_assignments(town: Town) -> None:
    user = make_user("two_hats", (Role.GRID_WORKER, town.grid), (Role.GRID_CHIEF, town.other_village))
    registry = scope_for(user, Capability.VIEW_REGISTRY)
    assert registry.paths == tuple(sorted([town.grid.path, town.other_village.path]))
    assert set(household_list_for(user=user)) == set(town.households.values())
    assert user.has_perm(Capability.REVEAL_PII, town.households["h1"])
    assert user.has_perm(Capability.REVEAL_PII, town.households["h3"])
    # sensitive tags only where the chief role is held
    assert not user.has_perm(Capability.VIEW_SENSITIVE, town.households["h1"])
    assert user.has_perm(Capability.VIEW_SENSITIVE, town.households["h3"])
    # a grid outside both assignments stays out
    waiting = Household(node_path=town.village.path, address="创举社区待划格")
    assert not user.has_perm(Capability.VIEW_REGISTRY, waiting)


def test_nested_assignments_collapse_to_the_higher_one(town: Town) -> None:
    user = make_user("nested", (Role.GRID_WORKER, town.micro), (Role.GRID_CHIEF, town.village))
    assert scope_for(user, Capability.VIEW_REGISTRY).paths == (town.village.path,)


def test_minimal_paths() -> None:
    assert minimal_paths([]) == ()
    assert minimal_paths(["0001", "00010002", "0002", "00010002"]) == ("0001", "0002")
    assert minimal_paths({"000100010002", "00010001", "00010002"}) == ("00010001", "00010002")
    # a sibling is kept even though it sorts between an ancestor and its descendant
    assert minimal_paths(["00010001", "000100010001", "00010002", "000100020005"]) == ("00010001", "00010002")
    assert minimal_paths(["00020001", "00010001"]) == ("00010001", "00020001")


def test_out_of_scope_selectors_are_not_found(town: Town) -> None:
    outsider = town.outsider  # chief of 白衣村
    with pytest.raises(NotFound):
        node_get_for(user=outsider, code=town.micro.code)
    with pytest.raises(NotFound):
        node_children_for(user=outsider, node=town.grid)
    with pytest.raises(NotFound):
        household_get_for(user=outsider, pk=town.households["h1"].pk)
    with pytest.raises(NotFound):
        resident_get_for(user=outsider, pk=town.residents["zhang"].pk)
    # the same 404 for an id that does not exist at all: existence is not disclosed
    with pytest.raises(NotFound) as missing:
        household_get_for(user=outsider, pk=10**9)
    with pytest.raises(NotFound) as hidden:
        household_get_for(user=outsider, pk=town.households["h1"].pk)
    assert missing.value.message == hidden.value.message
    # inside scope the same selectors answer
    assert household_get_for(user=outsider, pk=town.households["h3"].pk) == town.households["h3"]
    assert node_get_for(user=outsider, code=town.other_micro.code) == town.other_micro


@pytest.mark.parametrize("persona", ["dept", "council"])
def test_tree_only_roles_see_no_people(town: Town, persona: str) -> None:
    user: User = town.users[persona]
    assert node_get_for(user=user, code=town.micro.code) == town.micro
    assert list(household_list_for(user=user)) == []
    with pytest.raises(NotFound):
        household_get_for(user=user, pk=town.households["h1"].pk)


def test_resident_sees_only_own_household(town: Town) -> None:
    resident = town.resident
    assert list(household_list_for(user=resident)) == [town.households["h1"]]
    assert set(resident_list_for(user=resident)) == {town.residents["zhang"], town.residents["zhang_wife"]}
    assert household_get_for(user=resident, pk=town.households["h1"].pk) == town.households["h1"]
    with pytest.raises(NotFound):
        household_get_for(user=resident, pk=town.households["h2"].pk)  # the next building's household
    with pytest.raises(NotFound):
        resident_get_for(user=resident, pk=town.residents["wang"].pk)
    # the resident role grants no registry capability, even on their own household
    assert not resident.has_perm(Capability.VIEW_REGISTRY, town.households["h1"])
    assert not resident.has_perm(Capability.REVEAL_PII, town.residents["zhang"])


def test_household_rep_sees_masked_registry_of_their_unit_only(town: Town) -> None:
    rep = town.rep
    assert set(household_list_for(user=rep)) == {town.households["h1"]}
    assert not rep.has_perm(Capability.REVEAL_PII, town.residents["zhang"])
    with pytest.raises(NotFound):
        household_get_for(user=rep, pk=town.households["h2"].pk)
