"""Every error is JSON {code, message, data} with the right status; bad input never yields a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework import exceptions
from rest_framework.test import APIClient

from sanzhi.api.errors import exception_handler
from sanzhi.core.testing import Town

Api = Callable[[str], APIClient]


def _assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "data"}
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["data"], dict)
    if code is not None:
        assert body["code"] == code
    return body


@pytest.mark.parametrize("url", ["/api/v1/nope", "/api/nope", "/api/v2/me", "/api/v1/households/abc"])
def test_unknown_urls_under_api_are_json_404(town: Town, api_as: Api, url: str) -> None:
    _assert_error(api_as("street").get(url), 404, "not_found")


def test_method_not_allowed(town: Town, api_as: Api) -> None:
    body = _assert_error(api_as("street").put("/api/v1/me", {}, format="json"), 405, "method_not_allowed")
    assert "PUT" in body["message"]
    _assert_error(api_as("street").get("/api/v1/auth/token"), 405, "method_not_allowed")


def test_unsupported_media_type(town: Town, anon: APIClient) -> None:
    response = anon.post("/api/v1/auth/token", "username=x", content_type="text/plain")
    _assert_error(response, 415, "unsupported_media_type")


def test_malformed_json_is_a_parse_error(town: Town, anon: APIClient) -> None:
    response = anon.post("/api/v1/auth/token", '{"username": ', content_type="application/json")
    _assert_error(response, 400, "parse_error")


def test_validation_errors_list_fields(town: Town, anon: APIClient) -> None:
    response = anon.post("/api/v1/auth/token", {"username": "x" * 151, "password": ""}, format="json")
    body = _assert_error(response, 400, "invalid")
    assert set(body["data"]["fields"]) == {"username", "password"}


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/households/?page=abc", 404, "invalid_page"),
        ("/api/v1/households/?page=0", 404, "invalid_page"),
        ("/api/v1/households/?page=-3", 404, "invalid_page"),
        ("/api/v1/households/?page=99999999999999999999999999", 404, "invalid_page"),
        ("/api/v1/households/?page=1e400", 404, "invalid_page"),
        ("/api/v1/residents/99999999999999999999999999999", 404, "not_found"),
        ("/api/v1/households/9223372036854775808", 404, "not_found"),
        ("/api/v1/households/-1", 404, "not_found"),
        ("/api/v1/nodes/%E2%98%83%F0%9F%92%A9", 404, "not_found"),
        ("/api/v1/nodes/%00", 404, "not_found"),
        ("/api/v1/nodes/" + "1" * 500, 404, "not_found"),
        ("/api/v1/nodes/?parent=%E2%98%83", 404, "not_found"),
        ("/api/v1/nodes/?parent=%00", 400, "invalid"),
        ("/api/v1/households/?node=" + "9" * 31, 400, "invalid"),
        ("/api/v1/households/?search=%00", 400, "invalid"),
        ("/api/v1/residents/?search=%ED%A0%80", 200, None),  # undecodable byte: Django replaces it
        ("/api/v1/residents/?reason=" + "x" * 201 + "&reveal=1", 400, "invalid"),
    ],
)
def test_junk_input_is_a_clean_error(
    town: Town, api_as: Api, url: str, status: int, code: str | None
) -> None:
    response = api_as("sysadmin").get(url)
    if status == 200:
        assert response.status_code == 200
        return
    _assert_error(response, status, code)


@pytest.mark.parametrize("size", ["-1", "0", "abc", "100000"])
def test_bad_page_size_falls_back_to_a_bounded_page(town: Town, api_as: Api, size: str) -> None:
    response = api_as("sysadmin").get(f"/api/v1/households/?page_size={size}")
    assert response.status_code == 200
    assert response.json()["count"] == 3


def test_pages(town: Town, api_as: Api) -> None:
    client = api_as("sysadmin")
    first = client.get("/api/v1/households/?page_size=2").json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["previous"] is None
    second = client.get(first["next"].replace("http://testserver", "")).json()
    assert len(second["results"]) == 1 and second["next"] is None
    last = client.get("/api/v1/households/?page_size=2&page=last").json()
    assert last["results"] == second["results"]
    body = _assert_error(client.get("/api/v1/households/?page_size=2&page=3"), 404, "invalid_page")
    assert body["data"] == {"num_pages": 2}


def test_unexpected_exception_is_json_500_not_html(
    town: Town, api_as: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(user: object) -> dict:
        raise RuntimeError("bug")

    monkeypatch.setattr("sanzhi.api.views.me.me_payload", boom)
    client = api_as("street")
    client.raise_request_exception = False
    _assert_error(client.get("/api/v1/me"), 500, "server_error")


def test_drf_throttling_maps_to_429_with_retry_after() -> None:
    response = exception_handler(exceptions.Throttled(wait=12), {})
    assert response is not None and response.status_code == 429
    assert response.data["code"] == "throttled"
    assert response.data["data"] == {"retry_after_seconds": 12}


def test_serializer_level_errors_are_reported_under_fields() -> None:
    response = exception_handler(exceptions.ValidationError(["两个字段不能同时为空"]), {})
    assert response is not None
    assert response.data["data"] == {"fields": {"non_field_errors": ["两个字段不能同时为空"]}}


def test_big_lists_count_up_to_a_cap_then_estimate(
    town: Town, api_as: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past COUNT_CAP rows PostgreSQL reports the planner's estimate (count_exact false); the pages
    still run to the end, since each page knows whether another follows without a count."""
    from django.db import connection

    monkeypatch.setattr("sanzhi.api.pagination.COUNT_CAP", 1)
    client = api_as("sysadmin")
    first = client.get("/api/v1/households/?page_size=1").json()
    if connection.vendor == "postgresql":
        assert first["count_exact"] is False and first["count"] >= 2
    else:
        assert first["count_exact"] is True and first["count"] == 3
    seen = [first["results"][0]["id"]]
    page = first
    while page["next"]:
        page = client.get(page["next"].replace("http://testserver", "")).json()
        seen.append(page["results"][0]["id"])
    assert len(seen) == len(set(seen)) == 3
    assert page["count"] == 3 and page["count_exact"] is True  # the last page counts itself
