"""Helpers for the deliberation API suites: the clock, error bodies, and walking a matter's meeting
steps over the API the way a client would (call the day before, attendance, count, decide)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import time_machine
from rest_framework.test import APIClient

from sanzhi.core.models import AuditEvent
from sanzhi.deliberation import flow
from sanzhi.deliberation.approvals import approval_request
from sanzhi.deliberation.implementation import task_add, task_progress
from sanzhi.deliberation.meetings import attendance_record, meeting_call, meeting_decide, meeting_record_count
from sanzhi.deliberation.models import (
    Attendance,
    Ballot,
    Body,
    BodyKind,
    BodyMember,
    Evaluation,
    Matter,
    MatterEvent,
    MatterStep,
    MatterType,
    Meeting,
    Notice,
    Objection,
    Procedure,
    Saying,
    StepStatus,
    Task,
)
from sanzhi.deliberation.notices import notice_open, objection_submit
from sanzhi.deliberation.proposals import saying_submit
from sanzhi.deliberation.testing import DeliberationWorld
from sanzhi.disclosure.models import Publication

Api = Callable[[str], APIClient]
P = "/api/v1/deliberation"
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """An error body ``{code, message, data}`` with this status and code."""
    assert response.status_code == status, response.content
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "data"} and body["code"] == code, body
    assert body["message"]
    return body


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content
    return response.json()


def snapshot() -> dict[str, int]:
    """Row counts of everything a deliberation write may touch: a refused call leaves them alone."""
    models = (
        Procedure,
        Body,
        BodyMember,
        Matter,
        MatterStep,
        MatterEvent,
        Meeting,
        Ballot,
        Notice,
        Objection,
        Task,
        Evaluation,
        Saying,
        Publication,
        AuditEvent,
    )
    return {m.__name__: m.objects.count() for m in models}


def open_step(client: APIClient, matter_id: int) -> dict[str, Any]:
    step: dict[str, Any] = ok(client.get(f"{P}/matters/{matter_id}"))["open_step"]
    assert step is not None
    return step


def call_meeting(client: APIClient, matter_id: int, meets: dt.datetime) -> dict[str, Any]:
    step = open_step(client, matter_id)
    with time_machine.travel(meets - dt.timedelta(days=1), tick=False):
        body = {"scheduled_at": meets.isoformat(), "place": "社区会议室"}
        return ok(client.post(f"{P}/steps/{step['id']}/meetings", body, format="json"), 201)


def attend(client: APIClient, meeting: dict[str, Any], *, absent: int = 0) -> int:
    """Everyone on the roster present but the last ``absent``; returns how many are present."""
    roster = meeting["roster"]
    for index, row in enumerate(roster):
        status = "absent" if index >= len(roster) - absent else "present"
        body = {"member": row["member"], "status": status}
        ok(client.post(f"{P}/meetings/{meeting['id']}/attendance", body, format="json"))
    return len(roster) - absent


def hold_meeting(
    client: APIClient, matter_id: int, day: dt.datetime, *, absent: int = 0, against: int = 0
) -> dict[str, Any]:
    """The open meeting step's body meets at 14:00 on ``day``: a show of hands, then the decision."""
    meets = day.replace(hour=14, minute=0)
    meeting = call_meeting(client, matter_id, meets)
    with time_machine.travel(meets + dt.timedelta(minutes=5), tick=False):
        present = attend(client, meeting, absent=absent)
        count = {"votes_for": present - against, "votes_against": against, "votes_abstain": 0}
        ok(client.post(f"{P}/meetings/{meeting['id']}/count", count, format="json"))
    with time_machine.travel(meets + dt.timedelta(hours=1), tick=False):
        decided: dict[str, Any] = ok(client.post(f"{P}/meetings/{meeting['id']}/decide"))
    assert decided["result"]["code"] == "passed", decided
    return decided


# ---- a scene: one matter waiting at every kind of step, for the per-persona matrix ----------------

# The instant the matrix runs at: the scene's meetings meet today at 14:00, its notices run.
T = at(2026, 9, 20, 15)


def walk_to(matter: Matter, code: str, *, actor: Any, now: dt.datetime) -> MatterStep:
    """Pass every step until the stage ``code`` is open (the earlier stages have their own suites)."""
    for _ in range(20):
        matter.refresh_from_db()
        assert matter.current_step_id is not None
        step = MatterStep.objects.select_related("stage", "matter").get(pk=matter.current_step_id)
        if step.stage.code == code:
            return step
        flow.step_finish(actor=actor, step=step, outcome=StepStatus.PASSED, note="通过", now=now)
    raise AssertionError(f"stage {code} never opened")


@dataclass
class Scene:
    world: DeliberationWorld
    ids: dict[str, int] = field(default_factory=dict)


