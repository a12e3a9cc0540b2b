import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Count

from sanzhi.core.testing import Town
from sanzhi.grids.models import Node
from sanzhi.people.bulk import RegistryWriter
from sanzhi.people.idnumber import make_id_number
from sanzhi.people.models import Household, Resident, Tag
from sanzhi.people.services import household_create


def _assert_counters_exact() -> None:
    households = dict(Household.objects.values_list("node_id").annotate(n=Count("id")))
    residents = dict(Resident.objects.values_list("household__node_id").annotate(n=Count("id")))
    for node in Node.objects.all():
        assert node.households_direct == households.get(node.pk, 0), node.code
        assert node.residents_direct == residents.get(node.pk, 0), node.code


def test_writer_writes_rows_tags_and_exact_counters(town: Town) -> None:
    dibao = Tag.objects.get(code="dibao")
    elderly = Tag.objects.get(code="duju-laoren")
    before_h, before_r = Household.objects.count(), Resident.objects.count()
    with transaction.atomic():
        # A tiny batch size forces several flushes, including one in the middle of a household.
        writer = RegistryWriter(batch_size=3)
        for i in range(7):
            node = town.micro if i % 2 else town.other_micro
            hid = writer.add_household(
                node_id=node.pk,
                node_path=node.path,
                address=f"测试路{i}号",
                number=f"B{i:03d}",
                tag_ids=[dibao.pk] if i == 0 else (),
            )
            for j in range(3):
                writer.add_resident(
                    household_id=hid,
                    node_path=node.path,
                    name=f"成员{i}{j}",
                    id_type="resident_id",
                    id_number=make_id_number("511923", dt.date(1980, 1, 1 + i), 10 * i + j),
                    sex="M",
                    birth_date=dt.date(1980, 1, 1 + i),
                    phone="+8613800000000",
                    relation="02" if j == 0 else "20",
                    tag_ids=[elderly.pk] if j == 2 else (),
                )
        writer.flush()
    assert writer.households_written == 7
    assert writer.residents_written == 21
    assert Household.objects.count() == before_h + 7
    assert Resident.objects.count() == before_r + 21
    assert list(Household.objects.get(number="B000").tags.all()) == [dibao]
    assert Resident.objects.filter(tags=elderly).count() == 7
    member = Resident.objects.get(name="成员32")
    assert member.household.number == "B003"
    assert member.birth_date == dt.date(1980, 1, 4)
    assert member.created_at is not None
    _assert_counters_exact()


def test_writer_ids_follow_existing_rows_and_later_orm_inserts_work(town: Town) -> None:
    with transaction.atomic():
        writer = RegistryWriter(batch_size=2)
        hid = writer.add_household(node_id=town.micro.pk, node_path=town.micro.path, address="甲")
        writer.flush()
    assert hid > max(h.pk for h in town.households.values())
    # The sequence / autoincrement must have moved past the explicit ids.
    later = household_create(actor=None, node=town.micro, address="乙")
    assert later.pk > hid
    _assert_counters_exact()


def test_writer_needs_a_transaction(transactional_db: None) -> None:
    with pytest.raises(RuntimeError):
        RegistryWriter()


def test_writer_adds_members_to_an_existing_household(town: Town) -> None:
    h1 = town.households["h1"]
    with transaction.atomic():
        writer = RegistryWriter()
        writer.add_resident(
            household_id=h1.pk,
            node_path=h1.node_path,
            name="新成员",
            id_type="resident_id",
            id_number=make_id_number("511923", dt.date(2001, 2, 3), 7),
            sex="M",
            birth_date=dt.date(2001, 2, 3),
            phone="",
            relation="20",
        )
        writer.flush()
    _assert_counters_exact()
