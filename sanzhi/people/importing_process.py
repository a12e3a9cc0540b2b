"""The reading side of a big household import in a second process (PostgreSQL).

On two cores a big import is three busy programs: Python reading and validating the file, Python
sending COPY text, and the PostgreSQL backend taking it in. In one process the two Python parts
share the GIL; here the reading side (read, validate, group, encode each good household as COPY
text: ``importing._Importer`` unchanged) runs in a child process, and this process only does the
database side (``importing_sink.RegistrySink``: node and registry checks, COPY, counters) on the
import's own connection and transaction.

The child never touches the database. What it needs is loaded before it starts and handed over:
the validator (tags, code tables), the micro-grid codes within the actor's scope, the COPY
timestamp, and blocks of ids reserved from the tables' sequences (it asks for the next block
through the pipe when half of the current one is used; a small thread in the child takes the
answers). Under ``fork`` the inherited connection is put out of reach (a query would raise), and
kept referenced so it is never finalised in the child (that would end the parent's session).

Messages child -> parent: ("chunk", households, reader_failed), ("ids", kind), ("done", summary),
("error", exception). Any error on either side ends the import: the child is stopped, the
exception is raised here, and the caller's transaction rolls everything back.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import threading
import traceback
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import IntegrityError
from django.utils import translation

from sanzhi.core.errors import DomainError
from sanzhi.people.importing_boot import boot
from sanzhi.people.importing_fast import CopyBlock, FastPath
from sanzhi.people.importing_rows import RowValidator
from sanzhi.people.importing_sink import (
    FileHousehold,
    Problems,
    RegistrySink,
    _conflict,
    prepare_household,
)
from sanzhi.people.models import Household, Resident

# Ids per block handed to the child (households, residents).
ID_BLOCKS = {"h": 50_000, "r": 100_000}
_QUEUED_MESSAGES = 8
BATCH_ROWS = 2_000  # rows per column-wise batch (importing_fast)
SHEET_PROCESS = True  # parse an .xlsx file's sheet in a helper process (core.xlsx_process)
# "fork" when the calling process has no other thread (the CLI), else "spawn" (a web worker with
# threads must not fork). None: choose so; tests force either.
START_METHOD: str | None = None
_INHERITED: list[Any] = []  # under fork: the parent's connection wrappers, never finalised here


@dataclass
class ChildArgs:
    path: str
    file_name: str
    required: list[str]
    optional: list[str]
    partial: bool
    chunk: int
    validator: RowValidator
    known: dict[str, tuple[int, str]]
    default_code: str | None
    stamp: str
    registry_checks: bool
    first_ids: dict[str, list[int]]
    language: str
    settings_module: str


@dataclass
class ReaderSummary:
    rows_read: int
    rows_rejected: int
    problems: Problems


class ReaderProcessError(RuntimeError):
    """The reading process ended without saying why (killed, out of memory)."""


# -- child side ---------------------------------------------------------------------------------
class _IdHub:
    """Id blocks for the child: asked through the data pipe, answered on the ids pipe (read by a
    thread, so the parent never blocks on a child busy reading the file)."""

    def __init__(self, data: Any, ids: Any, first: dict[str, list[int]]) -> None:
        self._data = data
        self._ready: dict[str, deque[list[int]]] = {kind: deque() for kind in first}
        self._arrived = threading.Condition()
        self._closed = False
        self.supplies = {kind: _Supply(self, kind, block) for kind, block in first.items()}
        self._thread = threading.Thread(target=self._listen, args=(ids,), name="import-ids", daemon=True)
        self._thread.start()

    def _listen(self, ids: Any) -> None:
        try:
            while True:
                kind, block = ids.recv()
                with self._arrived:
                    self._ready[kind].append(block)
                    self._arrived.notify_all()
        except (EOFError, OSError):
            with self._arrived:
                self._closed = True
                self._arrived.notify_all()

    def ask(self, kind: str) -> None:
        self._data.send(("ids", kind))

    def wait(self, kind: str) -> list[int]:
        with self._arrived:
            while not self._ready[kind]:
                if self._closed:
                    raise ReaderProcessError("the database side stopped answering")
                self._arrived.wait()
            return self._ready[kind].popleft()


class _Supply:
    def __init__(self, hub: _IdHub, kind: str, first: list[int]) -> None:
        self._hub = hub
        self._kind = kind
        self._ids = first
        self._pos = 0
        self._asked = False

    def take(self) -> int:
        if self._pos >= len(self._ids):
            if not self._asked:
                self._hub.ask(self._kind)
            self._ids = self._hub.wait(self._kind)
            self._pos = 0
            self._asked = False
        value = self._ids[self._pos]
        self._pos += 1
        if not self._asked and self._pos * 2 >= len(self._ids):
            self._asked = True
            self._hub.ask(self._kind)
        return value

    def take_many(self, n: int) -> list[int]:
        take = self.take
        return [take() for _ in range(n)]


class _ReaderSink:
    """What the reading side sees of the sink (its chunk size and the reading side's flags)."""

    def __init__(self, chunk: int) -> None:
        self.chunk = chunk
        self.problems = Problems()  # the database side's: never filled here
        self.reader_failed = False
        self.households_imported = self.residents_imported = self.rows_rejected = 0


class _ChildPipeline:
    def __init__(self, data: Any, hub: _IdHub, args: ChildArgs) -> None:
        self.sink = _ReaderSink(args.chunk)
        self._data = data
        self._known = args.known
        self._default_code = args.default_code
        self._stamp = args.stamp
        self._take_household_id = hub.supplies["h"].take
        self._take_resident_id = hub.supplies["r"].take

    def prepare(self, h: FileHousehold) -> None:
        prepare_household(
            h,
            known=self._known,
            default_code=self._default_code,
            stamp=self._stamp,
            take_household_id=self._take_household_id,
            take_resident_id=self._take_resident_id,
        )

    def submit(self, pending: list[FileHousehold | CopyBlock]) -> None:
        for h in pending:
            if isinstance(h, FileHousehold):
                h.strip()
        self._data.send(("chunk", pending, self.sink.reader_failed))

    def close(self) -> None:
        pass


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("the import's reading process must not use the database")


def _forbid_database() -> None:
    from django.db import connections

    local = connections._connections  # type: ignore[attr-defined]
    for alias in list(connections.settings):
        inherited = getattr(local, alias, None)
        if inherited is not None:
            _INHERITED.append(inherited)  # keep it alive: finalising it would end the parent's session
            delattr(local, alias)
        fresh = connections[alias]
        fresh.connect = _refuse  # type: ignore[method-assign]
        fresh.ensure_connection = _refuse  # type: ignore[method-assign]


def _portable(exc: BaseException) -> tuple[Any, ...]:
    note = "".join(traceback.format_exception(exc))
    if isinstance(exc, DomainError):
        return ("domain", type(exc), exc.message, exc.code, exc.data, note)
    try:
        pickle.dumps(exc)
    except Exception:
        return ("text", f"{type(exc).__name__}: {exc}", note)
    return ("pickled", exc, note)


def _rebuild(payload: tuple[Any, ...]) -> BaseException:
    kind = payload[0]
    exc: BaseException
    if kind == "domain":
        _kind, cls, message, code, data, note = payload
        exc = cls(message, code=code, data=data)
    elif kind == "pickled":
        _kind, exc, note = payload
    else:
        _kind, text, note = payload
        exc = ReaderProcessError(text)
    exc.add_note("In the import's reading process:\n" + note)
    return exc


def child_main(data: Any, ids: Any, args: ChildArgs) -> None:
    """The reading process: the file in, chunks of checked households out."""
    import gc

    try:
        _forbid_database()
        translation.activate(args.language)
        gc.set_threshold(200_000, 50, 50)
        from sanzhi.core.tabular import read_table
        from sanzhi.people.importing import ImportReport, _Importer

        hub = _IdHub(data, ids, args.first_ids)
        pipeline = _ChildPipeline(data, hub, args)
        report = ImportReport(file=args.file_name, partial=args.partial)
        importer = _Importer(
            validator=args.validator,
            partial=args.partial,
            report=report,
            pipeline=pipeline,  # type: ignore[arg-type]
        )
        households, residents = hub.supplies["h"], hub.supplies["r"]
        fast = FastPath(
            importer,
            known=args.known,
            default_code=args.default_code,
            stamp=args.stamp,
            take_household_ids=households.take_many,
            take_resident_ids=residents.take_many,
            registry_checks=args.registry_checks,
        )
        # An .xlsx sheet's XML is parsed in one more process: parsing is most of reading a sheet.
        with read_table(
            Path(args.path), required=args.required, optional=args.optional, sheet_process=SHEET_PROCESS
        ) as table:
            for batch in table.batches(BATCH_ROWS):
                fast.feed(batch)
        fast.end_of_file()
        importer.end_of_file()
        data.send(("done", ReaderSummary(report.rows_read, report.rows_rejected, importer.problems)))
    except BaseException as exc:
        with contextlib.suppress(Exception):
            data.send(("error", _portable(exc)))
    finally:
        data.close()


# -- parent side --------------------------------------------------------------------------------
def start_method() -> str:
    if START_METHOD is not None:
        return START_METHOD
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return "fork"
    return "spawn"


def run_reader_process(
    *,
    path: Path,
    required: list[str],
    optional: list[str],
    validator: RowValidator,
    sink: RegistrySink,
    partial: bool,
) -> ReaderSummary:
    """Run the reading side in a child process and the database side here (this thread, the
    caller's connection and transaction). Returns the reading side's summary; the sink holds the
    database side's. Raises whatever either side raised."""
    from django.conf import settings

    models = {"h": Household, "r": Resident}
    sink.prepared = True
    first_ids = {kind: sink.writer.reserve_ids(models[kind], ID_BLOCKS[kind]) for kind in models}
    args = ChildArgs(
        path=str(path),
        file_name=Path(path).name,
        required=required,
        optional=optional,
        partial=partial,
        chunk=sink.chunk,
        validator=validator,
        known=sink.known_in_scope(),
        default_code=sink.default_code(),
        stamp=sink.copy_stamp,
        registry_checks=sink.check_ids or sink.check_numbers,
        first_ids=first_ids,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        # (pytest-django's settings fixture wraps settings in a holder without SETTINGS_MODULE)
        settings_module=os.environ.get("DJANGO_SETTINGS_MODULE") or str(settings.SETTINGS_MODULE),
    )
    ctx = multiprocessing.get_context(start_method())
    data_in, data_out = ctx.Pipe(duplex=False)
    ids_in, ids_out = ctx.Pipe(duplex=False)
    payload = pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL)
    process = ctx.Process(  # type: ignore[attr-defined]
        target=boot,
        args=(data_out, ids_in, args.settings_module, payload),
        name="registry-import-reader",
        daemon=False,  # it may start the sheet's parsing process; this function always reaps it
    )
    process.start()
    data_out.close()
    ids_in.close()
    messages: queue.Queue[tuple[Any, ...]] = queue.Queue(maxsize=_QUEUED_MESSAGES)
    stop = threading.Event()

    def receive() -> None:
        # Unpickling happens here, while the main thread waits on the database.
        while not stop.is_set():
            try:
                message = data_in.recv()
            except (EOFError, OSError):
                message = ("eof",)
            except Exception as exc:  # a message that does not unpickle: end, do not hang
                message = ("error", _portable(exc))
            while not stop.is_set():
                try:
                    messages.put(message, timeout=0.1)
                    break
                except queue.Full:
                    continue
            if message[0] in ("done", "error", "eof"):
                return

    receiver = threading.Thread(target=receive, name="registry-import-receive", daemon=True)
    receiver.start()
    kind = ""
    try:
        while True:
            message = messages.get()
            kind = message[0]
            if kind == "chunk":
                sink.reader_failed = sink.reader_failed or message[2]
                try:
                    sink.drain(message[1])
                except IntegrityError:
                    raise _conflict() from None
            elif kind == "ids":
                block = sink.writer.reserve_ids(models[message[1]], ID_BLOCKS[message[1]])
                # A child that asked ahead may have finished meanwhile; if it died instead, its
                # data pipe says so next.
                with contextlib.suppress(OSError):
                    ids_out.send((message[1], block))
            elif kind == "done":
                summary: ReaderSummary = message[1]
                break
            elif kind == "error":
                raise _rebuild(message[1])
            else:
                process.join(5)
                raise ReaderProcessError(
                    f"the import's reading process ended unexpectedly (exit code {process.exitcode})"
                )
        try:
            sink.finish()
        except IntegrityError:
            raise _conflict() from None
        return summary
    finally:
        stop.set()
        if process.is_alive():
            process.join(0.5 if kind == "done" else 0)
        if process.is_alive():
            process.terminate()
        process.join()
        receiver.join()
        data_in.close()
        ids_out.close()
        process.close()


__all__ = ["ID_BLOCKS", "START_METHOD", "ReaderProcessError", "ReaderSummary", "run_reader_process"]
