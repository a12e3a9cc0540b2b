"""议事协商 console pages per persona (200 / 404 without disclosing existence / login), each form's bad
input shown translated with nothing written, the action panel of each stage kind driving the
services, and the matters list's query count. The clock is frozen (2026-11-20 10:00, Shanghai)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from sanzhi.core.testing import Town
from sanzhi.deliberation import flow
from sanzhi.deliberation.implementation import task_add, task_progress
from sanzhi.deliberation.meetings import meeting_call
from sanzhi.deliberation.models import (
    Approval,
    Attendance,
    AttendanceStatus,
    Body,
    BodyKind,
    BodyMember,
    Matter,
    MatterStatus,
    Meeting,
    MeetingStatus,
    Notice,
    Procedure,
    Saying,
    Task,
)
from sanzhi.deliberation.notices import notice_open, objection_submit
from sanzhi.deliberation.procedures import procedure_adopt
from sanzhi.deliberation.proposals import saying_submit
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests.notice_kit import at, current, propose, snapshot, walk_to

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]
NOW = at(2026, 11, 20, 10)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    return build_deliberation_world(town)


def text(response: Any) -> str:
    return response.content.decode()


def act_url(matter: Matter, action: str) -> str:
    return reverse("web:delib_matter_act", args=[matter.pk, action])


def meet_url(meeting: Meeting, action: str) -> str:
    return reverse("web:delib_meeting_act", args=[meeting.pk, action])


def matter_page(client: Client, matter: Matter) -> str:
    return text(client.get(reverse("web:delib_matter", args=[matter.pk])))


# ---------------------------------------------------------------- who reaches what


@pytest.fixture
def scene(world: DeliberationWorld) -> dict[str, Any]:
    """A major matter at 创举社区 with its first meeting called, one at 白衣村, a saying."""
    town = world.town
    matter = propose(world, major=True, title="集体厂房出租")
    meeting = meeting_call(actor=town.secretary, step=current(matter), scheduled_at=NOW, place="社区会议室")
    other = procedure_adopt(actor=town.outsider, template="siyi_liangkai", node=town.other_village)
    elsewhere = flow.matter_propose(
        actor=town.outsider, node=town.other_village, procedure=other, title="白衣村修路"
    )
    saying = saying_submit(actor=town.resident, title="楼道灯坏了", text="三楼楼道灯不亮")
    return {"matter": matter, "meeting": meeting, "elsewhere": elsewhere, "saying": saying}


PAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "matters": lambda s: reverse("web:delib_matters"),
    "matter_new": lambda s: reverse("web:delib_matter_new"),
    "matter": lambda s: reverse("web:delib_matter", args=[s["matter"].pk]),
    "matter_elsewhere": lambda s: reverse("web:delib_matter", args=[s["elsewhere"].pk]),
    "meetings": lambda s: reverse("web:delib_meetings"),
    "meeting": lambda s: reverse("web:delib_meeting", args=[s["meeting"].pk]),
    "approvals": lambda s: reverse("web:delib_approvals"),
    "sayings": lambda s: reverse("web:delib_sayings"),
    "bodies": lambda s: reverse("web:delib_bodies"),
    "procedures": lambda s: reverse("web:delib_procedures"),
}
STAFF_PAGES = {"matters", "meetings", "sayings", "bodies", "procedures"}
REACH = {
    "secretary": STAFF_PAGES | {"matter_new", "matter", "meeting"},
    # The township sees both villages and approves their major matters.
    "street": set(PAGES),
    # A grid worker holds view/propose at the grid: the community's matters (at the community
    # node) lie above them; procedures and bodies above cover them; they propose at their grid.
    "gridworker": STAFF_PAGES | {"matter_new"},
    "council": STAFF_PAGES | {"matter_new", "matter", "meeting"},
    # Members of bodies without staff rights: the party organisation's meeting is not theirs.
    "rep": set(),
    "resident": set(),
    # A grid chief of 白衣村: their own village only.
    "outsider": STAFF_PAGES | {"matter_new", "matter_elsewhere"},
    "nobody": set(),
    "sysadmin": set(PAGES),
    "dept": set(),
}


@pytest.mark.parametrize("persona", sorted(REACH))
def test_pages_per_persona(scene: dict[str, Any], client_as: ClientAs, persona: str) -> None:
    client = client_as(persona)
    for name, url in PAGES.items():
        expected = 200 if name in REACH[persona] else 404
        response = client.get(url(scene))
        assert response.status_code == expected, (persona, name)
        if expected == 404:
            assert scene["matter"].title not in text(response)


def test_anonymous_goes_to_login(scene: dict[str, Any], client: Client) -> None:
    for url in PAGES.values():
        response = client.get(url(scene))
        assert response.status_code == 302 and "/login/" in response["Location"]
    posted = client.post(act_url(scene["matter"], "withdraw"), {"reason": "x"})
    assert posted.status_code == 302 and "/login/" in posted["Location"]
    assert Matter.objects.get(pk=scene["matter"].pk).status == MatterStatus.ACTIVE


def test_member_sees_own_meeting(world: DeliberationWorld, client_as: ClientAs) -> None:
    """The representatives' meeting: 张建国 (resident persona) sits on it and sees it, and votes."""
    town = world.town
    matter = propose(world)
    step = walk_to(matter, "daibiao_jueyi", actor=town.secretary)
    meeting = meeting_call(actor=town.secretary, step=step, scheduled_at=NOW)
    client = client_as("resident")
    assert client.get(reverse("web:delib_meetings")).status_code == 200
    page = text(client.get(reverse("web:delib_meeting", args=[meeting.pk])))
    assert 'data-testid="tab-matters"' not in page and 'data-testid="attend-form"' not in page
    assert 'data-testid="ballot-form"' not in page  # not signed in yet
    member = BodyMember.objects.get(body__kind=BodyKind.REPRESENTATIVES, user=town.resident)
    assert (
        client.post(meet_url(meeting, "attend"), {"member": member.pk, "status": "present"}).status_code
        == 403
    )
    secretary = client_as("secretary")
    secretary.post(meet_url(meeting, "attend"), {"member": member.pk, "status": "present"})
    assert 'data-testid="ballot-form"' in text(client.get(reverse("web:delib_meeting", args=[meeting.pk])))
    voted = client.post(meet_url(meeting, "ballot"), {"member": member.pk, "choice": "for"}, follow=True)
    assert "已表决" in text(voted)
    assert 'data-testid="roster-vote">赞成' in text(voted)
    again = client.post(meet_url(meeting, "ballot"), {"member": member.pk, "choice": "against"})
    assert again.status_code == 422


