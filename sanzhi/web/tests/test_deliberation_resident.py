"""Resident 议事协商 pages per persona, the clock frozen before / during / after each window:
公示 and 异议 (only residents living under the notice's node, only inside the window), 群众评价
(once, inside the window, the tally after rating), 村民说事 (with the matter's progress once
accepted), and a member's own meetings and vote (open or secret). Every refusal shows the
service's message and writes nothing; what lies outside the user's home is a 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from sanzhi.core.models import AuditEvent
from sanzhi.core.testing import Town, make_user
from sanzhi.deliberation import flow
from sanzhi.deliberation.meetings import meeting_decide, meeting_record_count
from sanzhi.deliberation.models import (
    Attendance,
    Ballot,
    Evaluation,
    Matter,
    MatterEvent,
    MatterStep,
    Meeting,
    Notice,
    Objection,
    ObjectionStatus,
    Procedure,
    Rating,
    Saying,
)
from sanzhi.deliberation.notices import notice_open, objection_decide
from sanzhi.deliberation.proposals import saying_accept, saying_answer, saying_submit
from sanzhi.deliberation.testing import DeliberationWorld, build_deliberation_world
from sanzhi.deliberation.tests import meeting_kit
from sanzhi.deliberation.tests.notice_kit import at, current, propose, walk_to
from sanzhi.disclosure.models import Publication

pytestmark = pytest.mark.django_db
ClientAs = Callable[[str], Client]

# Personas that are not registered residents of 创举社区 (``baiyi`` lives in 白衣村).
NOT_HOME = ("rep", "gridworker", "secretary", "outsider", "baiyi", "nobody")

T0 = at(2026, 10, 8, 15)  # the notice opens: 7 full days, until 10-16 00:00
ENDS = at(2026, 10, 16)
NOTICE_PHASES = {
    "before": T0 - dt.timedelta(hours=1),
    "opening": T0,
    "during": T0 + dt.timedelta(days=3),
    "last_instant": ENDS - dt.timedelta(microseconds=1),
    "end": ENDS,
    "after": ENDS + dt.timedelta(days=2),
}
E0 = at(2026, 11, 2, 10)  # the evaluation stage opens: 15 days
E_END = E0 + dt.timedelta(days=15)
EVAL_PHASES = {
    "opening": E0,
    "during": E0 + dt.timedelta(days=7),
    "last_instant": E_END - dt.timedelta(microseconds=1),
    "end": E_END,
    "after": E_END + dt.timedelta(days=3),
}
INSIDE = {"opening", "during", "last_instant"}


@pytest.fixture
def world(town: Town) -> DeliberationWorld:
    world = build_deliberation_world(town)
    baiyi = town.residents["liu"]  # 刘德华 of 白衣村 gets a login
    baiyi.user = make_user("baiyi")
    baiyi.save(update_fields=["user"])
    town.users["baiyi"] = baiyi.user
    return world


@pytest.fixture
def login(world: DeliberationWorld) -> ClientAs:
    def make(persona: str) -> Client:
        client = Client()
        client.force_login(world.town.users[persona])
        return client

    return make


@pytest.fixture
def notice(world: DeliberationWorld) -> Notice:
    """A 四议两公开 matter at 决议公开 (7 days) at 创举社区, its notice opened at T0."""
    secretary = world.town.users["secretary"]
    matter = propose(world, now=T0 - dt.timedelta(days=3))
    step = walk_to(matter, "jueyi_gongkai", actor=secretary, now=T0 - dt.timedelta(days=1))
    return notice_open(
        actor=secretary, step=step, title="文化广场建设决议公示", body="拟投资3000元修建文化广场。", now=T0
    )


@pytest.fixture
def other_notice(world: DeliberationWorld) -> Notice:
    """白衣村's own notice (its own procedure), running at T0 too."""
    town = world.town
    procedure = Procedure.objects.get(pk=world.procedures["siyi_liangkai"].pk)
    procedure.pk = None
    procedure.node, procedure.node_path, procedure.code = town.other_village, town.other_village.path, "baiyi"
    procedure.save()
    for stage in list(world.procedures["siyi_liangkai"].stages.all()):
        stage.pk, stage.procedure = None, procedure
        stage.save()
    matter = flow.matter_propose(
        actor=town.users["street"],
        node=town.other_village,
        procedure=procedure,
        title="白衣村道路硬化",
        amount_fen=100_000,
        now=T0 - dt.timedelta(days=3),
    )
    step = walk_to(matter, "jueyi_gongkai", actor=town.users["street"], now=T0 - dt.timedelta(days=1))
    return notice_open(actor=town.users["street"], step=step, title="白衣村道路硬化公示", body="……", now=T0)


