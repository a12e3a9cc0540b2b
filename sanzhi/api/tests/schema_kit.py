"""What every schemathesis run shares: the checks, the proxy header, the in-process app fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# The app runs as it does behind the TLS proxy (SECURE_SSL_REDIRECT on).
PROXY_HTTPS = {"X-Forwarded-Proto": "https"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def in_process_wsgi() -> Iterator[object]:
    """The Django app called in-process inside the test transaction.

    Django closes "obsolete" connections at request boundaries, which inside the test's atomic block
    would drop it; the test client disconnects that hook the same way.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