# ---------------------------------------------------------------- the matters list


def test_matters_list_filters_and_query_count(
    world: DeliberationWorld, client_as: ClientAs, django_assert_max_num_queries: Any
) -> None:
    for i in range(3):
        propose(world, title=f"议题{i}")
    done = propose(world, title="已撤回的议题")
    flow.matter_withdraw(actor=world.town.secretary, matter=done, reason="重复")
    client = client_as("secretary")
    url = reverse("web:delib_matters")
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    for i in range(3, 25):
        propose(world, title=f"议题{i}", template="ti_yi_jue_ban_ping")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = text(client.get(url))
    assert body.count('data-testid="matter-row"') == 26
    withdrawn = text(client.get(url, {"status": "withdrawn"}))
    assert withdrawn.count('data-testid="matter-row"') == 1 and "已撤回的议题" in withdrawn
    searched = text(client.get(url, {"q": "议题2"}))
    assert searched.count('data-testid="matter-row"') == 6  # 议题2, 议题20 … 议题24
    procedure = world.procedures["siyi_liangkai"].pk
    assert text(client.get(url, {"procedure": procedure})).count('data-testid="matter-row"') == 4
    bad = client.get(url, {"status": "nonsense"})
    assert bad.status_code == 200 and "选择一个有效的选项" in text(bad)
    for i in range(25, 31):
        propose(world, title=f"后来的议题{i}")
    first, second = text(client.get(url)), text(client.get(url, {"page": 2}))
    assert first.count('data-testid="matter-row"') == 30 and second.count('data-testid="matter-row"') == 2
    assert "后来的议题30" in first and "第 2 / 2 页" in second
    # The filters swap the results through htmx: the fragment alone, same rows.
    fragment = text(client.get(url, {"status": "withdrawn"}, HTTP_HX_REQUEST="true"))
    assert fragment.startswith('<div id="matter-results">') and "已撤回的议题" in fragment
    assert "<html" not in fragment and fragment.count('data-testid="matter-row"') == 1


