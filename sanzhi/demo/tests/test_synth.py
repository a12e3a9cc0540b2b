from __future__ import annotations

from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count

from sanzhi.core.testing import Town
from sanzhi.grids.codes import validate_code
from sanzhi.grids.models import Node
from sanzhi.grids.selectors import subtree_totals
from sanzhi.grids.services import node_create
from sanzhi.people.idnumber import check_id_number
from sanzhi.people.models import Household, Resident
from sanzhi.people.phones import check_phone


def _assert_registry_consistent() -> None:
    assert Node.objects.find_problems() == ([], [], [], [], [])
    households = dict(Household.objects.values("node").annotate(n=Count("id")).values_list("node", "n"))
    residents = dict(
        Resident.objects.values("household__node").annotate(n=Count("id")).values_list("household__node", "n")
    )
    for node in Node.objects.all():
        assert node.households_direct == households.get(node.pk, 0), node.code
        assert node.residents_direct == residents.get(node.pk, 0), node.code
    for node in Node.objects.exclude(depth=1):
        parent = Node.objects.get(path=node.path[: -Node.steplen])
        validate_code(node.code, kind=node.kind, parent_code=parent.code, parent_kind=parent.kind)
    assert not Household.objects.exclude(node_path__startswith="0").exists()
    for household in Household.objects.select_related("node")[:200]:
        assert household.node_path == household.node.path
    numbers = list(Resident.objects.values_list("id_number", flat=True))
    assert len(numbers) == len(set(numbers))
    for resident in Resident.objects.all():
        check = check_id_number(resident.id_number)
        assert check.ok, resident.id_number
        assert check.sex == resident.sex and check.birth_date == resident.birth_date
        assert resident.node_path
    phones = [p for p in Resident.objects.values_list("phone", flat=True) if p]
    assert len(phones) == len(set(phones))
    assert all(check_phone(p).value == p for p in phones)
    heads = Counter(Resident.objects.filter(relation="02").values_list("household_id", flat=True))
    assert set(heads.values()) == {1} and len(heads) == Household.objects.count()


def test_synth_into_county_builds_levels_and_exact_counters(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    county = node_create(actor=None, parent=None, code="511923000000", name="平昌县")
    call_command("synth", households=500, into=county.code, seed=7)
    assert Household.objects.count() == 500
    totals = subtree_totals(Node.objects.get(pk=county.pk))
    assert totals.households == 500 and totals.residents == Resident.objects.count()
    assert 2.2 < totals.residents / 500 < 3.2
    street = Node.objects.get(depth=2)
    assert street.code == "511923001000" and street.kind == "township"
    micros = Node.objects.filter(kind="grid", grid_level=2)
    assert all(15 <= m.households_direct <= 30 for m in micros)
    assert Node.objects.filter(kind="village").count() == 1
    _assert_registry_consistent()
    assert "500" in capsys.readouterr().out


def test_synth_continues_numbering_under_existing_nodes(town: Town) -> None:
    call_command("synth", households=120, into=town.village.code, seed=3, verbosity=0)
    new_grids = Node.objects.filter(
        path__startswith=town.village.path, depth=town.village.depth + 1
    ).order_by("code")
    assert [g.code[-3:] for g in new_grids][:3] == ["001", "002", "003"]
    call_command("synth", households=40, into=town.township.code, seed=4, verbosity=0)
    villages = Node.objects.filter(kind="village").order_by("code").values_list("code", flat=True)
    # 江口镇 is a 镇 (100–199), so new villages are 村委会 codes after 202.
    assert list(villages)[-1] == "511923100203"
    call_command("synth", households=30, into=town.micro.code, seed=5, verbosity=0)
    assert Node.objects.get(pk=town.micro.pk).households_direct == 1 + 30
    assert Household.objects.count() == 3 + 120 + 40 + 30
    _assert_registry_consistent()


def test_synth_is_deterministic_per_seed(db: None) -> None:
    county = node_create(actor=None, parent=None, code="511923000000", name="平昌县")
    call_command("synth", households=60, into=county.code, seed=11, verbosity=0)
    first = list(Resident.objects.order_by("id").values_list("name", "id_number", "phone"))
    Resident.objects.all().delete()
    Household.objects.all().delete()
    Node.objects.exclude(pk=county.pk).delete()
    Node.objects.filter(pk=county.pk).update(numchild=0)
    call_command("synth", households=60, into=county.code, seed=11, verbosity=0)
    second = list(Resident.objects.order_by("id").values_list("name", "id_number", "phone"))
    assert [r[:2] for r in first] == [r[:2] for r in second]


def test_synth_rejects_bad_input(town: Town) -> None:
    from sanzhi.core.errors import NotFound, ValidationFailed

    with pytest.raises(NotFound):
        call_command("synth", households=10, into="999999999999", verbosity=0)
    with pytest.raises(ValidationFailed):
        call_command("synth", households=0, into=town.village.code, verbosity=0)
    assert Household.objects.count() == 3
