"""``sanzhi disclosure``: adopt and list the calendar's plans, print the calendar with statuses,
import and export finance lines (all or nothing), publish; bad input gets the translated message
and a non-zero exit. Time is frozen on 5 November 2026 (Asia/Shanghai)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from sanzhi.cli import main
from sanzhi.core.testing import Town
from sanzhi.disclosure.defaults import DEFAULT_PLANS
from sanzhi.disclosure.models import (
    Area,
    Disclosure,
    DisclosurePlan,
    DisclosureStatus,
    FinanceLine,
    Publication,
)
from sanzhi.disclosure.services import disclosure_draft, disclosure_publish
from sanzhi.disclosure.tests.core_kit import SH, add_lines, finance_draft, finance_plan

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 5, 9, 30, tzinfo=SH)
HEADER = ["日期", "收支", "摘要", "对方单位", "凭证号", "金额(元)", "备注"]


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def run(*args: str) -> str:
    out = StringIO()
    call_command("disclosure", *args, stdout=out)
    return out.getvalue()


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_plans_adopt_then_list(town: Town) -> None:
    out = run("plans", "adopt", "--node", town.village.code)
    assert f"新增 {len(DEFAULT_PLANS)} 项" in out
    assert DisclosurePlan.objects.filter(node=town.village).count() == len(DEFAULT_PLANS)
    again = run("plans", "adopt", "--node", town.village.code)
    assert "新增 0 项" in again
    listed = run("plans", "list", "--node", town.village.code)
    assert f"共 {len(DEFAULT_PLANS)} 个公开事项" in listed
    assert DEFAULT_PLANS[0].title in listed
    rows = json.loads(run("plans", "list", "--node", town.village.code, "--json"))
    assert {r["area"] for r in rows} == {"party", "affairs", "finance"}


def test_plans_list_hides_stopped_ones_unless_all(town: Town) -> None:
    plan = finance_plan(town)
    DisclosurePlan.objects.filter(pk=plan.pk).update(active=False)
    assert "共 0 个公开事项" in run("plans", "list", "--node", town.village.code)
    everything = run("plans", "list", "--node", town.village.code, "--all")
    assert "财务收支明细 (停用)" in everything and "共 1 个公开事项" in everything


def test_calendar_prints_each_period_with_its_status(town: Town) -> None:
    plan = finance_plan(town)
    draft = finance_draft(town, plan, "2026-10")
    out = run("calendar", "--node", town.village.code)
    lines = out.splitlines()
    assert lines[0] == "创举社区 2026 年公开日历（截至 2026-11-05）"
    assert lines[1].split("\t") == ["类别", "公开事项", "所属期", "应公开日期", "状态", "公开内容"]
    assert lines[2].split("\t") == ["财务", "财务收支明细", "2026-10", "2026-11-10", "待公开", f"#{draft.pk}"]
    assert lines[3].split("\t") == ["财务", "财务收支明细", "2026-11", "2026-12-10", "未到期", "-"]
    assert lines[-1] == "共 3 期：待公开 1，未到期 2"
    with time_machine.travel(dt.datetime(2026, 12, 20, 9, 0, tzinfo=SH), tick=False):
        later = json.loads(run("calendar", "--node", town.village.code, "--json"))
    assert [(e["period"], e["status"]) for e in later] == [
        ("2026-10", "overdue"),
        ("2026-11", "overdue"),
        ("2026-12", "upcoming"),
    ]
    assert len(json.loads(run("calendar", "--node", town.village.code, "--year", "2027", "--json"))) == 12


def test_calendar_bad_input(town: Town) -> None:
    with pytest.raises(CommandError, match="节点 999 不存在"):
        run("calendar", "--node", "999")
    with pytest.raises(CommandError, match="年份应为"):
        run("calendar", "--node", town.village.code, "--year", "26")
    with pytest.raises(CommandError):
        run("calendar")  # --node is required


def test_lines_import_export_round_trip(town: Town, tmp_path: Path) -> None:
    draft = finance_draft(town)
    good = write_csv(
        tmp_path / "lines.csv",
        [HEADER, ["2026-10-05", "收入", "停车场收费", "创举社区停车场", "记-101", "1,234.50", ""]],
    )
    out = run("lines", "import", str(draft.pk), str(good))
    assert "新增 1 条明细" in out
    line = FinanceLine.objects.get(disclosure=draft)
    assert (line.amount_fen, line.voucher_no) == (123450, "记-101")
    exported = tmp_path / "out.csv"
    assert "已导出 1 条收支明细" in run("lines", "export", str(draft.pk), str(exported))
    rows = list(csv.reader(exported.open(encoding="utf-8-sig")))
    assert rows == [HEADER, ["2026-10-05", "收入", "停车场收费", "创举社区停车场", "记-101", "1234.50", ""]]
    replaced = run("lines", "import", str(draft.pk), str(exported), "--replace")
    assert "替换 1 条" in replaced
    assert FinanceLine.objects.filter(disclosure=draft).count() == 1
    xlsx = tmp_path / "out.xlsx"
    run("lines", "export", str(draft.pk), str(xlsx))
    assert xlsx.read_bytes()[:2] == b"PK"


def test_lines_import_with_bad_rows_writes_nothing(town: Town, tmp_path: Path) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    bad = write_csv(
        tmp_path / "bad.csv",
        [
            HEADER,
            ["2026-10-05", "收入", "租金", "", "", "100", ""],
            ["2026-12-01", "收入", "租金", "", "", "-1", ""],
        ],
    )
    out = StringIO()
    with pytest.raises(CommandError, match="未写入任何数据") as refused:
        call_command("disclosure", "lines", "import", str(draft.pk), str(bad), stdout=out)
    assert refused.value.returncode == 1
    text = out.getvalue()
    assert "共 2 行，发现 2 处错误" in text and "第 3 行【日期】" in text and "第 3 行【金额(元)】" in text
    assert FinanceLine.objects.filter(disclosure=draft).count() == 2
    report = StringIO()
    with pytest.raises(CommandError):
        call_command("disclosure", "lines", "import", str(draft.pk), str(bad), "--json", stdout=report)
    assert [e["code"] for e in json.loads(report.getvalue())["errors"]] == [
        "finance_date_outside_period",
        "finance_amount_negative",
    ]
    with pytest.raises(CommandError, match="文件"):
        run("lines", "import", str(draft.pk), str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="没有编号为 x 的公开内容"):
        run("lines", "import", "x", str(bad))
    with pytest.raises(CommandError, match=r"\.xlsx 或 \.csv"):
        run("lines", "export", str(draft.pk), str(tmp_path / "out.txt"))
    assert FinanceLine.objects.filter(disclosure=draft).count() == 2


def test_publish(town: Town) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    out = run("publish", str(draft.pk))
    publication = Publication.objects.get()
    assert f"公开发布链第 {publication.seq} 条" in out and publication.hash in out
    assert Disclosure.objects.get(pk=draft.pk).status == DisclosureStatus.PUBLISHED
    with pytest.raises(CommandError, match="已发布"):
        run("publish", str(draft.pk))
    with pytest.raises(CommandError, match="没有编号为 99999 的公开内容"):
        run("publish", "99999")
    assert Publication.objects.count() == 1


def test_publish_an_empty_draft_is_refused(town: Town) -> None:
    draft = disclosure_draft(actor=None, node=town.village, area=Area.PARTY, title="空的")
    with pytest.raises(CommandError, match="公开内容是空的"):
        run("publish", str(draft.pk))
    assert not Publication.objects.exists()


def test_lines_of_a_published_disclosure_are_refused(town: Town, tmp_path: Path) -> None:
    draft = finance_draft(town)
    add_lines(town, draft)
    disclosure_publish(actor=None, disclosure=draft)
    good = write_csv(tmp_path / "lines.csv", [HEADER, ["2026-10-05", "收入", "租金", "", "", "1", ""]])
    with pytest.raises(CommandError, match="已发布，不能再修改"):
        run("lines", "import", str(draft.pk), str(good))


def test_the_sanzhi_command_exits_non_zero_with_the_message(
    town: Town, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Run from the command line, a command closes the connections when done: that would end the
    # test's transaction on PostgreSQL.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        main(["sanzhi", "disclosure", "publish", "424242"])
    assert exited.value.code == 1
    assert "没有编号为 424242 的公开内容" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["sanzhi", "disclosure", "plans", "adopt", "--node", "123"])
    assert exited.value.code == 1
    assert "节点 123 不存在" in capsys.readouterr().err
