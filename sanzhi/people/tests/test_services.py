from __future__ import annotations

import datetime as dt

import pytest

from sanzhi.core.errors import Conflict, Forbidden, ValidationFailed
from sanzhi.core.testing import Town, make_resident
from sanzhi.grids.models import Node
from sanzhi.grids.selectors import subtree_totals
from sanzhi.people.codes import IdType, Relation
from sanzhi.people.idnumber import make_id_number
from sanzhi.people.models import Household, PiiAccess, Resident
from sanzhi.people.services import household_create, household_move, pii_reveal_log, resident_create


def _real_counts(node: Node) -> tuple[int, int]:
    return (
        Household.objects.filter(node_path__startswith=node.path).count(),
        Resident.objects.filter(node_path__startswith=node.path).count(),
    )


def test_resident_fields_derive_from_the_id_number(town: Town) -> None:
    number = make_id_number("511923", dt.date(1990, 3, 7), 123)
    person = resident_create(
        actor=town.gridworker,
        household=town.households["h1"],
        name=" 张　小明 ",
        id_number=number.lower()[:-1] + number[-1].lower(),
        relation=Relation.SON,
        phone="１３９ ００００ ００９９",
    )
    assert person.name == "张 小明"
    assert person.birth_date == dt.date(1990, 3, 7)
    assert person.sex == "M"  # 17th digit 3 is odd
    assert person.phone == "+8613900000099"
    assert person.id_type == IdType.RESIDENT_ID
    assert person.node_path == town.households["h1"].node_path


def test_hk_macau_permit_is_recorded_as_such(town: Town) -> None:
    number = make_id_number("810000", dt.date(1985, 1, 1), 42)
    person = resident_create(
        actor=None, household=town.households["h2"], name="陈家明", id_number=number, relation=Relation.SPOUSE
    )
    assert person.id_type == IdType.HK_MACAU_PERMIT


@pytest.mark.parametrize(
    ("id_number", "code"),
    [
        ("", "id_required"),
        ("51192319900307123", "id_length"),
        (make_id_number("511923", dt.date(1990, 3, 7), 123)[:-1] + "5", "id_checksum"),
    ],
)
def test_bad_id_numbers_are_refused_and_nothing_is_written(town: Town, id_number: str, code: str) -> None:
    before = Resident.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        resident_create(
            actor=None,
            household=town.households["h1"],
            name="某人",
            id_number=id_number,
            relation=Relation.SON,
        )
    assert caught.value.code == code
    assert Resident.objects.count() == before
    assert subtree_totals(town.county).residents == before


def test_duplicate_id_number_and_second_head_conflict(town: Town) -> None:
    zhang = town.residents["zhang"]
    with pytest.raises(Conflict) as dup:
        resident_create(
            actor=None,
            household=town.households["h2"],
            name="冒名",
            id_number=zhang.id_number,
            relation=Relation.SON,
        )
    assert dup.value.code == "id_number_taken"
    with pytest.raises(Conflict) as head:
        make_resident(town.households["h1"], "第二户主", Relation.HEAD)
    assert head.value.code == "head_exists"


def test_household_needs_a_node_that_can_hold_it(town: Town) -> None:
    with pytest.raises(ValidationFailed) as caught:
        household_create(actor=None, node=town.township, address="镇政府大院")
    assert caught.value.code == "bad_household_node"
    with pytest.raises(ValidationFailed):
        household_create(actor=None, node=town.micro, address="   ")


def test_writes_need_the_edit_capability_in_scope(town: Town) -> None:
    with pytest.raises(Forbidden):
        household_create(actor=town.outsider, node=town.micro, address="外村人代登记")
    with pytest.raises(Forbidden):
        household_create(actor=town.rep, node=town.micro, address="联户长无维护权")
    created = household_create(actor=town.gridworker, node=town.micro, address="1号楼303")
    assert created.node_path == town.micro.path


def test_household_move_carries_members_and_counters(town: Town) -> None:
    h1 = town.households["h1"]
    household_move(actor=town.street, household=h1, node=town.other_micro)
    h1.refresh_from_db()
    assert h1.node_id == town.other_micro.pk
    assert set(h1.members.values_list("node_path", flat=True)) == {town.other_micro.path}
    for node in (town.county, town.village, town.other_village, town.micro, town.other_micro):
        node.refresh_from_db()
        totals = subtree_totals(node)
        assert (totals.households, totals.residents) == _real_counts(node)


def test_household_move_outside_scope_is_forbidden(town: Town) -> None:
    with pytest.raises(Forbidden):
        household_move(actor=town.gridworker, household=town.households["h1"], node=town.other_micro)


def test_reveal_log_requires_a_reason(town: Town) -> None:
    zhang = town.residents["zhang"]
    with pytest.raises(ValidationFailed) as caught:
        pii_reveal_log(actor=town.gridworker, residents=[zhang], reason="  ", channel="web")
    assert caught.value.code == "reveal_reason_required"
    assert not PiiAccess.objects.exists()
    assert pii_reveal_log(actor=town.gridworker, residents=[zhang], reason="入户走访", channel="web") == 1
    entry = PiiAccess.objects.get()
    assert (entry.actor, entry.resident, entry.reason, entry.node_path) == (
        town.gridworker,
        zhang,
        "入户走访",
        zhang.node_path,
    )
