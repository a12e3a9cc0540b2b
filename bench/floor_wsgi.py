"""The ceiling of the web stack on this machine: gunicorn serving a WSGI app that does nothing
(a fixed JSON answer). ``ticket_bench.py`` loads it with the same workers and wrk settings as
Sanzhi's create, so the create figures can be read against what the server alone allows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

BODY = b'{"ok":true}'


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    if length:
        environ["wsgi.input"].read(length)
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))])
    return [BODY]
