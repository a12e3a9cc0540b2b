"""Every deliberation endpoint per persona: what each role gets (200/201, 403, 404, 401 anonymous),
a refused write leaves every row as it was; list endpoints cost a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from sanzhi.api.tests.conftest import anonymous_client
from sanzhi.api.tests.deliberation_kit import Api, P, Scene, T, build_scene, snapshot
from sanzhi.core.testing import Town
from sanzhi.deliberation.testing import build_deliberation_world

pytestmark = pytest.mark.django_db

PERSONAS = ("secretary", "street", "gridworker", "council", "rep", "resident", "outsider", "nobody")
STAFF = {"secretary", "street", "council"}  # deliberation.view at 创举社区
RUNNERS = {"secretary", "street"}  # deliberation.run there
MEMBERS = {"secretary", "rep", "resident"}  # on the representatives' roster (logins)


@dataclass(frozen=True)
class Call:
    name: str
    method: str
    url: Callable[[dict[str, int]], str]
    expect: dict[str, int]  # persona → status; anyone not named: ``default``
    default: int = 404
    body: Callable[[dict[str, int], Any], dict[str, Any]] = field(default=lambda ids, town: {})


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(PERSONAS, status)


def runners(status: int, **others: int) -> dict[str, int]:
    """The runners succeed; other staff who see the matter are refused (403)."""
    return {**{p: 403 for p in STAFF}, **dict.fromkeys(RUNNERS, status), **others}


CALLS = [
    # reads
    Call("templates", "get", lambda i: f"{P}/templates/", every(200)),
    Call("procedures", "get", lambda i: f"{P}/procedures/", every(200)),
    Call(
        "procedure",
        "get",
        lambda i: f"{P}/procedures/{i['procedure']}",
        {**dict.fromkeys(STAFF, 200), "gridworker": 200},
    ),
    Call("bodies", "get", lambda i: f"{P}/bodies/", every(200)),
    Call(
        "body", "get", lambda i: f"{P}/bodies/{i['body']}", {**dict.fromkeys(STAFF, 200), "gridworker": 200}
    ),
    Call("matters", "get", lambda i: f"{P}/matters/?status=active", every(200)),
    Call("matter", "get", lambda i: f"{P}/matters/{i['matter_vote']}", dict.fromkeys(STAFF, 200)),
    Call("meetings", "get", lambda i: f"{P}/meetings/", every(200)),
    Call(
        "meeting", "get", lambda i: f"{P}/meetings/{i['meeting_vote']}", dict.fromkeys(STAFF | MEMBERS, 200)
    ),
    Call("approvals", "get", lambda i: f"{P}/approvals/", every(200)),
    Call("notices-current", "get", lambda i: f"{P}/notices/current", every(200)),
    Call("notice", "get", lambda i: f"{P}/notices/{i['notice_object']}", every(200)),
    Call("sayings", "get", lambda i: f"{P}/sayings/", every(200)),
    Call("sayings-mine", "get", lambda i: f"{P}/sayings/mine", every(200)),
    Call(
        "evaluation",
        "get",
        lambda i: f"{P}/matters/{i['matter_rate']}/evaluation",
        {**dict.fromkeys(STAFF, 200), "resident": 200},
    ),
    # procedures and bodies
    Call(
        "adopt",
        "post",
        lambda i: f"{P}/procedures/adopt",
        runners(201),
        body=lambda i, town: {"template": "sishi_sigong", "node": town.village.code, "code": "sishi-2"},
    ),
    Call(
        "body-create",
        "post",
        lambda i: f"{P}/bodies/",
        runners(201),
        body=lambda i, town: {"node": town.village.code, "kind": "assembly", "name": "创举社区居民会议"},
    ),
    Call(
        "member-add",
        "post",
        lambda i: f"{P}/bodies/{i['body']}/members",
        runners(201, gridworker=403),
        body=lambda i, town: {"user": town.users["dept"].pk, "title": "代表"},
    ),
    Call(
        "member-remove",
        "post",
        lambda i: f"{P}/members/{i['member_remove']}/remove",
        runners(200, gridworker=403),
    ),
    # matters
    Call(
        "propose",
        "post",
        lambda i: f"{P}/matters/",
        {**runners(201), "council": 201},
        body=lambda i, town: {"node": town.village.code, "procedure": i["procedure"], "title": "路灯维修"},
    ),
    Call(
        "withdraw",
        "post",
        lambda i: f"{P}/matters/{i['matter_withdraw']}/withdraw",
        runners(200),
        body=lambda i, town: {"reason": "重复提出"},
    ),
    Call("accept", "post", lambda i: f"{P}/steps/{i['step_accept']}/accept", runners(200)),
    # meetings
    Call(
        "meeting-call",
        "post",
        lambda i: f"{P}/steps/{i['step_call']}/meetings",
        runners(201),
        body=lambda i, town: {"scheduled_at": T.replace(day=22).isoformat()},
    ),
    Call(
        "meeting-cancel",
        "post",
        lambda i: f"{P}/meetings/{i['meeting_cancel']}/cancel",
        runners(200),
        body=lambda i, town: {"reason": "改期"},
    ),
    Call(
        "attendance",
        "post",
        lambda i: f"{P}/meetings/{i['meeting_vote']}/attendance",
        runners(200, rep=403, resident=403),
        body=lambda i, town: {"member": i["absent_member"], "status": "absent"},
    ),
    Call(
        "ballot",
        "post",
        lambda i: f"{P}/meetings/{i['meeting_vote']}/ballots",
        {**dict.fromkeys(MEMBERS, 201), "street": 403, "council": 403},
        body=lambda i, town: {"choice": "for"},
    ),
    Call(
        "count",
        "post",
        lambda i: f"{P}/meetings/{i['meeting_count']}/count",
        runners(200, rep=403, resident=403),
        body=lambda i, town: {"votes_for": 5, "votes_against": 1, "votes_abstain": 0},
    ),
    Call(
        "decide",
        "post",
        lambda i: f"{P}/meetings/{i['meeting_count']}/decide",
        runners(200, rep=403, resident=403),
    ),
    Call(
        "sign",
        "post",
        lambda i: f"{P}/meetings/{i['meeting_sign']}/sign",
        runners(200, rep=403, resident=403),
        body=lambda i, town: {"minutes": "全票通过"},
    ),
    # 请示报告
    Call(
        "approval-request",
        "post",
        lambda i: f"{P}/steps/{i['step_ask']}/approvals",
        runners(201),
        body=lambda i, town: {"request": "请批示"},
    ),
    Call(
        "approval-decide",
        "post",
        lambda i: f"{P}/approvals/{i['approval']}/decide",
        {**runners(200), "secretary": 403},
        body=lambda i, town: {"approve": True, "reply": "同意"},
    ),
    # 公示
    Call(
        "notice-open",
        "post",
        lambda i: f"{P}/steps/{i['step_notice']}/notices",
        runners(201),
        body=lambda i, town: {"title": "决议公示", "body": "……"},
    ),
    Call(
        "object",
        "post",
        lambda i: f"{P}/notices/{i['notice_object']}/objections",
        {"resident": 201},
        default=403,
        body=lambda i, town: {"text": "有意见"},
    ),
    Call(
        "objection-decide",
        "post",
        lambda i: f"{P}/objections/{i['objection']}/decide",
        runners(200),
        body=lambda i, town: {"uphold": False, "reply": "已解释"},
    ),
    Call(
        "notice-close", "post", lambda i: f"{P}/notices/{i['notice_close']}/close", runners(200), default=403
    ),
    # 实施
    Call(
        "task-add",
        "post",
        lambda i: f"{P}/steps/{i['step_task']}/tasks",
        runners(201),
        body=lambda i, town: {"title": "施工", "owner_name": "居委会"},
    ),
    Call(
        "task-progress",
        "post",
        lambda i: f"{P}/tasks/{i['task']}/progress",
        runners(200, gridworker=200),  # the grid worker owns the task
        body=lambda i, town: {"progress": 10},
    ),
    Call(
        "implementation-finish",
        "post",
        lambda i: f"{P}/steps/{i['step_finish']}/implementation/finish",
        runners(200),
        body=lambda i, town: {"summary": "完成"},
    ),
    # 评价
    Call(
        "rate",
        "post",
        lambda i: f"{P}/matters/{i['matter_rate']}/evaluation",
        {**dict.fromkeys(STAFF, 403), "resident": 201},
        body=lambda i, town: {"rating": "basic"},
    ),
    Call("evaluation-close", "post", lambda i: f"{P}/steps/{i['step_rated']}/evaluation/close", runners(200)),
    # 村民说事
    Call(
        "saying-submit",
        "post",
        lambda i: f"{P}/sayings/",
        {"resident": 201},
        default=403,
        body=lambda i, town: {"title": "垃圾清运", "text": "不及时"},
    ),
    Call(
        "saying-answer",
        "post",
        lambda i: f"{P}/sayings/{i['saying_answer']}/answer",
        {**dict.fromkeys(STAFF, 200), "gridworker": 200},
        body=lambda i, town: {"reply": "已转网格员处理"},
    ),
    Call(
        "saying-accept",
        "post",
        lambda i: f"{P}/sayings/{i['saying_accept']}/accept",
        {**dict.fromkeys(STAFF, 201), "gridworker": 403},
        body=lambda i, town: {"procedure": i["procedure"]},
    ),
]


@pytest.fixture
def scene(town: Town) -> Scene:
    return build_scene(build_deliberation_world(town))


def _client(api_as: Api, persona: str) -> APIClient:
    return anonymous_client() if persona == "anonymous" else api_as(persona)


@pytest.mark.parametrize("persona", [*PERSONAS, "anonymous"])
def test_every_endpoint_per_persona(scene: Scene, api_as: Api, persona: str) -> None:
    client = _client(api_as, persona)
    town = scene.world.town
    seen = []
    with time_machine.travel(T, tick=False):
        for call in CALLS:
            expected = 401 if persona == "anonymous" else call.expect.get(persona, call.default)
            before = snapshot() if call.method == "post" else None
            url = call.url(scene.ids)
            if call.method == "get":
                response = client.get(url)
            else:
                response = client.post(url, call.body(scene.ids, town), format="json")
            seen.append((call.name, response.status_code))
            assert response.status_code == expected, (call.name, response.content)
            if expected >= 400:
                assert set(response.json()) == {"code", "message", "data"}
                if before is not None:
                    assert snapshot() == before, call.name
    assert len(seen) == len(CALLS)


def test_what_each_persona_lists(scene: Scene, api_as: Api) -> None:
    ids = scene.ids
    with time_machine.travel(T, tick=False):

        def listed(persona: str, path: str) -> list[int]:
            return [row["id"] for row in api_as(persona).get(f"{P}/{path}").json()["results"]]

        for persona in ("secretary", "street", "council"):
            assert len(listed(persona, "matters/")) == 17
            assert ids["approval"] in listed(persona, "approvals/") or persona != "street"
        assert listed("secretary", "approvals/") == []
        assert listed("street", "approvals/") == [ids["approval"]]
        for persona in ("gridworker", "rep", "resident", "outsider", "nobody"):
            assert listed(persona, "matters/") == []
        # Members see their own body's meetings; staff see all in scope.
        assert ids["meeting_vote"] in listed("resident", "meetings/")
        assert ids["meeting_cancel"] not in listed("resident", "meetings/")
        assert listed("outsider", "meetings/") == []
        assert len(listed("secretary", "meetings/?upcoming=true")) == 3
        # Procedures cover the grid worker's grid from above; the outsider's village has none.
        assert len(listed("gridworker", "procedures/")) == 3
        assert listed("outsider", "procedures/") == []
        assert sorted(listed("resident", "notices/current")) == sorted(
            [ids["notice_object"], ids["notice_objection"]]
        )
        assert listed("rep", "notices/current") == []
        assert len(listed("resident", "sayings/mine")) == 2
        assert listed("rep", "sayings/mine") == []
        assert len(listed("gridworker", "sayings/")) == 2


LIST_URLS = [
    "matters/?page_size={n}",
    "procedures/?page_size={n}",
    "bodies/?page_size={n}",
    "meetings/?page_size={n}",
    "sayings/?page_size={n}",
]


def _count(client: APIClient, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{P}/{url}")
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), len(response.json()["results"])


def test_list_query_counts_are_constant(scene: Scene, api_as: Api) -> None:
    for persona in ("secretary", "council"):
        client = api_as(persona)
        for url in LIST_URLS:
            small, small_rows = _count(client, url.format(n=1))
            large, large_rows = _count(client, url.format(n=50))
            assert small_rows == 1 and large_rows > 1, url
            assert large <= small, (url, small, large)  # a full last page needs no count query
            assert large <= 6, (url, large)
    # The township's approvals and a resident's own lists.
    for persona, url in (
        ("street", "approvals/?pending=false"),
        ("resident", "notices/current"),
        ("resident", "sayings/mine"),
    ):
        queries, _rows = _count(api_as(persona), url)
        assert queries <= 6, (persona, url, queries)
