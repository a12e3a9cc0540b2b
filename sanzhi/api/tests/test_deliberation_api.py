"""``/api/v1/deliberation/``: a major matter through 四议两公开 entirely over the API (the clock frozen
wherever a window matters), an ordinary one from 村民说事 through 提-议-决-办-评, the quorum refusal,
and bad input answered 400 with a stable code and nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sanzhi.api.tests.deliberation_kit import (
    Api,
    P,
    T,
    assert_error,
    at,
    attend,
    build_scene,
    call_meeting,
    hold_meeting,
    ok,
    open_step,
    snapshot,
)
from sanzhi.core.testing import Town
from sanzhi.deliberation.models import Matter, MatterStatus, Meeting, MeetingStatus, StepStatus
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.disclosure import chain
from sanzhi.disclosure.models import Publication

pytestmark = pytest.mark.django_db


@pytest.fixture
def dw(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


def propose_major(dw: DeliberationWorld, api_as: Api) -> int:
    with time_machine.travel(at(2026, 9, 1, 9), tick=False):
        body = {
            "node": dw.town.village.code,
            "procedure": dw.procedures["siyi_liangkai"].pk,
            "title": "集体经营性资产出租",
            "matter_type": "assets",
            "amount_fen": 12_000_000,
        }
        created = ok(api_as("secretary").post(f"{P}/matters/", body, format="json"), 201)
    assert created["is_major"] is True and created["status"]["code"] == "active"
    assert created["open_step"]["stage"]["code"] == "dang_tiyi"
    assert created["open_step"]["actions"] == ["call_meeting", "attend", "vote", "decide", "sign"]
    return int(created["id"])


def test_major_matter_through_siyi_liangkai_over_the_api(dw: DeliberationWorld, api_as: Api) -> None:
    secretary, street, resident = api_as("secretary"), api_as("street"), api_as("resident")
    matter_id = propose_major(dw, api_as)

    # 党组织提议 → 两委会议商议 → 党员大会审议
    hold_meeting(secretary, matter_id, at(2026, 9, 2))
    hold_meeting(secretary, matter_id, at(2026, 9, 3))
    hold_meeting(secretary, matter_id, at(2026, 9, 4), absent=1)

    # 请示报告: the community asks, the township approves from its pending list.
    step = open_step(secretary, matter_id)
    assert step["stage"]["code"] == "zhenjie_shenpi"
    assert step["actions"] == ["request_approval"]
    with time_machine.travel(at(2026, 9, 5, 9), tick=False):
        asked = ok(
            secretary.post(
                f"{P}/steps/{step['id']}/approvals", {"request": "拟出租集体厂房，请批示"}, format="json"
            ),
            201,
        )
    assert asked["decision"]["code"] == "pending"
    assert open_step(street, matter_id)["actions"] == ["request_approval", "decide_approval"]
    pending = ok(street.get(f"{P}/approvals/"))["results"]
    assert [(a["id"], a["node"]["code"]) for a in pending] == [(asked["id"], dw.town.village.code)]
    assert ok(secretary.get(f"{P}/approvals/"))["results"] == []  # nobody approves their own request
    assert_error(
        secretary.post(f"{P}/approvals/{asked['id']}/decide", {"approve": True}, format="json"),
        403,
        "forbidden",
    )
    with time_machine.travel(at(2026, 9, 7, 10), tick=False):
        decided = ok(
            street.post(
                f"{P}/approvals/{asked['id']}/decide", {"approve": True, "reply": "同意"}, format="json"
            )
        )
    assert decided["decision"]["code"] == "approved"
    assert ok(street.get(f"{P}/approvals/"))["results"] == []

    # 村(居)民代表会议决议 with individual ballots: the resident persona (张建国) is a representative.
    step = open_step(secretary, matter_id)
    assert step["stage"]["code"] == "daibiao_jueyi"
    meets = at(2026, 9, 8, 14)
    meeting = call_meeting(secretary, matter_id, meets)
    assert (meeting["expected"], meeting["secret"], meeting["status"]["code"]) == (6, False, "scheduled")
    mine = ok(resident.get(f"{P}/meetings/{meeting['id']}"))
    assert mine["my_member"] is not None and mine["can_conduct"] is False
    # Before the day the member cannot vote.
    with time_machine.travel(at(2026, 9, 7, 20), tick=False):
        assert_error(
            resident.post(f"{P}/meetings/{meeting['id']}/ballots", {"choice": "for"}, format="json"),
            400,
            "meeting_not_open",
        )
    with time_machine.travel(meets + dt.timedelta(minutes=5), tick=False):
        assert attend(secretary, meeting, absent=1) == 5
        for persona in ("secretary", "rep", "resident"):
            cast = ok(
                api_as(persona).post(
                    f"{P}/meetings/{meeting['id']}/ballots", {"choice": "for"}, format="json"
                ),
                201,
            )
            assert cast["by_proxy"] is False
        assert_error(
            resident.post(f"{P}/meetings/{meeting['id']}/ballots", {"choice": "against"}, format="json"),
            409,
            "already_voted",
        )
        # The council member sees the meeting as staff but is not on this body's roster.
        assert_error(
            api_as("council").post(f"{P}/meetings/{meeting['id']}/ballots", {"choice": "for"}, format="json"),
            403,
            "forbidden",
        )
    with time_machine.travel(meets + dt.timedelta(hours=1), tick=False):
        decision = ok(secretary.post(f"{P}/meetings/{meeting['id']}/decide"))
        assert (decision["expected"], decision["present"], decision["votes_for"]) == (6, 5, 3)
        assert decision["result"]["code"] == "passed"
        signed = ok(
            secretary.post(
                f"{P}/meetings/{meeting['id']}/sign", {"minutes": "到会5人，3票赞成"}, format="json"
            )
        )
    assert signed["status"]["code"] == "signed" and signed["signed_by"]["username"] == "secretary"

    # 决议公开: 7 full days, on the chain; an objection inside the window, dismissed.
    step = open_step(secretary, matter_id)
    assert step["stage"]["code"] == "jueyi_gongkai"
    with time_machine.travel(at(2026, 9, 8, 17), tick=False):
        notice = ok(
            secretary.post(
                f"{P}/steps/{step['id']}/notices",
                {"title": "集体厂房出租决议公示", "body": "……"},
                format="json",
            ),
            201,
        )
    assert dt.datetime.fromisoformat(notice["ends_at"]) == at(2026, 9, 16)
    assert notice["publication_seq"] == 1
    with time_machine.travel(at(2026, 9, 10, 20), tick=False):
        current = ok(resident.get(f"{P}/notices/current"))["results"]
        assert [n["id"] for n in current] == [notice["id"]]
        assert ok(resident.get(f"{P}/notices/{notice['id']}"))["can_object"] is True
        objection = ok(
            resident.post(
                f"{P}/notices/{notice['id']}/objections", {"text": "租金是否偏低？"}, format="json"
            ),
            201,
        )
        # Another resident's view: only their own objections; staff see all.
        assert ok(api_as("rep").get(f"{P}/notices/{notice['id']}"))["objections"] == []
        assert [o["id"] for o in ok(secretary.get(f"{P}/notices/{notice['id']}"))["objections"]] == [
            objection["id"]
        ]
    with time_machine.travel(at(2026, 9, 11, 9), tick=False):
        dismissed = ok(
            secretary.post(
                f"{P}/objections/{objection['id']}/decide",
                {"uphold": False, "reply": "租金经评估，符合市场价"},
                format="json",
            )
        )
    assert dismissed["status"]["code"] == "dismissed"
    # Nothing proceeds before the period ends: no closing, no tasks.
    with time_machine.travel(at(2026, 9, 15, 23, 59), tick=False):
        assert_error(secretary.post(f"{P}/notices/{notice['id']}/close"), 400, "notice_running")
        assert_error(
            secretary.post(
                f"{P}/steps/{step['id']}/tasks",
                {"title": "签订租赁合同", "owner_name": "村委会"},
                format="json",
            ),
            400,
            "stage_not_implementation",
        )
    with time_machine.travel(at(2026, 9, 16), tick=False):
        closed = ok(secretary.post(f"{P}/notices/{notice['id']}/close"))
    assert closed["status"]["code"] == "closed"
    with time_machine.travel(at(2026, 9, 16, 1), tick=False):
        assert_error(
            resident.post(f"{P}/notices/{notice['id']}/objections", {"text": "晚了"}, format="json"),
            409,
            "notice_closed",
        )

    # 组织实施: the owner reports progress themselves.
    step = open_step(secretary, matter_id)
    assert step["stage"]["code"] == "zuzhi_shishi"
    gridworker = dw.town.users["gridworker"]
    with time_machine.travel(at(2026, 9, 16, 9), tick=False):
        task = ok(
            secretary.post(
                f"{P}/steps/{step['id']}/tasks",
                {"title": "签订租赁合同", "owner": gridworker.pk, "due_date": "2026-09-30"},
                format="json",
            ),
            201,
        )
        assert_error(
            secretary.post(
                f"{P}/steps/{step['id']}/implementation/finish", {"summary": "完成"}, format="json"
            ),
            400,
            "tasks_open",
        )
    assert task["owner_name"] == (gridworker.display_name or "gridworker")
    with time_machine.travel(at(2026, 9, 20, 9), tick=False):
        ok(
            api_as("gridworker").post(
                f"{P}/tasks/{task['id']}/progress", {"progress": 50, "note": "已公开招租"}, format="json"
            )
        )
        assert_error(
            api_as("gridworker").post(f"{P}/tasks/{task['id']}/progress", {"progress": 40}, format="json"),
            400,
            "progress_backwards",
        )
    with time_machine.travel(at(2026, 9, 30, 9), tick=False):
        done = ok(
            api_as("gridworker").post(f"{P}/tasks/{task['id']}/progress", {"progress": 100}, format="json")
        )
    assert done["status"]["code"] == "done"
    with time_machine.travel(at(2026, 10, 1, 9), tick=False):
        after = ok(
            secretary.post(
                f"{P}/steps/{step['id']}/implementation/finish",
                {"summary": "厂房已出租，年租金12万元"},
                format="json",
            )
        )
    assert after["open_step"]["stage"]["code"] == "jieguo_gongkai"

    # 实施结果公开: 5 days, kind "result"; closed on time the matter is done.
    with time_machine.travel(at(2026, 10, 1, 10), tick=False):
        result = ok(
            secretary.post(
                f"{P}/steps/{after['open_step']['id']}/notices",
                {"title": "集体厂房出租结果公示", "body": "……", "days": 5},
                format="json",
            ),
            201,
        )
    with time_machine.travel(at(2026, 10, 7, 9), tick=False):
        ok(secretary.post(f"{P}/notices/{result['id']}/close"))
    final = ok(secretary.get(f"{P}/matters/{matter_id}"))
    assert final["status"]["code"] == "done" and final["open_step"] is None
    assert [(s["stage"]["code"], s["status"]["code"]) for s in final["steps"]] == [
        ("dang_tiyi", "passed"),
        ("liangwei_shangyi", "passed"),
        ("dangyuan_shenyi", "passed"),
        ("zhenjie_shenpi", "passed"),
        ("daibiao_jueyi", "passed"),
        ("jueyi_gongkai", "passed"),
        ("zuzhi_shishi", "passed"),
        ("jieguo_gongkai", "passed"),
    ]
    actions = [e["action"] for e in final["timeline"]]
    assert actions[0] == "proposed" and actions[-1] == "done"
    assert actions.count("meeting_decided") == 4 and "ballot_cast" in actions
    assert [p.kind for p in Publication.objects.order_by("seq")] == ["resolution", "result"]
    assert chain.verify_stored() == (2, None)
    listed = ok(secretary.get(f"{P}/matters/?status=done"))["results"]
    assert [m["id"] for m in listed] == [matter_id] and listed[0]["current_stage"] is None


def test_ordinary_matter_from_a_saying_through_ti_yi_jue_ban_ping(dw: DeliberationWorld, api_as: Api) -> None:
    secretary, resident = api_as("secretary"), api_as("resident")
    with time_machine.travel(at(2026, 9, 1, 9), tick=False):
        saying = ok(
            resident.post(
                f"{P}/sayings/", {"title": "小区缺少健身器材", "text": "老人希望有健身的地方"}, format="json"
            ),
            201,
        )
        assert [s["id"] for s in ok(resident.get(f"{P}/sayings/mine"))["results"]] == [saying["id"]]
        staff = ok(secretary.get(f"{P}/sayings/?status=new"))["results"]
        assert [(s["id"], s["resident_name"]) for s in staff] == [(saying["id"], "张建国")]
        matter = ok(
            secretary.post(
                f"{P}/sayings/{saying['id']}/accept",
                {"procedure": dw.procedures["ti_yi_jue_ban_ping"].pk},
                format="json",
            ),
            201,
        )
    assert (matter["source"]["code"], matter["is_major"], matter["title"]) == (
        "saying",
        False,
        "小区缺少健身器材",
    )
    assert ok(resident.get(f"{P}/sayings/mine"))["results"][0]["matter"]["id"] == matter["id"]
    assert_error(
        secretary.post(f"{P}/sayings/{saying['id']}/answer", {"reply": "已立题"}, format="json"),
        409,
        "saying_handled",
    )
    mid = matter["id"]
    step = matter["open_step"]
    assert step["actions"] == ["accept"]
    with time_machine.travel(at(2026, 9, 2, 9), tick=False):
        ok(secretary.post(f"{P}/steps/{step['id']}/accept", {"note": "受理"}, format="json"))
    hold_meeting(secretary, mid, at(2026, 9, 3))  # 议
    # 请示报告 does not apply to an ordinary matter: recorded as skipped, 决 opens at once.
    detail = ok(secretary.get(f"{P}/matters/{mid}"))
    assert detail["open_step"]["stage"]["code"] == "jue"
    assert [s["status"]["code"] for s in detail["steps"]][2] == "skipped"
    hold_meeting(secretary, mid, at(2026, 9, 4), absent=1)  # 决
    step = open_step(secretary, mid)
    with time_machine.travel(at(2026, 9, 4, 16), tick=False):
        notice = ok(
            secretary.post(
                f"{P}/steps/{step['id']}/notices",
                {"title": "健身器材采购决议公示", "body": "……"},
                format="json",
            ),
            201,
        )
    with time_machine.travel(at(2026, 9, 12), tick=False):
        ok(secretary.post(f"{P}/notices/{notice['id']}/close"))
    step = open_step(secretary, mid)  # 办
    with time_machine.travel(at(2026, 9, 12, 9), tick=False):
        task = ok(
            secretary.post(
                f"{P}/steps/{step['id']}/tasks",
                {"title": "采购安装", "owner_name": "社区居委会"},
                format="json",
            ),
            201,
        )
        ok(secretary.post(f"{P}/tasks/{task['id']}/progress", {"progress": 100}, format="json"))
    with time_machine.travel(at(2026, 9, 25, 10), tick=False):
        ok(
            secretary.post(
                f"{P}/steps/{step['id']}/implementation/finish",
                {"summary": "健身器材8件已安装"},
                format="json",
            )
        )
    step = open_step(secretary, mid)  # 评: 15 days from 09-25 10:00
    assert step["stage"]["code"] == "ping"
    with time_machine.travel(at(2026, 10, 1, 9), tick=False):
        assert open_step(secretary, mid)["actions"] == ["close_evaluation"]
        rated = ok(
            resident.post(
                f"{P}/matters/{mid}/evaluation", {"rating": "satisfied", "comment": "很方便"}, format="json"
            ),
            201,
        )
        assert rated["rating"] == "satisfied"
        assert_error(
            resident.post(f"{P}/matters/{mid}/evaluation", {"rating": "basic"}, format="json"),
            409,
            "already_evaluated",
        )
        assert ok(resident.get(f"{P}/matters/{mid}/evaluation"))["satisfaction_permille"] == 1000
    with time_machine.travel(at(2026, 10, 10, 9, 59), tick=False):
        assert_error(secretary.post(f"{P}/steps/{step['id']}/evaluation/close"), 400, "evaluation_running")
    with time_machine.travel(at(2026, 10, 10, 10), tick=False):
        # Staff who see the matter but live elsewhere may not rate; a stranger does not find it.
        assert_error(
            api_as("council").post(f"{P}/matters/{mid}/evaluation", {"rating": "basic"}, format="json"),
            403,
            "not_in_scope",
        )
        assert_error(
            api_as("rep").post(f"{P}/matters/{mid}/evaluation", {"rating": "basic"}, format="json"),
            404,
            "matter_not_found",
        )
        done = ok(secretary.post(f"{P}/steps/{step['id']}/evaluation/close"))
    assert done["status"]["code"] == "done"
    assert done["evaluation"] == {
        "satisfied": 1,
        "basic": 0,
        "unsatisfied": 0,
        "total": 1,
        "satisfaction_permille": 1000,
    }


def test_decision_without_quorum_is_refused_over_the_api(dw: DeliberationWorld, api_as: Api) -> None:
    secretary = api_as("secretary")
    matter_id = propose_major(dw, api_as)
    meets = at(2026, 9, 2, 14)
    meeting = call_meeting(secretary, matter_id, meets)  # 党组织: 5 members, more than half must come
    with time_machine.travel(meets + dt.timedelta(minutes=5), tick=False):
        assert attend(secretary, meeting, absent=3) == 2
    with time_machine.travel(meets - dt.timedelta(minutes=1), tick=False):
        assert_error(secretary.post(f"{P}/meetings/{meeting['id']}/decide"), 400, "meeting_not_started")
    before = snapshot()
    with time_machine.travel(meets + dt.timedelta(hours=1), tick=False):
        refused = assert_error(secretary.post(f"{P}/meetings/{meeting['id']}/decide"), 400, "no_quorum")
    assert refused["data"] == {"present": 2, "expected": 5, "needed": 3}
    assert "5" in refused["message"] and "2" in refused["message"]
    assert snapshot() == before
    assert Meeting.objects.get(pk=meeting["id"]).status == MeetingStatus.SCHEDULED
    matter = Matter.objects.get(pk=matter_id)
    assert matter.status == MatterStatus.ACTIVE and matter.current_step is not None
    assert matter.current_step.status == StepStatus.OPEN
    # One more member arrives: the same meeting now decides.
    with time_machine.travel(meets + dt.timedelta(hours=1, minutes=5), tick=False):
        third = meeting["roster"][2]["member"]
        ok(
            secretary.post(
                f"{P}/meetings/{meeting['id']}/attendance",
                {"member": third, "status": "present"},
                format="json",
            )
        )
        ok(
            secretary.post(
                f"{P}/meetings/{meeting['id']}/count",
                {"votes_for": 3, "votes_against": 0, "votes_abstain": 0},
                format="json",
            )
        )
        decided = ok(secretary.post(f"{P}/meetings/{meeting['id']}/decide"))
    assert (decided["present"], decided["result"]["code"]) == (3, "passed")


def test_no_majority_rejects_the_matter(dw: DeliberationWorld, api_as: Api) -> None:
    secretary = api_as("secretary")
    matter_id = propose_major(dw, api_as)
    meets = at(2026, 9, 2, 14)
    meeting = call_meeting(secretary, matter_id, meets)
    with time_machine.travel(meets + dt.timedelta(minutes=5), tick=False):
        attend(secretary, meeting)
        # 党组织: more than half of all 5 members must be for; 2 for is a tie-breaker short.
        ok(
            secretary.post(
                f"{P}/meetings/{meeting['id']}/count",
                {"votes_for": 2, "votes_against": 2, "votes_abstain": 1},
                format="json",
            )
        )
        decided = ok(secretary.post(f"{P}/meetings/{meeting['id']}/decide"))
    assert decided["result"]["code"] == "failed"
    matter = ok(secretary.get(f"{P}/matters/{matter_id}"))
    assert matter["status"]["code"] == "rejected" and matter["open_step"] is None


def test_bad_input_is_400_with_a_stable_code_and_writes_nothing(dw: DeliberationWorld, api_as: Api) -> None:
    scene = build_scene(dw)
    ids, town = scene.ids, dw.town
    secretary = api_as("secretary")
    village = town.village.code
    siyi = dw.procedures["siyi_liangkai"].pk
    cases: list[tuple[str, str, object, int, str]] = [
        # (url, method, body, status, code)
        (f"{P}/matters/", "post", {"node": village, "procedure": siyi}, 400, "invalid"),
        (
            f"{P}/matters/",
            "post",
            {"node": village, "procedure": siyi, "title": "x", "amount_fen": -1},
            400,
            "invalid",
        ),
        (
            f"{P}/matters/",
            "post",
            {"node": village, "procedure": siyi, "title": "x", "matter_type": "war"},
            400,
            "invalid",
        ),
        (f"{P}/matters/", "post", {"node": village, "procedure": 2**63 + 5, "title": "x"}, 400, "invalid"),
        (
            f"{P}/matters/",
            "post",
            {"node": village, "procedure": 999_999, "title": "x"},
            404,
            "procedure_not_found",
        ),
        (f"{P}/matters/", "post", {"node": "x\x00", "procedure": siyi, "title": "x"}, 400, "invalid"),
        (f"{P}/matters/", "post", {"node": "99", "procedure": siyi, "title": "x"}, 404, "not_found"),
        (f"{P}/matters/", "post", "not json", 400, "parse_error"),
        (
            f"{P}/procedures/adopt",
            "post",
            {"template": "nope", "node": village},
            400,
            "procedure_template_unknown",
        ),
        (
            f"{P}/procedures/adopt",
            "post",
            {"template": "siyi_liangkai", "node": village},
            409,
            "procedure_code_taken",
        ),
        (
            f"{P}/bodies/",
            "post",
            {"node": village, "kind": "council", "name": "又一个议事会"},
            409,
            "body_kind_taken",
        ),
        (f"{P}/bodies/{ids['body']}/members", "post", {"title": "代表"}, 400, "invalid"),
        (f"{P}/bodies/{ids['body']}/members", "post", {"user": town.users["rep"].pk}, 409, "member_exists"),
        (f"{P}/steps/{ids['step_call']}/meetings", "post", {"scheduled_at": "tomorrow"}, 400, "invalid"),
        (
            f"{P}/steps/{ids['step_call']}/meetings",
            "post",
            {"scheduled_at": (T - dt.timedelta(days=2)).isoformat()},
            400,
            "meeting_in_past",
        ),
        (
            f"{P}/steps/{ids['step_call']}/notices",
            "post",
            {"title": "公示", "body": "……"},
            400,
            "stage_not_notice",
        ),
        (
            f"{P}/steps/{ids['step_notice']}/notices",
            "post",
            {"title": "公示", "body": "……", "days": 3},
            400,
            "notice_days",
        ),
        (f"{P}/steps/{ids['step_task']}/approvals", "post", {"request": "请示"}, 400, "wrong_stage"),
        (
            f"{P}/steps/{ids['step_approve']}/approvals",
            "post",
            {"request": "再请示"},
            409,
            "approval_pending",
        ),
        (
            f"{P}/steps/{ids['step_sign']}/meetings",
            "post",
            {"scheduled_at": T.isoformat()},
            409,
            "step_closed",
        ),
        (
            f"{P}/meetings/{ids['meeting_count']}/count",
            "post",
            {"votes_for": 7, "votes_against": 0, "votes_abstain": 0},
            400,
            "count_exceeds_present",
        ),
        (
            f"{P}/meetings/{ids['meeting_count']}/count",
            "post",
            {"votes_for": -1, "votes_against": 0, "votes_abstain": 0},
            400,
            "invalid",
        ),
        (
            f"{P}/meetings/{ids['meeting_vote']}/attendance",
            "post",
            {"member": 999_999, "status": "present"},
            400,
            "not_on_roster",
        ),
        (
            f"{P}/meetings/{ids['meeting_cancel']}/attendance",
            "post",
            {"member": ids["absent_member"], "status": "present"},
            400,
            "not_on_roster",
        ),
        (f"{P}/meetings/{ids['meeting_vote']}/decide", "post", {}, 400, "no_quorum"),
        (f"{P}/meetings/{ids['meeting_sign']}/decide", "post", {}, 409, "meeting_closed"),
        (f"{P}/meetings/{ids['meeting_vote']}/sign", "post", {"minutes": "记录"}, 409, "meeting_not_decided"),
        (f"{P}/notices/{ids['notice_object']}/close", "post", {}, 400, "notice_running"),
        (f"{P}/notices/{ids['notice_objection']}/close", "post", {}, 400, "notice_running"),
        (f"{P}/objections/{ids['objection']}/decide", "post", {"uphold": True}, 400, "invalid"),
        (f"{P}/tasks/{ids['task']}/progress", "post", {"progress": 101}, 400, "invalid"),
        (f"{P}/steps/{ids['step_task']}/implementation/finish", "post", {"summary": "完成"}, 400, "no_tasks"),
        (f"{P}/steps/{ids['step_rate']}/evaluation/close", "post", {}, 400, "evaluation_running"),
        (f"{P}/matters/{ids['matter_withdraw']}/withdraw", "post", {"reason": ""}, 400, "invalid"),
        (
            f"{P}/sayings/{ids['saying_accept']}/accept",
            "post",
            {"procedure": siyi, "amount_fen": "many"},
            400,
            "invalid",
        ),
        (f"{P}/matters/?status=lost", "get", None, 400, "invalid"),
        (f"{P}/matters/?page=99", "get", None, 404, "invalid_page"),
        (f"{P}/meetings/?upcoming=maybe", "get", None, 400, "invalid"),
    ]
    with time_machine.travel(T, tick=False):
        for url, method, body, status, code in cases:
            before = snapshot()
            if method == "get":
                response = secretary.get(url)
            elif isinstance(body, str):
                response = secretary.post(url, body, content_type="application/json")
            else:
                response = secretary.post(url, body, format="json")
            assert_error(response, status, code)
            assert snapshot() == before, url
    # A field error names the field.
    with time_machine.travel(T, tick=False):
        missing = assert_error(
            secretary.post(f"{P}/matters/", {"node": village, "procedure": siyi}, format="json"),
            400,
            "invalid",
        )
    assert "title" in missing["data"]["fields"]