def build_scene(world: DeliberationWorld) -> Scene:
    town = world.town
    secretary, resident = town.users["secretary"], town.users["resident"]
    scene = Scene(world)
    ids = scene.ids
    day_before, long_ago = T - dt.timedelta(days=1), T - dt.timedelta(days=20)
    meets = T.replace(hour=14, minute=0)

    def propose(
        key: str, template: str = "siyi_liangkai", *, major: bool = False, now: dt.datetime = day_before
    ) -> Matter:
        matter = flow.matter_propose(
            actor=secretary,
            node=town.village,
            procedure=world.procedures[template],
            title=f"议题{key}",
            matter_type=MatterType.PROJECT,
            amount_fen=8_000_000 if major else 300_000,
            now=now,
        )
        ids[f"matter_{key}"] = matter.pk
        return matter

    def step(key: str, matter: Matter, code: str, now: dt.datetime = day_before) -> MatterStep:
        found = walk_to(matter, code, actor=secretary, now=now)
        ids[f"step_{key}"] = found.pk
        return found

    def seated(key: str, *, everyone: bool) -> Meeting:
        """A representatives' meeting today at 14:00; the logins (or everyone) signed in."""
        matter = propose(key)
        meeting = meeting_call(
            actor=secretary, step=step(key, matter, "daibiao_jueyi"), scheduled_at=meets, now=day_before
        )
        ids[f"meeting_{key}"] = meeting.pk
        for row in Attendance.objects.filter(meeting=meeting).select_related("member").order_by("id"):
            if everyone or row.member.user_id is not None:
                attendance_record(
                    actor=secretary, meeting=meeting, member=row.member, status="present", now=meets
                )
            elif "absent_member" not in ids:
                ids["absent_member"] = row.member_id
        return meeting

    step("call", propose("call"), "dang_tiyi")
    to_cancel = meeting_call(
        actor=secretary,
        step=step("cancel", propose("cancel"), "dang_tiyi"),
        scheduled_at=meets + dt.timedelta(days=1),
        now=day_before,
    )
    ids["meeting_cancel"] = to_cancel.pk
    seated("vote", everyone=False)
    seated("count", everyone=True)
    signed = seated("sign", everyone=True)
    meeting_record_count(
        actor=secretary, meeting=signed, votes_for=6, votes_against=0, votes_abstain=0, now=meets
    )
    meeting_decide(actor=secretary, meeting=signed, now=meets + dt.timedelta(minutes=30))
    step("notice", Matter.objects.get(pk=ids["matter_sign"]), "jueyi_gongkai")
    step("ask", propose("ask", major=True), "zhenjie_shenpi")
    approval = approval_request(
        actor=secretary,
        step=step("approve", propose("approve", major=True), "zhenjie_shenpi"),
        request="请示",
        now=day_before,
    )
    ids["approval"] = approval.pk
    for key, opened in (
        ("object", day_before),
        ("objection", day_before),
        ("close", T - dt.timedelta(days=10)),
    ):
        matter = propose(key, now=opened)
        notice = notice_open(
            actor=secretary,
            step=step(key, matter, "jueyi_gongkai", now=opened),
            title=f"公示{key}",
            body="……",
            now=opened,
        )
        ids[f"notice_{key}"] = notice.pk
    objection = objection_submit(
        actor=resident, notice=Notice.objects.get(pk=ids["notice_objection"]), text="有异议", now=day_before
    )
    ids["objection"] = objection.pk
    step("task", propose("task"), "zuzhi_shishi")
    task = task_add(
        actor=secretary,
        step=step("progress", propose("progress"), "zuzhi_shishi"),
        title="施工",
        owner=town.users["gridworker"],
        now=day_before,
    )
    ids["task"] = task.pk
    finish = step("finish", propose("finish"), "zuzhi_shishi")
    done = task_add(actor=secretary, step=finish, title="采购", owner_name="居委会", now=day_before)
    task_progress(actor=secretary, task=done, progress=100, now=day_before)
    step("rate", propose("rate", "ti_yi_jue_ban_ping"), "ping")
    step("rated", propose("rated", "ti_yi_jue_ban_ping", now=long_ago), "ping", now=long_ago)
    step("accept", propose("accept", "ti_yi_jue_ban_ping"), "ti")
    propose("withdraw")
    for key in ("answer", "accept"):
        ids[f"saying_{key}"] = saying_submit(actor=resident, title=f"说事{key}", text="……", now=day_before).pk
    council = world.bodies[BodyKind.COUNCIL]
    ids["body"] = world.bodies[BodyKind.REPRESENTATIVES].pk
    ids["member_remove"] = BodyMember.objects.filter(body=council, user__isnull=True).latest("id").pk
    ids["procedure"] = world.procedures["siyi_liangkai"].pk
    return scene
