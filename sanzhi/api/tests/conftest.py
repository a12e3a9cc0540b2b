"""API clients per persona, authenticated with a real token the way a client program would be."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from sanzhi.api.services import api_token_issue
from sanzhi.api.tests.schema_kit import in_process_wsgi  # noqa: F401 (a fixture of every schemathesis run)
from sanzhi.core.testing import Town
from sanzhi.tickets.testing import TicketWorld, build_ticket_world


def anonymous_client(remote_addr: str = "127.0.0.1") -> APIClient:
    # Production runs behind TLS (SANZHI_HTTPS); the proxy header keeps the test client off the redirect.
    return APIClient(HTTP_X_FORWARDED_PROTO="https", REMOTE_ADDR=remote_addr)


@pytest.fixture
def anon() -> APIClient:
    return anonymous_client()


@pytest.fixture
def api_as(town: Town) -> Callable[[str], APIClient]:
    def make(persona: str) -> APIClient:
        client = anonymous_client()
        token = api_token_issue(user=town.users[persona])
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def world(town: Town) -> TicketWorld:
    return build_ticket_world(town)
