"""The import's database side run inline and in its own thread: same reports, same rows written,
errors from either side propagate, nothing is written on failure, no thread is left behind."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from sanzhi.core.errors import Conflict
from sanzhi.core.testing import Town
from sanzhi.grids.models import Node
from sanzhi.people import importing, importing_copy, importing_sink
from sanzhi.people.columns import Col
from sanzhi.people.importing import import_households
from sanzhi.people.importing_rows import RowValidator
from sanzhi.people.importing_sink import RegistrySink
from sanzhi.people.models import Household, Resident
from sanzhi.people.tests.test_importing import MICRO, counts, good_rows, pid, row, write_csv


@pytest.fixture(params=[False, True], ids=["inline", "thread"])
def threaded(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    monkeypatch.setattr(importing, "PIPELINE_THREAD", request.param)
    return bool(request.param)


def pipeline_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "registry-import-db"]


def mixed_rows(town: Town) -> list[dict[str, Any]]:
    """Households that fail on the reading side, on the database side, and good ones."""
    rows = good_rows()
    rows += [
        row(**{Col.NUMBER: "X1", Col.NODE: MICRO, Col.ADDRESS: "甲", Col.ID_NUMBER: pid(20)}),
        row(**{Col.NUMBER: "X1", Col.RELATION: "子", Col.ID_NUMBER: town.residents["wang"].id_number}),
        row(**{Col.NUMBER: "X2", Col.NODE: "511923100201009009", Col.ADDRESS: "乙", Col.ID_NUMBER: pid(21)}),
        row(**{Col.NUMBER: "X3", Col.NODE: MICRO, Col.ADDRESS: "丙", Col.ID_NUMBER: "123"}),
        row(**{Col.NUMBER: "H0001", Col.NODE: MICRO, Col.ADDRESS: "丁", Col.ID_NUMBER: pid(22)}),
        row(
            **{
                Col.NUMBER: "X4",
                Col.NODE: MICRO,
                Col.ADDRESS: "戊\\5号",  # a backslash: escaped in COPY text
                Col.ID_NUMBER: pid(23),
                Col.NAME: "O'Brien \\N",  # not NULL
                Col.OCCUPATION: "个体\\t工商户",
                Col.RESIDENT_TAGS: "残疾人",
            }
        ),
    ]
    return rows


def written() -> list[tuple[Any, ...]]:
    """Everything the import wrote, without ids and times (which differ between runs)."""
    residents = Resident.objects.order_by("id_number").values_list(
        "household__number",
        "household__address",
        "household__node__code",
        "node_path",
        "name",
        "id_type",
        "id_number",
        "sex",
        "birth_date",
        "phone",
        "relation",
        "ethnicity",
        "political_status",
        "education",
        "marital_status",
        "occupation",
        "residence_type",
        "registered_address",
    )
    tags = Resident.tags.through.objects.order_by("resident__id_number", "tag__name").values_list(
        "resident__id_number", "tag__name"
    )
    household_tags = Household.tags.through.objects.order_by("household__number").values_list(
        "household__number", "tag__name"
    )
    nodes = Node.objects.order_by("code").values_list("code", "households_direct", "residents_direct")
    return [*residents, *tags, *household_tags, *nodes]


@pytest.mark.parametrize("partial", [False, True])
def test_inline_and_threaded_give_the_same_report_and_rows(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, partial: bool
) -> None:
    # Small chunks so several go through the queue, small id blocks so the reading side runs out
    # and asks the database side for more (PostgreSQL, where the thread gets rows as COPY text).
    monkeypatch.setattr(importing, "CHUNK_ROWS", 2)
    monkeypatch.setattr(importing_sink, "_HOUSEHOLD_ID_BLOCK", 1)
    monkeypatch.setattr(importing_sink, "_RESIDENT_ID_BLOCK", 2)
    monkeypatch.setattr(importing_copy, "COPY_ROWS", 2)
    path = write_csv(tmp_path / "m.csv", mixed_rows(town))
    results = []
    for mode in (False, True):
        monkeypatch.setattr(importing, "PIPELINE_THREAD", mode)
        before = counts()
        with transaction.atomic():  # undone after each mode, so both start from the same registry
            report = import_households(actor=None, path=path, into=None, partial=partial)
            results.append((report.as_dict(), counts()[0] - before[0], counts()[1] - before[1], written()))
            transaction.set_rollback(True)
        assert not pipeline_threads()
    inline, thread = results
    assert inline == thread
    summary, households, residents, rows = thread
    assert [(e["row"], e["code"]) for e in summary["errors"] if e["code"] != "household_rejected"] == [
        (7, "id_taken"),
        (8, "node_not_found"),
        (9, "id_length"),
        (10, "household_number_taken"),
    ]
    if partial:
        assert summary["committed"] and (households, residents) == (3, 5)
        # Read back from the snapshot taken before the rollback.
        assert next(r[:3] for r in rows if r[0] == "X4") == ("X4", "戊\\5号", MICRO)
        assert next((r[4], r[15]) for r in rows if r[0] == "X4") == ("O'Brien \\N", "个体\\t工商户")
        assert (pid(23), "残疾人") in rows
    else:
        assert not summary["committed"] and (households, residents) == (0, 0)


def test_threaded_happy_path_writes_everything(town: Town, tmp_path: Path, threaded: bool) -> None:
    before = counts()
    report = import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert report.committed and report.errors == []
    assert counts() == (before[0] + 2, before[1] + 4, before[2] + 2, before[3] + 4)
    assert Resident.objects.get(id_number=pid(2)).household.number == "N001"
    assert not pipeline_threads()


def test_database_side_error_propagates_and_nothing_is_written(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threaded: bool
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
    assert not pipeline_threads()
    assert Household.objects.filter(number="N001").count() == 0  # the connection still works


def test_reading_side_error_stops_the_thread_and_rolls_back(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threaded: bool
) -> None:
    monkeypatch.setattr(importing, "CHUNK_ROWS", 1)
    validate = RowValidator.validate

    def failing_validate(self: RowValidator, number: int, values: Any, errors: Any) -> Any:
        if number == 5:
            raise KeyError("reading side broke")
        return validate(self, number, values, errors)

    monkeypatch.setattr(RowValidator, "validate", failing_validate)
    before = counts()
    with pytest.raises(KeyError):
        import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert counts() == before
    assert not pipeline_threads()
    assert connection.in_atomic_block  # the test's own transaction, still usable
    assert Resident.objects.filter(id_number=pid(1)).count() == 0


def test_integrity_error_on_write_is_a_conflict(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threaded: bool
) -> None:
    def clash(self: RegistrySink) -> None:
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(RegistrySink, "finish", clash)
    before = counts()
    with pytest.raises(Conflict) as caught:
        import_households(actor=None, path=write_csv(tmp_path / "a.csv", good_rows()), into=None)
    assert caught.value.code == "import_conflict"
    assert counts() == before
    assert not pipeline_threads()


def test_reading_thread_makes_no_queries_while_the_pipeline_runs(
    town: Town, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "PIPELINE_THREAD", True)
    monkeypatch.setattr(importing, "CHUNK_ROWS", 1)
    monkeypatch.setattr(importing_sink, "_RESIDENT_ID_BLOCK", 2)  # refills go through the thread
    main = threading.current_thread()
    seen: list[tuple[str, bool]] = []

    def spy(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        running = bool(pipeline_threads())
        seen.append((threading.current_thread().name, running and threading.current_thread() is main))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        report = import_households(
            actor=None, path=write_csv(tmp_path / "a.csv", mixed_rows(town)), into=None
        )
    assert report.errors  # the registry checks ran (id_taken, household_number_taken ...)
    assert any(name == "registry-import-db" for name, _ in seen)
    assert not [name for name, violation in seen if violation]
