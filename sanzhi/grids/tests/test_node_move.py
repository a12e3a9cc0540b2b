"""重新划格: moving a subtree re-issues codes and carries every path copy, so scope follows the move."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanzhi.accounts.models import RoleAssignment, User
from sanzhi.core.errors import ValidationFailed
from sanzhi.core.testing import Town
from sanzhi.grids.models import Node, NodeCodeChange
from sanzhi.grids.selectors import subtree_totals
from sanzhi.grids.services import node_create, node_move
from sanzhi.people.models import Household, PiiAccess, Resident
from sanzhi.people.selectors import household_list_for
from sanzhi.people.services import household_create, pii_reveal_log


def fresh(node: Node) -> Node:
    return Node.objects.get(pk=node.pk)


def user(name: str) -> User:
    return User.objects.get(username=name)  # a new object: no cached assignments


def assert_copies_consistent() -> None:
    paths = dict(Node.objects.values_list("pk", "path"))
    for node_id, node_path in Household.objects.values_list("node_id", "node_path"):
        assert node_path == paths[node_id]
    for household_path, node_path in Resident.objects.values_list("household__node_path", "node_path"):
        assert node_path == household_path
    for node_id, node_path in RoleAssignment.objects.values_list("node_id", "node_path"):
        assert node_path == paths[node_id]


def assert_rollups_exact() -> None:
    for node in Node.objects.all():
        real = Household.objects.filter(node_path__startswith=node.path).count()
        assert subtree_totals(node).households == real, node.code
        real_residents = Resident.objects.filter(node_path__startswith=node.path).count()
        assert subtree_totals(node).residents == real_residents, node.code


def test_move_grid_reissues_codes_and_carries_scope(town: Town) -> None:
    old_codes = {town.grid.code, town.micro.code, town.micro2.code}
    pii_reveal_log(
        actor=town.gridworker, residents=[town.residents["zhang"]], reason="入户走访", channel="web"
    )

    moved = node_move(actor=town.sysadmin, node=town.grid, new_parent=town.other_village, edition=2025)

    # 白衣村 already has grid 001, so the suffix 001 is not free: the next free one is issued.
    assert moved.code == "511923100202002"
    assert fresh(town.micro).code == "511923100202002001"
    assert fresh(town.micro2).code == "511923100202002002"
    assert fresh(town.micro).code_edition == 2025
    changes = dict(NodeCodeChange.objects.values_list("old_code", "new_code"))
    assert set(changes) == old_codes
    assert changes["511923100201001001"] == "511923100202002001"

    assert_copies_consistent()
    assert PiiAccess.objects.get().node_path == fresh(town.micro).path  # every PathField follows
    h1 = Household.objects.get(pk=town.households["h1"].pk)
    assert h1.node_path.startswith(fresh(town.other_village).path)

    # Scope follows the move: the grid worker of the moved grid still sees its households, the old
    # village's secretary no longer does, the new village's chief now does.
    assert user("gridworker").has_perm("people.view", h1)
    assert set(household_list_for(user=user("gridworker"))) == {h1, town.households["h2"]}
    assert not user("secretary").has_perm("people.view", h1)
    assert h1 not in set(household_list_for(user=user("secretary")))
    assert user("outsider").has_perm("people.view", h1)
    assert user("rep").has_perm("people.view", h1)

    assert subtree_totals(fresh(town.village)).households == 0
    assert subtree_totals(fresh(town.other_village)).households == 3
    assert subtree_totals(fresh(town.township)).households == 3
    assert_rollups_exact()


def test_move_keeps_suffix_when_free(town: Town) -> None:
    grid2 = Node.objects.get(code="511923100201002")
    moved = node_move(actor=None, node=grid2, new_parent=town.other_village)
    assert moved.code == "511923100202002"
    assert Node.objects.get_children(Node.objects.get(pk=grid2.pk))[0].code == "511923100202002001"


def test_move_grid_down_a_level_shifts_grid_levels(town: Town) -> None:
    grid2 = Node.objects.get(code="511923100201002")
    moved = node_move(actor=None, node=grid2, new_parent=town.grid)
    assert moved.grid_level == 2
    assert moved.code == "511923100201001003"  # 002 is taken by 2号楼联户单元
    child = Node.objects.get_children(moved)[0]
    assert child.grid_level == 3 and child.code.startswith(moved.code)
    assert_copies_consistent()


def test_move_into_own_subtree_refused(town: Town) -> None:
    with pytest.raises(ValidationFailed) as exc:
        node_move(actor=None, node=town.grid, new_parent=town.micro)
    assert exc.value.code == "move_into_self"
    with pytest.raises(ValidationFailed):
        node_move(actor=None, node=town.grid, new_parent=town.grid)
    assert fresh(town.grid).path == town.grid.path


def test_grid_cannot_move_under_a_township(town: Town) -> None:
    with pytest.raises(ValidationFailed) as exc:
        node_move(actor=None, node=town.grid, new_parent=town.township)
    assert exc.value.code == "bad_move_target"


def test_move_to_current_parent_is_a_no_op(town: Town) -> None:
    moved = node_move(actor=None, node=town.grid, new_parent=town.village)
    assert moved.code == town.grid.code and moved.path == town.grid.path
    assert not NodeCodeChange.objects.exists()


def test_admin_move_needs_new_code(town: Town) -> None:
    township2 = node_create(actor=None, parent=town.county, code="511923101000", name="白衣镇")
    with pytest.raises(ValidationFailed) as exc:
        node_move(actor=None, node=town.other_village, new_parent=township2)
    assert exc.value.code == "new_code_required"
    with pytest.raises(ValidationFailed):  # the code must belong to the new township
        node_move(actor=None, node=town.other_village, new_parent=township2, new_code="511923100209")


def test_admin_move_reissues_every_descendant_code(town: Town) -> None:
    """区划调整: a village moving to another township gets a new code, and so does every grid below."""
    township2 = node_create(actor=None, parent=town.county, code="511923101000", name="白衣镇")
    moved = node_move(actor=None, node=town.village, new_parent=township2, new_code="511923101201")
    codes = sorted(Node.objects.filter(path__startswith=moved.path).values_list("code", flat=True))
    assert codes == [
        "511923101201",
        "511923101201001",
        "511923101201001001",
        "511923101201001002",
        "511923101201002",
        "511923101201002001",
    ]
    assert NodeCodeChange.objects.count() == 6
    assert_copies_consistent()
    assert_rollups_exact()


def test_a_move_that_would_make_codes_too_long_is_refused(town: Town) -> None:
    # Grid levels nested under 创举社区's first grid down to 27 digits; 第二网格 (15 digits, with a
    # micro-grid of 18) would need 30 and 33 there: more than a code holds.
    parent = town.grid
    for i in range(4):
        parent = node_create(actor=None, parent=parent, code=f"{parent.code}{i + 3:03d}", name=f"深{i}")
    assert len(parent.code) == 27
    second = Node.objects.get(code="511923100201002")
    with pytest.raises(ValidationFailed) as refused:
        node_move(actor=None, node=second, new_parent=parent)
    assert refused.value.code == "move_too_deep" and refused.value.data == {"length": 33, "max": 30}
    assert fresh(second).code == "511923100201002"


def test_township_move_recodes_villages(town: Town) -> None:
    county2 = node_create(actor=None, parent=None, code="511924000000", name="邻县")
    moved = node_move(actor=None, node=town.township, new_parent=county2, new_code="511924100000")
    assert fresh(town.village).code == "511924100201"
    assert fresh(town.other_micro).code == "511924100202001001"
    assert moved.code == "511924100000"
    assert_copies_consistent()


# -- property: random sequences of moves keep every path copy and rollup exact -----------------------


class _Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=6))
def test_property_random_moves_keep_paths_and_totals(moves: list[tuple[int, int]]) -> None:
    try:
        with transaction.atomic():
            from sanzhi.core.testing import build_town

            town = build_town()
            # a little more to move around
            extra = node_create(
                actor=None, parent=town.other_village, code="511923100202002", name="白衣二组"
            )
            household_create(actor=None, node=extra, address="白衣村二组1号")
            household_create(actor=None, node=town.village, address="创举社区待划格")
            for a, b in moves:
                grids = list(Node.objects.filter(kind="grid").order_by("pk"))
                targets = list(Node.objects.filter(kind__in=["grid", "village"]).order_by("pk"))
                node, target = grids[a % len(grids)], targets[b % len(targets)]
                deepest = max(
                    len(c)
                    for c in Node.objects.filter(path__startswith=node.path).values_list("code", flat=True)
                )
                too_deep = len(target.code) + 3 + deepest - len(node.code) > 30
                if target.path.startswith(node.path) or too_deep:
                    with pytest.raises(ValidationFailed):
                        node_move(actor=None, node=node, new_parent=target)
                else:
                    node_move(actor=None, node=node, new_parent=target)
                assert_copies_consistent()
                assert_rollups_exact()
                codes = list(Node.objects.values_list("code", flat=True))
                assert len(codes) == len(set(codes))
                for n in Node.objects.filter(kind="grid"):
                    parent = Node.objects.get_parent(n)
                    assert n.code.startswith(parent.code) and len(n.code) == len(parent.code) + 3
                    assert n.grid_level == (parent.grid_level + 1)
            raise _Rollback
    except _Rollback:
        pass


def test_tree_writes_need_manage_scope(town: Town) -> None:
    from sanzhi.core.errors import Forbidden
    from sanzhi.grids.services import node_update, scheme_set

    with pytest.raises(Forbidden):
        node_create(actor=town.secretary, parent=town.village, code="511923100201003", name="三网格")
    with pytest.raises(Forbidden):  # nobody below the top may add a root
        node_create(actor=town.street, parent=None, code="511924000000", name="邻县")
    with pytest.raises(Forbidden):
        node_update(actor=town.gridworker, node=town.grid, name="改名")
    with pytest.raises(Forbidden):
        scheme_set(
            actor=town.outsider,
            node=town.other_village,
            name="方案",
            rep_min_households=1,
            rep_max_households=9,
        )
    with pytest.raises(Forbidden):
        node_move(actor=town.secretary, node=town.grid, new_parent=town.other_village)
    assert fresh(town.grid).name == "第一网格" and fresh(town.grid).path == town.grid.path
    # the street admin manages the whole township
    created = node_create(actor=town.street, parent=town.village, code="511923100201003", name="三网格")
    moved = node_move(actor=town.street, node=created, new_parent=town.other_village)
    assert moved.code == "511923100202003"