# ---------------------------------------------------------------- proposing


def test_propose_a_major_matter(world: DeliberationWorld, client_as: ClientAs) -> None:
    client = client_as("secretary")
    procedure = world.procedures["siyi_liangkai"]
    response = client.post(
        reverse("web:delib_matter_new"),
        {
            "procedure": procedure.pk,
            "title": "集体厂房出租",
            "description": "出租闲置厂房",
            "matter_type": "assets",
            "amount": "120,000.50",
            "proposer_body": world.bodies[BodyKind.PARTY_ORG].pk,
        },
        follow=True,
    )
    assert response.status_code == 200
    matter = Matter.objects.get(title="集体厂房出租")
    assert matter.amount_fen == 12_000_050 and matter.is_major
    assert matter.proposer_body == world.bodies[BodyKind.PARTY_ORG]
    body = text(response)
    assert "已提出议题“集体厂房出租”" in body
    assert "涉及金额 120,000.50 元" in body and 'data-testid="matter-major"' in body
    assert 'data-stage="dang_tiyi" data-state="open"' in body
    assert 'data-stage="zhenjie_shenpi" data-state="todo"' in body
    assert "到会：超过半数 · 通过：超过半数（全体成员）" in body


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "该字段是必填项。"),
        ({"amount": "12元"}, "金额须为数字（元，最多两位小数）"),
        ({"amount": "-5"}, "金额须为数字（元，最多两位小数）"),
        ({"amount": "1.234"}, "金额须为数字（元，最多两位小数）"),
        ({"tickets": "12, abc"}, "诉求编号须为数字"),
        ({"tickets": "999999"}, "找不到诉求：999999"),
        ({"title": "   "}, "该字段是必填项。"),
    ],
)
def test_propose_bad_input_writes_nothing(
    world: DeliberationWorld, client_as: ClientAs, data: dict[str, str], message: str
) -> None:
    form = {"procedure": world.procedures["siyi_liangkai"].pk, "title": "修路", "matter_type": "ordinary"}
    response = client_as("secretary").post(reverse("web:delib_matter_new"), {**form, **data})
    assert response.status_code == 422
    assert message in text(response)
    assert Matter.objects.count() == 0


def test_grid_worker_proposes_at_their_grid(world: DeliberationWorld, client_as: ClientAs) -> None:
    client = client_as("gridworker")
    response = client.post(
        reverse("web:delib_matter_new"),
        {
            "procedure": world.procedures["ti_yi_jue_ban_ping"].pk,
            "title": "网格内修路",
            "matter_type": "ordinary",
        },
        follow=True,
    )
    assert "已提出议题“网格内修路”" in text(response)
    matter = Matter.objects.get()
    assert matter.node == world.town.grid and matter.proposed_by == world.town.gridworker
    # The secretary above runs it; the grid worker follows it but does not run the stage.
    assert 'data-testid="accept-form"' in matter_page(client_as("secretary"), matter)
    assert 'data-testid="accept-form"' not in matter_page(client, matter)


def test_propose_under_a_procedure_elsewhere_is_refused(
    world: DeliberationWorld, client_as: ClientAs
) -> None:
    other = procedure_adopt(actor=world.town.outsider, template="sishi_sigong", node=world.town.other_village)
    response = client_as("secretary").post(
        reverse("web:delib_matter_new"), {"procedure": other.pk, "title": "修路", "matter_type": "ordinary"}
    )
    assert response.status_code == 422 and "选择一个有效的选项" in text(response)
    assert Matter.objects.count() == 0


# ---------------------------------------------------------------- meetings


@pytest.fixture
def major(world: DeliberationWorld) -> Matter:
    return propose(world, major=True, title="集体厂房出租")


