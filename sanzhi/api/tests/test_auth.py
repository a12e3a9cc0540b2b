"""Token login, throttling, revocation, and how unauthenticated calls are answered."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from pytest_django import Settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import PASSWORD, Town

from .conftest import anonymous_client

TOKEN_URL = "/api/v1/auth/token"


def _login(client: APIClient, username: str, password: str) -> tuple[int, dict]:
    response = client.post(TOKEN_URL, {"username": username, "password": password}, format="json")
    return response.status_code, response.json()


def test_token_flow_login_me_revoke(town: Town, anon: APIClient) -> None:
    status, body = _login(anon, "gridworker", PASSWORD)
    assert status == 200
    assert body["user"] == {"id": town.gridworker.pk, "username": "gridworker", "display_name": "gridworker"}
    token = body["token"]
    assert Token.objects.get(user=town.gridworker).key == token
    assert AuditEvent.objects.filter(action="api.token_issue", actor=town.gridworker).exists()

    anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon.get("/api/v1/me").json()["username"] == "gridworker"

    # Logging in again hands out the same token (one per user, shared by the user's clients).
    assert _login(anonymous_client(), "gridworker", PASSWORD)[1]["token"] == token

    assert anon.delete(TOKEN_URL).status_code == 204
    assert not Token.objects.filter(user=town.gridworker).exists()
    assert AuditEvent.objects.filter(action="api.token_revoke", actor=town.gridworker).exists()
    after = anon.get("/api/v1/me")
    assert after.status_code == 401
    assert after.json()["code"] == "authentication_failed"


def test_login_with_stale_token_header_still_works(town: Town, anon: APIClient) -> None:
    anon.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    status, body = _login(anon, "rep", PASSWORD)
    assert status == 200 and body["token"]


@pytest.mark.parametrize(
    ("username", "password", "code"),
    [
        ("gridworker", "wrong-password-1", "invalid_credentials"),
        ("no-such-user", PASSWORD, "invalid_credentials"),
        ("  ", PASSWORD, "invalid"),  # blank after trimming: the serializer refuses it
    ],
)
def test_bad_credentials_are_400(
    town: Town, anon: APIClient, username: str, password: str, code: str
) -> None:
    status, body = _login(anon, username, password)
    assert status == 400
    assert body["code"] == code
    assert set(body) == {"code", "message", "data"}


def test_missing_fields_name_the_fields(town: Town, anon: APIClient) -> None:
    response = anon.post(TOKEN_URL, {"username": "rep"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "password" in body["data"]["fields"]


def test_inactive_user_cannot_log_in(town: Town, anon: APIClient) -> None:
    town.rep.is_active = False
    town.rep.save(update_fields=["is_active"])
    status, body = _login(anon, "rep", PASSWORD)
    assert (status, body["code"]) == (400, "invalid_credentials")


def test_throttled_after_limit_even_with_right_password(
    town: Town, anon: APIClient, settings: Settings
) -> None:
    settings.LOGIN_THROTTLE_LIMIT = 3
    for _i in range(3):
        assert _login(anon, "street", "wrong-password-x")[0] == 400
    response = anon.post(TOKEN_URL, {"username": "street", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "login_throttled"
    assert body["data"]["retry_after_seconds"] == settings.LOGIN_THROTTLE_WINDOW_SECONDS
    assert response["Retry-After"] == str(settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    assert not Token.objects.filter(user=town.street).exists()


def test_throttle_counts_per_username_across_addresses(town: Town, settings: Settings) -> None:
    settings.LOGIN_THROTTLE_LIMIT = 2
    for i in range(2):
        client = anonymous_client(f"10.0.0.{i + 1}")
        assert _login(client, "secretary", "wrong-password-x")[0] == 400
    fresh = anonymous_client("10.0.0.9")
    assert _login(fresh, "secretary", PASSWORD)[0] == 429
    # Another user from a clean address is not affected.
    assert _login(fresh, "council", PASSWORD)[0] == 200


@pytest.mark.parametrize("url", ["/api/v1/me", "/api/v1/nodes/", "/api/v1/households/", "/api/v1/residents/"])
def test_unauthenticated_is_401_with_challenge(town: Town, anon: APIClient, url: str) -> None:
    response = anon.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert response.json()["code"] == "not_authenticated"


def test_revoke_needs_authentication(town: Town, anon: APIClient) -> None:
    response = anon.delete(TOKEN_URL)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_session_authentication_is_accepted(town: Town, client_as: Callable[[str], Client]) -> None:
    client = client_as("secretary")
    response = client.get("/api/v1/me", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response.json()["username"] == "secretary"