def snapshot() -> tuple[Any, ...]:
    """Everything a refused action must leave as it was."""
    return (
        list(Notice.objects.order_by("id").values_list("id", "status")),
        list(Objection.objects.order_by("id").values_list("id", "status", "text")),
        list(MatterStep.objects.order_by("id").values_list("id", "status")),
        list(Matter.objects.order_by("id").values_list("id", "status", "current_step_id")),
        list(Evaluation.objects.order_by("id").values_list("id", "rating")),
        list(Saying.objects.order_by("id").values_list("id", "status")),
        list(Attendance.objects.order_by("id").values_list("id", "status", "voted")),
        list(Ballot.objects.order_by("id").values_list()),
        MatterEvent.objects.count(),
        AuditEvent.objects.count(),
        Publication.objects.count(),
    )


def body(response: Any) -> str:
    return response.content.decode()


def notice_url(notice: Notice) -> str:
    return reverse("web:delib_my_notice", args=[notice.pk])


# ---------------------------------------------------------------- login


@pytest.mark.parametrize(
    "name,args",
    [
        ("delib_my_home", []),
        ("delib_my_notices", []),
        ("delib_my_notice", [1]),
        ("delib_my_evaluations", []),
        ("delib_my_evaluate", [1]),
        ("delib_my_sayings", []),
        ("delib_my_meetings", []),
        ("delib_my_meeting", [1]),
        ("delib_my_vote", [1]),
    ],
)
def test_anonymous_is_sent_to_login(world: DeliberationWorld, name: str, args: list[int]) -> None:
    url = reverse(f"web:{name}", args=args)
    for response in (Client().get(url), Client().post(url, {"text": "x"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("web:login"))
    assert Objection.objects.count() == 0 and Saying.objects.count() == 0


# ---------------------------------------------------------------- 公示 and 异议


@pytest.mark.parametrize("persona", ("resident", *NOT_HOME))
def test_who_sees_the_running_notice(login: ClientAs, notice: Notice, persona: str) -> None:
    with time_machine.travel(NOTICE_PHASES["during"], tick=False):
        listing = login(persona).get(reverse("web:delib_my_notices"))
        detail = login(persona).get(notice_url(notice))
    assert listing.status_code == 200
    if persona == "resident":
        assert f'data-notice="{notice.pk}"' in body(listing)
        assert detail.status_code == 200
        page = body(detail)
        assert "文化广场建设决议公示" in page and "拟投资3000元修建文化广场。" in page
        assert "公示期 2026-10-08 15:00 至 2026-10-16 00:00" in page
        assert "还剩4天9小时" in page
        assert 'data-testid="objection-form"' in page
    else:
        assert "文化广场建设决议公示" not in body(listing)
        assert 'data-testid="notices-empty"' in body(listing)
        assert detail.status_code == 404


@pytest.mark.parametrize("phase", NOTICE_PHASES)
def test_objection_only_inside_the_window(login: ClientAs, notice: Notice, phase: str) -> None:
    client = login("resident")
    before = snapshot()
    with time_machine.travel(NOTICE_PHASES[phase], tick=False):
        page = body(client.get(notice_url(notice)))
        listing = body(client.get(reverse("web:delib_my_notices")))
        response = client.post(notice_url(notice), {"text": "广场选址离住户太近"})
    if phase in INSIDE:
        assert 'data-testid="objection-form"' in page
        assert f'data-notice="{notice.pk}"' in listing
        assert response.status_code == 302
        objection = Objection.objects.get()
        assert objection.text == "广场选址离住户太近" and objection.created_at == NOTICE_PHASES[phase]
        assert objection.resident_id is not None
        return
    assert 'data-testid="objection-form"' not in page
    assert f'data-notice="{notice.pk}"' not in listing
    assert response.status_code == 422
    assert "不在公示期内（2026-10-08 15:00至2026-10-16 00:00），不能提出异议" in body(response)
    assert snapshot() == before


@pytest.mark.parametrize("persona", NOT_HOME)
def test_only_a_resident_under_the_notice_may_object(login: ClientAs, notice: Notice, persona: str) -> None:
    before = snapshot()
    with time_machine.travel(NOTICE_PHASES["during"], tick=False):
        response = login(persona).post(notice_url(notice), {"text": "我反对"})
    assert response.status_code == 404
    assert snapshot() == before


def test_another_community_notice_is_not_found(login: ClientAs, notice: Notice, other_notice: Notice) -> None:
    with time_machine.travel(NOTICE_PHASES["during"], tick=False):
        mine = body(login("resident").get(reverse("web:delib_my_notices")))
        theirs = body(login("baiyi").get(reverse("web:delib_my_notices")))
        assert f'data-notice="{notice.pk}"' in mine and f'data-notice="{other_notice.pk}"' not in mine
        assert f'data-notice="{other_notice.pk}"' in theirs and f'data-notice="{notice.pk}"' not in theirs
        before = snapshot()
        assert login("resident").get(notice_url(other_notice)).status_code == 404
        assert login("resident").post(notice_url(other_notice), {"text": "x"}).status_code == 404
        assert login("baiyi").get(notice_url(notice)).status_code == 404
        assert login("baiyi").post(notice_url(notice), {"text": "x"}).status_code == 404
    assert snapshot() == before


def test_objection_refusals_show_the_message_and_write_nothing(login: ClientAs, notice: Notice) -> None:
    client = login("resident")
    with time_machine.travel(NOTICE_PHASES["during"], tick=False):
        before = snapshot()
        empty = client.post(notice_url(notice), {"text": "   "})
        assert empty.status_code == 422
        assert "请填写异议内容（不超过5000字）" in body(empty)
        assert snapshot() == before
        assert client.post(notice_url(notice), {"text": "第一条"}).status_code == 302
        before = snapshot()
        again = client.post(notice_url(notice), {"text": "第二条"})
        assert again.status_code == 422
        assert "您的异议正在处理中" in body(again)
        assert "第二条" in body(again)  # what was typed is kept
    assert snapshot() == before


def test_my_objections_show_status_and_reply(
    world: DeliberationWorld, login: ClientAs, notice: Notice
) -> None:
    client = login("resident")
    with time_machine.travel(NOTICE_PHASES["during"], tick=False):
        client.post(notice_url(notice), {"text": "广场选址离住户太近"})
        pending = body(client.get(reverse("web:delib_my_notices")))
        assert 'data-status="pending"' in pending and "待处理" in pending
        objection_decide(
            actor=world.town.users["secretary"],
            objection=Objection.objects.get(),
            uphold=False,
            reply="选址已征求周边住户意见",
        )
        listing = body(client.get(reverse("web:delib_my_notices")))
        detail = body(client.get(notice_url(notice)))
    for page in (listing, detail):
        assert 'data-status="dismissed"' in page and "异议不成立" in page
        assert "选址已征求周边住户意见" in page
    assert Objection.objects.get().status == ObjectionStatus.DISMISSED


def test_upheld_notice_page_says_so(world: DeliberationWorld, login: ClientAs, notice: Notice) -> None:
    client = login("resident")
    with time_machine.travel(NOTICE_PHASES["during"], tick=False):
        client.post(notice_url(notice), {"text": "决议程序有误"})
        objection_decide(
            actor=world.town.users["secretary"],
            objection=Objection.objects.get(),
            uphold=True,
            reply="退回重议",
        )
        page = body(client.get(notice_url(notice)))
        listing = body(client.get(reverse("web:delib_my_notices")))
    assert 'data-phase="returned"' in page and "异议成立，已退回重议" in page
    assert 'data-testid="objection-form"' not in page
    assert f'data-notice="{notice.pk}"' not in listing and "异议成立" in listing


# ---------------------------------------------------------------- 群众评价


@pytest.fixture
def evaluating(world: DeliberationWorld) -> Matter:
    """A 提-议-决-办-评 matter at 创举社区 whose 评 stage (15 days) opened at E0."""
    matter = propose(world, "ti_yi_jue_ban_ping", title="小区路灯维修", now=E0 - dt.timedelta(days=40))
    walk_to(matter, "ping", actor=world.town.users["secretary"], now=E0)
    return matter


def evaluate_url(matter: Matter) -> str:
    return reverse("web:delib_my_evaluate", args=[matter.pk])


def test_not_yet_evaluating_shows_nothing_and_refuses(world: DeliberationWorld, login: ClientAs) -> None:
    matter = propose(world, "ti_yi_jue_ban_ping", title="小区路灯维修", now=E0 - dt.timedelta(days=40))
    walk_to(matter, "ban", actor=world.town.users["secretary"], now=E0 - dt.timedelta(days=1))
    client = login("resident")
    before = snapshot()
    with time_machine.travel(E0, tick=False):
        page = body(client.get(reverse("web:delib_my_evaluations")))
        response = client.post(evaluate_url(matter), {"rating": Rating.SATISFIED})
    assert 'data-testid="evaluations-empty"' in page and "小区路灯维修" not in page
    assert response.status_code == 422
    assert "该议题当前不在群众评价环节" in body(response)
    assert snapshot() == before


@pytest.mark.parametrize("phase", EVAL_PHASES)
def test_rating_only_inside_the_window(login: ClientAs, evaluating: Matter, phase: str) -> None:
    client = login("resident")
    before = snapshot()
    with time_machine.travel(EVAL_PHASES[phase], tick=False):
        page = body(client.get(reverse("web:delib_my_evaluations")))
        assert f'data-matter="{evaluating.pk}"' in page  # the stage is open until staff close it
        response = client.post(evaluate_url(evaluating), {"rating": Rating.BASIC, "comment": "灯亮了"})
    if phase in INSIDE:
        assert 'data-testid="evaluation-form"' in page
        assert response.status_code == 302
        evaluation = Evaluation.objects.get()
        assert (evaluation.rating, evaluation.comment) == (Rating.BASIC, "灯亮了")
        return
    assert 'data-testid="evaluation-form"' not in page and "评价期已结束" in page
    assert response.status_code == 422
    assert "不在评价期内（2026-11-02 10:00至2026-11-17 10:00）" in body(response)
    assert snapshot() == before


def test_rating_once_then_the_tally(world: DeliberationWorld, login: ClientAs, evaluating: Matter) -> None:
    wife = world.town.residents["zhang_wife"]
    wife.user = make_user("wife")
    wife.save(update_fields=["user"])
    client = login("resident")
    with time_machine.travel(EVAL_PHASES["during"], tick=False):
        Evaluation.objects.create(
            matter=evaluating,
            step=current(evaluating),
            user=wife.user,
            resident=wife,
            rating=Rating.UNSATISFIED,
            created_at=EVAL_PHASES["during"],
        )
        first = body(client.get(reverse("web:delib_my_evaluations")))
        assert 'data-testid="evaluation-tally"' not in first  # no tally before one's own rating
        done = client.post(
            evaluate_url(evaluating), {"rating": Rating.SATISFIED, "comment": "很好"}, HTTP_HX_REQUEST="true"
        )
        assert done.status_code == 200
        card = body(done)
        assert "感谢您的评价" in card and "您的评价：满意" in card
        assert 'data-testid="tally-satisfied">1<' in card and 'data-testid="tally-unsatisfied">1<' in card
        assert "50.0%（共2人评价）" in card
        assert "<html" not in card  # a fragment for htmx
        before = snapshot()
        again = client.post(evaluate_url(evaluating), {"rating": Rating.UNSATISFIED}, HTTP_HX_REQUEST="true")
        assert again.status_code == 422
        assert "您已评价过该议题" in body(again)
        assert snapshot() == before
        page = body(client.get(reverse("web:delib_my_evaluations")))
    assert 'data-testid="evaluation-form"' not in page and 'data-testid="evaluation-tally"' in page


def test_rating_refusals_show_the_message(login: ClientAs, evaluating: Matter) -> None:
    client = login("resident")
    before = snapshot()
    with time_machine.travel(EVAL_PHASES["during"], tick=False):
        bad = client.post(evaluate_url(evaluating), {"rating": "great"}, HTTP_HX_REQUEST="true")
        long = client.post(evaluate_url(evaluating), {"rating": Rating.SATISFIED, "comment": "长" * 2001})
    assert bad.status_code == 422 and "评价等级无效" in body(bad)
    assert 'data-testid="evaluation-form"' in body(bad)  # the form comes back to try again
    assert long.status_code == 422 and "意见不超过2000字" in body(long)
    assert snapshot() == before


@pytest.mark.parametrize("persona", NOT_HOME)
def test_only_local_residents_rate(login: ClientAs, evaluating: Matter, persona: str) -> None:
    before = snapshot()
    with time_machine.travel(EVAL_PHASES["during"], tick=False):
        page = body(login(persona).get(reverse("web:delib_my_evaluations")))
        response = login(persona).post(evaluate_url(evaluating), {"rating": Rating.SATISFIED})
    assert "小区路灯维修" not in page
    assert response.status_code == 404
    assert snapshot() == before


# ---------------------------------------------------------------- 村民说事


def test_resident_says_and_follows(world: DeliberationWorld, login: ClientAs) -> None:
    client = login("resident")
    response = client.post(
        reverse("web:delib_my_sayings"), {"title": "楼道灯坏了", "text": "3单元楼道灯不亮"}
    )
    assert response.status_code == 302
    saying = Saying.objects.get()
    assert saying.resident_id == world.town.residents["zhang"].pk
    page = body(client.get(reverse("web:delib_my_sayings")))
    assert "楼道灯坏了" in page and 'data-status="new"' in page and "待处理" in page

    other = saying_submit(actor=world.town.users["resident"], title="垃圾分类", text="建议增设分类垃圾桶")
    saying_answer(actor=world.town.users["secretary"], saying=other, reply="已安排下周增设")
    saying_accept(
        actor=world.town.users["secretary"], saying=saying, procedure=world.procedures["ti_yi_jue_ban_ping"]
    )
    page = body(client.get(reverse("web:delib_my_sayings")))
    assert "已答复" in page and "已安排下周增设" in page
    assert "已立为议题：楼道灯坏了" in page and "进行中" in page
    assert page.count('data-testid="matter-stage"') == 7  # 提 议 审批 决 公示 办 评
    assert "▶ 提：收集议题" in page and page.count('data-current="1"') == 1


def test_sayings_are_ones_own(world: DeliberationWorld, login: ClientAs) -> None:
    wang = world.town.residents["wang"]
    wang.user = make_user("wang")
    wang.save(update_fields=["user"])
    saying_submit(actor=wang.user, title="王家的事", text="……")
    page = body(login("resident").get(reverse("web:delib_my_sayings")))
    assert "王家的事" not in page and 'data-testid="sayings-empty"' in page


@pytest.mark.parametrize("persona", ("rep", "gridworker", "secretary", "outsider", "nobody"))
def test_only_registered_residents_say(login: ClientAs, persona: str) -> None:
    client = login(persona)
    page = body(client.get(reverse("web:delib_my_sayings")))
    assert 'data-testid="not-resident"' in page and 'data-testid="saying-form"' not in page
    before = snapshot()
    response = client.post(reverse("web:delib_my_sayings"), {"title": "事由", "text": "内容"})
    assert response.status_code == 422
    assert "只有登记在册的居民可以说事" in body(response)
    assert snapshot() == before


def test_saying_needs_title_and_text(login: ClientAs) -> None:
    before = snapshot()
    response = login("resident").post(reverse("web:delib_my_sayings"), {"title": "", "text": "内容"})
    assert response.status_code == 422
    assert "请填写事由（不超过200字）" in body(response)
    assert 'value=""' in body(response) and "内容</textarea>" in body(response)
    assert snapshot() == before


# ---------------------------------------------------------------- my meetings and my vote


@pytest.fixture
def sitting(world: DeliberationWorld) -> meeting_kit.Sitting:
    """The representatives (secretary, rep, 张建国, 代表1-3) called for 2026-03-10 14:00."""
    return meeting_kit.sit(world)


def meeting_url(sitting: meeting_kit.Sitting) -> str:
    return reverse("web:delib_my_meeting", args=[sitting.meeting.pk])


def vote_url(sitting: meeting_kit.Sitting) -> str:
    return reverse("web:delib_my_vote", args=[sitting.meeting.pk])


@pytest.mark.parametrize(
    "persona", ("resident", "rep", "gridworker", "secretary", "outsider", "baiyi", "nobody")
)
def test_who_sees_the_meeting(login: ClientAs, sitting: meeting_kit.Sitting, persona: str) -> None:
    with time_machine.travel(meeting_kit.BEFORE, tick=False):
        listing = body(login(persona).get(reverse("web:delib_my_meetings")))
        detail = login(persona).get(meeting_url(sitting))
    member = persona in {"resident", "rep", "secretary"}  # on the representatives' roster
    assert (f'data-meeting="{sitting.meeting.pk}"' in listing) is member
    assert detail.status_code == (200 if member else 404)
    if member:
        assert "会议当天（2026-03-10）签到后才能表决" in body(detail)
        assert 'data-testid="vote-form"' not in body(detail)


def test_vote_before_the_day_is_refused(login: ClientAs, sitting: meeting_kit.Sitting) -> None:
    before = snapshot()
    with time_machine.travel(meeting_kit.BEFORE, tick=False):
        response = login("resident").post(
            vote_url(sitting), {"member": sitting.members["resident"].pk, "choice": "for"}
        )
    assert response.status_code == 422
    assert "会议当天才能签到和表决" in body(response)
    assert snapshot() == before


def test_resident_votes_once_in_an_open_ballot(login: ClientAs, sitting: meeting_kit.Sitting) -> None:
    client = login("resident")
    me = sitting.members["resident"]
    with time_machine.travel(meeting_kit.DURING, tick=False):
        page = body(client.get(meeting_url(sitting)))
        assert 'data-testid="vote-form"' in page and "请先到会签到" in page
        before = snapshot()
        absent = client.post(vote_url(sitting), {"member": me.pk, "choice": "for"})
        assert absent.status_code == 422 and "请先签到" in body(absent)
        assert snapshot() == before
        sitting.seat(present=["resident"])
        done = client.post(vote_url(sitting), {"member": me.pk, "choice": "against"})
        assert done.status_code == 302
        page = body(client.get(done["Location"]))
        assert "已表决：反对" in page
        assert 'data-testid="vote-choice">反对<' in page and 'data-testid="vote-form"' not in page
        before = snapshot()
        again = client.post(vote_url(sitting), {"member": me.pk, "choice": "for"})
        assert again.status_code == 422 and "该成员已经表决" in body(again)
        assert snapshot() == before
    ballot = Ballot.objects.get()
    assert (ballot.member_id, ballot.choice) == (me.pk, "against")


def test_secret_ballot_keeps_no_name(world: DeliberationWorld, login: ClientAs) -> None:
    sitting = meeting_kit.sit(world, secret=True)
    client = login("resident")
    with time_machine.travel(meeting_kit.DURING, tick=False):
        sitting.seat(present=["resident"])
        page = body(client.get(meeting_url(sitting)))
        assert 'data-testid="secret-note"' in page and "您的选择不与您的姓名一起记录" in page
        done = client.post(vote_url(sitting), {"member": sitting.members["resident"].pk, "choice": "for"})
        assert done.status_code == 302
        page = body(client.get(done["Location"]))
    assert "系统只记录您已投票，不记录您的选择" in page
    assert 'data-testid="vote-choice"' not in page and "已投票" in page
    ballot = Ballot.objects.get()
    assert ballot.member_id is None and ballot.choice == "for"


def test_voting_for_someone_else_is_refused(login: ClientAs, sitting: meeting_kit.Sitting) -> None:
    with time_machine.travel(meeting_kit.DURING, tick=False):
        sitting.seat(present=["resident", "rep"])
        before = snapshot()
        response = login("rep").post(
            vote_url(sitting), {"member": sitting.members["resident"].pk, "choice": "for"}
        )
        assert response.status_code == 422 and "只能本人或受托人表决" in body(response)
        stranger = login("resident").post(vote_url(sitting), {"member": 999999, "choice": "for"})
        assert stranger.status_code == 404
        bad = login("resident").post(
            vote_url(sitting), {"member": sitting.members["resident"].pk, "choice": "maybe"}
        )
        assert bad.status_code == 422 and "表决意见无效" in body(bad)
        outsider = login("gridworker").post(
            vote_url(sitting), {"member": sitting.members["resident"].pk, "choice": "for"}
        )
        assert outsider.status_code == 404
    assert snapshot() == before


def test_proxy_holder_votes_for_the_absent_member(login: ClientAs, sitting: meeting_kit.Sitting) -> None:
    client = login("resident")
    with time_machine.travel(meeting_kit.DURING, tick=False):
        sitting.seat(present=["resident"], proxies={"x1": "resident"})
        page = body(client.get(meeting_url(sitting)))
        assert page.count('data-testid="vote-form"') == 2 and "受 代表1 委托表决" in page
        assert (
            client.post(vote_url(sitting), {"member": sitting.members["x1"].pk, "choice": "for"}).status_code
            == 302
        )
    ballot = Ballot.objects.get()
    assert ballot.member_id == sitting.members["x1"].pk and ballot.by_proxy


def test_decided_meeting_shows_the_result(
    world: DeliberationWorld, login: ClientAs, sitting: meeting_kit.Sitting
) -> None:
    secretary = world.town.users["secretary"]
    with time_machine.travel(meeting_kit.DURING, tick=False):
        sitting.seat(present=["secretary", "rep", "resident", "x1", "x2"], absent=["x3"])
        meeting_record_count(
            actor=secretary, meeting=sitting.meeting, votes_for=4, votes_against=1, votes_abstain=0
        )
        meeting_decide(actor=secretary, meeting=sitting.meeting)
        page = body(login("resident").get(meeting_url(sitting)))
        listing = body(login("resident").get(reverse("web:delib_my_meetings")))
    assert "应到6人，实到5人；赞成4票，反对1票，弃权0票" in page and "通过" in page
    assert 'data-testid="vote-form"' not in page
    assert 'data-testid="meetings-past"' in listing
    assert Meeting.objects.get().status == "decided"


# ---------------------------------------------------------------- the hub


def test_hub_counts(login: ClientAs, notice: Notice, sitting: meeting_kit.Sitting) -> None:
    with time_machine.travel(NOTICE_PHASES["during"], tick=False):
        page = body(login("resident").get(reverse("web:delib_my_home")))
        rep = body(login("rep").get(reverse("web:delib_my_home")))
        gridworker = body(login("gridworker").get(reverse("web:delib_my_home")))
    assert 'data-testid="hub-notices-count">1<' in page
    assert 'data-testid="hub-meetings-count">1<' in page
    assert 'data-testid="not-resident"' in rep and 'data-testid="hub-meetings"' in rep
    assert 'data-testid="hub-meetings"' not in gridworker


def test_notice_list_queries_do_not_grow_with_notices(world: DeliberationWorld, login: ClientAs) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    secretary = world.town.users["secretary"]
    client = login("resident")

    def add_notice(title: str) -> Notice:
        matter = propose(world, title=title, now=T0 - dt.timedelta(days=3))
        step = walk_to(matter, "jueyi_gongkai", actor=secretary, now=T0 - dt.timedelta(days=1))
        notice = notice_open(actor=secretary, step=step, title=title, body="……", now=T0)
        with time_machine.travel(NOTICE_PHASES["during"], tick=False):
            client.post(notice_url(notice), {"text": f"对{title}的异议"})
        return notice

    def count() -> int:
        with (
            time_machine.travel(NOTICE_PHASES["during"], tick=False),
            CaptureQueriesContext(connection) as ctx,
        ):
            assert client.get(reverse("web:delib_my_notices")).status_code == 200
        return len(ctx.captured_queries)

    add_notice("议题一")
    one = count()
    add_notice("议题二")
    add_notice("议题三")
    assert count() == one
    assert Objection.objects.count() == 3
