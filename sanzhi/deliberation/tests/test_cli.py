"""``sanzhi deliberation templates | adopt | procedures | matters``: output, and bad input answered
with a translated message, a non-zero exit and nothing written."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sanzhi.cli import main
from sanzhi.core.testing import Town
from sanzhi.deliberation import flow
from sanzhi.deliberation.models import Matter, MatterType, Procedure, Stage
from sanzhi.deliberation.testing import build_deliberation_world

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("deliberation", *args, stdout=out)
    return out.getvalue()


def test_templates_lists_the_three_shipped_procedures() -> None:
    rows = json.loads(run("templates", "--json"))
    assert {r["key"]: len(r["stages"]) for r in rows} == {
        "siyi_liangkai": 8,
        "ti_yi_jue_ban_ping": 7,
        "sishi_sigong": 7,
    }
    text = run("templates")
    assert "四议两公开" in text and "党组织提议 → 两委会议商议" in text


def test_adopt_as_a_manager_then_show_its_stages_and_rules(town: Town) -> None:
    out = run("adopt", "siyi_liangkai", "--node", town.village.code, "--as", "secretary")
    procedure = Procedure.objects.get(node=town.village, code="siyi_liangkai")
    assert str(procedure.pk) in out and "8" in out
    assert Stage.objects.filter(procedure=procedure).count() == 8
    run(
        "adopt",
        "sishi_sigong",
        "--node",
        town.village.code,
        "--code",
        "gong",
        "--name",
        "四事四共（试行）",
        "--as",
        "street",
    )
    rows = json.loads(run("procedures", "--node", town.grid.code, "--json"))  # covers the grid from above
    assert [(r["code"], r["name"]) for r in rows] == [
        ("siyi_liangkai", "四议两公开"),
        ("gong", "四事四共（试行）"),
    ]
    reps = next(s for s in rows[0]["stages"] if s["code"] == "daibiao_jueyi")
    assert (reps["quorum"], reps["majority"], reps["majority_base"], reps["allows_proxy"]) == (
        ">2/3",
        ">1/2",
        "present",
        True,
    )
    text = run("procedures", "--node", town.village.code)
    assert "到会>2/3，赞成>1/2（基数：到会人数）" in text and "至少7天" in text and "仅重大事项" in text
    assert "退回至 daibiao_jueyi" in text
    assert "没有适用的议事规程" in run("procedures", "--node", town.other_village.code)


def test_adopt_as_the_operator(town: Town) -> None:
    run("adopt", "siyi_liangkai", "--node", town.village.code)
    assert Procedure.objects.filter(node=town.village).count() == 1


def test_adopt_refuses_bad_input_and_writes_nothing(town: Town) -> None:
    with pytest.raises(CommandError, match="没有名为 nope 的议事规程模板"):
        run("adopt", "nope", "--node", town.village.code, "--as", "secretary")
    with pytest.raises(CommandError, match="没有编码为 999 的节点"):
        run("adopt", "siyi_liangkai", "--node", "999", "--as", "secretary")
    with pytest.raises(CommandError, match="没有名为 ghost 的可用账号"):
        run("adopt", "siyi_liangkai", "--node", town.village.code, "--as", "ghost")
    with pytest.raises(CommandError, match="无权维护此地的议事规程"):
        run("adopt", "siyi_liangkai", "--node", town.village.code, "--as", "gridworker")
    assert Procedure.objects.count() == 0
    run("adopt", "siyi_liangkai", "--node", town.village.code, "--as", "secretary")
    with pytest.raises(CommandError, match="已有编码为 siyi_liangkai 的议事规程"):
        run("adopt", "siyi_liangkai", "--node", town.village.code, "--as", "secretary")
    assert Procedure.objects.count() == 1


def test_matters_by_node_and_status(town: Town) -> None:
    world = build_deliberation_world(town)
    secretary = town.users["secretary"]
    major = flow.matter_propose(
        actor=secretary,
        node=town.village,
        procedure=world.procedures["siyi_liangkai"],
        title="集体资产出租",
        matter_type=MatterType.ASSETS,
    )
    small = flow.matter_propose(
        actor=secretary, node=town.grid, procedure=world.procedures["ti_yi_jue_ban_ping"], title="楼道照明"
    )
    flow.matter_withdraw(actor=secretary, matter=small, reason="已由物业解决")
    rows = json.loads(run("matters", "--node", town.village.code, "--json"))
    assert [(r["id"], r["status"], r["stage"], r["major"]) for r in rows] == [
        (small.pk, "withdrawn", None, False),
        (major.pk, "active", "dang_tiyi", True),
    ]
    active = json.loads(run("matters", "--node", town.village.code, "--status", "active", "--json"))
    assert [r["id"] for r in active] == [major.pk]
    assert json.loads(run("matters", "--node", town.other_village.code, "--json")) == []
    text = run("matters", "--node", town.grid.code)
    assert "楼道照明" in text and "已撤回" in text and "集体资产出租" not in text
    with pytest.raises(CommandError, match="议题状态无效：lost"):
        run("matters", "--node", town.village.code, "--status", "lost")
    assert Matter.objects.count() == 2


def test_the_sanzhi_command_exits_non_zero_with_the_message(
    town: Town, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["sanzhi", "deliberation", "matters", "--node", "999"])
    assert exit_.value.code not in (0, None)
    assert "没有编码为 999 的节点" in capsys.readouterr().err
