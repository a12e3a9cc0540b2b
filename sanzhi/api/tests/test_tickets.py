"""The ticket endpoints per persona: intake, the loop as API calls, scoping, privacy of the reporter."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import Settings
from rest_framework.test import APIClient

from sanzhi.tickets.models import Ticket
from sanzhi.tickets.testing import TicketWorld

Api = Callable[[str], APIClient]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings: Settings, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def report(api_as: Api, persona: str = "resident", **body: Any) -> dict[str, Any]:
    response = api_as(persona).post(
        "/api/v1/tickets/", {"text": "楼下垃圾三天没人清运，气味很大", **body}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def act(api_as: Api, persona: str, ticket_id: int, action: str, status: int = 200, **body: Any) -> dict:
    response = api_as(persona).post(f"/api/v1/tickets/{ticket_id}/{action}", body, format="json")
    assert response.status_code == status, (action, persona, response.content)
    return response.json()


def detail(api_as: Api, persona: str, ticket_id: int) -> dict[str, Any]:
    response = api_as(persona).get(f"/api/v1/tickets/{ticket_id}")
    assert response.status_code == 200, response.content
    return response.json()


# ---- intake ----------------------------------------------------------------------------------------


def test_resident_reports_and_sees_own_ticket(world: TicketWorld, api_as: Api) -> None:
    town = world.town
    body = report(api_as, category="litter")
    assert body["state"]["code"] == "reported" and body["level"]["code"] == "grid"
    assert body["node"]["code"] == town.micro.code
    assert body["channel"]["code"] == "resident"
    assert body["category"]["code"] == "litter" and body["category"]["parent"]["code"] == "environment"
    assert body["reporter"]["username"] == "resident"
    assert body["due_at"] is not None and body["assignee"] is None
    assert [e["action"]["code"] for e in body["events"]] == ["report"]
    assert body["allowed_actions"] == ["comment"]
    mine = api_as("resident").get("/api/v1/tickets/?mine=reported").json()
    assert [t["id"] for t in mine["results"]] == [body["id"]]


def test_staff_intake_channels(world: TicketWorld, api_as: Api) -> None:
    town = world.town
    patrol = report(api_as, "gridworker", node=town.grid.code, text="井盖缺失", reporter_name="路人")
    assert patrol["channel"]["code"] == "patrol" and patrol["node"]["code"] == town.grid.code
    hotline = report(
        api_as, "secretary", channel="hotline", node=town.village.code, reporter_phone="13800001234"
    )
    assert hotline["level"]["code"] == "community"
    assert hotline["reporter"]["phone"] == "+8613800001234"
    rep = report(api_as, "rep", channel="representative", household=town.households["h1"].pk)
    assert rep["node"]["code"] == town.micro.code


@pytest.mark.parametrize(
    ("persona", "extra"),
    [
        ("resident", {"category": "litter", "latitude": "31.5", "longitude": "107.1", "address": "东门"}),
        ("gridworker", {"channel": "patrol", "node": "511923100201001", "reporter_name": "路人"}),
        ("secretary", {"channel": "hotline", "node": "511923100201", "reporter_phone": "13800001234"}),
        ("rep", {"channel": "representative", "household": "h1"}),
    ],
)
def test_create_answer_equals_a_fresh_read(
    world: TicketWorld, api_as: Api, persona: str, extra: dict[str, Any]
) -> None:
    """The create response is built from the service's ticket, not read back: it must say exactly
    what a GET of the new ticket says."""
    if extra.get("household") == "h1":
        extra = {**extra, "household": world.town.households["h1"].pk}
    client = api_as(persona)
    created = client.post("/api/v1/tickets/", {"text": "路灯不亮\n已经三天", **extra}, format="json")
    assert created.status_code == 201, created.content
    fresh = client.get(f"/api/v1/tickets/{created.json()['id']}").json()
    assert created.json() == fresh


@pytest.mark.parametrize(
    ("persona", "body", "status", "code"),
    [
        ("resident", {"text": ""}, 400, "invalid"),
        ("resident", {"text": "x", "category": "nope"}, 400, "category_not_found"),
        ("resident", {"text": "x", "channel": "open311"}, 400, "invalid"),
        ("rep", {"text": "x", "channel": "representative"}, 400, "required"),
        ("outsider", {"text": "x", "channel": "patrol", "node": "511923100201001"}, 403, "forbidden"),
        ("gridworker", {"text": "x", "node": "511923000000"}, 400, "ticket_node_too_high"),
        ("gridworker", {"text": "x", "node": "999"}, 404, "not_found"),
        ("gridworker", {"text": "x", "node": "abc"}, 404, "not_found"),
        ("resident", {"text": "x", "reporter_phone": "12"}, 400, "phone_invalid"),
        ("resident", {"text": "x", "latitude": 91}, 400, "invalid"),
        ("nobody", {"text": "x"}, 400, "required"),
        ("resident", {"text": "x", "household": 99999999}, 404, "not_found"),
    ],
)
def test_intake_errors(
    world: TicketWorld, api_as: Api, persona: str, body: dict, status: int, code: str
) -> None:
    response = api_as(persona).post("/api/v1/tickets/", body, format="json")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert Ticket.objects.count() == 0


def test_intake_with_photos_and_scoped_download(world: TicketWorld, api_as: Api) -> None:
    photo = SimpleUploadedFile("垃圾.png", PNG, content_type="image/png")
    response = api_as("resident").post(
        "/api/v1/tickets/", {"text": "垃圾堆积", "attachments": [photo]}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    (attachment,) = body["attachments"]
    assert attachment["name"] == "垃圾.png" and attachment["size"] == len(PNG)
    assert attachment["event"] == body["events"][0]["id"]
    url = urlsplit(attachment["url"]).path
    download = api_as("gridworker").get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG  # type: ignore[attr-defined]
    assert api_as("outsider").get(url).status_code == 404
    assert api_as("gridworker").get(url + "9").status_code == 404
    bad = SimpleUploadedFile("x.html", b"<script>", content_type="text/html")
    response = api_as("resident").post(
        "/api/v1/tickets/", {"text": "垃圾", "attachments": [bad]}, format="multipart"
    )
    assert response.status_code == 400 and response.json()["code"] == "attachment_type"


# ---- the loop --------------------------------------------------------------------------------------


def test_loop_through_the_api(world: TicketWorld, api_as: Api) -> None:
    tid = report(api_as)["id"]
    result = act(api_as, "gridworker", tid, "register", category="litter")
    assert result["ticket"]["state"]["code"] == "registered"
    assert result["event"]["action"]["code"] == "register" and result["event"]["actor"] == "gridworker"
    result = act(api_as, "gridworker", tid, "dispatch")
    assert result["ticket"]["assignee"]["username"] == "gridworker"
    act(api_as, "gridworker", tid, "accept")
    photo = SimpleUploadedFile("after.jpg", b"\xff\xd8\xff" + b"0" * 20, content_type="image/jpeg")
    response = api_as("gridworker").post(
        f"/api/v1/tickets/{tid}/resolve", {"note": "已清运", "attachments": [photo]}, format="multipart"
    )
    assert response.status_code == 200, response.content
    act(api_as, "gridworker", tid, "verify")
    result = act(api_as, "resident", tid, "rate", rating="satisfied", note="及时")
    assert result["ticket"]["state"]["code"] == "rated"
    body = detail(api_as, "gridworker", tid)
    assert [e["action"]["code"] for e in body["events"]] == [
        "report",
        "register",
        "dispatch",
        "accept",
        "resolve",
        "verify",
        "rate",
    ]
    resolve = body["events"][4]
    assert resolve["from_state"]["code"] == "in_progress" and resolve["to_state"]["code"] == "resolved"
    assert resolve["note"] == "已清运" and resolve["from_level"]["code"] == "grid"
    assert [a["name"] for a in body["attachments"]] == ["after.jpg"]
    assert body["rating"]["code"] == "satisfied"


def test_department_dispatch_escalated_work_and_street_verification(world: TicketWorld, api_as: Api) -> None:
    tid = report(api_as, text="路面坑洼")["id"]
    act(api_as, "secretary", tid, "register", category="road")
    result = act(api_as, "secretary", tid, "dispatch", department="urban", note="请城管局处理")
    assert result["ticket"]["level"]["code"] == "department"
    assert result["ticket"]["department"] == {"code": "urban", "name": "城管局"}
    # The department's member now sees it although the department role grants no area.
    allowed = detail(api_as, "dept", tid)["allowed_actions"]
    assert allowed == ["accept", "return", "transfer", "suspend", "comment"]
    act(api_as, "dept", tid, "accept")
    act(api_as, "dept", tid, "resolve", note="已修复")
    act(api_as, "dept", tid, "verify", status=403)
    act(api_as, "street", tid, "verify")


def test_dispatch_targets(world: TicketWorld, api_as: Api) -> None:
    town = world.town
    tid = report(api_as)["id"]
    act(api_as, "gridworker", tid, "register")
    body = act(api_as, "gridworker", tid, "dispatch", 400, node=town.other_village.code)
    assert body["code"] == "target_out_of_area" and body["data"] == {"field": "node"}
    assert act(api_as, "gridworker", tid, "dispatch", 400, user="ghost")["code"] == "user_not_found"
    body = act(api_as, "gridworker", tid, "dispatch", 400, department="ghost")
    assert body["code"] == "department_not_found"
    assert act(api_as, "gridworker", tid, "dispatch", 400, party_run=True)["code"] == "required"
    assert act(api_as, "gridworker", tid, "dispatch", 400, user="resident", party_run=True)["code"] == (
        "not_party_member"
    )
    result = act(api_as, "gridworker", tid, "dispatch", node=town.village.code)
    assert result["ticket"]["level"]["code"] == "community" and result["ticket"]["assignee"] is None
    assert act(api_as, "secretary", tid, "transfer", 400, note="x")["code"] == "required"
    result = act(api_as, "secretary", tid, "transfer", user="secretary", note="社区书记亲自办")
    assert result["ticket"]["assignee"]["username"] == "secretary"
    assert result["event"]["data"] == {"user": "secretary"}


def test_side_steps(world: TicketWorld, api_as: Api) -> None:
    first = report(api_as)["id"]
    dup = report(api_as, text="垃圾没人收")["id"]
    act(api_as, "gridworker", first, "register")
    act(api_as, "gridworker", first, "dispatch")
    act(api_as, "gridworker", first, "suspend", 400)  # a reason is required
    act(api_as, "gridworker", first, "suspend", note="等待环卫车辆")
    assert detail(api_as, "gridworker", first)["due_at"] is None
    act(api_as, "gridworker", first, "resume")
    assert detail(api_as, "gridworker", first)["state"]["code"] == "dispatched"
    act(api_as, "gridworker", first, "return", note="不属于本网格")
    act(api_as, "gridworker", dup, "merge", 403, into=first)  # merging is the community's
    result = act(api_as, "secretary", dup, "merge", into=first, note="重复")
    assert result["ticket"]["state"]["code"] == "merged"
    assert detail(api_as, "secretary", dup)["merged_into"] == first
    assert act(api_as, "secretary", first, "merge", 404, into=10**12)["code"] == "ticket_not_found"
    act(api_as, "secretary", first, "void", 400)
    result = act(api_as, "secretary", first, "void", reason="恶作剧")
    assert result["ticket"]["state"]["code"] == "void"
    comment = act(api_as, "resident", first, "comment", note="谢谢")
    assert comment["event"]["action"]["code"] == "comment"


def test_consultation_answer_and_rejection(world: TicketWorld, api_as: Api) -> None:
    question = report(api_as, text="低保怎么申请？", category="policy")["id"]
    act(api_as, "gridworker", question, "answer", note="携带材料到社区办理")
    assert detail(api_as, "resident", question)["state"]["code"] == "resolved"
    litter = report(api_as, category="dispute", text="邻居噪音")["id"]
    assert act(api_as, "gridworker", litter, "answer", 400, note="x")["code"] == "not_consultation"
    act(api_as, "gridworker", litter, "register")
    act(api_as, "gridworker", litter, "dispatch")
    act(api_as, "gridworker", litter, "accept")
    act(api_as, "gridworker", litter, "resolve", note="已调解")
    act(api_as, "secretary", litter, "reject", note="未见调解记录")
    assert detail(api_as, "gridworker", litter)["state"]["code"] == "in_progress"


def test_illegal_transition_is_409(world: TicketWorld, api_as: Api) -> None:
    tid = report(api_as)["id"]
    body = act(api_as, "gridworker", tid, "resolve", 409, note="x")
    assert body["code"] == "illegal_transition"
    assert body["data"] == {"state": "reported", "action": "resolve"}
    assert act(api_as, "resident", tid, "rate", 400, rating="meh")["code"] == "invalid"
    assert act(api_as, "resident", tid, "rate", 409, rating="satisfied")["code"] == "illegal_transition"


# ---- per role --------------------------------------------------------------------------------------

VIEWERS = {
    "resident": True,
    "rep": True,
    "gridworker": True,
    "secretary": True,
    "street": True,
    "council": True,
    "sysadmin": True,
    "dept": False,  # only what is sent to the department
    "outsider": False,
    "nobody": False,
}


@pytest.mark.parametrize(("persona", "sees"), VIEWERS.items())
def test_list_and_detail_per_role(world: TicketWorld, api_as: Api, persona: str, sees: bool) -> None:
    tid = report(api_as)["id"]
    listed = [t["id"] for t in api_as(persona).get("/api/v1/tickets/").json()["results"]]
    assert listed == ([tid] if sees else [])
    response = api_as(persona).get(f"/api/v1/tickets/{tid}")
    assert response.status_code == (200 if sees else 404)
    if not sees:
        assert response.json()["code"] == "ticket_not_found"


@pytest.mark.parametrize(
    ("persona", "sees_reporter"),
    [
        ("resident", True),
        ("gridworker", True),
        ("secretary", True),
        ("street", True),
        ("sysadmin", True),
        ("rep", False),
        ("council", False),
    ],
)
def test_reporter_only_for_handlers_in_scope(
    world: TicketWorld, api_as: Api, persona: str, sees_reporter: bool
) -> None:
    tid = report(api_as, reporter_phone="13912345678")["id"]
    act(api_as, "gridworker", tid, "comment", note="已联系")
    body = detail(api_as, persona, tid)
    report_event, comment = body["events"]
    if sees_reporter:
        assert body["reporter"]["phone"] == "+8613912345678"
        assert report_event["actor"] == "resident"
    else:
        assert body["reporter"] is None
        assert report_event["actor"] == "诉求人"
        assert "13912345678" not in str(body)
        assert "resident" not in [e["actor"] for e in body["events"]]
    assert comment["actor"] == "gridworker"


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("gridworker", 200),
        ("secretary", 200),
        ("street", 200),
        ("sysadmin", 200),
        ("resident", 403),
        ("rep", 403),
        ("council", 403),
        ("dept", 404),
        ("outsider", 404),
        ("nobody", 404),
    ],
)
def test_register_per_role(world: TicketWorld, api_as: Api, persona: str, status: int) -> None:
    tid = report(api_as)["id"]
    act(api_as, persona, tid, "register", status)


def test_anonymous_is_401(world: TicketWorld, anon: APIClient) -> None:
    assert anon.get("/api/v1/tickets/").status_code == 401
    assert anon.post("/api/v1/tickets/1/register", {}, format="json").status_code == 401
    assert anon.get("/api/v1/categories/").status_code == 401


# ---- filters ---------------------------------------------------------------------------------------


def test_list_filters(world: TicketWorld, api_as: Api) -> None:
    town = world.town
    litter = report(api_as, category="litter")["id"]
    road = report(api_as, category="road", text="路面破损")["id"]
    other = report(api_as, "street", node=town.other_village.code, text="白衣村道路")["id"]
    act(api_as, "secretary", road, "register")
    act(api_as, "secretary", road, "dispatch", department="urban")
    act(api_as, "gridworker", litter, "register")
    act(api_as, "gridworker", litter, "dispatch")

    def ids(query: str, persona: str = "street") -> list[int]:
        response = api_as(persona).get(f"/api/v1/tickets/?{query}")
        assert response.status_code == 200, response.content
        return [t["id"] for t in response.json()["results"]]

    assert ids("") == [other, road, litter]
    assert ids(f"node={town.village.code}") == [road, litter]
    assert ids("state=dispatched") == [road, litter]
    assert ids("state=reported&state=dispatched") == [other, road, litter]
    assert ids("level=department") == [road]
    assert ids("category=environment") == [litter]
    assert ids("department=urban") == [road]
    assert ids("mine=assigned", "gridworker") == [litter]
    assert ids("mine=reported", "street") == []
    assert ids("", "dept") == [road]
    for query, code in [
        ("node=511923100202", "not_found"),
        ("category=nope", "category_not_found"),
        ("department=nope", "department_not_found"),
    ]:
        response = api_as("secretary").get(f"/api/v1/tickets/?{query}")
        assert response.status_code == 404 and response.json()["code"] == code, query
    assert api_as("street").get("/api/v1/tickets/?state=bogus").status_code == 400


# ---- reference data ---------------------------------------------------------------------------------


def test_categories_tree_with_limits(world: TicketWorld, api_as: Api) -> None:
    body = api_as("resident").get("/api/v1/categories/").json()
    codes = {c["code"]: [ch["code"] for ch in c["children"]] for c in body}
    # The world's categories, next to the seeded GB/T 30428 and community classes.
    world_codes = {"environment": ["litter"], "facilities": ["road"], "dispute": [], "policy": []}
    assert {k: v for k, v in codes.items() if k in world_codes} == world_codes
    environment = next(c for c in body if c["code"] == "environment")
    assert [(x["level"]["code"], x["response_hours"], x["resolve_hours"]) for x in environment["limits"]] == [
        ("grid", 2, 8),
        ("community", 4, 16),
        ("street", 4, 24),
        ("department", 8, 40),
    ]
    litter = environment["children"][0]
    assert litter["grid_may_close"] is True and litter["department"] == {"code": "urban", "name": "城管局"}
    assert next(c for c in body if c["code"] == "policy")["is_consultation"] is True


def test_departments(world: TicketWorld, api_as: Api) -> None:
    body = api_as("gridworker").get("/api/v1/departments/").json()
    assert [(d["code"], d["node"]["code"]) for d in body] == [
        ("urban", world.town.county.code),
        ("water", world.town.county.code),
    ]


def test_attachment_download_ignores_accept(world: TicketWorld, api_as: Api) -> None:
    photo = SimpleUploadedFile("p.png", PNG, content_type="image/png")
    response = api_as("resident").post("/api/v1/tickets/", {"text": "垃圾", "attachments": [photo]})
    url = urlsplit(response.json()["attachments"][0]["url"]).path
    assert api_as("resident").get(url, HTTP_ACCEPT="image/png").status_code == 200
    missing = api_as("resident").get(url + "0", HTTP_ACCEPT="image/png")
    assert missing.status_code == 404 and missing.json()["code"] == "attachment_not_found"
