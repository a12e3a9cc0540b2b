"""Bulk-load mode (importing_bulk): when it is chosen, and that it changes nothing but the speed —
same reports, same rows, the very same indexes and constraints afterwards, and a clean rollback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from sanzhi.core.errors import Conflict
from sanzhi.core.testing import Town
from sanzhi.people import importing_bulk
from sanzhi.people.columns import Col
from sanzhi.people.importing import import_households
from sanzhi.people.importing_bulk import BulkLoad, bulk_mode_wanted, catalog_snapshot
from sanzhi.people.models import Resident
from sanzhi.people.tests.test_importing import MICRO, counts, good_rows, pid, row, write_csv
from sanzhi.people.tests.test_importing_pipeline import mixed_rows, written

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="bulk mode is a PostgreSQL mode")


@pytest.fixture
def bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing_bulk, "BULK_MODE", True)


def test_the_rule(town: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing_bulk, "BULK_MIN_ROWS", 2)
    existing = Resident.objects.count()
    assert existing > 2
    if connection.vendor != "postgresql":
        assert not bulk_mode_wanted(10**9)  # SQLite: never
        return
    assert not bulk_mode_wanted(1)  # below the minimum
    assert not bulk_mode_wanted(existing - 1)  # smaller than the registry
    assert bulk_mode_wanted(existing)
    assert bulk_mode_wanted(10**7)
    monkeypatch.setattr(importing_bulk, "BULK_MIN_ROWS", 50_000)
    assert not bulk_mode_wanted(49_999)


@postgres_only
def test_small_import_does_not_use_bulk_mode(town: Town, tmp_path: Path) -> None:
    report = import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert report.committed and not report.bulk_mode
    assert report.as_dict()["bulk_mode"] is False


@postgres_only
def test_estimate_of_incoming_rows_chooses_bulk_mode(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing_bulk, "BULK_MIN_ROWS", 3)
    assert Resident.objects.count() <= len(good_rows())  # the file (4 rows, estimated) >= registry
    report = import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert report.committed and report.bulk_mode and report.residents_imported == 4


@postgres_only
def test_bulk_mode_leaves_the_same_indexes_and_constraints(town: Town, tmp_path: Path, bulk: None) -> None:
    before_catalog = catalog_snapshot()
    # Every kind the tables have: unique constraints, partial unique indexes, plain and partial
    # indexes, foreign keys (deferrable).
    kinds = {r[3] for r in before_catalog if r[0] == "constraint"}
    assert {"p", "u", "f"} <= kinds
    assert any("WHERE" in r[3] for r in before_catalog if r[0] == "index")
    before = counts()
    report = import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert report.committed and report.bulk_mode and report.errors == []
    assert counts() == (before[0] + 2, before[1] + 4, before[2] + 2, before[3] + 4)
    assert catalog_snapshot() == before_catalog
    assert Resident.objects.get(id_number=pid(2)).household.number == "N001"


@postgres_only
@pytest.mark.parametrize("partial", [False, True])
def test_bulk_mode_gives_the_same_report_and_rows(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, partial: bool
) -> None:
    path = write_csv(tmp_path / "m.csv", mixed_rows(town))
    results = []
    for mode in (False, True):
        monkeypatch.setattr(importing_bulk, "BULK_MODE", mode)
        with transaction.atomic():
            report = import_households(actor=None, path=path, into=None, partial=partial)
            assert report.bulk_mode is mode
            summary = report.as_dict()
            del summary["bulk_mode"]
            results.append((summary, written()))
            transaction.set_rollback(True)
    assert results[0] == results[1]
    # The registry duplicates are still per-row errors (checked in the application, not by the
    # dropped unique index).
    assert ("id_taken", 7) in [(e["code"], e["row"]) for e in results[1][0]["errors"]]
    assert ("household_number_taken", 10) in [(e["code"], e["row"]) for e in results[1][0]["errors"]]


@postgres_only
def test_rejected_file_in_bulk_mode_leaves_tables_and_indexes_untouched(
    town: Town, tmp_path: Path, bulk: None
) -> None:
    before_catalog, before = catalog_snapshot(), counts()
    rows = [*good_rows(), row(**{Col.NUMBER: "Z9", Col.NODE: MICRO, Col.ADDRESS: "甲", Col.ID_NUMBER: "123"})]
    report = import_households(actor=None, path=write_csv(tmp_path / "a.csv", rows), into=None)
    assert report.bulk_mode and not report.committed
    assert counts() == before
    assert catalog_snapshot() == before_catalog


@postgres_only
def test_failed_unique_rebuild_rolls_back_with_a_translated_conflict(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: None
) -> None:
    # Hide the registry from the in-app check, so a taken ID number reaches the table and only
    # the rebuilt unique constraint can see it.
    begin = BulkLoad.begin

    def blind_begin(self: BulkLoad) -> None:
        begin(self)
        self.taken_ids = set()

    monkeypatch.setattr(BulkLoad, "begin", blind_begin)
    taken = town.residents["wang"].id_number
    rows = [row(**{Col.NUMBER: "Z1", Col.NODE: MICRO, Col.ADDRESS: "甲", Col.ID_NUMBER: taken})]
    before_catalog, before = catalog_snapshot(), counts()
    with pytest.raises(Conflict) as caught:
        import_households(actor=None, path=write_csv(tmp_path / "a.csv", rows), into=None)
    assert caught.value.code == "import_conflict"
    from django.utils import translation

    with translation.override("en"):
        english = caught.value.message
    with translation.override("zh-hans"):
        chinese = caught.value.message
    assert english != chinese and "唯一" in chinese
    assert counts() == before
    assert catalog_snapshot() == before_catalog
    assert Resident.objects.filter(id_number=taken).count() == 1


@postgres_only
def test_error_on_the_database_side_rolls_back_the_drops(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: None
) -> None:
    from sanzhi.people.importing_sink import RegistrySink

    def broken(self: RegistrySink, pending: list[Any]) -> None:
        raise RuntimeError("database side broke")

    monkeypatch.setattr(RegistrySink, "drain", broken)
    before_catalog, before = catalog_snapshot(), counts()
    with pytest.raises(RuntimeError):
        import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert counts() == before
    assert catalog_snapshot() == before_catalog


@postgres_only
def test_ids_reserved_as_one_block_under_the_locks_leave_the_sequences_ahead(
    town: Town, tmp_path: Path, bulk: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bulk mode moves the sequences past a whole block at once (nobody else can insert): the
    rows get distinct ids from the block, and the next ordinary insert gets an id past them."""
    from sanzhi.people import importing, importing_process
    from sanzhi.people.services import household_create, resident_create

    monkeypatch.setattr(importing, "READER_PROCESS", True)
    monkeypatch.setattr(importing_process, "START_METHOD", "fork")
    monkeypatch.setattr(importing_process, "ID_BLOCKS", {"h": 2, "r": 3})  # several blocks
    report = import_households(actor=None, path=write_csv(tmp_path / "g.csv", good_rows()), into=None)
    assert report.committed and report.bulk_mode
    imported = Resident.objects.filter(household__number__in=["N001", "N002"])
    ids = list(imported.values_list("id", flat=True))
    assert len(set(ids)) == report.residents_imported == 4
    household = household_create(actor=None, node=town.micro, address="新来户", number="NEW1")
    resident = resident_create(actor=None, household=household, name="新人", id_number=pid(99), relation="02")
    assert resident.pk > max(ids)
