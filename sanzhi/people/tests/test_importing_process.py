"""The reading side in a second process (importing_process): the same reports and rows as in one
process, errors from either side propagate, the child never queries, nothing is left running."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from sanzhi.core.errors import ValidationFailed
from sanzhi.core.testing import Town
from sanzhi.people import importing, importing_bulk, importing_copy, importing_process
from sanzhi.people.columns import Col
from sanzhi.people.importing import import_households
from sanzhi.people.importing_process import ReaderProcessError
from sanzhi.people.importing_rows import RowValidator
from sanzhi.people.importing_sink import RegistrySink
from sanzhi.people.models import Household, Resident
from sanzhi.people.tests.test_importing import MICRO, counts, good_rows, pid, row, write_csv, write_xlsx
from sanzhi.people.tests.test_importing_pipeline import mixed_rows, written

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the reading process feeds PostgreSQL's COPY"
)


@pytest.fixture(autouse=True)
def no_children_left() -> Any:
    yield
    assert not multiprocessing.active_children()


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "READER_PROCESS", True)
    monkeypatch.setattr(importing_process, "START_METHOD", "fork")  # monkeypatches reach the child


def in_one_and_two_processes(monkeypatch: pytest.MonkeyPatch, path: Path, *, partial: bool) -> list[Any]:
    """(report, rows written) of importing ``path`` in one process and with the reading process,
    each rolled back; asserts the two are the same."""
    results = []
    for mode in (False, True):
        monkeypatch.setattr(importing, "READER_PROCESS", mode)
        with transaction.atomic():
            report = import_households(actor=None, path=path, into=None, partial=partial)
            results.append((report.as_dict(), written()))
            transaction.set_rollback(True)
    assert results[0] == results[1]
    return results


@pytest.mark.parametrize("partial", [False, True])
@pytest.mark.parametrize("method", ["fork", "spawn"])
@pytest.mark.parametrize("bulk", [False, True])
def test_same_report_and_rows_as_in_one_process(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, partial: bool, method: str, bulk: bool
) -> None:
    # Tiny chunks and id blocks: many messages, and the child runs out of ids and asks for more.
    monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
    monkeypatch.setattr(importing_process, "ID_BLOCKS", {"h": 1, "r": 2})
    monkeypatch.setattr(importing_copy, "COPY_ROWS", 2)
    monkeypatch.setattr(importing_process, "START_METHOD", method)
    monkeypatch.setattr(importing_bulk, "BULK_MODE", bulk)
    path = write_csv(tmp_path / "m.csv", mixed_rows(town))
    results = in_one_and_two_processes(monkeypatch, path, partial=partial)
    summary = results[1][0]
    assert summary["committed"] is partial
    assert [(e["row"], e["code"]) for e in summary["errors"] if e["code"] != "household_rejected"] == [
        (7, "id_taken"),
        (8, "node_not_found"),
        (9, "id_length"),
        (10, "household_number_taken"),
    ]


def test_happy_path_in_a_process(town: Town, tmp_path: Path, in_process: None) -> None:
    before = counts()
    report = import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert report.committed and report.errors == [] and report.rows_read == 4
    assert counts() == (before[0] + 2, before[1] + 4, before[2] + 2, before[3] + 4)
    assert Resident.objects.get(id_number=pid(2)).household.number == "N001"


def test_reading_side_error_propagates(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process: None
) -> None:
    validate = RowValidator.validate

    def failing(self: RowValidator, number: int, values: Any, errors: Any) -> Any:
        if number == 4:
            raise KeyError("reading side broke")
        return validate(self, number, values, errors)

    monkeypatch.setattr(RowValidator, "validate", failing)
    before = counts()
    with pytest.raises(KeyError, match="reading side broke") as caught:
        import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert any("reading process" in note for note in getattr(caught.value, "__notes__", []))
    assert counts() == before
    assert Household.objects.filter(number="N001").count() == 0  # the connection still works


def test_domain_error_keeps_its_code(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process: None
) -> None:
    def failing(self: RowValidator, number: int, values: Any, errors: Any) -> Any:
        raise ValidationFailed("文件坏了", code="table_bad_encoding", data={"row": number})

    monkeypatch.setattr(RowValidator, "validate", failing)
    with pytest.raises(ValidationFailed) as caught:
        import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert caught.value.code == "table_bad_encoding" and caught.value.data == {"row": 2}


def test_child_that_dies_is_an_error(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process: None
) -> None:
    def dying(self: RowValidator, number: int, values: Any, errors: Any) -> Any:
        os._exit(3)

    monkeypatch.setattr(RowValidator, "validate", dying)
    before = counts()
    with pytest.raises(ReaderProcessError, match="exit code 3"):
        import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert counts() == before


def test_database_side_error_stops_the_child(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process: None
) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 1)
    calls = {"n": 0}
    drain = RegistrySink.drain

    def failing_drain(self: RegistrySink, pending: list[Any]) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("database side broke")
        drain(self, pending)

    monkeypatch.setattr(RegistrySink, "drain", failing_drain)
    before = counts()
    with pytest.raises(RuntimeError, match="database side broke"):
        import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert counts() == before


def test_the_child_cannot_query(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_process: None
) -> None:
    validate = RowValidator.validate

    def querying(self: RowValidator, number: int, values: Any, errors: Any) -> Any:
        Resident.objects.count()
        return validate(self, number, values, errors)

    monkeypatch.setattr(RowValidator, "validate", querying)
    with pytest.raises(RuntimeError, match="must not use the database"):
        import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert Resident.objects.filter(id_number=pid(1)).count() == 0  # the parent's session is intact


def test_small_files_stay_in_one_process(town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[Any] = []
    monkeypatch.setattr(importing, "run_reader_process", lambda **kw: started.append(kw))
    report = import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert report.committed and not started


def plain_households(
    prefix: str,
    count: int,
    *,
    first_id: int,
    sizes: Callable[[int], int],
    relation: str,
    phone: str = "",
    tag: str = "",
) -> list[dict[str, Any]]:
    """Rows of ``count`` plain households (importing_fast's column-wise path) in the test micro-grid:
    household k has ``sizes(k)`` residents, the head first; ID numbers from ``pid(first_id)`` on,
    each household's taking the next ones; members other than the head carry ``tag``."""
    rows: list[dict[str, Any]] = []
    next_id = first_id
    for k in range(count):
        for i in range(sizes(k)):
            values = {
                Col.NUMBER: f"{prefix}{k}",
                Col.NODE: MICRO,
                Col.ADDRESS: f"幸福路{k}号",
                Col.ID_NUMBER: pid(next_id),
                Col.RELATION: "户主" if i == 0 else relation,
                Col.PHONE: phone,
                Col.RESIDENT_TAGS: tag if i else "",
            }
            rows.append(row(**values))
            next_id += 1
    return rows


@pytest.mark.parametrize("partial", [False, True])
@pytest.mark.parametrize("bulk", [False, True])
def test_column_wise_batches_write_what_one_process_writes(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, partial: bool, bulk: bool
) -> None:
    """Plain households (importing_fast's column-wise path) among odd ones, in batches of three rows
    that split households: one of the plain ones holds an ID number already registered, so its
    block is refused by the database side and taken household by household."""
    monkeypatch.setattr(importing_process, "BATCH_ROWS", 3)
    monkeypatch.setattr(importing_process, "START_METHOD", "fork")
    monkeypatch.setattr(importing_bulk, "BULK_MODE", bulk)
    plain = plain_households(
        "P", 6, first_id=40, sizes=lambda k: 1 + k % 3, phone="13800138000", tag="残疾人", relation="子"
    )
    rows = plain[:5] + mixed_rows(town) + plain[5:]
    path = write_csv(tmp_path / "m.csv", rows)
    results = in_one_and_two_processes(monkeypatch, path, partial=partial)
    summary, rows_written = results[1]
    assert summary["rows_read"] == len(rows)
    if partial:
        phones = {r[6]: r[9] for r in rows_written if len(r) > 9}
        assert phones[pid(40)] == "+8613800138000"


def test_xlsx_parsed_in_a_third_process_writes_what_one_process_writes(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet's XML is parsed in a helper of the reading process (core.xlsx_process)."""
    monkeypatch.setattr(importing_process, "BATCH_ROWS", 3)
    monkeypatch.setattr(importing_process, "START_METHOD", "fork")
    path = write_xlsx(tmp_path / "m.xlsx", good_rows() + mixed_rows(town)[4:])
    results = in_one_and_two_processes(monkeypatch, path, partial=True)
    assert results[1][0]["households_imported"] >= 2


@pytest.mark.parametrize("bulk", [False, True])
def test_first_load_into_an_empty_registry(
    db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    """Nothing registered yet: the blocks carry no ID lists for the registry checks (there is no
    registry to check against), and the rows are the same as in one process."""
    from sanzhi.grids.services import node_create

    county = node_create(actor=None, parent=None, code="511923000000", name="平昌县")
    township = node_create(actor=None, parent=county, code="511923100000", name="江口镇")
    village = node_create(actor=None, parent=township, code="511923100201", name="创举社区")
    grid = node_create(actor=None, parent=village, code="511923100201001", name="第一网格")
    node_create(actor=None, parent=grid, code=MICRO, name="1号楼联户单元")
    monkeypatch.setattr(importing_process, "BATCH_ROWS", 4)
    monkeypatch.setattr(importing_process, "START_METHOD", "fork")
    monkeypatch.setattr(importing_bulk, "BULK_MODE", bulk)
    rows = plain_households("F", 7, first_id=100, sizes=lambda k: 2, relation="配偶")
    path = write_csv(tmp_path / "first.csv", rows)
    results = in_one_and_two_processes(monkeypatch, path, partial=False)
    assert results[1][0]["committed"] and results[1][0]["residents_imported"] == 14