def test_call_meeting_in_the_past_is_refused(major: Matter, client_as: ClientAs) -> None:
    client = client_as("secretary")
    before = snapshot()
    response = client.post(
        act_url(major, "meeting_call"), {"scheduled_at": "2026-11-19T14:00", "place": "会议室"}
    )
    assert response.status_code == 422
    assert "召开日期不能早于今天" in text(response)
    assert snapshot() == before and Meeting.objects.count() == 0
    bad = client.post(act_url(major, "meeting_call"), {"scheduled_at": "明天下午"})
    assert bad.status_code == 422 and "输入一个有效的日期/时间。" in text(bad)
    assert Meeting.objects.count() == 0


def test_meeting_flow_with_refusals(major: Matter, world: DeliberationWorld, client_as: ClientAs) -> None:
    client = client_as("secretary")
    called = client.post(
        act_url(major, "meeting_call"),
        {"scheduled_at": "2026-11-20T09:30", "place": "社区会议室", "agenda": "研究厂房出租"},
        follow=True,
    )
    assert "已召集会议" in text(called)
    meeting = Meeting.objects.get()
    assert meeting.expected == 5
    url = reverse("web:delib_meeting", args=[meeting.pk])
    rows = list(Attendance.objects.filter(meeting=meeting).order_by("id"))
    # Counting without quorum is refused with the reason; nothing changes.
    before = snapshot()
    refused = client.post(meet_url(meeting, "decide"))
    assert refused.status_code == 422
    assert "到会人数不足：应到5人，实到0人，至少需3人" in text(refused)
    assert snapshot() == before
    assert Meeting.objects.get().status == MeetingStatus.SCHEDULED
    # A proxy where the stage allows none.
    proxy = client.post(
        meet_url(meeting, "attend"),
        {"member": rows[1].member_id, "status": "proxy", "proxy_holder": rows[0].member_id},
    )
    assert proxy.status_code == 422 and "本环节不允许委托表决" in text(proxy)
    assert Attendance.objects.get(pk=rows[1].pk).status == AttendanceStatus.UNKNOWN
    for row in rows[:3]:
        assert (
            client.post(
                meet_url(meeting, "attend"), {"member": row.member_id, "status": "present"}
            ).status_code
            == 302
        )
    client.post(meet_url(meeting, "attend"), {"member": rows[3].member_id, "status": "absent"})
    page = text(client.get(url))
    assert "应到5人，实到3人（至少需3人）" in page and "已达到法定到会人数" in page
    # More votes than present.
    too_many = client.post(
        meet_url(meeting, "count"), {"votes_for": 4, "votes_against": 0, "votes_abstain": 0}
    )
    assert too_many.status_code == 422 and "票数（4）多于到会人数（3）" in text(too_many)
    negative = client.post(
        meet_url(meeting, "count"), {"votes_for": -1, "votes_against": 0, "votes_abstain": 0}
    )
    assert negative.status_code == 422 and "确保该值大于或等于0。" in text(negative)
    assert Meeting.objects.get().votes_for == 0
    client.post(meet_url(meeting, "count"), {"votes_for": 3, "votes_against": 0, "votes_abstain": 0})
    decided = client.post(meet_url(meeting, "decide"), follow=True)
    assert "表决通过" in text(decided)
    meeting.refresh_from_db()
    assert (meeting.status, meeting.result, meeting.present) == (MeetingStatus.DECIDED, "passed", 3)
    # Minutes: blank refused, then signed once.
    blank = client.post(meet_url(meeting, "sign"), {"minutes": " "})
    assert blank.status_code == 422 and Meeting.objects.get().status == MeetingStatus.DECIDED
    signed = client.post(meet_url(meeting, "sign"), {"minutes": "一致同意出租"}, follow=True)
    assert "会议记录已签字" in text(signed) and Meeting.objects.get().status == MeetingStatus.SIGNED
    assert current(major).stage.code == "liangwei_shangyi"
    body = matter_page(client, major)
    assert 'data-stage="dang_tiyi" data-state="passed"' in body
    assert 'data-action="meeting_decided"' in body


def test_council_cannot_run_a_meeting(major: Matter, client_as: ClientAs) -> None:
    client = client_as("council")
    assert 'data-testid="meeting_call-form"' not in matter_page(client, major)
    response = client.post(act_url(major, "meeting_call"), {"scheduled_at": "2026-11-20T14:00"})
    assert response.status_code == 403
    assert Meeting.objects.count() == 0


