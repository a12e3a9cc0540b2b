"""Shared fixtures: ``town`` (a small governance tree with one persona per role) and ``client_as``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from sanzhi.core.testing import Town, build_town


@pytest.fixture
def town(db: None) -> Town:
    return build_town()


@pytest.fixture
def client_as(town: Town) -> Callable[[str], Client]:
    def make(persona: str) -> Client:
        client = Client()
        client.force_login(town.users[persona])
        return client

    return make
