"""``sanzhi points stars evaluate|plaque`` and ``sanzhi points boards publish|list``, with the clock
frozen after the period (the CLI evaluates and publishes as of now)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from sanzhi.points.ledger import points_record
from sanzhi.points.models import Board, StarHolding
from sanzhi.points.stars import star_define
from sanzhi.points.testing import PointsWorld

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
AFTER_OCTOBER = dt.datetime(2026, 11, 2, 9, tzinfo=TZ)


def run(*args: str) -> str:
    out = StringIO()
    call_command("points", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def october(pw: PointsWorld) -> PointsWorld:
    for key, rule, points, day in (
        ("h1", "sorting", None, 3),
        ("h1", "helping", 10, 5),
        ("h2", "volunteer", None, 6),
        ("h2", "wedding", None, 20),
    ):
        points_record(
            actor=pw.town.secretary,
            account_id=pw.accounts[key].pk,
            rule_id=pw.rules[rule].pk,
            points=points,
            note="记录",
            day=dt.date(2026, 10, day),
            approve=True,
            now=dt.datetime(2026, 10, day, 10, tzinfo=TZ),
        )
    for order, (category, name, min_points) in enumerate(
        (("social", "热心公益星", 20), ("family", "孝老爱亲星", 10))
    ):
        star_define(
            actor=None, scheme=pw.scheme, category=category, name=name, min_points=min_points, order=order
        )
    return pw


def test_stars_evaluate_then_plaque(october: PointsWorld) -> None:
    pw = october
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        out = run("stars", "evaluate", "daode", "2026-10")
        assert "创星 2 个，失星 0 个" in out
        with pytest.raises(CommandError, match="已评过星"):
            run("stars", "evaluate", str(pw.scheme.pk), "2026-10")
    assert StarHolding.objects.filter(account=pw.accounts["h1"]).count() == 2
    rows = json.loads(run("stars", "plaque", "daode", "--json"))
    assert [(r["account"], r["stars"]) for r in rows] == [(pw.accounts["h1"].pk, 2)]
    assert "共 1 户" in run("stars", "plaque", "daode")


def test_stars_evaluate_refuses_a_running_period_and_pending_claims(october: PointsWorld) -> None:
    pw = october
    with time_machine.travel(dt.datetime(2026, 10, 31, 12, tzinfo=TZ), tick=False):
        with pytest.raises(CommandError, match="尚未结束"):
            run("stars", "evaluate", "daode", "2026-10")
        points_record(
            actor=pw.town.gridworker,
            account_id=pw.accounts["h2"].pk,
            rule_id=pw.rules["helping"].pk,
            points=10,
            day=dt.date(2026, 10, 30),
        )
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        with pytest.raises(CommandError, match="1 条积分申报待审核"):
            run("stars", "evaluate", "daode", "2026-10")
        assert "创星 2 个" in run("stars", "evaluate", "daode", "2026-10", "--force")
    with pytest.raises(CommandError, match="没有编号或编码"):
        run("stars", "evaluate", "nosuch", "2026-10")


def test_boards_publish_and_list(october: PointsWorld) -> None:
    pw = october
    with time_machine.travel(AFTER_OCTOBER, tick=False):
        out = run("boards", "publish", "daode", "2026-10")
        with pytest.raises(CommandError, match="已发布"):
            run("boards", "publish", "daode", "2026-10")
        micro = run("boards", "publish", "daode", "2026-10", "--node", pw.town.micro.code)
    assert "红榜 2026-10 创举社区 第 1 版" in out and "黑榜 2026-10 创举社区" in out
    assert "张*国户（1号楼联户单元）\t+30" in out and "王*强户（2号楼联户单元）\t-20\t违规操办红白喜事" in out
    assert "王*强" not in micro and Board.objects.count() == 4
    listed = json.loads(run("boards", "list", "--node", pw.town.micro.code, "--json"))
    assert {(b["node"], b["kind"], b["revision"]) for b in listed} == {
        (pw.town.micro.code, "red", 1),
        (pw.town.micro.code, "black", 1),
    }
    assert len(run("boards", "list").strip().splitlines()) == 4