# ---------------------------------------------------------------- approval


def test_approval_request_and_decide(major: Matter, world: DeliberationWorld, client_as: ClientAs) -> None:
    town = world.town
    walk_to(major, "zhenjie_shenpi", actor=town.secretary)
    secretary, street = client_as("secretary"), client_as("street")
    blank = secretary.post(act_url(major, "approval_request"), {"request": ""})
    assert blank.status_code == 422 and "该字段是必填项。" in text(blank) and Approval.objects.count() == 0
    secretary.post(act_url(major, "approval_request"), {"request": "拟出租集体厂房，请批示"})
    approval = Approval.objects.get()
    assert 'data-testid="approval_decide-form"' not in matter_page(secretary, major)
    assert secretary.post(act_url(major, "approval_decide"), {"decision": "approve"}).status_code == 404
    queue = text(street.get(reverse("web:delib_approvals")))
    assert "集体厂房出租" in queue and 'data-testid="approval-row"' in queue
    assert client_as("secretary").get(reverse("web:delib_approvals")).status_code == 404
    refuse_blank = street.post(act_url(major, "approval_decide"), {"decision": "refuse", "reply": ""})
    assert refuse_blank.status_code == 422 and "不同意时请填写批复意见" in text(refuse_blank)
    assert Approval.objects.get().decision == "pending"
    ok = street.post(act_url(major, "approval_decide"), {"decision": "approve", "reply": "同意"}, follow=True)
    assert "已批复：同意" in text(ok)
    approval.refresh_from_db()
    assert approval.decision == "approved" and current(major).stage.code == "daibiao_jueyi"
    assert "集体厂房出租" not in text(street.get(reverse("web:delib_approvals")))
    assert "集体厂房出租" in text(street.get(reverse("web:delib_approvals"), {"show": "decided"}))


# ---------------------------------------------------------------- notice


def test_notice_open_objection_close(major: Matter, world: DeliberationWorld, client_as: ClientAs) -> None:
    town = world.town
    walk_to(major, "jueyi_gongkai", actor=town.secretary)
    client = client_as("secretary")
    short = client.post(act_url(major, "notice_open"), {"title": "决议公示", "body": "出租厂房", "days": 3})
    assert short.status_code == 422 and "公示天数应在7至90天之间" in text(short)
    assert Notice.objects.count() == 0
    opened = client.post(
        act_url(major, "notice_open"), {"title": "决议公示", "body": "出租厂房", "days": 7}, follow=True
    )
    assert "已发布公示" in text(opened)
    notice = Notice.objects.get()
    assert notice.ends_at == at(2026, 11, 28)
    body = text(opened)
    assert "公示期至2026-11-28 00:00结束，期满前不能结束公示" in body
    assert 'data-testid="notice_close-submit" disabled' in body
    early = client.post(act_url(major, "notice_close"))
    assert early.status_code == 422 and "期满前不能结束公示" in text(early)
    objection = objection_submit(actor=town.resident, notice=notice, text="租金偏低", now=at(2026, 11, 21, 9))
    with time_machine.travel(at(2026, 11, 28, 9), tick=False):
        page = matter_page(client, major)
        assert "还有1条异议未处理" in page and 'data-testid="notice_close-submit" disabled' in page
        pending = client.post(act_url(major, "notice_close"))
        assert pending.status_code == 422 and "还有1条异议未处理" in text(pending)
        no_reply = client.post(
            act_url(major, "objection_decide"),
            {"objection": objection.pk, f"o{objection.pk}-decision": "dismiss"},
        )
        assert no_reply.status_code == 422 and "该字段是必填项。" in text(no_reply)
        client.post(
            act_url(major, "objection_decide"),
            {
                "objection": objection.pk,
                f"o{objection.pk}-decision": "dismiss",
                f"o{objection.pk}-reply": "经评估合理",
            },
        )
        page = matter_page(client, major)
        assert 'data-testid="notice_close-submit" disabled' not in page
        closed = client.post(act_url(major, "notice_close"), follow=True)
    assert "公示期满，已结束公示" in text(closed)
    assert current(major).stage.code == "zuzhi_shishi"


