"""户籍人口导入: households and residents from .xlsx / .csv, one row per resident.

Grouping: rows with the same 户编号 form one household. A household without a 户编号 is keyed by
its head's ID number: the head's own row (与户主关系 = 户主) and the rows that give that number in the
optional column 户主身份证号. The rows of one household must be adjacent (as every register export
lays them out); this keeps a million-row import in one streaming pass with flat memory.

The database side (node and registry checks, COPY) is a separate stage fed chunk by chunk; it can
run in a second thread on the same connection and transaction (see importing_sink, PIPELINE_THREAD),
or, for a big file on PostgreSQL, the reading side runs in a second process instead
(importing_process, READER_PROCESS) and this process does the database side. That process checks
whole batches of plain rows column-wise (importing_fast; any batch with anything unusual goes row
by row through the reference checks below, which know every message), and an .xlsx sheet's XML is
parsed in a third (core.xlsx_process).

Bulk-load mode (importing_bulk, PostgreSQL): a file of at least BULK_MIN_ROWS rows and at least as
many rows as the registry holds residents is loaded with the tables' secondary indexes, unique
constraints and foreign keys dropped and recreated before the commit. It holds an ACCESS EXCLUSIVE
lock on the household and resident tables for the whole import: meant for first big loads only.

All-or-nothing by default: one transaction; if any row is invalid everything is rolled back and the
report lists every problem. ``partial=True`` writes the valid households; a household with any bad
row is rejected whole and each of its rows is reported.
"""

from __future__ import annotations

import gc
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import scope_for
from sanzhi.core.audit import audit_record
from sanzhi.core.errors import Forbidden
from sanzhi.core.masking import mask_id_number
from sanzhi.core.tabular import read_table
from sanzhi.grids.models import Node
from sanzhi.people.columns import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, Col
from sanzhi.people.importing_bulk import BulkLoad, bulk_mode_wanted
from sanzhi.people.importing_process import run_reader_process
from sanzhi.people.importing_rows import CleanRow, RowError, RowValidator
from sanzhi.people.importing_sink import (
    MAX_REPORTED,
    FileHousehold,
    Problems,
    RegistryPipeline,
    RegistrySink,
    merged,
)
from sanzhi.people.normalize import normalize_id_number, normalize_text
from sanzhi.people.services import household_node_allowed

CHUNK_ROWS = 5_000  # rows checked against the registry per round trip
# Run the database side in its own thread (see importing_sink)? None: on PostgreSQL only. There the
# reading side also encodes the rows as COPY text, so the thread has almost no Python left and the
# server's work (COPY into indexed tables, about half of an inline import) overlaps with reading and
# validating: 100k CSV 4.8 s inline -> 4.1 s threaded on 2 cores (bench/RESULTS.md). SQLite has no
# such path: its thread would still build the rows, and two Python-heavy threads only trade the GIL
# (measured slower than inline: 100k CSV 3.8 s -> 5.0 s), so SQLite runs inline. True/False force it.
PIPELINE_THREAD: bool | None = None
# Read and validate in a second process (importing_process)? None: on PostgreSQL for files of at
# least READER_PROCESS_MIN_ROWS rows (estimated from the size; a process costs a fork or a spawn,
# worth it only when reading takes seconds). True/False force it; SQLite never (no COPY text).
READER_PROCESS: bool | None = None
READER_PROCESS_MIN_ROWS = 20_000
_SWITCH_INTERVAL = 0.0002  # seconds; CPython's default is 0.005


