"""The index range that replaces LIKE 'path%' must select exactly the same rows, on both databases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanzhi.accounts.models import RoleAssignment
from sanzhi.core.fields import subtree_q
from sanzhi.core.testing import Town

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
segment = st.text(alphabet=ALPHABET, min_size=4, max_size=4)
paths = st.lists(segment, min_size=1, max_size=4).map("".join)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None)
@given(stored=st.lists(paths, min_size=1, max_size=25, unique=True), prefix=paths)
def test_range_selects_exactly_the_prefix(stored: list[str], prefix: str) -> None:
    # Role assignments carry a PathField copy; their node is irrelevant to the filter.
    from sanzhi.accounts.models import User
    from sanzhi.grids.models import Node

    node = Node.objects.create(
        path="ZZZZ", depth=1, code="999999000000", code_edition=2026, name="n", kind="county"
    )
    user = User.objects.create(username="u")
    rows = [RoleAssignment(user=user, role=f"r{i}", node=node, node_path=p) for i, p in enumerate(stored)]
    RoleAssignment.objects.bulk_create(rows)
    by_range = set(
        RoleAssignment.objects.filter(subtree_q("node_path", prefix)).values_list("node_path", flat=True)
    )
    assert by_range == {p for p in stored if p.startswith(prefix)}
    RoleAssignment.objects.all().delete()
    user.delete()
    node.delete()


def test_scope_filter_uses_the_range(town: Town) -> None:
    from sanzhi.accounts.roles import Capability
    from sanzhi.accounts.scoping import scope_for

    sql = str(RoleAssignment.objects.filter(scope_for(town.secretary, Capability.VIEW_REGISTRY).q()).query)
    assert "LIKE" not in sql.upper()