def test_upheld_objection_sends_the_matter_back_a_round(
    major: Matter, world: DeliberationWorld, client_as: ClientAs
) -> None:
    town = world.town
    step = walk_to(major, "jueyi_gongkai", actor=town.secretary)
    notice = notice_open(actor=town.secretary, step=step, title="决议公示", body="出租厂房")
    objection = objection_submit(actor=town.resident, notice=notice, text="未按规定公开招租")
    client = client_as("secretary")
    upheld = client.post(
        act_url(major, "objection_decide"),
        {
            "objection": objection.pk,
            f"o{objection.pk}-decision": "uphold",
            f"o{objection.pk}-reply": "异议成立，重新表决",
        },
        follow=True,
    )
    body = text(upheld)
    assert "异议成立，议题已退回" in body
    assert 'data-stage="jueyi_gongkai" data-state="returned"' in body
    assert 'data-stage="daibiao_jueyi" data-state="open"' in body
    assert "第2轮" in body
    assert current(major).stage.code == "daibiao_jueyi" and current(major).round == 2
    # The objection is no longer pending: deciding it again is refused, nothing moves.
    before = snapshot()
    again = client.post(
        act_url(major, "objection_decide"),
        {"objection": objection.pk, f"o{objection.pk}-decision": "dismiss", f"o{objection.pk}-reply": "再议"},
    )
    assert again.status_code == 422 and "该异议已处理" in text(again)
    assert snapshot() == before


# ---------------------------------------------------------------- implementation


def test_tasks_and_finish(major: Matter, world: DeliberationWorld, client_as: ClientAs) -> None:
    walk_to(major, "zuzhi_shishi", actor=world.town.secretary)
    client = client_as("secretary")
    nothing = client.post(act_url(major, "implementation_finish"), {"summary": "完成"})
    assert nothing.status_code == 422 and "尚未安排实施任务" in text(nothing)
    no_owner = client.post(act_url(major, "task_add"), {"title": "签合同"})
    assert no_owner.status_code == 422 and Task.objects.count() == 0
    client.post(
        act_url(major, "task_add"),
        {"title": "签订租赁合同", "owner_name": "村委会", "due_date": "2026-11-30"},
    )
    task = Task.objects.get()
    client.post(act_url(major, "task_progress"), {"task": task.pk, "progress": 50, "note": "已招租"})
    back = client.post(act_url(major, "task_progress"), {"task": task.pk, "progress": 20})
    assert back.status_code == 422 and "进度不能低于已填报的50%" in text(back)
    over = client.post(act_url(major, "task_progress"), {"task": task.pk, "progress": 150})
    assert over.status_code == 422 and Task.objects.get().progress == 50
    open_task = client.post(act_url(major, "implementation_finish"), {"summary": "完成"})
    assert open_task.status_code == 422 and "还有1项任务未完成" in text(open_task)
    client.post(act_url(major, "task_progress"), {"task": task.pk, "progress": 100, "note": "合同已签"})
    done = client.post(act_url(major, "implementation_finish"), {"summary": "厂房已出租"}, follow=True)
    assert "实施完成" in text(done) and current(major).stage.code == "jieguo_gongkai"


def test_evaluation_close_waits_for_the_window(world: DeliberationWorld, client_as: ClientAs) -> None:
    matter = propose(world, template="ti_yi_jue_ban_ping")
    walk_to(matter, "ping", actor=world.town.secretary)
    client = client_as("secretary")
    page = matter_page(client, matter)
    assert "评价期至2026-12-05 10:00结束" in page and 'data-testid="evaluation_close-submit" disabled' in page
    early = client.post(act_url(matter, "evaluation_close"))
    assert early.status_code == 422 and Matter.objects.get(pk=matter.pk).status == MatterStatus.ACTIVE
    with time_machine.travel(at(2026, 12, 5, 10), tick=False):
        client = client_as("secretary")  # a fresh login: the first one's session is two weeks old
        closed = client.post(act_url(matter, "evaluation_close"), follow=True)
    assert "群众评价已结束" in text(closed)
    assert Matter.objects.get(pk=matter.pk).status == MatterStatus.DONE


