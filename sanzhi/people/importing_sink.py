"""The database side of the household import: node checks, registry checks and the bulk writes.

The reading side (``importing._Importer``: parse, validate, group into households) needs no
database; it hands closed households over in chunks. ``RegistryPipeline`` runs this side inline, or
in a second thread fed through a small bounded queue, so the database can work on one chunk while
Python reads and validates the next (the GIL is released while the thread waits on the socket).
Whether the thread pays is measured, not assumed: see ``importing.PIPELINE_THREAD``.

One transaction, one connection: the caller opens ``transaction.atomic()`` and pre-loads what the
reading side needs (tags, codes); the pipeline thread then borrows that very connection (Django's
thread-sharing switch, as its live-server tests do) and is the only user of it until ``close()``.
So everything stays all-or-nothing, and an exception on either side rolls the whole import back.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from typing import Any

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections
from django.utils.translation import gettext as _

from sanzhi.accounts.roles import Capability
from sanzhi.accounts.scoping import Scope, scope_for
from sanzhi.core.errors import Conflict
from sanzhi.core.masking import mask_id_number
from sanzhi.grids.models import Node, NodeKind
from sanzhi.people.bulk import RegistryWriter, copy_household_line, copy_resident_line
from sanzhi.people.columns import Col
from sanzhi.people.importing_copy import CopyBuffer
from sanzhi.people.importing_rows import CleanRow, RowError
from sanzhi.people.models import Household, Resident
from sanzhi.people.services import household_node_allowed

MAX_REPORTED = 10_000  # problems kept in the report; the counts stay exact beyond it
_HOLDING_KINDS = (NodeKind.VILLAGE, NodeKind.GRID)
# Chunks (of up to CHUNK_ROWS, 900 on PostgreSQL) waiting for the database: enough to keep reading
# while one COPY (importing_copy.COPY_ROWS) runs, and a bound on memory when the database is the
# slower side.
_QUEUED_CHUNKS = 8
# Ids reserved per round trip for prepared rows; a block is asked for when the last is half used,
# so it arrives long before it is needed (at most _QUEUED_CHUNKS chunks are ahead of the request).
_HOUSEHOLD_ID_BLOCK = 20_000
_RESIDENT_ID_BLOCK = 50_000
_END = object()


class FileHousehold:
    """One household as read from the file (rows, members, the household fields)."""

    __slots__ = (
        "address",
        "bad_rows",
        "check_node",
        "copy_household",
        "copy_household_tags",
        "copy_resident_tags",
        "copy_residents",
        "first_row",
        "key",
        "label",
        "member_ids",
        "members",
        "n_members",
        "node_code",
        "node_id",
        "number",
        "rows",
        "tags",
    )

    def __init__(self, key: str, label: str, first_row: int) -> None:
        self.key = key
        self.label = label
        self.first_row = first_row
        self.number: str | None = None
        self.node_code: str | None = None
        self.address: str | None = None
        self.tags: tuple[int, ...] | None = None
        self.members: list[CleanRow] = []
        self.rows: list[int] = []
        self.bad_rows: set[int] = set()
        self.check_node = False
        # Prepared by the reading side (threaded, PostgreSQL): the rows as COPY text.
        self.node_id = 0
        self.copy_household: str | None = None
        self.copy_household_tags = ""
        self.copy_residents: str | None = None
        self.copy_resident_tags = ""
        # Set when the household is sent to another process without its members (importing_process).
        self.member_ids: list[tuple[str, int]] | None = None
        self.n_members = 0

    def strip(self) -> None:
        """Before crossing to the database process: a prepared household leaves its members behind
        (their rows are COPY text now), keeping what the registry checks and the counts need."""
        self.n_members = len(self.members)
        if self.copy_residents is not None:
            self.member_ids = [(m.resident["id_number"], m.number) for m in self.members]
            self.members = []

    def size(self) -> int:
        return len(self.members) if self.member_ids is None else self.n_members

    def id_rows(self) -> list[tuple[str, int]]:
        if self.member_ids is not None:
            return self.member_ids
        return [(m.resident["id_number"], m.number) for m in self.members]

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _rebuild_household, tuple(getattr(self, name) for name in FileHousehold.__slots__)


def _rebuild_household(*values: Any) -> FileHousehold:
    h = FileHousehold.__new__(FileHousehold)
    for name, value in zip(FileHousehold.__slots__, values, strict=True):
        setattr(h, name, value)
    return h


def prepare_household(
    h: FileHousehold,
    *,
    known: dict[str, tuple[int, str]],
    default_code: str | None,
    stamp: str,
    take_household_id: Any,
    take_resident_id: Any,
) -> None:
    """On the reading side, for a household that passed its own checks: encode its rows as COPY
    text now, so the database side only sends them. Only when the node is one of ``known`` (the
    pre-loaded nodes within the actor's scope); any other code is an error the database side finds.
    ``default_code``: the node a household without a 网格编码 goes to (``into``), if any."""
    if h.node_code is None and default_code is not None:
        h.node_code = default_code
    found = known.get(h.node_code) if h.node_code is not None else None
    if found is None:
        return
    node_id, path = found
    hid = take_household_id()
    h.node_id = node_id
    h.copy_household = copy_household_line(
        hid=hid, stamp=stamp, number=h.number, node_id=node_id, node_path=path, address=h.address or ""
    )
    h.copy_household_tags = "".join(f"{hid}\t{t}\n" for t in h.tags) if h.tags else ""
    lines = []
    tag_lines = []
    for m in h.members:
        rid = take_resident_id()
        resident = m.resident
        lines.append(copy_resident_line(rid=rid, hid=hid, stamp=stamp, node_path=path, values=resident))
        for t in resident["tag_ids"]:
            tag_lines.append(f"{rid}\t{t}\n")
    h.copy_residents = "".join(lines)
    h.copy_resident_tags = "".join(tag_lines)


class Problems:
    """Errors and warnings of one side of the import (each side writes only its own)."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []
        self.warnings: list[RowError] = []
        self.errors_omitted = 0
        self.warnings_omitted = 0
        self.failed = False

    def add(self, error: RowError) -> None:
        if error.level == "warning":
            if len(self.warnings) < MAX_REPORTED:
                self.warnings.append(error)
            else:
                self.warnings_omitted += 1
            return
        self.failed = True
        if len(self.errors) < MAX_REPORTED:
            self.errors.append(error)
        else:
            self.errors_omitted += 1

    def fail_household(
        self, h: FileHousehold, at_row: int, at_column: str, code: str, params: dict[str, Any] | None = None
    ) -> None:
        self.add(RowError(at_row, at_column, code, params or {}))
        h.bad_rows.add(at_row)


def merged(first: list[RowError], second: list[RowError], omitted: int) -> tuple[list[RowError], int]:
    """Both sides' problems by row (stable: on one row the reading side's come first), capped."""
    combined = sorted([*first, *second], key=lambda e: e.row)
    if len(combined) > MAX_REPORTED:
        omitted += len(combined) - MAX_REPORTED
        del combined[MAX_REPORTED:]
    return combined, omitted


class Nodes:
    """Which node a 网格编码 names, for this actor and this ``into``; answers cached per code."""

    def __init__(self, *, actor: Any, into: Node | None) -> None:
        self.into = into
        self.scope: Scope | None = None if actor is None else scope_for(actor, Capability.IMPORT_REGISTRY)
        qs = Node.objects.filter(kind__in=_HOLDING_KINDS)
        if into is not None:
            qs = qs.filter(path__startswith=into.path)
        self.known: dict[str, tuple[int, str]] = {
            code: (pk, path) for code, pk, path in qs.values_list("code", "id", "path")
        }
        self.answers: dict[str, tuple[int, str] | tuple[str, dict[str, str]]] = {}

    def resolve(self, code: str) -> tuple[int, str] | tuple[str, dict[str, str]]:
        answer = self.answers.get(code)
        if answer is None:
            answer = self.answers[code] = self._resolve(code)
        return answer

    def _resolve(self, code: str) -> tuple[int, str] | tuple[str, dict[str, str]]:
        found = self.known.get(code)
        if found is None:
            node = Node.objects.filter(code=code).only("id", "path", "kind").first()
            if node is None or (self.scope is not None and not self.scope.contains(node.path)):
                # Out of scope looks like absent: an import must not disclose the tree.
                return "node_not_found", {"code": code}
            if self.into is not None and not node.path.startswith(self.into.path):
                return "node_outside", {"code": code, "into": self.into.code}
            if not household_node_allowed(node):
                return "node_cannot_hold", {"code": code}
            found = (node.pk, node.path)
        if self.scope is not None and not self.scope.contains(found[1]):
            return "node_not_found", {"code": code}
        return found


class IdSupply:
    """Ids of one table for the rows the reading side prepares as COPY text. The reading side may
    not query, so the database side reserves them in blocks: the first before the pass, each next
    one asked for when the current block is half used (answered after at most the queued chunks)."""

    def __init__(self, pipeline: RegistryPipeline, model: Any, block: int) -> None:
        self._pipeline = pipeline
        self.model = model
        self.block = block
        self._ready: deque[list[int]] = deque()
        self._arrived = threading.Event()
        self._ids: list[int] = []
        self._pos = 0
        self._asked = True  # the first block is reserved directly (RegistryPipeline.__init__)

    def add(self, ids: list[int]) -> None:
        self._ready.append(ids)
        self._arrived.set()

    def take(self) -> int:
        if self._pos >= len(self._ids):
            self._next_block()
        value = self._ids[self._pos]
        self._pos += 1
        if not self._asked and self._pos * 2 >= len(self._ids):
            self._asked = True
            self._pipeline.ask_ids(self)
        return value

    def _next_block(self) -> None:
        while True:
            self._arrived.clear()
            if self._ready:
                break
            self._pipeline.raise_if_failed()
            if not self._asked:
                self._asked = True
                self._pipeline.ask_ids(self)
            self._arrived.wait(0.05)
        self._ids = self._ready.popleft()
        self._pos = 0
        self._asked = False


class RegistrySink:
    """Checks closed households against the tree and the registry and writes the good ones."""

    def __init__(
        self,
        *,
        actor: Any,
        into: Node | None,
        partial: bool,
        chunk: int,
        taken: tuple[set[str], set[str]] | None = None,
    ) -> None:
        """``taken``: the registry's ID numbers and household numbers, loaded by bulk mode (its
        tables have no indexes to query then); None: the registry is queried chunk by chunk."""
        self.into = into
        self.partial = partial
        self.problems = Problems()
        self.reader_failed = False  # set by the reading side: a rejected file stops the writes
        self.nodes = Nodes(actor=actor, into=into)
        self.writer = RegistryWriter()
        self.writer.tables_locked = taken is not None  # bulk-load mode holds the tables' locks
        self.taken = taken
        if taken is None:
            self.check_ids = Resident.objects.exists()
            self.check_numbers = Household.objects.filter(number__isnull=False).exists()
        else:
            self.check_ids, self.check_numbers = bool(taken[0]), bool(taken[1])
        self.chunk = min(int(connection.features.max_query_params or 900), chunk)
        self.copy_stamp = self.writer.copy_stamp
        self.households_imported = 0
        self.residents_imported = 0
        self.rows_rejected = 0
        self.prepared = False  # households may come with their rows as COPY text (see prepare)
        self._known: dict[str, tuple[int, str]] | None = None
        self._default_code: str | None = None
        self._copy = CopyBuffer(self.writer)

    def known_in_scope(self) -> dict[str, tuple[int, str]]:
        """The pre-loaded nodes a household may be prepared for (prepare_household's ``known``)."""
        scope = self.nodes.scope
        known = self.nodes.known
        if scope is None:
            return known
        return {code: found for code, found in known.items() if scope.contains(found[1])}

    def default_code(self) -> str | None:
        return self.into.code if self.into is not None and household_node_allowed(self.into) else None

    def prepare(self, h: FileHousehold, households: IdSupply, residents: IdSupply) -> None:
        """See prepare_household (the reading side, in this process)."""
        if self._known is None:
            self._known = self.known_in_scope()
            self._default_code = self.default_code()
        prepare_household(
            h,
            known=self._known,
            default_code=self._default_code,
            stamp=self.copy_stamp,
            take_household_id=households.take,
            take_resident_id=residents.take,
        )

    def drain(self, pending: list[Any]) -> None:
        """Check and write closed households: ``FileHousehold`` objects, and the reading process's
        column-wise blocks (importing_blocks.CopyBlock: good households, checked)."""
        if not all(isinstance(h, FileHousehold) for h in pending):
            households: list[FileHousehold] = []
            for item in pending:
                if isinstance(item, FileHousehold):
                    households.append(item)
                elif self._block_clear(item):
                    self._accept_block(item)
                else:  # an ID number or 户编号 already registered: household by household
                    households.extend(item.explode())
            pending = households
        for h in pending:
            if h.check_node:
                self._node(h)
        self._check_registry(pending)
        for h in pending:
            if h.bad_rows:
                self._reject(h)
            else:
                self._accept(h)

    def finish(self) -> None:
        self._copy.flush()
        self.writer.flush()

    def _node(self, h: FileHousehold) -> None:
        if h.node_code is None:
            if self.into is not None and household_node_allowed(self.into):
                h.node_code = self.into.code
            else:
                self.problems.fail_household(h, h.first_row, Col.NODE, "node_required")
                return
        answer = self.nodes.resolve(h.node_code)
        if isinstance(answer[0], str):
            code, params = answer
            assert isinstance(params, dict)
            self.problems.fail_household(h, h.first_row, Col.NODE, code, params)

    def _check_registry(self, pending: list[FileHousehold]) -> None:
        good = [h for h in pending if not h.bad_rows]
        fail = self.problems.fail_household
        if self.taken is not None:
            taken_ids, taken_numbers = self.taken
            for h in good:
                if taken_numbers and h.number and h.number in taken_numbers:
                    fail(h, h.first_row, Col.NUMBER, "household_number_taken", {"number": h.number})
            if taken_ids:
                for h in good:
                    for id_number, row in h.id_rows():
                        if id_number in taken_ids:
                            fail(h, row, Col.ID_NUMBER, "id_taken", {"masked": mask_id_number(id_number)})
            return
        if self.check_ids:
            by_id = {id_number: (h, row) for h in good for id_number, row in h.id_rows()}
            ids = list(by_id)
            for i in range(0, len(ids), self.chunk):
                found = Resident.objects.filter(id_number__in=ids[i : i + self.chunk])
                for id_number in found.values_list("id_number", flat=True):
                    h, row = by_id[id_number]
                    fail(h, row, Col.ID_NUMBER, "id_taken", {"masked": mask_id_number(id_number)})
        if self.check_numbers:
            by_number = {h.number: h for h in good if h.number}
            numbers = list(by_number)
            for i in range(0, len(numbers), self.chunk):
                found_numbers = Household.objects.filter(number__in=numbers[i : i + self.chunk])
                for number in found_numbers.values_list("number", flat=True):
                    h = by_number[str(number)]
                    fail(h, h.first_row, Col.NUMBER, "household_number_taken", {"number": number})

    def _block_clear(self, block: Any) -> bool:
        """No household of the block has an ID number or 户编号 already in the registry."""
        numbers = [n for n in block.numbers if n]
        if self.taken is not None:
            taken_ids, taken_numbers = self.taken
            return taken_numbers.isdisjoint(numbers) and taken_ids.isdisjoint(block.ids)
        if self.check_ids:
            for i in range(0, len(block.ids), self.chunk):
                if Resident.objects.filter(id_number__in=block.ids[i : i + self.chunk]).exists():
                    return False
        if self.check_numbers and numbers:
            for i in range(0, len(numbers), self.chunk):
                if Household.objects.filter(number__in=numbers[i : i + self.chunk]).exists():
                    return False
        return True

    def _accept_block(self, block: Any) -> None:
        self.households_imported += block.n_households
        self.residents_imported += block.n_residents
        if not self.partial and (self.reader_failed or self.problems.failed):
            return  # the file is rejected anyway: keep validating, stop writing
        self._copy.add_block(block)

    def _reject(self, h: FileHousehold) -> None:
        if not self.partial:
            self.rows_rejected += len(h.bad_rows)
            return
        self.rows_rejected += len(h.rows)
        rows = "、".join(str(r) for r in sorted(h.bad_rows))
        for r in h.rows:
            if r not in h.bad_rows:
                self.problems.add(RowError(r, "", "household_rejected", {"rows": rows}))

    def _accept(self, h: FileHousehold) -> None:
        size = h.size()
        self.households_imported += 1
        self.residents_imported += size
        if not self.partial and (self.reader_failed or self.problems.failed):
            return  # the file is rejected anyway: keep validating, stop writing
        if h.copy_residents is not None and h.copy_household is not None:
            texts = (h.copy_household, h.copy_household_tags, h.copy_residents, h.copy_resident_tags)
            self._copy.add_household(texts, h.node_id, size)
            return
        node_id, path = self.nodes.resolve(h.node_code or "")
        assert isinstance(node_id, int) and isinstance(path, str)
        writer = self.writer
        hid = writer.add_household(
            node_id=node_id, node_path=path, address=h.address or "", number=h.number, tag_ids=h.tags or ()
        )
        add_resident = writer.add_resident
        for m in h.members:
            add_resident(household_id=hid, node_path=path, node_id=node_id, **m.resident)


def _conflict() -> Conflict:
    return Conflict(
        _("导入时与其他人同时写入的数据冲突（身份证号或户编号重复），请重新导入"),
        code="import_conflict",
    )


class RegistryPipeline:
    """Runs a RegistrySink in its own thread on the caller's connection (see the module doc).

    ``submit`` hands over a chunk (blocks while the queue is full) and raises at once if the
    database side has failed; ``close`` waits for the last write and raises that side's error.
    ``abort`` (on an error in the reading side) stops the thread without further writes. After
    ``close``/``abort`` the connection belongs to the calling thread again.
    """

    def __init__(self, sink: RegistrySink, *, threaded: bool = True) -> None:
        self.sink = sink
        self._threaded = threaded
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=_QUEUED_CHUNKS)
        self._error: BaseException | None = None
        self._stop = False
        self._thread: threading.Thread | None = None
        self._connection: Any = None
        # With the thread on PostgreSQL the reading side also encodes the rows as COPY text: the
        # thread is then left with almost no Python to run, which is what lets the two overlap.
        self.household_ids: IdSupply | None = None
        self.resident_ids: IdSupply | None = None
        if threaded and connection.vendor == "postgresql":
            sink.prepared = True
            self.household_ids = IdSupply(self, Household, _HOUSEHOLD_ID_BLOCK)
            self.resident_ids = IdSupply(self, Resident, _RESIDENT_ID_BLOCK)
            for supply in (self.household_ids, self.resident_ids):
                supply.add(sink.writer.reserve_ids(supply.model, supply.block))
        if threaded:
            self._connection = connections[DEFAULT_DB_ALIAS]
            self._connection.inc_thread_sharing()
            self._thread = threading.Thread(target=self._run, name="registry-import-db", daemon=True)
            self._thread.start()

    def submit(self, pending: list[FileHousehold]) -> None:
        if not self._threaded:
            self._work(pending)
            return
        self.raise_if_failed()
        self._queue.put(pending)

    def prepare(self, h: FileHousehold) -> None:
        """Reading side: encode a household that passed its checks (threaded PostgreSQL only)."""
        if self.household_ids is not None and self.resident_ids is not None:
            self.sink.prepare(h, self.household_ids, self.resident_ids)

    def ask_ids(self, supply: IdSupply) -> None:
        self._queue.put(supply)

    def close(self) -> None:
        """The last chunk was submitted: flush, wait, and raise whatever went wrong over there."""
        if not self._threaded:
            self._finish()
            return
        self._queue.put(_END)
        self._join()
        self.raise_if_failed()

    def abort(self) -> None:
        if self._thread is None:
            return
        self._stop = True
        self._queue.put(_END)
        self._join()

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
            self._connection.dec_thread_sharing()

    def raise_if_failed(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _run(self) -> None:
        connections[DEFAULT_DB_ALIAS] = self._connection
        try:
            while True:
                item = self._queue.get()
                if item is _END:
                    break
                if self._error is None and not self._stop:
                    try:
                        if isinstance(item, IdSupply):
                            item.add(self.sink.writer.reserve_ids(item.model, item.block))
                            continue
                        self._work(item)
                    except BaseException as exc:  # handed to the reading thread, raised there
                        self._error = exc
            if self._error is None and not self._stop:
                try:
                    self._finish()
                except BaseException as exc:
                    self._error = exc
        finally:
            # Forget the borrowed connection in this thread; it is not closed (the caller's).
            del connections[DEFAULT_DB_ALIAS]

    def _work(self, pending: list[FileHousehold]) -> None:
        try:
            self.sink.drain(pending)
        except IntegrityError:
            raise _conflict() from None

    def _finish(self) -> None:
        try:
            self.sink.finish()
        except IntegrityError:
            raise _conflict() from None


__all__ = ["MAX_REPORTED", "FileHousehold", "Nodes", "Problems", "RegistryPipeline", "RegistrySink", "merged"]
