"""Node codes: 12-digit statistical division codes for administrative levels, +3 digits per grid level."""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from sanzhi.core.errors import Conflict, ValidationFailed
from sanzhi.core.testing import Town
from sanzhi.grids.codes import admin_kind_of, validate_code
from sanzhi.grids.models import Node
from sanzhi.grids.services import node_create


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("510000000000", "province"),
        ("511900000000", "city"),
        ("511923000000", "county"),
        ("511923100000", "township"),
        ("511923100201", "village"),
    ],
)
def test_admin_kind_from_trailing_zeros(code: str, kind: str) -> None:
    assert admin_kind_of(code) == kind


@pytest.mark.parametrize(
    ("code", "kind", "parent_code", "parent_kind"),
    [
        ("510000000000", "province", None, None),
        ("511900000000", "city", "510000000000", "province"),
        ("511923000000", "county", "511900000000", "city"),
        ("511923100000", "township", "511923000000", "county"),
        ("511923100201", "village", "511923100000", "township"),
        # a county directly under a province (直辖县级) shares only the province prefix
        ("429004000000", "county", "420000000000", "province"),
    ],
)
def test_valid_admin_codes(code: str, kind: str, parent_code: str | None, parent_kind: str | None) -> None:
    validate_code(code, kind=kind, parent_code=parent_code, parent_kind=parent_kind)


@pytest.mark.parametrize(
    ("code", "kind", "parent_code", "parent_kind"),
    [
        ("51192310020", "village", "511923100000", "township"),  # 11 digits
        ("5119231002011", "village", "511923100000", "township"),  # 13 digits
        ("51192310020A", "village", "511923100000", "township"),  # not digits
        ("511923100201", "township", "511923000000", "county"),  # level mismatch
        ("511924100201", "village", "511923100000", "township"),  # other county's prefix
        ("511923200201", "village", "511923100000", "township"),  # other township's prefix
        ("511923100000", "township", "511923100000", "township"),  # same level as parent
        ("511923100202", "village", "511923100201001", "grid"),  # admin under a grid
    ],
)
def test_invalid_admin_codes(code: str, kind: str, parent_code: str, parent_kind: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_code(code, kind=kind, parent_code=parent_code, parent_kind=parent_kind)
    assert exc.value.code == "bad_node_code"
    assert exc.value.message  # Chinese text, never empty


def test_grid_suffix_rules() -> None:
    validate_code("511923100201001", kind="grid", parent_code="511923100201", parent_kind="village")
    validate_code("511923100201001999", kind="grid", parent_code="511923100201001", parent_kind="grid")
    bad = [
        ("511923100201000", "511923100201", "village"),  # 000 is reserved for "no grid"
        ("51192310020101", "511923100201", "village"),  # only 2 digits
        ("5119231002010011", "511923100201", "village"),  # 4 digits
        ("511923100202001", "511923100201", "village"),  # another village's prefix
        ("511923100000001", "511923100000", "township"),  # a grid directly under a township
    ]
    for code, parent_code, parent_kind in bad:
        with pytest.raises(ValidationFailed):
            validate_code(code, kind="grid", parent_code=parent_code, parent_kind=parent_kind)
    with pytest.raises(ValidationFailed):
        validate_code("511923100201001", kind="grid", parent_code=None, parent_kind=None)


def test_codes_unique_and_edition_defaults_to_this_year(town: Town) -> None:
    assert town.micro.code_edition == timezone.localdate().year
    with pytest.raises(Conflict) as exc:
        node_create(actor=None, parent=town.grid, code="511923100201001001", name="重复")
    assert exc.value.code == "node_code_taken"
    dated = node_create(actor=None, parent=town.grid, code="511923100201001009", name="九号", edition=2020)
    assert dated.code_edition == 2020
    assert Node.objects.filter(code="511923100201001001").count() == 1


def test_node_create_rejects_a_code_that_does_not_fit(town: Town) -> None:
    before = Node.objects.count()
    with pytest.raises(ValidationFailed):
        node_create(actor=None, parent=town.village, code="511923100202001", name="错挂")
    with pytest.raises(ValidationFailed):
        node_create(actor=None, parent=town.village, code="511923100201001", name="  ")
    assert Node.objects.count() == before


# -- property: every code on a generated valid path validates; single-digit mutations are rejected ----

admin_chain = st.tuples(
    st.integers(11, 65), st.integers(1, 99), st.integers(1, 99), st.integers(1, 999), st.integers(1, 999)
)
grid_chain = st.lists(st.integers(1, 999), min_size=0, max_size=4)


def _path(admin: tuple[int, int, int, int, int], grids: list[int]) -> list[tuple[str, str]]:
    p, c, k, t, v = admin
    codes = [
        (f"{p:02d}0000000000", "province"),
        (f"{p:02d}{c:02d}00000000", "city"),
        (f"{p:02d}{c:02d}{k:02d}000000", "county"),
        (f"{p:02d}{c:02d}{k:02d}{t:03d}000", "township"),
        (f"{p:02d}{c:02d}{k:02d}{t:03d}{v:03d}", "village"),
    ]
    code = codes[-1][0]
    for g in grids:
        code += f"{g:03d}"
        codes.append((code, "grid"))
    return codes


@settings(max_examples=150, deadline=None)
@given(admin_chain, grid_chain)
def test_property_valid_paths_validate(admin: tuple[int, int, int, int, int], grids: list[int]) -> None:
    chain = _path(admin, grids)
    parent: tuple[str, str] | None = None
    for code, kind in chain:
        validate_code(
            code,
            kind=kind,
            parent_code=parent[0] if parent else None,
            parent_kind=parent[1] if parent else None,
        )
        parent = (code, kind)


@settings(max_examples=150, deadline=None)
@given(admin_chain, grid_chain, st.data())
def test_property_mutations_fail(
    admin: tuple[int, int, int, int, int], grids: list[int], data: st.DataObject
) -> None:
    chain = _path(admin, grids)
    i = data.draw(st.integers(1, len(chain) - 1), label="level")
    (parent_code, parent_kind), (code, kind) = chain[i - 1], chain[i]
    mutation = data.draw(st.sampled_from(["append", "drop", "letter", "prefix"]), label="mutation")
    if mutation == "append":
        bad = code + data.draw(st.sampled_from("0123456789"))
    elif mutation == "drop":
        bad = code[:-1]
    elif mutation == "letter":
        pos = data.draw(st.integers(0, len(code) - 1))
        bad = code[:pos] + "X" + code[pos + 1 :]
    else:
        # change a digit the code shares with its parent: it no longer belongs to that parent
        shared = {"city": 2, "county": 4, "township": 6, "village": 9}.get(kind, len(parent_code))
        pos = data.draw(st.integers(0, shared - 1))
        digit = str((int(code[pos]) + 1) % 10)
        bad = code[:pos] + digit + code[pos + 1 :]
    with pytest.raises(ValidationFailed):
        validate_code(bad, kind=kind, parent_code=parent_code, parent_kind=parent_kind)
