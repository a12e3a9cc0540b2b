"""Shared fixtures: ``town`` (a small governance tree with one persona per role) and ``client_as``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sanzhi.core.testing import Town, build_town


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # argon2 is the production hasher (tested in sanzhi/accounts/tests); per-test users need no cost.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_work_calendar() -> None:
    # The working calendar is cached per process; a test's rolled-back CalendarDay rows must not leak.
    from sanzhi.core.workcalendar import calendar_cache_clear

    calendar_cache_clear()


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