def test_proposal_accept_and_withdraw(world: DeliberationWorld, client_as: ClientAs) -> None:
    matter = propose(world, template="ti_yi_jue_ban_ping")
    client = client_as("secretary")
    accepted = client.post(act_url(matter, "accept"), {"note": "同意立题"}, follow=True)
    assert "已受理立题" in text(accepted) and current(matter).stage.code == "yi"
    # Accepting again: the step is no longer a proposal.
    again = client.post(act_url(matter, "accept"), {"note": ""})
    assert again.status_code == 422 and "该环节不是提议环节" in text(again)
    no_reason = client.post(act_url(matter, "withdraw"), {"reason": ""})
    assert no_reason.status_code == 422 and Matter.objects.get(pk=matter.pk).status == MatterStatus.ACTIVE
    gone = client.post(act_url(matter, "withdraw"), {"reason": "已另行解决"}, follow=True)
    assert "议题已撤回" in text(gone) and 'data-testid="matter-closed"' in text(gone)
    assert Matter.objects.get(pk=matter.pk).status == MatterStatus.WITHDRAWN
    late = client.post(act_url(matter, "withdraw"), {"reason": "再撤"})
    assert late.status_code == 422 and "该议题已经结束" in text(late)
    assert client.post(act_url(matter, "no-such-act"), {}).status_code == 404


# ---------------------------------------------------------------- 村民说事


def test_sayings_answer_and_accept(world: DeliberationWorld, client_as: ClientAs) -> None:
    town = world.town
    lamp = saying_submit(actor=town.resident, title="楼道灯坏了", text="三楼楼道灯不亮")
    square = saying_submit(actor=town.resident, title="建议修文化广场", text="村口空地可以利用")
    client = client_as("secretary")
    page = text(client.get(reverse("web:delib_sayings")))
    assert "楼道灯坏了" in page and "建议修文化广场" in page
    blank = client.post(reverse("web:delib_saying_act", args=[lamp.pk, "answer"]), {f"s{lamp.pk}-reply": ""})
    assert blank.status_code == 422 and "该字段是必填项。" in text(blank)
    assert Saying.objects.get(pk=lamp.pk).status == Saying.Status.NEW
    client.post(
        reverse("web:delib_saying_act", args=[lamp.pk, "answer"]), {f"s{lamp.pk}-reply": "已安排维修"}
    )
    assert Saying.objects.get(pk=lamp.pk).status == Saying.Status.ANSWERED
    bad_amount = client.post(
        reverse("web:delib_saying_act", args=[square.pk, "accept"]),
        {
            f"s{square.pk}-procedure": world.procedures["ti_yi_jue_ban_ping"].pk,
            f"s{square.pk}-matter_type": "project",
            f"s{square.pk}-amount": "很多",
        },
    )
    assert (
        bad_amount.status_code == 422 and "金额须为数字" in text(bad_amount) and Matter.objects.count() == 0
    )
    accepted = client.post(
        reverse("web:delib_saying_act", args=[square.pk, "accept"]),
        {
            f"s{square.pk}-procedure": world.procedures["ti_yi_jue_ban_ping"].pk,
            f"s{square.pk}-matter_type": "project",
            f"s{square.pk}-amount": "30000",
        },
        follow=True,
    )
    matter = Matter.objects.get()
    assert "已立为议题“建议修文化广场”" in text(accepted)
    assert matter.source == "saying" and matter.amount_fen == 3_000_000
    assert Saying.objects.get(pk=square.pk).matter == matter
    # Handled sayings offer no forms; a second accept is refused.
    again = client.post(
        reverse("web:delib_saying_act", args=[square.pk, "accept"]),
        {
            f"s{square.pk}-procedure": world.procedures["ti_yi_jue_ban_ping"].pk,
            f"s{square.pk}-matter_type": "project",
        },
    )
    assert again.status_code == 422 and "该说事已处理" in text(again) and Matter.objects.count() == 1
    # Out of scope: the outsider neither sees nor handles it.
    assert "楼道灯坏了" not in text(client_as("outsider").get(reverse("web:delib_sayings") + "?status=all"))
    assert (
        client_as("outsider").post(reverse("web:delib_saying_act", args=[lamp.pk, "answer"]), {}).status_code
        == 404
    )


