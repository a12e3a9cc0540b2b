"""Open311 GeoReport v2 as a generic client uses it: discovery, services, POST, read back, errors."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanzhi.api.apikeys import apikey_create, apikey_revoke
from sanzhi.api.models import ApiKey, Open311Request
from sanzhi.core.testing import Town
from sanzhi.tickets.intake import ticket_create
from sanzhi.tickets.models import Channel, Ticket
from sanzhi.tickets.services import ticket_register, ticket_void
from sanzhi.tickets.testing import TicketWorld


@pytest.fixture
def web() -> Client:
    return Client(HTTP_X_FORWARDED_PROTO="https")


@pytest.fixture
def key(world: TicketWorld) -> str:
    _key, raw = apikey_create(actor=None, name="城市服务App", node=world.town.village)
    return raw


class GenericClient:
    """Knows only the discovery URL and the GeoReport v2 resource names."""

    def __init__(self, web: Client, fmt: str):
        self.web = web
        self.fmt = fmt
        document = self.get_json("/open311/v2/discovery.json")
        (endpoint,) = [e for e in document["endpoints"] if "GeoReport_v2" in e["specification"]]
        assert {"text/xml", "application/json"} <= set(endpoint["formats"])
        self.base = urlsplit(endpoint["url"]).path

    def get_json(self, url: str) -> Any:
        response = self.web.get(url)
        assert response.status_code == 200, response.content
        return response.json()

    def parse(self, response: Any) -> Any:
        if self.fmt == "json":
            assert response["Content-Type"] == "application/json; charset=utf-8"
            return response.json()
        assert response["Content-Type"] == "text/xml; charset=utf-8"
        assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
        root = ET.fromstring(response.content)
        return [{child.tag: (child.text or "") for child in item} for item in root]

    def call(self, method: str, resource: str, data: dict | None = None, status: int = 200) -> Any:
        url = f"{self.base}{resource}.{self.fmt}"
        response = self.web.post(url, data or {}) if method == "POST" else self.web.get(url, data or {})
        assert response.status_code == status, response.content
        return self.parse(response)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_generic_client_lists_posts_and_reads_back(
    world: TicketWorld, web: Client, key: str, fmt: str
) -> None:
    client = GenericClient(web, fmt)
    services = client.call("GET", "services")
    by_code = {s["service_code"]: s for s in services}
    assert {"litter", "road", "dispute", "policy"} <= set(by_code)
    assert "environment" not in by_code and "facilities" not in by_code  # groups, not services
    assert by_code["litter"]["group"] == "市容环境"
    assert str(by_code["litter"]["metadata"]).lower() == "false"
    assert by_code["litter"]["type"] == "realtime"

    created = client.call(
        "POST",
        "requests",
        {
            "api_key": key,
            "service_code": "litter",
            "lat": "31.560100",
            "long": "107.100200",
            "address_string": "创举社区东门",
            "description": "垃圾桶满溢，联系我 13912345678",
            "first_name": "小明",
            "last_name": "王",
            "phone": "13912345678",
            "email": "wang@example.cn",
        },
        status=201,
    )
    (receipt,) = created
    request_id, token = str(receipt["service_request_id"]), receipt["token"]
    ticket = Ticket.objects.get(pk=int(request_id))
    assert ticket.channel == Channel.OPEN311 and ticket.node == world.town.village
    assert ticket.reporter_name == "王小明" and ticket.reporter_phone == "+8613912345678"
    assert ticket.category == world.litter and ticket.entered_by is None

    (by_token,) = client.call("GET", f"tokens/{token}")
    assert str(by_token["service_request_id"]) == request_id

    (read,) = client.call("GET", f"requests/{request_id}")
    assert str(read["service_request_id"]) == request_id
    assert read["status"] == "open" and read["status_notes"] == "已上报"
    assert read["service_code"] == "litter" and read["service_name"] == "环境卫生"
    assert read["agency_responsible"] == "创举社区"
    assert read["address"] == "创举社区东门" and float(read["lat"]) == pytest.approx(31.5601)
    assert read["requested_datetime"].endswith("+08:00")
    assert read["expected_datetime"] == timezone.localtime(ticket.due_at).isoformat(timespec="seconds")
    # Privacy: the reporter's name and phone are never public; a phone typed into the text is masked.
    assert read["description"] == "垃圾桶满溢，联系我 139****5678"
    for value in read.values():
        assert "王小明" not in str(value) and "13912345678" not in str(value)

    listed = client.call("GET", "requests", {"service_code": "litter,road", "status": "open"})
    assert [str(r["service_request_id"]) for r in listed] == [request_id]


def test_search_filters_dates_status_and_privacy(world: TicketWorld, web: Client) -> None:
    town = world.town
    now = timezone.now()
    old = ticket_create(
        actor=town.resident, channel=Channel.RESIDENT, text="旧诉求", now=now - dt.timedelta(days=120)
    )
    fresh = ticket_create(
        actor=town.resident,
        channel=Channel.RESIDENT,
        text="身份证 511923199001011234 丢了",
        address="1号楼101",
    )
    ticket_register(actor=town.gridworker, ticket=fresh, category=world.dispute)
    voided = ticket_create(actor=town.gridworker, channel=Channel.PATROL, node=town.grid, text="误报")
    ticket_void(actor=town.secretary, ticket=voided, reason="误报")

    def ids(**params: str) -> list[int]:
        response = web.get("/open311/v2/requests.json", params)
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    assert ids() == [voided.pk, fresh.pk]  # the default span is 90 days
    assert ids(status="closed") == [voided.pk]
    assert ids(status="open,closed") == [voided.pk, fresh.pk]
    assert ids(service_code="dispute") == [fresh.pk]
    start = (now - dt.timedelta(days=130)).date().isoformat()
    end = (now - dt.timedelta(days=100)).isoformat()
    assert ids(start_date=start, end_date=end) == [old.pk]
    assert ids(service_request_id=f"{old.pk},{fresh.pk}", status="closed") == [fresh.pk, old.pk]
    assert ids(page_size="1", page="2") == [fresh.pk]
    assert ids(page_size="1", page="9") == []

    item = web.get(f"/open311/v2/requests/{fresh.pk}.json").json()[0]
    assert item["description"] == "身份证 511923********1234 丢了"
    # A resident's report shows its grid, never the household's door or coordinates.
    assert item["address"] == "江口镇 创举社区 1号楼联户单元" and item["lat"] is None
    assert item["agency_responsible"] == "1号楼联户单元"
    assert "resident" not in str(item)
    closed = web.get(f"/open311/v2/requests/{voided.pk}.json").json()[0]
    assert closed["status"] == "closed" and closed["status_notes"] == "已作废"


def _errors(response: Any, status: int, fmt: str = "json") -> list[dict[str, Any]]:
    assert response.status_code == status, response.content
    if fmt == "json":
        body = response.json()
    else:
        root = ET.fromstring(response.content)
        assert root.tag == "errors"
        body = [{c.tag: c.text for c in error} for error in root]
    assert isinstance(body, list) and body
    for error in body:
        assert set(error) == {"code", "description"} and int(error["code"]) == status
        assert error["description"]
    return body


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_errors_as_the_spec_says(world: TicketWorld, web: Client, key: str, fmt: str) -> None:
    url = f"/open311/v2/requests.{fmt}"
    good = {"service_code": "litter", "lat": "31.5", "long": "107.1", "description": "垃圾"}
    _errors(web.post(url, good), 403, fmt)
    _errors(web.post(url, {**good, "api_key": "wrong-key"}), 403, fmt)
    _errors(web.post(url, {**good, "api_key": key, "service_code": "nope"}), 400, fmt)
    _errors(web.post(url, {**good, "api_key": key, "service_code": "environment"}), 400, fmt)
    _errors(web.post(url, {**good, "api_key": key, "service_code": ""}), 400, fmt)
    _errors(web.post(url, {"api_key": key, "service_code": "litter"}), 400, fmt)  # no location
    _errors(web.post(url, {**good, "api_key": key, "lat": "95"}), 400, fmt)
    _errors(web.post(url, {**good, "api_key": key, "phone": "12"}), 400, fmt)
    _errors(web.post(url, {**good, "api_key": key, "node": world.town.other_village.code}), 400, fmt)
    _errors(web.post(url, {**good, "api_key": key, "description": "x" * 4001}), 400, fmt)
    assert Ticket.objects.count() == 0
    _errors(web.get(f"/open311/v2/services/nope.{fmt}"), 404, fmt)
    _errors(web.get(f"/open311/v2/requests/99999999.{fmt}"), 404, fmt)
    _errors(web.get(f"/open311/v2/tokens/nope.{fmt}"), 404, fmt)
    _errors(web.get(f"/open311/v2/nothing.{fmt}"), 404, fmt)
    _errors(web.get(url, {"status": "pending"}), 400, fmt)
    _errors(web.get(url, {"start_date": "yesterday"}), 400, fmt)
    _errors(web.get(url, {"start_date": "2026-01-01", "end_date": "2026-12-01"}), 400, fmt)
    _errors(web.get(url, {"service_request_id": "1,abc"}), 400, fmt)
    _errors(web.get(url, {"page_size": "5000"}), 400, fmt)
    _errors(web.delete(url), 405, fmt)


def test_landing_node(world: TicketWorld, web: Client) -> None:
    town = world.town
    _k, free = apikey_create(actor=None, name="无默认节点", node=None)
    base = {"api_key": free, "service_code": "road", "address_string": "江口镇大街", "description": "路坏了"}
    _errors(web.post("/open311/v2/requests.json", base), 400)
    for field in ("node", "attribute[node]", "jurisdiction_id"):
        response = web.post("/open311/v2/requests.json", {**base, field: town.grid.code})
        assert response.status_code == 201, response.content
        ticket = Ticket.objects.get(pk=response.json()[0]["service_request_id"])
        assert ticket.node == town.grid
    # A non-numeric jurisdiction_id is the client's own label: it neither lands nor fails the request.
    _errors(web.post("/open311/v2/requests.json", {**base, "jurisdiction_id": "pingchang.gov.cn"}), 400)
    _errors(web.post("/open311/v2/requests.json", {**base, "node": town.county.code}), 400)
    assert Open311Request.objects.count() == 3


def test_revoked_key_is_refused(world: TicketWorld, web: Client) -> None:
    key, raw = apikey_create(actor=None, name="旧密钥", node=world.town.village)
    apikey_revoke(actor=None, key=key)
    response = web.post(
        "/open311/v2/requests.json", {"api_key": raw, "service_code": "litter", "address_string": "东门"}
    )
    _errors(response, 403)


def test_discovery_and_definitions(world: TicketWorld, web: Client) -> None:
    xml = web.get("/open311/v2/discovery.xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint is not None
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.findall("formats/format")] == ["text/xml", "application/json"]
    assert endpoint.findtext("url", "").endswith("/open311/v2/")
    assert web.get("/open311/discovery.json").status_code == 200
    definition = web.get("/open311/v2/services/litter.json").json()
    assert definition == {"service_code": "litter", "attributes": []}
    root = ET.fromstring(web.get("/open311/v2/services/litter.xml").content)
    assert root.tag == "service_definition" and root.findtext("service_code") == "litter"
    services = ET.fromstring(web.get("/open311/v2/services.xml").content)
    assert services.tag == "services" and all(s.tag == "service" for s in services)


def test_english_service_names(world: TicketWorld, web: Client) -> None:
    world.litter.name_en = "Street cleaning"
    world.litter.save()
    body = web.get("/open311/v2/services.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert next(s for s in body if s["service_code"] == "litter")["service_name"] == "Street cleaning"


# ---- keys and the command ----------------------------------------------------------------------------


def test_key_is_stored_hashed(world: TicketWorld) -> None:
    key, raw = apikey_create(actor=None, name="x")
    assert raw not in key.key_hash and len(key.key_hash) == 64 and raw.startswith(key.prefix)
    assert len(raw) >= 40


def test_apikey_command(world: TicketWorld, capsys: pytest.CaptureFixture[str], web: Client) -> None:
    town: Town = world.town
    call_command("apikey", "create", "热线系统", "--node", town.grid.code)
    out = capsys.readouterr().out
    raw = out.strip().splitlines()[-1]
    key = ApiKey.objects.get()
    assert key.node == town.grid and raw.startswith(key.prefix) and raw not in key.key_hash
    response = web.post(
        "/open311/v2/requests.json", {"api_key": raw, "service_code": "litter", "address_string": "东门"}
    )
    assert response.status_code == 201
    key.refresh_from_db()
    assert key.last_used_at is not None
    call_command("apikey", "list")
    listing = capsys.readouterr().out
    assert key.prefix in listing and "热线系统" in listing and raw not in listing
    call_command("apikey", "revoke", key.prefix)
    assert "已作废" in capsys.readouterr().out
    call_command("apikey", "revoke", str(key.pk))
    assert "早已作废" in capsys.readouterr().out
    with pytest.raises(Exception, match="找不到"):
        call_command("apikey", "revoke", "zzzzzzzz")
    with pytest.raises(Exception, match="不存在"):
        call_command("apikey", "create", "x", "--node", "999")


def test_apikey_never_starts_with_a_dash(world: TicketWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """A key starting with "-" would make ``apikey revoke PREFIX`` read its prefix as an option."""
    secrets_drawn = iter(["-" + "a" * 42, "b" * 43])
    monkeypatch.setattr("sanzhi.api.apikeys.secrets.token_urlsafe", lambda n: next(secrets_drawn))
    key, raw = apikey_create(actor=None, name="热线系统")
    assert raw == "b" * 43 and key.prefix == "bbbbbbbb"


# ---- junk never makes a 500 --------------------------------------------------------------------------

_FIELDS = [
    "api_key",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "first_name",
    "last_name",
    "phone",
    "node",
    "attribute[node]",
    "jurisdiction_id",
    "service_request_id",
    "start_date",
    "end_date",
    "status",
    "page",
    "page_size",
]


def test_junk_input_gets_spec_errors_not_500(world: TicketWorld, web: Client, key: str) -> None:
    junk = st.one_of(
        st.text(max_size=40),
        st.sampled_from(["litter", "511923100201", "1e400", "nan", "-0", "2026-13-45", "open,closed", "1,2"]),
    )

    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        fields=st.dictionaries(st.sampled_from(_FIELDS), junk, max_size=8),
        use_key=st.booleans(),
        fmt=st.sampled_from(["json", "xml"]),
        method=st.sampled_from(["GET", "POST"]),
        resource=st.sampled_from(["requests", "services", "requests/1", "tokens/x", "services/litter"]),
    )
    def run(fields: dict[str, str], use_key: bool, fmt: str, method: str, resource: str) -> None:
        if use_key:
            fields = {**fields, "api_key": key}
        url = f"/open311/v2/{resource}.{fmt}"
        response = web.post(url, fields) if method == "POST" else web.get(url, fields)
        assert response.status_code < 500, (url, fields, response.content)
        if response.status_code >= 400:
            _errors(response, response.status_code, fmt)

    run()
