"""``sanzhi points templates | adopt | schemes | rules export/import``."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sanzhi.core.testing import Town
from sanzhi.points.models import Rule, Scheme, Star, Tier

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("points", *args, stdout=out)
    return out.getvalue()


def test_templates_lists_the_three_shipped_schemes() -> None:
    rows = json.loads(run("templates", "--json"))
    assert {r["key"]: (r["categories"], r["rules"]) for r in rows} == {
        "daode_bank": (4, 21),
        "shixing": (10, 54),
        "houma_grid": (22, 67),
    }
    text = run("templates")
    assert "houma_grid" in text and "22" in text


def test_adopt_each_template_in_one_command(town: Town) -> None:
    out = run("adopt", "shixing", "--node", town.village.code)
    assert "54" in out
    run("adopt", "houma_grid", "--node", town.village.code, "--name", "创举社区网格员积分")
    run("adopt", "daode_bank", "--node", town.other_village.code, "--code", "daode")
    shixing = Scheme.objects.get(code="shixing")
    assert Star.objects.filter(scheme=shixing).count() == 10
    grid = Scheme.objects.get(code="houma_grid")
    assert grid.name == "创举社区网格员积分" and Tier.objects.filter(scheme=grid).count() == 2
    assert Scheme.objects.get(code="daode").node_id == town.other_village.pk
    listed = json.loads(run("schemes", "--under", town.village.code, "--json"))
    assert sorted(r["code"] for r in listed) == ["houma_grid", "shixing"]
    assert {r["code"]: r["rules"] for r in listed} == {"houma_grid": 67, "shixing": 54}
    assert len(json.loads(run("schemes", "--json"))) == 3


def test_adopt_refuses_a_duplicate_and_an_unknown_node(town: Town) -> None:
    run("adopt", "daode_bank", "--node", town.village.code)
    with pytest.raises(CommandError, match="daode_bank"):
        run("adopt", "daode_bank", "--node", town.village.code)
    with pytest.raises(CommandError):
        run("adopt", "daode_bank", "--node", "999")
    assert Scheme.objects.count() == 1


def test_rules_export_then_import(town: Town, tmp_path: Path) -> None:
    run("adopt", "daode_bank", "--node", town.village.code)
    run("adopt", "daode_bank", "--node", town.other_village.code)
    out = tmp_path / "daode.csv"
    with pytest.raises(CommandError, match="--node"):  # the code is used at two nodes
        run("rules", "export", "daode_bank", str(out))
    assert "21" in run("rules", "export", "daode_bank", str(out), "--node", town.village.code)
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    rows[1][3] = "参加志愿服务活动（含防汛值守）"
    rows.append(["social", "社会公德", "river", "参加河道清理", "8", "", "照片", "", "", "是"])
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    scheme = Scheme.objects.get(node=town.village)
    report = json.loads(run("rules", "import", str(scheme.pk), str(out), "--json"))
    assert report["ok"] and report["created_codes"] == ["river"] and report["updated"] == 1
    assert Rule.objects.get(scheme=scheme, code="volunteer").item == "参加志愿服务活动（含防汛值守）"
    assert not Rule.objects.filter(code="river").exclude(scheme=scheme).exists()


def test_rules_import_exits_1_with_row_errors(town: Town, tmp_path: Path) -> None:
    run("adopt", "daode_bank", "--node", town.village.code)
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["类别编码", "细则编码", "事项", "最低分值", "最高分值"],
                ["social", "ok1", "好事项", "5", ""],
                ["social", "bad1", "坏事项", "-5", "5"],
            ]
        )
    out = StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("points", "rules", "import", "daode_bank", str(bad), stdout=out)
    assert exc.value.returncode == 1
    assert "第 3 行" in out.getvalue() and "最高分值" in out.getvalue()
    assert not Rule.objects.filter(code__in=["ok1", "bad1"]).exists()