@dataclass
class ImportReport:
    file: str
    partial: bool
    rows_read: int = 0
    households_imported: int = 0
    residents_imported: int = 0
    rows_rejected: int = 0
    committed: bool = False
    bulk_mode: bool = False  # see importing_bulk: indexes dropped and rebuilt (PostgreSQL, big loads)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    errors_omitted: int = 0
    warnings_omitted: int = 0

    @property
    def ok(self) -> bool:
        return self.rows_rejected == 0

    def as_dict(self, lang: str = "zh-hans") -> dict[str, Any]:
        with translation.override(lang):
            return {
                "file": self.file,
                "partial": self.partial,
                "committed": self.committed,
                "bulk_mode": self.bulk_mode,
                "rows_read": self.rows_read,
                "households_imported": self.households_imported,
                "residents_imported": self.residents_imported,
                "rows_rejected": self.rows_rejected,
                "errors": [e.as_dict() for e in self.errors],
                "errors_omitted": self.errors_omitted,
                "warnings": [w.as_dict() for w in self.warnings],
                "warnings_omitted": self.warnings_omitted,
            }


class _Rollback(Exception):
    pass


class _Importer:
    """The reading side: validates rows and groups them into households (no database access: what
    it needs was loaded before the pass); closed households go to the pipeline in chunks."""

    def __init__(
        self, *, validator: RowValidator, partial: bool, report: ImportReport, pipeline: RegistryPipeline
    ) -> None:
        self.partial = partial
        self.report = report
        self.validator = validator
        self.problems = Problems()
        self.pipeline = pipeline
        self.sink = pipeline.sink
        self.current: FileHousehold | None = None
        self.closed: dict[str, int] = {}  # key -> first row of households already closed
        self.first_row_of_id: dict[int, int] = {}
        self.pending: list[FileHousehold] = []
        self.pending_rows = 0
        self.chunk = self.sink.chunk

    @property
    def failed(self) -> bool:
        return self.problems.failed or self.sink.problems.failed

    def problem(self, error: RowError) -> None:
        self.problems.add(error)
        if error.level != "warning":
            self.sink.reader_failed = True

    def fail_household(
        self, h: FileHousehold, at_row: int, at_column: str, code: str, params: dict[str, Any] | None = None
    ) -> None:
        self.problem(RowError(at_row, at_column, code, params or {}))
        h.bad_rows.add(at_row)

    # -- the pass -------------------------------------------------------------------------------
    def feed(self, number: int, values: dict[str, Any]) -> None:
        self.report.rows_read += 1
        row_errors: list[RowError] = []
        clean = self.validator.validate(number, values, row_errors)
        for error in row_errors:
            self.problem(error)
        key, label = self._key(values, clean)
        if key is None:
            if clean is not None:
                self.problem(RowError(number, Col.NUMBER, "household_key_required"))
            self.report.rows_rejected += 1
            return
        h = self.current
        if h is None or h.key != key:
            if key in self.closed:
                first = self.closed[key]
                self.problem(
                    RowError(number, Col.NUMBER, "household_not_adjacent", {"key": label, "row": first})
                )
                self.report.rows_rejected += 1
                return
            if h is not None:
                self.close(h)
            h = self.current = FileHousehold(key, label, number)
        h.rows.append(number)
        if clean is None:
            h.bad_rows.add(number)
            return
        self._merge(h, clean)

    def _key(self, values: dict[str, Any], clean: CleanRow | None) -> tuple[str | None, str]:
        if clean is not None:
            number, head_id = clean.household_number, clean.head_id
            own_id = clean.resident["id_number"] if clean.resident["relation"] == "02" else None
        else:
            raw_number = values.get(Col.NUMBER)
            number = normalize_text(str(raw_number)) if raw_number is not None else None
            raw_head = values.get(Col.HEAD_ID)
            head_id = normalize_id_number(raw_head) if isinstance(raw_head, str) else None
            raw_id, relation = values.get(Col.ID_NUMBER), values.get(Col.RELATION)
            is_head = relation in ("户主", "02")
            own_id = normalize_id_number(raw_id) if is_head and isinstance(raw_id, str) else None
        if number:
            return "#" + number, number
        head = head_id or own_id
        if head:
            return "@" + head, mask_id_number(head)
        return None, ""

    def _merge(self, h: FileHousehold, row: CleanRow) -> None:
        # Spelled out per field (no loop over (attr, value) tuples): this runs for every row.
        given = row.household_number
        if given is not None:
            if h.number is None:
                h.number = given
            elif h.number != given:
                self._conflict(h, row, Col.NUMBER)
        given = row.node_code
        if given is not None:
            if h.node_code is None:
                h.node_code = given
            elif h.node_code != given:
                self._conflict(h, row, Col.NODE)
        given = row.address
        if given is not None:
            if h.address is None:
                h.address = given
            elif h.address != given:
                self._conflict(h, row, Col.ADDRESS)
        tags = row.household_tag_ids
        if tags is not None:
            if h.tags is None:
                h.tags = tags
            elif h.tags != tags:
                self._conflict(h, row, Col.HOUSEHOLD_TAGS)
        earlier = self.first_row_of_id.get(row.id_key)
        if earlier is not None:
            self.fail_household(h, row.number, Col.ID_NUMBER, "id_duplicate_in_file", {"row": earlier})
        else:
            self.first_row_of_id[row.id_key] = row.number
        h.members.append(row)

    def _conflict(self, h: FileHousehold, row: CleanRow, column: str) -> None:
        first = h.members[0].number if h.members else h.first_row
        self.fail_household(h, row.number, column, "household_conflict", {"column": column, "row": first})

    def close(self, h: FileHousehold) -> None:
        self.closed[h.key] = h.first_row
        if not h.bad_rows:
            # The node is checked on the database side (an unknown code needs a query), after
            # these checks, as before: only for a household whose rows were all good.
            h.check_node = True
            heads = sum(1 for m in h.members if m.resident["relation"] == "02")
            if heads == 0:
                self.fail_household(h, h.first_row, Col.RELATION, "household_no_head", {"key": h.label})
            elif heads > 1:
                self.fail_household(
                    h, h.first_row, Col.RELATION, "household_many_heads", {"key": h.label, "n": heads}
                )
            if h.address is None:
                self.fail_household(h, h.first_row, Col.ADDRESS, "required", {"column": Col.ADDRESS})
            if not h.bad_rows:
                self.pipeline.prepare(h)
        self.pending.append(h)
        self.pending_rows += len(h.rows)
        if self.pending_rows >= self.chunk:
            self.hand_over()

    def hand_over(self) -> None:
        pending, self.pending, self.pending_rows = self.pending, [], 0
        if pending:
            self.pipeline.submit(pending)

    def end_of_file(self) -> None:
        """Close the last household and hand the last chunk over."""
        if self.current is not None:
            self.close(self.current)
            self.current = None
        self.hand_over()

    def finish(self) -> None:
        """Close the last household, wait for the database side, and merge both sides' results."""
        self.end_of_file()
        self.pipeline.close()
        merge_report(self.report, self.problems, self.sink)