# ---------------------------------------------------------------- bodies and procedures


def test_bodies_add_and_remove_member(world: DeliberationWorld, client_as: ClientAs) -> None:
    town = world.town
    body = world.bodies[BodyKind.COUNCIL]
    client = client_as("secretary")
    page = text(client.get(reverse("web:delib_bodies")))
    assert "创举社区议事会" in page and 'data-testid="member-add-form"' in page
    assert 'data-testid="member-add-form"' not in text(client_as("council").get(reverse("web:delib_bodies")))
    before = BodyMember.objects.filter(body=body, active=True).count()
    wang = town.residents["wang"]
    bad = client.post(
        reverse("web:delib_member_add", args=[body.pk]),
        {f"b{body.pk}-person": f"r{town.residents['liu'].pk}"},
    )
    assert bad.status_code == 422 and "请选择成员" in text(bad)
    added = client.post(
        reverse("web:delib_member_add", args=[body.pk]),
        {f"b{body.pk}-person": f"r{wang.pk}", f"b{body.pk}-title": "议事员"},
        follow=True,
    )
    assert "已将王志强加入创举社区议事会" in text(added)
    assert BodyMember.objects.filter(body=body, active=True).count() == before + 1
    member = BodyMember.objects.get(body=body, resident=wang)
    removed = client.post(
        reverse("web:delib_member_remove", args=[body.pk]), {"member": member.pk}, follow=True
    )
    assert "王志强已不再是创举社区议事会成员" in text(removed)
    assert not BodyMember.objects.get(pk=member.pk).active
    assert (
        client_as("council")
        .post(reverse("web:delib_member_remove", args=[body.pk]), {"member": member.pk})
        .status_code
        == 404
    )
    assert client_as("outsider").post(reverse("web:delib_member_add", args=[body.pk]), {}).status_code == 404


def test_procedures_in_words_and_adopt(world: DeliberationWorld, client_as: ClientAs) -> None:
    town = world.town
    client = client_as("street")
    page = text(client.get(reverse("web:delib_procedures")))
    assert "到会：超过三分之二 · 通过：超过半数（到会） · 允许书面委托" in page
    assert "不少于7天 · 退回至：村(居)民代表会议决议" in page
    assert "仅重大事项" in page
    before = Procedure.objects.count()
    taken = client.post(
        reverse("web:delib_procedure_new"), {"template": "siyi_liangkai", "node": town.village.pk}
    )
    assert taken.status_code == 422 and "创举社区已有编码为 siyi_liangkai 的议事规程" in text(taken)
    unknown = client.post(reverse("web:delib_procedure_new"), {"template": "nope", "node": town.village.pk})
    assert unknown.status_code == 422 and Procedure.objects.count() == before
    ok = client.post(
        reverse("web:delib_procedure_new"),
        {"template": "sishi_sigong", "node": town.other_village.pk},
        follow=True,
    )
    assert "白衣村已采用议事规程“四事四共”" in text(ok)
    assert Procedure.objects.count() == before + 1
    # The secretary may adopt only at their own community (and its grids are no administrative node).
    secretary_page = text(client_as("secretary").get(reverse("web:delib_procedures")))
    assert f'<option value="{town.other_village.pk}"' not in secretary_page
    assert (
        client_as("council")
        .post(reverse("web:delib_procedure_new"), {"template": "sishi_sigong", "node": town.village.pk})
        .status_code
        == 404
    )
    assert Body.objects.filter(node=town.other_village).count() == 0


def test_task_owner_reports_progress(major: Matter, world: DeliberationWorld, client_as: ClientAs) -> None:
    town = world.town
    step = walk_to(major, "zuzhi_shishi", actor=town.secretary)
    task = task_add(actor=town.secretary, step=step, title="签订合同", owner=town.council)
    task_progress(actor=town.council, task=task, progress=10)
    response = client_as("council").post(
        act_url(major, "task_progress"), {"task": task.pk, "progress": 60}, follow=True
    )
    assert "已填报进度" in text(response) and Task.objects.get().progress == 60
