"""Read a big .xlsx sheet's rows in a helper process: the rows of ``XlsxSheet.rows()``, in chunks
through a pipe.

Parsing the sheet's XML is most of the work of reading an .xlsx file (a million rows: some twenty
seconds of one core), and it needs nothing but the file. For a big import that already checks rows
in one process and writes them from another, a third one parsing the XML lets the checking keep
pace instead of waiting for the parser (``read_table(..., sheet_process=True)``).

The helper is started with ``spawn`` (the caller may have threads), imports only this module and
``core.xlsx``, and sends lists of ``(row number, cells)``; the pipe's buffer bounds how far it
reads ahead. Its errors come back as ``XlsxError``; closing the reader stops it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from sanzhi.core.xlsx import XlsxError, XlsxSheet

CHUNK_ROWS = 1_000


def _produce(conn: Any, path: str, chunk: int) -> None:
    try:
        sheet = XlsxSheet(Path(path))
        try:
            rows: list[tuple[int, list[Any]]] = []
            for row in sheet.rows():
                rows.append(row)
                if len(rows) >= chunk:
                    conn.send(rows)
                    rows = []
            if rows:
                conn.send(rows)
        finally:
            sheet.close()
        conn.send(None)
    except (BrokenPipeError, EOFError):
        pass  # the reader stopped listening: nothing to tell
    except BaseException as exc:
        with contextlib.suppress(OSError):
            conn.send(("error", str(exc) if isinstance(exc, XlsxError) else f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class ProcessRows:
    """Iterate a sheet's rows parsed by a helper process; ``close()`` stops it (also when
    abandoned half-way)."""

    def __init__(self, path: Path, *, chunk: int = CHUNK_ROWS) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=False)
        self._process = ctx.Process(
            target=_produce, args=(child, str(path), chunk), name="xlsx-sheet-reader", daemon=True
        )
        self._process.start()
        child.close()
        self._rows = self._receive()

    def __iter__(self) -> Iterator[tuple[int, list[Any]]]:
        return self._rows

    def __next__(self) -> tuple[int, list[Any]]:
        return next(self._rows)

    def _receive(self) -> Generator[tuple[int, list[Any]], None, None]:
        while True:
            try:
                message = self._conn.recv()
            except EOFError:
                self._process.join(5)
                raise XlsxError(
                    f"the sheet's reading process ended unexpectedly (exit code {self._process.exitcode})"
                ) from None
            if message is None:
                return
            if isinstance(message, tuple):
                raise XlsxError(message[1])
            yield from message

    def close(self) -> None:
        self._rows.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._conn.close()


__all__ = ["CHUNK_ROWS", "ProcessRows"]