def merge_report(report: ImportReport, reader: Problems, sink: Any) -> None:
    """The database side's counts and problems into ``report`` (which has the reading side's)."""
    report.households_imported = sink.households_imported
    report.residents_imported = sink.residents_imported
    report.rows_rejected += sink.rows_rejected
    # Household checks run when a household closes, after later rows were read: show by row.
    report.errors, report.errors_omitted = merged(
        reader.errors, sink.problems.errors, reader.errors_omitted + sink.problems.errors_omitted
    )
    report.warnings, report.warnings_omitted = merged(
        reader.warnings, sink.problems.warnings, reader.warnings_omitted + sink.problems.warnings_omitted
    )


def _check_actor(actor: Any, into: Node | None) -> None:
    if actor is None:
        return
    scope = scope_for(actor, Capability.IMPORT_REGISTRY)
    if scope.empty or (
        into is not None
        and not scope.contains(into.path)
        and not any(p.startswith(into.path) for p in scope.paths)
    ):
        raise Forbidden(_("您没有在该网格导入户籍人口的权限"), code="import_forbidden")


def import_households(*, actor: Any, path: Path, into: Node | None, partial: bool = False) -> ImportReport:
    """Import the sheet at ``path``; ``actor=None`` is the CLI operator (unrestricted)."""
    _check_actor(actor, into)
    required = list(REQUIRED_COLUMNS)
    optional = list(OPTIONAL_COLUMNS)
    if into is not None and household_node_allowed(into):
        optional.append(Col.NODE)
    else:
        required.append(Col.NODE)
    table = read_table(Path(path), required=required, optional=optional)
    report = ImportReport(file=Path(path).name, partial=partial)
    # Millions of short-lived row objects would trigger the cyclic GC thousands of times for
    # nothing (rows hold no cycles; reference counting frees them): collect rarely during the pass.
    thresholds = gc.get_threshold()
    gc.set_threshold(200_000, 50, 50)
    # With the database side in a thread: after each socket wait that thread needs the GIL back,
    # and by default waits up to 5 ms for the reading thread to let go of it (hundreds of waits
    # per 100k rows). A shorter interval for the import's duration lets the two actually overlap.
    switch = sys.getswitchinterval()
    postgres = connection.vendor == "postgresql"
    in_process = postgres and (
        table.estimated_rows >= READER_PROCESS_MIN_ROWS if READER_PROCESS is None else READER_PROCESS
    )
    threaded = postgres if PIPELINE_THREAD is None else PIPELINE_THREAD
    threaded = threaded and not in_process
    if threaded:
        sys.setswitchinterval(_SWITCH_INTERVAL)
    try:
        with transaction.atomic():
            # A big first load drops the tables' indexes now and rebuilds them before the commit
            # (importing_bulk; PostgreSQL only, holds an ACCESS EXCLUSIVE lock until the end).
            bulk = BulkLoad() if bulk_mode_wanted(table.estimated_rows) else None
            if bulk is not None:
                bulk.begin()
                report.bulk_mode = True
            # Everything the reading side needs from the database is loaded here, before the
            # pipeline thread takes the connection (tags in the validator, nodes in the sink).
            validator = RowValidator()
            sink = RegistrySink(
                actor=actor,
                into=into,
                partial=partial,
                chunk=CHUNK_ROWS,
                taken=(bulk.taken_ids, bulk.taken_numbers) if bulk is not None else None,
            )
            if in_process:
                table.close()  # the child opens the file itself
                summary = run_reader_process(
                    path=Path(path),
                    required=required,
                    optional=optional,
                    validator=validator,
                    sink=sink,
                    partial=partial,
                )
                report.rows_read = summary.rows_read
                report.rows_rejected = summary.rows_rejected
                merge_report(report, summary.problems, sink)
                failed = summary.problems.failed or sink.problems.failed
            else:
                pipeline = RegistryPipeline(sink, threaded=threaded)
                try:
                    importer = _Importer(
                        validator=validator, partial=partial, report=report, pipeline=pipeline
                    )
                    for row in table:
                        importer.feed(row.number, row.values)
                    importer.finish()
                except BaseException:
                    pipeline.abort()  # the thread lets go of the connection before the rollback
                    raise
                failed = importer.failed
            if failed and not partial:
                raise _Rollback
            if bulk is not None:
                bulk.finish()  # a rebuild that fails raises Conflict: everything is rolled back
            report.committed = True
            _audit(actor, into, report)
    except _Rollback:
        report.households_imported = report.residents_imported = 0
        with transaction.atomic():
            _audit(actor, into, report)
    finally:
        gc.set_threshold(*thresholds)
        sys.setswitchinterval(switch)
        table.close()
    return report


def _audit(actor: Any, into: Node | None, report: ImportReport) -> None:
    audit_record(
        actor=actor,
        action="household.import" if report.committed else "household.import_rejected",
        subject_type="people.household",
        node_path=into.path if into is not None else "",
        data={
            "file": report.file,
            "partial": report.partial,
            "rows_read": report.rows_read,
            "households_imported": report.households_imported,
            "residents_imported": report.residents_imported,
            "rows_rejected": report.rows_rejected,
        },
    )


__all__ = ["CHUNK_ROWS", "MAX_REPORTED", "ImportReport", "import_households"]
